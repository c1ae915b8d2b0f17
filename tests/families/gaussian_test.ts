import assert from "node:assert/strict";
import { gaussian } from "../../lib/families/gaussian.ts";
import { familyTests } from "./_family_checks.ts";

familyTests({
  family: gaussian,
  patterns: [{ y: [1.5, 1.5] }, { y: [-0.3] }, { y: [2.2, 2.2, 2.2] }],
  points: [
    { eta: [1.1, 0.2, 1.7], extra: [Math.log(0.8)] },
    { eta: [0.4, -0.5, 2.9], extra: [Math.log(1.7)] },
  ],
  referenceLogDensity: (y, eta, [sigma]) =>
    Math.log(Math.exp(-0.5 * ((y - eta) / sigma) ** 2) / (sigma * Math.sqrt(2 * Math.PI))),
  support: { from: -30, to: 30 },
  variance: (_eta, [sigma]) => sigma * sigma,
});

Deno.test("gaussian: cell statistics, collapsible, sigma with brms's default prior", () => {
  assert.equal(gaussian.compression, "cells");
  assert.ok(gaussian.collapsible);
  assert.deepStrictEqual(gaussian.parameters[0].defaultPrior(3.1), {
    dist: "student_t",
    df: 3,
    mu: 0,
    sigma: 3.1,
  });
});
