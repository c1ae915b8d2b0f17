import assert from "node:assert/strict";
import { createWasmNutsWorkspace } from "../../lib/sampler/nuts_wasm.ts";
import { createNutsWorkspace, type NutsInfo, type NutsState } from "../../lib/sampler/nuts.ts";
import { denseMetric, diagMetric, type Metric } from "../../lib/sampler/metric.ts";
import { KeyedStream, Streams } from "../../lib/math/rng.ts";
import type { LogDensity } from "../../lib/sampler/log_density.ts";
import { correlatedGaussian, funnelTarget, gaussianTarget } from "./fixtures/targets.ts";

type Step = { state: NutsState; info: NutsInfo };

function stateAt(target: LogDensity, position: number[]): NutsState {
  const q = Float64Array.from(position);
  const g = new Float64Array(q.length);
  return { position: q, logDensity: target.logDensityGradient(q, g), gradient: g };
}

/**
 * Runs `n` chained transitions with each workspace from the same start and seeds, as the chain
 * runner does (a stream reset per iteration), and asserts every state and statistic, and the
 * random stream's state after it, is equal bit for bit: the WebAssembly kernel does the same
 * arithmetic in the same order as nuts.ts, and draws from the same stream (momentum included).
 */
function assertSameChain(
  target: LogDensity,
  start: number[],
  stepSize: number,
  metric: Metric,
  n: number,
  maxTreedepth = 10,
): { divergent: number; maxDepth: number; leapfrog: number } {
  const js = createNutsWorkspace(target.dim, maxTreedepth);
  const wasm = createWasmNutsWorkspace(target.dim, maxTreedepth, metric.kind);
  assert.ok(wasm, "this runtime has WebAssembly");
  const rngA = new KeyedStream(0, 0, 0), rngB = new KeyedStream(0, 0, 0);
  const wordsA = new Uint32Array(12), wordsB = new Uint32Array(12);
  const spareA = new Float64Array(1), spareB = new Float64Array(1);
  let a = stateAt(target, start);
  let b = stateAt(target, start);
  let divergent = 0, maxDepth = 0, leapfrog = 0;
  for (let i = 0; i < n; i++) {
    const params = { stepSize, metric, maxTreedepth };
    const ra: Step = js.transition(target, a, params, rngA.reset(7, 1, i, Streams.nuts));
    const rb: Step = wasm.transition(target, b, params, rngB.reset(7, 1, i, Streams.nuts));
    // The kernel hands the stream back where nuts.ts leaves it.
    rngA.saveState(wordsA, spareA);
    rngB.saveState(wordsB, spareB);
    assert.deepEqual(Array.from(wordsB), Array.from(wordsA));
    assert.ok(Object.is(spareB[0], spareA[0]));
    assert.deepEqual(rb.info, ra.info, `transition ${i}`);
    assert.deepEqual(Array.from(rb.state.position), Array.from(ra.state.position));
    assert.deepEqual(Array.from(rb.state.gradient), Array.from(ra.state.gradient));
    assert.equal(rb.state.logDensity, ra.state.logDensity);
    a = ra.state;
    b = rb.state;
    divergent += ra.info.divergent ? 1 : 0;
    maxDepth = Math.max(maxDepth, ra.info.treeDepth);
    leapfrog += ra.info.nLeapfrog;
  }
  return { divergent, maxDepth, leapfrog };
}

Deno.test("WebAssembly NUTS equals nuts.ts bit for bit: independent Gaussian, diagonal metric", () => {
  const target = gaussianTarget([1, 2, 0.5, 3, 1.5]);
  const metric = diagMetric(Float64Array.of(1, 4, 0.25, 9, 2));
  const { leapfrog } = assertSameChain(target, [0.3, -1, 0.2, 2, 0], 0.6, metric, 300);
  assert.ok(leapfrog > 300, "the trajectories are longer than one step");
});

Deno.test("WebAssembly NUTS equals nuts.ts bit for bit: correlated Gaussian, dense metric", () => {
  const target = correlatedGaussian(0.9);
  const metric = denseMetric(Float64Array.of(1, 0.85, 0.85, 1), 2);
  assertSameChain(target, [1, -1], 0.9, metric, 300);
});

Deno.test("WebAssembly NUTS equals nuts.ts bit for bit: tree depth cap and a unit metric", () => {
  // A tiny step on a wide target: trajectories run into the depth cap of 4.
  const target = gaussianTarget([10, 10, 10]);
  const { maxDepth } = assertSameChain(
    target,
    [1, 2, 3],
    0.05,
    diagMetric(Float64Array.of(1, 1, 1)),
    40,
    4,
  );
  assert.equal(maxDepth, 4);
});

Deno.test("WebAssembly NUTS equals nuts.ts bit for bit: divergences in a funnel", () => {
  // Neal's funnel with a large step: some trajectories diverge (energy error > 1000).
  const target = funnelTarget(4);
  const { divergent } = assertSameChain(
    target,
    [-2, 0.1, -0.1, 0.05],
    1.2,
    diagMetric(Float64Array.of(1, 1, 1, 1)),
    200,
  );
  assert.ok(divergent > 0, "the funnel run diverges somewhere");
});

Deno.test("WebAssembly NUTS equals nuts.ts bit for bit: a log density of −Infinity", () => {
  // A half-normal on q > 0 (−Infinity outside): steps that leave the support end the tree.
  const target: LogDensity = {
    dim: 2,
    logDensityGradient(q, g) {
      g[0] = -q[0];
      g[1] = -q[1];
      return q[0] > 0 ? -0.5 * (q[0] * q[0] + q[1] * q[1]) : -Infinity;
    },
  };
  const { divergent } = assertSameChain(
    target,
    [0.2, 0],
    0.8,
    diagMetric(Float64Array.of(1, 1)),
    200,
  );
  assert.ok(divergent > 0, "leaving the support is a divergence");
});

Deno.test("createWasmNutsWorkspace refuses what it cannot hold, and a metric of another kind", () => {
  assert.equal(createWasmNutsWorkspace(0, 10, "diag"), null);
  assert.equal(createWasmNutsWorkspace(2000, 10, "dense"), null);
  const ws = createWasmNutsWorkspace(2, 10, "diag")!;
  const target = gaussianTarget([1, 1]);
  assert.throws(
    () =>
      ws.transition(
        target,
        stateAt(target, [0, 0]),
        { stepSize: 0.5, metric: denseMetric(Float64Array.of(1, 0, 0, 1), 2), maxTreedepth: 10 },
        new KeyedStream(1, 0, 0),
      ),
    /a dense metric in a workspace made for a diag one/,
  );
  assert.throws(
    () =>
      ws.transition(
        target,
        stateAt(target, [0, 0]),
        { stepSize: 0.5, metric: diagMetric(Float64Array.of(1, 1)), maxTreedepth: 11 },
        new KeyedStream(1, 0, 0),
      ),
    /exceeds the workspace's 10/,
  );
});
