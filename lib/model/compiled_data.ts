/**
 * The compiled model as plain data (typed arrays, numbers, strings): structured-cloneable so
 * that sampler workers can rebuild the model from it, and small — its size depends on the
 * number of cells or covariate patterns, not on the number of rows.
 */
import type { Family, PriorDistribution } from "../spec/model_spec.ts";

/** One varying-effects term after compilation. */
export interface CompiledTerm {
  group: string;
  factors: string[];
  /** Names of the K varying coefficients ("Intercept", "alliance"). */
  coefNames: string[];
  correlated: boolean;
  /** Number of observed groups J. */
  nGroups: number;
  labels: string[];
  levels: Record<string, string>[];
  sizes: number[];
  /** Sparse map from varying coefficients into design columns: β_cell[d] += coef · r[k]. */
  mapColumn: Int32Array;
  mapCoef: Int32Array;
  mapWeight: Float64Array;
  sdPriors: PriorDistribution[];
  lkjEta: number;
  /** Offsets into the unconstrained vector. */
  logSdOffset: number;
  corOffset: number;
  zOffset: number;
}

/** Gaussian sufficient statistics per cell (W = the full design with intercept column). */
export interface GaussianStats {
  kind: "gaussian";
  count: Float64Array;
  /** nCells × D × D. */
  wtw: Float64Array;
  /** nCells × D. */
  wty: Float64Array;
  yty: Float64Array;
}

/** Unique covariate patterns within cells, with summed outcomes. */
export interface PatternStats {
  kind: "patterns";
  nPatterns: number;
  cell: Int32Array;
  /** nPatterns × D. */
  w: Float64Array;
  /** Summed successes / counts; for student-t the outcome value. */
  sum: Float64Array;
  /** Summed trials / number of rows; for student-t the number of identical rows. */
  weight: Float64Array;
}

export interface CompiledData {
  family: Family;
  outcome: string;
  nRows: number;
  /** Columns of W: ["Intercept"?, fixed coefficients…, extra varying-only columns…]. */
  columnNames: string[];
  hasIntercept: boolean;
  /** Number of population-level coefficients besides the intercept. */
  nFixed: number;
  fixedNames: string[];
  fixedTerms: string[];
  /** Means of the fixed columns (brms centres them when there is an intercept). */
  fixedMeans: Float64Array;
  interceptPrior: PriorDistribution;
  bPriors: PriorDistribution[];
  sigmaPrior: PriorDistribution;
  nuPrior: PriorDistribution;
  terms: CompiledTerm[];
  nCells: number;
  /** nCells × nTerms group index of each cell. */
  cellGroups: Int32Array;
  cellCount: Float64Array;
  cellLabels: string[];
  cellLevels: Record<string, string>[];
  stats: GaussianStats | PatternStats;
  dim: number;
  interceptOffset: number;
  bOffset: number;
  sigmaOffset: number;
  nuOffset: number;
  /** The treatment and, per cell, the mean derivative of each design column with respect to it. */
  treatment: string | null;
  effectFixed: Float64Array;
  /** Per term: nCells × K mean derivative of each varying column w.r.t. the treatment. */
  effectVarying: Float64Array[];
}
