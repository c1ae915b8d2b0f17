/**
 * What the compiled model keeps of the data: per cell Gaussian sufficient statistics, or per
 * covariate pattern a few sums. Each field has one meaning for every family; a family reads the
 * fields it needs (lib/families/family.ts says which).
 */

/**
 * Gaussian sufficient statistics. With β_c = β + Â ρ_c (ρ_c: the varying effects of cell c's
 * groups, all terms stacked, Ktot of them), the residual sum of squares is
 * yᵀy − 2βᵀh − 2Σ ρ_cᵀe_c + βᵀGβ + 2Σ βᵀB_cρ_c + Σ ρ_cᵀC_cρ_c, where per cell
 * B_c = WᵀW_c Â, C_c = ÂᵀWᵀW_c Â, e_c = ÂᵀWᵀy_c, and G, h sum WᵀW_c, Wᵀy_c over cells.
 * `kind` is the family's `compression` ("cells"), as PatternStats's is "patterns".
 */
export interface GaussianStats {
  kind: "cells";
  /** Rows per cell (summed weights with likelihood weights, as n, yᵀy, G, h, B, C, e). */
  count: Float64Array;
  /** Total rows and yᵀy. */
  n: number;
  yty: number;
  /** D × D and D. */
  G: Float64Array;
  h: Float64Array;
  /** nCells × D × Ktot, nCells × Ktot × Ktot, nCells × Ktot. */
  B: Float64Array;
  C: Float64Array;
  e: Float64Array;
}

/**
 * Unique covariate patterns within cells (and, for families that keep outcomes apart, unique
 * outcome values). η_p = w_p·β + (w_pÂ)·ρ_cell.
 */
export interface PatternStats {
  kind: "patterns";
  nPatterns: number;
  cell: Int32Array;
  /** nPatterns × D. */
  w: Float64Array;
  /** nPatterns × Ktot: w_p Â. */
  wA: Float64Array;
  /**
   * Number of data rows in the pattern; with likelihood weights, their summed weight (every
   * sum below is then weighted).
   */
  rows: Float64Array;
  /** Sum of the outcome over the pattern's rows. */
  ySum: Float64Array;
  /** Sum of the trials over the pattern's rows (families with trials; otherwise empty). */
  trialSum: Float64Array;
  /**
   * The outcome value every row of the pattern shares (families whose patterns keep outcomes
   * apart, `Family.patternsKeepOutcome`; otherwise empty).
   */
  y: Float64Array;
}

/** The compressed data of a compiled model. */
export type CompressedStats = GaussianStats | PatternStats;

/**
 * The (ySum, rows) pattern fields: what the shader reads as (y, n) for families whose n is the
 * row count.
 */
export function sumAndRows(s: PatternStats): [Float64Array, Float64Array] {
  return [s.ySum, s.rows];
}
