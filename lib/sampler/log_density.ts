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
