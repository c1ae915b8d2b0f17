/**
 * Ordered thresholds τ_1 < … < τ_{K−1} held unconstrained as u_1 = τ_1, u_k = log(τ_k − τ_{k−1})
 * (Stan's ordered transform): the map, its log Jacobian Σ_{k≥2} u_k and the chain rule from
 * ∂/∂τ to ∂/∂u. Ordinal families and the model share it.
 */

/**
 * τ from u, into `tau` (both of length K − 1, read from `u[from]` on).
 *
 * @example
 * ```ts
 * import { thresholdsFromUnconstrained } from "./ordered_thresholds.ts";
 * const tau = new Float64Array(3);
 * thresholdsFromUnconstrained(new Float64Array([-1, 0, Math.log(2)]), 0, tau);
 * console.assert(tau.join() === "-1,0,2");
 * ```
 */
export function thresholdsFromUnconstrained(
  u: ArrayLike<number>,
  from: number,
  tau: Float64Array,
): void {
  let t = u[from];
  tau[0] = t;
  for (let k = 1; k < tau.length; k++) {
    t += Math.exp(u[from + k]);
    tau[k] = t;
  }
}

/**
 * u from τ (strictly increasing), the inverse map.
 *
 * @example
 * ```ts
 * import { unconstrainedFromThresholds } from "./ordered_thresholds.ts";
 * console.assert(unconstrainedFromThresholds([-1, 0, 2]).join() === [-1, 0, Math.log(2)].join());
 * ```
 */
export function unconstrainedFromThresholds(tau: ArrayLike<number>): Float64Array {
  const u = new Float64Array(tau.length);
  u[0] = tau[0];
  for (let k = 1; k < tau.length; k++) u[k] = Math.log(tau[k] - tau[k - 1]);
  return u;
}

/**
 * Adds ∂f/∂u to `gradU[from + k]` given ∂f/∂τ in `gradTau` and τ: ∂/∂u_1 = Σ_k ∂/∂τ_k,
 * ∂/∂u_j = (τ_j − τ_{j−1})·Σ_{k≥j} ∂/∂τ_k.
 *
 * @example
 * ```ts
 * import { addThresholdGradient } from "./ordered_thresholds.ts";
 * const g = new Float64Array(2);
 * addThresholdGradient(new Float64Array([1, 2]), new Float64Array([0, 3]), g, 0);
 * console.assert(g[0] === 3 && g[1] === 6);
 * ```
 */
export function addThresholdGradient(
  gradTau: Float64Array,
  tau: Float64Array,
  gradU: Float64Array,
  from: number,
): void {
  let tail = 0;
  for (let k = tau.length - 1; k >= 1; k--) {
    tail += gradTau[k];
    gradU[from + k] += (tau[k] - tau[k - 1]) * tail;
  }
  gradU[from] += tail + gradTau[0];
}

/**
 * brms's draw name of threshold k (0-based): `b_Intercept[k + 1]`.
 *
 * @example
 * ```ts
 * import { thresholdName } from "./ordered_thresholds.ts";
 * console.assert(thresholdName(0) === "b_Intercept[1]");
 * ```
 */
export function thresholdName(k: number): string {
  return `b_Intercept[${k + 1}]`;
}
