/**
 * Rank statistics of simulation-based calibration (Talts et al. 2018; Modrák et al. 2023):
 * the rank histogram and a chi-square test of uniformity on binned ranks.
 */
import { logGamma } from "../math/special.ts";

/**
 * Counts of ranks (0…maxRank) in `bins` equal-width bins of the maxRank + 1 possible values.
 *
 * @example
 * ```ts
 * import { rankHistogram } from "./uniformity.ts";
 * console.assert(rankHistogram([0, 1, 2, 3], 3, 2).join() === "2,2");
 * ```
 */
export function rankHistogram(ranks: readonly number[], maxRank: number, bins: number): number[] {
  const counts = new Array(bins).fill(0);
  for (const r of ranks) counts[Math.min(bins - 1, Math.floor((r * bins) / (maxRank + 1)))]++;
  return counts;
}

/**
 * How many of the rank values 0…maxRank each of `bins` bins of {@link rankHistogram} holds:
 * equal only when bins divides maxRank + 1, 0 for a bin no value reaches.
 *
 * @example
 * ```ts
 * import { rankBinWidths } from "./uniformity.ts";
 * console.assert(rankBinWidths(4, 2).join() === "3,2");
 * ```
 */
export function rankBinWidths(maxRank: number, bins: number): number[] {
  return rankHistogram(Array.from({ length: maxRank + 1 }, (_, r) => r), maxRank, bins);
}

/**
 * Each bin's expected count when `total` ranks are uniform: in proportion to the rank values
 * the bin holds ({@link rankBinWidths}), or equal without `maxRank`.
 *
 * @example
 * ```ts
 * import { expectedRankCounts } from "./uniformity.ts";
 * console.assert(expectedRankCounts(50, 2, 4).join() === "30,20");
 * console.assert(expectedRankCounts(50, 2).join() === "25,25");
 * ```
 */
export function expectedRankCounts(total: number, bins: number, maxRank?: number): number[] {
  const widths = maxRank === undefined ? new Array(bins).fill(1) : rankBinWidths(maxRank, bins);
  const totalWidth = widths.reduce((a, b) => a + b, 0);
  return widths.map((w) => (total * w) / totalWidth);
}

/**
 * Chi-square test of uniform ranks: p-value of Σ (O − E)² / E with bins − 1 degrees of freedom.
 * Given `maxRank` (the histogram's), each bin's expected count E is proportional to the number
 * of rank values 0…maxRank that {@link rankHistogram} puts in it, so that bins that do not
 * divide maxRank + 1 (unequal widths) or outnumber the rank values (empty bins, left out of
 * the test and its degrees of freedom) do not reject uniform ranks; without it, equal widths.
 *
 * @example
 * ```ts
 * import { chiSquareUniformity } from "./uniformity.ts";
 * console.assert(chiSquareUniformity([5, 5, 5, 5]) === 1);
 * console.assert(chiSquareUniformity([20, 0, 0, 0]) < 1e-6);
 * // Ranks 0…4 in 2 bins hold 3 and 2 rank values: counts 30 and 20 are exactly uniform.
 * console.assert(chiSquareUniformity([30, 20], 4) === 1);
 * ```
 */
export function chiSquareUniformity(counts: readonly number[], maxRank?: number): number {
  const n = counts.reduce((a, b) => a + b, 0);
  if (n === 0) return NaN; // no ranks: nothing to test
  const expected = expectedRankCounts(n, counts.length, maxRank);
  let x2 = 0;
  let used = 0;
  counts.forEach((c, b) => {
    const e = expected[b];
    if (e === 0) return;
    x2 += (c - e) ** 2 / e;
    used++;
  });
  return gammaQ((used - 1) / 2, x2 / 2);
}

/**
 * Holm's step-down adjustment of p-values for testing them together (one per SBC parameter):
 * the i-th smallest of m times (m − i + 1), kept non-decreasing and at most 1, so that any
 * adjusted p below α rejects a calibrated model with probability ≤ α however many parameters
 * are tested. NaN (no ranks) stays NaN and is not counted in m.
 *
 * @example
 * ```ts
 * import { holmAdjust } from "./uniformity.ts";
 * const q = holmAdjust([0.01, 0.04, 0.03, 0.005]);
 * console.assert(q.map((x) => x.toFixed(2)).join() === "0.03,0.06,0.06,0.02");
 * ```
 */
export function holmAdjust(ps: readonly number[]): number[] {
  const order = ps.map((_, i) => i).filter((i) => !Number.isNaN(ps[i]))
    .sort((a, b) => ps[a] - ps[b]);
  const out = ps.map(() => NaN);
  let running = 0;
  order.forEach((i, rank) => {
    running = Math.max(running, Math.min(1, (order.length - rank) * ps[i]));
    out[i] = running;
  });
  return out;
}

/**
 * Regularised upper incomplete gamma Q(a, x): series below a + 1, continued fraction above
 * (Numerical Recipes §6.2), accurate to ~1e-14.
 *
 * @example
 * ```ts
 * import { gammaQ } from "./uniformity.ts";
 * console.assert(Math.abs(gammaQ(1, 2) - Math.exp(-2)) < 1e-14);
 * ```
 */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const logPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a, sum = term;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.max(0, 1 - sum * Math.exp(logPrefix));
  }
  const tiny = 1e-300;
  let b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(logPrefix) * h;
}
