/**
 * log P(y = k) of the cumulative logit family and its threshold partials in closed form. With F
 * the logistic distribution function and b < a, F(a) − F(b) = F(a) F(−b) (1 − e^(b − a)), so
 *
 *   log P = log F(a) + log F(−b) + log(1 − e^(b − a)),
 *   ∂/∂a = F(−a) + q,  ∂/∂b = −F(b) − q,  q = 1 / (e^(a − b) − 1),
 *
 * every piece finite far into either tail, from three exponentials and three logarithms (the
 * generic path of lib/families/cumulative.ts needs about twice that and branches on the signs).
 *
 * @module
 */

/** log P(y = k | η, τ) and its partials in τ_k (dUpper) and τ_{k−1} (dLower). */
export interface CategoryTerms {
  lp: number;
  dUpper: number;
  dLower: number;
}

/**
 * The logit link's category terms (a = τ_k − η, b = τ_{k−1} − η); τ holds the K − 1
 * thresholds, k ∈ 1…K.
 *
 * @example
 * ```ts
 * import { logitCategoryTerms } from "./logit_category_terms.ts";
 * const out = { lp: 0, dUpper: 0, dLower: 0 };
 * logitCategoryTerms(2, 0, [-1, 1], out); // P(y = 2) = F(1) − F(−1)
 * const F = (x: number) => 1 / (1 + Math.exp(-x));
 * console.assert(Math.abs(out.lp - Math.log(F(1) - F(-1))) < 1e-15);
 * ```
 */
export function logitCategoryTerms(
  k: number,
  eta: number,
  tau: ArrayLike<number>,
  out: CategoryTerms,
): void {
  const K = tau.length + 1;
  if (k === 1) {
    const a = tau[0] - eta;
    const e = Math.exp(-Math.abs(a)); // e^{−|a|}
    out.lp = logLogistic(a, e);
    out.dUpper = a >= 0 ? e / (1 + e) : 1 / (1 + e); // F(−a)
    out.dLower = 0;
    return;
  }
  if (k === K) {
    const b = tau[K - 2] - eta;
    const e = Math.exp(-Math.abs(b));
    out.lp = logLogistic(-b, e);
    out.dUpper = 0;
    out.dLower = -(b >= 0 ? 1 / (1 + e) : e / (1 + e)); // −F(b)
    return;
  }
  const a = tau[k - 1] - eta;
  const b = tau[k - 2] - eta;
  const ea = Math.exp(-Math.abs(a));
  const eb = Math.exp(-Math.abs(b));
  const d = a - b; // > 0: the thresholds are ordered
  const em1 = Math.expm1(d); // e^{a − b} − 1
  // log(1 − e^{−d}) = log(em1) − d, with log(−expm1(−d)) where d is small.
  const gap = d < 0.6931471805599453 ? Math.log(-Math.expm1(-d)) : Math.log(em1) - d;
  out.lp = logLogistic(a, ea) + logLogistic(-b, eb) + gap;
  const q = 1 / em1;
  out.dUpper = (a >= 0 ? ea / (1 + ea) : 1 / (1 + ea)) + q;
  out.dLower = -(b >= 0 ? 1 / (1 + eb) : eb / (1 + eb)) - q;
}

/** log F(x) = −log(1 + e^{−x}), given e = e^{−|x|}. */
function logLogistic(x: number, e: number): number {
  return x >= 0 ? -Math.log1p(e) : x - Math.log1p(e);
}
