/**
 * Basic summaries of draws: mean, standard deviation, R's type-7 quantile (the default of
 * `stats::quantile()`, which posterior's `quantile2()` and `summarise_draws()` use) and the
 * DrawSummary row (mean, sd, q2.5, q50, q97.5).
 */
import { HetfxError } from "../errors.ts";
import { ascendingOrder } from "./rank_normalize.ts";

/** Summary statistics of one quantity's draws. */
export interface DrawSummary {
  mean: number;
  sd: number;
  "q2.5": number;
  q50: number;
  "q97.5": number;
}

/**
 * Arithmetic mean (NaN for no values).
 *
 * @example
 * ```ts
 * import { mean } from "./quantiles.ts";
 * console.assert(mean(new Float64Array([1, 2, 3])) === 2);
 * ```
 */
export function mean(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  let m = sum / n;
  // One correction pass, as R's mean() does, for accuracy with large offsets.
  let correction = 0;
  for (let i = 0; i < n; i++) correction += values[i] - m;
  m += correction / n;
  return m;
}

/**
 * Sample variance with the n − 1 denominator, as R's `var()` (NaN for fewer than 2 values).
 *
 * @example
 * ```ts
 * import { variance } from "./quantiles.ts";
 * console.assert(variance(new Float64Array([1, 2, 3, 4])) === 5 / 3);
 * ```
 */
export function variance(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return NaN;
  const m = mean(values);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - m;
    ss += d * d;
  }
  return ss / (n - 1);
}

/**
 * Sample standard deviation with the n − 1 denominator, as R's `sd()`.
 *
 * @example
 * ```ts
 * import { sd } from "./quantiles.ts";
 * console.assert(Math.abs(sd(new Float64Array([2, 4, 4, 4, 5, 5, 7, 9])) - 2.138089935) < 1e-9);
 * ```
 */
export function sd(values: ArrayLike<number>): number {
  return Math.sqrt(variance(values));
}

/**
 * Values sorted ascending in a new array, as Float64Array's sort orders them (−0 before 0, NaN
 * last), by the radix order of rank_normalize.ts (a few times faster than that sort).
 *
 * @example
 * ```ts
 * import { sorted } from "./quantiles.ts";
 * console.assert(sorted([2, NaN, -1, 0]).join() === "-1,0,2,NaN");
 * ```
 */
export function sorted(values: ArrayLike<number>): Float64Array {
  const order = ascendingOrder(values);
  const out = new Float64Array(order.length);
  for (let k = 0; k < order.length; k++) out[k] = values[order[k]];
  return out;
}

/**
 * Quantile of already sorted values by R's type 7 (linear interpolation between order
 * statistics at index 1 + (n − 1)p), computed as R does, `(1 − h)·x[lo] + h·x[hi]`.
 */
export function quantileSorted(sortedValues: ArrayLike<number>, prob: number): number {
  const n = sortedValues.length;
  if (n === 0 || Number.isNaN(prob)) return NaN;
  const index = 1 + Math.max(n - 1, 0) * prob; // 1-based, as in R
  const lo = Math.floor(index);
  const hi = Math.ceil(index);
  const qs = sortedValues[lo - 1];
  const xHi = sortedValues[hi - 1];
  if (index > lo && xHi !== qs) {
    const h = index - lo;
    return (1 - h) * qs + h * xHi;
  }
  return qs;
}

/**
 * Quantile by R's type 7, the default of `stats::quantile()` and what posterior uses for
 * q5/q95 and friends. Throws a HetfxError for `prob` outside [0, 1].
 *
 * @example
 * ```ts
 * import { quantile } from "./quantiles.ts";
 * // R: quantile(c(1, 2, 3, 4), 0.1) == 1.3
 * console.assert(Math.abs(quantile(new Float64Array([4, 1, 3, 2]), 0.1) - 1.3) < 1e-12);
 * ```
 */
export function quantile(values: ArrayLike<number>, prob: number): number {
  if (!(prob >= 0 && prob <= 1)) {
    throw new HetfxError(`Cannot compute quantile: probability ${prob} is not between 0 and 1.`);
  }
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) return NaN;
  return quantileSorted(sorted(values), prob);
}

/**
 * Median as R's `median()`: the middle value, or the mean of the two middle values.
 *
 * @example
 * ```ts
 * import { median } from "./quantiles.ts";
 * console.assert(median(new Float64Array([3, 1, 4, 2])) === 2.5);
 * ```
 */
export function median(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return NaN;
  for (let i = 0; i < n; i++) if (Number.isNaN(values[i])) return NaN;
  return medianSorted(sorted(values));
}

/** {@link median} of already sorted values without NaN (NaN when empty). */
export function medianSorted(sortedValues: ArrayLike<number>): number {
  const n = sortedValues.length;
  if (n === 0) return NaN;
  const half = Math.floor((n + 1) / 2);
  return n % 2 === 1 ? sortedValues[half - 1] : (sortedValues[half - 1] + sortedValues[half]) / 2;
}

/**
 * Mean, sd (n − 1) and the 2.5%, 50% and 97.5% type-7 quantiles of one quantity's draws
 * (all chains pooled), the DrawSummary shape of lib/posterior/types.ts. `sortedValues`, the
 * same draws sorted ascending, spares the sort where the caller has them (e.g. from
 * convergence_stats.ts).
 *
 * @example
 * ```ts
 * import { summarizeDraws } from "./quantiles.ts";
 * const s = summarizeDraws(new Float64Array([1, 2, 3, 4, 5]));
 * console.assert(s.mean === 3 && s.q50 === 3 && Math.abs(s["q2.5"] - 1.1) < 1e-12);
 * ```
 */
export function summarizeDraws(
  values: Float64Array,
  sortedValues: Float64Array | null = null,
): DrawSummary {
  const s = sortedValues ?? sorted(values);
  let hasNaN = false;
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) hasNaN = true;
  const q = (p: number) => (hasNaN ? NaN : quantileSorted(s, p));
  return {
    mean: mean(values),
    sd: sd(values),
    "q2.5": q(0.025),
    q50: q(0.5),
    "q97.5": q(0.975),
  };
}
