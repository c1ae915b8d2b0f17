import assert from "node:assert/strict";
import { defaultPriors } from "../../lib/families/default_priors.ts";

Deno.test("defaultPriors: gaussian uses median and mad of y, rounded to one decimal", () => {
  // median 25, mad = 1.4826 × 15 = 22.239 → 22.2
  const d = defaultPriors("gaussian", new Float64Array([0, 10, 20, 30, 40, 55]));
  assert.deepStrictEqual(d.Intercept, { dist: "student_t", df: 3, mu: 25, sigma: 22.2 });
  assert.deepStrictEqual(d.sd, { dist: "student_t", df: 3, mu: 0, sigma: 22.2 });
  assert.deepStrictEqual(d.sigma, { dist: "student_t", df: 3, mu: 0, sigma: 22.2 });
  assert.deepStrictEqual(d.b, { dist: "flat" });
  assert.deepStrictEqual(d.cor, { dist: "lkj", eta: 1 });
});

Deno.test("defaultPriors: the scale is at least 2.5; student adds nu ~ gamma(2, 0.1)", () => {
  // y = 1, 2, 3, 4, 100: median 3; |y − 3| = 2, 1, 0, 1, 97 → median 1 → mad 1.4826 → 1.5 < 2.5
  const d = defaultPriors("student", new Float64Array([1, 2, 3, 4, 100]));
  assert.deepStrictEqual(d.Intercept, { dist: "student_t", df: 3, mu: 3, sigma: 2.5 });
  assert.deepStrictEqual(d.sigma, { dist: "student_t", df: 3, mu: 0, sigma: 2.5 });
  assert.deepStrictEqual(d.nu, { dist: "gamma", shape: 2, rate: 0.1 });
  // median 0.15 rounds to 0.1 as R does
  assert.deepStrictEqual(defaultPriors("gaussian", new Float64Array([0.1, 0.15, 0.2])).Intercept, {
    dist: "student_t",
    df: 3,
    mu: 0.1,
    sigma: 2.5,
  });
});

Deno.test("defaultPriors: logit families are fixed; poisson works on log(y) as brms does", () => {
  for (const family of ["bernoulli", "binomial"] as const) {
    const d = defaultPriors(family, new Float64Array([0, 1, 1, 1, 7, 9]));
    assert.deepStrictEqual(d.Intercept, { dist: "student_t", df: 3, mu: 0, sigma: 2.5 });
    assert.deepStrictEqual(d.sd, { dist: "student_t", df: 3, mu: 0, sigma: 2.5 });
  }
  // log y = 1, 1, 3 → median 1; |log y − 1| = 0, 0, 2 → mad 0 → scale 2.5
  const p = defaultPriors("poisson", new Float64Array([Math.E, Math.E, Math.exp(3)]));
  assert.deepStrictEqual(p.Intercept, { dist: "student_t", df: 3, mu: 1, sigma: 2.5 });
  // zeros become 0.1 before the log: log(0.1) = −2.30 → median of (−2.30, −2.30, 0) = −2.3
  assert.deepStrictEqual(defaultPriors("poisson", new Float64Array([0, 0, 1])).Intercept, {
    dist: "student_t",
    df: 3,
    mu: -2.3,
    sigma: 2.5,
  });
});

Deno.test("defaultPriors: parameter(name) gives each family parameter's default", () => {
  const d = defaultPriors("student", new Float64Array([0, 10, 20, 30, 40, 55]));
  assert.deepStrictEqual(d.parameter("sigma"), d.sigma);
  assert.deepStrictEqual(d.parameter("nu"), d.nu);
  assert.throws(() => defaultPriors("poisson", new Float64Array([1])).parameter("sigma"));
});
