import assert from "node:assert/strict";
import { normalQuantile } from "../../lib/diagnostics/normal_quantile.ts";
import { assertClose } from "./_helpers.ts";

Deno.test("normalQuantile matches AS 241 reference values in the centre and both tails", () => {
  // Reference values: Python 3 statistics.NormalDist().inv_cdf (also AS 241), which agree with
  // R's qnorm to all printed digits (e.g. qnorm(0.975) = 1.959963984540054).
  const cases: [number, number][] = [
    [0.975, 1.9599639845400536],
    [0.3, -0.5244005127080407],
    [1e-10, -6.361340902404056],
    [0.999999, 4.753424308817089],
    [0.5, 0],
  ];
  for (const [p, z] of cases) {
    assertClose(normalQuantile(p), z, 1e-14 * Math.max(1, Math.abs(z)), `p=${p}`);
  }
});

Deno.test("normalQuantile is antisymmetric and handles the ends", () => {
  for (const p of [1e-6, 0.01, 0.2, 0.49]) {
    assertClose(normalQuantile(p), -normalQuantile(1 - p), 1e-9, `p=${p}`);
  }
  assert.equal(normalQuantile(0), -Infinity);
  assert.equal(normalQuantile(1), Infinity);
  assert.ok(Number.isNaN(normalQuantile(1.5)));
});
