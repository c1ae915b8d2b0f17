/**
 * Posteriors that are known in closed form: Bayesian linear regression and a normal–normal
 * hierarchical model with known variances (variances pinned by very tight priors, which moves
 * the other posteriors by ~0.1% — far below the tolerances).
 *
 * Tolerances: means within 4·MCSE (MCSE = posterior sd / √ESS_bulk) — a false alarm has
 * probability ≈ 6e-5 per check; sds within 10% (the sd estimate's relative MCSE with
 * ESS ≥ 400 is ≈ 1/√(2·ESS) ≤ 3.5%, so 10% is ≈ 3 MCSE).
 */
import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import assert from "node:assert/strict";
import { makeTable } from "../../lib/data/table.ts";
import { hier } from "../../lib/spec/hier.ts";
import { normal } from "../../lib/spec/priors.ts";
import { seeded } from "../model/_fixtures.ts";

function gaussianNoise(u: () => number): number {
  return Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** Solve the symmetric positive definite system A x = b (small, by Gauss–Jordan). */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    const pivot = M[c][c];
    for (let j = c; j <= n; j++) M[c][j] /= pivot;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c];
      for (let j = c; j <= n; j++) M[r][j] -= f * M[c][j];
    }
  }
  return M.map((row) => row[n]);
}

function inverse(A: number[][]): number[][] {
  const n = A.length;
  const cols = Array.from({ length: n }, (_, j) => solve(A, A.map((_, i) => (i === j ? 1 : 0))));
  return Array.from({ length: n }, (_, i) => cols.map((c) => c[i]));
}

function checkDraws(
  name: string,
  draws: Float64Array,
  ess: number,
  mean: number,
  sd: number,
): void {
  let m = 0;
  for (const v of draws) m += v / draws.length;
  let s = 0;
  for (const v of draws) s += (v - m) ** 2 / (draws.length - 1);
  const sampleSd = Math.sqrt(s);
  const mcse = sd / Math.sqrt(ess);
  assert.ok(Math.abs(m - mean) < 4 * mcse, `${name}: mean ${m} vs exact ${mean} (MCSE ${mcse})`);
  assert.ok(Math.abs(sampleSd / sd - 1) < 0.1, `${name}: sd ${sampleSd} vs exact ${sd}`);
}

for (const method of ["nuts", "collapsed"] as const) {
  Deno.test(`linear regression with known sigma matches the analytic posterior (${method})`, async () => {
    const u = seeded(3);
    const n = 50;
    const x = Float64Array.from({ length: n }, () => gaussianNoise(u));
    const y = x.map((xi) => 1 + 0.5 * xi + gaussianNoise(u));
    const table = makeTable({
      y: { kind: "number", values: y },
      x: { kind: "number", values: x },
    });
    const fit = await hier(table).outcome("y").controls("x")
      .priors({ Intercept: normal(0, 2), b: normal(0, 1), sigma: normal(1, 0.0005) })
      .fit({ chains: 4, warmup: 500, draws: 1000, seed: 11, progress: false, method });
    // brms puts the Intercept prior on the intercept of the centred design [1, x − x̄].
    const xbar = x.reduce((s, v) => s + v, 0) / n;
    const X = Array.from(x, (xi) => [1, xi - xbar]);
    const precision = [[1 / 4, 0], [0, 1]];
    const rhs = [0, 0];
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < 2; a++) {
        rhs[a] += X[i][a] * y[i];
        for (let b = 0; b < 2; b++) precision[a][b] += X[i][a] * X[i][b];
      }
    }
    const cov = inverse(precision);
    const mean = solve(precision, rhs);
    // b_Intercept = centred intercept − x̄·b_x: a linear function of the Gaussian posterior.
    const interceptMean = mean[0] - xbar * mean[1];
    const interceptVar = cov[0][0] + xbar * xbar * cov[1][1] - 2 * xbar * cov[0][1];
    const ess = (name: string) => fit.summary().find((p) => p.name === name)!.ess_bulk;
    checkDraws("b_x", fit.draws("b_x"), ess("b_x"), mean[1], Math.sqrt(cov[1][1]));
    checkDraws(
      "b_Intercept",
      fit.draws("b_Intercept"),
      ess("b_Intercept"),
      interceptMean,
      Math.sqrt(interceptVar),
    );
  });
}

const HIERARCHICAL_CASES = [
  ["nuts", "noncentered"],
  ["nuts", "centered"],
  ["nuts", "auto"],
  // Collapsed: the varying effects are integrated out, so no parameterisation applies.
  ["collapsed", "auto"],
] as const;
for (const [method, parameterization] of HIERARCHICAL_CASES) {
  Deno.test(`normal–normal hierarchical model matches the analytic posterior (${method}, ${parameterization})`, async () => {
    // y_ij = mu + u_j + e_ij, u_j ~ N(0, tau²), e ~ N(0, 1); mu ~ N(0, 3²); tau and sigma pinned.
    const u = seeded(5);
    const J = 6;
    const sizes = [2, 3, 5, 8, 12, 20];
    const tau = 0.7;
    const y: number[] = [];
    const g: number[] = [];
    for (let j = 0; j < J; j++) {
      const effect = 1 + tau * gaussianNoise(u);
      for (let i = 0; i < sizes[j]; i++) {
        y.push(effect + gaussianNoise(u));
        g.push(j + 1);
      }
    }
    const table = makeTable({
      y: { kind: "number", values: Float64Array.from(y) },
      g: { kind: "number", values: Float64Array.from(g) },
    });
    const fit = await hier(table).outcome("y").groupBy("g")
      .priors({ Intercept: normal(0, 3), sd: normal(tau, 0.0005), sigma: normal(1, 0.0005) })
      .fit({
        chains: 4,
        warmup: 1000,
        draws: 1000,
        seed: 2,
        progress: false,
        adaptDelta: 0.9,
        parameterization,
        method,
      });
    // Joint Gaussian posterior of (mu, u_1..u_J): precision = prior + data.
    const dim = J + 1;
    const P = Array.from({ length: dim }, () => new Array<number>(dim).fill(0));
    const rhs = new Array<number>(dim).fill(0);
    P[0][0] += 1 / 9;
    for (let j = 0; j < J; j++) P[j + 1][j + 1] += 1 / (tau * tau);
    for (let i = 0; i < y.length; i++) {
      const j = g[i];
      P[0][0] += 1, P[0][j] += 1, P[j][0] += 1, P[j][j] += 1;
      rhs[0] += y[i], rhs[j] += y[i];
    }
    const cov = inverse(P);
    const mean = solve(P, rhs);
    if (parameterization === "auto" && method === "nuts") {
      // The rule data-centres this term (levels of 2–20 rows, sd pinned at 0.7): level
      // contrasts held relative to the pilot's estimates, the mean moved into the intercept.
      // That geometry is what this case checks.
      const [info] = fit.info.parameterization;
      assert.ok(
        info.auto && info.contrasts && info.mean_in_coefficients && info.data_centring,
        JSON.stringify(info),
      );
    }
    const summary = fit.summary({ varying: true });
    const ess = (name: string) => summary.find((p) => p.name === name)!.ess_bulk;
    checkDraws(
      "b_Intercept",
      fit.draws("b_Intercept"),
      ess("b_Intercept"),
      mean[0],
      Math.sqrt(cov[0][0]),
    );
    for (let j = 1; j <= J; j++) {
      const name = `r_g[${j},Intercept]`;
      checkDraws(name, fit.draws(name), ess(name), mean[j], Math.sqrt(cov[j][j]));
    }
  });
}
