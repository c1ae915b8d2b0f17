/**
 * tQuantile against R: `options(digits = 17); qt(0.975, df); qt(0.95, df)` (R 4.2.2), stored
 * here (the tests never run R).
 */
import assert from "node:assert/strict";
import { tQuantile } from "../../lib/diagnostics/student_t_quantile.ts";
import { normalQuantile } from "../../lib/diagnostics/normal_quantile.ts";

const R_QT: [df: number, q975: number, q95: number][] = [
  [1, 12.706204736174694, 6.3137515146750376],
  [2, 4.3026527297494619, 2.9199855803537238],
  [3.5, 2.9400886379827291, 2.2224334936496009],
  [8, 2.3060041352041658, 1.8595480375308966],
  [17.3, 2.1070320037534676, 1.7378728385820259],
  [100, 1.9839715185235516, 1.6602343260853394],
  [1e4, 1.9602012398906257, 1.6450060180692418],
];

Deno.test("tQuantile matches R's qt for whole and fractional df", () => {
  for (const [df, q975, q95] of R_QT) {
    assert.ok(Math.abs(tQuantile(0.95, df) / q975 - 1) < 1e-10, `df ${df}: ${tQuantile(0.95, df)}`);
    assert.ok(Math.abs(tQuantile(0.9, df) / q95 - 1) < 1e-10, `df ${df}: ${tQuantile(0.9, df)}`);
  }
});

Deno.test("tQuantile: the normal quantile in the limit; NaN for df ≤ 0 or a level outside (0, 1)", () => {
  assert.ok(Math.abs(tQuantile(0.95, 1e9) - normalQuantile(0.975)) < 1e-12);
  assert.ok(Math.abs(tQuantile(0.95, 1e7) - normalQuantile(0.975)) < 1e-6);
  for (const [level, df] of [[0.95, 0], [0.95, -1], [0.95, NaN], [1, 5], [0, 5]]) {
    assert.ok(Number.isNaN(tQuantile(level, df)), `level ${level}, df ${df}`);
  }
});
