import assert from "node:assert/strict";
import {
  adaptationSchedule,
  DENSE_SHRINK,
  WelfordEstimator,
  windowAdaptationInit,
  windowAdaptationUpdate,
} from "../../lib/sampler/windowed_adaptation.ts";

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

Deno.test("Welford estimates match direct formulas and the regularisation (Stan's, dense shrunk to its diagonal)", () => {
  const xs = [[1, 2], [3, -1], [0, 0.5], [2, 2], [-1, 1]];
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
  // Dense: the off-diagonal entries also shrink toward 0 by n/(n + DENSE_SHRINK·d), d = 2.
  const offWeight = n / (n + DENSE_SHRINK * 2);
  const expectDense = [
    w * cov(0, 0) + shrink,
    w * offWeight * cov(0, 1),
    w * offWeight * cov(1, 0),
    w * cov(1, 1) + shrink,
  ];
  const gotDiag = diag.regularized();
  const gotDense = dense.regularized();
  for (let i = 0; i < 2; i++) assert.ok(Math.abs(gotDiag[i] - expectDiag[i]) < 1e-12);
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(gotDense[i] - expectDense[i]) < 1e-12);
});

Deno.test("a dense estimate from fewer draws than dimensions stays well conditioned", () => {
  // 10 draws in 20 dimensions: S is singular (rank ≤ 9). Shrunk toward its diagonal, the
  // estimate is ≥ w·(1 − λ)·min Sᵢᵢ·I (λ = n/(n + d)), which Stan's rule (≈ 1.7e-4·I in S's null
  // space) would violate; checked by a Cholesky factorisation of the estimate minus that bound.
  const d = 20, n = 10;
  const est = new WelfordEstimator(d, true);
  let u = 7;
  const uniform = () => (u = (u * 16807) % 2147483647) / 2147483647;
  for (let k = 0; k < n; k++) est.add(Float64Array.from({ length: d }, () => uniform() - 0.5));
  const a = est.regularized();
  const lambda = n / (n + DENSE_SHRINK * d);
  let minVar = Infinity;
  for (let i = 0; i < d; i++) minVar = Math.min(minVar, a[i * d + i]);
  const floor = 1e-3 * 5 / (n + 5);
  const bound = 0.99 * (1 - lambda) * (minVar - floor);
  // The bound is far above Stan's floor, so Stan's rule alone would fail the factorisation.
  assert.ok(bound > 10 * floor, `${bound}`);
  for (let i = 0; i < d; i++) a[i * d + i] -= bound;
  for (let j = 0; j < d; j++) {
    for (let k = 0; k < j; k++) a[j * d + j] -= a[j * d + k] ** 2;
    assert.ok(a[j * d + j] > 0, `estimate − bound not positive definite at pivot ${j}`);
    a[j * d + j] = Math.sqrt(a[j * d + j]);
    for (let i = j + 1; i < d; i++) {
      for (let k = 0; k < j; k++) a[i * d + j] -= a[i * d + k] * a[j * d + k];
      a[i * d + j] /= a[j * d + j];
    }
  }
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
