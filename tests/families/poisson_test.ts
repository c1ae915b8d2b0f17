import assert from "node:assert/strict";
import { poisson } from "../../lib/families/poisson.ts";
import { familyTests } from "./_family_checks.ts";

/** log y! by a sum, independent of logGamma. */
function logFactorial(y: number): number {
  let s = 0;
  for (let k = 2; k <= y; k++) s += Math.log(k);
  return s;
}

familyTests({
  family: poisson,
  patterns: [{ y: [0, 3, 2] }, { y: [7] }, { y: [1, 1] }],
  points: [{ eta: [0.3, 1.9, -0.2], extra: [] }, { eta: [1.1, 0.5, 0.8], extra: [] }],
  referenceLogDensity: (y, eta) => y * eta - Math.exp(eta) - logFactorial(y),
  support: { values: Array.from({ length: 60 }, (_, k) => k) },
  variance: (eta) => Math.exp(eta),
});

Deno.test("poisson: negative and fractional counts are refused; priors centre on log y", () => {
  const where = { family: "poisson", outcome: "n", row: 1 };
  assert.equal(poisson.checkOutcome(0, NaN, where), null);
  assert.match(poisson.checkOutcome(-1, NaN, where)!, /non-negative integer count/);
  assert.match(poisson.checkOutcome(0.5, NaN, where)!, /row 1 has 0.5/);
  assert.deepStrictEqual(poisson.priorOutcome(Float64Array.of(0, Math.E)), [Math.log(0.1), 1]);
});
