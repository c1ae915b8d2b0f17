/**
 * Also covers: normal_equations.ts (gaussianNormalEquations: the collapsed marginal equals the
 * dense n × n Gaussian marginal and CompiledModel's joint density); sampled_coefficients.ts
 * (partial collapse: a sampled exponential-prior b, against CompiledModel and exact draws);
 * scale_mixture_priors.ts (student_t Intercept/b as normal scale mixtures, against
 * CompiledModel and finite differences).
 */
import assert from "node:assert/strict";
import { compileModel, type CompileOptions } from "../../lib/model/compile.ts";
import { CompiledModel } from "../../lib/model/compiled_model.ts";
import {
  collapsedGammaDim,
  CollapsedGaussian,
  collapsedIneligibility,
  logSigmaAt,
  mixtureBetaIndices,
  sampledBetaIndices,
} from "../../lib/model/collapsed_gaussian.ts";
import type { ModelSpec, PriorDistribution } from "../../lib/spec/model_spec.ts";
import type { CompiledData } from "../../lib/model/compiled_data.ts";
import { priorLogDensity } from "../../lib/model/prior_density.ts";
import { assembleTheta } from "../../lib/model/collapsed_draws.ts";
import { SD_KNEE_SETTINGS, sdKnee, sdKneeSlope } from "../../lib/model/sd_knee.ts";
import { CpuBackend } from "../../lib/sampler/cpu_backend.ts";
import { essBulk } from "../../lib/diagnostics/ess.ts";
import {
  assertGradientMatchesDifferences,
  COLLAPSIBLE,
  crossedSpec,
  seeded,
  simulatedTable,
  withSampledBPrior,
} from "./_fixtures.ts";
import type { Table } from "../../lib/data/table.ts";
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

/**
 * brms's default student_t Intercept, flat b's, and b_x with `xPrior` (the shared spec's
 * student_t by default).
 */
const defaultsSpec = (xPrior?: PriorDistribution): ModelSpec => {
  const spec = crossedSpec("gaussian");
  return {
    ...spec,
    priors: [
      ...spec.priors.filter((p) => p.class !== "Intercept" && !(p.class === "b" && !p.coef))
        .map((p) => p.class === "b" && xPrior ? { ...p, prior: xPrior } : p),
      { class: "Intercept", prior: { dist: "student_t", df: 3, mu: 0.5, sigma: 2.5 } },
    ],
  };
};
/** Partial collapse: b_x's exponential prior is neither normal nor a scale mixture: sampled. */
const partialData = (table: Table, options?: CompileOptions) =>
  withSampledBPrior(compileModel(defaultsSpec(), table, options));

/** The collapsed models: every β integrated out (normal, flat, scale mixtures), or some sampled. */
const compiled = (spec: () => ModelSpec) => (table: Table, options?: CompileOptions) =>
  compileModel(spec(), table, options);
const ALL: Record<string, (table: Table, options?: CompileOptions) => CompiledData> = {
  ...Object.fromEntries(Object.entries(COLLAPSIBLE).map(([name, spec]) => [name, compiled(spec)])),
  "crossed, student_t b_x": compiled(() => crossedSpec("gaussian")),
  "crossed, student_t Intercept and b_x, flat b": compiled(() => defaultsSpec()),
  "crossed, student_t Intercept, flat b, exponential b_x (sampled)": partialData,
};

Deno.test("collapsed: eligibility needs gaussian; non-normal, non-flat β are sampled", () => {
  const table = simulatedTable(80, "gaussian");
  assert.equal(collapsedIneligibility(compileModel(normalPriorSpec(), table)), null);
  assert.equal(collapsedIneligibility(compileModel(crossedSpec("gaussian"), table)), null);
  assert.deepEqual(sampledBetaIndices(compileModel(normalPriorSpec(), table)), []);
  // β = [Intercept, x, f…, treat, treat:g1…]: b_x is index 1.
  const shared = compileModel(crossedSpec("gaussian"), table);
  assert.deepEqual(sampledBetaIndices(shared), []);
  assert.deepEqual(mixtureBetaIndices(shared), [1]);
  const defaults = compileModel(defaultsSpec(), table);
  assert.deepEqual(mixtureBetaIndices(defaults), [0, 1]);
  // φ: g1 (3 log sds + 3 correlation reals), g2 (2 log sds), log σ, 2 latent precisions.
  assert.equal(new CollapsedGaussian(defaults).dim, 3 + 3 + 2 + 1 + 2);
  const partial = partialData(table);
  assert.deepEqual(mixtureBetaIndices(partial), [0]);
  assert.deepEqual(sampledBetaIndices(partial), [1]);
  assert.equal(new CollapsedGaussian(partial).dim, 3 + 3 + 2 + 1 + 1 + 1);
  const bern = simulatedTable(80, "bernoulli");
  assert.match(collapsedIneligibility(compileModel(crossedSpec("bernoulli"), bern)) ?? "", /bern/);
  const data = compileModel(normalPriorSpec(), table);
  // Intercept + 5 b + g1: 4 groups × 3 + g2: 3 groups × 2.
  assert.equal(collapsedGammaDim(data), 1 + 5 + 12 + 6);
  assert.equal(new CollapsedGaussian(data).dim, 3 + 3 + 2 + 1);
});

Deno.test("collapsed: σ's sampled coordinate has posterior curvature ≈ 1 at any n (log σ's is 2n)", () => {
  // log σ = shift + w/√(2n): at the conditional mode in w (other coordinates fixed) −∂²/∂w² is
  // 2·RSS_eff/σ² · 1/(2n) = (n − effective coefficients)/n, within 10% of 1 here (about 25
  // coefficients); log σ itself would have curvature 2n (800 and 8,000). The mode lies within a
  // few units of 0 because the shift is a ridge estimate of log σ.
  for (const n of [400, 4000]) {
    const target = new CollapsedGaussian(
      compileModel(defaultsSpec(), simulatedTable(n, "gaussian")),
    );
    assert.equal(target.layout.sigmaScale, 1 / Math.sqrt(2 * n));
    const at = target.layout.phiSigma;
    const phi = new Float64Array(target.dim);
    const g = new Float64Array(target.dim);
    const slope = (w: number) => {
      phi[at] = w;
      target.logDensityGradient(phi, g);
      return g[at];
    };
    const h = 1e-4;
    const curvature = (w: number) => (slope(w - h) - slope(w + h)) / (2 * h);
    let w = 0;
    for (let i = 0; i < 20; i++) w += slope(w) / curvature(w); // Newton on the conditional mode
    assert.ok(Math.abs(slope(w)) < 1e-6 && Math.abs(w) < 3, `n ${n}: mode w = ${w}`);
    const c = curvature(w);
    assert.ok(c > 0.9 && c < 1.1, `n ${n}: curvature ${c}`);
  }
});

for (const [name, spec] of Object.entries(ALL)) {
  Deno.test(`collapsed (${name}): analytic gradient matches central finite differences`, () => {
    const target = new CollapsedGaussian(spec(simulatedTable(300, "gaussian")));
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

/**
 * With student_t β written as β | λ ~ N(m, s²/λ), λ ~ Gamma(ν/2, ν/2) (u = log λ in φ), the
 * collapsed target is over (φ, u): it differs from the joint with the student_t prior by
 * Σ [log Gamma(u) + u (Jacobian) + log N(β; m, s²/λ) − log t(β)], constants aside.
 */
function mixtureGap(
  data: CompiledData,
  target: CollapsedGaussian,
  phi: Float64Array,
  gamma: Float64Array,
): number {
  const priors = [data.interceptPrior, ...data.bPriors];
  let gap = 0;
  (target.layout.mixtureBeta ?? []).forEach((i, k) => {
    const p = priors[i];
    if (p.dist !== "student_t") throw new Error("test: student_t priors only");
    const u = phi[target.layout.phiMixture! + k];
    const z = (gamma[i] - p.mu) / p.sigma;
    gap += (p.df / 2) * u - (p.df / 2) * Math.exp(u) + 0.5 * u - 0.5 * Math.exp(u) * z * z -
      priorLogDensity(p, gamma[i])[0];
  });
  return gap;
}

for (const [name, spec] of Object.entries(ALL)) {
  Deno.test(`collapsed (${name}): log p(y|φ) = log p(y, γ | φ) − log p(γ | y, φ) at any γ, against CompiledModel`, () => {
    // The centred CompiledModel's log density is log p(φ) + log p(y | γ, σ) + log p(γ | φ) up to a
    // constant, so collapsed(φ) − [model(φ, γ) − log N(γ; μ, P⁻¹)] must not depend on φ or γ.
    const table = simulatedTable(200, "gaussian");
    const data = spec(table, { parameterization: "centered" });
    // φ = log sd, the CompiledModel's coordinates (the knee: "sd knee" tests below).
    const target = new CollapsedGaussian(data, { sdCoordinate: "log" });
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
        gaps.push(
          collapsed - (joint - logConditional(target, gamma, mean)) -
            mixtureGap(data, target, phi, gamma),
        );
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
    const target = new CollapsedGaussian(compileModel(spec, d.table), { sdCoordinate: "log" });
    for (const seed of [1, 2, 3]) {
      const phi = randomPhi(target.dim, seed); // [log sd0, log sd1, cor real, σ's coordinate]
      const Sigma = covarianceOf(phi[0], phi[1], phi[2]);
      // Population columns (centred x with an intercept) and their prior.
      const W = intercept ? [(_: number) => 1, (i: number) => x[i] - xbar] : [(i: number) => x[i]];
      const m0 = intercept ? [0.5, -0.3] : [-0.3];
      const s0 = intercept ? [2, 1.5] : [1.5];
      const m = Float64Array.from(
        { length: n },
        (_, i) => W.reduce((a, w, p) => a + w(i) * m0[p], 0),
      );
      const V = levelCovariance(d, Sigma, Math.exp(logSigmaAt(target.layout, phi)));
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
    partialData(simulatedTable(150, "gaussian")),
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
  assert.equal(sampled.length, 1);
  const s0 = sampled[0];
  const variance = Float64Array.from({ length: N }, (_, a) => S[a][a] - S[a][s0] ** 2 / S[s0][s0]);
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

/** φ with each knee-coordinate sd mapped to log sd (lib/model/sd_knee.ts). */
function kneeToLogSd(target: CollapsedGaussian, point: Float64Array): Float64Array {
  const out = Float64Array.from(point);
  for (const lay of target.layout.terms) {
    for (let k = 0; k < lay.K; k++) {
      const knee = lay.sdKnee?.[k];
      if (knee !== undefined && !Number.isNaN(knee)) {
        out[lay.phiSd + k] = sdKnee(point[lay.phiSd + k], knee);
      }
    }
  }
  return out;
}

/** The default knee, and bench/knee_grid.ts's best: a hinge (slope ≤ 5), knees lower. */
const KNEE_SETTINGS = [
  { shape: "gauss", bend: 1, level: 0 },
  { shape: "hinge", bend: 4, level: 1.5 },
] as const;

for (const setting of KNEE_SETTINGS) {
  Deno.test(`collapsed sd knee (${setting.shape} ${setting.bend}, level ${setting.level}): log p(v) = log p_log-sd(κ(v)) + Σ log κ′(v), gradient by finite differences`, () => {
    const saved = { ...SD_KNEE_SETTINGS };
    Object.assign(SD_KNEE_SETTINGS, setting);
    try {
      kneeIdentityAndGradient();
    } finally {
      Object.assign(SD_KNEE_SETTINGS, saved);
    }
  });
}

function kneeIdentityAndGradient() {
  const data = compileModel(COLLAPSIBLE.crossed(), simulatedTable(200, "gaussian"));
  const knee = new CollapsedGaussian(data);
  const plain = new CollapsedGaussian(data, { sdCoordinate: "log" });
  assert.ok(knee.layout.terms.every((t) => t.sdKnee?.every(Number.isFinite)));
  assert.equal(plain.layout.terms[0].sdKnee, undefined);
  const g = new Float64Array(knee.dim);
  for (const seed of [1, 2, 3]) {
    const v = randomPhi(knee.dim, seed).map((x) => 2 * x - 1);
    const got = knee.logDensityGradient(v, g);
    let jacobian = 0;
    for (const lay of knee.layout.terms) {
      for (let k = 0; k < lay.K; k++) {
        sdKnee(v[lay.phiSd + k], lay.sdKnee![k]);
        jacobian += Math.log(sdKneeSlope[0]);
      }
    }
    const expected = plain.logDensityGradient(kneeToLogSd(knee, v), new Float64Array(plain.dim)) +
      jacobian;
    assert.ok(Math.abs(got - expected) < 1e-9 * Math.abs(expected), `${got} vs ${expected}`);
    // Central differences, h = 1e-5: truncation ~1e-10·|f‴|, rounding ~1e-16·|f|/h ≈ 1e-9.
    for (let i = 0; i < knee.dim; i++) {
      const up = Float64Array.from(v);
      const down = Float64Array.from(v);
      up[i] += 1e-5;
      down[i] -= 1e-5;
      const scratch = new Float64Array(knee.dim);
      const fd = (knee.logDensityGradient(up, scratch) - knee.logDensityGradient(down, scratch)) /
        2e-5;
      assert.ok(
        Math.abs(fd - g[i]) < 1e-5 * Math.max(1, Math.abs(g[i])),
        `∂/∂v[${i}]: ${g[i]} vs ${fd}`,
      );
    }
  }
}

for (const setting of KNEE_SETTINGS) {
  Deno.test(`collapsed sd knee (${setting.shape} ${setting.bend}, level ${setting.level}): NUTS on v gives the log-sd target's posterior within Monte Carlo error`, async () => {
    const saved = { ...SD_KNEE_SETTINGS };
    Object.assign(SD_KNEE_SETTINGS, setting);
    try {
      await kneePosteriorAgrees();
    } finally {
      Object.assign(SD_KNEE_SETTINGS, saved);
    }
  });
}

async function kneePosteriorAgrees() {
  // The same model sampled in both coordinates (seed 5, 4 × (500 + 1000)); every sampled
  // quantity (log sd, correlation reals, log σ) must agree in mean within 4.5 Monte Carlo
  // standard errors √(sd₁²/ESS₁ + sd₂²/ESS₂) (a false alarm ≈ 1e-5 per quantity).
  const data = compileModel(COLLAPSIBLE.crossed(), simulatedTable(200, "gaussian"));
  const settings = {
    chains: 4,
    warmup: 500,
    draws: 1000,
    seed: 5,
    adaptDelta: 0.9,
    maxTreedepth: 10,
    metric: "diag" as const,
    warmupStart: "laplace" as const,
  };
  const summarise = async (target: CollapsedGaussian) => {
    const chains = await new CpuBackend().sample(target, settings);
    const dim = target.dim;
    const columns = Array.from({ length: dim }, () => chains.map(() => new Float64Array(1000)));
    chains.forEach((c, ci) => {
      for (let d = 0; d < 1000; d++) {
        const point = kneeToLogSd(target, c.theta.subarray(d * dim, (d + 1) * dim));
        for (let i = 0; i < dim; i++) columns[i][ci][d] = point[i];
      }
    });
    return columns.map((col) => {
      const all = col.flatMap((c) => Array.from(c));
      const mean = all.reduce((a, b) => a + b, 0) / all.length;
      const sd = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / (all.length - 1));
      return { mean, se: sd / Math.sqrt(essBulk(col)) };
    });
  };
  const knee = await summarise(new CollapsedGaussian(data));
  const plain = await summarise(new CollapsedGaussian(data, { sdCoordinate: "log" }));
  knee.forEach((a, i) => {
    const b = plain[i];
    const z = Math.abs(a.mean - b.mean) / Math.sqrt(a.se ** 2 + b.se ** 2);
    assert.ok(z < 4.5, `φ[${i}]: ${a.mean} ± ${a.se} vs ${b.mean} ± ${b.se}`);
  });
}
