import assert from "node:assert/strict";
import { gamma, poisson } from "../../lib/math/variates.ts";
import { KeyedStream } from "../../lib/math/rng.ts";

/** Mean and variance of n draws. */
function moments(draw: () => number, n: number): { mean: number; variance: number } {
  let s = 0, ss = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    s += x;
    ss += x * x;
  }
  return { mean: s / n, variance: ss / n - (s / n) ** 2 };
}

Deno.test("gamma: mean and variance equal the shape (both branches: shape < 1 and ≥ 1)", () => {
  const n = 40000;
  for (const shape of [0.4, 2.5, 40]) {
    const rng = new KeyedStream(3, 0, 0, 0);
    const m = moments(() => gamma(rng, shape), n);
    // Gamma(k, 1): mean k, variance k; 4.5 standard errors of the mean.
    assert.ok(Math.abs(m.mean - shape) < 4.5 * Math.sqrt(shape / n), `${shape}: ${m.mean}`);
    assert.ok(Math.abs(m.variance / shape - 1) < 0.1, `${shape}: ${m.variance}`);
  }
});

Deno.test("poisson: mean and variance equal λ (inversion below 30, splitting above)", () => {
  const n = 40000;
  for (const lambda of [0.3, 6, 75]) {
    const rng = new KeyedStream(5, 0, 0, 0);
    const m = moments(() => poisson(rng, lambda), n);
    assert.ok(Math.abs(m.mean - lambda) < 4.5 * Math.sqrt(lambda / n), `${lambda}: ${m.mean}`);
    assert.ok(Math.abs(m.variance / lambda - 1) < 0.1, `${lambda}: ${m.variance}`);
  }
});

Deno.test("poisson and gamma: a non-finite λ or shape returns at once instead of looping", () => {
  // exp(η) overflows to Infinity for η > 709 (newdata far outside the fitted range): poisson
  // looped forever there, and read NaN as a count of 0.
  const rng = new KeyedStream(5, 0, 0, 0);
  assert.equal(poisson(rng, Infinity), Infinity);
  assert.ok(Number.isNaN(poisson(rng, NaN)));
  assert.equal(gamma(rng, Infinity), Infinity);
  assert.ok(Number.isNaN(gamma(rng, NaN)));
  // Large finite rates still draw: 1e300 is within rounding of its mean.
  assert.ok(Math.abs(poisson(rng, 1e300) / 1e300 - 1) < 1e-6);
});
