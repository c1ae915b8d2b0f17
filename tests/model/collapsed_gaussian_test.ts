/**
 * Also covers: normal_equations.ts (gaussianNormalEquations: the collapsed marginal equals the
 * dense n × n Gaussian marginal and CompiledModel's joint density); sampled_coefficients.ts
 * (partial collapse: sampled student_t Intercept/b, against CompiledModel and exact draws).
 */
import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { CompiledModel } from "../../lib/model/compiled_model.ts";
import {
  collapsedGammaDim,
  CollapsedGaussian,
  collapsedIneligibility,
  sampledBetaIndices,
} from "../../lib/model/collapsed_gaussian.ts";
import type { ModelSpec } from "../../lib/spec/model_spec.ts";
import { assembleTheta } from "../../lib/model/collapsed_draws.ts";
import {
  assertGradientMatchesDifferences,
  COLLAPSIBLE,
  crossedSpec,
  seeded,
  simulatedTable,
  withNormalPriors,
} from "./_fixtures.ts";
import {
  covarianceOf,
  levelCovariance,
  logNormalDense,
  varyingSlopeData,
  varyingSlopeSpec,
} from "./_varying_slope.ts";

/** The shared crossed spec (K = 3 correlated term, K = 2 uncorrelated term) with normal b priors. */
const normalPriorSpec = () => withNormalPriors(crossedSpec("gaussian"));

function randomPhi(dim: number, seed: number): Float64Array {
  const u = seeded(seed);
  return Float64Array.from({ length: dim }, () => (u() - 0.5) * 2);
}

/** Partial collapse: brms's default student_t Intercept, flat b's but a student_t b_x. */
const partialSpec = (): ModelSpec => {
  const spec = crossedSpec("gaussian");
  return {
    ...spec,
    priors: [
      ...spec.priors.filter((p) => p.class !== "Intercept" && !(p.class === "b" && !p.coef)),
      { class: "Intercept", prior: { dist: "student_t", df: 3, mu: 0.5, sigma: 2.5 } },
    ],
  };
};

/** The collapsed specs with every β integrated out, and with some sampled. */
const ALL: Record<string, () => ModelSpec> = {
  ...COLLAPSIBLE,
  "crossed, student_t b_x": () => crossedSpec("gaussian"),
  "crossed, student_t Intercept and b_x, flat b": partialSpec,
};

Deno.test("collapsed: eligibility needs gaussian; non-normal, non-flat β are sampled", () => {
  const table = simulatedTable(80, "gaussian");
  assert.equal(collapsedIneligibility(compileModel(normalPriorSpec(), table)), null);
  assert.equal(collapsedIneligibility(compileModel(crossedSpec("gaussian"), table)), null);
  assert.deepEqual(sampledBetaIndices(compileModel(normalPriorSpec(), table)), []);
  // β = [Intercept, x, f…, treat, treat:g1…]: b_x is index 1.
  assert.deepEqual(sampledBetaIndices(compileModel(crossedSpec("gaussian"), table)), [1]);
  assert.deepEqual(sampledBetaIndices(compileModel(partialSpec(), table)), [0, 1]);
  assert.equal(new CollapsedGaussian(compileModel(partialSpec(), table)).dim, 3 + 3 + 2 + 1 + 2);
  const bern = simulatedTable(80, "bernoulli");
  assert.match(collapsedIneligibility(compileModel(crossedSpec("bernoulli"), bern)) ?? "", /bern/);
  const data = compileModel(normalPriorSpec(), table);
  // Intercept + 5 b + g1: 4 groups × 3 + g2: 3 groups × 2.
  assert.equal(collapsedGammaDim(data), 1 + 5 + 12 + 6);
  assert.equal(new CollapsedGaussian(data).dim, 3 + 3 + 2 + 1);
});

for (const [name, spec] of Object.entries(ALL)) {
  Deno.test(`collapsed (${name}): analytic gradient matches central finite differences`, () => {
    const target = new CollapsedGaussian(compileModel(spec(), simulatedTable(300, "gaussian")));
    for (const seed of [1, 2, 3, 4]) {
      assertGradientMatchesDifferences(target, randomPhi(target.dim, seed), `φ (seed ${seed})`);
    }
  });
}

/**
 * log N(γ'; μ̃', P''⁻¹), the density of the integrated-out coefficients γ' given the point, P
 * factored at the last φ: P'' (P without the sampled rows) has log|P''| = log|P| + log|S_ss|
 * (S = P⁻¹), and (γ − μ̃)ᵀP(γ − μ̃) = (γ' − μ̃')ᵀP''(γ' − μ̃') since γ_s = μ̃_s.
 */
function logConditional(target: CollapsedGaussian, gamma: Float64Array, mean: Float64Array) {
  const N = gamma.length;
  const sampled = target.layout.sampledBeta ?? [];
  const deviation = Float64Array.from(gamma, (g, i) => g - mean[i]);
  const Sss = sampled.map((a) => {
    const e = new Float64Array(N);
    e[a] = 1;
    target.precision.solve(e);
    return sampled.map((b) => e[b]);
  });
  const logDetSss = Sss.length === 0
    ? 0
    : Sss.length === 1
    ? Math.log(Sss[0][0])
    : Math.log(Sss[0][0] * Sss[1][1] - Sss[0][1] * Sss[1][0]);
  return 0.5 * (target.precision.logDeterminant() + logDetSss) -
    0.5 * target.precision.quadraticForm(deviation) -
    0.5 * (N - sampled.length) * Math.log(2 * Math.PI);
}

for (const [name, spec] of Object.entries(ALL)) {
  Deno.test(`collapsed (${name}): log p(y|φ) = log p(y, γ | φ) − log p(γ | y, φ) at any γ, against CompiledModel`, () => {
    // The centred CompiledModel's log density is log p(φ) + log p(y | γ, σ) + log p(γ | φ) up to a
    // constant, so collapsed(φ) − [model(φ, γ) − log N(γ; μ, P⁻¹)] must not depend on φ or γ.
    const table = simulatedTable(200, "gaussian");
    const data = compileModel(spec(), table, { parameterization: "centered" });
    const target = new CollapsedGaussian(data);
    const model = new CompiledModel(data);
    const N = target.gammaDim;
    const mean = new Float64Array(N);
    const theta = new Float64Array(data.dim);
    const scratch = new Float64Array(Math.max(data.dim, target.dim));
    const gaps: number[] = [];
    for (const seed of [11, 12, 13]) {
      const phi = randomPhi(target.dim, seed);
      const collapsed = target.logDensityGradient(phi, new Float64Array(target.dim));
      assert.ok(target.conditional(phi, mean));
      for (const gSeed of [1, 2]) {
        const u = seeded(100 * seed + gSeed);
        const gamma = Float64Array.from(mean, (m) => m + (u() - 0.5));
        for (const a of target.layout.sampledBeta ?? []) gamma[a] = mean[a]; // = the sampled β
        assembleTheta(target, phi, gamma, theta);
        const joint = model.logDensityGradient(theta, scratch.subarray(0, data.dim));
        gaps.push(collapsed - (joint - logConditional(target, gamma, mean)));
      }
    }
    for (const g of gaps) assert.ok(Math.abs(g - gaps[0]) < 1e-7, `gaps ${gaps.join(", ")}`);
  });
}

Deno.test("collapsed: marginal likelihood equals the dense n × n Gaussian marginal", () => {
  // y = Wβ + Z r + ε with β ~ N(m0, diag s²), r_j ~ N(0, Σ), ε ~ N(0, σ²): y ~ N(W m0, V),
  // V = σ² I + W diag(s²) Wᵀ + Σ_j Z_j Σ Z_jᵀ.
  const d = varyingSlopeData();
  const { n, x, xbar } = d;
  for (const intercept of [true, false]) {
    const spec = varyingSlopeSpec(intercept, [
      ...(intercept
        ? [{ class: "Intercept" as const, prior: { dist: "normal" as const, mu: 0.5, sigma: 2 } }]
        : []),
      { class: "b", prior: { dist: "normal", mu: -0.3, sigma: 1.5 } },
      { class: "sd", prior: { dist: "normal", mu: 0, sigma: 1 } },
      { class: "sigma", prior: { dist: "normal", mu: 0, sigma: 1 } },
      { class: "cor", prior: { dist: "lkj", eta: 2 } },
    ]);
    const target = new CollapsedGaussian(compileModel(spec, d.table));
    for (const seed of [1, 2, 3]) {
      const phi = randomPhi(target.dim, seed); // [log sd0, log sd1, cor real, log σ]
      const Sigma = covarianceOf(phi[0], phi[1], phi[2]);
      // Population columns (centred x with an intercept) and their prior.
      const W = intercept ? [(_: number) => 1, (i: number) => x[i] - xbar] : [(i: number) => x[i]];
      const m0 = intercept ? [0.5, -0.3] : [-0.3];
      const s0 = intercept ? [2, 1.5] : [1.5];
      const m = Float64Array.from(
        { length: n },
        (_, i) => W.reduce((a, w, p) => a + w(i) * m0[p], 0),
      );
      const V = levelCovariance(d, Sigma, Math.exp(phi[3]));
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < n; k++) W.forEach((w, p) => (V[i * n + k] += w(i) * w(k) * s0[p] ** 2));
      }
      const expected = logNormalDense(d.y, m, V);
      const got = target.logMarginalLikelihood(phi);
      assert.ok(
        Math.abs(got - expected) < 1e-9 * Math.max(1, Math.abs(expected)),
        `intercept ${intercept}, seed ${seed}: ${got} vs ${expected}`,
      );
    }
  }
});

Deno.test("collapsed (partial): draws of γ given the sampled β have mean μ̃ and variances diag S̃", () => {
  const target = new CollapsedGaussian(
    compileModel(partialSpec(), simulatedTable(150, "gaussian")),
  );
  const phi = randomPhi(target.dim, 5);
  const N = target.gammaDim;
  const mean = new Float64Array(N);
  assert.ok(target.conditional(phi, mean));
  const sampled = target.layout.sampledBeta ?? [];
  // The sampled β are held exactly at their values in the point.
  sampled.forEach((a, i) => assert.equal(mean[a], phi[target.layout.phiBeta! + i]));
  // S̃ = S − C S_ss⁻¹ Cᵀ densely from columns of S = P⁻¹ (solves with the factored P).
  const S = Array.from({ length: N }, (_, a) => {
    const e = new Float64Array(N);
    e[a] = 1;
    target.precision.solve(e);
    return e;
  });
  const [s0, s1] = sampled;
  const det = S[s0][s0] * S[s1][s1] - S[s0][s1] ** 2;
  const inv = [[S[s1][s1] / det, -S[s0][s1] / det], [-S[s0][s1] / det, S[s0][s0] / det]];
  const variance = Float64Array.from({ length: N }, (_, a) => {
    const c = [S[a][s0], S[a][s1]];
    return S[a][a] - (c[0] * (inv[0][0] * c[0] + inv[0][1] * c[1]) +
      c[1] * (inv[1][0] * c[0] + inv[1][1] * c[1]));
  });
  const n = 4000;
  const sum = new Float64Array(N);
  const sumSq = new Float64Array(N);
  const u = seeded(17);
  const noise = new Float64Array(N);
  const gamma = new Float64Array(N);
  for (let draw = 0; draw < n; draw++) {
    for (let a = 0; a < N; a++) {
      // Box–Muller from the seeded uniforms.
      noise[a] = Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
    }
    assert.ok(target.drawCoefficients(phi, noise, gamma));
    for (let a = 0; a < N; a++) {
      sum[a] += gamma[a] - mean[a];
      sumSq[a] += (gamma[a] - mean[a]) ** 2;
    }
  }
  for (let a = 0; a < N; a++) {
    if (sampled.includes(a)) {
      assert.ok(Math.abs(variance[a]) < 1e-9 && sumSq[a] < 1e-12, `sampled ${a} must not move`);
      continue;
    }
    // Mean within 4.5 standard errors √(v/n); variance within 4.5 of its se v√(2/n) (normal
    // draws); 4.5 keeps the family-wise false-alarm rate over ~30 checks below 1e-4.
    const v = variance[a];
    assert.ok(Math.abs(sum[a] / n) < 4.5 * Math.sqrt(v / n), `mean of γ_${a}`);
    assert.ok(Math.abs(sumSq[a] / n - v) < 4.5 * v * Math.sqrt(2 / n), `variance of γ_${a}`);
  }
});
