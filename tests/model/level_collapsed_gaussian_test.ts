/**
 * Also covers: level_covariance.ts, normal_equations.ts (oneTermNormalEquations), both checked
 * through the dense n × n Gaussian marginal and finite-difference gradients.
 */
import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { LevelCollapsedGaussian } from "../../lib/model/level_collapsed_gaussian.ts";
import { assembleTheta } from "../../lib/model/collapsed_draws.ts";
import type { ModelSpec } from "../../lib/spec/model_spec.ts";
import { makeTable, type Table } from "../../lib/data/table.ts";
import { formula } from "../../lib/spec/formula.ts";
import { halfNormal, normal } from "../../lib/spec/priors.ts";
import { loadTomzWeeks } from "../../lib/data/datasets/tomz_weeks.ts";
import { tomzWeeksModel } from "../../lib/spec/paper_models.ts";
import { prepareSbc, simulateData } from "../../lib/calibration/sbc_simulation.ts";
import { climbToMode } from "../../lib/sampler/laplace_metric.ts";
import { findInitialPoint } from "../../lib/sampler/chain_runner.ts";
import {
  assertGradientMatchesDifferences,
  crossedSpec,
  oneTermSpecs,
  seeded,
  simulatedTable,
  singleTermSpec,
} from "./_fixtures.ts";
import {
  covarianceOf,
  levelCovariance,
  logNormalDense,
  type VaryingSlopeData,
  varyingSlopeData,
  varyingSlopeSpec,
} from "./_varying_slope.ts";

function randomPoint(dim: number, seed: number): Float64Array {
  const u = seeded(seed);
  return Float64Array.from({ length: dim }, () => (u() - 0.5) * 2);
}

Deno.test("level-collapsed: needs a gaussian family and one grouping term, any priors", () => {
  const table = simulatedTable(80, "gaussian");
  // singleTermSpec has a student-t prior on b_x: fine, β is sampled.
  assert.ok(new LevelCollapsedGaussian(compileModel(singleTermSpec("gaussian"), table)));
  assert.throws(
    () => new LevelCollapsedGaussian(compileModel(crossedSpec("gaussian"), table)),
    /2 grouping terms, not one/,
  );
  const bern = simulatedTable(80, "bernoulli");
  assert.throws(
    () => new LevelCollapsedGaussian(compileModel(singleTermSpec("bernoulli"), bern)),
    /bernoulli, not gaussian/,
  );
});

/** singleTermSpec with an exponential prior on the treat slope's sd: one log sd, one signed. */
function mixedScaleSpec(): ModelSpec {
  const base = singleTermSpec("gaussian");
  return {
    ...base,
    priors: [...base.priors, {
      class: "sd",
      group: "g1",
      coef: "treat",
      prior: { dist: "exponential", rate: 2 },
    }],
  };
}

const SPECS = {
  ...oneTermSpecs(singleTermSpec("gaussian")),
  "K = 2, mixed sd scales": mixedScaleSpec(),
};

for (const [name, spec] of Object.entries(SPECS)) {
  for (const sdScale of ["signed", "log"] as const) {
    Deno.test(`level-collapsed (${name}, sd ${sdScale}): analytic gradient matches central finite differences`, () => {
      const data = compileModel(spec, simulatedTable(300, "gaussian"));
      const target = new LevelCollapsedGaussian(data, { sdScale });
      const signed = target.layout.terms[0].signedSd!;
      // The half-normal sd prior suits a signed scale; the exponential one does not.
      assert.deepEqual(
        signed,
        data.terms[0].sdPriors.map((p) => sdScale === "signed" && p.dist === "normal"),
      );
      for (const seed of [1, 2, 3]) {
        assertGradientMatchesDifferences(target, randomPoint(target.dim, seed), `x (seed ${seed})`);
      }
    });
  }
}

Deno.test("level-collapsed: a signed scale u is log sd = log|u| without its Jacobian; reflecting u_k and the correlations of k changes nothing", () => {
  for (const [name, spec] of Object.entries(SPECS)) {
    const data = compileModel(spec, simulatedTable(300, "gaussian"));
    const signed = new LevelCollapsedGaussian(data, { sdScale: "signed" });
    const logged = new LevelCollapsedGaussian(data, { sdScale: "log" });
    const lay = signed.layout.terms[0];
    const K = lay.K;
    const g = new Float64Array(signed.dim);
    const fullRow = (target: LevelCollapsedGaussian, x: Float64Array) => {
      const gamma = new Float64Array(target.gammaDim);
      assert.ok(target.drawCoefficients(x, Float64Array.from(gamma, (_, i) => Math.sin(i)), gamma));
      return assembleTheta(target, x, gamma, new Float64Array(data.dim));
    };
    for (const seed of [1, 2, 3]) {
      const x = randomPoint(signed.dim, seed);
      // The same point in log coordinates: log|u| for signed sd's, reals flipped with sign(u).
      const y = Float64Array.from(x);
      const sign = Array.from(
        { length: K },
        (_, k) => lay.signedSd![k] ? Math.sign(x[lay.phiSd + k]) : 1,
      );
      let jacobian = 0;
      for (let k = 0; k < K; k++) {
        if (!lay.signedSd![k]) continue;
        y[lay.phiSd + k] = Math.log(Math.abs(x[lay.phiSd + k]));
        jacobian += y[lay.phiSd + k];
      }
      let p = lay.phiCor;
      for (let i = 1; i < K && p >= 0; i++) {
        for (let j = 0; j < i; j++, p++) y[p] *= sign[i] * sign[j];
      }
      const lpSigned = signed.logDensityGradient(x, g);
      const lpLog = logged.logDensityGradient(y, g);
      assert.ok(
        Math.abs(lpSigned + jacobian - lpLog) < 1e-9 * Math.max(1, Math.abs(lpLog)),
        `${name}, seed ${seed}: ${lpSigned} + ${jacobian} vs ${lpLog}`,
      );
      // Full draws in the model's layout agree (same noise).
      assert.deepEqual(
        Array.from(fullRow(signed, x), (v) => v.toFixed(9)),
        Array.from(fullRow(logged, y), (v) => v.toFixed(9)),
        `${name}, seed ${seed}: full draws`,
      );
      // Reflection of each signed coordinate with the correlations of its coefficient.
      for (let k = 0; k < K; k++) {
        if (!lay.signedSd![k]) continue;
        const z = Float64Array.from(x);
        z[lay.phiSd + k] = -z[lay.phiSd + k];
        let q = lay.phiCor;
        for (let i = 1; i < K && q >= 0; i++) {
          for (let j = 0; j < i; j++, q++) if (i === k || j === k) z[q] = -z[q];
        }
        const lpReflected = signed.logDensityGradient(z, g);
        assert.ok(
          Math.abs(lpReflected - lpSigned) < 1e-9 * Math.max(1, Math.abs(lpSigned)),
          `${name}: reflect ${k}`,
        );
        assert.deepEqual(
          Array.from(fullRow(signed, z), (v) => v.toFixed(9)),
          Array.from(fullRow(signed, x), (v) => v.toFixed(9)),
          `${name}, seed ${seed}: reflected full draws`,
        );
      }
    }
  }
});

/** The shared 11-row model with a student-t b prior (β is sampled, so any prior works). */
function smallData(intercept: boolean) {
  const d = varyingSlopeData();
  const spec = varyingSlopeSpec(intercept, [
    { class: "b", prior: { dist: "student_t", df: 3, mu: 0, sigma: 1.5 } },
    { class: "sd", prior: { dist: "normal", mu: 0, sigma: 1 } },
    { class: "sigma", prior: { dist: "normal", mu: 0, sigma: 1 } },
    { class: "cor", prior: { dist: "lkj", eta: 2 } },
  ]);
  return {
    ...d,
    target: new LevelCollapsedGaussian(compileModel(spec, d.table), { sdScale: "signed" }),
  };
}

/** Σ, σ and the population mean Xβ at a point x = [ξ, u0, u1, cor real, log σ]. */
function unpack(
  target: LevelCollapsedGaussian,
  point: Float64Array,
  s: VaryingSlopeData,
) {
  const nb = target.layout.nBeta;
  const beta = target.betaFromWhitened(point, new Float64Array(nb));
  // Σ = diag(u) Ω diag(u) for signed scales u (smallData asks for them).
  assert.deepEqual(target.layout.terms[0].signedSd, [true, true]);
  const [u0, u1, real] = [point[nb], point[nb + 1], point[nb + 2]];
  const Sigma = covarianceOf(
    Math.log(Math.abs(u0)),
    Math.log(Math.abs(u1)),
    Math.sign(u0 * u1) * real,
  );
  const sigma = Math.exp(point[nb + 3]);
  // Population columns: centred x with an intercept (brms's centring), raw x without.
  const mean = Float64Array.from(
    s.x,
    (xi) => nb === 2 ? beta[0] + beta[1] * (xi - s.xbar) : beta[0] * xi,
  );
  return { Sigma, sigma, mean };
}

Deno.test("level-collapsed: log p(y | β, φ) equals the dense n × n Gaussian marginal", () => {
  // y | β ~ N(Xβ, V), V = σ² I + Σ_j Z_j Σ Z_jᵀ, Z = [1, x].
  for (const intercept of [true, false]) {
    const s = smallData(intercept);
    for (const seed of [1, 2, 3]) {
      const point = randomPoint(s.target.dim, seed);
      const { Sigma, sigma, mean } = unpack(s.target, point, s);
      const expected = logNormalDense(s.y, mean, levelCovariance(s, Sigma, sigma));
      const got = s.target.logMarginalLikelihood(point);
      assert.ok(
        Math.abs(got - expected) < 1e-9 * Math.max(1, Math.abs(expected)),
        `intercept ${intercept}, seed ${seed}: ${got} vs ${expected}`,
      );
    }
  }
});

Deno.test("level-collapsed draws: r_j | β, φ, y has mean D_j⁻¹c_j and covariance D_j⁻¹ (from the rows)", () => {
  const s = smallData(true);
  const target = s.target;
  const nb = target.layout.nBeta;
  const point = randomPoint(target.dim, 4);
  const { Sigma, sigma, mean } = unpack(target, point, s);
  const N = target.gammaDim;
  const draw = (noise: Float64Array) => {
    const gamma = new Float64Array(N);
    assert.ok(target.drawCoefficients(point, noise, gamma));
    return gamma;
  };
  const mu = draw(new Float64Array(N));
  const betaDirect = target.betaFromWhitened(point, new Float64Array(nb));
  for (let p = 0; p < nb; p++) assert.equal(mu[p], betaDirect[p]);
  // Columns of T (r − μ = T z) from unit noise vectors.
  const columns = Array.from({ length: N }, (_, i) => {
    const e = new Float64Array(N);
    e[i] = 1;
    const d = draw(e);
    return d.map((v, k) => v - mu[k]);
  });
  const det = Sigma[0] * Sigma[3] - Sigma[1] * Sigma[2];
  const SigmaInv = [Sigma[3] / det, -Sigma[1] / det, -Sigma[2] / det, Sigma[0] / det];
  for (let j = 0; j < 3; j++) {
    // D_j = Σ_{i in j} z_i z_iᵀ/σ² + Σ⁻¹ and c_j = Σ_{i in j} z_i (y_i − (Xβ)_i)/σ².
    const D = Float64Array.from(SigmaInv);
    const c = [0, 0];
    for (let i = 0; i < s.n; i++) {
      if (s.g[i] !== j + 1) continue;
      const z = [1, s.x[i]];
      for (let a = 0; a < 2; a++) {
        c[a] += z[a] * (s.y[i] - mean[i]) / sigma ** 2;
        for (let b = 0; b < 2; b++) D[a * 2 + b] += z[a] * z[b] / sigma ** 2;
      }
    }
    const r0 = nb + 2 * j;
    for (let a = 0; a < 2; a++) {
      const Dmu = D[a * 2] * mu[r0] + D[a * 2 + 1] * mu[r0 + 1];
      assert.ok(Math.abs(Dmu - c[a]) < 1e-9 * Math.max(1, Math.abs(c[a])), `D μ = c, level ${j}`);
      for (let b = 0; b < 2; b++) {
        // D_j (T Tᵀ)_jj = I.
        let v = 0;
        for (let m = 0; m < 2; m++) {
          let cov = 0;
          for (const col of columns) cov += col[r0 + m] * col[r0 + b];
          v += D[a * 2 + m] * cov;
        }
        assert.ok(
          Math.abs(v - (a === b ? 1 : 0)) < 1e-9,
          `D Cov = I, level ${j} [${a},${b}]: ${v}`,
        );
      }
    }
  }
});

/** y = a_j + (0.5 + b_j)·treat + N(0, 1), a_j, b_j ~ N(0, sd²): J groups of n rows. */
function groupsWithSd(J: number, n: number, sd: number): ModelSpec & { table: Table } {
  const u = seeded(3);
  const gauss = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const a = Array.from({ length: J }, () => sd * gauss());
  const b = Array.from({ length: J }, () => sd * gauss());
  const rows = J * n;
  const y = new Float64Array(rows), treat = new Float64Array(rows), g = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const j = i % J;
    g[i] = j + 1;
    treat[i] = u() < 0.5 ? 1 : 0;
    y[i] = a[j] + (0.5 + b[j]) * treat[i] + gauss();
  }
  const table = makeTable({
    y: { kind: "number", values: y },
    treat: { kind: "number", values: treat },
    g: { kind: "number", values: g },
  });
  const spec = formula("y ~ 1 + treat + (1 + treat | g)", table)
    .priors({
      Intercept: normal(0, 2),
      b: normal(0, 1),
      sd: halfNormal(0, 2),
      sigma: halfNormal(0, 2),
    })
    .toJSON();
  return { ...spec, table };
}

Deno.test("level-collapsed auto sd scale: signed where the sd's posterior reaches 0, log where it stops short of it", () => {
  // 20 groups with sd 0.05: the sd's density at 0 is within ~2 nats of its mode (signed samples
  // better); 8 groups with sd 0.5: it drops by 20–120 nats before 0 (log samples better).
  const near = groupsWithSd(20, 50, 0.05);
  const away = groupsWithSd(8, 300, 0.5);
  const scales = (s: ModelSpec & { table: Table }) =>
    new LevelCollapsedGaussian(compileModel(s, s.table)).layout.terms[0].signedSd;
  assert.deepEqual(scales(near), [true, true]);
  assert.deepEqual(scales(away), [false, false]);
  // A prior that does not suit a signed scale keeps log sd whatever the posterior.
  const exponential = {
    ...near,
    priors: [...near.priors.filter((p) => p.class !== "sd"), {
      class: "sd" as const,
      prior: { dist: "exponential" as const, rate: 2 },
    }],
  };
  assert.deepEqual(scales(exponential), [false, false]);
});

Deno.test("level-collapsed: where the marginal quadratic form cancels to rounding noise the log density is −∞, not a false mode", async () => {
  // SBC simulation 22 of the paper's model (σ ≈ 0.056). From chain 1's initial point at seed
  // 100025 the Laplace climb used to reach σ = e^−23.1 beside sds of e^6.3 and e^6.7, where
  // ‖y − Xβ‖²/σ² and Σ_j c_jᵀD_j⁻¹c_j (each ~1e22) cancelled to noise: log density 4.4e21, a
  // false mode the chain then stayed in (step size 5e-17, 198 divergences).
  const df = await loadTomzWeeks();
  const design = prepareSbc(tomzWeeksModel(df).toJSON(), df);
  const { table } = simulateData(design, 1, 22);
  const target = new LevelCollapsedGaussian(compileModel(design.spec, table));
  const g = new Float64Array(target.dim);
  const falseMode = Float64Array.of(
    0.8616637067122496,
    0.9059193135069847,
    -0.3602116743308551,
    -1.1921986564004665,
    -0.8545187186492896,
    -1.4547838681450322,
    1.713583471729553,
    -1.1719993727251399,
    0.5429885442171037,
    -0.1356691607162314,
    -1.126029591365372,
    -1.3131650897084681,
    0.003548019729870434,
    1.871406972443969,
    1.3233036645202871,
    1.8223638550480739,
    0.1512556762377765,
    6.251114357998793,
    6.716970973017234,
    -23.085180521071376,
  );
  assert.equal(target.logDensityGradient(falseMode, g), -Infinity);
  // The climb from that chain's initial point now ends at the posterior's mode (log σ ≈ −2.88).
  const mode = climbToMode(target, findInitialPoint(target, 100025, 1).position);
  const lp = target.logDensityGradient(mode, g);
  assert.ok(lp > 2000 && lp < 2500, `log density at the climb's end ${lp}`);
  assert.ok(
    Math.abs(mode[target.dim - 1] - Math.log(0.0562)) < 0.2,
    `log σ ${mode[target.dim - 1]}`,
  );
});
