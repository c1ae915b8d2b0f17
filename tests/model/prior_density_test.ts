import assert from "node:assert/strict";
import {
  priorDerivative,
  priorLogDensity,
  priorLogDensityInto,
} from "../../lib/model/prior_density.ts";
import type { PriorDistribution } from "../../lib/spec/model_spec.ts";
import { logGamma } from "../../lib/math/special.ts";

/** Full (normalised) log densities, written independently of the module. */
const FULL: [PriorDistribution, (x: number) => number][] = [
  [
    { dist: "normal", mu: 1, sigma: 2 },
    (x) => -0.5 * ((x - 1) / 2) ** 2 - Math.log(2 * Math.sqrt(2 * Math.PI)),
  ],
  [
    { dist: "student_t", df: 3, mu: -1, sigma: 0.5 },
    (x) =>
      logGamma(2) - logGamma(1.5) - 0.5 * Math.log(3 * Math.PI) - Math.log(0.5) -
      2 * Math.log(1 + ((x + 1) / 0.5) ** 2 / 3),
  ],
  [
    { dist: "cauchy", mu: 0, sigma: 2 },
    (x) => -Math.log(Math.PI * 2 * (1 + (x / 2) ** 2)),
  ],
  [{ dist: "exponential", rate: 1.5 }, (x) => Math.log(1.5) - 1.5 * x],
  [
    { dist: "gamma", shape: 2.5, rate: 3 },
    (x) => 2.5 * Math.log(3) - logGamma(2.5) + 1.5 * Math.log(x) - 3 * x,
  ],
  [
    // Stan's inv_gamma(α = 0.4, β = 0.3): β^α / Γ(α) x^−(α+1) e^(−β/x).
    { dist: "inv_gamma", shape: 0.4, scale: 0.3 },
    (x) => 0.4 * Math.log(0.3) - logGamma(0.4) - 1.4 * Math.log(x) - 0.3 / x,
  ],
  [{ dist: "flat" }, () => 0],
];

Deno.test("priorLogDensity: the full log density up to a constant, for every scalar prior", () => {
  const xs = [0.1, 0.7, 1.3, 4];
  for (const [dist, full] of FULL) {
    const offset = priorLogDensity(dist, xs[0])[0] - full(xs[0]);
    for (const x of xs) {
      assert.ok(Math.abs(priorLogDensity(dist, x)[0] - full(x) - offset) < 1e-12, dist.dist);
    }
  }
});

Deno.test("priorLogDensity: the derivative matches a central difference (error O(h²))", () => {
  const h = 1e-5;
  for (const [dist] of FULL) {
    for (const x of [0.2, 0.9, 2.5]) {
      const fd = (priorLogDensity(dist, x + h)[0] - priorLogDensity(dist, x - h)[0]) / (2 * h);
      assert.ok(Math.abs(priorLogDensity(dist, x)[1] - fd) < 1e-7, `${dist.dist} at ${x}`);
    }
  }
});

Deno.test("priorLogDensityInto: the same value, with the derivative in priorDerivative[0]", () => {
  for (const [dist] of FULL) {
    for (const x of [-0.4, 0.3, 2]) {
      const positive = ["gamma", "inv_gamma", "exponential"].includes(dist.dist);
      if (x <= 0 && positive) continue;
      const [lp, d] = priorLogDensity(dist, x);
      assert.equal(priorLogDensityInto(dist, x), lp);
      assert.equal(priorDerivative[0], d);
    }
  }
  assert.throws(
    () => priorLogDensity({ dist: "lkj", eta: 2 }, 0.5),
    /lkj is a prior on correlation/,
  );
});
