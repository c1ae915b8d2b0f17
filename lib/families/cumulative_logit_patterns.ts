/**
 * The cumulative logit likelihood over patterns with one exponential per pattern. With E = e^η,
 * A = e^(η − τ_k) = E·e^−τ_k and B = e^(τ_{k−1} − η) = e^τ_{k−1}/E,
 *
 *   P(y = k) = F(τ_k − η) − F(τ_{k−1} − η) = (1 − e^(τ_{k−1} − τ_k)) / ((1 + A)(1 + B)),
 *   ∂ log P/∂τ_k = A/(1 + A) + q_k,  ∂ log P/∂τ_{k−1} = −B/(1 + B) − q_k,
 *   q_k = 1/(e^(τ_k − τ_{k−1}) − 1),
 *
 * (k = 1 without B and q, k = K without A and q). The gap terms depend on the thresholds only
 * and are computed once per call; the factors (1 + A)(1 + B) are multiplied up and their
 * logarithm taken once per few hundred patterns (LogProduct). Where |η| or a |τ| exceeds 30 a
 * pattern takes the closed form of logit_category_terms.ts instead, finite far into the tails.
 *
 * @module
 */
import type { PatternStats } from "./compressed_stats.ts";
import { type CategoryTerms, logitCategoryTerms } from "./logit_category_terms.ts";
import { LogProduct } from "./log_product.ts";

/** |η| and |τ| up to which the one-exponential path applies (A, B ≤ e^60). */
const DIRECT = 30;

const factors = new LogProduct();
const terms: CategoryTerms = { lp: 0, dUpper: 0, dLower: 0 };
let expTau = new Float64Array(0);
let expNegTau = new Float64Array(0);
/** Per category k (index k − 1): log(1 − e^(τ_{k−1} − τ_k)) and q_k; interior categories. */
let logGap = new Float64Array(0);
let gapQ = new Float64Array(0);

/** Fills the per-threshold tables; false when a |τ| is beyond the direct path's range. */
function thresholdTables(tau: Float64Array): boolean {
  const nt = tau.length;
  if (expTau.length !== nt) {
    expTau = new Float64Array(nt);
    expNegTau = new Float64Array(nt);
    logGap = new Float64Array(nt + 1);
    gapQ = new Float64Array(nt + 1);
  }
  for (let k = 0; k < nt; k++) {
    const t = tau[k];
    if (!(t <= DIRECT && t >= -DIRECT)) return false;
    expTau[k] = Math.exp(t);
    expNegTau[k] = Math.exp(-t);
  }
  for (let k = 2; k <= nt; k++) {
    const d = tau[k - 1] - tau[k - 2]; // > 0: the thresholds are ordered
    const em1 = Math.expm1(d);
    logGap[k - 1] = d < 0.6931471805599453 ? Math.log(-Math.expm1(-d)) : Math.log(em1) - d;
    gapQ[k - 1] = 1 / em1;
  }
  return true;
}

/**
 * Σ_p n_p·log P(y_p | η_p, τ) of the cumulative logit family with ∂/∂η_p into dEta and ∂/∂τ added
 * into gradTau (length K − 1); `stats.y` holds each pattern's category 1…K, `stats.rows` its count.
 *
 * @example
 * ```ts
 * import { cumulativeLogitPatterns } from "./cumulative_logit_patterns.ts";
 * const stats = { y: new Float64Array([2]), rows: new Float64Array([1]) };
 * const dEta = new Float64Array(1), gradTau = new Float64Array(2);
 * const lp = cumulativeLogitPatterns(stats, new Float64Array([0]), new Float64Array([-1, 1]), dEta, gradTau);
 * const F = (x: number) => 1 / (1 + Math.exp(-x));
 * console.assert(Math.abs(lp - Math.log(F(1) - F(-1))) < 1e-15 && Math.abs(dEta[0]) < 1e-15);
 * ```
 */
export function cumulativeLogitPatterns(
  stats: Pick<PatternStats, "y" | "rows">,
  eta: Float64Array,
  tau: Float64Array,
  dEta: Float64Array,
  gradTau: Float64Array,
): number {
  const nt = tau.length;
  const direct = thresholdTables(tau);
  const y = stats.y, rows = stats.rows;
  factors.reset();
  let lp = 0;
  for (let p = 0; p < eta.length; p++) {
    const k = y[p], n = rows[p], x = eta[p];
    if (!direct || !(x <= DIRECT && x >= -DIRECT)) {
      logitCategoryTerms(k, x, tau, terms);
      lp += n * terms.lp;
      dEta[p] = -n * (terms.dUpper + terms.dLower);
      if (k <= nt) gradTau[k - 1] += n * terms.dUpper;
      if (k > 1) gradTau[k - 2] += n * terms.dLower;
      continue;
    }
    const E = Math.exp(x);
    if (k === 1) {
      const A = E * expNegTau[0];
      const f = 1 + A;
      const dUpper = A / f;
      factors.add(f, n);
      dEta[p] = -n * dUpper;
      gradTau[0] += n * dUpper;
    } else if (k === nt + 1) {
      const B = expTau[nt - 1] / E;
      const f = 1 + B;
      const dLower = -B / f;
      factors.add(f, n);
      dEta[p] = -n * dLower;
      gradTau[nt - 1] += n * dLower;
    } else {
      const A = E * expNegTau[k - 1];
      const B = expTau[k - 2] / E;
      const fa = 1 + A, fb = 1 + B;
      const q = gapQ[k - 1];
      const dUpper = A / fa + q;
      const dLower = -B / fb - q;
      lp += n * logGap[k - 1];
      factors.add(fa * fb, n);
      dEta[p] = -n * (A / fa - B / fb); // −n·(dUpper + dLower) without q's cancellation
      gradTau[k - 1] += n * dUpper;
      gradTau[k - 2] += n * dLower;
    }
  }
  return lp - factors.total();
}
