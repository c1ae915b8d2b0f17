/**
 * Partial collapse: population-level coefficients whose prior is neither normal, flat nor a
 * scale mixture (student_t, Cauchy: lib/model/scale_mixture_priors.ts) are sampled beside the
 * hyperparameters φ, and everything else stays integrated out exactly. No prior the spec accepts
 * on b reaches this today (docs/ARCHITECTURE.md#partial-collapse-sampled-coefficients). With a flat prior on the sampled
 * coefficients β_s, the collapsed target gives p_flat(y | φ) and the Gaussian posterior
 * γ | y, φ ~ N(μ, S); conditioning it on γ_s = β_s gives
 *
 *   log p(y | β_s, φ) = log p_flat(y | φ) + log N(β_s; μ_s, S_ss)          (constants dropped)
 *   γ | y, β_s, φ ~ N(μ̃, S̃),  μ̃ = μ + C S_ss⁻¹ (β_s − μ_s),  S̃ = S − C S_ss⁻¹ Cᵀ
 *
 * with C = S[:, s] (n_s solves with P). The sampled coefficients' own prior is added by the
 * caller. The derivation is in docs/ARCHITECTURE.md#partial-collapse-sampled-coefficients.
 *
 * @module
 */
import type { CoefficientPrecision } from "./coefficient_precision.ts";
import { invertSymmetricPositive } from "./_dense.ts";

/**
 * The conditioning of N(μ, S) = N(μ, P⁻¹) on γ_s = β_s, for a fixed set of indices s into γ.
 *
 * @example
 * ```ts
 * import { SampledCoefficients } from "./sampled_coefficients.ts";
 * const s = new SampledCoefficients([0], 3);
 * console.assert(s.count === 1);
 * ```
 */
export class SampledCoefficients {
  /** The indices s into γ, ascending. */
  readonly indices: readonly number[];
  /** C = S[:, s], column-major: column i at i·dim. */
  private readonly columns: Float64Array;
  /** S_ss⁻¹ (n_s × n_s) and S_ss⁻¹ (β_s − μ_s). */
  private readonly inverse: Float64Array;
  private readonly weights: Float64Array;
  private readonly block: Float64Array;
  private readonly scratch: Float64Array;
  private readonly dim: number;

  constructor(indices: readonly number[], dim: number) {
    this.indices = indices;
    this.dim = dim;
    const n = indices.length;
    this.columns = new Float64Array(n * dim);
    this.inverse = new Float64Array(n * n);
    this.weights = new Float64Array(n);
    this.block = new Float64Array(n * n);
    this.scratch = new Float64Array(n * n);
  }

  /** n_s. */
  get count(): number {
    return this.indices.length;
  }

  /**
   * With `precision` factored at φ and `mu` its posterior mean: overwrite `mu` with μ̃ and return
   * log N(β_s; μ_s, S_ss) without −n_s/2 log 2π (NaN when S_ss is not positive definite). When
   * `gradient` is given, ∂/∂β_s of that term, −S_ss⁻¹(β_s − μ_s), is added at `offset`.
   */
  condition(
    precision: CoefficientPrecision,
    mu: Float64Array,
    beta: Float64Array,
    gradient: Float64Array | null,
    offset: number,
  ): number {
    const n = this.count;
    const N = this.dim;
    for (let i = 0; i < n; i++) {
      const col = this.columns.subarray(i * N, (i + 1) * N);
      col.fill(0);
      col[this.indices[i]] = 1;
      precision.solve(col);
    }
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < n; k++) this.block[i * n + k] = this.columns[i * N + this.indices[k]];
    }
    const logDet = invertSymmetricPositive(this.block, n, this.inverse, this.scratch);
    if (Number.isNaN(logDet)) return NaN;
    let quad = 0;
    for (let i = 0; i < n; i++) {
      let w = 0;
      for (let k = 0; k < n; k++) w += this.inverse[i * n + k] * (beta[k] - mu[this.indices[k]]);
      this.weights[i] = w;
      quad += w * (beta[i] - mu[this.indices[i]]);
      if (gradient) gradient[offset + i] -= w;
    }
    for (let i = 0; i < n; i++) {
      const w = this.weights[i];
      for (let a = 0; a < N; a++) mu[a] += this.columns[i * N + a] * w;
    }
    // Exactly β_s (the update above reproduces it up to rounding).
    for (let i = 0; i < n; i++) mu[this.indices[i]] = beta[i];
    return -0.5 * logDet - 0.5 * quad;
  }

  /** S̃_ab − S_ab = −(C S_ss⁻¹ Cᵀ)_ab, after {@link condition}. */
  covarianceCorrection(a: number, b: number): number {
    const n = this.count;
    const N = this.dim;
    let s = 0;
    for (let i = 0; i < n; i++) {
      let row = 0;
      for (let k = 0; k < n; k++) row += this.inverse[i * n + k] * this.columns[k * N + b];
      s += this.columns[i * N + a] * row;
    }
    return -s;
  }

  /**
   * Turn a draw e ~ N(0, S) into one of N(0, S̃) in place (Matheron's rule):
   * e − C S_ss⁻¹ e_s, after {@link condition}.
   */
  conditionNoise(e: Float64Array): void {
    const n = this.count;
    const N = this.dim;
    for (let i = 0; i < n; i++) {
      let w = 0;
      for (let k = 0; k < n; k++) w += this.inverse[i * n + k] * e[this.indices[k]];
      this.weights[i] = w;
    }
    for (let i = 0; i < n; i++) {
      const w = this.weights[i];
      for (let a = 0; a < N; a++) e[a] -= this.columns[i * N + a] * w;
    }
    for (const s of this.indices) e[s] = 0;
  }
}
