/**
 * The level-collapsed Gaussian target for one grouping term: the level effects r_j are integrated
 * out one K × K block per level and NUTS runs on the whitened population-level coefficients ξ
 * (β = β̂ + L_S⁻ᵀξ), the sd coordinates (log sd or signed scale, {@link SIGNED_SCALE_MAX_DROP}),
 * the correlation reals and log σ. Any prior on β. Derivation, whitening and layout:
 * docs/ARCHITECTURE.md#level-collapsed-one-grouping-term.
 *
 * @module
 */
import type { SamplerTarget } from "../sampler/backend.ts";
import { climbToMode } from "../sampler/laplace_metric.ts";
import type { CompiledData, GaussianStats } from "./compiled_data.ts";
import type { PriorDistribution } from "../spec/model_spec.ts";
import { corrParamCount } from "./cholesky_corr.ts";
import { priorDerivative, priorLogDensityInto } from "./prior_density.ts";
import { ArrowheadPrecision } from "./arrowhead_precision.ts";
import { LevelKernel } from "./level_kernel.ts";
import { oneTermNormalEquations } from "./normal_equations.ts";
import { CollapsedGaussian, type CollapsedLayout } from "./collapsed_gaussian.ts";
import {
  type LevelCovarianceWork,
  levelCovarianceWork,
  levelPrecisionBackward,
  levelPrecisionForward,
  signedScaleSuits,
} from "./level_covariance.ts";
import { familyOf } from "../families/mod.ts";
import {
  choleskyInPlace,
  invertSymmetricPositive,
  solveLower,
  solveLowerTransposed,
} from "./_dense.ts";

/**
 * −∞ as a module constant: `-Infinity` in a function reads the global `Infinity`, and the first
 * −∞ return after V8 has optimised logDensityGradient (a rare rejected proposal in warmup) then
 * deoptimises it for want of type feedback, and it is compiled again (tens of ms, per worker).
 */
const MINUS_INFINITY = -Infinity;

/**
 * Smallest share of ‖y − Xβ‖²/σ² that the marginal quadratic form ‖y − Xβ‖²/σ² −
 * Σ_j c_jᵀD_j⁻¹c_j may be and still be read: below it the subtraction has kept at most ~4 of
 * double precision's 16 digits, and the point is treated as outside the support (−∞). At the
 * posterior's points the share is far larger (the form is about n, ‖y − Xβ‖²/σ² about n times
 * the ratio of the level and residual variances: ~1e-2 on the paper's model). A heuristic: data
 * whose group sd is ~1e6 times σ would reach it at their posterior, where the target was already
 * unreliable (its β whitening fails there too).
 */
const MIN_QUADRATIC_FORM = 1e-12;

/**
 * An sd is sampled as a signed scale (lib/model/level_covariance.ts) when its posterior reaches
 * 0: when its log density (in sd) at an sd e⁻⁸ times the collapsed mode's is within this many
 * nats of the mode's, the other hyperparameters held there. Where the density falls to a wall
 * before 0 (an sd clearly away from 0), the signed scale's two modes at ±sd are separated by it
 * and log sd samples better.
 */
export const SIGNED_SCALE_MAX_DROP = 3;

/**
 * Which sds of the level-collapsed `term` are sampled as signed scales: under "auto" each whose
 * prior suits one ({@link signedScaleSuits}) and whose posterior reaches 0 (`dropAtZero[k]`, from
 * {@link collapsedModeSummary}, under {@link SIGNED_SCALE_MAX_DROP}); "signed": wherever the
 * prior suits; "log": none.
 *
 * @example
 * ```ts
 * import { levelSignedScales } from "./level_collapsed_gaussian.ts";
 * const term = { sdPriors: [{ dist: "normal", mu: 0, sigma: 1 }, { dist: "exponential", rate: 1 }] } as const;
 * console.assert(levelSignedScales(term, [0, 0]).join() === "true,false");
 * console.assert(levelSignedScales(term, [10, 0]).join() === "false,false"); // away from 0
 * ```
 */
export function levelSignedScales(
  term: { readonly sdPriors: readonly PriorDistribution[] },
  dropAtZero: readonly number[],
  sdScale: "auto" | "signed" | "log" = "auto",
): boolean[] {
  return term.sdPriors.map((p, k) =>
    sdScale !== "log" && signedScaleSuits(p) &&
    (sdScale === "signed" || dropAtZero[k] < SIGNED_SCALE_MAX_DROP)
  );
}

/**
 * Why `data` cannot be fitted level-collapsed, or null when it can: gaussian, one grouping term.
 *
 * @example
 * ```ts ignore
 * if (levelCollapseIneligibility(data) === null) new LevelCollapsedGaussian(data);
 * ```
 */
export function levelCollapseIneligibility(data: CompiledData): string | null {
  if (!familyOf(data.family, data.link).collapsible || data.stats.kind !== "cells") {
    return `the family is ${data.family}, not gaussian`;
  }
  if (data.terms.length !== 1) return `there are ${data.terms.length} grouping terms, not one`;
  return null;
}

/**
 * A normal stand-in for a β prior, used only to place the whitening: normal stays, Student-t
 * and Cauchy keep their location and scale, anything else (flat) becomes N(0, 10⁴²).
 */
function normalStandIn(prior: PriorDistribution): PriorDistribution {
  switch (prior.dist) {
    case "normal":
      return prior;
    case "student_t":
    case "cauchy":
      return { dist: "normal", mu: prior.mu, sigma: prior.sigma };
    default:
      return { dist: "normal", mu: 0, sigma: 1e4 };
  }
}

/** What the level-collapsed target takes from the fully collapsed target's mode. */
export interface CollapsedModeSummary {
  /** β̂ and the lower Cholesky factor L_S of β's posterior precision there (n_β, n_β²). */
  betaHat: Float64Array;
  whitening: Float64Array;
  /** Per sd: how far its log density falls from the mode to an sd e⁻⁸ times smaller. */
  dropAtZero: number[];
}

/**
 * β̂ and L_S at the mode φ̂ of the fully collapsed target with normal stand-in priors (the
 * identity around 0 when that target cannot be factored there); and per sd, how far its
 * log density (in sd, without the log Jacobian) drops from φ̂ to an sd e⁻⁸ times smaller, the
 * others held at φ̂ (Infinity when there is no φ̂). Computed once per fit and handed to the
 * sampler workers (a climb of the fully collapsed target: tens of milliseconds).
 *
 * @example
 * ```ts ignore
 * const target = new LevelCollapsedGaussian(data, { mode: collapsedModeSummary(data) });
 * ```
 */
export function collapsedModeSummary(data: CompiledData): CollapsedModeSummary {
  const nb = (data.hasIntercept ? 1 : 0) + data.nFixed;
  const K = data.terms[0].coefNames.length;
  const identity = new Float64Array(nb * nb);
  for (let p = 0; p < nb; p++) identity[p * nb + p] = 1;
  const standIn: CompiledData = {
    ...data,
    interceptPrior: normalStandIn(data.interceptPrior),
    bPriors: data.bPriors.map(normalStandIn),
  };
  // φ = log sd below (dropAtZero's "− φ_k" takes off its Jacobian): no knee.
  const collapsed = new CollapsedGaussian(standIn, { sdCoordinate: "log" });
  const phiHat = climbToMode(collapsed, new Float64Array(collapsed.dim));
  const mean = new Float64Array(collapsed.gammaDim);
  const precision = collapsed.precision;
  if (!collapsed.conditional(phiHat, mean) || !(precision instanceof ArrowheadPrecision)) {
    return {
      betaHat: new Float64Array(nb),
      whitening: identity,
      dropAtZero: Array(K).fill(Infinity),
    };
  }
  const betaHat = mean.slice(0, nb);
  const whitening = precision.betaCholesky();
  // φ = [log sd (K), …]: the collapsed density carries + log sd_k, taken off here.
  const g = new Float64Array(collapsed.dim);
  const atMode = collapsed.logDensityGradient(phiHat, g);
  const dropAtZero = Array.from({ length: K }, (_, k) => {
    const near = Float64Array.from(phiHat);
    near[k] -= 8;
    const drop = atMode - phiHat[k] - (collapsed.logDensityGradient(near, g) - near[k]);
    return Number.isNaN(drop) ? Infinity : drop;
  });
  return { betaHat, whitening, dropAtZero };
}

/**
 * The level-collapsed Gaussian target with its analytic gradient.
 *
 * @example
 * ```ts ignore
 * const target = new LevelCollapsedGaussian(data);
 * const lp = target.logDensityGradient(new Float64Array(target.dim), new Float64Array(target.dim));
 * ```
 */
export class LevelCollapsedGaussian implements SamplerTarget {
  readonly dim: number;
  readonly data: CompiledData;
  /** Offsets in the sampled vector (terms[0].gamma: where r starts in γ = [β, r]). */
  readonly layout: CollapsedLayout;
  /** dim(γ) = n_β + J·K. */
  readonly gammaDim: number;
  /** The whitening: β = betaHat + L_S⁻ᵀ ξ (L_S lower, n_β × n_β). */
  readonly betaHat: Float64Array;
  readonly whitening: Float64Array;
  private readonly stats: GaussianStats;
  private readonly nb: number;
  private readonly J: number;
  private readonly K: number;
  private readonly betaPriors: PriorDistribution[];
  /** A_ββ (n_β²), h = Xᵀy (n_β), per level Z_jᵀX_j (J × K × n_β), Z_jᵀZ_j (J × K²), Z_jᵀy (J × K). */
  private readonly Abb: Float64Array;
  private readonly h: Float64Array;
  private readonly Arb: Float64Array;
  private readonly Arr: Float64Array;
  private readonly e: Float64Array;
  private readonly work: LevelCovarianceWork;
  /** Scratch: β and its gradient (n_β), c and μ over all levels (J·K), D_j, D_j⁻¹, K × K. */
  private readonly beta: Float64Array;
  private readonly gBeta: Float64Array;
  private readonly c: Float64Array;
  private readonly mu: Float64Array;
  private readonly Dj: Float64Array;
  private readonly Djinv: Float64Array;
  private readonly scratch: Float64Array;
  /** The WebAssembly level loop (K = 2, where the runtime has WebAssembly SIMD), or null. */
  private readonly kernel: LevelKernel | null;
  /** Whether {@link logDensityGradient} runs whole in the kernel (LevelKernel.gradient). */
  private readonly wholeInKernel: boolean;
  /** The level terms' part of the log likelihood and of E‖y − Xβ − Zr‖² (see levelTerms). */
  private levelLogLikelihood = 0;
  private levelExpectedRss = 0;
  /** Σ_j c_jᵀD_j⁻¹c_j of the last level terms (see {@link MIN_QUADRATIC_FORM}). */
  private levelQuadSum = 0;
  /** log p(y | β, φ) at the last evaluated point. */
  private lastLogLikelihood = NaN;

  /**
   * @param options.sdScale "auto" (default): a signed scale for each sd whose prior suits one
   *   ({@link signedScaleSuits}) and whose posterior reaches 0 ({@link SIGNED_SCALE_MAX_DROP});
   *   "signed": wherever the prior suits; "log": every sd as log sd.
   * @param options.mode {@link collapsedModeSummary} of `data` when already computed.
   * @param options.kernel "wasm" (default): for two varying coefficients, where the runtime
   *   supports it, the whole log density and gradient in WebAssembly (lib/model/level_kernel.ts:
   *   the same values as "loop", bit for bit, with no JavaScript for V8 to compile in each
   *   sampler thread); "loop": the level loop in WebAssembly, the rest in JavaScript; "js":
   *   always JavaScript (the reference).
   */
  constructor(
    data: CompiledData,
    options: {
      sdScale?: "auto" | "signed" | "log";
      mode?: CollapsedModeSummary;
      kernel?: "wasm" | "loop" | "js";
    } = {},
  ) {
    const why = levelCollapseIneligibility(data);
    if (why !== null) throw new Error(`level-collapsed Gaussian target: ${why}`);
    const s = data.stats;
    if (s.kind !== "cells") throw new Error("unreachable");
    this.data = data;
    this.stats = s;
    const nb = (data.hasIntercept ? 1 : 0) + data.nFixed;
    const term = data.terms[0];
    const K = term.coefNames.length;
    const J = term.nGroups;
    this.nb = nb;
    this.J = J;
    this.K = K;
    this.gammaDim = nb + J * K;
    const nCor = term.correlated ? corrParamCount(K) : 0;
    const { betaHat, whitening, dropAtZero } = options.mode ?? collapsedModeSummary(data);
    this.betaHat = betaHat;
    this.whitening = whitening;
    const sdScale = options.sdScale ?? "auto";
    this.layout = {
      nBeta: nb,
      gammaDim: this.gammaDim,
      terms: [{
        K,
        J,
        phiSd: nb,
        phiCor: term.correlated ? nb + K : -1,
        gamma: nb,
        signedSd: levelSignedScales(term, dropAtZero, sdScale),
      }],
      phiSigma: nb + K + nCor,
    };
    this.dim = nb + K + nCor + 1;
    this.betaPriors = [...(data.hasIntercept ? [data.interceptPrior] : []), ...data.bPriors];

    const blocks = oneTermNormalEquations(data);
    this.Abb = blocks.xtx;
    this.h = blocks.xty;
    this.Arb = blocks.ztx;
    this.kernel = K === 2 && options.kernel !== "js"
      ? LevelKernel.create(blocks.ztx, blocks.zty, blocks.ztz, J, nb)
      : null;
    this.Arr = blocks.ztz;
    this.e = blocks.zty;
    const lay = this.layout.terms[0];
    this.wholeInKernel = options.kernel !== "loop" && this.kernel !== null &&
      this.kernel.configureTarget({
        correlated: lay.phiCor >= 0,
        signed: [lay.signedSd?.[0] ?? false, lay.signedSd?.[1] ?? false],
        lkjEta: term.lkjEta,
        yty: s.yty,
        n: s.n,
        whitening,
        betaHat,
        xtx: blocks.xtx,
        xty: blocks.xty,
        priors: [...this.betaPriors, ...term.sdPriors, data.sigmaPrior],
      });
    this.work = levelCovarianceWork(K);
    this.beta = new Float64Array(nb);
    this.gBeta = new Float64Array(nb);
    this.c = new Float64Array(J * K);
    this.mu = new Float64Array(J * K);
    this.Dj = new Float64Array(K * K);
    this.Djinv = new Float64Array(K * K);
    this.scratch = new Float64Array(K * K);
  }

  /** β = β̂ + L_S⁻ᵀ ξ into `out`. */
  betaFromWhitened(xi: Float64Array, out: Float64Array): Float64Array {
    for (let p = 0; p < this.nb; p++) out[p] = xi[p];
    solveLowerTransposed(this.whitening, this.nb, out);
    for (let p = 0; p < this.nb; p++) out[p] += this.betaHat[p];
    return out;
  }

  /**
   * log p(y | β, φ) with the level effects integrated out (up to −n/2 log 2π), at the sampled
   * point x = [ξ, φ]; NaN where the density is not finite.
   */
  logMarginalLikelihood(x: Float64Array): number {
    this.lastLogLikelihood = NaN;
    this.logDensityGradient(x, new Float64Array(this.dim));
    return this.lastLogLikelihood;
  }

  /** c = Z_jᵀ(y − Xβ)/σ² for every level at once (J·K, from this.beta). */
  private levelScores(invVar: number): void {
    const { nb, c, Arb, e } = this;
    const beta = this.beta;
    const rows = c.length;
    let r = 0;
    for (; r + 3 < rows; r += 4) {
      // Four rows per pass share the loads of β (four independent sums).
      let x0 = e[r], x1 = e[r + 1], x2 = e[r + 2], x3 = e[r + 3];
      const row0 = r * nb, row1 = row0 + nb, row2 = row1 + nb, row3 = row2 + nb;
      for (let p = 0; p < nb; p++) {
        const b = beta[p];
        x0 -= Arb[row0 + p] * b;
        x1 -= Arb[row1 + p] * b;
        x2 -= Arb[row2 + p] * b;
        x3 -= Arb[row3 + p] * b;
      }
      c[r] = x0 * invVar;
      c[r + 1] = x1 * invVar;
      c[r + 2] = x2 * invVar;
      c[r + 3] = x3 * invVar;
    }
    for (; r < rows; r++) {
      let x = e[r];
      for (let p = 0; p < nb; p++) x -= Arb[r * nb + p] * beta[p];
      c[r] = x * invVar;
    }
  }

  /** D_j = Z_jᵀZ_j/σ² + Σ⁻¹ into this.Dj. */
  private levelPrecision(j: number, invVar: number): void {
    const KK = this.K * this.K;
    const Q = this.work.Q;
    for (let i = 0; i < KK; i++) this.Dj[i] = this.Arr[j * KK + i] * invVar + Q[i];
  }

  /**
   * The level loop of {@link logDensityGradient} for K = 2 (intercept and one slope, the
   * paper's models) in closed form: returns [Σ_j ½ c_jᵀμ_j − ½ log|D_j|, Σ_j (tr(Z_jᵀZ_j
   * E[r_j r_jᵀ]) − 2 μ_jᵀc_j σ²)], fills μ and M; NaN when a D_j is not positive definite. The
   * determinants are multiplied up and logged in batches (one log per ~30 levels, not per level).
   */
  private levelsOfTwo(invVar: number): [number, number] {
    const { J, c, mu, Arr } = this;
    const Q = this.work.Q;
    const q00 = Q[0], q01 = Q[1], q11 = Q[3];
    let quadSum = 0;
    let logDet = 0;
    let detProduct = 1;
    let trace = 0;
    let m00 = 0, m01 = 0, m11 = 0;
    for (let j = 0; j < J; j++) {
      const a = 4 * j;
      const d00 = Arr[a] * invVar + q00;
      const d01 = Arr[a + 1] * invVar + q01;
      const d11 = Arr[a + 3] * invVar + q11;
      const det = d00 * d11 - d01 * d01;
      if (!(d00 > 0) || !(det > 0)) return [NaN, NaN];
      detProduct *= det;
      if (detProduct > 1e150 || detProduct < 1e-150) {
        logDet += Math.log(detProduct);
        detProduct = 1;
      }
      const inv = 1 / det;
      const i00 = d11 * inv, i01 = -d01 * inv, i11 = d00 * inv;
      const c0 = c[2 * j], c1 = c[2 * j + 1];
      const u0 = i00 * c0 + i01 * c1;
      const u1 = i01 * c0 + i11 * c1;
      mu[2 * j] = u0;
      mu[2 * j + 1] = u1;
      quadSum += u0 * c0 + u1 * c1;
      const s00 = u0 * u0 + i00, s01 = u0 * u1 + i01, s11 = u1 * u1 + i11;
      m00 += s00;
      m01 += s01;
      m11 += s11;
      trace += Arr[a] * s00 + 2 * Arr[a + 1] * s01 + Arr[a + 3] * s11;
    }
    logDet += Math.log(detProduct);
    const M = this.work.M;
    M[0] = m00;
    M[1] = M[2] = m01;
    M[3] = m11;
    this.levelQuadSum = quadSum;
    return [0.5 * quadSum - 0.5 * logDet, trace - 2 * quadSum / invVar];
  }

  logDensityGradient(x: Float64Array, gradient: Float64Array): number {
    if (this.wholeInKernel) {
      const lp = this.kernel!.gradient(x, gradient);
      const ll = this.kernel!.targetLogLikelihood;
      if (!Number.isNaN(ll)) this.lastLogLikelihood = ll;
      return lp;
    }
    gradient.fill(0);
    const { nb, J, layout, work, beta, gBeta } = this;
    const term = this.data.terms[0];
    const lay = layout.terms[0];
    const s = this.stats;
    this.betaFromWhitened(x, beta);

    // Priors: β (gradient in β for now), the term's sd's and correlations, σ.
    let lp = 0;
    for (let p = 0; p < nb; p++) {
      lp += priorLogDensityInto(this.betaPriors[p], beta[p]);
      gBeta[p] = priorDerivative[0];
    }
    lp += levelPrecisionForward(x, lay, term, work, gradient);
    const logDetQ = work.logDetQ;
    const u = x[layout.phiSigma];
    const sigma = Math.exp(u);
    lp += priorLogDensityInto(this.data.sigmaPrior, sigma) + u;
    gradient[layout.phiSigma] += priorDerivative[0] * sigma + 1;
    if (!Number.isFinite(lp)) return MINUS_INFINITY;

    // ‖y − Xβ‖² and its β gradient.
    const invVar = Math.exp(-2 * u);
    let rss = s.yty;
    for (let a = 0; a < nb; a++) {
      let ab = 0;
      for (let b = 0; b < nb; b++) ab += this.Abb[a * nb + b] * beta[b];
      rss += beta[a] * (ab - 2 * this.h[a]);
      gBeta[a] += (this.h[a] - ab) * invVar;
    }
    let ll = -s.n * u - 0.5 * rss * invVar + 0.5 * J * logDetQ;

    // Levels: ½ c_jᵀD_j⁻¹c_j − ½ log|D_j|, μ_j = D_j⁻¹c_j, M = Σ_j E[r_j r_jᵀ] and
    // E‖y − Xβ − Zr‖² = ‖y − Xβ‖² − 2 Σ_j μ_jᵀ c_j σ² + Σ_j tr(Z_jᵀZ_j E[r_j r_jᵀ]), with the
    // β gradient −Σ_j X_jᵀZ_j μ_j / σ² added to gBeta.
    const levelsFinite = this.kernel ? this.levelTermsWasm(invVar) : this.levelTerms(invVar);
    if (!levelsFinite) return MINUS_INFINITY;
    // (y − Xβ)ᵀV⁻¹(y − Xβ) = ‖y − Xβ‖²/σ² − Σ_j c_jᵀD_j⁻¹c_j ≥ 0, V = σ²I + ZΣZᵀ (Woodbury):
    // where the difference cancels to its last digits (σ → 0 beside a huge sd), the log density
    // is rounding noise, up to +1e19, a false mode a chain's Laplace climb can walk into.
    const scaledRss = rss * invVar;
    if (!(scaledRss - this.levelQuadSum >= MIN_QUADRATIC_FORM * scaledRss)) return MINUS_INFINITY;
    ll += this.levelLogLikelihood;
    const expectedRss = rss + this.levelExpectedRss;
    levelPrecisionBackward(x, lay, term, work, gradient);
    gradient[layout.phiSigma] += -s.n + expectedRss * invVar;

    this.lastLogLikelihood = ll;
    // ∂/∂ξ = L_S⁻¹ ∂/∂β.
    solveLower(this.whitening, nb, gBeta);
    for (let p = 0; p < nb; p++) gradient[p] = gBeta[p];
    const total = lp + ll;
    return Number.isFinite(total) ? total : MINUS_INFINITY;
  }

  /**
   * The level terms of {@link logDensityGradient} in JavaScript (the reference for the
   * WebAssembly kernel): sets {@link levelLogLikelihood}, {@link levelExpectedRss} and work.M,
   * adds the β gradient to gBeta; false when a D_j is not positive definite.
   */
  private levelTerms(invVar: number): boolean {
    const { nb, J, K, work, gBeta, c, mu, Dj, Djinv } = this;
    this.levelScores(invVar);
    const M = work.M;
    M.fill(0);
    let ll = 0;
    let expectedRss = 0;
    let quadSum = 0;
    if (K === 2) {
      const [levelLl, levelRss] = this.levelsOfTwo(invVar);
      if (Number.isNaN(levelLl)) return false;
      ll += levelLl;
      expectedRss += levelRss;
      quadSum = this.levelQuadSum;
    } else {
      for (let j = 0; j < J; j++) {
        this.levelPrecision(j, invVar);
        const logDetD = invertSymmetricPositive(Dj, K, Djinv, this.scratch);
        if (Number.isNaN(logDetD)) return false;
        let quad = 0;
        for (let a = 0; a < K; a++) {
          let m = 0;
          for (let b = 0; b < K; b++) m += Djinv[a * K + b] * c[j * K + b];
          mu[j * K + a] = m;
          quad += m * c[j * K + a];
        }
        ll += 0.5 * quad - 0.5 * logDetD;
        quadSum += quad;
        expectedRss -= 2 * quad / invVar;
        const arr = j * K * K;
        for (let a = 0; a < K; a++) {
          for (let b = 0; b < K; b++) {
            const second = mu[j * K + a] * mu[j * K + b] + Djinv[a * K + b];
            M[a * K + b] += second;
            expectedRss += this.Arr[arr + a * K + b] * second;
          }
        }
      }
    }
    // β gradient of the level terms: −Σ_j X_jᵀZ_j μ_j / σ².
    const Arb = this.Arb;
    let r = 0;
    for (; r + 3 < J * K; r += 4) {
      const w0 = mu[r] * invVar, w1 = mu[r + 1] * invVar;
      const w2 = mu[r + 2] * invVar, w3 = mu[r + 3] * invVar;
      const row0 = r * nb, row1 = row0 + nb, row2 = row1 + nb, row3 = row2 + nb;
      for (let p = 0; p < nb; p++) {
        gBeta[p] -= Arb[row0 + p] * w0 + Arb[row1 + p] * w1 + Arb[row2 + p] * w2 +
          Arb[row3 + p] * w3;
      }
    }
    for (; r < J * K; r++) {
      const w = mu[r] * invVar;
      for (let p = 0; p < nb; p++) gBeta[p] -= Arb[r * nb + p] * w;
    }
    this.levelLogLikelihood = ll;
    this.levelExpectedRss = expectedRss;
    this.levelQuadSum = quadSum;
    return true;
  }

  /** {@link levelTerms} for K = 2 by the WebAssembly kernel (lib/model/level_kernel.ts). */
  private levelTermsWasm(invVar: number): boolean {
    const kernel = this.kernel!;
    kernel.beta.set(this.beta);
    const Q = this.work.Q;
    if (!kernel.run(Q[0], Q[1], Q[3], invVar)) return false;
    kernel.secondMoments(this.work.M);
    this.levelLogLikelihood = kernel.logLikelihood;
    this.levelExpectedRss = kernel.expectedRss;
    this.levelQuadSum = kernel.quadSum;
    const g = kernel.betaGradient;
    for (let p = 0; p < this.nb; p++) this.gBeta[p] += g[p];
    return true;
  }

  /**
   * One exact draw of γ = [β, r] given the sampled point: β from ξ, then r_j = μ_j + L_j⁻ᵀ z_j
   * with z the standard-normal `noise` (its first n_β entries unused). False when a level's
   * D_j is not positive definite.
   */
  drawCoefficients(x: Float64Array, noise: Float64Array, gamma: Float64Array): boolean {
    const { nb, J, K, c, Dj } = this;
    const lay = this.layout.terms[0];
    this.betaFromWhitened(x, this.beta);
    gamma.set(this.beta);
    levelPrecisionForward(x, lay, this.data.terms[0], this.work, null);
    const invVar = Math.exp(-2 * x[this.layout.phiSigma]);
    this.levelScores(invVar);
    if (K === 2) return this.drawLevelsOfTwo(invVar, noise, gamma);
    const r = this.mu.subarray(0, K);
    for (let j = 0; j < J; j++) {
      // D_j = L Lᵀ; r_j = D_j⁻¹c_j + L⁻ᵀ z_j.
      this.levelPrecision(j, invVar);
      if (!choleskyInPlace(Dj, K)) return false;
      for (let k = 0; k < K; k++) r[k] = c[j * K + k];
      solveLower(Dj, K, r);
      for (let k = 0; k < K; k++) r[k] += noise[nb + j * K + k];
      solveLowerTransposed(Dj, K, r);
      for (let k = 0; k < K; k++) gamma[nb + j * K + k] = r[k];
    }
    return true;
  }

  /**
   * {@link drawCoefficients}' level loop for K = 2 in closed form: D_j = L Lᵀ with
   * L = [[l00, 0], [l10, l11]], r_j = D_j⁻¹c_j + L⁻ᵀ z_j.
   */
  private drawLevelsOfTwo(invVar: number, noise: Float64Array, gamma: Float64Array): boolean {
    const { nb, J, c, Arr } = this;
    const Q = this.work.Q;
    const q00 = Q[0], q01 = Q[1], q11 = Q[3];
    for (let j = 0; j < J; j++) {
      const a = 4 * j;
      const d00 = Arr[a] * invVar + q00;
      const d01 = Arr[a + 1] * invVar + q01;
      const d11 = Arr[a + 3] * invVar + q11;
      if (!(d00 > 0)) return false;
      const l00 = Math.sqrt(d00);
      const l10 = d01 / l00;
      const rest = d11 - l10 * l10;
      if (!(rest > 0)) return false;
      const l11 = Math.sqrt(rest);
      // w = L⁻¹c_j + z_j, then r_j = L⁻ᵀw = D_j⁻¹c_j + L⁻ᵀz_j.
      const w0 = c[2 * j] / l00 + noise[nb + 2 * j];
      const w1 = (c[2 * j + 1] - l10 * (c[2 * j] / l00)) / l11 + noise[nb + 2 * j + 1];
      const r1 = w1 / l11;
      gamma[nb + 2 * j] = (w0 - l10 * r1) / l00;
      gamma[nb + 2 * j + 1] = r1;
    }
    return true;
  }
}
