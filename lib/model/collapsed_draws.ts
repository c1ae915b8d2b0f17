/**
 * From draws of a collapsed Gaussian fit (hyperparameters φ, and for the level-collapsed target
 * the whitened β too) to full draws in CompiledModel's layout: for every kept draw, draw the
 * integrated-out coefficients exactly (γ = μ + R⁻ᵀ ε with P = R Rᵀ the precision of what was
 * integrated out, ε standard normal from KeyedStream(seed, chain, draw, Streams.collapsed)) and write θ = [Intercept?, b…, per term (log sd, correlation reals,
 * the term's block as lib/model/varying_effects.ts writes it), log σ], so that generateQuantities and everything
 * downstream work unchanged.
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import type { ChainDraws, SamplerTarget } from "../sampler/backend.ts";
import { KeyedStream, Streams } from "../math/rng.ts";
import { type CollapsedLayout, logSigmaAt } from "./collapsed_gaussian.ts";
import type { CompiledData } from "./compiled_data.ts";
import { CompiledModel } from "./compiled_model.ts";
import { choleskyCorrForward, corrParamCount, reflectCorrelationReals } from "./cholesky_corr.ts";
import { thetaFromCoefficients, thetaFromVaryingEffects } from "./varying_effects.ts";
import { sdKnee } from "./sd_knee.ts";

/**
 * A target whose sampled point leaves some coefficients integrated out: the fully collapsed
 * (lib/model/collapsed_gaussian.ts, point = φ) and the level-collapsed
 * (lib/model/level_collapsed_gaussian.ts, point = [whitened β, φ]) Gaussian targets.
 */
export interface CollapsedTarget extends SamplerTarget {
  readonly data: CompiledData;
  /** Offsets of the hyperparameters in the sampled point, and of r in γ. */
  readonly layout: CollapsedLayout;
  /** dim(γ), γ = [β, every term's level effects]. */
  readonly gammaDim: number;
  /** One exact draw of γ given the point, from standard-normal `noise` (length gammaDim). */
  drawCoefficients(point: Float64Array, noise: Float64Array, gamma: Float64Array): boolean;
}

/**
 * Write the full unconstrained vector θ (CompiledModel's layout, `theta.length === data.dim`)
 * for hyperparameters `phi` and coefficients `gamma`. For many draws, build one
 * {@link ThetaAssembler} instead (its scratch is allocated once).
 *
 * @example
 * ```ts
 * import { assembleTheta } from "./collapsed_draws.ts";
 * console.assert(typeof assembleTheta === "function");
 * ```
 */
export function assembleTheta(
  target: Pick<CollapsedTarget, "data" | "layout">,
  phi: Float64Array,
  gamma: Float64Array,
  theta: Float64Array,
): Float64Array {
  return new ThetaAssembler(target).assemble(phi, gamma, theta);
}

/** One term's scratch in {@link ThetaAssembler}. */
interface TermScratch {
  sd: Float64Array;
  /** −1 where a negative signed scale flips its coefficient's correlations, else 1. */
  flip: Float64Array;
  L: Float64Array;
  /** J·K scratch of thetaFromVaryingEffects. */
  block: Float64Array;
}

/**
 * {@link assembleTheta} for a chain's draws: the per-term scales, Cholesky factors and scratch
 * allocated once, and the views of γ's term blocks made once per γ array.
 *
 * @example
 * ```ts ignore
 * const assembler = new ThetaAssembler(target);
 * for (const s of draws) assembler.assemble(phi(s), gamma, theta.subarray(s * dim, (s + 1) * dim));
 * ```
 */
export class ThetaAssembler {
  private readonly target: Pick<CollapsedTarget, "data" | "layout">;
  private readonly terms: TermScratch[];
  private readonly beta: Float64Array;
  private readonly mean: Float64Array;
  /** The term blocks of γ (`rs[t]` views `gammaSeen`). */
  private rs: Float64Array[] = [];
  private gammaSeen: Float64Array | null = null;

  constructor(target: Pick<CollapsedTarget, "data" | "layout">) {
    this.target = target;
    const d = target.data;
    this.terms = d.terms.map((term) => {
      const K = term.coefNames.length;
      return {
        sd: new Float64Array(K),
        flip: new Float64Array(K),
        L: new Float64Array(K * K),
        block: new Float64Array(term.nGroups * K),
      };
    });
    this.beta = new Float64Array(d.columnNames.length);
    this.mean = new Float64Array(Math.max(1, ...d.terms.map((t) => t.coefNames.length)));
  }

  /** θ for `phi` and `gamma` into `theta` (returned). */
  assemble(phi: Float64Array, gamma: Float64Array, theta: Float64Array): Float64Array {
    const d = this.target.data;
    const lay = this.target.layout;
    if (gamma !== this.gammaSeen) {
      this.rs = lay.terms.map(({ J, K, gamma: g0 }) => gamma.subarray(g0, g0 + J * K));
      this.gammaSeen = gamma;
    }
    theta.fill(0);
    for (let t = 0; t < d.terms.length; t++) {
      const term = d.terms[t];
      const { K, phiSd, phiCor, signedSd } = lay.terms[t];
      const { sd, flip, L, block } = this.terms[t];
      // A negative signed scale u_k stands for sd |u_k| with the correlations of coefficient k
      // flipped (lib/model/level_covariance.ts): flip[k] = −1 there.
      flip.fill(1);
      for (let k = 0; k < K; k++) {
        const v = phi[phiSd + k];
        if (signedSd?.[k]) {
          sd[k] = Math.abs(v);
          theta[term.logSdOffset + k] = Math.log(sd[k]);
          if (v < 0) flip[k] = -1;
        } else {
          const knee = lay.terms[t].sdKnee?.[k];
          const logSd = knee === undefined || Number.isNaN(knee) ? v : sdKnee(v, knee);
          sd[k] = Math.exp(logSd);
          theta[term.logSdOffset + k] = logSd;
        }
      }
      L.fill(0);
      if (phiCor >= 0) {
        const reals = theta.subarray(term.corOffset, term.corOffset + corrParamCount(K));
        reals.set(phi.subarray(phiCor, phiCor + reals.length));
        reflectCorrelationReals(reals, K, flip);
        choleskyCorrForward(reals, K, term.lkjEta, L);
      } else {
        for (let k = 0; k < K; k++) L[k * K + k] = 1;
      }
      thetaFromVaryingEffects(term, this.rs[t], sd, L, theta, block);
    }
    const beta = this.beta;
    beta.fill(0);
    for (let p = 0; p < (d.hasIntercept ? 1 : 0) + d.nFixed; p++) beta[p] = gamma[p];
    thetaFromCoefficients(d, beta, this.rs, theta, this.mean);
    theta[d.sigmaOffset] = logSigmaAt(lay, phi);
    return theta;
  }
}

/**
 * Full draws from the φ chains of a collapsed fit: θ rows in CompiledModel's layout, with
 * `logDensity` (lp__) the full model's log density at each θ, so that lp__ means what it means
 * for a NUTS fit of the same model. The sampler statistics (step size, tree depth, energy,
 * divergences, metric) stay those of the φ chains. Chain c's draws are {@link fullChainDraws}
 * of chain c: the same whether converted here or in the worker that sampled it.
 *
 * @example
 * ```ts ignore
 * import { collapsedToFull } from "./collapsed_draws.ts";
 * const chains = collapsedToFull(target, phiChains, 1);
 * ```
 */
export function collapsedToFull(
  target: CollapsedTarget,
  chains: ChainDraws[],
  seed: number,
): ChainDraws[] {
  return chains.map((chain, c) => fullChainDraws(target, chain, c, seed));
}

/**
 * One chain of {@link collapsedToFull}: chain number `c` (it keys the random numbers).
 *
 * @example
 * ```ts ignore
 * import { fullChainDraws } from "./collapsed_draws.ts";
 * const full = fullChainDraws(target, phiChain, 0, 1);
 * ```
 */
export function fullChainDraws(
  target: CollapsedTarget,
  chain: ChainDraws,
  c: number,
  seed: number,
): ChainDraws {
  const d = target.data;
  const N = target.gammaDim;
  const phiDim = target.dim;
  const model = new CompiledModel(d);
  const assembler = new ThetaAssembler(target);
  const noise = new Float64Array(N);
  const gamma = new Float64Array(N);
  const rng = new KeyedStream(seed, c, 0, Streams.collapsed);
  const n = chain.logDensity.length;
  const theta = new Float64Array(n * d.dim);
  const logDensity = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    const phi = chain.theta.subarray(s * phiDim, (s + 1) * phiDim);
    rng.reset(seed, c, s, Streams.collapsed);
    rng.fillNormals(noise);
    if (!target.drawCoefficients(phi, noise, gamma)) {
      // Rounding, not a wrong model: at a tiny sigma (1e-3 of the outcome's scale) the data
      // precision swamps the prior's and the Cholesky factor of the conditional precision fails.
      throw new HetfxError(
        `Collapsed Gaussian sampling failed (chain ${c + 1}, draw ${s + 1}): the conditional ` +
          `precision of the coefficients is not positive definite in floating point, as when ` +
          `sigma is tiny next to the outcome's spread. Fit with method "nuts", or rescale the outcome.`,
      );
    }
    const row = theta.subarray(s * d.dim, (s + 1) * d.dim);
    assembler.assemble(phi, gamma, row);
    // lp__ needs the value only: no gradient work.
    logDensity[s] = model.logDensity(row);
  }
  return { ...chain, theta, logDensity };
}
