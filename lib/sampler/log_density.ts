/**
 * What a sampler needs from a model: an unnormalised log density on an unconstrained real
 * vector, and its gradient. Compiled models implement it; so do the analytic test targets.
 */
export interface LogDensity {
  /** Number of unconstrained parameters. */
  readonly dim: number;
  /**
   * Writes the gradient of the log density at `theta` into `gradient` and returns the log
   * density (up to a constant). Returns -Infinity (gradient unspecified) outside the support
   * or when the value is not finite.
   */
  logDensityGradient(theta: Float64Array, gradient: Float64Array): number;
}

/**
 * Whether a point can start or continue a climb or a chain: its log density and every gradient
 * coordinate finite (leapfrog steps and L-BFGS directions from a non-finite gradient are NaN).
 *
 * @example
 * ```ts
 * import { usablePoint } from "./log_density.ts";
 * console.assert(usablePoint(-1, Float64Array.of(0.5)) && !usablePoint(1e259, Float64Array.of(NaN)));
 * ```
 */
export function usablePoint(logDensity: number, gradient: Float64Array): boolean {
  return Number.isFinite(logDensity) && gradient.every(Number.isFinite);
}
