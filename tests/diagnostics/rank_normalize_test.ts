import assert from "node:assert/strict";
import {
  ascendingOrder,
  fractionalRanks,
  normalScores,
  rankNormalize,
} from "../../lib/diagnostics/rank_normalize.ts";
import { normalQuantile } from "../../lib/diagnostics/normal_quantile.ts";

Deno.test("fractionalRanks: ranks 1..n, ties share their average rank (R's rank)", () => {
  assert.deepEqual([...fractionalRanks([3, 1, 2])], [3, 1, 2]);
  assert.deepEqual([...fractionalRanks([5, 5, 5])], [2, 2, 2]);
  assert.deepEqual([...fractionalRanks([2, 1, 2, 0, 2])], [4, 2, 4, 1, 4]);
  assert.deepEqual([...fractionalRanks([-Infinity, 0, Infinity])], [1, 2, 3]);
  assert.equal(fractionalRanks([]).length, 0);
});

Deno.test("rankNormalize: pooled ranks through Blom's offset and Φ⁻¹, chain structure kept", () => {
  const chains = [new Float64Array([0.3, 10, -2]), new Float64Array([7, 7, 1])];
  const z = rankNormalize(chains);
  assert.deepEqual(z.map((c) => c.length), [3, 3]);
  // Pooled ranks: 0.3→2, 10→6, −2→1, 7→4.5, 7→4.5, 1→3; S = 6.
  const expected = [[2, 6, 1], [4.5, 4.5, 3]].map((r) =>
    r.map((rank) => normalQuantile((rank - 3 / 8) / (6 + 1 / 4)))
  );
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(z[c][i] - expected[c][i]) < 1e-15);
  }
  // Monotone in the draws and symmetric about 0 for symmetric ranks.
  assert.ok(z[0][2] < z[0][0] && z[0][0] < z[1][2] && z[1][2] < z[1][0] && z[1][0] < z[0][1]);
  assert.ok(Math.abs(z[0][2] + z[0][1]) < 1e-15);
  // The offset is a parameter: offset 1/2 maps rank r to Φ⁻¹((r − 1/2)/S).
  const half = rankNormalize([new Float64Array([1, 2])], 0.5);
  assert.ok(Math.abs(half[0][0] - normalQuantile(0.25)) < 1e-15);
});

/** Values with ties, both zeros, infinities, tiny and huge magnitudes, in a shuffled order. */
function awkwardValues(n: number, seed: number): Float64Array {
  let state = seed;
  const u = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const special = [0, -0, Infinity, -Infinity, 1e-310, -1e-310, 1e300, -1e300, 2.5, 2.5];
  return Float64Array.from(
    { length: n },
    (_, i) =>
      i < special.length ? special[i] : u() < 0.3
        ? Math.round((u() - 0.5) * 8) / 2 // many ties
        : (u() - 0.5) * 10 ** Math.floor(u() * 12 - 6),
  );
}

Deno.test("ascendingOrder: a permutation that sorts any finite or infinite values", () => {
  for (const [n, seed] of [[0, 1], [1, 2], [2, 3], [257, 4], [4000, 5]]) {
    const x = awkwardValues(n, seed);
    const order = ascendingOrder(x);
    assert.equal(new Set(order).size, n);
    for (let k = 1; k < n; k++) assert.ok(x[order[k - 1]] <= x[order[k]], `n=${n} k=${k}`);
  }
  // Plain arrays too, and negative before positive whatever the magnitude.
  assert.deepEqual([...ascendingOrder([1e-300, -1e300, -1e-300, 1e300])], [1, 2, 0, 3]);
});

Deno.test("fractionalRanks and normalScores equal their definitions to the last bit", () => {
  for (const [n, seed] of [[1, 6], [10, 7], [500, 8], [4000, 9]]) {
    const x = awkwardValues(n, seed);
    const ranks = fractionalRanks(x);
    for (const offset of [3 / 8, 0.5]) {
      const z = normalScores(x, ascendingOrder(x), offset);
      for (let i = 0; i < n; i++) {
        // Rank by counting: 1 + #below + (#equal − 1)/2, −0 and 0 equal.
        let below = 0, equal = 0;
        for (let j = 0; j < n; j++) {
          if (x[j] < x[i]) below++;
          else if (x[j] === x[i]) equal++;
        }
        const rank = 1 + below + (equal - 1) / 2;
        assert.equal(ranks[i], rank, `n=${n} i=${i}`);
        const expected = normalQuantile((rank - offset) / (n - 2 * offset + 1));
        assert.ok(Object.is(z[i], expected), `n=${n} i=${i}: ${z[i]} vs ${expected}`);
      }
    }
  }
});
