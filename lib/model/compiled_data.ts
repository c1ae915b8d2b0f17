/**
 * The compiled model as plain data (typed arrays, numbers, strings): structured-cloneable so
 * that sampler workers can rebuild the model from it, and small — its size depends on the
 * number of cells or covariate patterns, not on the number of rows.
 */
import type { Family, PriorDistribution } from "../spec/model_spec.ts";
import type { DataCentring } from "./data_centring.ts";

/** One varying-effects term after compilation. */
export interface CompiledTerm {
  group: string;
  factors: string[];
  /** Names of the K varying coefficients ("Intercept", "alliance"). */
  coefNames: string[];
  correlated: boolean;
  /**
   * How θ holds the varying effects r (J × K; rows r_j ~ N(0, S), S = diag(sd) L Lᵀ diag(sd)).
   * Per coefficient a, λ_a ∈ [0, 1]: 1 non-centred (θ holds u_ja, the standardised effect, with
   * r_j = diag(sd) L u_j), 0 centred (θ holds the effect itself), in between partially
   * centred (Papaspiliopoulos et al. 2007; Gorinova et al. 2020) — see compiled_model.ts. All
   * choices give the same posterior; only the sampler's geometry differs. Non-centred suits
   * coefficients whose groups have little data relative to their spread, centred the others.
   */
  noncentering: number[];
  /**
   * The rows θ holds are s = Qᵀ r (lib/model/level_contrasts.ts): the level mean (scaled by √J),
   * always non-centred, and J−1 orthonormal contrasts between levels, centred or not per
   * coefficient. The data identify contrasts; the level mean trades off against the
   * population-level coefficients and is known mostly through the prior.
   */
  contrasts: boolean;
  /**
   * θ's population-level coefficients hold β + Â r̄ (r̄: this term's mean over levels, Â its map
   * into design columns) instead of β: a shear with unit Jacobian that removes the ridge
   * between the coefficients and the level mean, which the data cannot tell apart.
   */
  meanInBeta: boolean;
  /**
   * Set when the "auto" rule chose this term's parameterisation (lib/model/auto_parameterization.ts):
   * per coefficient, the data's information about its least-informed level, the interval of the
   * approximate posterior of its sd and the partial-centring weight λ the rule computed.
   */
  auto?: { information: number[]; sdInterval: [number, number][]; lambda: number[] };
  /**
   * When set, θ holds the rows after the level mean (all rows without contrasts) relative to a
   * Gaussian approximation of what the data say about each (lib/model/data_centring.ts) instead
   * of through `noncentering`.
   */
  dataCentring?: DataCentring;
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
  /**
   * Per coefficient: θ holds a signed scale u (sd = |u|, r = diag(u) L z, no Jacobian) instead
   * of log sd. Only on plain non-centred terms (lib/model/signed_scales.ts); absent: all log.
   */
  signedSd?: boolean[];
  lkjEta: number;
  /** Offsets into the unconstrained vector. */
  logSdOffset: number;
  corOffset: number;
  zOffset: number;
}

/**
 * Gaussian sufficient statistics. With β_c = β + Â ρ_c (ρ_c: the varying effects of cell c's
 * groups, all terms stacked, Ktot of them), the residual sum of squares is
 * yᵀy − 2βᵀh − 2Σ ρ_cᵀe_c + βᵀGβ + 2Σ βᵀB_cρ_c + Σ ρ_cᵀC_cρ_c, where per cell
 * B_c = WᵀW_c Â, C_c = ÂᵀWᵀW_c Â, e_c = ÂᵀWᵀy_c, and G, h sum WᵀW_c, Wᵀy_c over cells.
 */
export interface GaussianStats {
  kind: "gaussian";
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
 * Unique covariate patterns within cells, with summed outcomes. η_p = w_p·β + (w_pÂ)·ρ_cell.
 */
export interface PatternStats {
  kind: "patterns";
  nPatterns: number;
  cell: Int32Array;
  /** nPatterns × D. */
  w: Float64Array;
  /** nPatterns × Ktot: w_p Â. */
  wA: Float64Array;
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
  /** The sigma prior (gaussian and student; flat and unused for the other families). */
  sigmaPrior: PriorDistribution;
  /** The nu prior (student; flat and unused for the other families). */
  nuPrior: PriorDistribution;
  terms: CompiledTerm[];
  /** Total number of varying coefficients per cell: the sum of K over terms. */
  kTotal: number;
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
  /** Data warnings found while compiling (one-row groups, untreated groups, …); see data_checks.ts. */
  warnings?: string[];
}
