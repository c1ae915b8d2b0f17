import assert from "node:assert/strict";
import { fractionalRanks, rankNormalize } from "../../lib/diagnostics/rank_normalize.ts";
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
