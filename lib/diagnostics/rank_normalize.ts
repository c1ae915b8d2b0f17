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
  const order = ascendingOrder(values);
  const ranks = new Float64Array(n);
  let start = 0;
  while (start < n) {
    const end = tieEnd(values, order, start);
    const average = (start + 1 + end) / 2; // mean of 1-based positions start+1 .. end
    for (let k = start; k < end; k++) ranks[order[k]] = average;
    start = end;
  }
  return ranks;
}

/**
 * The indices 0..n−1 in ascending order of `values` (ties in any order; −0 just before 0; NaN
 * last, as Float64Array's sort puts it). A least-significant-digit radix sort of the doubles'
 * bits turned into unsigned keys that order as the numbers do, byte by byte, skipping the bytes
 * all keys share: no comparator calls, and linear in n.
 *
 * @example
 * ```ts
 * import { ascendingOrder } from "./rank_normalize.ts";
 * console.assert(ascendingOrder([3, -1, 2, -0.5]).join() === "1,3,2,0");
 * ```
 */
export function ascendingOrder(values: ArrayLike<number>): Uint32Array {
  const n = values.length;
  const keys = new Uint32Array(Float64Array.from(values).buffer);
  // Sign set: flip every bit (more negative, larger magnitude, sorts first); else set the sign.
  for (let i = 0; i < n; i++) {
    const hi = keys[2 * i + HI];
    if (values[i] !== values[i]) {
      keys[2 * i + HI] = keys[2 * i + LO] = 0xffffffff; // NaN, whatever its sign bit, last
    } else if (hi >>> 31) {
      keys[2 * i + HI] = ~hi;
      keys[2 * i + LO] = ~keys[2 * i + LO];
    } else keys[2 * i + HI] = hi | 0x80000000;
  }
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let next = new Uint32Array(n);
  const counts = new Uint32Array(256);
  for (let byte = 0; byte < 8; byte++) {
    const word = byte < 4 ? LO : HI;
    const shift = 8 * (byte & 3);
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(keys[2 * i + word] >>> shift) & 255]++;
    if (counts[(keys[word] >>> shift) & 255] === n) continue; // every key has this byte
    for (let b = 0, sum = 0; b < 256; b++) {
      const c = counts[b];
      counts[b] = sum;
      sum += c;
    }
    for (let k = 0; k < n; k++) {
      const i = order[k];
      next[counts[(keys[2 * i + word] >>> shift) & 255]++] = i;
    }
    [order, next] = [next, order];
  }
  return order;
}

/** Which 32-bit half of a Float64Array element holds the sign and exponent on this machine. */
const HI = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/** The end of the block of values tied with the one at sorted position `start`. */
function tieEnd(values: ArrayLike<number>, order: Uint32Array, start: number): number {
  const v = values[order[start]];
  let end = start + 1;
  while (end < order.length && values[order[end]] === v) end++;
  return end;
}

/**
 * Φ⁻¹((k + 1 − offset) / (n − 2·offset + 1)) for k = 0..n−1: the normal score of every untied
 * rank, the same for every quantity with n draws, so kept for the last few (n, offset).
 */
const scoreTables = new Map<string, Float64Array>();

function scoreTable(n: number, offset: number): Float64Array {
  const key = `${n}:${offset}`;
  let table = scoreTables.get(key);
  if (table === undefined) {
    const denominator = n - 2 * offset + 1;
    table = new Float64Array(n);
    for (let k = 0; k < n; k++) table[k] = normalQuantile((k + 1 - offset) / denominator);
    if (scoreTables.size >= 8) scoreTables.delete(scoreTables.keys().next().value!);
    scoreTables.set(key, table);
  }
  return table;
}

/**
 * Each value's rank-normal score Φ⁻¹((r − offset)/(n − 2·offset + 1)), r its fractional rank,
 * given `order` ({@link ascendingOrder} of `values`, or any order sorting them ascending).
 * Untied ranks read a table shared by every quantity with n draws.
 *
 * @example
 * ```ts
 * import { ascendingOrder, normalScores } from "./rank_normalize.ts";
 * const x = [0.5, -1, 2];
 * const z = normalScores(x, ascendingOrder(x));
 * console.assert(z[1] < z[0] && z[0] < z[2]);
 * ```
 */
export function normalScores(
  values: ArrayLike<number>,
  order: Uint32Array,
  offset = 3 / 8,
): Float64Array {
  const n = values.length;
  const table = scoreTable(n, offset);
  const denominator = n - 2 * offset + 1;
  const z = new Float64Array(n);
  let start = 0;
  while (start < n) {
    const end = tieEnd(values, order, start);
    // An untied rank is start + 1, exactly what the table was made from.
    const score = end === start + 1
      ? table[start]
      : normalQuantile(((start + 1 + end) / 2 - offset) / denominator);
    for (let k = start; k < end; k++) z[order[k]] = score;
    start = end;
  }
  return z;
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
  return unpool(normalScores(pooled, ascendingOrder(pooled), offset), chains);
}

/** `pooled` (chain after chain) cut into arrays of the lengths of `like`'s chains. */
export function unpool(pooled: Float64Array, like: readonly Float64Array[]): Float64Array[] {
  const out: Float64Array[] = [];
  let at = 0;
  for (const chain of like) {
    out.push(pooled.subarray(at, at + chain.length));
    at += chain.length;
  }
  return out;
}
