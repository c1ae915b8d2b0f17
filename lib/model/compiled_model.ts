/**
 * The compiled model as a log density with an analytic gradient over one flat unconstrained
 * vector, plus the map from unconstrained draws to brms-named quantities.
 *
 * Layout of the unconstrained vector θ: [Intercept (centred)?, b…, per term: log sd (K),
 * correlation reals (K(K−1)/2, when correlated), z (J·K, group-major), log sigma?, log(nu − 1)?].
 * Varying effects are non-centred: r_j = diag(sd) · L · z_j with z_j ~ N(0, I).
 */
import type { SamplerTarget } from "../sampler/backend.ts";
import type { CompiledData, CompiledTerm } from "./compiled_data.ts";
import { choleskyCorrBackward, choleskyCorrForward } from "./cholesky_corr.ts";
import { priorDerivative, priorLogDensityInto } from "./prior_density.ts";
import { digamma, logGamma } from "./special.ts";
import { contrastsToLevels, levelsToContrasts } from "./level_contrasts.ts";
import { firstCentredRow } from "./varying_effects.ts";

const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);


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
}

/** Build the model from its compiled data (also the entry point for sampler workers). */
export function modelFromData(data: CompiledData): CompiledModel {
  return new CompiledModel(data);
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
  /** Stacked varying effects of each cell's groups (nCells × Ktot) and their gradient. */
  private readonly rho: Float64Array;
  private readonly gradRho: Float64Array;
  private readonly q: Float64Array;
  private readonly work: TermWork[];
  private scratchV = new Float64Array(4);
  /** The likelihood part of the last logDensityGradient call (constants as documented). */
  lastLogLikelihood = NaN;

  constructor(data: CompiledData) {
    this.data = data;
    this.dim = data.dim;
    this.D = data.columnNames.length;
    this.beta = new Float64Array(this.D);
    this.gradBeta = new Float64Array(this.D);
    this.rho = new Float64Array(data.nCells * data.kTotal);
    this.gradRho = new Float64Array(data.nCells * data.kTotal);
    this.q = new Float64Array(this.D);
    this.work = data.terms.map((term) => {
      const K = term.coefNames.length;
      const size = term.nGroups * K;
      const r = new Float64Array(size);
      const gradR = new Float64Array(size);
      const rotated = term.parameterization === "contrasts";
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
        gradL: new Float64Array(K * K),
      };
    });
  }

  logDensityGradient(theta: Float64Array, gradient: Float64Array): number {
    const d = this.data;
    gradient.fill(0);
    let lp = 0;

    // Population-level coefficients and their priors.
    const beta = this.beta;
    beta.fill(0);
    const first = d.hasIntercept ? 1 : 0;
    if (d.hasIntercept) {
      beta[0] = theta[d.interceptOffset];
      const l = priorLogDensityInto(d.interceptPrior, beta[0]);
      const g = priorDerivative[0];
      lp += l;
      gradient[d.interceptOffset] += g;
    }
    for (let p = 0; p < d.nFixed; p++) {
      const value = theta[d.bOffset + p];
      beta[first + p] = value;
      const l = priorLogDensityInto(d.bPriors[p], value);
      const g = priorDerivative[0];
      lp += l;
      gradient[d.bOffset + p] += g;
    }

    // Varying effects: r = diag(sd) L z.
    for (const w of this.work) {
      const { term, K } = w;
      const J = term.nGroups;
      for (let k = 0; k < K; k++) {
        const logSd = theta[term.logSdOffset + k];
        const sd = Math.exp(logSd);
        w.sd[k] = sd;
        const l = priorLogDensityInto(term.sdPriors[k], sd);
        const g = priorDerivative[0];
        lp += l + logSd; // prior + log Jacobian of exp
        gradient[term.logSdOffset + k] += g * sd + 1;
      }
      if (term.correlated) {
        const y = theta.subarray(term.corOffset, term.corOffset + (K * (K - 1)) / 2);
        lp += choleskyCorrForward(y, K, term.lkjEta, w.L);
      }
      const split = firstCentredRow(term);
      for (let j = 0; j < split; j++) {
        const z = term.zOffset + j * K;
        for (let a = 0; a < K; a++) {
          let ua = theta[z + a];
          if (term.correlated) {
            ua = 0;
            for (let b = 0; b <= a; b++) ua += w.L[a * K + b] * theta[z + b];
          }
          w.u[j * K + a] = ua;
          w.s[j * K + a] = w.sd[a] * ua;
        }
        for (let a = 0; a < K; a++) {
          const za = theta[z + a];
          lp -= 0.5 * za * za;
          gradient[z + a] -= za;
        }
      }
      if (split < J) lp += this.centredPrior(w, theta, split);
      if (w.s !== w.r) contrastsToLevels(w.s, J, K, w.r);
      w.gradR.fill(0);
    }

    // Varying effects of each cell, all terms stacked.
    const nCells = d.nCells;
    const T = this.work.length;
    const kTotal = d.kTotal;
    const rho = this.rho;
    for (let c = 0; c < nCells; c++) {
      let k0 = c * kTotal;
      for (let t = 0; t < T; t++) {
        const w = this.work[t];
        const rBase = d.cellGroups[c * T + t] * w.K;
        for (let k = 0; k < w.K; k++) rho[k0 + k] = w.r[rBase + k];
        k0 += w.K;
      }
    }

    // Family parameters: sigma = exp(u), nu = 1 + exp(u), priors plus log Jacobians.
    if (d.sigmaOffset >= 0) {
      const u = theta[d.sigmaOffset];
      const sigma = Math.exp(u);
      const l = priorLogDensityInto(d.sigmaPrior, sigma);
      const g = priorDerivative[0];
      lp += l + u;
      gradient[d.sigmaOffset] += g * sigma + 1;
    }
    if (d.nuOffset >= 0) {
      const u = theta[d.nuOffset];
      const l = priorLogDensityInto(d.nuPrior, 1 + Math.exp(u));
      const g = priorDerivative[0];
      lp += l + u;
      gradient[d.nuOffset] += g * Math.exp(u) + 1;
    }

    // Likelihood and its gradient with respect to β and each cell's varying effects.
    const gradBeta = this.gradBeta;
    gradBeta.fill(0);
    this.gradRho.fill(0);
    const logLik = d.stats.kind === "gaussian"
      ? this.gaussianLikelihood(theta, gradient)
      : this.patternLikelihood(theta, gradient);
    this.lastLogLikelihood = logLik;
    lp += logLik;
    if (!Number.isFinite(lp)) return -Infinity;

    // Back to β and r.
    for (let c = 0; c < nCells; c++) {
      let k0 = c * kTotal;
      for (let t = 0; t < T; t++) {
        const w = this.work[t];
        const rBase = d.cellGroups[c * T + t] * w.K;
        for (let k = 0; k < w.K; k++) w.gradR[rBase + k] += this.gradRho[k0 + k];
        k0 += w.K;
      }
    }
    if (d.hasIntercept) gradient[d.interceptOffset] += gradBeta[0];
    for (let p = 0; p < d.nFixed; p++) gradient[d.bOffset + p] += gradBeta[first + p];

    // Back through the varying effects to z (or r), log sd and L.
    for (const w of this.work) {
      const { term, K } = w;
      w.gradL.fill(0);
      if (w.s !== w.r) levelsToContrasts(w.gradR, term.nGroups, K, w.gradS);
      const split = firstCentredRow(term);
      this.nonCentredBackward(w, theta, gradient, split);
      if (split < term.nGroups) this.centredBackward(w, theta, gradient, split);
      if (term.correlated) {
        const y = theta.subarray(term.corOffset, term.corOffset + (K * (K - 1)) / 2);
        const gy = gradient.subarray(term.corOffset, term.corOffset + (K * (K - 1)) / 2);
        choleskyCorrBackward(y, K, term.lkjEta, w.L, w.gradL, gy);
      }
    }
    return Number.isFinite(lp) ? lp : -Infinity;
  }

  /** Back through s = diag(sd) L z (non-centred rows 0…end−1): gradients of z, log sd and L. */
  private nonCentredBackward(
    w: TermWork,
    theta: Float64Array,
    gradient: Float64Array,
    end: number,
  ): void {
    const { term, K } = w;
    for (let j = 0; j < end; j++) {
      const z = term.zOffset + j * K;
      for (let a = 0; a < K; a++) {
        const gr = w.gradS[j * K + a];
        // d s_a / d log sd_a = s_a
        gradient[term.logSdOffset + a] += gr * w.s[j * K + a];
        const gu = gr * w.sd[a];
        if (term.correlated) {
          for (let b = 0; b <= a; b++) {
            gradient[z + b] += gu * w.L[a * K + b];
            w.gradL[a * K + b] += gu * theta[z + b];
          }
        } else {
          gradient[z + a] += gu;
        }
      }
    }
  }

  /**
   * Centred rows s_j ~ N(0, diag(sd) L Lᵀ diag(sd)), j = start…J−1, taken straight from θ. With
   * w_j = s_j / sd and u_j = L⁻¹ w_j: log p = −½ Σ_j |u_j|² − J_c Σ_k (log sd_k + log L_kk),
   * J_c = J − start. Stores u_j in w.u for the backward pass.
   */
  private centredPrior(w: TermWork, theta: Float64Array, start: number): number {
    const { term, K } = w;
    const J = term.nGroups;
    const Jc = J - start;
    let lp = 0;
    for (let k = 0; k < K; k++) {
      lp -= Jc * theta[term.logSdOffset + k];
      if (term.correlated) lp -= Jc * Math.log(w.L[k * K + k]);
    }
    for (let j = start; j < J; j++) {
      const z = term.zOffset + j * K;
      for (let a = 0; a < K; a++) {
        const ra = theta[z + a];
        w.s[j * K + a] = ra;
        let ua = ra / w.sd[a];
        if (term.correlated) {
          for (let b = 0; b < a; b++) ua -= w.L[a * K + b] * w.u[j * K + b];
          ua /= w.L[a * K + a];
        }
        w.u[j * K + a] = ua;
        lp -= 0.5 * ua * ua;
      }
    }
    return lp;
  }

  /**
   * Gradients of the centred prior (rows start…J−1) plus the likelihood's (w.gradS) with respect
   * to s, log sd and L. With v_j = L⁻ᵀ u_j: ∂/∂s_j = gradS_j − v_j / sd; ∂/∂log sd_k =
   * Σ_j v_jk w_jk − J_c; ∂/∂L = Σ_j v_j u_jᵀ (lower triangle) − J_c / L_kk on the diagonal.
   */
  private centredBackward(
    w: TermWork,
    theta: Float64Array,
    gradient: Float64Array,
    start: number,
  ): void {
    const { term, K } = w;
    const J = term.nGroups;
    const Jc = J - start;
    const v = this.scratchV.length >= K ? this.scratchV : (this.scratchV = new Float64Array(K));
    for (let k = 0; k < K; k++) {
      gradient[term.logSdOffset + k] -= Jc;
      if (term.correlated) w.gradL[k * K + k] -= Jc / w.L[k * K + k];
    }
    for (let j = start; j < J; j++) {
      const z = term.zOffset + j * K;
      for (let a = K - 1; a >= 0; a--) {
        let va = w.u[j * K + a];
        if (term.correlated) {
          for (let b = a + 1; b < K; b++) va -= w.L[b * K + a] * v[b];
          va /= w.L[a * K + a];
        }
        v[a] = va;
      }
      for (let a = 0; a < K; a++) {
        const wa = theta[z + a] / w.sd[a];
        gradient[z + a] += w.gradS[j * K + a] - v[a] / w.sd[a];
        gradient[term.logSdOffset + a] += v[a] * wa;
        if (term.correlated) {
          for (let b = 0; b <= a; b++) w.gradL[a * K + b] += v[a] * w.u[j * K + b];
        }
      }
    }
  }

  private gaussianLikelihood(theta: Float64Array, gradient: Float64Array): number {
    const d = this.data;
    const s = d.stats;
    if (s.kind !== "gaussian") throw new Error("unreachable");
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
    for (let a = 0; a < D; a++) gradBeta[a] *= invVar;
    gradient[d.sigmaOffset] += -s.n + rss * invVar;
    return -s.n * logSigma - 0.5 * rss * invVar;
  }

  private patternLikelihood(theta: Float64Array, gradient: Float64Array): number {
    const d = this.data;
    const s = d.stats;
    if (s.kind !== "patterns") throw new Error("unreachable");
    const D = this.D;
    const family = d.family;
    let lp = 0;
    let sigma = 1;
    let nu = 1;
    let gLogSigma = 0;
    let gNu = 0;
    let nuConst = 0;
    if (family === "student") {
      sigma = Math.exp(theta[d.sigmaOffset]);
      nu = 1 + Math.exp(theta[d.nuOffset]);
      nuConst = logGamma((nu + 1) / 2) - logGamma(nu / 2) - 0.5 * Math.log(nu) - LOG_SQRT_PI;
    }
    const dConst = family === "student"
      ? 0.5 * digamma((nu + 1) / 2) - 0.5 * digamma(nu / 2) - 0.5 / nu
      : 0;
    const K = d.kTotal;
    const beta = this.beta;
    const rho = this.rho;
    const gradBeta = this.gradBeta;
    const gradRho = this.gradRho;
    for (let p = 0; p < s.nPatterns; p++) {
      const r0 = s.cell[p] * K;
      const wBase = p * D;
      const aBase = p * K;
      let eta = 0;
      for (let a = 0; a < D; a++) eta += s.w[wBase + a] * beta[a];
      for (let k = 0; k < K; k++) eta += s.wA[aBase + k] * rho[r0 + k];
      let dEta: number;
      const sum = s.sum[p];
      const weight = s.weight[p];
      switch (family) {
        case "bernoulli":
        case "binomial": {
          // sum·η − n·log(1 + e^η), computed stably.
          const softplus = eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta));
          lp += sum * eta - weight * softplus;
          const prob = eta > 0 ? 1 / (1 + Math.exp(-eta)) : Math.exp(eta) / (1 + Math.exp(eta));
          dEta = sum - weight * prob;
          break;
        }
        case "poisson": {
          const mu = Math.exp(eta);
          lp += sum * eta - weight * mu;
          dEta = sum - weight * mu;
          break;
        }
        case "student": {
          const zres = (sum - eta) / sigma;
          const t = 1 + (zres * zres) / nu;
          lp += weight * (nuConst - Math.log(sigma) - 0.5 * (nu + 1) * Math.log(t));
          dEta = (weight * (nu + 1) * zres) / (sigma * nu * t);
          gLogSigma += weight * (-1 + ((nu + 1) * zres * zres) / (nu * t));
          gNu += weight *
            (dConst - 0.5 * Math.log(t) + (0.5 * (nu + 1) * zres * zres) / (nu * nu * t));
          break;
        }
        default:
          throw new Error(`unreachable family ${family}`);
      }
      for (let a = 0; a < D; a++) gradBeta[a] += dEta * s.w[wBase + a];
      for (let k = 0; k < K; k++) gradRho[r0 + k] += dEta * s.wA[aBase + k];
    }
    if (family === "student") {
      gradient[d.sigmaOffset] += gLogSigma;
      gradient[d.nuOffset] += gNu * (nu - 1);
    }
    return lp;
  }
}
