import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { LevelCollapsedGaussian } from "../../lib/model/level_collapsed_gaussian.ts";
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

for (const [name, spec] of Object.entries(oneTermSpecs(singleTermSpec("gaussian")))) {
  Deno.test(`level-collapsed (${name}): analytic gradient matches central finite differences`, () => {
    const target = new LevelCollapsedGaussian(compileModel(spec, simulatedTable(300, "gaussian")));
    for (const seed of [1, 2, 3]) {
      assertGradientMatchesDifferences(target, randomPoint(target.dim, seed), `x (seed ${seed})`);
    }
  });
}

/** The shared 11-row model with a student-t b prior (β is sampled, so any prior works). */
function smallData(intercept: boolean) {
  const d = varyingSlopeData();
  const spec = varyingSlopeSpec(intercept, [
    { class: "b", prior: { dist: "student_t", df: 3, mu: 0, sigma: 1.5 } },
    { class: "sd", prior: { dist: "normal", mu: 0, sigma: 1 } },
    { class: "sigma", prior: { dist: "normal", mu: 0, sigma: 1 } },
    { class: "cor", prior: { dist: "lkj", eta: 2 } },
  ]);
  return { ...d, target: new LevelCollapsedGaussian(compileModel(spec, d.table)) };
}

/** Σ, σ and the population mean Xβ at a point x = [ξ, log sd0, log sd1, cor real, log σ]. */
function unpack(
  target: LevelCollapsedGaussian,
  point: Float64Array,
  s: VaryingSlopeData,
) {
  const nb = target.layout.nBeta;
  const beta = target.betaFromWhitened(point, new Float64Array(nb));
  const Sigma = covarianceOf(point[nb], point[nb + 1], point[nb + 2]);
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
