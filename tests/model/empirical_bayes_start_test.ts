import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { CompiledModel } from "../../lib/model/compiled_model.ts";
import { empiricalBayesStart, marginalTau2 } from "../../lib/model/empirical_bayes_start.ts";
import { withSdScales } from "../../lib/model/signed_scales.ts";
import { applyParameterization } from "../../lib/model/auto_parameterization.ts";
import { climbToMode, laplaceStart } from "../../lib/sampler/laplace_metric.ts";
import { findInitialPoint } from "../../lib/sampler/chain_runner.ts";
import { KeyedStream, Streams } from "../../lib/math/rng.ts";
import type { ModelSpec } from "../../lib/spec/model_spec.ts";
import { numericTable, seeded, treatSlopeSpec } from "./_fixtures.ts";

Deno.test("marginalTau2: equal variances give mean(r̂²) − v; all-noise estimates give 0", () => {
  const estimate = Float64Array.of(0.9, -1.3, 0.4, 1.8, -0.7, 0.2);
  const v = 0.3;
  const variance = new Float64Array(estimate.length).fill(v);
  const { tau2, weightSum } = marginalTau2(estimate, variance);
  const meanSquare = estimate.reduce((s, r) => s + r * r, 0) / estimate.length;
  assert.ok(Math.abs(tau2 - (meanSquare - v)) < 1e-12, `${tau2}`);
  assert.ok(Math.abs(weightSum - estimate.length / (v + tau2) ** 2) < 1e-9);
  const tiny = Float64Array.of(0.1, -0.1, 0.05);
  assert.equal(marginalTau2(tiny, new Float64Array(3).fill(1)).tau2, 0);
  // Levels with infinite variance carry no weight.
  assert.equal(marginalTau2(Float64Array.of(5), Float64Array.of(Infinity)).weightSum, 0);
});

/**
 * y ~ 1 + x + treat + (1 + treat | g): Bernoulli, J groups of n rows, true sds `sds`,
 * correlation 0; returns the data and the sample variances of the true effects.
 */
function simulated(J: number, n: number, seed: number, sds = [0.6, 0.3]) {
  const u = seeded(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const a = Array.from({ length: J }, () => sds[0] * normal());
  const b = Array.from({ length: J }, () => sds[1] * normal());
  const rows = J * n;
  const cols = {
    y: new Float64Array(rows),
    x: new Float64Array(rows),
    treat: new Float64Array(rows),
  };
  const g = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const j = i % J;
    g[i] = j;
    cols.x[i] = 2 * u() - 1;
    cols.treat[i] = u() < 0.5 ? 1 : 0;
    const eta = -0.2 + 0.5 * cols.x[i] + a[j] + cols.treat[i] * (0.4 + b[j]);
    cols.y[i] = u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
  }
  const table = numericTable({ ...cols, g });
  const spec = treatSlopeSpec(["x", "treat"], 2);

  const variance = (v: number[]) => {
    const m = v.reduce((s, x) => s + x, 0) / v.length;
    return v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length;
  };
  return { data: compileModel(spec, table), trueVar: [variance(a), variance(b)], effects: [a, b] };
}

for (const scale of ["signed", "log"] as const) {
  Deno.test(`empirical-Bayes start (${scale} sds): recovers the simulated sds; metric in (0, 1]`, () => {
    // 300 groups × 80 rows. v_j ≈ 1/(80 · 0.24) ≈ 0.05 (intercept), ≈ 0.1 (slope), so
    // se(τ²) = √(2 / Σ (v + τ²)⁻²) ≈ 0.03 (intercept, τ² ≈ 0.36) and ≈ 0.015 (slope, τ² ≈ 0.09),
    // against the realised effects' variances. The Newton step from the climbed point is a
    // Laplace approximation of each level's likelihood (slightly biased for 80 Bernoulli rows),
    // so the check allows 4 se plus 10% of τ².
    const { data: raw, trueVar, effects } = simulated(300, 80, 3);
    const data = withSdScales(raw, scale);
    const model = new CompiledModel(data);
    const term = data.terms[0];
    const start = Float64Array.from({ length: data.dim }, (_, i) => (i % 7) * 0.1 - 0.3);
    // The production path: the climb holds this term (effects at 0) and fits the coefficients.
    const climbed = climbToMode(model, model.climbStart(start), model.climbFixed());
    const refined = empiricalBayesStart(model, data, climbed);
    assert.ok(refined !== null);
    // The starting effects τ z_jk are the shrunken level estimates: they track the simulated
    // effects with correlation √(τ²/(τ² + v)) in expectation — v ≈ 1/(80 · 0.24) ≈ 0.05 for the
    // intercept (≈ 0.93) and ≈ 2/(40 · 0.24) ≈ 0.2 for the slope (≈ 0.55); 300 levels give each
    // sample correlation an SE of ≈ 0.02 and ≈ 0.04.
    for (const [k, least] of [[0, 0.85], [1, 0.35]]) {
      const v = refined.position[term.logSdOffset + k];
      const tau = scale === "signed" ? v : Math.exp(v);
      const start = Array.from(
        { length: 300 },
        (_, j) => tau * refined.position[term.zOffset + j * 2 + k],
      );
      const rho = correlation(start, effects[k]);
      assert.ok(rho > least, `coefficient ${k}: starting effects correlate ${rho} with the truth`);
    }
    const se = [0.03, 0.015];
    for (let k = 0; k < 2; k++) {
      const v = refined.position[term.logSdOffset + k];
      const tau = scale === "signed" ? v : Math.exp(v);
      assert.ok(tau > 0);
      assert.ok(
        Math.abs(tau * tau - trueVar[k]) < 4 * se[k] + 0.1 * trueVar[k],
        `sd ${k}: τ² ${tau * tau} against the effects' variance ${trueVar[k]}`,
      );
      const m = refined.inverseMetric[term.logSdOffset + k];
      assert.ok(m > 0 && m <= 1, `sd metric ${m}`);
    }
    assert.equal(refined.position[term.corOffset], 0);
    assert.ok(Number.isNaN(refined.inverseMetric[term.corOffset]), "correlation left to the start");
    assert.ok(Number.isNaN(refined.inverseMetric[0]), "coefficients left to the start");
    for (let i = term.zOffset; i < term.zOffset + 600; i++) {
      const m = refined.inverseMetric[i];
      assert.ok(m > 0 && m <= 1, `z metric [${i}] ${m}`);
      assert.ok(Number.isFinite(refined.position[i]));
    }
  });
}

Deno.test("empirical-Bayes start: an sd with no variation starts near its posterior, not at 0", () => {
  // True sds 0: τ̂² ≈ 0, so the start takes τ = (2 / Σ w)^¼ with w ≈ v⁻², v ≈ 0.05 (intercept)
  // and ≈ 0.1 (slope) over 300 levels: τ ≈ 0.06 and ≈ 0.09, where a posterior for an sd of 0
  // from these data has its mass (not at 0, where log sd would start at −∞).
  const { data } = simulated(300, 80, 4, [0, 0]);
  const model = new CompiledModel(withSdScales(data, "signed"));
  const climbed = climbToMode(model, model.climbStart(new Float64Array(data.dim)));
  const refined = empiricalBayesStart(model, model.data, climbed)!;
  const term = data.terms[0];
  for (let k = 0; k < 2; k++) {
    const tau = refined.position[term.logSdOffset + k];
    assert.ok(tau > 0.03 && tau < 0.2, `sd ${k} starts at ${tau}`);
  }
});

Deno.test("empirical-Bayes start: terms it cannot move are left to the climb", () => {
  const { data } = simulated(50, 20, 5);
  const centred = applyParameterization(data, "centered");
  const model = new CompiledModel(centred);
  const mode = climbToMode(model, model.climbStart(new Float64Array(centred.dim)));
  assert.equal(empiricalBayesStart(model, centred, mode), null);
});

Deno.test("climbFixed marks the covered terms' sds, correlations and effects; the rest climbs", () => {
  const { data } = simulated(40, 10, 6);
  const model = new CompiledModel(withSdScales(data, "signed"));
  const fixed = model.climbFixed()!;
  const term = data.terms[0];
  const held = fixed.reduce((s, v) => s + v, 0);
  assert.equal(held, 2 + 1 + 40 * 2);
  assert.equal(fixed[term.logSdOffset], 1);
  assert.equal(fixed[term.corOffset], 1);
  assert.equal(fixed[term.zOffset + 79], 1);
  assert.equal(fixed[0], 0, "the intercept climbs");
  const centred = new CompiledModel(applyParameterization(data, "centered"));
  assert.equal(centred.climbFixed(), undefined);
});

Deno.test("empirical-Bayes start, nested terms: backfitting keeps the inner term from absorbing the outer one", () => {
  // y ~ x + (1 | a) + (1 + x | a:b), Bernoulli: 40 × 4 cells of 30 rows, true sds 1.0 (a) and 0.3
  // (a:b intercept). Each term estimated alone (the other's effects at 0) gave the inner sd
  // ≈ 0.9, the outer one's variation; with two sweeps it starts near 0.2 (Laplace shrinkage).
  const u = seeded(7);
  const normalDraw = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const A = 40, B = 4, n = 30, N = A * B * n;
  const ra = Array.from({ length: A }, () => normalDraw());
  const rab = Array.from({ length: A * B }, () => 0.3 * normalDraw());
  const y = new Float64Array(N), x = new Float64Array(N);
  const a = new Float64Array(N), ab = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const cell = i % (A * B);
    a[i] = Math.floor(cell / B);
    ab[i] = cell;
    x[i] = 2 * u() - 1;
    const eta = 0.5 * x[i] + ra[a[i]] + rab[cell];
    y[i] = u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
  }
  const table = numericTable({ y, x, a, ab });
  const spec: ModelSpec = {
    hetfx: 1,
    outcome: "y",
    family: "bernoulli",
    intercept: true,
    treatment: "x",
    terms: ["x"],
    groupTerms: [
      { group: "a", factors: ["a"], intercept: true, slopes: [], correlated: false },
      { group: "ab", factors: ["ab"], intercept: true, slopes: ["x"], correlated: false },
    ],
    priors: [{ class: "b", prior: { dist: "normal", mu: 0, sigma: 2 } }],
  };
  const data = withSdScales(compileModel(spec, table), "signed");
  const model = new CompiledModel(data);
  const climbed = climbToMode(
    model,
    model.climbStart(new Float64Array(data.dim)),
    model.climbFixed(),
  );
  const refined = empiricalBayesStart(model, data, climbed)!;
  const outer = refined.position[data.terms[0].logSdOffset];
  const inner = refined.position[data.terms[1].logSdOffset];
  assert.ok(outer > 0.6 && outer < 1.4, `outer sd starts at ${outer}`);
  assert.ok(inner < 0.5, `inner sd starts at ${inner}`);
});

Deno.test("Laplace start of a non-centred model takes its sd metric and point from the empirical-Bayes start", () => {
  const { data: raw } = simulated(100, 20, 8);
  const data = withSdScales(raw, "signed");
  const model = new CompiledModel(data);
  const initial = findInitialPoint(model, 1, 0);
  const refined = model.refineStart(
    climbToMode(model, model.climbStart(initial.position), model.climbFixed()),
  )!;
  const { state, inverseMetric } = laplaceStart(
    model,
    initial,
    new KeyedStream(1, 0, 0, Streams.init),
  );
  const term = data.terms[0];
  for (const i of [term.logSdOffset, term.logSdOffset + 1, term.zOffset, term.zOffset + 199]) {
    assert.equal(inverseMetric[i], refined.inverseMetric[i], `inverse metric [${i}]`);
    // The start is a draw mode + √inverse · ξ around the refined point.
    const spread = Math.abs(state.position[i] - refined.position[i]) / Math.sqrt(inverseMetric[i]);
    assert.ok(spread < 5, `coordinate ${i}: ${spread} standard deviations from the refined point`);
  }
  // The coefficients' metric came from finite differences (not 1, the unit default).
  assert.ok(inverseMetric[0] < 1 && inverseMetric[0] > 0);
});

function correlation(p: number[], q: number[]): number {
  const n = p.length;
  const mp = p.reduce((s, v) => s + v, 0) / n, mq = q.reduce((s, v) => s + v, 0) / n;
  let spq = 0, spp = 0, sqq = 0;
  for (let i = 0; i < n; i++) {
    spq += (p[i] - mp) * (q[i] - mq);
    spp += (p[i] - mp) ** 2;
    sqq += (q[i] - mq) ** 2;
  }
  return spq / Math.sqrt(spp * sqq);
}
