/**
 * drawPrior and lkjCholesky (SBC's prior draws). LKJ(η) in dimension K gives every correlation
 * the marginal 2·Beta(η − 1 + K/2, η − 1 + K/2) − 1 (Lewandowski, Kurowicka & Joe 2009), so
 * E[r] = 0 and E[r²] = 1/(2η + K − 1); the draws are checked against both, entry by entry.
 */
import assert from "node:assert/strict";
import { drawPrior, lkjCholesky } from "../../lib/calibration/prior_draw.ts";
import { KeyedStream } from "../../lib/math/rng.ts";

/** Correlation (a, c) of the matrix L·Lᵀ, L row-major K × K. */
function correlation(L: Float64Array, K: number, a: number, c: number): number {
  let r = 0;
  for (let m = 0; m < K; m++) r += L[a * K + m] * L[c * K + m];
  return r;
}

for (const [K, eta] of [[2, 1], [2, 3], [3, 1], [4, 2]]) {
  Deno.test(`lkjCholesky: K = ${K}, η = ${eta}: unit diagonal, E[r] = 0, E[r²] = 1/(2η + K − 1)`, () => {
    const n = 20000;
    const rng = new KeyedStream(7, K, eta, 0);
    const pairs: [number, number][] = [];
    for (let a = 0; a < K; a++) for (let c = a + 1; c < K; c++) pairs.push([a, c]);
    const sum = pairs.map(() => 0), sum2 = pairs.map(() => 0), sum4 = pairs.map(() => 0);
    for (let i = 0; i < n; i++) {
      const L = lkjCholesky(K, eta, rng);
      for (let a = 0; a < K; a++) {
        assert.ok(Math.abs(correlation(L, K, a, a) - 1) < 1e-12, "unit diagonal");
      }
      pairs.forEach(([a, c], q) => {
        const r = correlation(L, K, a, c);
        sum[q] += r;
        sum2[q] += r * r;
        sum4[q] += r ** 4;
      });
    }
    const expected = 1 / (2 * eta + K - 1);
    pairs.forEach(([a, c], q) => {
      const m2 = sum2[q] / n;
      // Tolerances: 5 Monte Carlo standard errors, from the draws' own sd of r and of r².
      const seMean = Math.sqrt(m2 / n);
      const seM2 = Math.sqrt((sum4[q] / n - m2 * m2) / n);
      assert.ok(Math.abs(sum[q] / n) < 5 * seMean, `E[r_${a}${c}] = ${sum[q] / n}`);
      assert.ok(
        Math.abs(m2 - expected) < 5 * seM2,
        `E[r_${a}${c}²] = ${m2}, expected ${expected} (± ${5 * seM2})`,
      );
    });
  });
}

Deno.test("drawPrior: the lower bound is imposed by rejection (half-normal mean √(2/π))", () => {
  const rng = new KeyedStream(3, 0, 0, 0);
  const n = 20000;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const x = drawPrior({ dist: "normal", mu: 0, sigma: 1 }, rng, 0, "sd");
    assert.ok(x > 0);
    sum += x;
  }
  // sd of a half-normal is √(1 − 2/π) ≈ 0.60; 5 standard errors.
  assert.ok(Math.abs(sum / n - Math.sqrt(2 / Math.PI)) < 5 * 0.603 / Math.sqrt(n));
});

Deno.test("drawPrior: inv_gamma(α, β) draws have 1/x ~ Gamma(α, rate β) (mean α/β)", () => {
  const rng = new KeyedStream(5, 0, 0, 0);
  const n = 20000;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const x = drawPrior({ dist: "inv_gamma", shape: 3, scale: 2 }, rng, 0, "shape");
    assert.ok(x > 0);
    sum += 1 / x;
  }
  // 1/x has mean 3/2 and sd √3/2 ≈ 0.87; 5 standard errors. (A rate read as a scale, x =
  // gamma/β, gives mean α·β = 6.)
  assert.ok(Math.abs(sum / n - 1.5) < 5 * 0.866 / Math.sqrt(n), `mean of 1/x ${sum / n}`);
});
