import assert from "node:assert/strict";
import {
  convergenceStats,
  convergenceStatsAndSorted,
} from "../../lib/diagnostics/convergence_stats.ts";
import { rhat } from "../../lib/diagnostics/rhat.ts";
import { essBulk, essTail } from "../../lib/diagnostics/ess.ts";
import { median, medianSorted, sorted, summarizeDraws } from "../../lib/diagnostics/quantiles.ts";
import { pool } from "../../lib/diagnostics/_chains.ts";
import { HetfxError } from "../../lib/errors.ts";

/** Autocorrelated chains (AR(1)) with a chain-specific shift, values on a grid for ties. */
function chains(m: number, n: number, seed: number, grid = 0): Float64Array[] {
  let state = seed;
  const u = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return Array.from({ length: m }, (_, c) => {
    const out = new Float64Array(n);
    let x = 0;
    for (let i = 0; i < n; i++) {
      x = 0.6 * x + (u() - 0.5) + 0.05 * c;
      out[i] = grid > 0 ? Math.round(x * grid) / grid : x;
    }
    return out;
  });
}

Deno.test("convergenceStats: rhat, essBulk and essTail to the last bit", () => {
  // Even and odd chain lengths (split chains drop the middle draw), few and many chains, ties.
  for (
    const [m, n, seed, grid] of [[4, 1000, 1, 0], [2, 37, 2, 0], [8, 101, 3, 4], [1, 10, 4, 0]]
  ) {
    const x = chains(m, n, seed, grid);
    assert.deepEqual(convergenceStats(x), {
      rhat: rhat(x),
      essBulk: essBulk(x),
      essTail: essTail(x),
    });
  }
});

Deno.test("convergenceStatsAndSorted: the sorted draws are every draw sorted, and summarise as a sort would", () => {
  // Even lengths gather them from the split chains' sort; odd ones (the split drops the middle
  // draw) sort the draws again. −0 and 0 and ties on a grid keep sorted()'s order.
  for (const [m, n, seed, grid] of [[4, 1000, 6, 0], [3, 37, 7, 0], [2, 50, 8, 2], [1, 11, 9, 0]]) {
    const x = chains(m, n, seed, grid);
    x[0][0] = -0;
    if (x[0].length > 1) x[0][1] = 0;
    const { stats, sortedDraws } = convergenceStatsAndSorted(x);
    assert.deepEqual(stats, convergenceStats(x));
    assert.deepEqual(sortedDraws, sorted(pool(x)), `${m} × ${n}`);
    assert.deepEqual(summarizeDraws(pool(x), sortedDraws), summarizeDraws(pool(x)));
  }
  const constant = convergenceStatsAndSorted([new Float64Array(20).fill(1)]);
  assert.equal(constant.sortedDraws, null);
  assert.ok(Number.isNaN(constant.stats.rhat));
});

Deno.test("convergenceStats: NaN where posterior gives NA; bad chains refused", () => {
  const nan = { rhat: NaN, essBulk: NaN, essTail: NaN };
  assert.deepEqual(convergenceStats([new Float64Array(50).fill(3)]), nan);
  const withNaN = chains(2, 50, 5);
  withNaN[1][7] = NaN;
  assert.deepEqual(convergenceStats(withNaN), nan);
  assert.throws(
    () => convergenceStats([new Float64Array(4), new Float64Array(5)]),
    (e: unknown) => e instanceof HetfxError && /different lengths \(4 and 5\)/.test(e.message),
  );
});

Deno.test("medianSorted: median() of the same values once sorted", () => {
  for (const x of [[3, 1, 4, 2], [5, 1, 3], [2]]) {
    assert.equal(medianSorted(sorted(x)), median(new Float64Array(x)));
  }
  assert.ok(Number.isNaN(medianSorted([])));
});
