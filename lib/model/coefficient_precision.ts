/**
 * The linear algebra of a collapsed Gaussian model, behind one interface: the posterior
 * precision of the coefficients γ = [β (nBeta), term 0's level effects (J·K, level-major), …]
 * given the hyperparameters,
 *
 *   P = A/σ² + Λ0,   Λ0 = diag(prior precisions of β) ⊕ (I_J ⊗ Σ_t⁻¹ per term),
 *
 * its factorisation, solves, log-determinant, the diagonal blocks of P⁻¹ that the gradient
 * needs, and draws from N(0, P⁻¹). Two implementations:
 * - {@link ArrowheadPrecision} (one grouping term): P is block-arrowhead — a K × K block per
 *   level plus the β rows — so it is factored level by level with a Schur complement on β, in
 *   O(J·K·nBeta² + nBeta³); the paper's one-term models with hundreds of groups stay cheap;
 * - {@link DensePrecision} (crossed terms): a dense Cholesky, O(dim(γ)³).
 *
 * @module
 */

/** P = A/σ² + Λ0 over γ, factored; every method refers to the last successful {@link factor}. */
export interface CoefficientPrecision {
  /** dim(γ). */
  readonly dim: number;
  /** Xᵀy over γ (the data vector of the normal equations). */
  readonly dataVector: Float64Array;
  /**
   * Form and factor P from 1/σ² and each term's Σ⁻¹ (K × K, row-major); false when P is not
   * positive definite.
   */
  factor(invVar: number, termPrecisions: readonly Float64Array[]): boolean;
  /** log |P|. */
  logDeterminant(): number;
  /** Overwrite c with P⁻¹c; returns cᵀP⁻¹c. */
  solve(c: Float64Array): number;
  /**
   * The diagonal of P⁻¹ over β into `betaVariance` (nBeta), and term t's level-j K × K block of
   * P⁻¹ into `termBlocks[t]` at offset j·K² (row-major).
   */
  inverseBlocks(betaVariance: Float64Array, termBlocks: readonly Float64Array[]): void;
  /** Overwrite standard-normal z with a draw from N(0, P⁻¹) (x = R⁻ᵀz for P = R Rᵀ). */
  colourNoise(z: Float64Array): void;
  /** xᵀ P x. */
  quadraticForm(x: Float64Array): number;
  /** xᵀ A x, the data part of the precision times σ². */
  dataQuadraticForm(x: Float64Array): number;
}

/** Where term t's level effects start in γ, and the size of γ. */
export interface GammaLayout {
  nBeta: number;
  termOffsets: readonly number[];
  dim: number;
}

/**
 * Where term t's level effects end in γ (the next term's start, or dim for the last term).
 *
 * @example
 * ```ts
 * import { termEnd } from "./coefficient_precision.ts";
 * const layout = { nBeta: 2, termOffsets: [2, 8], dim: 12 };
 * console.assert(termEnd(layout, 0) === 8 && termEnd(layout, 1) === 12);
 * ```
 */
export function termEnd(layout: GammaLayout, t: number): number {
  return t + 1 < layout.termOffsets.length ? layout.termOffsets[t + 1] : layout.dim;
}
