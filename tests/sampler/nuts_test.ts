import assert from "node:assert/strict";
import { denseMetric, unitMetric } from "../../lib/sampler/metric.ts";
import { createNutsWorkspace, nutsStep } from "../../lib/sampler/nuts.ts";
import { KeyedStream, Streams } from "../../lib/math/rng.ts";
import { correlatedGaussian, gaussianTarget, stateAt } from "./fixtures/targets.ts";
import { mcseMean } from "../../lib/diagnostics/mcse.ts";
import type { LogDensity } from "../../lib/sampler/log_density.ts";
import type { Metric } from "../../lib/sampler/metric.ts";

/** Runs the bare kernel (no adaptation) and returns draws (n × dim) and infos. */
function runKernel(
  target: LogDensity,
  start: number[],
  stepSize: number,
  metric: Metric,
  n: number,
  maxTreedepth = 10,
) {
  const ws = createNutsWorkspace(target.dim, maxTreedepth);
  const rng = new KeyedStream(0, 0, 0);
  let state = stateAt(target, start);
  const draws = new Float64Array(n * target.dim);
  const depths: number[] = [];
  const leapfrogs: number[] = [];
  for (let i = 0; i < n; i++) {
    rng.reset(2024, 0, i, Streams.nuts);
    const r = nutsStep(target, state, { stepSize, metric, maxTreedepth }, rng, ws);
    state = r.state;
    draws.set(state.position, i * target.dim);
    depths.push(r.info.treeDepth);
    leapfrogs.push(r.info.nLeapfrog);
  }
  return { draws, depths, leapfrogs };
}

Deno.test("nutsStep leaves its input untouched and is a function of (state, params, key)", () => {
  const target = gaussianTarget([1, 2, 3]);
  const state = stateAt(target, [0.5, -1, 2]);
  const copy = state.position.slice();
  const params = { stepSize: 0.4, metric: unitMetric(3, "diag"), maxTreedepth: 10 };
  const ws = createNutsWorkspace(3, 10);
  const a = nutsStep(target, state, params, new KeyedStream(5, 1, 9), ws);
  const b = nutsStep(target, state, params, new KeyedStream(5, 1, 9), createNutsWorkspace(3, 10));
  assert.deepEqual(state.position, copy);
  assert.deepEqual(a.state.position, b.state.position);
  assert.deepEqual(a.info, b.info);
  assert.ok(a.info.nLeapfrog >= 1 && a.info.acceptStat > 0 && a.info.acceptStat <= 1);
});

Deno.test("a reused workspace matches a fresh one through divergences and depth limits", () => {
  // The workspace swaps its proposal and boundary arrays by reference instead of copying; a
  // value left behind by one transition (or an aborted subtree) must never reach the next.
  const target = gaussianTarget([0.5, 1, 2, 4, 1.5]);
  const ws = createNutsWorkspace(5, 8);
  let state = stateAt(target, [0.3, -1, 2, 0.5, -0.7]);
  const settings = [
    { stepSize: 0.4, maxTreedepth: 8 },
    { stepSize: 40, maxTreedepth: 8 }, // diverges at once
    { stepSize: 0.05, maxTreedepth: 2 }, // stops at the depth limit
    { stepSize: 1.9, maxTreedepth: 8 }, // often diverges inside a subtree
  ];
  const seen = { divergent: 0, limited: 0 };
  for (let i = 0; i < 120; i++) {
    const { stepSize, maxTreedepth } = settings[i % settings.length];
    const metric = unitMetric(5, i % 8 < 4 ? "diag" : "dense");
    const params = { stepSize, metric, maxTreedepth };
    const reused = nutsStep(target, state, params, new KeyedStream(9, 0, i), ws);
    const fresh = nutsStep(
      target,
      state,
      params,
      new KeyedStream(9, 0, i),
      createNutsWorkspace(5, 8),
    );
    assert.deepEqual(reused, fresh, `transition ${i}`);
    if (reused.info.divergent) seen.divergent++;
    if (reused.info.treeDepth === maxTreedepth) seen.limited++;
    state = reused.state;
  }
  assert.ok(seen.divergent >= 10 && seen.limited >= 10, JSON.stringify(seen));
});

Deno.test("the fused diagonal-metric steps match the generic dense integrator bit for bit", () => {
  // Under the unit metric both paths do the same floating-point operations (M⁻¹p = 1·p, and the
  // dense products add only zeros), so every transition must match to the last bit: this checks
  // the fused leapfrog, kinetic energy and U-turn sums of the diagonal path against leapfrog(),
  // velocity() and kineticEnergy().
  const target = gaussianTarget([0.3, 1, 2.5, 0.8, 1.2, 4, 0.6]);
  const start = [0.2, -0.5, 1.5, 0.1, -1, 3, 0.4];
  for (const [stepSize, maxTreedepth] of [[0.25, 10], [0.7, 10], [0.1, 3]]) {
    const diag = runKernel(target, start, stepSize, unitMetric(7, "diag"), 150, maxTreedepth);
    const dense = runKernel(target, start, stepSize, unitMetric(7, "dense"), 150, maxTreedepth);
    assert.deepEqual(diag.leapfrogs, dense.leapfrogs, `ε = ${stepSize}`);
    assert.deepEqual(diag.draws, dense.draws, `ε = ${stepSize}`);
    assert.ok(diag.depths.some((d) => d >= 2), "trees deep enough to merge subtrees");
  }
});

Deno.test("a tiny step conserves energy (accept stat ≈ 1); a huge one diverges at once", () => {
  const target = gaussianTarget([1, 1]);
  const state = stateAt(target, [0.3, -0.2]);
  const metric = unitMetric(2, "diag");
  const ws = createNutsWorkspace(2, 6);
  const small = nutsStep(
    target,
    state,
    { stepSize: 1e-3, metric, maxTreedepth: 6 },
    new KeyedStream(1, 0, 0),
    ws,
  );
  // Leapfrog energy error is O(ε²) = 1e-6 per step here.
  assert.ok(small.info.acceptStat > 0.9999, `accept ${small.info.acceptStat}`);
  assert.equal(small.info.treeDepth, 6); // no U-turn within 63 steps of size 1e-3
  const huge = nutsStep(
    target,
    state,
    { stepSize: 1e4, metric, maxTreedepth: 6 },
    new KeyedStream(1, 0, 0),
    ws,
  );
  assert.equal(huge.info.divergent, true);
  assert.equal(huge.info.nLeapfrog, 1);
  assert.equal(huge.info.treeDepth, 0);
  assert.deepEqual(huge.state.position, state.position); // the divergent subtree is never chosen
});

Deno.test("tree depth never exceeds maxTreedepth and nLeapfrog ≤ 2^(depth+1) − 1", () => {
  const target = gaussianTarget([1]);
  const { depths, leapfrogs } = runKernel(target, [0.1], 0.01, unitMetric(1, "diag"), 50, 3);
  for (let i = 0; i < depths.length; i++) {
    assert.ok(depths[i] <= 3);
    // Completed depth d: 2^d − 1 steps, plus at most 2^d of a rejected next subtree.
    assert.ok(leapfrogs[i] <= 2 ** Math.min(depths[i] + 1, 3) - 1);
    assert.ok(leapfrogs[i] <= 7);
  }
  // With ε = 0.01 a U-turn needs ~300 steps, so every transition hits the limit.
  assert.ok(depths.every((d) => d === 3) && leapfrogs.every((n) => n === 7));
});

Deno.test("the bare kernel (fixed ε, dense metric) samples a correlated Gaussian", () => {
  const rho = 0.9;
  const target = correlatedGaussian(rho);
  const metric = denseMetric(new Float64Array([1, rho, rho, 1]), 2);
  const n = 8000;
  const { draws } = runKernel(target, [0, 0], 0.8, metric, n);
  let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    const x = draws[2 * i], y = draws[2 * i + 1];
    sx += x, sy += y, sxx += x * x, syy += y * y, sxy += x * y;
  }
  const mx = sx / n, my = sy / n;
  const vx = sxx / n - mx * mx, vy = syy / n - my * my;
  const r = (sxy / n - mx * my) / Math.sqrt(vx * vy);
  // With the exact metric NUTS draws are nearly independent (ESS ≳ n/2 = 4000): sd(mean) ≤
  // 1/sqrt(4000) = 0.016, sd(var) ≤ sqrt(2/4000) = 0.022, sd(r) ≤ (1−ρ²)/sqrt(4000) = 0.003.
  // Tolerances are 5 sd (two-sided failure ≈ 6e-7 each).
  assert.ok(Math.abs(mx) < 0.08 && Math.abs(my) < 0.08, `means ${mx} ${my}`);
  assert.ok(Math.abs(vx - 1) < 0.11 && Math.abs(vy - 1) < 0.11, `vars ${vx} ${vy}`);
  assert.ok(Math.abs(r - rho) < 0.015, `correlation ${r}`);
});

Deno.test("with a unit metric on a correlated Gaussian (ρ = 0.9) NUTS keeps E[x²] = E[y²] = 1", () => {
  // A mismatched metric makes trajectories curve, so the subtree U-turn checks (which merge the
  // begin and end momenta of neighbouring halves) decide where trees stop; a check reading the
  // wrong end biases the variance (a planted begin/end swap gave E[x²] ≈ 1.08). 120k draws
  // (ESS ≈ 30k) take well under a second.
  const rho = 0.9;
  const target = correlatedGaussian(rho);
  const n = 120000;
  const { draws } = runKernel(target, [0, 0], 0.3, unitMetric(2, "diag"), n);
  for (let j = 0; j < 2; j++) {
    const sq = new Float64Array(n);
    for (let i = 0; i < n; i++) sq[i] = draws[2 * i + j] ** 2;
    // Split into 4 pseudo-chains so the MCSE estimator sees between-segment variation too.
    const chains = [0, 1, 2, 3].map((c) => sq.subarray((c * n) / 4, ((c + 1) * n) / 4));
    const m = sq.reduce((a, b) => a + b, 0) / n;
    const se = mcseMean(chains);
    // The test must see a 0.045 bias (planted U-turn bugs gave 1.06 and 1.09): se ≤ 0.043 / 4.5.
    assert.ok(se < 0.0095, `MCSE of E[x²] ${se} too large to detect a 0.045 bias`);
    // 4.5 standard errors: two-sided false-failure rate ≈ 7e-6 per coordinate.
    assert.ok(Math.abs(m - 1) < 4.5 * se, `E[x${j}²] = ${m} (MCSE ${se})`);
  }
});

Deno.test("NUTS keeps the mean and variance of a skewed target (log of an Exp(1) variable)", () => {
  // log p(x) = x − eˣ: x = log E with E ~ Exp(1), a Gumbel-minimum law with mean −γ (Euler's
  // constant) and variance π²/6. A skewed target makes the choice of state inside the
  // trajectory (biased progressive sampling towards the new subtree) matter; on a Gaussian it
  // nearly cancels by symmetry. A long step (1.2) makes trajectories cross the steep left wall:
  // always taking the new subtree's state then gave mean −3.96.
  const target: LogDensity = {
    dim: 1,
    logDensityGradient(q: Float64Array, g: Float64Array): number {
      const e = Math.exp(q[0]);
      g[0] = 1 - e;
      return q[0] - e;
    },
  };
  const n = 60000;
  const { draws } = runKernel(target, [0], 1.2, unitMetric(1, "diag"), n);
  const chains = [0, 1, 2, 3].map((c) => draws.subarray((c * n) / 4, ((c + 1) * n) / 4));
  const sq = chains.map((c) => c.map((v) => (v + 0.5772156649015329) ** 2));
  const mean = draws.reduce((a, b) => a + b, 0) / n;
  const second = sq.reduce((a, c) => a + c.reduce((x, y) => x + y, 0), 0) / n;
  const seMean = mcseMean(chains), seVar = mcseMean(sq);
  // 4.5 MCSE each (two-sided false failure ≈ 7e-6); 60k draws give MCSEs ≈ 0.011 and 0.029.
  assert.ok(seMean < 0.02 && seVar < 0.04, `MCSE ${seMean} ${seVar}`);
  assert.ok(Math.abs(mean + 0.5772156649015329) < 4.5 * seMean, `mean ${mean} (MCSE ${seMean})`);
  assert.ok(Math.abs(second - Math.PI ** 2 / 6) < 4.5 * seVar, `var ${second} (MCSE ${seVar})`);
});
