/**
 * Also covers: pair_choice.ts (pairRadii: the radius is the sd whose posterior reaches 0, none
 * where both sds stay away from 0; the settings "off" and 0 / 1).
 */
import assert from "node:assert/strict";
import {
  pairBackward,
  pairForward,
  pairFromStandard,
  pairToStandard,
  type PairValues,
} from "../../lib/model/pair_covariance.ts";
import { choleskyCorrForward } from "../../lib/model/cholesky_corr.ts";
import { priorLogDensity } from "../../lib/model/prior_density.ts";
import type { PriorDistribution } from "../../lib/spec/model_spec.ts";
import { PAIR_SETTINGS, pairRadii } from "../../lib/model/pair_choice.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { numericTable, seeded, singleTermSpec } from "./_fixtures.ts";

const PRIORS: PriorDistribution[] = [
  { dist: "student_t", df: 3, mu: 0, sigma: 2.5 },
  { dist: "exponential", rate: 2 },
];
const logPrior = (k: number, sd: number) => priorLogDensity(PRIORS[k], sd)[0];
const slope = (k: number, sd: number) => priorLogDensity(PRIORS[k], sd)[1];
const values = (): PairValues => ({ sd: new Float64Array(2), rho: 0, rhoComplement: 0 });

/** Points in pair coordinates [x₀, x₁, κ], including ρ near ±1 and a tiny radius. */
const POINTS = [
  [0.3, -0.4, 0.7],
  [-1.2, 0.5, -2.1],
  [0.8, -7, 0.05], // e tiny: ρ = ±0.99…
  [-0.5, -3, -4],
];

Deno.test("pair coordinates: to the usual ones and back, ρ finite where it rounds to ±1", () => {
  for (const radius of [0, 1]) {
    const at = { sd: 0, cor: 2, radius };
    for (const p of POINTS) {
      const usual = pairToStandard(Float64Array.from(p), at);
      assert.ok(usual.every(Number.isFinite));
      const back = pairFromStandard(...usual, radius);
      back.forEach((v, i) => assert.ok(Math.abs(v - p[i]) < 1e-9, `${p}: ${back}`));
    }
    // e = e⁻⁴⁰ next to κ·sd_f = 1: ρ is 1 in floating point, atanh ρ = 40 + log 2 is not.
    const edge = Float64Array.of(0, 0, 1);
    edge[radius] = -40;
    assert.ok(Math.abs(pairToStandard(edge, at)[2] - (40 + Math.log(2))) < 1e-9);
  }
});

Deno.test("pair coordinates: the log prior is the usual one plus log |∂usual/∂pair|", () => {
  // Usual: log p(sd₀) + log sd₀ + log p(sd₁) + log sd₁ + [lkj + atanh Jacobian] (cholesky_corr).
  const eta = 1.7;
  for (const radius of [0, 1]) {
    const at = { sd: 0, cor: 2, radius };
    const gaps = POINTS.map((p) => {
      const x = Float64Array.from(p);
      const pair = pairForward(x, at, eta, logPrior, slope, values(), null);
      const [l0, l1, y] = pairToStandard(x, at);
      const usual = logPrior(0, Math.exp(l0)) + l0 + logPrior(1, Math.exp(l1)) + l1 +
        choleskyCorrForward(Float64Array.of(y), 2, eta, new Float64Array(4));
      // The Jacobian by central differences of pairToStandard (3 × 3).
      const h = 1e-6;
      const J = [0, 1, 2].map((q) => {
        const plus = Float64Array.from(x);
        const minus = Float64Array.from(x);
        plus[q] += h;
        minus[q] -= h;
        const [a, b] = [pairToStandard(plus, at), pairToStandard(minus, at)];
        return a.map((v, i) => (v - b[i]) / (2 * h));
      });
      const det = J[0][0] * (J[1][1] * J[2][2] - J[1][2] * J[2][1]) -
        J[0][1] * (J[1][0] * J[2][2] - J[1][2] * J[2][0]) +
        J[0][2] * (J[1][0] * J[2][1] - J[1][1] * J[2][0]);
      return pair - usual - Math.log(Math.abs(det));
    });
    // Same constant at every point (both drop lkj's normalising constant).
    for (const g of gaps) assert.ok(Math.abs(g - gaps[0]) < 1e-6, `radius ${radius}: ${gaps}`);
  }
});

Deno.test("pair coordinates: gradients of the prior and of a function of (sd's, ρ) by differences", () => {
  // F = Σ a_k log sd_k + α ρ + β √(1 − ρ²), chained by pairBackward, plus pairForward's prior.
  const a = [0.7, -1.3];
  const [alpha, beta] = [2.1, -0.6];
  for (const radius of [0, 1]) {
    const at = { sd: 0, cor: 2, radius };
    const total = (x: Float64Array, gradient: Float64Array | null) => {
      const v = values();
      const lp = pairForward(x, at, 1.4, logPrior, slope, v, gradient);
      if (gradient) pairBackward(x, at, v, a, alpha, beta, gradient);
      return lp + a[0] * Math.log(v.sd[0]) + a[1] * Math.log(v.sd[1]) + alpha * v.rho +
        beta * v.rhoComplement;
    };
    for (const p of POINTS) {
      const x = Float64Array.from(p);
      const g = new Float64Array(3);
      total(x, g);
      for (let i = 0; i < 3; i++) {
        const h = 1e-6;
        const plus = Float64Array.from(x);
        const minus = Float64Array.from(x);
        plus[i] += h;
        minus[i] -= h;
        const numeric = (total(plus, null) - total(minus, null)) / (2 * h);
        assert.ok(
          Math.abs(numeric - g[i]) < 1e-5 * Math.max(1, Math.abs(numeric)),
          `radius ${radius}, ${p} [${i}]: ${g[i]} vs ${numeric}`,
        );
      }
    }
  }
});

/** y ~ 1 + treat + (1 + treat | g), 4 levels, 400 rows, with per-level effects as given. */
function pairTable(interceptSd: number, slopeSd: number) {
  const u = seeded(3);
  const n = 400;
  const cols = { y: new Float64Array(n), treat: new Float64Array(n), g: new Float64Array(n) };
  const a = [-1.5, -0.5, 0.5, 1.5];
  const b = [1.2, -0.4, 0.4, -1.2];
  for (let i = 0; i < n; i++) {
    const j = i % 4;
    cols.treat[i] = u() < 0.5 ? 1 : 0;
    cols.g[i] = j + 1;
    const noise = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
    cols.y[i] = 0.3 + interceptSd * a[j] + (0.5 + slopeSd * b[j]) * cols.treat[i] + 0.5 * noise;
  }
  return numericTable(cols);
}

Deno.test("pairRadii: the radius is the sd whose posterior reaches 0; none when both are away", () => {
  const spec = singleTermSpec("gaussian"); // (1 + treat | g1), correlated
  const withGroup = { ...spec, groupTerms: spec.groupTerms.map((t) => ({ ...t, group: "g" })) };
  const compile = (interceptSd: number, slopeSd: number) =>
    compileModel(
      {
        ...withGroup,
        terms: ["treat"],
        groupTerms: [{ ...withGroup.groupTerms[0], factors: ["g"] }],
        priors: [],
      },
      pairTable(interceptSd, slopeSd),
    );
  assert.deepEqual(pairRadii(compile(0, 1)), [0]); // no intercept effects: sd_Intercept → 0
  assert.deepEqual(pairRadii(compile(1, 0)), [1]);
  assert.deepEqual(pairRadii(compile(1, 1)), [null]);
  try {
    PAIR_SETTINGS.radius = "off";
    assert.deepEqual(pairRadii(compile(0, 1)), [null]);
    PAIR_SETTINGS.radius = 1;
    assert.deepEqual(pairRadii(compile(1, 1)), [1]);
  } finally {
    PAIR_SETTINGS.radius = "auto";
  }
});
