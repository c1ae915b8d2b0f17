/**
 * Also covers: normal_equations.ts (gaussianNormalEquations: the collapsed marginal equals the
 * dense n × n Gaussian marginal and CompiledModel's joint density).
 */
import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { CompiledModel } from "../../lib/model/compiled_model.ts";
import {
  collapsedGammaDim,
  CollapsedGaussian,
  collapsedIneligibility,
} from "../../lib/model/collapsed_gaussian.ts";
import { assembleTheta } from "../../lib/model/collapsed_draws.ts";
import {
  assertGradientMatchesDifferences,
  COLLAPSIBLE,
  crossedSpec,
  seeded,
  simulatedTable,
} from "./_fixtures.ts";
import {
  covarianceOf,
  levelCovariance,
  logNormalDense,
  varyingSlopeData,
  varyingSlopeSpec,
} from "./_varying_slope.ts";

/** The shared crossed spec (K = 3 correlated term, K = 2 uncorrelated term) with normal b priors. */
const normalPriorSpec = COLLAPSIBLE.crossed;

function randomPhi(dim: number, seed: number): Float64Array {
  const u = seeded(seed);
  return Float64Array.from({ length: dim }, () => (u() - 0.5) * 2);
}

Deno.test("collapsed: eligibility needs gaussian and normal Intercept/b priors", () => {
  const table = simulatedTable(80, "gaussian");
  assert.equal(collapsedIneligibility(compileModel(normalPriorSpec(), table)), null);
  assert.match(
    collapsedIneligibility(compileModel(crossedSpec("gaussian"), table)) ?? "",
    /b_x is student_t/,
  );
  const bern = simulatedTable(80, "bernoulli");
  assert.match(collapsedIneligibility(compileModel(crossedSpec("bernoulli"), bern)) ?? "", /bern/);
  const data = compileModel(normalPriorSpec(), table);
  // Intercept + 5 b + g1: 4 groups × 3 + g2: 3 groups × 2.
  assert.equal(collapsedGammaDim(data), 1 + 5 + 12 + 6);
  assert.equal(new CollapsedGaussian(data).dim, 3 + 3 + 2 + 1);
});

for (const [name, spec] of Object.entries(COLLAPSIBLE)) {
  Deno.test(`collapsed (${name}): analytic gradient matches central finite differences`, () => {
    const target = new CollapsedGaussian(compileModel(spec(), simulatedTable(300, "gaussian")));
    for (const seed of [1, 2, 3, 4]) {
      assertGradientMatchesDifferences(target, randomPhi(target.dim, seed), `φ (seed ${seed})`);
    }
  });
}

/** log N(γ; μ, P⁻¹) = ½ log|P| − ½ (γ − μ)ᵀP(γ − μ) − N/2 log 2π, P factored at the last φ. */
function logConditional(target: CollapsedGaussian, gamma: Float64Array, mean: Float64Array) {
  const N = gamma.length;
  const deviation = Float64Array.from(gamma, (g, i) => g - mean[i]);
  return 0.5 * target.precision.logDeterminant() -
    0.5 * target.precision.quadraticForm(deviation) - 0.5 * N * Math.log(2 * Math.PI);
}

for (const [name, spec] of Object.entries(COLLAPSIBLE)) {
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
