import assert from "node:assert/strict";
import {
  denseMetric,
  diagMetric,
  sampleMomentum,
  unitMetric,
  velocity,
} from "../../lib/sampler/metric.ts";
import { KeyedStream } from "../../lib/math/rng.ts";
import { HetfxError } from "../../lib/errors.ts";

Deno.test("velocity: M⁻¹p for diagonal, dense and unit metrics", () => {
  const p = Float64Array.of(1, -2);
  assert.deepEqual([...velocity(diagMetric(Float64Array.of(0.5, 3)), p, new Float64Array(2))], [
    0.5,
    -6,
  ]);
  const dense = denseMetric(Float64Array.of(2, 1, 1, 3), 2);
  assert.deepEqual([...velocity(dense, p, new Float64Array(2))], [0, -5]);
  for (const kind of ["diag", "dense"] as const) {
    assert.deepEqual([...velocity(unitMetric(2, kind), p, new Float64Array(2))], [1, -2]);
  }
  // The metric keeps its own copy of M⁻¹.
  const inverse = Float64Array.of(1, 1);
  const m = diagMetric(inverse);
  inverse[0] = 9;
  assert.equal(m.inverse[0], 1);
});

Deno.test("denseMetric: L Lᵀ = M⁻¹; bad metrics are HetfxErrors naming the problem", () => {
  const inverse = Float64Array.of(4, 2, 0, 2, 5, 1, 0, 1, 3);
  const { cholesky: L } = denseMetric(inverse, 3);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += L[i * 3 + k] * L[j * 3 + k];
      assert.ok(Math.abs(s - inverse[i * 3 + j]) < 1e-14);
    }
  }
  const fails = (f: () => unknown, re: RegExp) =>
    assert.throws(f, (e: unknown) => e instanceof HetfxError && re.test(e.message));
  fails(() => denseMetric(Float64Array.of(1, 2, 2, 1), 2), /not positive definite.*row 1/);
  fails(() => denseMetric(Float64Array.of(1, 0, 0), 2), /expected 4 entries, got 3/);
  fails(() => diagMetric(Float64Array.of(1, 0)), /diagonal entry 1 is 0/);
  fails(() => diagMetric(Float64Array.of(NaN)), /diagonal entry 0 is NaN/);
});

Deno.test("sampleMomentum: p ~ N(0, M), M = (M⁻¹)⁻¹, for diagonal and dense metrics", () => {
  // M⁻¹ = [[2, 1], [1, 3]] gives M = [[0.6, −0.2], [−0.2, 0.4]]; diagonal M⁻¹ = (0.25, 4) gives
  // M = diag(4, 0.25). With n = 20000 draws a sample covariance's standard error is
  // √((M_ij² + M_ii·M_jj)/n) ≤ 0.04 here; the tolerance is 5 standard errors.
  const cases = [
    { metric: denseMetric(Float64Array.of(2, 1, 1, 3), 2), M: [0.6, -0.2, -0.2, 0.4] },
    { metric: diagMetric(Float64Array.of(0.25, 4)), M: [4, 0, 0, 0.25] },
  ];
  const n = 20000;
  for (const { metric, M } of cases) {
    const rng = new KeyedStream(11, 0, 0);
    const sums = [0, 0, 0, 0];
    const p = new Float64Array(2);
    for (let d = 0; d < n; d++) {
      sampleMomentum(metric, rng, p);
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) sums[i * 2 + j] += p[i] * p[j];
    }
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        const se = Math.sqrt((M[i * 2 + j] ** 2 + M[i * 3] * M[j * 3]) / n);
        const got = sums[i * 2 + j] / n;
        assert.ok(Math.abs(got - M[i * 2 + j]) < 5 * se, `${metric.kind} (${i},${j}): ${got}`);
      }
    }
  }
});

Deno.test("sampleMomentum takes the stream's normals in order, whatever was drawn before", () => {
  // NUTS draws momentum and then uniforms from one stream, so the draw must use exactly the
  // next dim normals (a spare Box–Muller half included) and leave the stream where repeated
  // normal() calls would.
  const metric = diagMetric(Float64Array.of(0.25, 4, 1, 9, 2));
  for (const before of [0, 1, 2]) {
    const a = new KeyedStream(3, 1, 7), b = new KeyedStream(3, 1, 7);
    for (let k = 0; k < before; k++) a.normal(), b.normal();
    const p = sampleMomentum(metric, a, new Float64Array(5));
    const expected = Array.from(metric.momentumScale, (s) => b.normal() * s);
    assert.deepEqual([...p], expected, `after ${before} normals`);
    assert.equal(a.uniform(), b.uniform(), `stream position after ${before} normals`);
  }
});
