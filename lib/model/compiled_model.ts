/**
 * The compiled model as a log density with an analytic gradient over one flat unconstrained
 * vector, plus the map from unconstrained draws to brms-named quantities.
 *
 * Layout of the unconstrained vector θ: [Intercept (centred)?, b…, per term: log sd (K),
 * correlation reals (K(K−1)/2, when correlated), z (J·K, group-major), log sigma?, log(nu − 1)?].
 * Varying effects are non-centred: r_j = diag(sd) · L · z_j with z_j ~ N(0, I). A plain
 * non-centred term may hold an sd as a signed scale u instead of log sd (term.signedSd; sd = |u|,
 * r_j = diag(u) L z_j; lib/model/signed_scales.ts maps such draws back to this layout).
 */
import type { ChainDraws, SamplerTarget } from "../sampler/backend.ts";
import type { CompiledData, CompiledTerm, GaussianStats } from "./compiled_data.ts";
import { choleskyCorrBackward, choleskyCorrForward, corrParamCount } from "./cholesky_corr.ts";
import { priorDerivative, priorLogDensityInto } from "./prior_density.ts";
import { type Family, familyOf } from "../families/mod.ts";
import {
  addThresholdGradient,
  thresholdsFromUnconstrained,
} from "../families/ordered_thresholds.ts";
import { contrastsToLevels, levelsToContrasts } from "./level_contrasts.ts";
import { coefficientsFromTheta } from "./varying_effects.ts";
import { canonicalChainDraws, plainNonCentred, signedScaleForm } from "./signed_scales.ts";
import {
  dataCentredValue,
  dataCentringBackward,
  dataCentringLogJacobian,
} from "./data_centring.ts";
import {
  jointCentredRow,
  jointCentringBackward,
  type JointWork,
  jointWork,
} from "./joint_data_centring.ts";
import { empiricalBayesStart, empiricalBayesSuits } from "./empirical_bayes_start.ts";
import { PatternDesign } from "./pattern_design.ts";
import { PatternKernel } from "./pattern_kernel.ts";
import { PatternSplit } from "./pattern_split.ts";

interface TermWork {
  term: CompiledTerm;
  K: number;
  sd: Float64Array;
  L: Float64Array;
  /** u = L z per row (J × K). */
  u: Float64Array;
  /** The rows the parameters describe: r itself, or r's level mean and contrasts (Qᵀ r). */
  s: Float64Array;
  r: Float64Array;
  gradR: Float64Array;
  /** Gradient with respect to s (the same array as gradR unless s holds contrasts). */
  gradS: Float64Array;
  gradL: Float64Array;
  /** Per coefficient: the conditional scale c, log c and c^λ (see varyingPrior). */
  c: Float64Array;
  logC: Float64Array;
  cPow: Float64Array;
  /** Rows before this one are non-centred whatever term.noncentering says (the level mean). */
  firstCentredRow: number;
  /** The level mean r̄ (K) when it is moved into β, then its gradient. */
  mean: Float64Array;
  /** Plain non-centred (every λ = 1, no contrasts): the fast r = diag(sd) L z path. */
  plain: boolean;
  /** Rows data-centred jointly (`dataCentring.jointInformation`): scratch for one row. */
  joint?: JointRowWork;
}

/** One row's inputs and outputs of the joint data-centring (joint_data_centring.ts). */
interface JointRowWork {
  work: JointWork;
  /** C = diag(sd) L (K × K lower), the prior covariance's Cholesky factor, and its adjoint. */
  C: Float64Array;
  cBar: Float64Array;
  v: Float64Array;
  estimate: Float64Array;
  information: Float64Array;
  s: Float64Array;
  u: Float64Array;
  sBar: Float64Array;
  vBar: Float64Array;
}

function jointRowWork(K: number): JointRowWork {
  const k = () => new Float64Array(K);
  return {
    work: jointWork(K),
    C: new Float64Array(K * K),
    cBar: new Float64Array(K * K),
    v: k(),
    estimate: k(),
    information: new Float64Array(K * K),
    s: k(),
    u: k(),
    sBar: k(),
    vBar: k(),
  };
}

/** True when `index` holds each of 0 … length − 1 once. */
function isPermutation(index: Int32Array): boolean {
  const seen = new Uint8Array(index.length);
  for (const i of index) {
    if (!(i >= 0 && i < index.length) || seen[i]) return false;
    seen[i] = 1;
  }
  return true;
}

/**
 * The compressed data with cell c renumbered cellGroups[c] (a permutation): the Gaussian
 * per-cell blocks moved, or the patterns' cell indices mapped.
 */
function cellsInGroupOrder(
  stats: CompiledData["stats"],
  cellGroups: Int32Array,
  D: number,
  K: number,
): CompiledData["stats"] {
  if (stats.kind === "patterns") {
    return { ...stats, cell: stats.cell.map((c) => cellGroups[c]) };
  }
  const B = new Float64Array(stats.B.length);
  const C = new Float64Array(stats.C.length);
  const e = new Float64Array(stats.e.length);
  const count = new Float64Array(stats.count.length);
  for (let c = 0; c < cellGroups.length; c++) {
    const g = cellGroups[c];
    B.set(stats.B.subarray(c * D * K, (c + 1) * D * K), g * D * K);
    C.set(stats.C.subarray(c * K * K, (c + 1) * K * K), g * K * K);
    e.set(stats.e.subarray(c * K, (c + 1) * K), g * K);
    count[g] = stats.count[c];
  }
  return { ...stats, B, C, e, count };
}

/** Build the model from its compiled data (also the entry point for sampler workers). */
export function modelFromData(data: CompiledData): CompiledModel {
  return new CompiledModel(data);
}

/**
 * A chain's draws with signed scales turned back to log sds (canonicalChainDraws), as the
 * sampler threads' finishing step: each thread maps its own chains as they end, not the calling
 * thread all of them after the last.
 */
export function canonicalDraws(model: CompiledModel, draws: ChainDraws): ChainDraws {
  return canonicalChainDraws(model.data, draws);
}

/**
 * A compiled hierarchical model.
 *
 * @example
 * ```ts
 * import { CompiledModel } from "./compiled_model.ts";
 * // see tests/model/compiled_model_test.ts for a full construction from a spec
 * console.assert(typeof CompiledModel === "function");
 * ```
 */
export class CompiledModel implements SamplerTarget {
  readonly dim: number;
  readonly data: CompiledData;
  private readonly D: number;
  private readonly beta: Float64Array;
  private readonly gradBeta: Float64Array;
  private readonly priorGradBeta: Float64Array;
  /** Each term's varying effects (the work arrays' r) and K-sized scratch. */
  private readonly rs: Float64Array[];
  private readonly meanScratch: Float64Array;
  /** Stacked varying effects of each cell's groups (nCells × Ktot) and their gradient. */
  private readonly rho: Float64Array;
  private readonly gradRho: Float64Array;
  /**
   * One term with one cell per group: the likelihood's cells are renumbered in group order
   * ({@link stats}), so the stacked varying effects are the term's own r and gradR (shared
   * arrays) and nothing is gathered or scattered.
   */
  private readonly cellsAreGroups: boolean;
  /** The compressed data, with cells in group order when {@link cellsAreGroups}. */
  private readonly stats: CompiledData["stats"];
  private readonly q: Float64Array;
  private readonly work: TermWork[];
  private scratchV = new Float64Array(4);
  /** [vBar, mBar, cBar] of a data-centred value's reverse pass. */
  private readonly bars = new Float64Array(3);
  /** What {@link logDensity}'s forward passes write their unread gradient pieces into. */
  private readonly valueScratch: Float64Array;
  /** The likelihood part of the last logDensityGradient call (constants as documented). */
  lastLogLikelihood = NaN;
  /** The family (lib/families/) and its pattern scratch: η, ∂/∂η, parameters and gradient. */
  private readonly family: Family;
  private readonly patternEta: Float64Array;
  private readonly patternDEta: Float64Array;
  /**
   * The patterns' η and its reverse pass: through two small tables where the design splits
   * (pattern_split.ts), else the design in row- and column-major layout (pattern_design.ts).
   */
  private readonly patternDesign: PatternDesign | PatternSplit | null = null;
  /**
   * The same likelihood, η and reverse pass (through the split's tables where it applies) in
   * WebAssembly (pattern_kernel.ts), where it runs.
   */
  private readonly patternKernel: PatternKernel | null = null;
  private readonly familyExtra: Float64Array;
  private readonly familyGradExtra: Float64Array;
  /** Ordinal families' thresholds τ and the priors' ∂/∂τ (lib/families/ordered_thresholds.ts). */
  private readonly tau: Float64Array;
  private readonly gradTau: Float64Array;

  /**
   * `options.wasm` false: the JavaScript likelihood; `options.split` false: η from the design
   * row by row even where it splits (both kept as references for tests and benchmarks).
   */
  constructor(data: CompiledData, options: { wasm?: boolean; split?: boolean } = {}) {
    this.data = data;
    this.dim = data.dim;
    this.valueScratch = new Float64Array(data.dim);
    this.D = data.columnNames.length;
    this.beta = new Float64Array(this.D);
    this.gradBeta = new Float64Array(this.D);
    this.priorGradBeta = new Float64Array(this.D);
    this.rho = new Float64Array(data.nCells * data.kTotal);
    this.gradRho = new Float64Array(data.nCells * data.kTotal);
    this.q = new Float64Array(this.D);
    this.family = familyOf(data.family, data.link);
    const nPatterns = data.stats.kind === "patterns" ? data.stats.nPatterns : 0;
    this.patternEta = new Float64Array(nPatterns);
    this.patternDEta = new Float64Array(nPatterns);
    const nExtra = data.familyParameters.length + (data.thresholds?.count ?? 0);
    this.familyExtra = new Float64Array(nExtra);
    this.familyGradExtra = new Float64Array(nExtra);
    this.tau = new Float64Array(data.thresholds?.count ?? 0);
    this.gradTau = new Float64Array(this.tau.length);
    this.work = data.terms.map((term) => {
      const K = term.coefNames.length;
      const size = term.nGroups * K;
      const r = new Float64Array(size);
      const gradR = new Float64Array(size);
      const rotated = term.contrasts;
      const plain = plainNonCentred(term);
      if (!signedScaleForm(term) && term.signedSd?.some((s) => s)) {
        throw new Error(`term ${term.group}: signed sd scales need the non-centred form`);
      }
      return {
        term,
        K,
        sd: new Float64Array(K),
        L: new Float64Array(K * K),
        u: new Float64Array(size),
        s: rotated ? new Float64Array(size) : r,
        r,
        gradR,
        gradS: rotated ? new Float64Array(size) : gradR,
        firstCentredRow: rotated ? 1 : 0,
        plain,
        c: new Float64Array(K),
        logC: new Float64Array(K),
        cPow: new Float64Array(K),
        mean: new Float64Array(K),
        gradL: new Float64Array(K * K),
        ...(term.dataCentring?.jointInformation ? { joint: jointRowWork(K) } : {}),
      };
    });
    this.rs = this.work.map((w) => w.r);
    this.meanScratch = new Float64Array(Math.max(1, ...this.work.map((w) => w.K)));
    const first = this.work[0];
    this.cellsAreGroups = this.work.length === 1 && first.term.nGroups === data.nCells &&
      isPermutation(data.cellGroups);
    this.stats = data.stats;
    if (this.cellsAreGroups) {
      this.rho = first.r;
      this.gradRho = first.gradR;
      this.stats = cellsInGroupOrder(data.stats, data.cellGroups, this.D, data.kTotal);
    }
    if (this.stats.kind === "patterns") {
      // The design's row- and column-major layout only where the split's tables do not serve.
      const split = options.split === false
        ? null
        : PatternSplit.create(this.stats, this.D, data.kTotal);
      this.patternDesign = split ?? new PatternDesign(this.stats, this.D, data.kTotal);
      if (options.wasm !== false) {
        this.patternKernel = PatternKernel.create(
          this.family,
          this.stats,
          this.patternDesign,
          this.rho.length,
          this.tau.length,
        );
      }
    }
  }

  /** The Laplace climb starts with every term's varying-effect block of θ at 0, its prior mean. */
  climbStart(initial: Float64Array): Float64Array {
    const out = Float64Array.from(initial);
    for (const t of this.data.terms) {
      out.fill(0, t.zOffset, t.zOffset + t.nGroups * t.coefNames.length);
    }
    return out;
  }

  /** The terms the empirical-Bayes start covers: their sds, correlations and z (see refineStart). */
  climbFixed(): Uint8Array | undefined {
    const covered = this.data.terms.filter(empiricalBayesSuits);
    if (covered.length === 0) return undefined;
    const fixed = new Uint8Array(this.dim);
    for (const t of covered) {
      const K = t.coefNames.length;
      fixed.fill(1, t.logSdOffset, t.logSdOffset + K);
      if (t.correlated) fixed.fill(1, t.corOffset, t.corOffset + corrParamCount(K));
      fixed.fill(1, t.zOffset, t.zOffset + t.nGroups * K);
    }
    return fixed;
  }

  /** The empirical-Bayes start of plain non-centred terms (lib/model/empirical_bayes_start.ts). */
  refineStart(mode: Float64Array): { position: Float64Array; inverseMetric: Float64Array } | null {
    return empiricalBayesStart(this, this.data, mode);
  }

  logDensityGradient(theta: Float64Array, gradient: Float64Array): number {
    gradient.fill(0);
    let lp = this.priorsForward(theta, gradient);

    // Likelihood and its gradient with respect to β and each cell's varying effects.
    this.gradBeta.fill(0);
    this.gradRho.fill(0);
    const logLik = this.stats.kind === "cells"
      ? this.gaussianLikelihood(theta, gradient)
      : this.patternLikelihood(theta, gradient);
    this.lastLogLikelihood = logLik;
    lp += logLik;
    if (!Number.isFinite(lp)) return -Infinity;

    this.mapCellEffects(false);
    this.backToPopulation(gradient);
    this.backToVarying(theta, gradient);
    return Number.isFinite(lp) ? lp : -Infinity;
  }

  /**
   * The log density of {@link logDensityGradient} without its gradient, to the last bit (the
   * same sums in the same order): for lp__ of draws sampled on another target (a collapsed fit's
   * full draws). Compressed cells (Gaussian) skip the likelihood's gradient and every reverse
   * pass; other compressions run the gradient version into scratch.
   *
   * @example
   * ```ts ignore
   * const lp = model.logDensity(theta); // === model.logDensityGradient(theta, gradient)
   * ```
   */
  logDensity(theta: Float64Array): number {
    const scratch = this.valueScratch;
    if (this.stats.kind !== "cells") return this.logDensityGradient(theta, scratch);
    // The forward passes add their (cheap) gradient pieces into scratch; nothing reads them.
    scratch.fill(0);
    let lp = this.priorsForward(theta, scratch);
    const logLik = this.gaussianLogLikelihood(theta);
    this.lastLogLikelihood = logLik;
    lp += logLik;
    return Number.isFinite(lp) ? lp : -Infinity;
  }

  /**
   * Every term's varying effects and the cells' stacked copy (mapCellEffects), with the log
   * densities of all priors and Jacobians and their gradients added into `gradient`. Each step
   * adds its terms to lp one by one, in a fixed order (the sum's rounding with it).
   */
  private priorsForward(theta: Float64Array, gradient: Float64Array): number {
    let lp = this.varyingForward(theta, gradient, 0);
    lp = this.populationPriors(theta, gradient, lp);
    this.mapCellEffects(true);
    lp = this.familyParameterPriors(theta, gradient, lp);
    if (this.data.thresholds) lp += this.thresholdPriors(theta, gradient);
    return lp;
  }

  /**
   * Varying effects r = diag(sd) L z (or the centred r) of every term, with the sds' priors
   * and Jacobians and the correlations' LKJ prior: returns lp plus their log densities.
   */
  private varyingForward(theta: Float64Array, gradient: Float64Array, lp: number): number {
    for (const w of this.work) {
      const { term, K } = w;
      for (let k = 0; k < K; k++) {
        const v = theta[term.logSdOffset + k];
        if (term.signedSd?.[k]) {
          // Signed scale u: sd = |u| multiplies L z with its sign; prior density of |u|.
          w.sd[k] = v;
          lp += priorLogDensityInto(term.sdPriors[k], Math.abs(v));
          gradient[term.logSdOffset + k] += v < 0 ? -priorDerivative[0] : priorDerivative[0];
          continue;
        }
        const sd = Math.exp(v);
        w.sd[k] = sd;
        const l = priorLogDensityInto(term.sdPriors[k], sd);
        const g = priorDerivative[0];
        lp += l + v; // prior + log Jacobian of exp
        gradient[term.logSdOffset + k] += g * sd + 1;
      }
      if (term.correlated) {
        lp += choleskyCorrForward(theta, K, term.lkjEta, w.L, term.corOffset);
      }
      lp += w.plain ? this.nonCentredForward(w, theta, gradient) : this.varyingPrior(w, theta);
      if (w.s !== w.r) contrastsToLevels(w.s, term.nGroups, K, w.r);
      w.gradR.fill(0);
    }
    return lp;
  }

  /**
   * Population-level coefficients β (less the level means moved into θ) and their priors:
   * returns lp plus the priors' log densities. Prior gradients go straight into θ's coefficients
   * (so a non-finite prior shows there even when the density is −∞) and are kept for the level
   * means moved into them.
   */
  private populationPriors(theta: Float64Array, gradient: Float64Array, lp: number): number {
    const d = this.data;
    const beta = this.beta;
    const first = d.hasIntercept ? 1 : 0;
    coefficientsFromTheta(d, theta, this.rs, beta, this.meanScratch);
    const priorGradBeta = this.priorGradBeta;
    if (d.hasIntercept) {
      lp += priorLogDensityInto(d.interceptPrior, beta[0]);
      priorGradBeta[0] = priorDerivative[0];
      gradient[d.interceptOffset] += priorDerivative[0];
    }
    for (let p = 0; p < d.nFixed; p++) {
      lp += priorLogDensityInto(d.bPriors[p], beta[first + p]);
      priorGradBeta[first + p] = priorDerivative[0];
      gradient[d.bOffset + p] += priorDerivative[0];
    }
    return lp;
  }

  /**
   * Between the terms' level effects and the cells' stacked effects (all terms, kTotal per
   * cell): `gather` copies r into rho, otherwise gradRho is added to gradR. Nothing when the
   * cells are the groups (rho and r are then one array).
   */
  private mapCellEffects(gather: boolean): void {
    if (this.cellsAreGroups) return;
    const d = this.data;
    const T = this.work.length;
    for (let c = 0; c < d.nCells; c++) {
      let k0 = c * d.kTotal;
      for (let t = 0; t < T; t++) {
        const w = this.work[t];
        const rBase = d.cellGroups[c * T + t] * w.K;
        if (gather) { for (let k = 0; k < w.K; k++) this.rho[k0 + k] = w.r[rBase + k]; }
        else for (let k = 0; k < w.K; k++) w.gradR[rBase + k] += this.gradRho[k0 + k];
        k0 += w.K;
      }
    }
  }

  /** Family parameters, value = lower + exp(u): returns lp plus priors and log Jacobians. */
  private familyParameterPriors(theta: Float64Array, gradient: Float64Array, lp: number): number {
    for (const parameter of this.data.familyParameters) {
      const u = theta[parameter.offset];
      const e = Math.exp(u);
      const l = priorLogDensityInto(parameter.prior, parameter.lower + e);
      const g = priorDerivative[0];
      lp += l + u;
      gradient[parameter.offset] += g * e + 1;
    }
    return lp;
  }

  /**
   * The likelihood's β gradient into θ's coefficients; with the priors' added, through
   * β = θ_β − Â r̄ to the levels of terms whose level means live in β.
   */
  private backToPopulation(gradient: Float64Array): void {
    const d = this.data;
    const gradBeta = this.gradBeta;
    const first = d.hasIntercept ? 1 : 0;
    if (d.hasIntercept) gradient[d.interceptOffset] += gradBeta[0];
    for (let p = 0; p < d.nFixed; p++) gradient[d.bOffset + p] += gradBeta[first + p];
    for (let p = 0; p < first + d.nFixed; p++) gradBeta[p] += this.priorGradBeta[p];
    // β = θ_β − Â r̄: each level's effect gets −(1/J) Âᵀ ∂/∂β.
    for (const w of this.work) {
      if (!w.term.meanInBeta) continue;
      const { mapColumn, mapCoef, mapWeight, nGroups: J } = w.term;
      w.mean.fill(0);
      for (let e = 0; e < mapColumn.length; e++) {
        w.mean[mapCoef[e]] += mapWeight[e] * gradBeta[mapColumn[e]];
      }
      for (let j = 0; j < J; j++) {
        for (let k = 0; k < w.K; k++) w.gradR[j * w.K + k] -= w.mean[k] / J;
      }
    }
  }

  /** Back through each term's varying effects to z (or r), log sd and L. */
  private backToVarying(theta: Float64Array, gradient: Float64Array): void {
    for (const w of this.work) {
      const { term, K } = w;
      w.gradL.fill(0);
      if (w.s !== w.r) levelsToContrasts(w.gradR, term.nGroups, K, w.gradS);
      if (w.plain) this.nonCentredBackward(w, theta, gradient);
      else this.varyingBackward(w, theta, gradient);
      if (term.correlated) {
        choleskyCorrBackward(theta, K, term.lkjEta, w.L, w.gradL, gradient, term.corOffset);
      }
    }
  }

  /**
   * Non-centred varying effects r = diag(sd) L z: fills w.u = L z and w.r; returns the z prior
   * −½|z|² and adds its gradient.
   */
  private nonCentredForward(w: TermWork, theta: Float64Array, gradient: Float64Array): number {
    const { term, K } = w;
    const n = term.nGroups * K;
    const z0 = term.zOffset;
    const { L, sd, u, r } = w;
    if (term.correlated && K === 2) {
      // (1 + x | g), the common case: L = [[1, 0], [L10, L11]].
      const l00 = L[0], l10 = L[2], l11 = L[3], sd0 = sd[0], sd1 = sd[1];
      for (let j = 0; j < n; j += 2) {
        const za = theta[z0 + j], zb = theta[z0 + j + 1];
        const u0 = l00 * za, u1 = l10 * za + l11 * zb;
        u[j] = u0;
        u[j + 1] = u1;
        r[j] = sd0 * u0;
        r[j + 1] = sd1 * u1;
      }
    } else if (term.correlated) {
      for (let j = 0; j < n; j += K) {
        for (let a = 0; a < K; a++) {
          let ua = 0;
          for (let b = 0; b <= a; b++) ua += L[a * K + b] * theta[z0 + j + b];
          u[j + a] = ua;
          r[j + a] = sd[a] * ua;
        }
      }
    } else {
      for (let j = 0; j < n; j += K) {
        for (let a = 0; a < K; a++) {
          const ua = theta[z0 + j + a];
          u[j + a] = ua;
          r[j + a] = sd[a] * ua;
        }
      }
    }
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const zi = theta[z0 + i];
      ss += zi * zi;
      gradient[z0 + i] -= zi;
    }
    return -0.5 * ss;
  }

  /** Back through r = diag(sd) L z (non-centred): gradients of z, log sd and L. */
  private nonCentredBackward(w: TermWork, theta: Float64Array, gradient: Float64Array): void {
    const { term, K } = w;
    const n = term.nGroups * K;
    const z0 = term.zOffset;
    const { gradR, r, u: lz, sd, L, gradL } = w;
    // d r_a / d log sd_a = r_a; for a signed scale u_a, d r_a / d u_a = (L z)_a.
    for (let a = 0; a < K; a++) {
      const by = term.signedSd?.[a] ? lz : r;
      let g = 0;
      for (let i = a; i < n; i += K) g += gradR[i] * by[i];
      gradient[term.logSdOffset + a] += g;
    }
    if (term.correlated && K === 2) {
      const l00 = L[0], l10 = L[2], l11 = L[3], sd0 = sd[0], sd1 = sd[1];
      let g00 = 0, g10 = 0, g11 = 0;
      for (let j = 0; j < n; j += 2) {
        const gu0 = gradR[j] * sd0, gu1 = gradR[j + 1] * sd1;
        const za = theta[z0 + j], zb = theta[z0 + j + 1];
        gradient[z0 + j] += gu0 * l00 + gu1 * l10;
        gradient[z0 + j + 1] += gu1 * l11;
        g00 += gu0 * za;
        g10 += gu1 * za;
        g11 += gu1 * zb;
      }
      gradL[0] += g00;
      gradL[2] += g10;
      gradL[3] += g11;
    } else if (term.correlated) {
      for (let j = 0; j < n; j += K) {
        for (let a = 0; a < K; a++) {
          const gu = gradR[j + a] * sd[a];
          for (let b = 0; b <= a; b++) {
            gradient[z0 + j + b] += gu * L[a * K + b];
            gradL[a * K + b] += gu * theta[z0 + j + b];
          }
        }
      }
    } else {
      for (let j = 0; j < n; j += K) {
        for (let a = 0; a < K; a++) gradient[z0 + j + a] += gradR[j + a] * sd[a];
      }
    }
  }

  /**
   * The rows s_j of a term's block (r itself, or the level mean and contrasts) and their prior
   * s_j ~ N(0, diag(sd) L Lᵀ diag(sd)), coefficient by coefficient in Cholesky order with
   * u_j = L⁻¹ (s_j / sd) standard normal. Given the earlier coefficients, s_ja ~ N(m, c²) with
   * m = sd_a Σ_{b<a} L_ab u_jb and c = sd_a L_aa; θ holds v with s_ja = λ m + c^λ v (λ the
   * coefficient's `noncentering`: 1 non-centred, v = u_ja; 0 centred, v = s_ja), so
   * u_ja = (s_ja − m) / c and the log Jacobian is −(1 − λ) log c. With `term.dataCentring`
   * the rows after the level mean hold v with s_ja = m* + √V v instead (data_centring.ts), or,
   * with its `jointInformation`, whole rows s_j = m* + R v (joint_data_centring.ts).
   * Stores u and s.
   */
  private varyingPrior(w: TermWork, theta: Float64Array): number {
    const { term, K, sd, L, u, s, c, logC, cPow } = w;
    const J = term.nGroups;
    const corr = term.correlated;
    const dc = term.dataCentring;
    let lp = 0;
    let jacobian = 0;
    for (let a = 0; a < K; a++) {
      // With a signed scale sd[a] (and so c[a]) may be negative; the Jacobian needs log|c|.
      c[a] = corr ? sd[a] * L[a * K + a] : sd[a];
      logC[a] = Math.log(Math.abs(c[a]));
      const lambda = term.noncentering[a];
      cPow[a] = lambda === 1 ? c[a] : lambda === 0 ? 1 : Math.exp(lambda * logC[a]);
      jacobian -= (1 - lambda) * logC[a];
    }
    const joint = w.joint;
    if (joint) this.jointFactor(w, joint);
    for (let j = 0; j < J; j++) {
      const mixed = j >= w.firstCentredRow;
      if (mixed && joint) {
        lp += this.jointRow(w, joint, theta, j);
        continue;
      }
      if (mixed && !dc) lp += jacobian;
      const z = term.zOffset + j * K;
      for (let a = 0; a < K; a++) {
        const i = j * K + a;
        let m = 0;
        if (corr) {
          for (let b = 0; b < a; b++) m += L[a * K + b] * u[j * K + b];
          m *= sd[a];
        }
        const v = theta[z + a];
        let ua: number;
        if (mixed && dc) {
          const sa = dataCentredValue(v, m, c[a], dc.information[i], dc.estimate[i]);
          s[i] = sa;
          // u = (s − m)/c without the subtraction: accurate for a tiny c, defined for a signed one.
          const ic = dc.information[i] * c[a];
          const g = 1 + ic * c[a];
          ua = (ic * (dc.estimate[i] - m)) / g + v / Math.sqrt(g);
          lp += dataCentringLogJacobian(c[a], dc.information[i]);
        } else if (!mixed || term.noncentering[a] === 1) {
          ua = v;
          s[i] = m + c[a] * v;
        } else {
          const lambda = term.noncentering[a];
          const sa = lambda * m + cPow[a] * v;
          s[i] = sa;
          ua = (sa - m) / c[a];
        }
        u[i] = ua;
        lp -= 0.5 * ua * ua;
      }
    }
    return lp;
  }

  /**
   * Reverse pass of {@link varyingPrior} plus the likelihood's gradient with respect to s
   * (w.gradS): gradients of θ's block, log sd and L (into w.gradL).
   */
  private varyingBackward(w: TermWork, theta: Float64Array, gradient: Float64Array): void {
    const { term, K, sd, L, u, s, gradS, gradL, c, cPow } = w;
    const J = term.nGroups;
    const corr = term.correlated;
    const uBar = this.scratchV.length >= K ? this.scratchV : (this.scratchV = new Float64Array(K));
    const bars = this.bars;
    const dc = term.dataCentring;
    const gLogSd = term.logSdOffset;
    const joint = w.joint;
    if (joint) joint.cBar.fill(0);
    for (let j = 0; j < J; j++) {
      const mixed = j >= w.firstCentredRow;
      const z = term.zOffset + j * K;
      const row = j * K;
      if (mixed && joint) {
        this.jointRow(w, joint, theta, j);
        for (let a = 0; a < K; a++) joint.sBar[a] = gradS[row + a];
        joint.vBar.fill(0);
        jointCentringBackward(
          joint.v,
          joint.C,
          joint.information,
          joint.estimate,
          joint.work,
          joint.sBar,
          joint.vBar,
          joint.cBar,
          !corr,
        );
        for (let a = 0; a < K; a++) gradient[z + a] += joint.vBar[a];
        continue;
      }
      for (let a = 0; a < K; a++) uBar[a] = -u[row + a];
      for (let a = K - 1; a >= 0; a--) {
        const i = row + a;
        const lambda = mixed ? term.noncentering[a] : 1;
        const ca = c[a];
        const sBar = gradS[i];
        const ub = uBar[a];
        const m = s[i] - ca * u[i];
        const v = theta[z + a];
        // s = λm + c^λ v and u = (s − m)/c as functions of v, m and c.
        let vBar: number, mBar: number, cBar: number;
        if (mixed && dc) {
          dataCentringBackward(v, m, ca, dc.information[i], dc.estimate[i], sBar, ub, bars);
          vBar = bars[0];
          mBar = bars[1];
          cBar = bars[2];
        } else if (lambda === 1) {
          vBar = sBar * ca + ub;
          mBar = sBar;
          cBar = sBar * v;
        } else {
          const cl = lambda === 0 ? 1 : cPow[a];
          vBar = sBar * cl + ub * cl / ca;
          mBar = sBar * lambda + ub * (lambda - 1) / ca;
          cBar = sBar * lambda * cl / ca * v + ub * (lambda * cl / (ca * ca) * v - u[i] / ca) -
            (1 - lambda) / ca;
        }
        gradient[z + a] += vBar;
        // c = sd_a L_aa, m = sd_a Σ_{b<a} L_ab u_b: ∂/∂log sd_a is cBar c + mBar m; for a signed
        // scale sd_a itself, ∂/∂sd_a is cBar L_aa + mBar Σ_{b<a} L_ab u_b (no division by sd_a).
        if (term.signedSd?.[a]) {
          let mUnit = 0;
          if (corr) { for (let b = 0; b < a; b++) mUnit += L[a * K + b] * u[row + b]; }
          gradient[gLogSd + a] += cBar * (corr ? L[a * K + a] : 1) + mBar * mUnit;
        } else gradient[gLogSd + a] += cBar * ca + mBar * m;
        if (corr) {
          gradL[a * K + a] += cBar * sd[a];
          const ms = mBar * sd[a];
          for (let b = 0; b < a; b++) {
            gradL[a * K + b] += ms * u[row + b];
            uBar[b] += ms * L[a * K + b];
          }
        }
      }
    }
    if (joint) this.jointScaleBackward(w, joint, gradient);
  }

  /** C = diag(sd) L (or diag(sd) for an uncorrelated term) into joint.C. */
  private jointFactor(w: TermWork, joint: JointRowWork): void {
    const { K, sd, L, term } = w;
    for (let a = 0; a < K; a++) {
      for (let b = 0; b < K; b++) {
        joint.C[a * K + b] = b > a
          ? 0
          : term.correlated
          ? sd[a] * L[a * K + b]
          : a === b
          ? sd[a]
          : 0;
      }
    }
  }

  /** The forward map of row j of a jointly data-centred term: stores s and u, returns its lp. */
  private jointRow(w: TermWork, joint: JointRowWork, theta: Float64Array, j: number): number {
    const { K, term, s, u } = w;
    const dc = term.dataCentring!;
    const info = dc.jointInformation!;
    const z = term.zOffset + j * K;
    for (let a = 0; a < K; a++) {
      joint.v[a] = theta[z + a];
      joint.estimate[a] = dc.estimate[j * K + a];
    }
    for (let e = 0; e < K * K; e++) joint.information[e] = info[j * K * K + e];
    const lp = jointCentredRow(
      joint.v,
      joint.C,
      joint.information,
      joint.estimate,
      joint.work,
      joint.s,
      joint.u,
    );
    for (let a = 0; a < K; a++) {
      s[j * K + a] = joint.s[a];
      u[j * K + a] = joint.u[a];
    }
    return lp;
  }

  /** C's adjoint (joint.cBar) to the gradients of log sd (or a signed sd) and L. */
  private jointScaleBackward(w: TermWork, joint: JointRowWork, gradient: Float64Array): void {
    const { K, sd, L, term, gradL } = w;
    for (let a = 0; a < K; a++) {
      for (let b = term.correlated ? 0 : a; b <= a; b++) {
        const bar = joint.cBar[a * K + b];
        const unit = term.correlated ? L[a * K + b] : 1; // ∂C_ab/∂sd_a
        // ∂/∂log sd_a = sd_a ∂/∂sd_a; a signed scale is sd_a itself.
        gradient[term.logSdOffset + a] += bar * unit * (term.signedSd?.[a] ? 1 : sd[a]);
        if (term.correlated) gradL[a * K + b] += bar * sd[a];
      }
    }
  }

  private gaussianLikelihood(theta: Float64Array, gradient: Float64Array): number {
    const d = this.data;
    const s = this.stats;
    if (s.kind !== "cells") throw new Error("unreachable");
    const D = this.D;
    const K = d.kTotal;
    const beta = this.beta;
    const rho = this.rho;
    const gradBeta = this.gradBeta;
    const gradRho = this.gradRho;
    const logSigma = theta[d.sigmaOffset];
    const invVar = Math.exp(-2 * logSigma);
    // rss = yᵀy − 2βᵀh + βᵀGβ + Σ_c (−2ρ_cᵀe_c + 2βᵀB_cρ_c + ρ_cᵀC_cρ_c); gradBeta collects
    // h − Gβ − Σ B_cρ_c and gradRho_c = e_c − B_cᵀβ − C_cρ_c (both later scaled by 1/σ²).
    const q = this.q;
    const G = s.G, h = s.h, B = s.B, C = s.C, e = s.e;
    let rss = s.yty;
    for (let a = 0; a < D; a++) {
      let ga = 0;
      for (let b = 0; b < D; b++) ga += G[a * D + b] * beta[b];
      q[a] = ga;
      rss += beta[a] * (ga - 2 * h[a]);
      gradBeta[a] = h[a] - ga;
    }
    if (K === 2) rss += this.gaussianCellsK2(gradBeta, gradRho, invVar);
    else {
      for (let c = 0; c < d.nCells; c++) {
        const r0 = c * K;
        const bBase = c * D * K;
        const cBase = c * K * K;
        for (let k = 0; k < K; k++) {
          const rk = rho[r0 + k];
          // One pass over column k of B_c: (B_cᵀβ)_k, and B_c ρ_c into gradBeta.
          let btb = 0;
          for (let a = 0, i = bBase + k; a < D; a++, i += K) {
            const bak = B[i];
            btb += bak * beta[a];
            gradBeta[a] -= bak * rk;
          }
          let cr = 0;
          for (let l = 0; l < K; l++) cr += C[cBase + k * K + l] * rho[r0 + l];
          rss += rk * (-2 * e[r0 + k] + 2 * btb + cr);
          gradRho[r0 + k] = (e[r0 + k] - btb - cr) * invVar;
        }
      }
    }
    for (let a = 0; a < D; a++) gradBeta[a] *= invVar;
    gradient[d.sigmaOffset] += -s.n + rss * invVar;
    return -s.n * logSigma - 0.5 * rss * invVar;
  }

  /**
   * The cell sums of {@link gaussianLikelihood} for Ktot = 2 (one (1 + x | g) term, the common
   * case): the same arithmetic in one pass over each B_c with the two columns in registers.
   * Returns the cells' part of the rss.
   */
  private gaussianCellsK2(gradBeta: Float64Array, gradRho: Float64Array, invVar: number): number {
    const d = this.data;
    const s = this.stats as GaussianStats;
    const D = this.D;
    const beta = this.beta;
    const rho = this.rho;
    const B = s.B, C = s.C, e = s.e;
    let rss = 0;
    for (let c = 0, i = 0; c < d.nCells; c++) {
      const r0 = 2 * c;
      const rho0 = rho[r0], rho1 = rho[r0 + 1];
      let t0 = 0, t1 = 0;
      for (let a = 0; a < D; a++, i += 2) {
        const b0 = B[i], b1 = B[i + 1];
        const ba = beta[a];
        t0 += b0 * ba;
        t1 += b1 * ba;
        gradBeta[a] -= b0 * rho0 + b1 * rho1;
      }
      const ci = 4 * c;
      const cr0 = C[ci] * rho0 + C[ci + 1] * rho1;
      const cr1 = C[ci + 2] * rho0 + C[ci + 3] * rho1;
      const e0 = e[r0], e1 = e[r0 + 1];
      rss += rho0 * (2 * (t0 - e0) + cr0) + rho1 * (2 * (t1 - e1) + cr1);
      gradRho[r0] = (e0 - t0 - cr0) * invVar;
      gradRho[r0 + 1] = (e1 - t1 - cr1) * invVar;
    }
    return rss;
  }

  /**
   * The value of {@link gaussianLikelihood} alone: the same rss, summed in the same order, with
   * no gradient (β and the cells' effects as the forward passes left them).
   */
  private gaussianLogLikelihood(theta: Float64Array): number {
    const d = this.data;
    const s = this.stats as GaussianStats;
    const D = this.D;
    const K = d.kTotal;
    const beta = this.beta;
    const rho = this.rho;
    const logSigma = theta[d.sigmaOffset];
    const invVar = Math.exp(-2 * logSigma);
    const G = s.G, h = s.h, B = s.B, C = s.C, e = s.e;
    let rss = s.yty;
    for (let a = 0; a < D; a++) {
      let ga = 0;
      for (let b = 0; b < D; b++) ga += G[a * D + b] * beta[b];
      rss += beta[a] * (ga - 2 * h[a]);
    }
    if (K === 2) {
      let cells = 0;
      for (let c = 0, i = 0; c < d.nCells; c++) {
        const rho0 = rho[2 * c], rho1 = rho[2 * c + 1];
        let t0 = 0, t1 = 0;
        for (let a = 0; a < D; a++, i += 2) {
          t0 += B[i] * beta[a];
          t1 += B[i + 1] * beta[a];
        }
        const cr0 = C[4 * c] * rho0 + C[4 * c + 1] * rho1;
        const cr1 = C[4 * c + 2] * rho0 + C[4 * c + 3] * rho1;
        cells += rho0 * (2 * (t0 - e[2 * c]) + cr0) + rho1 * (2 * (t1 - e[2 * c + 1]) + cr1);
      }
      rss += cells;
    } else {
      for (let c = 0; c < d.nCells; c++) {
        for (let k = 0; k < K; k++) {
          let btb = 0;
          for (let a = 0, i = c * D * K + k; a < D; a++, i += K) btb += B[i] * beta[a];
          let cr = 0;
          for (let l = 0; l < K; l++) cr += C[c * K * K + k * K + l] * rho[c * K + l];
          rss += rho[c * K + k] * (-2 * e[c * K + k] + 2 * btb + cr);
        }
      }
    }
    return -s.n * logSigma - 0.5 * rss * invVar;
  }

  /**
   * The family's pattern log-likelihood (lib/families/): η per pattern, the family's sum and
   * ∂/∂η, then ∂/∂η scattered into β and each cell's varying effects.
   */
  private patternLikelihood(theta: Float64Array, gradient: Float64Array): number {
    const d = this.data;
    const s = this.stats;
    if (s.kind !== "patterns") throw new Error("unreachable");
    if (this.patternKernel) {
      const offset = d.thresholds?.offset ?? -1;
      const { beta, rho, gradBeta, gradRho } = this;
      return this.patternKernel.logLikelihood(
        beta,
        rho,
        theta,
        offset,
        gradBeta,
        gradRho,
        gradient,
      );
    }
    const eta = this.patternEta;
    const dEta = this.patternDEta;
    this.patternDesign!.forward(this.beta, this.rho, eta);
    const parameters = d.familyParameters;
    const extra = this.familyExtra;
    const gradExtra = this.familyGradExtra;
    for (let i = 0; i < parameters.length; i++) extra[i] = theta[parameters[i].offset];
    const thresholds = d.thresholds;
    const nParameters = parameters.length;
    for (let k = 0; k < (thresholds?.count ?? 0); k++) {
      extra[nParameters + k] = theta[thresholds!.offset + k];
    }
    gradExtra.fill(0);
    const lp = this.family.patternLogLikelihood(s, eta, extra, dEta, gradExtra);
    this.patternDesign!.backward(dEta, this.gradBeta, this.gradRho);
    for (let i = 0; i < parameters.length; i++) gradient[parameters[i].offset] += gradExtra[i];
    for (let k = 0; k < (thresholds?.count ?? 0); k++) {
      gradient[thresholds!.offset + k] += gradExtra[nParameters + k];
    }
    return lp;
  }

  /**
   * Ordinal thresholds: the priors of τ_1 < … < τ_{K−1} (held as τ_1 and log increments) plus
   * the log Jacobian Σ_{k≥2} u_k, with their gradient in θ.
   */
  private thresholdPriors(theta: Float64Array, gradient: Float64Array): number {
    const t = this.data.thresholds!;
    const tau = this.tau;
    const gradTau = this.gradTau;
    thresholdsFromUnconstrained(theta, t.offset, tau);
    let lp = 0;
    for (let k = 0; k < t.count; k++) {
      lp += priorLogDensityInto(t.priors[k], tau[k]);
      gradTau[k] = priorDerivative[0];
      if (k > 0) {
        lp += theta[t.offset + k];
        gradient[t.offset + k] += 1;
      }
    }
    addThresholdGradient(gradTau, tau, gradient, t.offset);
    return lp;
  }
}
