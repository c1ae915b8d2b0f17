/**
 * Rank normalisation of Vehtari et al. (2021), as posterior's `z_scale()`: pool all draws,
 * replace each by its rank (ties get the average rank), map ranks to (r − 3/8)/(S + 1/4)
 * (Blom's offset) and then through the inverse normal CDF.
 */
import { normalQuantile } from "./normal_quantile.ts";
import { pool } from "./_chains.ts";

/**
 * Ranks 1..n of the values with ties given their average rank (R's `rank(ties = "average")`).
 *
 * @example
 * ```ts
 * import { fractionalRanks } from "./rank_normalize.ts";
 * const r = fractionalRanks(new Float64Array([10, 30, 20, 30]));
 * console.assert(r[0] === 1 && r[2] === 2 && r[1] === 3.5 && r[3] === 3.5);
 * ```
 */
export function fractionalRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(n);
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && values[order[end]] === values[order[start]]) end++;
    const average = (start + 1 + end) / 2; // mean of 1-based positions start+1 .. end
    for (let k = start; k < end; k++) ranks[order[k]] = average;
    start = end;
  }
  return ranks;
}

/**
 * Rank-normalised draws with the same chain structure; ranks are taken over all chains
 * together. `offset` is the fractional offset c in (r − c)/(S − 2c + 1), default 3/8 (Blom).
 *
 * @example
 * ```ts
 * import { rankNormalize } from "./rank_normalize.ts";
 * const z = rankNormalize([new Float64Array([1, 2]), new Float64Array([3, 4])]);
 * console.assert(Math.abs(z[0][0] + z[1][1]) < 1e-15 && z[0][0] < 0);
 * ```
 */
export function rankNormalize(chains: readonly Float64Array[], offset = 3 / 8): Float64Array[] {
  const pooled = pool(chains);
  const total = pooled.length;
  const ranks = fractionalRanks(pooled);
  const denominator = total - 2 * offset + 1;
  const out: Float64Array[] = [];
  let at = 0;
  for (const chain of chains) {
    const z = new Float64Array(chain.length);
    for (let i = 0; i < chain.length; i++) {
      z[i] = normalQuantile((ranks[at + i] - offset) / denominator);
    }
    at += chain.length;
    out.push(z);
  }
  return out;
}
