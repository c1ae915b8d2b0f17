import assert from "node:assert/strict";
import {
  cheesInit,
  cheesRestartAfterMetricChange,
  cheesUpdate,
  halton,
  leapfrogSteps,
  windowVariance,
} from "../../lib/webgpu/chees_adaptation.ts";

Deno.test("Halton base 2 is the van der Corput sequence", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(halton), [
    0.5,
    0.25,
    0.75,
    0.125,
    0.625,
    0.375,
    0.875,
  ]);
});

Deno.test("leapfrog steps: ceil(t/ε) clipped to [1, max]", () => {
  assert.equal(leapfrogSteps(1, 0.3, 100), 4);
  assert.equal(leapfrogSteps(0, 0.3, 100), 1);
  assert.equal(leapfrogSteps(1e9, 0.3, 1023), 1023);
  assert.equal(leapfrogSteps(1, 0, 10), 1);
});

Deno.test("ChEES Adam ascends the acceptance-weighted gradient and clips to [minT, maxT]", () => {
  let s = cheesInit(1);
  s = cheesUpdate(s, [1, 3, -100], [1, 1, 0], 0.01, 100); // the α = 0 chain is ignored
  // β1 = 0: first step is lr · g/|g| = +0.05 in log T.
  assert.ok(Math.abs(s.logT - 0.05) < 1e-9, `${s.logT}`);
  s = cheesUpdate(s, [-5, -5], [0.5, 0.5], 0.01, 100);
  assert.ok(s.logT < 0.05);
  for (let i = 0; i < 500; i++) s = cheesUpdate(s, [1], [1], 0.01, 2);
  assert.equal(s.logT, Math.log(2));
  assert.ok(s.logTBar < Math.log(2) && s.logTBar > 0);
  assert.equal(cheesUpdate(s, [1], [0], 0.01, 2), s, "no accepted chain: unchanged");
  assert.equal(cheesRestartAfterMetricChange(s).logTBar, s.logT);
});

Deno.test("ChEES after a metric change: an old window's huge gradients no longer freeze log T", () => {
  // Gradients ~1e8 under a poor first metric, then ~1e3 under the next one (the scales seen on
  // the 10⁵-row benchmark's warmup): without the restart each step is ~lr·1e-5·20 ≈ 0.
  let s = cheesInit(1);
  for (let i = 0; i < 20; i++) s = cheesUpdate(s, [1e8], [1], 0.01, 1e3);
  const carried = cheesUpdate(s, [1e3], [1], 0.01, 1e3);
  assert.ok(carried.logT - s.logT < 1e-3, `carried-over moments: step ${carried.logT - s.logT}`);
  const restarted = cheesRestartAfterMetricChange(s);
  assert.equal(restarted.logT, s.logT);
  const next = cheesUpdate(restarted, [1e3], [1], 0.01, 1e3);
  assert.ok(Math.abs(next.logT - s.logT - 0.05) < 1e-9, `first step after restart: lr`);
});

Deno.test("window variance: law of total variance, Stan's regularisation", () => {
  // 10 iterations whose cross-chain means are 0 and 2 alternately (variance 1 between
  // iterations) and within-iteration variance 3: total 4.
  const v = windowVariance([10], [20], [30], 10, 1000)[0];
  const n = 10_000;
  assert.ok(Math.abs(v - ((n / (n + 5)) * 4 + 1e-3 * 5 / (n + 5))) < 1e-12);
  assert.equal(windowVariance([NaN], [0], [0], 1, 1)[0], 1);
});
