import assert from "node:assert/strict";
import { binomial } from "../../lib/families/binomial.ts";
import { logGamma } from "../../lib/math/special.ts";
import { familyTests } from "./_family_checks.ts";

/** log C(n, y) by a product, independent of logGamma. */
function logChoose(n: number, y: number): number {
  let s = 0;
  for (let k = 1; k <= y; k++) s += Math.log((n - y + k) / k);
  return s;
}

familyTests({
  family: binomial,
  patterns: [
    { y: [3, 5], trials: [8, 8] },
    { y: [0], trials: [4] },
    { y: [6, 2, 7], trials: [8, 3, 9] },
  ],
  points: [{ eta: [0.3, -1.2, 1.5], extra: [] }, { eta: [-0.7, 0.4, -2], extra: [] }],
  referenceLogDensity: (y, eta, _values, n) => {
    const p = 1 / (1 + Math.exp(-eta));
    return logChoose(n, y) + y * Math.log(p) + (n - y) * Math.log(1 - p);
  },
  support: { values: [0, 1, 2, 3, 4, 5, 6, 7, 8] },
  variance: (eta, _values, n) => {
    const p = 1 / (1 + Math.exp(-eta));
    return n * p * (1 - p);
  },
});

Deno.test("binomial: counts above the trials and bad trials are refused naming the columns", () => {
  const where = { family: "binomial", outcome: "y", trials: "n", row: 2 };
  assert.equal(binomial.checkOutcome(3, 3, where), null);
  assert.match(binomial.checkOutcome(4, 3, where)!, /row 2 has 4 successes in "y" but only 3/);
  assert.match(binomial.checkOutcome(1, 0, where)!, /trials column "n" must hold positive/);
  assert.match(binomial.checkOutcome(1.5, 3, where)!, /non-negative integer count/);
  assert.ok(Math.abs(logChoose(10, 4) - (logGamma(11) - logGamma(5) - logGamma(7))) < 1e-12);
});
