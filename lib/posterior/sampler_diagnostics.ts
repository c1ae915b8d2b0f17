/** Divergences, tree-depth hits and E-BFMI summed over chains. */
import type { ChainDraws } from "../sampler/backend.ts";

/**
 * Sampler diagnostics over all chains' kept draws.
 *
 * @example
 * ```ts
 * import { samplerDiagnostics } from "./sampler_diagnostics.ts";
 * console.assert(samplerDiagnostics([], 10).divergences === 0);
 * ```
 */
export function samplerDiagnostics(
  chains: ChainDraws[],
  maxTreedepth: number,
): { divergences: number; treedepthHits: number; ebfmiMin: number; ebfmi: number[] } {
  let divergences = 0;
  let treedepthHits = 0;
  const ebfmi: number[] = [];
  for (const chain of chains) {
    for (const d of chain.divergent) divergences += d;
    for (const t of chain.treeDepth) if (t >= maxTreedepth) treedepthHits++;
    const e = chain.energy;
    let num = 0;
    let mean = 0;
    for (let i = 0; i < e.length; i++) mean += e[i] / e.length;
    let den = 0;
    for (let i = 0; i < e.length; i++) {
      if (i > 0) num += (e[i] - e[i - 1]) ** 2;
      den += (e[i] - mean) ** 2;
    }
    ebfmi.push(den > 0 ? num / den : NaN);
  }
  return {
    divergences,
    treedepthHits,
    ebfmiMin: ebfmi.length ? Math.min(...ebfmi) : NaN,
    ebfmi,
  };
}
