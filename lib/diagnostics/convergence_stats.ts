/**
 * R-hat, bulk-ESS and tail-ESS of one quantity together, as a summary table needs them, with the
 * work they share done once: the rank-normalised split chains (R-hat's bulk part and bulk-ESS
 * are both computed on them) and one sort of the pooled draws (the median that folds the draws
 * for R-hat's tail part, and the 5% and 95% quantiles of tail-ESS). The numbers are those of
 * {@link rhat}, {@link essBulk} and {@link essTail}, to the last bit.
 */
import { checkChains, pool, shouldReturnNaN } from "./_chains.ts";
import { essOfChains } from "./ess.ts";
import { medianSorted, quantileSorted, sorted } from "./quantiles.ts";
import { ascendingOrder, normalScores, unpool } from "./rank_normalize.ts";
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
  return convergenceStatsAndSorted(chains).stats;
}

/**
 * {@link convergenceStats} and, as a by-product of its sort, every draw of `chains` sorted
 * ascending (as quantiles.ts `sorted` orders them), so that a summary's quantiles need no sort
 * of their own; `sortedDraws` is null where the stats are NaN (constant or non-finite draws).
 *
 * @example
 * ```ts
 * import { convergenceStatsAndSorted } from "./convergence_stats.ts";
 * const { sortedDraws } = convergenceStatsAndSorted([new Float64Array([3, 1, 2, 5])]);
 * console.assert(sortedDraws!.join() === "1,2,3,5");
 * ```
 */
export function convergenceStatsAndSorted(
  chains: readonly Float64Array[],
): { stats: ConvergenceStats; sortedDraws: Float64Array | null } {
  checkChains(chains, "R-hat");
  if (shouldReturnNaN(chains)) {
    return { stats: { rhat: NaN, essBulk: NaN, essTail: NaN }, sortedDraws: null };
  }
  // Ranks are per value, so the split chains' draws are ranked once, pooled, and one sort
  // (`order`) serves the bulk ranks, the folded draws' ranks (below) and, when the split keeps
  // every draw (even length), the sorted draws too.
  const split = splitChains(chains);
  const kept = pool(split);
  const order = ascendingOrder(kept);
  const z = unpool(normalScores(kept, order), split);
  const bulk = rhatOfChains(z);
  const n = chains[0].length;
  const all = n % 2 === 0 || n === 1 ? gather(kept, order) : sorted(pool(chains));
  const med = medianSorted(all);
  const folded = new Float64Array(kept.length);
  for (let i = 0; i < kept.length; i++) folded[i] = Math.abs(kept[i] - med);
  const tail = rhatOfChains(unpool(normalScores(folded, foldedOrder(kept, order, med)), split));
  const q05 = quantileEss(kept, split, quantileSorted(all, 0.05));
  const q95 = quantileEss(kept, split, quantileSorted(all, 0.95));
  const stats = {
    rhat: Number.isNaN(bulk) || Number.isNaN(tail) ? NaN : Math.max(bulk, tail),
    essBulk: essOfChains(z),
    essTail: Number.isNaN(q05) || Number.isNaN(q95) ? NaN : Math.min(q05, q95),
  };
  return { stats, sortedDraws: all };
}

/** ESS of the indicator I(v ≤ q) of the pooled split draws `kept` (chains shaped as `split`). */
function quantileEss(kept: Float64Array, split: readonly Float64Array[], q: number): number {
  const below = new Float64Array(kept.length);
  for (let i = 0; i < kept.length; i++) below[i] = kept[i] <= q ? 1 : 0;
  return essOfChains(unpool(below, split));
}

/** values[order[k]] for every k. */
function gather(values: Float64Array, order: Uint32Array): Float64Array {
  const out = new Float64Array(order.length);
  for (let k = 0; k < order.length; k++) out[k] = values[order[k]];
  return out;
}

/**
 * An ascending order of |v − med| from an ascending `order` of v, without sorting: the draws
 * below the median, walked down, and those from it up, are each ascending in |v − med|
 * (rounding is monotone), so the two runs are merged.
 */
function foldedOrder(values: Float64Array, order: Uint32Array, med: number): Uint32Array {
  const n = order.length;
  let split = 0;
  while (split < n && values[order[split]] < med) split++;
  const out = new Uint32Array(n);
  let down = split - 1, up = split;
  for (let k = 0; k < n; k++) {
    const takeDown = up >= n ||
      (down >= 0 && med - values[order[down]] <= values[order[up]] - med);
    out[k] = takeDown ? order[down--] : order[up++];
  }
  return out;
}
