import assert from "node:assert/strict";
import { unitMetric } from "../../lib/sampler/metric.ts";
import { KeyedStream, Streams } from "../../lib/math/rng.ts";
import {
  dualAveragingFinal,
  dualAveragingInit,
  dualAveragingUpdate,
  findReasonableStepSize,
} from "../../lib/sampler/step_size.ts";
import { gaussianTarget } from "./fixtures/targets.ts";
import { HetfxError } from "../../lib/errors.ts";

Deno.test("dual averaging follows Stan's first update exactly", () => {
  const s = dualAveragingUpdate(dualAveragingInit(1), 0.5, 0.8);
  // t = 1: η = 1/11, s̄ = 0.3/11, x = log 10 − s̄/0.05, x̄ = x (1^−κ = 1).
  const x = Math.log(10) - (0.3 / 11) / 0.05;
  assert.ok(Math.abs(Math.log(s.stepSize) - x) < 1e-12);
  assert.ok(Math.abs(s.xBar - x) < 1e-12);
  // Accept statistics above 1 are clipped.
  assert.deepEqual(
    dualAveragingUpdate(dualAveragingInit(1), 1.7, 0.8),
    dualAveragingUpdate(dualAveragingInit(1), 1, 0.8),
  );
});

Deno.test("dual averaging converges to the step size whose acceptance is the target", () => {
  // Deterministic acceptance curve α(ε) = exp(−ε): the solution of α = 0.8 is ε* = −log 0.8.
  let s = dualAveragingInit(1);
  for (let i = 0; i < 5000; i++) s = dualAveragingUpdate(s, Math.exp(-s.stepSize), 0.8);
  const target = -Math.log(0.8);
  assert.ok(Math.abs(dualAveragingFinal(s) / target - 1) < 0.02, `${dualAveragingFinal(s)}`);
});

Deno.test("findReasonableStepSize scales with the target's width (Stan's init_stepsize)", () => {
  const found = (scale: number) => {
    const target = gaussianTarget([scale, scale]);
    const q = new Float64Array([0.5 * scale, -0.5 * scale]);
    const g = new Float64Array(2);
    const state = { position: q, logDensity: target.logDensityGradient(q, g), gradient: g };
    const rng = new KeyedStream(3, 0, 0, Streams.stepSize);
    return findReasonableStepSize(target, state, 1, unitMetric(2, "diag"), rng);
  };
  const wide = found(1);
  const narrow = found(0.01);
  // The search moves in factors of 2 until exp(ΔH) crosses 0.8; for a unit Gaussian one
  // leapfrog step accepts at ≥ 0.8 up to ε ≈ 1–2.
  assert.ok(wide >= 0.25 && wide <= 4, `wide ${wide}`);
  assert.ok(narrow >= 0.0025 && narrow <= 0.04, `narrow ${narrow}`);
});

Deno.test("findReasonableStepSize refuses at once a point whose gradient is not finite", () => {
  // From such a point every leapfrog step is NaN: halving would reach ε = 0 after ~1,075
  // tries and blame the step size; the error names the point instead.
  const target = gaussianTarget([1, 1]);
  const state = {
    position: Float64Array.of(0.5, 0.5),
    logDensity: 1e259,
    gradient: Float64Array.of(Infinity, NaN),
  };
  const rng = new KeyedStream(3, 0, 0, Streams.stepSize);
  assert.throws(
    () => findReasonableStepSize(target, state, 1, unitMetric(2, "diag"), rng),
    (e: Error) =>
      e instanceof HetfxError && /gradient is not finite at the chain's/.test(e.message),
  );
  // A finite gradient still tunes (the unit Gaussian's ε lies in [0.25, 4], as above).
  const g = new Float64Array(2);
  const q = Float64Array.of(0.5, 0.5);
  const ok = { position: q, logDensity: target.logDensityGradient(q, g), gradient: g };
  const eps = findReasonableStepSize(target, ok, 1, unitMetric(2, "diag"), rng);
  assert.ok(eps >= 0.25 && eps <= 4, `${eps}`);
});
