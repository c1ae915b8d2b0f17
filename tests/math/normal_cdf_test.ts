import assert from "node:assert/strict";
import { normalCdf, normalDensity } from "../../lib/math/normal_cdf.ts";

Deno.test("normalCdf: known quantiles, symmetry and deep lower tail", () => {
  // Reference values of Φ from Python's math.erfc: 0.5 * erfc(-x / sqrt(2)). Tolerance: exp(−x²/2)
  // carries a relative rounding error of about (x²/2)·2.2e-16 ≈ 1e-13 at x = −30.
  const known: [number, number][] = [
    [-1, 0.15865525393145707],
    [0.5, 0.6914624612740131],
    [2.4, 0.9918024640754038],
    [-3, 0.0013498980316300957],
    [-10, 7.619853024160593e-24],
    [-30, 4.906713927148764e-198],
  ];
  for (const [x, p] of known) {
    assert.ok(Math.abs(normalCdf(x) / p - 1) < 1e-12, `Φ(${x}) = ${normalCdf(x)}, want ${p}`);
  }
  for (const x of [-4.1, -2.5, -1.3, 0.2, 1.41, 1.42, 6]) {
    assert.ok(Math.abs(normalCdf(x) + normalCdf(-x) - 1) < 1e-15);
  }
});

Deno.test("normalCdf: its derivative is normalDensity (central differences)", () => {
  for (const x of [-7, -2.5, -0.3, 0, 1.1, 2.5, 4]) {
    const h = 1e-5;
    const fd = (normalCdf(x + h) - normalCdf(x - h)) / (2 * h);
    // Central differences err by ~h²·|φ''|/6 (< 1e-10) plus rounding ~1e-16/h = 1e-11.
    assert.ok(Math.abs(fd - normalDensity(x)) < 1e-9, `x = ${x}`);
  }
});
