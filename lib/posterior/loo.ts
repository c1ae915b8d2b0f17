/**
 * Pareto-smoothed importance-sampling leave-one-out cross-validation (PSIS-LOO; Vehtari, Gelman &
 * Gabry 2017), following the R loo package: per observation, raw importance ratios
 * 1 / p(y_i | θ_s), the largest M = ceil(min(S/5, 3√S)) smoothed by a generalized Pareto fit
 * (Zhang & Stephens 2009, with loo's weakly-informative prior on k and grid of
 * 30 + ⌊√M⌋ points), truncated at the largest raw ratio, normalised; elpd_loo,i =
 * log Σ_s w_s p(y_i | θ_s). The relative efficiency r_eff of each observation sets the tail
 * length, M = ceil(min(S/5, 3√(S/r_eff))): `psisLoo` takes it as 1 unless given (loo's default),
 * and `loo(fit)` passes loo's `relative_eff(exp(log_lik), chain_id)`, as brms's `loo()` does.
 * The Monte Carlo SE of elpd_loo is loo 2.5.1's (`mcse_elpd`, `mcse_loo`), see {@link mcseElpd}.
 *
 * LOO here is per observation (row), not per compressed cell: the Gaussian likelihood is fitted
 * through per-cell sufficient statistics, but log p(y_i | θ) is recomputed for every row from the
 * draws of β and r (and σ), with all normalising constants included (−½ log 2π − log σ for the
 * Gaussian, log binomial coefficients, −log y! for Poisson), so elpd values compare with brms/loo.
 */
import { familyDraws } from "./family_draws.ts";
import { HetfxError } from "../errors.ts";
import { getColumn, type Table } from "../data/table.ts";
import { familyOf } from "../families/mod.ts";
import type { FitResult } from "./fit_result.ts";
import { LinearPredictor, trainingTable } from "./linear_predictor.ts";
import { outcomeValues } from "./outcome_values.ts";
import { likelihoodWeights } from "../model/likelihood_weights.ts";
import { ascendingOrder } from "../diagnostics/rank_normalize.ts";
import { essOfChains } from "../diagnostics/ess.ts";
import { splitChains } from "./generated.ts";
import { normalQuantile } from "../diagnostics/normal_quantile.ts";

/** Pointwise LOO results for one observation. */
export interface LooPointwise {
  elpd_loo: number;
  /** Monte Carlo SE of elpd_loo,i from the finite draws (loo's pointwise mcse_elpd_loo). */
  mcse_elpd_loo: number;
  p_loo: number;
  looic: number;
  pareto_k: number;
}

/** The result of {@link psisLoo} / `fit.loo()`. */
export interface LooResult {
  elpd_loo: number;
  se_elpd_loo: number;
  /**
   * Monte Carlo SE of elpd_loo, √Σ mcse_elpd_loo,i² (loo's `mcse_loo()`, printed as "Monte Carlo
   * SE of elpd_loo"); null, as loo's NA, when any Pareto k is above 0.7.
   */
  mcse_elpd_loo: number | null;
  p_loo: number;
  se_p_loo: number;
  looic: number;
  se_looic: number;
  /** Observations and draws used. */
  n: number;
  draws: number;
  pointwise: LooPointwise[];
  /** Counts of Pareto k in loo's bands: good (≤ 0.7 or the sample-size threshold), bad, very bad. */
  pareto_k_counts: { good: number; bad: number; very_bad: number };
  /** k threshold below which PSIS is reliable: min(1 − 1/log10(S), 0.7). */
  k_threshold: number;
  warnings: string[];
}

/**
 * Pointwise log-likelihood: one Float64Array of S draws per observation (row of `table`,
 * default the training table), normalising constants included.
 *
 * @example
 * ```ts ignore
 * const ll = logLikelihood(fit); // ll[i][s] = log p(y_i | θ_s)
 * ```
 */
export function logLikelihood(fit: FitResult, table?: Table): Float64Array[] {
  const data = table ?? trainingTable(fit, "the log-likelihood");
  const spec = fit.spec;
  const y = { values: outcomeValues(fit, data, "Cannot compute the log-likelihood") };
  const trials = spec.trials
    ? (getColumn(data, spec.trials, "Cannot compute the log-likelihood") as {
      values: Float64Array;
    })
      .values
    : null;
  // brms multiplies each row's log-likelihood by its likelihood weight (log_lik_weight).
  const weights = likelihoodWeights(spec, data, "Cannot compute the log-likelihood");
  const lp = new LinearPredictor(fit, data);
  const S = lp.draws;
  const family = familyOf(spec.family, spec.link);
  const extra = familyDraws(fit, family);
  const out: Float64Array[] = [];
  for (let i = 0; i < lp.nRows; i++) {
    const eta = lp.eta(i, new Float64Array(S));
    family.pointwiseLogLikelihood(y.values[i], trials ? trials[i] : 1, eta, extra);
    if (weights !== null) { for (let s = 0; s < S; s++) eta[s] *= weights[i]; }
    out.push(eta);
  }
  return out;
}

/**
 * Generalized Pareto fit by Zhang & Stephens (2009) as in loo's `gpdfit` (sorted ascending
 * exceedances `x`; prior 3, grid 30 + ⌊√n⌋, weakly-informative k adjustment).
 *
 * @example
 * ```ts
 * import { gpdFit } from "./loo.ts";
 * const x = Float64Array.from({ length: 200 }, (_, i) => -Math.log(1 - (i + 0.5) / 200));
 * console.assert(Math.abs(gpdFit(x).k) < 0.2); // exponential tail: k ≈ 0
 * ```
 */
export function gpdFit(x: Float64Array): { k: number; sigma: number } {
  const n = x.length;
  const prior = 3;
  const M = 30 + Math.floor(Math.sqrt(n));
  const xstar = x[Math.floor(n / 4 + 0.5) - 1];
  const theta = new Float64Array(M);
  const lTheta = new Float64Array(M);
  for (let j = 0; j < M; j++) {
    theta[j] = 1 / x[n - 1] + (1 - Math.sqrt(M / (j + 1 - 0.5))) / prior / xstar;
    const a = -theta[j];
    let k = 0;
    for (let i = 0; i < n; i++) k += Math.log1p(a * x[i]);
    k /= n;
    lTheta[j] = n * (Math.log(a / k) - k - 1);
  }
  let max = -Infinity;
  for (const l of lTheta) if (l > max) max = l;
  let total = 0;
  for (const l of lTheta) total += Math.exp(l - max);
  let thetaHat = 0;
  for (let j = 0; j < M; j++) thetaHat += theta[j] * Math.exp(lTheta[j] - max) / total;
  let k = 0;
  for (let i = 0; i < n; i++) k += Math.log1p(-thetaHat * x[i]);
  k /= n;
  const sigma = -k / thetaHat;
  const a = 10;
  k = (k * n) / (n + a) + (a * 0.5) / (n + a);
  return { k: Number.isNaN(k) ? Infinity : k, sigma };
}

/**
 * Pareto-smoothed log weights of one observation's log ratios (normalised to log Σ w = 0) and the
 * Pareto k.
 *
 * @example
 * ```ts
 * import { psisSmooth } from "./loo.ts";
 * const r = Float64Array.from({ length: 1000 }, (_, s) => Math.sin(s) * 0.1);
 * console.assert(psisSmooth(r).k < 0.7);
 * ```
 */
export function psisSmooth(
  logRatios: Float64Array,
  rEff = 1,
): { logWeights: Float64Array; k: number } {
  const S = logRatios.length;
  let maxRatio = -Infinity;
  for (const v of logRatios) if (v > maxRatio) maxRatio = v;
  const lw = logRatios.map((v) => v - maxRatio);
  const tail = Math.ceil(Math.min(0.2 * S, 3 * Math.sqrt(S / rEff)));
  let k = Infinity;
  if (tail >= 5) {
    // A stable ascending order, as a comparator sort would give, by radix: tens of times
    // faster on thousands of draws, for every observation.
    const order = ascendingOrder(lw);
    const ids = order.subarray(S - tail);
    const lwTail = new Float64Array(tail);
    for (let m = 0; m < tail; m++) lwTail[m] = lw[ids[m]];
    if (Math.abs(lwTail[tail - 1] - lwTail[0]) >= Number.EPSILON / 100) {
      const cutoff = lw[order[S - tail - 1]];
      const expCutoff = Math.exp(cutoff);
      const fit = gpdFit(Float64Array.from(lwTail, (v) => Math.exp(v) - expCutoff));
      k = fit.k;
      if (Number.isFinite(k)) {
        for (let m = 0; m < tail; m++) {
          const p = (m + 1 - 0.5) / tail;
          const q = (fit.sigma * Math.expm1(-k * Math.log1p(-p))) / k + expCutoff;
          lw[ids[m]] = Math.log(q);
        }
      }
    }
  }
  for (let s = 0; s < S; s++) if (lw[s] > 0) lw[s] = 0;
  const lse = logSumExp(lw);
  for (let s = 0; s < S; s++) lw[s] -= lse;
  return { logWeights: lw, k };
}

function logSumExp(x: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > max) max = x[i];
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i] - max);
  return max + Math.log(s);
}

/**
 * loo's `relative_eff(exp(logLik), chain_id)` for draws of `chains` equal chains (chain-major):
 * per observation the ESS of p(y_i | θ) (chains not split) over S; all 1 where any is NaN (a
 * constant likelihood), as brms does.
 *
 * @example
 * ```ts
 * import { relativeEfficiencies } from "./loo.ts";
 * const ll = [Float64Array.from({ length: 400 }, (_, s) => -1 - 0.1 * Math.sin(s * 2.1))];
 * console.assert(relativeEfficiencies(ll, 2)[0] > 0);
 * ```
 */
export function relativeEfficiencies(logLik: readonly Float64Array[], chains: number): number[] {
  const out = logLik.map((ll) => essOfChains(splitChains(ll.map(Math.exp), chains)) / ll.length);
  return out.some(Number.isNaN) ? out.map(() => 1) : out;
}

/**
 * PSIS-LOO from a pointwise log-likelihood (one array of S draws per observation); `rEff`, one
 * relative efficiency per observation, defaults to 1.
 *
 * @example
 * ```ts
 * import { psisLoo } from "./loo.ts";
 * const ll = [0, 1, 2].map((i) => Float64Array.from({ length: 400 }, (_, s) => -1 - 0.01 * ((s * (i + 7)) % 13)));
 * console.assert(psisLoo(ll).pointwise.length === 3);
 * ```
 */
export function psisLoo(
  logLik: readonly Float64Array[],
  options: { rEff?: readonly number[] } = {},
): LooResult {
  const n = logLik.length;
  if (n === 0) throw new HetfxError("Cannot compute LOO: there are no observations.");
  const S = logLik[0].length;
  checkLogLikelihood(logLik, S);
  const rEff = options.rEff;
  if (rEff !== undefined && (rEff.length !== n || !rEff.every((r) => r > 0))) {
    throw new HetfxError(
      `Cannot compute LOO: rEff needs one positive relative efficiency per observation (${n}).`,
    );
  }
  const pointwise: LooPointwise[] = logLik.map((ll, i) => {
    const { logWeights, k } = psisSmooth(ll.map((v) => -v), rEff?.[i] ?? 1);
    const w = new Float64Array(S);
    for (let s = 0; s < S; s++) w[s] = logWeights[s] + ll[s];
    const elpd = logSumExp(w);
    const lpd = logSumExp(ll) - Math.log(S);
    const mcse = mcseElpd(ll, logWeights, elpd, rEff?.[i] ?? 1);
    return {
      elpd_loo: elpd,
      mcse_elpd_loo: mcse,
      p_loo: lpd - elpd,
      looic: -2 * elpd,
      pareto_k: k,
    };
  });
  const total = (key: keyof LooPointwise) => {
    let s = 0;
    for (const p of pointwise) s += p[key];
    return s;
  };
  const se = (key: keyof LooPointwise) => {
    const mean = total(key) / n;
    let ss = 0;
    for (const p of pointwise) ss += (p[key] - mean) ** 2;
    return Math.sqrt(n * (ss / (n - 1)));
  };
  const kThreshold = Math.min(1 - 1 / Math.log10(S), 0.7);
  const counts = { good: 0, bad: 0, very_bad: 0 };
  for (const p of pointwise) {
    if (p.pareto_k <= kThreshold) counts.good++;
    else if (p.pareto_k <= 1) counts.bad++;
    else counts.very_bad++;
  }
  const warnings: string[] = [];
  if (counts.bad + counts.very_bad > 0) {
    warnings.push(
      `${counts.bad + counts.very_bad} of ${n} observations have Pareto k > ` +
        `${kThreshold.toFixed(2)}: PSIS-LOO is unreliable for them (consider exact LOO or K-fold).`,
    );
  }
  let mcseSquares = 0;
  for (const p of pointwise) mcseSquares += p.mcse_elpd_loo ** 2;
  return {
    elpd_loo: total("elpd_loo"),
    se_elpd_loo: se("elpd_loo"),
    mcse_elpd_loo: pointwise.some((p) => p.pareto_k > 0.7) ? null : Math.sqrt(mcseSquares),
    p_loo: total("p_loo"),
    se_p_loo: se("p_loo"),
    looic: total("looic"),
    se_looic: se("looic"),
    n,
    draws: S,
    pointwise,
    pareto_k_counts: counts,
    k_threshold: kThreshold,
    warnings,
  };
}

/** Φ⁻¹((r − 3/8) / (1000 − 3/4 + 1)), r = 1…1000: loo's `mcse_elpd` quantiles, the same for all. */
const MCSE_NORMAL_QUANTILES = Float64Array.from(
  { length: 1000 },
  (_, r) => normalQuantile((r + 1 - 3 / 8) / (1000 - 2 * (3 / 8) + 1)),
);

/**
 * Monte Carlo SE of one observation's elpd_loo, as loo 2.5.1's `mcse_elpd`: the variance of
 * E = Σ w_s p(y_i | θ_s) is v = Σ w_s² (p(y_i | θ_s) − E)² (normalised weights w); 1,000 normal
 * quantiles z_r = E + √v Φ⁻¹((r − 3/8) / (1000 − 3/4 + 1)) stand for its distribution, and the
 * result is √(var(log z_r over z_r > 0) / r_eff).
 *
 * @example
 * ```ts
 * import { mcseElpd } from "./loo.ts";
 * const ll = Float64Array.from({ length: 400 }, (_, s) => -1 - 0.3 * Math.sin(s));
 * const lw = new Float64Array(400).fill(-Math.log(400)); // equal weights
 * const elpd = Math.log(ll.reduce((t, v) => t + Math.exp(v), 0) / 400);
 * console.assert(mcseElpd(ll, lw, elpd, 1) > 0 && mcseElpd(ll, lw, elpd, 1) < 0.05);
 * ```
 */
export function mcseElpd(
  logLik: Float64Array,
  logWeights: Float64Array,
  elpd: number,
  rEff: number,
): number {
  const E = Math.exp(elpd);
  let v = 0;
  for (let s = 0; s < logLik.length; s++) {
    v += Math.exp(2 * logWeights[s]) * (Math.exp(logLik[s]) - E) ** 2;
  }
  const logs: number[] = [];
  for (const q of MCSE_NORMAL_QUANTILES) {
    const z = E + Math.sqrt(v) * q;
    if (z > 0) logs.push(Math.log(z));
  }
  const mean = logs.reduce((t, x) => t + x, 0) / logs.length;
  const variance = logs.reduce((t, x) => t + (x - mean) ** 2, 0) / (logs.length - 1);
  return Math.sqrt(variance / rEff);
}

/**
 * Refuses what R's loo refuses, naming the observation and draw: no draws, observations with
 * different numbers of draws, NaN or +Infinity (−Infinity, a draw under which the observation
 * is impossible, is allowed). Each gave a NaN or −Infinity elpd_loo silently.
 */
function checkLogLikelihood(logLik: readonly Float64Array[], S: number): void {
  const context = "Cannot compute LOO";
  if (S === 0) {
    throw new HetfxError(`${context}: the log-likelihood has no draws (observation 1 is empty).`);
  }
  logLik.forEach((ll, i) => {
    if (ll.length !== S) {
      throw new HetfxError(
        `${context}: observation ${i + 1} has ${ll.length} log-likelihood draws but ` +
          `observation 1 has ${S}; give every observation the same draws.`,
      );
    }
    const s = ll.findIndex((v) => Number.isNaN(v) || v === Infinity);
    if (s >= 0) {
      throw new HetfxError(
        `${context}: the log-likelihood of observation ${i + 1} is ${ll[s]} in draw ${s + 1}; ` +
          "it must be a number or -Infinity (check how it was computed).",
      );
    }
  });
}

/**
 * PSIS-LOO of a fit, per observation (see the module docs), with brms's relative efficiencies.
 *
 * @example
 * ```ts ignore
 * const l = loo(fit); l.elpd_loo; l.pointwise[0].pareto_k;
 * ```
 */
export function loo(fit: FitResult): LooResult {
  const ll = logLikelihood(fit);
  return psisLoo(ll, { rEff: relativeEfficiencies(ll, fit.named.chains) });
}

/** One row of {@link looCompare}: loo's `loo_compare` columns. */
export interface LooCompareRow {
  model: string;
  elpd_diff: number;
  se_diff: number;
  elpd_loo: number;
  se_elpd_loo: number;
  p_loo: number;
  looic: number;
}

/** Something with a `loo()` method (a Fit), whose result {@link looCompare} takes too. */
export interface HasLoo {
  loo(): LooResult;
}

/** A LOO result as it is, or `fit.loo()` of a fit; a clear error for anything else. */
function looOf(name: string, value: unknown): LooResult {
  if (value !== null && typeof value === "object") {
    if (Array.isArray((value as LooResult).pointwise)) return value as LooResult;
    if (typeof (value as HasLoo).loo === "function") return (value as HasLoo).loo();
  }
  throw new HetfxError(
    `Cannot compare: model "${name}" is ${
      value === null ? "null" : typeof value
    }, not a fit or a LOO result; pass looCompare({ a: fitA, b: fitB }) or ` +
      "looCompare({ a: fitA.loo(), b: fitB.loo() }).",
  );
}

/**
 * Compare models by elpd_loo (loo `loo_compare`): best first; elpd_diff = elpd of the model −
 * elpd of the best (≤ 0); se_diff = √(n · var(pointwise differences)). Takes LOO results or the
 * fits themselves (their `loo()` is computed), named by the object's keys.
 *
 * @example
 * ```ts ignore
 * looCompare({ hier: fitA.loo(), pooled: fitB.loo() });
 * looCompare({ hier: fitA, pooled: fitB }); // the same
 * ```
 */
export function looCompare(models: Record<string, LooResult | HasLoo>): LooCompareRow[] {
  if (models === null || typeof models !== "object" || Array.isArray(models)) {
    throw new HetfxError(
      "Cannot compare: pass the models as an object of named fits or LOO results, " +
        "looCompare({ a: fitA, b: fitB }).",
    );
  }
  const entries = Object.entries(models).map(([name, m]) => [name, looOf(name, m)] as const);
  if (entries.length < 2) throw new HetfxError("Cannot compare: give at least two LOO results.");
  const n = entries[0][1].n;
  for (const [name, r] of entries) {
    if (r.n !== n) {
      throw new HetfxError(
        `Cannot compare: model "${name}" has ${r.n} observations but "${
          entries[0][0]
        }" has ${n}; ` +
          "LOO comparisons need the same data.",
      );
    }
  }
  entries.sort((a, b) => b[1].elpd_loo - a[1].elpd_loo);
  const best = entries[0][1];
  return entries.map(([model, r]) => {
    const d = r.pointwise.map((p, i) => p.elpd_loo - best.pointwise[i].elpd_loo);
    const mean = d.reduce((s, v) => s + v, 0) / n;
    const ss = d.reduce((s, v) => s + (v - mean) ** 2, 0);
    return {
      model,
      elpd_diff: r.elpd_loo - best.elpd_loo,
      se_diff: r === best ? 0 : Math.sqrt(n * (ss / (n - 1))),
      elpd_loo: r.elpd_loo,
      se_elpd_loo: r.se_elpd_loo,
      p_loo: r.p_loo,
      looic: r.looic,
    };
  });
}
