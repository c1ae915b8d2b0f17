import assert from "node:assert/strict";
import { student } from "../../lib/families/student.ts";
import { familyTests } from "./_family_checks.ts";

/** log Γ by Lanczos-free Stirling with recurrence, independent of lib/math/special.ts. */
function lnGamma(x: number): number {
  let shift = 0;
  while (x < 10) shift -= Math.log(x), x += 1;
  return shift + (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) -
    1 / (360 * x ** 3) + 1 / (1260 * x ** 5);
}

familyTests({
  family: student,
  patterns: [{ y: [1.5, 1.5] }, { y: [-0.3] }, { y: [4.2, 4.2, 4.2] }],
  points: [
    { eta: [1.1, 0.2, 1.7], extra: [Math.log(0.8), Math.log(4)] },
    { eta: [0.4, -0.5, 2.9], extra: [Math.log(1.7), Math.log(9)] },
  ],
  referenceLogDensity: (y, eta, [sigma, nu]) => {
    const z = (y - eta) / sigma;
    return lnGamma((nu + 1) / 2) - lnGamma(nu / 2) - 0.5 * Math.log(nu * Math.PI) -
      Math.log(sigma) - ((nu + 1) / 2) * Math.log(1 + z * z / nu);
  },
  // ν = 5 and 10: the mean exists and the tails beyond ±400 carry < 1e-4 of y's mass.
  support: { from: -400, to: 400 },
  variance: (_eta, [sigma, nu]) => sigma * sigma * nu / (nu - 2),
  // ν = 5's sample variance converges too slowly (its m₄ estimate is unstable: E y⁸ = ∞).
  fourthMoment: ([, nu]) => nu > 8,
});

Deno.test("student: sigma then nu, nu > 1 with brms's gamma(2, 0.1) default", () => {
  assert.deepStrictEqual(student.parameters.map((p) => [p.name, p.lower]), [
    ["sigma", 0],
    ["nu", 1],
  ]);
  assert.deepStrictEqual(student.parameters[1].defaultPrior(7), {
    dist: "gamma",
    shape: 2,
    rate: 0.1,
  });
  assert.ok(student.patternsKeepOutcome && !student.collapsible);
});
