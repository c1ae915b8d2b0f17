/**
 * Collapsed (marginalised) inference for Gaussian models: when the family is gaussian and every
 * population-level prior is normal, the coefficients γ = (β, every varying effect r) are jointly
 * Gaussian given the hyperparameters φ = (log sd's, correlation reals, log σ), so γ can be
 * integrated out exactly and NUTS runs on φ alone. This removes the funnel between few-level
 * varying effects and their scales, which no parameterisation of the full model fixes.
 *
 * Layout of φ: per term [log sd (K), correlation reals (K(K−1)/2, when correlated)], then log σ —
 * the same blocks, in the same order, as CompiledModel's θ without the β and z blocks.
 * Layout of γ: [Intercept (centred)?, b…, per term r (J·K, group-major)].
 *
 * With the sufficient statistics the residual sum of squares is rss = yᵀy − 2γᵀv + γᵀAγ (A, v
 * assembled once from G, h, B_c, C_c, e_c), the prior is γ ~ N(m0, Λ0⁻¹) with
 * Λ0 = diag(1/s²) ⊕ (I_J ⊗ Σ_t⁻¹ per term), Σ_t = diag(sd) L Lᵀ diag(sd). With P = A/σ² + Λ0
 * and μ = P⁻¹(v/σ² + Λ0 m0):
 *
 *   log p(y | φ) = −n log σ − ½(yᵀy/σ² + m0ᵀΛ0m0 − μᵀPμ) − ½ log|P| + ½ log|Λ0|
 *
 * (the −n/2 log 2π of the likelihood dropped, as CompiledModel drops it). Each evaluation costs a
 * Cholesky of P, O(dim(γ)³), which is why fitModel only collapses models with dim(γ) ≤
 * {@link MAX_COLLAPSED_DIM}.
 *
 * @module
 */
import type { SamplerTarget } from "../sampler/backend.ts";
import type { CompiledData, GaussianStats } from "./compiled_data.ts";
import { choleskyCorrBackward, choleskyCorrForward, corrParamCount } from "./cholesky_corr.ts";
import { priorDerivative, priorLogDensityInto } from "./prior_density.ts";
import { choleskyInPlace, invertLower, solveLower, solveLowerTransposed } from "./_dense.ts";
import { gaussianNormalEquations } from "./normal_equations.ts";

/**
 * Largest number of marginalised coefficients for which `method: "auto"` collapses: each
 * gradient costs a Cholesky and a triangular inverse of a dim(γ)² matrix (≈ dim³/3 flops), about
 * 1 ms at 120 and growing cubically, while NUTS on the full model costs O(cells · Ktot²) per
 * gradient; beyond this the collapsed gradient stops being cheap next to the NUTS one.
 */
export const MAX_COLLAPSED_DIM = 120;

/** Where one varying-effects term lives in φ and γ. */
export interface CollapsedTermLayout {
  K: number;
  J: number;
  /** Offsets in φ of the log sd's and the correlation reals (−1 when uncorrelated). */
  phiLogSd: number;
  phiCor: number;
  /** Offset in γ of r (J·K, group-major). */
  gamma: number;
}

/** Where everything lives in φ and γ. */
export interface CollapsedLayout {
  /** Population-level coefficients in γ: [Intercept?, b…]. */
  nBeta: number;
  gammaDim: number;
  terms: CollapsedTermLayout[];
  /** Offset of log σ in φ (always the last). */
  phiSigma: number;
}

/** Number of coefficients γ = (β, r) that collapsing integrates out. */
export function collapsedGammaDim(data: CompiledData): number {
  let n = (data.hasIntercept ? 1 : 0) + data.nFixed;
  for (const t of data.terms) n += t.nGroups * t.coefNames.length;
  return n;
}

/**
 * Why `data` cannot be fitted collapsed, or null when it can: the family must be gaussian and
 * the Intercept and every b prior normal (flat or heavy-tailed priors break conjugacy).
 *
 * @example
 * ```ts
 * import { collapsedIneligibility } from "./collapsed_gaussian.ts";
 * console.assert(typeof collapsedIneligibility === "function");
 * ```
 */
export function collapsedIneligibility(data: CompiledData): string | null {
  if (data.family !== "gaussian" || data.stats.kind !== "gaussian") {
    return `the family is ${data.family}, not gaussian`;
  }
  if (data.hasIntercept && data.interceptPrior.dist !== "normal") {
    return `the Intercept prior is ${data.interceptPrior.dist}, not normal`;
  }
  const bad = data.bPriors.findIndex((p) => p.dist !== "normal");
  if (bad >= 0) {
    return `the prior of b_${data.fixedNames[bad]} is ${data.bPriors[bad].dist}, not normal`;
  }
  return null;
}

/** Build the collapsed target from compiled data (also the entry point for sampler workers). */
export function collapsedFromData(data: CompiledData): CollapsedGaussian {
  return new CollapsedGaussian(data);
}

interface TermWork {
  K: number;
  sd: Float64Array;
  L: Float64Array;
  /** L⁻¹, and Σ⁻¹ = (L⁻¹ D⁻¹)ᵀ (L⁻¹ D⁻¹). */
  Linv: Float64Array;
  Q: Float64Array;
  /** Scratch K × K. */
  M: Float64Array;
  V: Float64Array;
  X: Float64Array;
  gradL: Float64Array;
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
  /** Number of hyperparameters φ. */
  readonly dim: number;
  readonly data: CompiledData;
  readonly layout: CollapsedLayout;
  private readonly stats: GaussianStats;
  private readonly N: number;
  /** Data precision × σ² (N × N) and data vector × σ² (N). */
  private readonly A: Float64Array;
  private readonly v: Float64Array;
  /** Prior precision and mean of β (nBeta). */
  private readonly prec0: Float64Array;
  private readonly mean0: Float64Array;
  private readonly logDetPrec0: number;
  private readonly quad0: number;
  private readonly work: TermWork[];
  /** Cholesky factor of P (lower), its inverse, μ and scratch. */
  private readonly R: Float64Array;
  private readonly Rinv: Float64Array;
  private readonly mu: Float64Array;
  private readonly Amu: Float64Array;
  private readonly Sblock: Float64Array;

  constructor(data: CompiledData) {
    const why = collapsedIneligibility(data);
    if (why !== null) throw new Error(`collapsed Gaussian target: ${why}`);
    const s = data.stats;
    if (s.kind !== "gaussian") throw new Error("unreachable");
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
        phiLogSd: f,
        phiCor: t.correlated ? f + K : -1,
        gamma: g,
      };
      f += K + (t.correlated ? corrParamCount(K) : 0);
      g += t.nGroups * K;
      return layout;
    });
    this.layout = { nBeta: P, gammaDim: g, terms, phiSigma: f };
    this.dim = f + 1;
    const N = g;
    this.N = N;

    // A and v from the sufficient statistics.
    const { xtx: A, xty: v } = gaussianNormalEquations(data, terms.map((t) => t.gamma), N);
    this.A = A;
    this.v = v;

    const prec0 = new Float64Array(P);
    const mean0 = new Float64Array(P);
    const priors = [...(data.hasIntercept ? [data.interceptPrior] : []), ...data.bPriors];
    let logDet = 0;
    let quad = 0;
    priors.forEach((p, i) => {
      if (p.dist !== "normal") throw new Error("unreachable");
      prec0[i] = 1 / (p.sigma * p.sigma);
      mean0[i] = p.mu;
      logDet += Math.log(prec0[i]);
      quad += prec0[i] * p.mu * p.mu;
    });
    this.prec0 = prec0;
    this.mean0 = mean0;
    this.logDetPrec0 = logDet;
    this.quad0 = quad;

    this.work = terms.map(({ K }) => ({
      K,
      sd: new Float64Array(K),
      L: new Float64Array(K * K),
      Linv: new Float64Array(K * K),
      Q: new Float64Array(K * K),
      M: new Float64Array(K * K),
      V: new Float64Array(K * K),
      X: new Float64Array(K * K),
      gradL: new Float64Array(K * K),
    }));
    this.R = new Float64Array(N * N);
    this.Rinv = new Float64Array(N * N);
    this.mu = new Float64Array(N);
    this.Amu = new Float64Array(N);
    const kMax = Math.max(1, ...terms.map((t) => t.K));
    this.Sblock = new Float64Array(kMax * kMax);
  }

  /** Number of coefficients integrated out. */
  get gammaDim(): number {
    return this.N;
  }

  /**
   * Prior + Jacobian terms of φ, the per-term Σ⁻¹, and P = A/σ² + Λ0 factorised into this.R with
   * μ in this.mu. Returns [log p(φ) with Jacobians, log p(y | φ)], or null when P is not
   * positive definite or a value is not finite. When `gradient` is given the prior part of the
   * gradient is written into it (it must be zeroed).
   */
  private factor(phi: Float64Array, gradient: Float64Array | null): [number, number] | null {
    const d = this.data;
    const N = this.N;
    let lp = 0;
    let logDetPrior = this.logDetPrec0;
    const R = this.R;
    const u = phi[this.layout.phiSigma];
    const invVar = Math.exp(-2 * u);
    for (let i = 0; i < N * N; i++) R[i] = this.A[i] * invVar;
    for (let p = 0; p < this.layout.nBeta; p++) R[p * N + p] += this.prec0[p];

    for (let t = 0; t < this.work.length; t++) {
      const w = this.work[t];
      const lay = this.layout.terms[t];
      const term = d.terms[t];
      const K = w.K;
      for (let k = 0; k < K; k++) {
        const logSd = phi[lay.phiLogSd + k];
        const sd = Math.exp(logSd);
        w.sd[k] = sd;
        lp += priorLogDensityInto(term.sdPriors[k], sd) + logSd;
        if (gradient) gradient[lay.phiLogSd + k] += priorDerivative[0] * sd + 1;
        logDetPrior -= 2 * lay.J * logSd;
      }
      if (lay.phiCor >= 0) {
        const y = phi.subarray(lay.phiCor, lay.phiCor + corrParamCount(K));
        lp += choleskyCorrForward(y, K, term.lkjEta, w.L);
        for (let k = 0; k < K; k++) logDetPrior -= 2 * lay.J * Math.log(w.L[k * K + k]);
        invertLower(w.L, K, w.Linv);
      } else {
        w.L.fill(0);
        w.Linv.fill(0);
        for (let k = 0; k < K; k++) w.L[k * K + k] = w.Linv[k * K + k] = 1;
      }
      // Q = Uᵀ U with U = L⁻¹ D⁻¹: Q_ab = Σ_m Linv_ma Linv_mb / (sd_a sd_b).
      for (let a = 0; a < K; a++) {
        for (let b = 0; b < K; b++) {
          let q = 0;
          for (let m = Math.max(a, b); m < K; m++) q += w.Linv[m * K + a] * w.Linv[m * K + b];
          w.Q[a * K + b] = q / (w.sd[a] * w.sd[b]);
        }
      }
      for (let j = 0; j < lay.J; j++) {
        const base = lay.gamma + j * K;
        for (let a = 0; a < K; a++) {
          for (let b = 0; b < K; b++) R[(base + a) * N + base + b] += w.Q[a * K + b];
        }
      }
    }
    const sigma = Math.exp(u);
    lp += priorLogDensityInto(d.sigmaPrior, sigma) + u;
    if (gradient) gradient[this.layout.phiSigma] += priorDerivative[0] * sigma + 1;
    if (!Number.isFinite(lp)) return null;

    if (!choleskyInPlace(R, N)) return null;
    const mu = this.mu;
    for (let i = 0; i < N; i++) mu[i] = this.v[i] * invVar;
    for (let p = 0; p < this.layout.nBeta; p++) mu[p] += this.prec0[p] * this.mean0[p];
    solveLower(R, N, mu);
    let quad = 0; // cᵀP⁻¹c = |R⁻¹c|²
    for (let i = 0; i < N; i++) quad += mu[i] * mu[i];
    solveLowerTransposed(R, N, mu);
    let logDetP = 0;
    for (let i = 0; i < N; i++) logDetP += 2 * Math.log(R[i * N + i]);
    const logMarginal = -this.stats.n * u - 0.5 * this.stats.yty * invVar -
      0.5 * this.quad0 + 0.5 * quad - 0.5 * logDetP + 0.5 * logDetPrior;
    if (!Number.isFinite(logMarginal)) return null;
    return [lp, logMarginal];
  }

  /**
   * log p(y | φ): the marginal likelihood with γ integrated out (up to −n/2 log 2π); NaN when P
   * is not positive definite.
   */
  logMarginalLikelihood(phi: Float64Array): number {
    const r = this.factor(phi, null);
    return r === null ? NaN : r[1];
  }

  /**
   * The Gaussian conditional γ | φ, y: fills `mean` (N) with μ and `chol` (N × N, row-major) with
   * the lower Cholesky factor R of its precision P = R Rᵀ. Returns false when P is not positive
   * definite.
   */
  conditional(phi: Float64Array, mean: Float64Array, chol: Float64Array): boolean {
    if (this.factor(phi, null) === null) return false;
    mean.set(this.mu);
    chol.set(this.R);
    return true;
  }

  logDensityGradient(phi: Float64Array, gradient: Float64Array): number {
    gradient.fill(0);
    const r = this.factor(phi, gradient);
    if (r === null) return -Infinity;
    const d = this.data;
    const N = this.N;
    const mu = this.mu;
    const R = this.R;
    const Rinv = invertLower(R, N, this.Rinv);
    // S = P⁻¹ = R⁻ᵀ R⁻¹; S_ab = Σ_{m ≥ max(a, b)} Rinv_ma Rinv_mb (only diagonal blocks needed).
    const sEntry = (a: number, b: number) => {
      let s = 0;
      for (let m = Math.max(a, b); m < N; m++) s += Rinv[m * N + a] * Rinv[m * N + b];
      return s;
    };
    let trSPrior = 0; // tr(S Λ0)
    for (let p = 0; p < this.layout.nBeta; p++) trSPrior += sEntry(p, p) * this.prec0[p];

    for (let t = 0; t < this.work.length; t++) {
      const w = this.work[t];
      const lay = this.layout.terms[t];
      const term = d.terms[t];
      const K = w.K;
      const J = lay.J;
      // M = Σ_j (μ_j μ_jᵀ + S_jj).
      const M = w.M;
      M.fill(0);
      const Sb = this.Sblock;
      for (let j = 0; j < J; j++) {
        const base = lay.gamma + j * K;
        for (let a = 0; a < K; a++) {
          for (let b = 0; b <= a; b++) {
            const s = sEntry(base + a, base + b);
            Sb[a * K + b] = Sb[b * K + a] = s;
          }
        }
        for (let a = 0; a < K; a++) {
          for (let b = 0; b < K; b++) {
            M[a * K + b] += mu[base + a] * mu[base + b] + Sb[a * K + b];
            trSPrior += Sb[a * K + b] * w.Q[b * K + a];
          }
        }
      }
      // The r part of the log marginal is −½ tr(Σ⁻¹ M) + ½ J log|Σ⁻¹| (as a function of φ).
      // With W = D⁻¹ M D⁻¹, V = L⁻¹ W, X = V L⁻ᵀ: ∂/∂log sd_a = (L⁻ᵀ V)_aa − J and
      // ∂/∂L = L⁻ᵀ X − J / L_kk on the diagonal.
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
        gradient[lay.phiLogSd + a] += s - J;
      }
      if (lay.phiCor >= 0) {
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
        const n = corrParamCount(K);
        choleskyCorrBackward(
          phi.subarray(lay.phiCor, lay.phiCor + n),
          K,
          term.lkjEta,
          w.L,
          w.gradL,
          gradient.subarray(lay.phiCor, lay.phiCor + n),
        );
      }
    }

    // ∂/∂log σ = −n + (yᵀy − 2μᵀv + μᵀAμ)/σ² + tr(S A)/σ², with tr(S A)/σ² = N − tr(S Λ0).
    const s = this.stats;
    const invVar = Math.exp(-2 * phi[this.layout.phiSigma]);
    let muV = 0;
    let muAmu = 0;
    const A = this.A;
    for (let a = 0; a < N; a++) {
      let x = 0;
      for (let b = 0; b < N; b++) x += A[a * N + b] * mu[b];
      this.Amu[a] = x;
      muAmu += mu[a] * x;
      muV += mu[a] * this.v[a];
    }
    gradient[this.layout.phiSigma] += -s.n + (s.yty - 2 * muV + muAmu) * invVar + N - trSPrior;
    const lp = r[0] + r[1];
    return Number.isFinite(lp) ? lp : -Infinity;
  }
}
