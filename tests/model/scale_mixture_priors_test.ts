/**
 * Student-t and Cauchy coefficient priors (normal scale mixtures in a collapsed fit, sampled
 * directly by NUTS) against a posterior known by quadrature: y ~ 1 + x + (1 | g) with sigma
 * pinned at 1 and the group sd at ~0 by very tight priors (they move the coefficients' posterior
 * by ~1e-4 of its sd), so the posterior of (Intercept, b_x) is the two-dimensional
 * likelihood × prior, integrated on a grid. The priors are away from 0 and heavy-tailed, so the
 * posterior is not normal and a wrong location, scale or mixing density shows.
 *
 * Tolerances: means within 4·MCSE (MCSE = posterior sd / √ESS_bulk; a false alarm has
 * probability ≈ 6e-5 per check); sds within 12% (an sd's relative Monte Carlo error with
 * ESS ≥ 400 is ≈ 1/√(2·ESS) ≤ 3.5%, so 12% is > 3 errors). The grid's error is < 1e-4.
 */
import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import assert from "node:assert/strict";
import { formula } from "../../lib/spec/formula.ts";
import { cauchy, normal, studentT } from "../../lib/spec/priors.ts";
import { numericTable, seeded } from "./_fixtures.ts";

/** n rows over `levels` groups: y = 1.5 + 0.4 x + N(0, 1). */
function data(n: number, levels: number) {
  const u = seeded(4);
  const gauss = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const y = new Float64Array(n), x = new Float64Array(n), g = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    g[i] = (i % levels) + 1;
    x[i] = gauss() + 0.5;
    y[i] = 1.5 + 0.4 * x[i] + gauss();
  }
  return { y, x, g };
}

/** log density of student_t(ν, m, s) up to a constant. */
const logT = (nu: number, m: number, s: number) => (v: number) =>
  -(nu + 1) / 2 * Math.log1p(((v - m) / s) ** 2 / nu);

/**
 * Posterior mean and sd of the (uncentred) Intercept and of b_x on a 600 × 600 grid; as brms,
 * the Intercept prior is on the intercept of the centred design, a = Intercept + b·mean(x).
 */
function quadrature(
  d: { y: Float64Array; x: Float64Array },
  logPriorA: (a: number) => number,
  logPriorB: (b: number) => number,
) {
  const n = d.y.length;
  const xbar = d.x.reduce((s, v) => s + v, 0) / n;
  const N = 600, a0 = -1, a1 = 5, b0 = -2, b1 = 3;
  const logw: number[] = [], A: number[] = [], B: number[] = [];
  for (let i = 0; i < N; i++) {
    const a = a0 + (a1 - a0) * (i + 0.5) / N;
    for (let j = 0; j < N; j++) {
      const b = b0 + (b1 - b0) * (j + 0.5) / N;
      let ll = logPriorA(a) + logPriorB(b);
      for (let k = 0; k < n; k++) ll -= 0.5 * (d.y[k] - a - b * (d.x[k] - xbar)) ** 2;
      logw.push(ll), A.push(a - b * xbar), B.push(b);
    }
  }
  const top = logw.reduce((m, v) => Math.max(m, v), -Infinity);
  const w = logw.map((v) => Math.exp(v - top));
  const total = w.reduce((s, v) => s + v, 0);
  const moments = (z: number[]) => {
    const mean = z.reduce((s, v, i) => s + w[i] * v, 0) / total;
    const variance = z.reduce((s, v, i) => s + w[i] * (v - mean) ** 2, 0) / total;
    return { mean, sd: Math.sqrt(variance) };
  };
  return { b_Intercept: moments(A), b_x: moments(B) };
}

const CASES = [
  // Fully collapsed (3 levels: every coefficient integrated out) and NUTS.
  { name: "3 levels", n: 12, levels: 3, methods: ["collapsed", "nuts"] as const },
  // 30 levels: the level-collapsed target (β sampled whitened, the levels integrated out).
  { name: "30 levels", n: 60, levels: 30, methods: ["collapsed"] as const },
];

for (const c of CASES) {
  for (const method of c.methods) {
    Deno.test(`student_t Intercept and cauchy b away from 0 (${c.name}, ${method}): the posterior by quadrature`, async () => {
      const d = data(c.n, c.levels);
      const priors = {
        Intercept: studentT(3, 2.2, 0.2),
        b: cauchy(0.5, 0.1),
        sd: normal(0, 1e-4),
        sigma: normal(1, 1e-4),
      };
      const fit = await formula("y ~ 1 + x + (1 | g)", numericTable(d)).priors(priors).fit({
        chains: 4,
        warmup: 500,
        draws: 1000,
        seed: 3,
        progress: false,
        method,
      });
      assert.equal(fit.info.method, method);
      const exact = quadrature(d, logT(3, 2.2, 0.2), logT(1, 0.5, 0.1));
      const summary = new Map(fit.summary().map((p) => [p.name, p]));
      for (const name of ["b_Intercept", "b_x"] as const) {
        const p = summary.get(name)!;
        const { mean, sd } = exact[name];
        assert.ok(p.ess_bulk >= 400, `${name}: ESS ${p.ess_bulk}`);
        const mcse = p.sd / Math.sqrt(p.ess_bulk);
        assert.ok(
          Math.abs(p.mean - mean) < 4 * mcse,
          `${name}: mean ${p.mean} vs ${mean} (4·MCSE ${4 * mcse})`,
        );
        assert.ok(Math.abs(p.sd / sd - 1) < 0.12, `${name}: sd ${p.sd} vs ${sd}`);
      }
    });
  }
}
