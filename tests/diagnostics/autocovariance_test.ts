import assert from "node:assert/strict";
import { autocovariance } from "../../lib/diagnostics/autocovariance.ts";

/** The definition, summed directly: Σᵢ (xᵢ − x̄)(xᵢ₊ₜ − x̄) / n. */
function direct(x: number[]): number[] {
  const n = x.length;
  const m = x.reduce((a, b) => a + b, 0) / n;
  return x.map((_, t) => {
    let s = 0;
    for (let i = 0; i + t < n; i++) s += (x[i] - m) * (x[i + t] - m);
    return s / n;
  });
}

Deno.test("autocovariance: the FFT matches the direct sum at every lag (lengths around powers of two)", () => {
  for (const n of [1, 2, 3, 7, 8, 9, 100]) {
    // A deterministic, autocorrelated sequence: a slow sine plus a fast one plus a trend.
    const x = Array.from(
      { length: n },
      (_, i) => Math.sin(i / 3) + 0.3 * Math.cos(2.1 * i) + i / n,
    );
    const fast = autocovariance(new Float64Array(x));
    const slow = direct(x);
    assert.equal(fast.length, n);
    for (let t = 0; t < n; t++) {
      assert.ok(
        Math.abs(fast[t] - slow[t]) < 1e-12,
        `n = ${n}, lag ${t}: ${fast[t]} vs ${slow[t]}`,
      );
    }
  }
});

Deno.test("autocovariance: lag 0 is the variance over n; constants and empty input give zeros", () => {
  const ac = autocovariance([2, 4, 4, 4, 5, 5, 7, 9]);
  assert.ok(Math.abs(ac[0] - 4) < 1e-12); // the population variance of this classic example
  assert.deepEqual([...autocovariance([3, 3, 3])], [0, 0, 0]);
  assert.equal(autocovariance([]).length, 0);
  // An alternating sequence is perfectly anti-correlated at lag 1.
  const alt = autocovariance([1, -1, 1, -1, 1, -1]);
  assert.ok(alt[1] < 0 && Math.abs(alt[1] / alt[0] + 5 / 6) < 1e-12);
});
