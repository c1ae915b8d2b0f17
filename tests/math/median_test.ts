/**
 * Tests of lib/math/median.ts: the selection-based median and MAD against a full sort.
 */
import assert from "node:assert/strict";
import { median, medianAndMad, selectInPlace } from "../../lib/math/median.ts";
import { seeded } from "../_seeded.ts";

/** The definitions by a full sort: the median and R's mad of the non-missing values. */
function sortedMedian(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).filter((v) => !Number.isNaN(v)).sort();
  const n = sorted.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}
function sortedMad(values: ArrayLike<number>): number {
  const m = sortedMedian(values);
  const deviations = Float64Array.from(values).filter((v) => !Number.isNaN(v)).map((v) =>
    Math.abs(v - m)
  );
  return 1.4826 * sortedMedian(deviations);
}

Deno.test("median and medianAndMad equal the sort-based definitions bit for bit", () => {
  const u = seeded(20);
  // Sizes even and odd, small and large; values continuous, tied (few distinct), with NaN,
  // ±∞, signed zeros, sorted and reverse-sorted orders.
  for (let trial = 0; trial < 400; trial++) {
    const n = trial < 40 ? trial : Math.floor(u() * (trial % 7 === 0 ? 5000 : 60));
    const kind = trial % 6;
    const values = Array.from({ length: n }, () => {
      const r = u();
      if (r < 0.1) return NaN;
      if (kind === 1) return Math.floor(u() * 3); // heavy ties
      if (kind === 2) return r < 0.5 ? -0 : 0; // zeros of both signs
      if (kind === 3) return r < 0.15 ? Infinity : r < 0.2 ? -Infinity : u();
      if (kind === 4) return Math.floor(u() * 5) - 2 + (u() < 0.3 ? -0 : 0);
      return (u() - 0.5) * 100;
    });
    if (trial % 5 === 0) values.sort((a, b) => a - b);
    if (trial % 5 === 1) values.sort((a, b) => b - a);
    const want = sortedMedian(values);
    const got = median(values);
    assert.ok(Object.is(got, want), `n = ${n}, kind ${kind}: median ${got}, want ${want}`);
    const both = medianAndMad(values);
    assert.ok(Object.is(both.median, want));
    assert.ok(Object.is(both.mad, sortedMad(values)), `n = ${n}, kind ${kind}: mad`);
  }
});

Deno.test("median and mad (R's, 1.4826 × MAD) on small examples", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([NaN, 1, 5]), 3);
  // y = 0, 10, 20, 30, 40, 55: median 25; |y − 25| = 25, 15, 5, 5, 15, 30 → median 15.
  assert.ok(Math.abs(medianAndMad([0, 10, 20, 30, 40, 55]).mad - 1.4826 * 15) < 1e-12);
});

Deno.test("median: empty or all-missing input gives NaN, the input is not reordered", () => {
  assert.ok(Number.isNaN(median([])) && Number.isNaN(median([NaN, NaN])));
  const { median: m, mad } = medianAndMad([NaN]);
  assert.ok(Number.isNaN(m) && Number.isNaN(mad));
  const y = Float64Array.of(5, 1, 4, 2, 3);
  assert.equal(median(y), 3);
  assert.deepEqual([...y], [5, 1, 4, 2, 3]);
  // The median of −0 and +0 (sorted: −0, +0) is their mean, +0; of −0 alone, −0.
  assert.ok(Object.is(median([0, -0]), 0) && Object.is(median([-0]), -0));
});

Deno.test("median: adversarial orders (organ pipe, many rounds) stay exact", () => {
  const n = 20001;
  const pipe = Array.from({ length: n }, (_, i) => (i < n / 2 ? i : n - i));
  assert.ok(Object.is(median(pipe), sortedMedian(pipe)));
  assert.ok(Object.is(medianAndMad(pipe).mad, sortedMad(pipe)));
});

Deno.test("selectInPlace: the k-th smallest with the partition around it, also by the sort fallback", () => {
  const u = seeded(5);
  for (const maxRounds of [0, 1, 2, 64]) {
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(u() * 200);
      const a = Float64Array.from({ length: n }, () => Math.floor(u() * (trial % 2 ? 5 : 1000)));
      const sorted = a.slice().sort();
      const k = Math.floor(u() * n);
      assert.equal(selectInPlace(a, k, maxRounds), sorted[k]);
      for (let i = 0; i < n; i++) assert.ok(i < k ? a[i] <= a[k] : a[i] >= a[k]);
      assert.deepEqual(a.slice().sort(), sorted);
    }
  }
});
