import assert from "node:assert/strict";
import { bernoulli } from "../../lib/families/bernoulli.ts";
import { familyTests } from "./_family_checks.ts";
import { logitPatterns } from "../../lib/families/logit.ts";
import { seeded } from "../_seeded.ts";

familyTests({
  family: bernoulli,
  patterns: [{ y: [0, 1, 1] }, { y: [1] }, { y: [0, 0] }],
  points: [{ eta: [0.3, -1.2, 2.5], extra: [] }, { eta: [-0.7, 0.4, -3], extra: [] }],
  referenceLogDensity: (y, eta) => {
    const p = 1 / (1 + Math.exp(-eta));
    return Math.log(y === 1 ? p : 1 - p);
  },
  support: { values: [0, 1] },
  variance: (eta) => {
    const p = 1 / (1 + Math.exp(-eta));
    return p * (1 - p);
  },
});

Deno.test("bernoulli: outcomes other than 0 and 1 are refused naming the row and value", () => {
  const where = { family: "bernoulli", outcome: "force", row: 7 };
  assert.equal(bernoulli.checkOutcome(1, NaN, where), null);
  assert.match(bernoulli.checkOutcome(2, NaN, where)!, /"force" must be 0 or 1.*row 7 has 2/);
});

Deno.test("bernoulli: the stable log-likelihood stays finite far out on the logit scale", () => {
  const eta = Float64Array.of(-800, 800);
  bernoulli.pointwiseLogLikelihood(1, 1, eta, []);
  assert.ok(Math.abs(eta[0] + 800) < 1e-9 && Math.abs(eta[1]) < 1e-12);
});

Deno.test("logitPatterns (one exponential per pattern) equals the stable per-pattern form to 1e-12", () => {
  const u = seeded(11);
  const P = 3000;
  const ySum = new Float64Array(P), n = new Float64Array(P), eta = new Float64Array(P);
  for (let p = 0; p < P; p++) {
    // Bernoulli counts 1–2, binomial trials and fractional summed weights; η in the bulk and
    // beyond ±30 (the stable path).
    n[p] = p % 7 === 0 ? 12 : p % 11 === 0 ? 0.4 + u() : 1 + (p % 2);
    ySum[p] = Math.round(u() * n[p] * 100) / 100;
    eta[p] = p % 19 === 0 ? (u() - 0.5) * 200 : (u() - 0.5) * 10;
  }
  const dEta = new Float64Array(P);
  const lp = logitPatterns(ySum, n, eta, dEta);
  let ref = 0;
  for (let p = 0; p < P; p++) {
    const x = eta[p];
    const softplus = Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    ref += ySum[p] * x - n[p] * softplus;
    const prob = 1 / (1 + Math.exp(-x));
    assert.ok(
      Math.abs(dEta[p] - (ySum[p] - n[p] * prob)) <= 1e-12 * Math.max(1, n[p]),
      `dEta ${p}`,
    );
  }
  assert.ok(Math.abs(lp - ref) <= 1e-12 * Math.abs(ref), `${lp} vs ${ref}`);
});
