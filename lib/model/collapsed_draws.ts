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
import type { ChainDraws, SamplerTarget } from "../sampler/backend.ts";
import { KeyedStream, Streams } from "../sampler/rng.ts";
import type { CollapsedLayout } from "./collapsed_gaussian.ts";
import type { CompiledData } from "./compiled_data.ts";
import { CompiledModel } from "./compiled_model.ts";
import { choleskyCorrForward, corrParamCount } from "./cholesky_corr.ts";
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
    const { K, J, phiLogSd, phiCor, gamma: g0 } = lay.terms[t];
    const sd = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      theta[term.logSdOffset + k] = phi[phiLogSd + k];
      sd[k] = Math.exp(phi[phiLogSd + k]);
    }
    const L = new Float64Array(K * K);
    if (phiCor >= 0) {
      const n = corrParamCount(K);
      theta.set(phi.subarray(phiCor, phiCor + n), term.corOffset);
      choleskyCorrForward(phi.subarray(phiCor, phiCor + n), K, term.lkjEta, L);
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
 * divergences, metric) stay those of the φ chains.
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
  const d = target.data;
  const N = target.gammaDim;
  const phiDim = target.dim;
  const model = new CompiledModel(d);
  const noise = new Float64Array(N);
  const gamma = new Float64Array(N);
  const gradient = new Float64Array(d.dim);
  const rng = new KeyedStream(seed, 0, 0, Streams.collapsed);
  return chains.map((chain, c) => {
    const n = chain.logDensity.length;
    const theta = new Float64Array(n * d.dim);
    const logDensity = new Float64Array(n);
    for (let s = 0; s < n; s++) {
      const phi = chain.theta.subarray(s * phiDim, (s + 1) * phiDim);
      rng.reset(seed, c, s, Streams.collapsed);
      rng.fillNormals(noise);
      if (!target.drawCoefficients(phi, noise, gamma)) {
        throw new Error(`collapsed draws: the precision is not positive definite (chain ${c})`);
      }
      const row = theta.subarray(s * d.dim, (s + 1) * d.dim);
      assembleTheta(target, phi, gamma, row);
      logDensity[s] = model.logDensityGradient(row, gradient);
    }
    return { ...chain, theta, logDensity };
  });
}
