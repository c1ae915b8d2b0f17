/**
 * R-hat, bulk-ESS and tail-ESS of one quantity together, as a summary table needs them, with the
 * work they share done once: the rank-normalised split chains (R-hat's bulk part and bulk-ESS
 * are both computed on them) and one sort of the pooled draws (the median that folds the draws
 * for R-hat's tail part, and the 5% and 95% quantiles of tail-ESS). The numbers are those of
 * {@link rhat}, {@link essBulk} and {@link essTail}, to the last bit.
 */
import { checkChains, mapChains, pool, shouldReturnNaN } from "./_chains.ts";
import { essOfChains } from "./ess.ts";
import { medianSorted, quantileSorted, sorted } from "./quantiles.ts";
import { rankNormalize } from "./rank_normalize.ts";
import { rhatOfChains } from "./rhat.ts";
import { splitChains } from "./split_chains.ts";

/** R-hat (the larger of bulk and tail), bulk-ESS and tail-ESS; NaN where posterior gives NA. */
export interface ConvergenceStats {
  rhat: number;
  essBulk: number;
  essTail: number;
}

/**
 * `{ rhat: rhat(chains), essBulk: essBulk(chains), essTail: essTail(chains) }`, computed with
 * the shared work done once (about half the sorting of the three calls).
 *
 * @example
 * ```ts
 * import { convergenceStats } from "./convergence_stats.ts";
 * import { rhat } from "./rhat.ts";
 * const chain = (k: number) => Float64Array.from({ length: 100 }, (_, i) => Math.sin(i * 1.3 + k));
 * const s = convergenceStats([chain(0), chain(2)]);
 * console.assert(s.rhat === rhat([chain(0), chain(2)]) && s.essBulk > 0);
 * ```
 */
export function convergenceStats(chains: readonly Float64Array[]): ConvergenceStats {
  checkChains(chains, "R-hat");
  if (shouldReturnNaN(chains)) return { rhat: NaN, essBulk: NaN, essTail: NaN };
  const all = sorted(pool(chains));
  const z = rankNormalize(splitChains(chains));
  const bulk = rhatOfChains(z);
  const med = medianSorted(all);
  const tail = rhatOfChains(
    rankNormalize(splitChains(mapChains(chains, (v) => Math.abs(v - med)))),
  );
  const quantileEss = (p: number) => {
    const q = quantileSorted(all, p);
    return essOfChains(splitChains(mapChains(chains, (v) => (v <= q ? 1 : 0))));
  };
  const q05 = quantileEss(0.05);
  const q95 = quantileEss(0.95);
  return {
    rhat: Number.isNaN(bulk) || Number.isNaN(tail) ? NaN : Math.max(bulk, tail),
    essBulk: essOfChains(z),
    essTail: Number.isNaN(q05) || Number.isNaN(q95) ? NaN : Math.min(q05, q95),
  };
}
