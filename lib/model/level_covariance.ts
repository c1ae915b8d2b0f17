/**
 * One grouping term's covariance Σ = diag(sd) Ω diag(sd) as a collapsed target sees it: from the
 * unconstrained hyperparameters (log sd's or signed scales, correlation reals) to Σ⁻¹ with the
 * priors and Jacobians, and back from M = Σ_j E[r_j r_jᵀ | y] to the gradient (Fisher's
 * identity). Shared by lib/model/collapsed_gaussian.ts and lib/model/level_collapsed_gaussian.ts.
 * See docs/ARCHITECTURE.md#collapsed-inference and #signed-scales-in-a-collapsed-target.
 *
 * @module
 */
import type { CompiledTerm } from "./compiled_data.ts";
import { choleskyCorrBackward, choleskyCorrForward } from "./cholesky_corr.ts";
import { priorDerivative, priorLogDensityInto } from "./prior_density.ts";
import { invertLower } from "./_dense.ts";
import { sdKnee, sdKneeSlope } from "./sd_knee.ts";
import type { PriorDistribution } from "../spec/model_spec.ts";

/** Where a term's hyperparameters live in the unconstrained vector (phiCor −1: uncorrelated). */
export interface LevelCovarianceLayout {
  K: number;
  J: number;
  /** Offset of the K sd coordinates: log sd, or the signed scale u where `signedSd[k]`. */
  phiSd: number;
  phiCor: number;
  /** Per coefficient, whether its sd is sampled as a signed scale (absent: all log sd). */
  signedSd?: boolean[];
  /**
   * Per coefficient, the knee k of a log-sd coordinate v with log sd = κ(v) (lib/model/sd_knee.ts);
   * NaN, or absent for the whole term: v = log sd. Not combined with `signedSd`.
   */
  sdKnee?: number[];
}

/**
 * Whether an sd with this prior is sampled as a signed scale u, sd = |u|: priors symmetric about
 * 0 and smooth there (half-normal, half-Student-t and half-Cauchy at location 0, flat), so that
 * log p(|u|) has no kink at u = 0. Others keep log sd.
 *
 * @example
 * ```ts
 * import { signedScaleSuits } from "./level_covariance.ts";
 * console.assert(signedScaleSuits({ dist: "normal", mu: 0, sigma: 1 }));
 * console.assert(!signedScaleSuits({ dist: "exponential", rate: 1 }));
 * ```
 */
export function signedScaleSuits(prior: PriorDistribution): boolean {
  switch (prior.dist) {
    case "normal":
    case "student_t":
    case "cauchy":
      return prior.mu === 0;
    case "flat":
      return true;
    default:
      return false;
  }
}

/** Scratch and results of {@link levelPrecisionForward} for one term (all K × K, row-major). */
export interface LevelCovarianceWork {
  K: number;
  /** The sd's, or for signed scales u itself (D = diag(sd) below). */
  sd: Float64Array;
  /** d log sd / dv of each log-sd coordinate v: κ′(v) with a knee, else 1. */
  slope: Float64Array;
  /** Cholesky factor of the correlation matrix and its inverse. */
  L: Float64Array;
  Linv: Float64Array;
  /** Σ⁻¹ = (L⁻¹ D⁻¹)ᵀ (L⁻¹ D⁻¹), D = diag(sd). */
  Q: Float64Array;
  /** Σ_j E[r_j r_jᵀ], filled by the caller before {@link levelPrecisionBackward}. */
  M: Float64Array;
  V: Float64Array;
  X: Float64Array;
  gradL: Float64Array;
  /** log |Σ⁻¹|, set by {@link levelPrecisionForward}. */
  logDetQ: number;
}

/** Fresh work arrays for a term with K coefficients. */
export function levelCovarianceWork(K: number): LevelCovarianceWork {
  const square = () => new Float64Array(K * K);
  return {
    K,
    sd: new Float64Array(K),
    slope: new Float64Array(K).fill(1),
    L: square(),
    Linv: square(),
    Q: square(),
    M: square(),
    V: square(),
    X: square(),
    gradL: square(),
    logDetQ: NaN,
  };
}

/**
 * Σ⁻¹ of one term into `w.Q` and log |Σ⁻¹| into `w.logDetQ` from the unconstrained point `x`;
 * returns the log prior of the sd's and correlations with the log-transform Jacobians (a number,
 * not a tuple: no allocation per gradient). When `gradient` is given, the prior and Jacobian
 * part of the gradient is added to it.
 *
 * @example
 * ```ts ignore
 * const lp = levelPrecisionForward(x, layout, term, work, gradient); // and work.logDetQ
 * ```
 */
export function levelPrecisionForward(
  x: Float64Array,
  lay: LevelCovarianceLayout,
  term: CompiledTerm,
  w: LevelCovarianceWork,
  gradient: Float64Array | null,
): number {
  const K = w.K;
  let lp = 0;
  let logDetQ = 0;
  for (let k = 0; k < K; k++) {
    const v = x[lay.phiSd + k];
    if (lay.signedSd?.[k]) {
      // sd = |u|, no Jacobian; w.sd keeps the sign (Σ = diag(u) Ω diag(u)).
      w.sd[k] = v;
      lp += priorLogDensityInto(term.sdPriors[k], Math.abs(v));
      if (gradient) gradient[lay.phiSd + k] += Math.sign(v) * priorDerivative[0];
      logDetQ -= 2 * Math.log(Math.abs(v));
    } else if (lay.sdKnee !== undefined && !Number.isNaN(lay.sdKnee[k])) {
      // log sd = κ(v), density of v = that of log sd · κ′(v).
      const u = sdKnee(v, lay.sdKnee[k]);
      const slope = sdKneeSlope[0];
      const sd = Math.exp(u);
      w.sd[k] = sd;
      w.slope[k] = slope;
      lp += priorLogDensityInto(term.sdPriors[k], sd) + u + Math.log(slope);
      if (gradient) {
        gradient[lay.phiSd + k] += (priorDerivative[0] * sd + 1) * slope + sdKneeSlope[1] / slope;
      }
      logDetQ -= 2 * u;
    } else {
      const sd = Math.exp(v);
      w.sd[k] = sd;
      lp += priorLogDensityInto(term.sdPriors[k], sd) + v;
      if (gradient) gradient[lay.phiSd + k] += priorDerivative[0] * sd + 1;
      logDetQ -= 2 * v;
    }
  }
  if (lay.phiCor >= 0) {
    // x and the offset rather than a subarray view: no allocation per gradient.
    lp += choleskyCorrForward(x, K, term.lkjEta, w.L, lay.phiCor);
    // L_00 = 1: its log is 0.
    for (let k = 1; k < K; k++) logDetQ -= 2 * Math.log(w.L[k * K + k]);
    invertLower(w.L, K, w.Linv);
  } else {
    w.L.fill(0);
    w.Linv.fill(0);
    for (let k = 0; k < K; k++) w.L[k * K + k] = w.Linv[k * K + k] = 1;
  }
  // Q_ab = Σ_m Linv_ma Linv_mb / (sd_a sd_b).
  for (let a = 0; a < K; a++) {
    for (let b = 0; b < K; b++) {
      let q = 0;
      for (let m = Math.max(a, b); m < K; m++) q += w.Linv[m * K + a] * w.Linv[m * K + b];
      w.Q[a * K + b] = q / (w.sd[a] * w.sd[b]);
    }
  }
  w.logDetQ = logDetQ;
  return lp;
}

/**
 * Add the gradient of −½ tr(Σ⁻¹ M) + ½ J log|Σ⁻¹| (M = `w.M`) with respect to the term's log
 * sd's and correlation reals, after {@link levelPrecisionForward} at the same `x`.
 *
 * @example
 * ```ts ignore
 * levelPrecisionBackward(x, layout, term, work, gradient);
 * ```
 */
export function levelPrecisionBackward(
  x: Float64Array,
  lay: LevelCovarianceLayout,
  term: CompiledTerm,
  w: LevelCovarianceWork,
  gradient: Float64Array,
): void {
  const K = w.K;
  const J = lay.J;
  const M = w.M;
  // With W = D⁻¹ M D⁻¹, V = L⁻¹ W, X = V L⁻ᵀ: ∂/∂log sd_a = (L⁻ᵀ V)_aa − J and
  // ∂/∂L = L⁻ᵀ X − J / L_kk on the diagonal. A signed scale u_a (D holds u): ∂/∂u_a is that
  // divided by u_a.
  const V = w.V;
  for (let a = 0; a < K; a++) {
    for (let b = 0; b < K; b++) {
      let s = 0;
      for (let m = 0; m <= a; m++) s += (w.Linv[a * K + m] * M[m * K + b]) / w.sd[m];
      V[a * K + b] = s / w.sd[b];
    }
  }
  for (let a = 0; a < K; a++) {
    let s = 0;
    for (let m = a; m < K; m++) s += w.Linv[m * K + a] * V[m * K + a];
    // With a knee, ∂/∂v = ∂/∂log sd · κ′(v) (w.slope is 1 otherwise).
    gradient[lay.phiSd + a] += lay.signedSd?.[a] ? (s - J) / w.sd[a] : (s - J) * w.slope[a];
  }
  if (lay.phiCor < 0) return;
  const X = w.X;
  for (let a = 0; a < K; a++) {
    for (let b = 0; b < K; b++) {
      let s = 0;
      for (let m = 0; m <= b; m++) s += V[a * K + m] * w.Linv[b * K + m];
      X[a * K + b] = s;
    }
  }
  w.gradL.fill(0);
  for (let a = 0; a < K; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let m = a; m < K; m++) s += w.Linv[m * K + a] * X[m * K + b];
      w.gradL[a * K + b] = s;
    }
    w.gradL[a * K + a] -= J / w.L[a * K + a];
  }
  choleskyCorrBackward(x, K, term.lkjEta, w.L, w.gradL, gradient, lay.phiCor);
}
