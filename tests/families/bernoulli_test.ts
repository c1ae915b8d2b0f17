import assert from "node:assert/strict";
import { bernoulli } from "../../lib/families/bernoulli.ts";
import { familyTests } from "./_family_checks.ts";

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
