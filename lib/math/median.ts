/**
 * R's `median` and `mad` (missing values dropped) by selection in O(n) instead of a full sort:
 * brms's default priors take both of the outcome, so a model on 10⁵ rows would otherwise sort
 * its outcome several times. The results are the values a sort gives, bit for bit (a zero
 * median keeps the sign the sorted order gives it).
 */

/** Past this many partition rounds (adversarial orders) the range left is sorted instead. */
const MAX_ROUNDS = 64;

/**
 * The k-th smallest of `a` (0-based), no NaN in `a`; reorders `a` so that a[0..k) ≤ a[k] ≤
 * a(k..n): Hoare's FIND with a median-of-three pivot, the range left sorted after `maxRounds`
 * partitions.
 *
 * @example
 * ```ts
 * import { selectInPlace } from "./median.ts";
 * const a = Float64Array.of(5, 1, 4, 2, 3);
 * console.assert(selectInPlace(a, 1) === 2 && a[0] === 1);
 * ```
 */
export function selectInPlace(a: Float64Array, k: number, maxRounds = MAX_ROUNDS): number {
  let lo = 0;
  let hi = a.length - 1;
  for (let round = 0; hi > lo; round++) {
    if (round === maxRounds) {
      a.subarray(lo, hi + 1).sort();
      break;
    }
    // Median of a[lo], a[k], a[hi] into a[k]: the pivot.
    if (a[k] < a[lo]) swap(a, k, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[k]) swap(a, hi, k);
    const x = a[k];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < x) i++;
      while (x < a[j]) j--;
      if (i <= j) {
        const t = a[i];
        a[i++] = a[j];
        a[j--] = t;
      }
    }
    if (j < k) lo = i;
    if (k < i) hi = j;
  }
  return a[k];
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/**
 * Sorted position `k`'s zero with the sign a numeric sort gives it (−0 sorts before +0): −0
 * when more than k values are negative or −0.
 */
function signedZeroAt(a: Float64Array, k: number): number {
  let below = 0;
  for (let i = 0; i < a.length; i++) if (a[i] < 0 || Object.is(a[i], -0)) below++;
  return below > k ? -0 : 0;
}

/** The median of `a` (no NaN; reordered); NaN when empty. */
function medianInPlace(a: Float64Array): number {
  const n = a.length;
  if (n === 0) return NaN;
  const k = n >> 1;
  let upper = selectInPlace(a, k);
  if (upper === 0) upper = signedZeroAt(a, k);
  if (n % 2 === 1) return upper;
  // a[0..k) ≤ a[k]: the lower middle value is their largest.
  let lower = a[0];
  for (let i = 1; i < k; i++) if (a[i] > lower) lower = a[i];
  if (lower === 0) lower = signedZeroAt(a, k - 1);
  return (lower + upper) / 2;
}

/** The non-missing values of `values`, copied. */
function nonMissing(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === v) out[m++] = v;
  }
  return m === out.length ? out : out.slice(0, m);
}

/**
 * Median of the non-missing values (NaN when there are none), as R's `median(x, na.rm = TRUE)`.
 *
 * @example
 * ```ts
 * import { median } from "./median.ts";
 * console.assert(median([3, NaN, 1, 2]) === 2 && median([4, 1, 3, 2]) === 2.5);
 * ```
 */
export function median(values: ArrayLike<number>): number {
  return medianInPlace(nonMissing(values));
}

/**
 * The median and R's `mad` (1.4826 × the median of |y − median(y)|) of the non-missing values,
 * from one copy of them; NaN for both when there are none.
 *
 * @example
 * ```ts
 * import { medianAndMad } from "./median.ts";
 * const { median, mad } = medianAndMad([0, 10, 20, 30, 40, 55]);
 * console.assert(median === 25 && Math.abs(mad - 1.4826 * 15) < 1e-12);
 * ```
 */
export function medianAndMad(values: ArrayLike<number>): { median: number; mad: number } {
  const a = nonMissing(values);
  const m = medianInPlace(a);
  // The deviations overwrite the values (any order will do); NaN ones (∞ − ∞) are dropped.
  let k = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - m);
    if (d === d) a[k++] = d;
  }
  return { median: m, mad: 1.4826 * medianInPlace(a.subarray(0, k)) };
}
