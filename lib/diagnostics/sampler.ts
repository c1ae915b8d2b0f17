/**
 * Sampler diagnostics from the CPU/GPU backends' per-chain statistics (ChainDraws in
 * lib/sampler/backend.ts): divergent transitions after warmup, draws that hit the maximum tree
 * depth, and E-BFMI per chain.
 */
import type { ChainDraws } from "../sampler/backend.ts";
import { ebfmi } from "./ebfmi.ts";

/** Summary of the sampler's own diagnostics over all chains. */
export interface SamplerDiagnostics {
  /** Divergent transitions among kept draws, summed over chains. */
  divergences: number;
  /** Kept draws with tree depth ≥ maxTreedepth, summed over chains. */
  maxTreedepthHits: number;
  /** E-BFMI of each chain's energies, in chain order. */
  ebfmi: number[];
  /** The smallest per-chain E-BFMI (NaN when no chain has one). */
  ebfmiMin: number;
  /** Divergences during warmup, summed (reported, not counted above). */
  warmupDivergences: number;
}

/**
 * Counts divergences and tree-depth hits over kept draws and computes E-BFMI per chain.
 *
 * @example
 * ```ts
 * import { samplerDiagnostics } from "./sampler.ts";
 * import type { ChainDraws } from "../sampler/backend.ts";
 * const chain: ChainDraws = {
 *   theta: new Float64Array(4), logDensity: new Float64Array(4), acceptStat: new Float64Array(4),
 *   stepSize: new Float64Array(4), treeDepth: Int32Array.from([3, 10, 10, 2]),
 *   nLeapfrog: new Int32Array(4), divergent: Uint8Array.from([0, 1, 0, 0]),
 *   energy: Float64Array.from([0, 2, 0, 2]), warmupDivergences: 5, adaptedStepSize: 0.5,
 *   inverseMetric: new Float64Array(1),
 * };
 * const d = samplerDiagnostics([chain], 10);
 * console.assert(d.divergences === 1 && d.maxTreedepthHits === 2 && d.ebfmiMin === 3);
 * ```
 */
export function samplerDiagnostics(
  chains: readonly ChainDraws[],
  maxTreedepth: number,
): SamplerDiagnostics {
  let divergences = 0;
  let maxTreedepthHits = 0;
  let warmupDivergences = 0;
  const perChain: number[] = [];
  for (const chain of chains) {
    for (let i = 0; i < chain.divergent.length; i++) if (chain.divergent[i] !== 0) divergences++;
    for (let i = 0; i < chain.treeDepth.length; i++) {
      if (chain.treeDepth[i] >= maxTreedepth) maxTreedepthHits++;
    }
    warmupDivergences += chain.warmupDivergences;
    perChain.push(ebfmi(chain.energy));
  }
  const finite = perChain.filter((v) => !Number.isNaN(v));
  return {
    divergences,
    maxTreedepthHits,
    ebfmi: perChain,
    ebfmiMin: finite.length === 0 ? NaN : Math.min(...finite),
    warmupDivergences,
  };
}
