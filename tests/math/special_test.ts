import assert from "node:assert/strict";
import { digamma, logGamma } from "../../lib/math/special.ts";

/** log n! by summing logs: an independent reference for logGamma at integers. */
function logFactorial(n: number): number {
  let s = 0;
  for (let k = 2; k <= n; k++) s += Math.log(k);
  return s;
}

Deno.test("logGamma: log (n-1)! at integers, √π at 1/2, the reflection branch below 1/2", () => {
  for (const n of [1, 2, 3, 5, 10, 30, 170]) {
    const expected = logFactorial(n - 1);
    assert.ok(Math.abs(logGamma(n) - expected) < 1e-12 * Math.max(1, expected), `n = ${n}`);
  }
  assert.ok(Math.abs(logGamma(0.5) - 0.5 * Math.log(Math.PI)) < 1e-13);
  // Γ(1/4) = 3.625609908221908…, so x < 1/2 goes through the reflection formula.
  assert.ok(Math.abs(logGamma(0.25) - Math.log(3.625609908221908)) < 1e-13);
  // Γ(x + 1) = x Γ(x) across the branch boundary.
  for (const x of [0.1, 0.3, 0.7, 2.5, 41.2]) {
    assert.ok(Math.abs(logGamma(x + 1) - logGamma(x) - Math.log(x)) < 1e-12, `x = ${x}`);
  }
});

Deno.test("digamma: ψ(1) = −γ, ψ(1/2) = −γ − 2 log 2, recurrence, and the derivative of logGamma", () => {
  // The asymptotic series stops at x⁻¹⁰ after recurring up to x ≥ 6: its error there is about
  // 691 / (32760 x¹²) ≈ 1e-11, so 1e-10 is the tolerance.
  const eulerGamma = 0.5772156649015329;
  assert.ok(Math.abs(digamma(1) + eulerGamma) < 1e-10);
  assert.ok(Math.abs(digamma(0.5) + eulerGamma + 2 * Math.log(2)) < 1e-10);
  for (const x of [0.2, 1.5, 5.9, 6, 25]) {
    assert.ok(Math.abs(digamma(x + 1) - digamma(x) - 1 / x) < 1e-10, `x = ${x}`);
  }
  // Central difference of logGamma: error h²/6·|ψ''(x)| ≤ 2e-9 for x ≥ 1.5 at h = 1e-4.
  for (const x of [1.5, 3, 5.9, 6, 25]) {
    const h = 1e-4;
    const slope = (logGamma(x + h) - logGamma(x - h)) / (2 * h);
    assert.ok(Math.abs(digamma(x) - slope) < 1e-8, `x = ${x}`);
  }
});
