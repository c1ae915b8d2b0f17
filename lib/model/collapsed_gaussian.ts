/**
 * The fully collapsed Gaussian target: for a gaussian model, every coefficient γ = (β, r) with a
 * normal or flat prior is integrated out exactly given the hyperparameters
 * φ = (log sd's, correlation reals, log σ), and NUTS runs on φ. Student-t and Cauchy priors
 * (brms's default Intercept prior) are written as scale mixtures of normals: their coefficients
 * are integrated out too, given a latent precision sampled in φ
 * (lib/model/scale_mixture_priors.ts); coefficients with any other prior are sampled beside φ
 * (lib/model/sampled_coefficients.ts); {@link CollapsedGaussian}
 * also draws the integrated-out coefficients given the sampled point, y exactly. The derivation
 * of the marginal likelihood and its gradient is in
 * docs/ARCHITECTURE.md#fully-collapsed-crossed-terms.
 *
 * @module
 */
import type { SamplerTarget } from "../sampler/backend.ts";
import type { CompiledData, GaussianStats } from "./compiled_data.ts";
import { corrParamCount } from "./cholesky_corr.ts";
import { priorDerivative, priorLogDensityInto } from "./prior_density.ts";
import {
  type LevelCovarianceLayout,
  type LevelCovarianceWork,
  levelCovarianceWork,
  levelPrecisionBackward,
  levelPrecisionForward,
} from "./level_covariance.ts";
import type { CoefficientPrecision } from "./coefficient_precision.ts";
import { coefficientPrecision } from "./choose_coefficient_precision.ts";
import { familyOf } from "../families/mod.ts";
import { SampledCoefficients } from "./sampled_coefficients.ts";
import { isScaleMixture, ScaleMixturePriors } from "./scale_mixture_priors.ts";
import { SD_KNEE_SETTINGS, sdKneeAt } from "./sd_knee.ts";
import type { PriorDistribution } from "../spec/model_spec.ts";

/**
 * Largest number of marginalised coefficients for which `method: "auto"` collapses a model with
 * crossed terms: each gradient costs a Cholesky and a triangular inverse of a dim(γ)² matrix
 * (≈ dim³/3 flops), about 1 ms at 120 and growing cubically, while NUTS on the full model costs
 * O(cells · Ktot²) per gradient. (One-term models are collapsed level by level instead,
 * lib/model/level_collapsed_gaussian.ts, and need no such limit.)
 */
export const MAX_COLLAPSED_DIM = 120;

/** −∞ as a module constant (see MINUS_INFINITY in lib/model/level_collapsed_gaussian.ts). */
const MINUS_INFINITY = -Infinity;

/**
 * Where one varying-effects term lives in φ (offsets of the sd coordinates and the correlation
 * reals, −1 when uncorrelated; the fully collapsed target samples log sd's) and in γ.
 */
export interface CollapsedTermLayout extends LevelCovarianceLayout {
  /** Offset in γ of r (J·K, group-major). */
  gamma: number;
}

/** Where everything lives in φ and γ. */
export interface CollapsedLayout {
  /** Population-level coefficients in γ: [Intercept?, b…]. */
  nBeta: number;
  gammaDim: number;
  terms: CollapsedTermLayout[];
  /** Offset of σ's coordinate w in φ: log σ = sigmaShift + sigmaScale · w (see {@link logSigmaAt}). */
  phiSigma: number;
  /**
   * The σ coordinate's affine map (absent: 0 and 1, w = log σ). The fully collapsed target sets
   * sigmaScale = 1/√(2n), the posterior sd of log σ (its Fisher information is 2n), and
   * sigmaShift = a ridge estimate of log σ, so that w's posterior sd is about 1 whatever n. With
   * w = log σ, at 100,000 rows that sd is 0.002: the windowed adaptation's variance estimates are
   * regularised toward 1e-3 (Stan's rule), 2–6 times σ's true sd, and NUTS needs a step
   * size that many times smaller along σ. The map is linear, so its Jacobian is a constant.
   */
  sigmaShift?: number;
  sigmaScale?: number;
  /**
   * Population-level coefficients with student_t/Cauchy priors (indices in γ's β part), whose
   * latent log precisions are held in φ from `phiMixture` on (after log σ).
   */
  mixtureBeta?: readonly number[];
  phiMixture?: number;
  /**
   * Sampled population-level coefficients (partial collapse): their indices in γ's β part,
   * held in φ from `phiBeta` on (after the latent precisions). Absent or empty when every β is
   * integrated out.
   */
  sampledBeta?: readonly number[];
  phiBeta?: number;
}

/**
 * log σ at a sampled point `phi` of a collapsed target with this layout.
 *
 * @example
 * ```ts
 * import { logSigmaAt } from "./collapsed_gaussian.ts";
 * const layout = { nBeta: 1, gammaDim: 1, terms: [], phiSigma: 0, sigmaShift: -1, sigmaScale: 0.5 };
 * console.assert(logSigmaAt(layout, new Float64Array([2])) === 0);
 * ```
 */
export function logSigmaAt(layout: CollapsedLayout, phi: Float64Array): number {
  return (layout.sigmaShift ?? 0) + (layout.sigmaScale ?? 1) * phi[layout.phiSigma];
}

/**
 * Whether a population-level prior is integrated out: normal, flat, or (given a latent
 * precision) student_t and Cauchy; other priors are sampled.
 */
export function integratesOut(prior: PriorDistribution): boolean {
  return prior.dist === "normal" || prior.dist === "flat" || isScaleMixture(prior);
}

/** The population-level priors in β's order [Intercept?, b…]. */
function betaPriors(data: CompiledData): PriorDistribution[] {
  return [...(data.hasIntercept ? [data.interceptPrior] : []), ...data.bPriors];
}

/**
 * Indices in β = [Intercept?, b…] of the coefficients the collapsed target samples: those whose
 * prior is neither normal, flat, student_t nor Cauchy (e.g. an exponential b).
 *
 * @example
 * ```ts ignore
 * sampledBetaIndices(data); // [] for brms's default priors (flat b, student_t Intercept)
 * ```
 */
export function sampledBetaIndices(data: CompiledData): number[] {
  return betaPriors(data).flatMap((p, i) => integratesOut(p) ? [] : [i]);
}

/**
 * Indices in β of the coefficients whose student_t or Cauchy prior the collapsed target writes
 * as a scale mixture of normals (one latent precision each).
 *
 * @example
 * ```ts ignore
 * mixtureBetaIndices(data); // [0] for brms's default student_t Intercept
 * ```
 */
export function mixtureBetaIndices(data: CompiledData): number[] {
  return betaPriors(data).flatMap((p, i) => isScaleMixture(p) ? [i] : []);
}

/** Number of coefficients γ = (β, r) that collapsing integrates out. */
export function collapsedGammaDim(data: CompiledData): number {
  let n = (data.hasIntercept ? 1 : 0) + data.nFixed;
  for (const t of data.terms) n += t.nGroups * t.coefNames.length;
  return n;
}

/**
 * Why `data` cannot be fitted collapsed, or null when it can: the family must be gaussian
 * (coefficients with priors that break conjugacy are sampled, not integrated out).
 *
 * @example
 * ```ts
 * import { collapsedIneligibility } from "./collapsed_gaussian.ts";
 * console.assert(typeof collapsedIneligibility === "function");
 * ```
 */
export function collapsedIneligibility(data: CompiledData): string | null {
  if (!familyOf(data.family, data.link).collapsible || data.stats.kind !== "cells") {
    return `the family is ${data.family}, not gaussian`;
  }
  return null;
}

/**
 * The collapsed Gaussian target: log p(φ) + log p(y | φ) over φ, with its analytic gradient.
 *
 * @example
 * ```ts
 * import { CollapsedGaussian } from "./collapsed_gaussian.ts";
 * // see tests/model/collapsed_gaussian_test.ts for a construction from a spec
 * console.assert(typeof CollapsedGaussian === "function");
 * ```
 */
export class CollapsedGaussian implements SamplerTarget {
  /** Number of sampled coordinates: φ, then the sampled β. */
  readonly dim: number;
  readonly data: CompiledData;
  readonly layout: CollapsedLayout;
  private readonly stats: GaussianStats;
  private readonly N: number;
  /**
   * P = A/σ² + Λ0 over γ; after {@link conditional} returns true it holds the factorisation at
   * that φ (colourNoise turns N(0, I) noise into a draw of γ − μ).
   */
  readonly precision: CoefficientPrecision;
  /** Xᵀy over γ. */
  private readonly v: Float64Array;
  /** Prior precision and mean of β (nBeta). */
  private readonly prec0: Float64Array;
  private readonly mean0: Float64Array;
  private readonly logDetPrec0: number;
  private readonly quad0: number;
  private readonly work: LevelCovarianceWork[];
  /** Per term Σ⁻¹ (K × K), the diagonal blocks of P⁻¹ (J × K × K), μ, and β's posterior variances. */
  private readonly termPrecisions: Float64Array[];
  private readonly termBlocks: Float64Array[];
  private readonly mu: Float64Array;
  private readonly betaVariance: Float64Array;
  /** The sampled β (partial collapse), null when every β is integrated out. */
  private readonly sampled: SampledCoefficients | null;
  private readonly sampledPriors: PriorDistribution[];
  /** Latent precisions of student_t/Cauchy β, null when there are none. */
  private readonly mixture: ScaleMixturePriors | null;
  /** log p(φ) with Jacobians and log p(y | φ) from the last successful {@link factor}. */
  private lastPrior = NaN;
  private lastMarginal = NaN;

  /**
   * @param options.sdCoordinate "knee" (default): each sd is sampled through v with log sd = κ(v)
   *   (lib/model/sd_knee.ts), the knee at the log of its natural scale sd(y)/rms(x); "log": v =
   *   log sd.
   */
  constructor(data: CompiledData, options: { sdCoordinate?: "knee" | "log" } = {}) {
    const why = collapsedIneligibility(data);
    if (why !== null) throw new Error(`collapsed Gaussian target: ${why}`);
    const s = data.stats;
    if (s.kind !== "cells") throw new Error("unreachable");
    this.data = data;
    this.stats = s;
    const P = (data.hasIntercept ? 1 : 0) + data.nFixed;
    let g = P;
    let f = 0;
    const terms: CollapsedTermLayout[] = data.terms.map((t) => {
      const K = t.coefNames.length;
      const layout = {
        K,
        J: t.nGroups,
        phiSd: f,
        phiCor: t.correlated ? f + K : -1,
        gamma: g,
      };
      f += K + (t.correlated ? corrParamCount(K) : 0);
      g += t.nGroups * K;
      return layout;
    });
    const sampledBeta = sampledBetaIndices(data);
    const mixtureBeta = mixtureBetaIndices(data);
    const phiBeta = f + 1 + mixtureBeta.length;
    this.layout = {
      nBeta: P,
      gammaDim: g,
      terms,
      phiSigma: f,
      mixtureBeta,
      phiMixture: f + 1,
      sampledBeta,
      phiBeta,
    };
    this.dim = phiBeta + sampledBeta.length;
    const N = g;
    this.N = N;
    this.sampled = sampledBeta.length > 0 ? new SampledCoefficients(sampledBeta, N) : null;

    const prec0 = new Float64Array(P);
    const mean0 = new Float64Array(P);
    const priors = betaPriors(data);
    let logDet = 0;
    let quad = 0;
    this.sampledPriors = sampledBeta.map((i) => priors[i]);
    priors.forEach((p, i) => {
      // Flat and sampled coefficients: zero prior precision (p_flat; see sampled_coefficients.ts).
      if (p.dist !== "normal") return;
      prec0[i] = 1 / (p.sigma * p.sigma);
      mean0[i] = p.mu;
      logDet += Math.log(prec0[i]);
      quad += prec0[i] * p.mu * p.mu;
    });
    this.mixture = mixtureBeta.length > 0
      ? new ScaleMixturePriors(mixtureBeta, mixtureBeta.map((i) => priors[i]), f + 1)
      : null;
    this.mixture?.setMeans(mean0);
    this.prec0 = prec0;
    this.mean0 = mean0;
    this.logDetPrec0 = logDet;
    this.quad0 = quad;
    this.precision = coefficientPrecision(
      data,
      { nBeta: P, termOffsets: terms.map((t) => t.gamma), dim: N },
      prec0,
    );
    this.v = this.precision.dataVector;
    if ((options.sdCoordinate ?? "knee") === "knee") this.placeKnees();

    this.work = terms.map(({ K }) => levelCovarianceWork(K));
    this.termPrecisions = this.work.map((w) => w.Q);
    this.termBlocks = terms.map((t) => new Float64Array(t.J * t.K * t.K));
    this.mu = new Float64Array(N);
    this.betaVariance = new Float64Array(P);
    this.layout.sigmaScale = 1 / Math.sqrt(2 * Math.max(s.n, 1));
    this.layout.sigmaShift = this.logSigmaEstimate();
  }

  /**
   * A rough log σ from the data, where σ's coordinate is centred: ½ log((yᵀy − vᵀP⁻¹v)/n) with
   * P = A + Λ0 + I over the level effects (a ridge fit; yᵀy − vᵀP⁻¹v ≥ the least-squares residual
   * sum, so it is positive); 0 where that fails (a perfect fit or an unfactorable P).
   */
  private logSigmaEstimate(): number {
    for (const w of this.work) {
      w.Q.fill(0);
      for (let k = 0; k < w.K; k++) w.Q[k * w.K + k] = 1;
    }
    if (!this.precision.factor(1, this.termPrecisions)) return 0;
    this.mu.set(this.v);
    const meanSquare = (this.stats.yty - this.precision.solve(this.mu)) / this.stats.n;
    return meanSquare > 0 && Number.isFinite(meanSquare) ? 0.5 * Math.log(meanSquare) : 0;
  }

  /**
   * Each term's sd knees (lib/model/sd_knee.ts) at log(sd(y) / rms(x_a)): y's sd from yᵀy and,
   * with an intercept, Σy (the intercept's entry of Xᵀy); x_a's root mean square over the rows
   * from the diagonal of A = XᵀX over the term's level effects for coefficient a; lowered by
   * SD_KNEE_SETTINGS.level · log √(n/J) (1.5 by default: below the scale where a level mean's
   * standard error, sd(y)/(rms(x)·√(n/J)), stops the data from telling the sd from 0).
   */
  private placeKnees(): void {
    const s = this.stats;
    const n = Math.max(s.n, 1);
    const mean = this.data.hasIntercept ? this.v[0] / n : 0;
    const variance = s.yty / n - mean * mean;
    const ySd = Math.sqrt(variance > 0 ? variance : s.yty / n);
    const unit = new Float64Array(this.N);
    for (const lay of this.layout.terms) {
      lay.sdKnee = [];
      for (let a = 0; a < lay.K; a++) {
        let sumSquares = 0;
        for (let j = 0; j < lay.J; j++) {
          const i = lay.gamma + j * lay.K + a;
          unit[i] = 1;
          sumSquares += this.precision.dataQuadraticForm(unit);
          unit[i] = 0;
        }
        lay.sdKnee.push(
          sdKneeAt(ySd, Math.sqrt(sumSquares / n)) -
            SD_KNEE_SETTINGS.level * 0.5 * Math.log(n / lay.J),
        );
      }
    }
  }

  /** Number of coefficients integrated out. */
  get gammaDim(): number {
    return this.N;
  }

  /**
   * Prior + Jacobian terms of φ, the per-term Σ⁻¹, and P = A/σ² + Λ0 factorised into this.R with
   * μ in this.mu. Returns false when P is not positive definite or a value is not finite, else
   * true with log p(φ) (Jacobians included) in {@link lastPrior} and log p(y | φ) in
   * {@link lastMarginal}: fields, not a returned pair, and loops without closures, so that a
   * gradient allocates nothing (no garbage collection inside the sampling loop). When
   * `gradient` is given the prior part of the gradient is written into it (it must be zeroed).
   */
  private factor(phi: Float64Array, gradient: Float64Array | null): boolean {
    const d = this.data;
    const N = this.N;
    let lp = 0;
    let logDetPrior = this.logDetPrec0;
    let quad0 = this.quad0;
    const u = logSigmaAt(this.layout, phi);
    const invVar = Math.exp(-2 * u);

    for (let t = 0; t < this.work.length; t++) {
      const lay = this.layout.terms[t];
      lp += levelPrecisionForward(phi, lay, d.terms[t], this.work[t], gradient);
      logDetPrior += lay.J * this.work[t].logDetQ;
    }
    const sigma = Math.exp(u);
    // + log|d log σ/dw|, a constant, so that this is the density of the sampled w.
    lp += priorLogDensityInto(d.sigmaPrior, sigma) + u + Math.log(this.layout.sigmaScale ?? 1);
    // ∂/∂log σ here and in logDensityGradient; it scales by dlog σ/dw at the end.
    if (gradient) gradient[this.layout.phiSigma] += priorDerivative[0] * sigma + 1;
    const phiBeta = this.layout.phiBeta ?? 0;
    for (let i = 0; i < this.sampledPriors.length; i++) {
      lp += priorLogDensityInto(this.sampledPriors[i], phi[phiBeta + i]);
      if (gradient) gradient[phiBeta + i] += priorDerivative[0];
    }
    if (this.mixture) {
      // β | λ ~ N(m, s²/λ): the prior precisions of these β follow the point.
      lp += this.mixture.setPrecisions(phi, this.prec0, gradient);
      logDetPrior += this.mixture.logDet;
      quad0 += this.mixture.quad;
    }
    if (!Number.isFinite(lp)) return false;

    if (!this.precision.factor(invVar, this.termPrecisions)) return false;
    const mu = this.mu;
    for (let i = 0; i < N; i++) mu[i] = this.v[i] * invVar;
    for (let p = 0; p < this.layout.nBeta; p++) mu[p] += this.prec0[p] * this.mean0[p];
    const quad = this.precision.solve(mu); // cᵀP⁻¹c, and μ = P⁻¹c
    const logDetP = this.precision.logDeterminant();
    let logMarginal = -this.stats.n * u - 0.5 * this.stats.yty * invVar -
      0.5 * quad0 + 0.5 * quad - 0.5 * logDetP + 0.5 * logDetPrior;
    if (this.sampled) {
      // log p(y | β_s, φ) = log p_flat(y | φ) + log N(β_s; μ_s, S_ss); μ becomes μ̃.
      const beta = phi.subarray(phiBeta, phiBeta + this.sampled.count);
      logMarginal += this.sampled.condition(this.precision, mu, beta, gradient, phiBeta);
    }
    if (!Number.isFinite(logMarginal)) return false;
    this.lastPrior = lp;
    this.lastMarginal = logMarginal;
    return true;
  }

  /**
   * log p(y | φ): the marginal likelihood with γ integrated out (up to −n/2 log 2π); given the
   * sampled β too where some are sampled. NaN when P is not positive definite.
   */
  logMarginalLikelihood(phi: Float64Array): number {
    return this.factor(phi, null) ? this.lastMarginal : NaN;
  }

  /**
   * The Gaussian conditional γ | φ, y: fills `mean` (N) with μ and leaves {@link precision}
   * factored at φ (its precision P; with sampled β, μ is conditioned on them, P is not).
   * Returns false when P is not positive definite.
   */
  conditional(phi: Float64Array, mean: Float64Array): boolean {
    if (!this.factor(phi, null)) return false;
    mean.set(this.mu);
    return true;
  }

  /**
   * One exact draw of γ | φ, y into `gamma`: μ + R⁻ᵀz for standard-normal `noise` z (overwritten).
   * False when P is not positive definite.
   */
  drawCoefficients(phi: Float64Array, noise: Float64Array, gamma: Float64Array): boolean {
    if (!this.conditional(phi, gamma)) return false;
    this.precision.colourNoise(noise);
    this.sampled?.conditionNoise(noise);
    for (let i = 0; i < this.N; i++) gamma[i] += noise[i];
    return true;
  }

  logDensityGradient(phi: Float64Array, gradient: Float64Array): number {
    gradient.fill(0);
    if (!this.factor(phi, gradient)) return MINUS_INFINITY;
    const d = this.data;
    const N = this.N;
    const mu = this.mu;
    this.precision.inverseBlocks(this.betaVariance, this.termBlocks);
    if (this.sampled) this.conditionBlocks(this.sampled);
    this.mixture?.addGradient(this.prec0, this.mu, this.betaVariance, gradient);
    let trSPrior = 0; // tr(S̃ Λ0), S̃ = P⁻¹ conditioned on the sampled β
    for (let p = 0; p < this.layout.nBeta; p++) trSPrior += this.betaVariance[p] * this.prec0[p];

    for (let t = 0; t < this.work.length; t++) {
      const w = this.work[t];
      const lay = this.layout.terms[t];
      const term = d.terms[t];
      const K = w.K;
      const J = lay.J;
      const blocks = this.termBlocks[t];
      // M = Σ_j (μ_j μ_jᵀ + S_jj), S_jj the level-j block of P⁻¹.
      const M = w.M;
      M.fill(0);
      for (let j = 0; j < J; j++) {
        const base = lay.gamma + j * K;
        const s0 = j * K * K;
        for (let a = 0; a < K; a++) {
          for (let b = 0; b < K; b++) {
            M[a * K + b] += mu[base + a] * mu[base + b] + blocks[s0 + a * K + b];
            trSPrior += blocks[s0 + a * K + b] * w.Q[b * K + a];
          }
        }
      }
      // The r part of the log marginal is −½ tr(Σ⁻¹ M) + ½ J log|Σ⁻¹| (as a function of φ).
      levelPrecisionBackward(phi, lay, term, w, gradient);
    }

    // ∂/∂log σ = −n + (yᵀy − 2μᵀv + μᵀAμ)/σ² + tr(S A)/σ², with tr(S A)/σ² = N − tr(S Λ0)
    // (N − n_s − tr(S̃ Λ0) with n_s sampled β: tr(S̃ P) = N − n_s).
    const s = this.stats;
    const invVar = Math.exp(-2 * logSigmaAt(this.layout, phi));
    let muV = 0;
    for (let a = 0; a < N; a++) muV += mu[a] * this.v[a];
    const muAmu = this.precision.dataQuadraticForm(mu);
    const free = N - (this.sampled?.count ?? 0);
    gradient[this.layout.phiSigma] += -s.n + (s.yty - 2 * muV + muAmu) * invVar + free - trSPrior;
    gradient[this.layout.phiSigma] *= this.layout.sigmaScale ?? 1;
    const lp = this.lastPrior + this.lastMarginal;
    return Number.isFinite(lp) ? lp : MINUS_INFINITY;
  }

  /** The diagonal blocks of P⁻¹ conditioned on the sampled β: S̃ = S − C S_ss⁻¹ Cᵀ. */
  private conditionBlocks(sampled: SampledCoefficients): void {
    for (let p = 0; p < this.layout.nBeta; p++) {
      this.betaVariance[p] += sampled.covarianceCorrection(p, p);
    }
    this.layout.terms.forEach((lay, t) => {
      const { K, J } = lay;
      const blocks = this.termBlocks[t];
      for (let j = 0; j < J; j++) {
        const base = lay.gamma + j * K;
        for (let a = 0; a < K; a++) {
          for (let b = 0; b < K; b++) {
            blocks[j * K * K + a * K + b] += sampled.covarianceCorrection(base + a, base + b);
          }
        }
      }
    });
  }
}
