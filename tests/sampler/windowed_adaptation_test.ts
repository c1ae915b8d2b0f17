import assert from "node:assert/strict";
import {
  adaptationSchedule,
  DENSE_DRAWS_PER_DIM,
  WelfordEstimator,
  windowAdaptationInit,
  windowAdaptationUpdate,
} from "../../lib/sampler/windowed_adaptation.ts";
import { diagMetric } from "../../lib/sampler/metric.ts";

const diagMetricOf = (v: number[]) => diagMetric(Float64Array.from(v));

Deno.test("Stan's schedule for 1000 warmup iterations: 75 / 25,50,100,200,500 / 50", () => {
  const s = adaptationSchedule(1000);
  assert.deepEqual(s.windows, [
    { start: 75, end: 99 },
    { start: 100, end: 149 },
    { start: 150, end: 249 },
    { start: 250, end: 449 },
    { start: 450, end: 949 },
  ]);
});

Deno.test("short warmups shrink to 15% / 75% / 10%, and no metric adaptation below 20", () => {
  const s = adaptationSchedule(100);
  assert.equal(s.initBuffer, 15);
  assert.equal(s.termBuffer, 10);
  assert.deepEqual(s.windows, [{ start: 15, end: 89 }]);
  assert.deepEqual(adaptationSchedule(149).windows, [{ start: 22, end: 134 }]);
  assert.deepEqual(adaptationSchedule(19).windows, []);
  // 150 fits the defaults exactly: 75 + 25 + 50 with the first window stretched to the end.
  assert.deepEqual(adaptationSchedule(150).windows, [{ start: 75, end: 99 }]);
});

Deno.test("Welford estimates match direct formulas and Stan's regularisation", () => {
  // Six draws: 3 per dimension, so the dense estimate keeps the covariance.
  const xs = [[1, 2], [3, -1], [0, 0.5], [2, 2], [-1, 1], [1.5, 0]];
  const n = xs.length;
  const diag = new WelfordEstimator(2, false);
  const dense = new WelfordEstimator(2, true);
  for (const x of xs) {
    diag.add(Float64Array.from(x));
    dense.add(Float64Array.from(x));
  }
  const m = [0, 1].map((j) => xs.reduce((a, x) => a + x[j], 0) / n);
  const cov = (a: number, b: number) =>
    xs.reduce((s, x) => s + (x[a] - m[a]) * (x[b] - m[b]), 0) / (n - 1);
  const w = n / (n + 5), shrink = 1e-3 * 5 / (n + 5);
  const expectDiag = [w * cov(0, 0) + shrink, w * cov(1, 1) + shrink];
  const expectDense = [
    w * cov(0, 0) + shrink,
    w * cov(0, 1),
    w * cov(1, 0),
    w * cov(1, 1) + shrink,
  ];
  const gotDiag = diag.regularized();
  const gotDense = dense.regularized();
  for (let i = 0; i < 2; i++) assert.ok(Math.abs(gotDiag[i] - expectDiag[i]) < 1e-12);
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(gotDense[i] - expectDense[i]) < 1e-12);
});

Deno.test("a dense estimate keeps the covariances only from 3 draws per dimension", () => {
  // d = 4 strongly correlated coordinates (x, x, x, −x plus small noise). Below 3·d = 12 draws
  // the estimate is diagonal (Stan's rule would give a near-singular matrix); from 12 on, the
  // covariances are Stan's.
  assert.equal(DENSE_DRAWS_PER_DIM, 3);
  const d = 4;
  const est = new WelfordEstimator(d, true);
  let u = 11;
  const uniform = () => (u = (u * 16807) % 2147483647) / 2147483647 - 0.5;
  const xs: number[][] = [];
  const add = () => {
    const x = uniform();
    const row = [x, x + 0.01 * uniform(), x + 0.01 * uniform(), -x + 0.01 * uniform()];
    xs.push(row);
    est.add(Float64Array.from(row));
  };
  for (let k = 0; k < 11; k++) add();
  const few = est.regularized();
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) if (i !== j) assert.equal(few[i * d + j], 0);
    assert.ok(few[i * d + i] > 0.01, `variance ${i}: ${few[i * d + i]}`);
  }
  add();
  const n = xs.length;
  const m = [0, 1, 2, 3].map((j) => xs.reduce((a, x) => a + x[j], 0) / n);
  const enough = est.regularized();
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const cov = xs.reduce((s, x) => s + (x[i] - m[i]) * (x[j] - m[j]), 0) / (n - 1);
      const expect = (n / (n + 5)) * cov + (i === j ? 1e-3 * 5 / (n + 5) : 0);
      assert.ok(Math.abs(enough[i * d + j] - expect) < 1e-12, `${i},${j}`);
    }
  }
});

Deno.test("too few draws for covariances: the current metric's correlations with the window's variances", () => {
  const d = 3;
  const est = new WelfordEstimator(d, true);
  let u = 5;
  const uniform = () => (u = (u * 16807) % 2147483647) / 2147483647 - 0.5;
  for (let k = 0; k < 5; k++) est.add(Float64Array.from([uniform(), 2 * uniform(), 3 * uniform()]));
  // A current metric with correlations 0.5 (0, 1), −0.25 (0, 2), 0 (1, 2) and other scales.
  const current = Float64Array.from([4, 1, -2, 1, 1, 0, -2, 0, 16]);
  const plain = est.regularized();
  const kept = est.regularized(current);
  const corr = (m: Float64Array, i: number, j: number) =>
    m[i * d + j] / Math.sqrt(m[i * d + i] * m[j * d + j]);
  for (let i = 0; i < d; i++) {
    assert.equal(kept[i * d + i], plain[i * d + i], "the window's own variances");
    for (let j = 0; j < i; j++) {
      assert.equal(plain[i * d + j], 0);
      assert.ok(Math.abs(corr(kept, i, j) - corr(current, i, j)) < 1e-12, `${i},${j}`);
      assert.equal(kept[i * d + j], kept[j * d + i]);
    }
  }
  // With draws enough the current metric plays no part.
  for (let k = 0; k < 4; k++) est.add(Float64Array.from([uniform(), 2 * uniform(), 3 * uniform()]));
  assert.deepEqual(est.regularized(current), est.regularized());
});

Deno.test("a window end replaces the metric, re-finds the step size and restarts averaging", () => {
  let s = windowAdaptationInit(1, "diag", 100, 0.5);
  const refinds: number[] = [];
  for (let i = 0; i < 90; i++) {
    s = windowAdaptationUpdate(s, new Float64Array([i % 2 === 0 ? 2 : -2]), 0.8, 0.8, (e) => {
      refinds.push(i);
      return e * 0.5;
    });
  }
  assert.deepEqual(refinds, [89]);
  // Draws of iterations 15..89 (75 of them) join the estimate; regularised with n = 75.
  const xs = Array.from({ length: 75 }, (_, k) => ((15 + k) % 2 === 0 ? 2 : -2));
  const mean = xs.reduce((a, b) => a + b, 0) / 75;
  const sample = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / 74;
  const v = (75 / 80) * sample + 1e-3 * (5 / 80);
  assert.ok(Math.abs(s.metric.inverse[0] - v) < 1e-12);
  assert.equal(s.dualAveraging.counter, 0);
  assert.ok(Math.abs(s.dualAveraging.mu - Math.log(10 * s.stepSize)) < 1e-12);
});

Deno.test("an anchored start: windows before the last average the start with n₀ draws, the last is Stan's", () => {
  // Iterations 75..99 (25 draws) and 100..149 (50) are the first two windows; the last ends at 949.
  const start = diagMetricOf([4, 0.25]);
  let s = windowAdaptationInit(2, "diag", 1000, 0.5, 1, start, 100);
  const stan = (xs: number[][]) => {
    const e = new WelfordEstimator(2, false);
    for (const x of xs) e.add(Float64Array.from(x));
    return e.regularized();
  };
  const drawAt = (i: number) => [Math.sin(i), 0.1 * Math.cos(3 * i)];
  const metrics: Float64Array[] = [];
  for (let i = 0; i < 1000; i++) {
    s = windowAdaptationUpdate(s, Float64Array.from(drawAt(i)), 0.9, 0.8, (e) => e);
    if (i === 99 || i === 149 || i === 949) metrics.push(s.metric.inverse.slice());
  }
  // Window 1: n = 25, (25·E + 100·M₀)/125 for E Stan's estimate.
  const e1 = stan(Array.from({ length: 25 }, (_, k) => drawAt(75 + k)));
  for (let k = 0; k < 2; k++) {
    assert.ok(Math.abs(metrics[0][k] - (25 * e1[k] + 100 * start.inverse[k]) / 125) < 1e-12);
  }
  const e2 = stan(Array.from({ length: 50 }, (_, k) => drawAt(100 + k)));
  for (let k = 0; k < 2; k++) {
    assert.ok(Math.abs(metrics[1][k] - (50 * e2[k] + 100 * start.inverse[k]) / 150) < 1e-12);
  }
  // The last window (450..949): Stan's estimate alone.
  const e5 = stan(Array.from({ length: 500 }, (_, k) => drawAt(450 + k)));
  assert.deepEqual(Array.from(metrics[2]), Array.from(e5));
  // Without an anchor the first window is Stan's estimate.
  let plain = windowAdaptationInit(2, "diag", 1000, 0.5, 1, start);
  for (let i = 0; i < 100; i++) {
    plain = windowAdaptationUpdate(plain, Float64Array.from(drawAt(i)), 0.9, 0.8, (e) => e);
  }
  assert.deepEqual(Array.from(plain.metric.inverse), Array.from(e1));
});

Deno.test("an anchored dense estimate is the average of the matrices, positive definite", () => {
  const d = 2;
  const est = new WelfordEstimator(d, true);
  const xs = [[1, 2], [3, -1], [0, 0.5], [2, 2], [-1, 1], [1.5, 0], [0.5, 0.2]];
  for (const x of xs) est.add(Float64Array.from(x));
  const plain = est.regularized();
  const m0 = Float64Array.from([2, 0.6, 0.6, 1]);
  const got = est.regularized(undefined, { inverse: m0, draws: 14 });
  const n = xs.length;
  for (let k = 0; k < d * d; k++) {
    assert.ok(Math.abs(got[k] - (n * plain[k] + 14 * m0[k]) / (n + 14)) < 1e-12, `entry ${k}`);
  }
  // A diagonal anchor of a dense estimate: covariances shrink by n/(n + n₀).
  const diagAnchored = est.regularized(undefined, {
    inverse: Float64Array.from([2, 1]),
    draws: 14,
  });
  assert.ok(Math.abs(diagAnchored[1] - (n / (n + 14)) * plain[1]) < 1e-12);
  assert.ok(Math.abs(diagAnchored[0] - (n * plain[0] + 14 * 2) / (n + 14)) < 1e-12);
});
