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
import type { CollapsedLayout } from "./collapsed_gaussian.ts";
import type { CompiledData } from "./compiled_data.ts";
import { CompiledModel } from "./compiled_model.ts";
import { choleskyCorrForward, corrParamCount, reflectCorrelationReals } from "./cholesky_corr.ts";
import { thetaFromCoefficients, thetaFromVaryingEffects } from "./varying_effects.ts";

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
 * for hyperparameters `phi` and coefficients `gamma`.
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
  const d = target.data;
  const lay = target.layout;
  theta.fill(0);
  const first = d.hasIntercept ? 1 : 0;
  const rs: Float64Array[] = [];
  d.terms.forEach((term, t) => {
    const { K, J, phiSd, phiCor, signedSd, gamma: g0 } = lay.terms[t];
    const sd = new Float64Array(K);
    // A negative signed scale u_k stands for sd |u_k| with the correlations of coefficient k
    // flipped (lib/model/level_covariance.ts): flip[k] = −1 there.
    const flip = new Float64Array(K).fill(1);
    for (let k = 0; k < K; k++) {
      const v = phi[phiSd + k];
      if (signedSd?.[k]) {
        sd[k] = Math.abs(v);
        theta[term.logSdOffset + k] = Math.log(sd[k]);
        if (v < 0) flip[k] = -1;
      } else {
        sd[k] = Math.exp(v);
        theta[term.logSdOffset + k] = v;
      }
    }
    const L = new Float64Array(K * K);
    if (phiCor >= 0) {
      const reals = theta.subarray(term.corOffset, term.corOffset + corrParamCount(K));
      reals.set(phi.subarray(phiCor, phiCor + reals.length));
      reflectCorrelationReals(reals, K, flip);
      choleskyCorrForward(reals, K, term.lkjEta, L);
    } else {
      for (let k = 0; k < K; k++) L[k * K + k] = 1;
    }
    const r = gamma.subarray(g0, g0 + J * K);
    thetaFromVaryingEffects(term, r, sd, L, theta, new Float64Array(J * K));
    rs.push(r);
  });
  const beta = new Float64Array(d.columnNames.length);
  for (let p = 0; p < first + d.nFixed; p++) beta[p] = gamma[p];
  const kMax = Math.max(1, ...d.terms.map((t) => t.coefNames.length));
  thetaFromCoefficients(d, beta, rs, theta, new Float64Array(kMax));
  theta[d.sigmaOffset] = phi[lay.phiSigma];
  return theta;
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
  const noise = new Float64Array(N);
  const gamma = new Float64Array(N);
  const gradient = new Float64Array(d.dim);
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
    assembleTheta(target, phi, gamma, row);
    logDensity[s] = model.logDensityGradient(row, gradient);
  }
  return { ...chain, theta, logDensity };
}
