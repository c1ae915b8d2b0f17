/**
 * olsHc2Qr against R: coefficients from `lm()` and HC2 covariance from
 * `sandwich::vcovHC(type = "HC2")`, computed by fixtures/ols_hc2_reference.R and stored with its
 * data in fixtures/ols_hc2_reference.json (the tests never run R).
 *
 * Tolerances (relative): both sides solve by Householder QR in double precision.
 * - Well-conditioned design (κ(X) ≈ 3): 1e-10 for everything.
 * - Cubic in raw powers of x ∈ [970, 1030] (κ(X) ≈ 2e14): coefficients 1e-9 (QR and lm agree
 *   to ~1e-12; the normal equations are ~5e-4 off); HC2 against R's stable QR formula
 *   (`vcov_hc2_qr`) 1e-6; against sandwich, which forms
 *   X'ΩX and so is itself good to ~1e-4 here, 1e-3.
 */
import assert from "node:assert/strict";
import { olsHc2Qr } from "../../lib/posterior/ols_hc2.ts";
import { HetfxError } from "../../lib/errors.ts";

interface Case {
  names: string[];
  columns: number[][];
  y: number[];
  coef: number[];
  se_hc2: number[];
  vcov_hc2: number[];
  vcov_hc2_qr: number[];
}

const reference = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/ols_hc2_reference.json", import.meta.url)),
) as Record<"well_conditioned" | "cubic_near_1000", Case>;

function relativeError(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

function checkAgainstR(c: Case, tolerance: { coef: number; sandwich: number; qr: number }): void {
  const fit = olsHc2Qr(c.columns.map((x) => Float64Array.from(x)), Float64Array.from(c.y), c.names);
  c.coef.forEach((b, j) => {
    const error = relativeError(fit.coef[j], b);
    assert.ok(error < tolerance.coef, `coef ${c.names[j]}: ${fit.coef[j]} vs R ${b}`);
  });
  checkCovariance(c.names, fit.vcov, c.vcov_hc2, tolerance.sandwich, "sandwich");
  checkCovariance(c.names, fit.vcov, c.vcov_hc2_qr, tolerance.qr, "R's QR formula");
}

/** Every entry relative to the geometric mean of its two variances (the diagonal: the SEs²). */
function checkCovariance(
  names: string[],
  vcov: Float64Array,
  reference: number[],
  tolerance: number,
  what: string,
): void {
  const p = names.length;
  for (let j = 0; j < p; j++) {
    for (let k = 0; k < p; k++) {
      const scale = Math.sqrt(reference[j * p + j] * reference[k * p + k]);
      const error = Math.abs(vcov[j * p + k] - reference[j * p + k]) / scale;
      assert.ok(error < tolerance, `HC2 cov ${names[j]}, ${names[k]} vs ${what}: ${error}`);
    }
  }
}

Deno.test("olsHc2Qr matches R's lm and sandwich::vcovHC(type = 'HC2'): well-conditioned design", () => {
  checkAgainstR(reference.well_conditioned, { coef: 1e-10, sandwich: 1e-10, qr: 1e-10 });
});

Deno.test("olsHc2Qr matches R on a cubic in x near 1000 (ill-conditioned: QR, not XᵀX)", () => {
  checkAgainstR(reference.cubic_near_1000, { coef: 1e-9, sandwich: 1e-3, qr: 1e-6 });
});

Deno.test("olsHc2Qr refuses a rank-deficient design naming the column", () => {
  const ones = new Float64Array(6).fill(1);
  const x = Float64Array.of(1, 2, 3, 4, 5, 6);
  const twice = x.map((v) => 2 * v);
  assert.throws(
    () => olsHc2Qr([ones, x, twice], Float64Array.of(1, 3, 2, 5, 4, 6), ["1", "x", "2x"]),
    (e: unknown) =>
      e instanceof HetfxError && /column "2x" is \(nearly\) a linear combination/.test(e.message),
  );
  assert.throws(
    () => olsHc2Qr([ones, x], Float64Array.of(1, 2), ["1", "x"]),
    /2 rows for 2 coefficients/,
  );
});
