import assert from "node:assert/strict";
import {
  keptDraws,
  SamplingCancelled,
  truncateChain,
  truncateChains,
} from "../../lib/sampler/cancellation.ts";
import type { ChainDraws } from "../../lib/sampler/backend.ts";
import { HetfxError } from "../../lib/errors.ts";

/** A chain of n kept draws of dim 2 whose values encode (draw, column) so slices can be checked. */
function chain(n: number): ChainDraws {
  const seq = (scale: number) => Float64Array.from({ length: n }, (_, i) => scale * i);
  return {
    theta: Float64Array.from({ length: 2 * n }, (_, i) => i),
    logDensity: seq(-1),
    acceptStat: seq(0.01),
    stepSize: seq(0.1),
    treeDepth: Int32Array.from({ length: n }, (_, i) => i),
    nLeapfrog: Int32Array.from({ length: n }, (_, i) => 2 * i),
    divergent: Uint8Array.from({ length: n }, (_, i) => i % 2),
    energy: seq(3),
    warmupDivergences: 4,
    adaptedStepSize: 0.3,
    inverseMetric: Float64Array.of(1, 2),
  };
}

Deno.test("truncateChain: the first draws of every per-draw array; warmup results kept", () => {
  const full = chain(5);
  const two = truncateChain(full, 2);
  assert.equal(keptDraws(two), 2);
  assert.deepEqual([...two.theta], [0, 1, 2, 3]);
  assert.deepEqual([...two.energy], [0, 3]);
  assert.deepEqual([...two.divergent], [0, 1]);
  assert.deepEqual([...two.nLeapfrog], [0, 2]);
  assert.equal(two.warmupDivergences, 4);
  assert.equal(two.inverseMetric, full.inverseMetric);
  assert.equal(truncateChain(full, 9), full); // asking for more keeps the chain as it is
  assert.equal(keptDraws(truncateChain(full, 0)), 0);
});

Deno.test("truncateChains: all to the shortest chain; a chain that never started means none", () => {
  assert.deepEqual(truncateChains([chain(6), chain(3), chain(4)]).map(keptDraws), [3, 3, 3]);
  assert.deepEqual(truncateChains([chain(6), undefined, chain(4)]).map(keptDraws), [0, 0]);
  assert.deepEqual(truncateChains([]), []);
});

Deno.test("SamplingCancelled: a HetfxError 'sampling cancelled' carrying the partial draws", () => {
  const partial = truncateChains([chain(2)]);
  const e = new SamplingCancelled(partial);
  assert.ok(e instanceof HetfxError);
  assert.equal(e.message, "sampling cancelled");
  assert.equal(e.partial, partial);
  assert.equal(new SamplingCancelled().partial, null);
  assert.equal(new SamplingCancelled(null, "stopped by the user").message, "stopped by the user");
});
