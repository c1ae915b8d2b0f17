/**
 * The compiled model as plain data (typed arrays, numbers, strings): structured-cloneable so
 * that sampler workers can rebuild the model from it, and small — its size depends on the
 * number of cells or covariate patterns, not on the number of rows.
 */
import type { Family, PriorDistribution } from "../spec/model_spec.ts";
import type { DataCentring } from "./data_centring.ts";
import type { TreatmentContrast } from "../spec/treatment_coding.ts";
import type { GaussianStats, PatternStats } from "../families/compressed_stats.ts";

export type { GaussianStats, PatternStats } from "../families/compressed_stats.ts";

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

/** A family parameter (sigma, nu, …) as compiled: θ[offset] = log(value − lower). */
export interface CompiledFamilyParameter {
  name: string;
  lower: number;
  offset: number;
  prior: PriorDistribution;
}

/**
 * An ordinal family's K − 1 thresholds: θ[offset …] holds u_1 = τ_1, u_k = log(τ_k − τ_{k−1})
 * (lib/families/ordered_thresholds.ts); priors on τ_k (brms class Intercept, coef k).
 */
export interface CompiledThresholds {
  offset: number;
  count: number;
  priors: PriorDistribution[];
  /**
   * The label of each category 1…K: the declared levels kept (`spec.outcomeLevels`), or absent
   * for "1"…"K" (lib/model/ordinal_outcome.ts's categoryLabels reads both).
   */
  labels?: string[];
}

export interface CompiledData {
  family: Family;
  /** The link where the family takes several and it is not the default ("probit"). */
  link?: string;
  outcome: string;
  /** The likelihood-weight column, when the model has one: `stats` then hold weighted sums. */
  weights?: string;
  nRows: number;
  /** The data came aggregated (key rows with counts and sums): row-level results are unavailable. */
  aggregated?: boolean;
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
  /** The family's parameters besides η (lib/families/), in the order θ holds them. */
  familyParameters: CompiledFamilyParameter[];
  /** Ordinal families' thresholds (no intercept then); absent for the others. */
  thresholds?: CompiledThresholds;
  /**
   * The sigma parameter's prior (flat and unused without one): read by the Gaussian cell
   * likelihood and the collapsed samplers.
   */
  sigmaPrior: PriorDistribution;
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
  /** θ's index of sigma, or −1 (the Gaussian cell likelihood and collapsed samplers). */
  sigmaOffset: number;
  /** The treatment; null when the model names none. */
  treatment: string | null;
  /** The treatment's contrasts (lib/spec/treatment_coding.ts): one, or K − 1 for a factor. */
  contrasts: TreatmentContrast[];
  /**
   * Per effect entry e = contrast × nCells + cell, the mean change of each of the D design
   * columns under the contrast (nContrasts × nCells × D).
   */
  effectFixed: Float64Array;
  /** Per term: nContrasts × nCells × K mean change of each varying column under the contrast. */
  effectVarying: Float64Array[];
  /** Data warnings found while compiling (one-row groups, untreated groups, …); see data_checks.ts. */
  warnings?: string[];
}
