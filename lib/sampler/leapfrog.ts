/**
 * The leapfrog (velocity Verlet) integrator for a Euclidean-metric Hamiltonian
 * H(q, p) = −log π(q) + ½ pᵀM⁻¹p.
 *
 * @module
 */
import type { LogDensity } from "./log_density.ts";
import { type Metric, velocity } from "./metric.ts";

/**
 * One leapfrog step of size `stepSize` (negative integrates backwards), in place: `q`, `p` and
 * `gradient` (of log π at q on entry) are updated; returns log π at the new q. `scratch` (length
 * dim) receives M⁻¹p at the half step. Allocates nothing.
 *
 * @example
 * ```ts
 * import { leapfrog } from "./leapfrog.ts";
 * import { unitMetric } from "./metric.ts";
 * const target = { dim: 1, logDensityGradient: (q: Float64Array, g: Float64Array) => { g[0] = -q[0]; return -0.5 * q[0] * q[0]; } };
 * const q = new Float64Array([1]), p = new Float64Array([0]), g = new Float64Array([-1]);
 * const lp = leapfrog(target, q, p, g, 0.1, unitMetric(1, "diag"), new Float64Array(1));
 * console.assert(q[0] < 1 && lp < 0);
 * ```
 */
export function leapfrog(
  target: LogDensity,
  q: Float64Array,
  p: Float64Array,
  gradient: Float64Array,
  stepSize: number,
  metric: Metric,
  scratch: Float64Array,
): number {
  const n = q.length;
  const half = 0.5 * stepSize;
  for (let i = 0; i < n; i++) p[i] += half * gradient[i];
  velocity(metric, p, scratch);
  for (let i = 0; i < n; i++) q[i] += stepSize * scratch[i];
  const logDensity = target.logDensityGradient(q, gradient);
  for (let i = 0; i < n; i++) p[i] += half * gradient[i];
  return logDensity;
}

/**
 * ½ pᵀM⁻¹p given p and p♯ = M⁻¹p.
 *
 * @example
 * ```ts
 * import { kineticEnergy } from "./leapfrog.ts";
 * console.assert(kineticEnergy(new Float64Array([2]), new Float64Array([2])) === 2);
 * ```
 */
export function kineticEnergy(p: Float64Array, pSharp: Float64Array): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += p[i] * pSharp[i];
  return 0.5 * s;
}
