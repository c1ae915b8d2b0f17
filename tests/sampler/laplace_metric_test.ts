import assert from "node:assert/strict";
import {
  climbToMode,
  laplaceInverseMetric,
  laplaceStart,
} from "../../lib/sampler/laplace_metric.ts";
import { KeyedStream } from "../../lib/sampler/rng.ts";
import { CpuBackend } from "../../lib/sampler/cpu_backend.ts";

/** A correlated Gaussian with precision P = [[4, 1.5, 0], [1.5, 2, 0], [0, 0, 0.01]], mean m. */
const P = [[4, 1.5, 0], [1.5, 2, 0], [0, 0, 0.01]];
const m = [1, -2, 3];
const gaussian = {
  dim: 3,
  logDensityGradient(q: Float64Array, g: Float64Array): number {
    let lp = 0;
    for (let i = 0; i < 3; i++) {
      let s = 0;
      for (let j = 0; j < 3; j++) s += P[i][j] * (q[j] - m[j]);
      g[i] = -s;
      lp -= 0.5 * (q[i] - m[i]) * s;
    }
    return lp;
  },
};

Deno.test("climbToMode reaches the mode of a correlated Gaussian", () => {
  const mode = climbToMode(gaussian, new Float64Array([-5, 5, -5]));
  // Within a thousandth of each marginal sd (0.59, 0.83, 10): far closer than warmup needs.
  const sd = [Math.sqrt(2 / 5.75), Math.sqrt(4 / 5.75), 10];
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(mode[i] - m[i]) < 1e-3 * sd[i], `${i}: ${mode[i]}`);
  }
});

Deno.test("laplaceInverseMetric is 1/diag(precision), never wider than the unit metric", () => {
  const inverse = laplaceInverseMetric(gaussian, new Float64Array([0, 0, 0]));
  assert.ok(Math.abs(inverse[0] - 1 / 4) < 1e-6);
  assert.ok(Math.abs(inverse[1] - 1 / 2) < 1e-6);
  assert.equal(inverse[2], 1); // 1/0.01 = 100, clamped to the unit metric's 1
});

Deno.test("laplaceStart starts near the mode, different per chain stream", () => {
  const g = new Float64Array(3);
  const q = new Float64Array([10, 10, 10]);
  const initial = { position: q, logDensity: gaussian.logDensityGradient(q, g), gradient: g };
  const a = laplaceStart(gaussian, initial, new KeyedStream(1, 0, 0));
  const b = laplaceStart(gaussian, initial, new KeyedStream(1, 1, 0));
  assert.notDeepEqual(a.state.position, b.state.position);
  // Each coordinate is mode + sd·z with sd ≤ 1; |z| < 6 has probability 1 − 2e-9.
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(a.state.position[i] - m[i]) < 6);
});

Deno.test("warmupStart laplace samples the same Gaussian correctly", async () => {
  const chains = await new CpuBackend().sample(gaussian, {
    chains: 2,
    warmup: 300,
    draws: 2000,
    seed: 4,
    adaptDelta: 0.8,
    maxTreedepth: 10,
    metric: "diag",
    warmupStart: "laplace",
  });
  // Mean of coordinate 0 (marginal sd 0.53): 4000 draws with ESS ≥ 1000 give MCSE ≤ 0.017;
  // 5 MCSE = 0.085 (false alarm ≈ 6e-7).
  let mean = 0;
  for (const c of chains) for (let d = 0; d < 2000; d++) mean += c.theta[d * 3] / 4000;
  assert.ok(Math.abs(mean - m[0]) < 0.085, `mean ${mean}`);
});
