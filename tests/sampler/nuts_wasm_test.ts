import assert from "node:assert/strict";
import { createWasmNutsWorkspace } from "../../lib/sampler/nuts_wasm.ts";
import { createNutsWorkspace, type NutsInfo, type NutsState } from "../../lib/sampler/nuts.ts";
import { denseMetric, diagMetric, type Metric } from "../../lib/sampler/metric.ts";
import { KeyedStream, Streams } from "../../lib/math/rng.ts";
import type { LogDensity } from "../../lib/sampler/log_density.ts";
import { correlatedGaussian, funnelTarget, gaussianTarget, stateAt } from "./fixtures/targets.ts";

type Step = { state: NutsState; info: NutsInfo };

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

/** A Gaussian target with precision matrix `P` (row-major, d × d): log π = −½ qᵀPq. */
function precisionGaussian(P: Float64Array, d: number): LogDensity {
  return {
    dim: d,
    logDensityGradient(q, g) {
      let lp = 0;
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += P[i * d + j] * q[j];
        g[i] = -s;
        lp -= 0.5 * q[i] * s;
      }
      return lp;
    },
  };
}

/** A symmetric positive definite d × d matrix AAᵀ/d + diag(scale) from a seeded generator. */
function randomSpd(d: number, seed: number, scale = 0.5): Float64Array {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
  const a = Float64Array.from({ length: d * d }, u);
  const m = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let t = 0;
      for (let k = 0; k < d; k++) t += a[i * d + k] * a[j * d + k];
      m[i * d + j] = t / d + (i === j ? scale : 0);
    }
  }
  return m;
}

Deno.test("WebAssembly NUTS equals nuts.ts bit for bit: one dimension, diagonal and dense", () => {
  const target = gaussianTarget([2]);
  assertSameChain(target, [0.7], 1.1, diagMetric(Float64Array.of(3)), 300);
  assertSameChain(target, [-0.4], 0.9, denseMetric(Float64Array.of(2.5), 1), 300);
  // Depth caps of 0, 1 and 2 (the twoStepTree's level and none at all).
  for (const depth of [0, 1, 2]) {
    const { maxDepth } = assertSameChain(
      target,
      [0.1],
      0.01,
      diagMetric(Float64Array.of(1)),
      30,
      depth,
    );
    assert.equal(maxDepth, depth);
  }
});

Deno.test("WebAssembly NUTS equals nuts.ts bit for bit: dense metrics on 11 and 12 dimensions", () => {
  for (const d of [11, 12]) {
    const covariance = randomSpd(d, d);
    const precision = randomSpd(d, 100 + d, 0.3);
    const target = precisionGaussian(precision, d);
    const start = Array.from({ length: d }, (_, i) => Math.sin(i + 1));
    const { leapfrog } = assertSameChain(target, start, 0.35, denseMetric(covariance, d), 150);
    assert.ok(leapfrog > 300, "trajectories of several steps");
    // A diagonal metric with unequal entries on the same correlated target.
    const diag = Float64Array.from({ length: d }, (_, i) => covariance[i * d + i]);
    assertSameChain(target, start, 0.3, diagMetric(diag), 150);
  }
});

Deno.test("WebAssembly NUTS equals nuts.ts bit for bit: 20,000 dimensions and a 1,024-dimension dense metric", () => {
  const d = 20000;
  const scales = Array.from({ length: d }, (_, i) => 0.5 + (i % 7) / 3);
  const start = Array.from({ length: d }, (_, i) => Math.cos(i) * scales[i]);
  const inverse = Float64Array.from(scales, (s) => 1.1 * s * s);
  assertSameChain(gaussianTarget(scales), start, 0.4, diagMetric(inverse), 6, 6);
  // The largest dense metric the kernel takes (about 16 MB of it in the workspace).
  const n = 1024;
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    eye[i * n + i] = 1 + (i % 5) / 4;
    if (i > 0) eye[i * n + i - 1] = eye[(i - 1) * n + i] = 0.2;
  }
  assertSameChain(
    gaussianTarget(Array.from({ length: n }, (_, i) => 1 + (i % 3))),
    Array.from({ length: n }, (_, i) => Math.sin(i)),
    0.5,
    denseMetric(eye, n),
    3,
    3,
  );
});

Deno.test("WebAssembly NUTS equals nuts.ts bit for bit: a stream continued across transitions", () => {
  // Without a reset per transition the kept Box–Muller normal and a half-used Philox block
  // carry from one transition into the next momentum draw (odd dimension: a normal is kept).
  const target = gaussianTarget([1, 2, 3]);
  const metric = diagMetric(Float64Array.of(1, 2, 3));
  const js = createNutsWorkspace(3, 10);
  const wasm = createWasmNutsWorkspace(3, 10, "diag")!;
  const rngA = new KeyedStream(3, 0, 0), rngB = new KeyedStream(3, 0, 0);
  let a = stateAt(target, [0.5, -0.5, 1]), b = a;
  const params = { stepSize: 0.7, metric, maxTreedepth: 10 };
  for (let i = 0; i < 100; i++) {
    const ra = js.transition(target, a, params, rngA);
    const rb = wasm.transition(target, b, params, rngB);
    assert.deepEqual(rb.info, ra.info, `transition ${i}`);
    assert.deepEqual(Array.from(rb.state.position), Array.from(ra.state.position));
    a = ra.state;
    b = rb.state;
    assert.ok(Object.is(rngA.uniform(), rngB.uniform()));
    assert.ok(Object.is(rngA.normal(), rngB.normal()));
  }
});

Deno.test("WebAssembly NUTS equals nuts.ts bit for bit: a metric changed in place between transitions", () => {
  // nuts.ts reads the metric's arrays at every transition; the kernel holds a copy of them, which
  // must follow a metric object whose arrays are rewritten (same object, new values).
  const target = precisionGaussian(randomSpd(4, 7), 4);
  const start = [0.3, -0.2, 0.5, 0.1];
  const cov = randomSpd(4, 9);
  const variants = [
    () => diagMetric(Float64Array.of(1, 1, 1, 1)),
    () => denseMetric(Float64Array.from(cov), 4),
  ];
  for (const make of variants) {
    const metric = make();
    const js = createNutsWorkspace(4, 10);
    const wasm = createWasmNutsWorkspace(4, 10, metric.kind)!;
    let a = stateAt(target, start), b = stateAt(target, start);
    for (let i = 0; i < 40; i++) {
      if (i % 10 === 5) {
        // Rescale the metric in place, keeping it a valid metric of its kind.
        const f = 1 + i / 10;
        const inverse = metric.inverse as Float64Array;
        for (let k = 0; k < inverse.length; k++) inverse[k] *= f * f;
        const factor =
          (metric.kind === "diag" ? metric.momentumScale : metric.cholesky) as Float64Array;
        for (let k = 0; k < factor.length; k++) {
          factor[k] = metric.kind === "diag" ? factor[k] / f : factor[k] * f;
        }
      }
      const params = { stepSize: 0.4, metric, maxTreedepth: 10 };
      const ra = js.transition(target, a, params, new KeyedStream(5, 0, i));
      const rb = wasm.transition(target, b, params, new KeyedStream(5, 0, i));
      assert.deepEqual(rb.info, ra.info, `${metric.kind} transition ${i}`);
      assert.deepEqual(Array.from(rb.state.position), Array.from(ra.state.position));
      a = ra.state;
      b = rb.state;
    }
  }
});

Deno.test("WebAssembly NUTS: a target that throws leaves the stream where nuts.ts leaves it", () => {
  // The target throws at its 6th evaluation (inside a transition's trajectory): the error comes
  // through the kernel, the caller's stream has advanced by the draws made before it, as in
  // nuts.ts, and the workspace goes on giving nuts.ts's transitions afterwards.
  const base = gaussianTarget([1, 2, 3]);
  let calls = 0;
  let throwAt = 6;
  const target: LogDensity = {
    dim: 3,
    logDensityGradient(q, g) {
      if (++calls === throwAt) throw new Error("target failed");
      return base.logDensityGradient(q, g);
    },
  };
  const js = createNutsWorkspace(3, 10);
  const wasm = createWasmNutsWorkspace(3, 10, "diag")!;
  const params = { stepSize: 0.05, metric: diagMetric(Float64Array.of(1, 4, 9)), maxTreedepth: 10 };
  const start = stateAt(base, [0.3, -0.2, 0.1]);
  const rngA = new KeyedStream(2, 0, 0), rngB = new KeyedStream(2, 0, 0);
  assert.throws(() => js.transition(target, start, params, rngA), /target failed/);
  calls = 0;
  assert.throws(() => wasm.transition(target, start, params, rngB), /target failed/);
  const wordsA = new Uint32Array(12), wordsB = new Uint32Array(12);
  const spareA = new Float64Array(1), spareB = new Float64Array(1);
  rngA.saveState(wordsA, spareA);
  rngB.saveState(wordsB, spareB);
  assert.deepEqual(Array.from(wordsB), Array.from(wordsA));
  assert.ok(Object.is(spareB[0], spareA[0]));
  throwAt = -1;
  let a = start, b = start;
  for (let i = 0; i < 20; i++) {
    const ra = js.transition(target, a, params, rngA);
    const rb = wasm.transition(target, b, params, rngB);
    assert.deepEqual(rb.info, ra.info, `transition ${i}`);
    assert.deepEqual(Array.from(rb.state.position), Array.from(ra.state.position));
    a = ra.state;
    b = rb.state;
  }
});

Deno.test("createWasmNutsWorkspace refuses a workspace past 2 GiB, whose byte count passes 2³²", () => {
  // 6,000,000 parameters at depth 10: 99 slots of 48 MB and the metric, 4.85e9 bytes, which 32-bit
  // arithmetic wrapped to 0.55e9: a memory that the slots' addresses overran (a transition threw
  // "memory access out of bounds"). 3,000,000: 2.4e9 bytes, past the signed 32-bit addresses.
  assert.equal(createWasmNutsWorkspace(6_000_000, 10, "diag"), null);
  assert.equal(createWasmNutsWorkspace(3_000_000, 10, "diag"), null);
  assert.equal(createWasmNutsWorkspace(600_000, 60, "diag"), null);
  assert.ok(createWasmNutsWorkspace(100_000, 10, "diag"));
});
