import assert from "node:assert/strict";
import { drawThresholds, hasEveryCategory } from "../../lib/calibration/threshold_draw.ts";
import { KeyedStream } from "../../lib/math/rng.ts";
import { HetfxError } from "../../lib/errors.ts";
import type { PriorDistribution } from "../../lib/spec/model_spec.ts";

const normal = (mu: number, sigma: number): PriorDistribution => ({ dist: "normal", mu, sigma });

Deno.test("drawThresholds: one common prior gives the order statistics of i.i.d. draws", () => {
  // Two N(0, 1) thresholds restricted to τ1 < τ2: τ1 = min of two standard normals, with
  // E = −1/√π ≈ −0.5642 and Var = 1 − 1/π. 20,000 draws: se = √(0.682/20000) ≈ 0.0058;
  // tolerance 4.5 se.
  const rng = new KeyedStream(3, 0, 0);
  const n = 20_000;
  let sum1 = 0, sum2 = 0;
  for (let s = 0; s < n; s++) {
    const tau = drawThresholds([normal(0, 1), normal(0, 1)], rng);
    assert.ok(tau[0] < tau[1]);
    sum1 += tau[0], sum2 += tau[1];
  }
  const se = Math.sqrt((1 - 1 / Math.PI) / n);
  assert.ok(Math.abs(sum1 / n + 1 / Math.sqrt(Math.PI)) < 4.5 * se, `E[τ1] ${sum1 / n}`);
  assert.ok(Math.abs(sum2 / n - 1 / Math.sqrt(Math.PI)) < 4.5 * se, `E[τ2] ${sum2 / n}`);
});

Deno.test("drawThresholds: differing priors by rejection; disjoint ones refused", () => {
  // N(0, 1) and N(1, 1) restricted to τ1 < τ2: the gap D = τ2 − τ1 ~ N(1, 2) given D > 0, with
  // E = 1 + √2·φ(1/√2)/Φ(1/√2) ≈ 1.574 and sd ≈ 1.044 (truncated normal), so se ≈ 0.0074 at
  // 20,000 draws; tolerance 4.5 se.
  const rng = new KeyedStream(4, 0, 0);
  const n = 20_000;
  let gap = 0;
  for (let s = 0; s < n; s++) {
    const tau = drawThresholds([normal(0, 1), normal(1, 1)], rng);
    assert.ok(tau[0] < tau[1]);
    gap += tau[1] - tau[0];
  }
  const z = 1 / Math.SQRT2;
  const phi = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
  const Phi = 0.7602499389065233; // Φ(1/√2)
  const expected = 1 + Math.SQRT2 * phi / Phi;
  assert.ok(Math.abs(gap / n - expected) < 4.5 * 0.0074, `E[gap] ${gap / n} vs ${expected}`);
  assert.throws(
    () => drawThresholds([normal(50, 0.1), normal(-50, 0.1)], new KeyedStream(5, 0, 0)),
    (e) => e instanceof HetfxError && /no mass on ordered values/.test(e.message),
  );
});

Deno.test("hasEveryCategory: all of 1…K seen, else false, and refused after 1000 data sets", () => {
  assert.equal(hasEveryCategory(Float64Array.of(2, 1, 3, 3), 3, 1), true);
  assert.equal(hasEveryCategory(Float64Array.of(1, 1, 3), 3, 999), false);
  assert.throws(
    () => hasEveryCategory(Float64Array.of(1, 1, 3), 3, 1000),
    (e) => e instanceof HetfxError && /missed one of the 3 categories/.test(e.message),
  );
});
