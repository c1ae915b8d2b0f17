import assert from "node:assert/strict";
import { binomial, gamma, poisson } from "../../lib/math/variates.ts";
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

Deno.test("binomial: mean n·p and variance n·p(1 − p), by Bernoullis and by splitting, in O(log n)", () => {
  // It summed one Bernoulli per trial: 1e6 trials cost ~30 ms a draw, so predictions of a
  // binomial model with large trials (vote counts) ran for hours.
  const n = 4000;
  for (const [trials, p] of [[10, 0.3], [64, 0.9], [65, 0.5], [1e6, 0.3], [1e9, 0.01]]) {
    const rng = new KeyedStream(7, 0, 0, 0);
    const m = moments(() => binomial(rng, trials, p), n);
    const mean = trials * p, variance = trials * p * (1 - p);
    assert.ok(Math.abs(m.mean - mean) < 4.5 * Math.sqrt(variance / n), `${trials}: ${m.mean}`);
    // The variance's standard error is about √(2/n) ≈ 2.2% of it here: 10% is 4.5 of them.
    assert.ok(Math.abs(m.variance / variance - 1) < 0.1, `${trials}: ${m.variance}`);
  }
  // Whole counts within 0…n, p = 0 and 1 included; 1e9 trials in well under a second.
  const rng = new KeyedStream(8, 0, 0, 0);
  const t0 = performance.now();
  for (let i = 0; i < 1000; i++) {
    const k = binomial(rng, 1e9, 0.5);
    assert.ok(Number.isInteger(k) && k >= 0 && k <= 1e9);
  }
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(binomial(rng, 1e6, 0), 0);
  assert.equal(binomial(rng, 1e6, 1), 1e6);
});
