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
 *
 * Weighted least squares against R's `lm(weights = w)` and sandwich's HC2 for that fit, from
 * fixtures/wls_hc2_reference.R (fixtures/wls_hc2_reference.json), 1e-10; independently of R,
 * integer weights give the coefficients of OLS on the rows repeated that many times, weights of 1
 * the unweighted fit bit for bit, and rows of weight 0 the fit without them.
 */
import assert from "node:assert/strict";
import { hc2Variance, olsHc2Qr } from "../../lib/posterior/ols_hc2.ts";
import { HetfxError } from "../../lib/errors.ts";
import { WLS_REFERENCE } from "./_wls_reference.ts";

interface Case {
  names: string[];
  columns: number[][];
  y: number[];
  coef: number[];
  se_hc2: number[];
  vcov_hc2: number[];
  vcov_hc2_qr: number[];
}

const weighted = WLS_REFERENCE.ols;

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

Deno.test("olsHc2Qr with weights matches R's lm(weights = w) and sandwich's HC2 for it", () => {
  const c = weighted;
  const fit = olsHc2Qr(
    c.columns.map((x) => Float64Array.from(x)),
    Float64Array.from(c.y),
    c.names,
    Float64Array.from(c.w),
  );
  c.coef.forEach((b, j) => {
    assert.ok(
      relativeError(fit.coef[j], b) < 1e-10,
      `coef ${c.names[j]}: ${fit.coef[j]} vs R ${b}`,
    );
  });
  checkCovariance(c.names, fit.vcov, c.vcov_hc2, 1e-10, "sandwich (weighted lm)");
  // Not the unweighted fit: the weights matter here (about 10% on the SEs).
  const plain = olsHc2Qr(
    c.columns.map((x) => Float64Array.from(x)),
    Float64Array.from(c.y),
    c.names,
  );
  assert.ok(relativeError(plain.se[1], Math.sqrt(c.vcov_hc2[5])) > 0.02);
});

Deno.test("olsHc2Qr: weights of 1 give the unweighted fit bit for bit", () => {
  for (const c of [reference.well_conditioned, reference.cubic_near_1000]) {
    const columns = c.columns.map((x) => Float64Array.from(x));
    const y = Float64Array.from(c.y);
    const ones = new Float64Array(y.length).fill(1);
    assert.deepEqual(olsHc2Qr(columns, y, c.names, ones), olsHc2Qr(columns, y, c.names));
  }
});

Deno.test("olsHc2Qr: integer weights give the coefficients of the rows repeated (no R)", () => {
  const c = reference.well_conditioned;
  const n = c.y.length;
  const w = Float64Array.from({ length: n }, (_, i) => 1 + (i * 7) % 4); // 1 to 4
  const repeated = (v: number[]) => v.flatMap((x, i) => new Array(w[i]).fill(x));
  const wls = olsHc2Qr(
    c.columns.map((x) => Float64Array.from(x)),
    Float64Array.from(c.y),
    c.names,
    w,
  );
  const copies = olsHc2Qr(
    c.columns.map((x) => Float64Array.from(repeated(x))),
    Float64Array.from(repeated(c.y)),
    c.names,
  );
  wls.coef.forEach((b, j) => assert.ok(relativeError(b, copies.coef[j]) < 1e-12, c.names[j]));
  // HC2 is not invariant to repeating rows (a copy's hat value is hᵢ/wᵢ): the SEs differ.
  assert.ok(relativeError(wls.se[1], copies.se[1]) > 1e-3);
});

Deno.test("olsHc2Qr: rows of weight 0 change nothing, however wild; hat values stay finite", () => {
  const c = weighted;
  const columns = c.columns.map((x) => Float64Array.from(x));
  const y = Float64Array.from(c.y);
  const w = Float64Array.from(c.w);
  const base = olsHc2Qr(columns, y, c.names, w);
  // Three extra rows of weight 0: a wild outcome, a far-out design point, an exact duplicate.
  const extra = [[1, 1, 500, 500], [1, 0, -1e6, 0], c.columns.map((x) => x[0])];
  const yExtra = [1e4, -3, c.y[0]];
  const padded = olsHc2Qr(
    columns.map((x, j) => Float64Array.from([...x, ...extra.map((r) => r[j])])),
    Float64Array.from([...y, ...yExtra]),
    c.names,
    Float64Array.from([...w, 0, 0, 0]),
  );
  assert.equal(padded.n, base.n);
  base.coef.forEach((b, j) => assert.ok(relativeError(padded.coef[j], b) < 1e-12, c.names[j]));
  checkCovariance(c.names, padded.vcov, [...base.vcov], 1e-12, "the fit without them");
  assert.ok(padded.se.every(Number.isFinite));
});

Deno.test("olsHc2Qr refuses bad weights and counts only rows of positive weight", () => {
  const ones = new Float64Array(4).fill(1);
  const x = Float64Array.of(1, 2, 3, 4);
  const y = Float64Array.of(1, 3, 2, 5);
  assert.throws(
    () => olsHc2Qr([ones, x], y, ["1", "x"], Float64Array.of(1, -1, 1, 1)),
    (e: unknown) => e instanceof HetfxError && /non-negative, but row 2 has -1/.test(e.message),
  );
  assert.throws(() => olsHc2Qr([ones, x], y, ["1", "x"], Float64Array.of(1, NaN, 1, 1)), /row 2/);
  assert.throws(
    () => olsHc2Qr([ones, x], y, ["1", "x"], Float64Array.of(1, 1)),
    /2 weights for 4 rows/,
  );
  assert.throws(
    () => olsHc2Qr([ones, x], y, ["1", "x"], Float64Array.of(1, 0, 0, 1)),
    /2 rows of positive weight for 2 coefficients/,
  );
});

Deno.test("olsHc2Qr: a row of leverage 1 leaves what it moves without an HC2 variance (NaN), the rest as Welch", () => {
  // y ~ t * gB: cell A has 3 control and 3 treated rows, cell B 3 control and one treated row,
  // which its cell's treated mean is (leverage 1: e = 0, 1 − h = 0, HC2's e²/(1 − h) = 0/0).
  const t = [0, 0, 0, 1, 1, 1, 0, 0, 0, 1];
  const b = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1];
  const y = Float64Array.from([1, 2, 4, 5, 7, 10, 3, 4, 8, 20]);
  const columns = [t.map(() => 1), t, b, t.map((v, i) => v * b[i])].map((c) =>
    Float64Array.from(c)
  );
  const fit = olsHc2Qr(columns, y, ["1", "t", "b", "t:b"]);
  assert.equal(fit.fullLeverage.length, 1);
  // β_t is cell A's difference in means, 22/3 − 7/3 = 5; its HC2 variance is Welch's,
  // s₁²/3 + s₀²/3. (sandwich::vcovHC(lm(y ~ t * b), type = "HC2") gives NaN for every
  // coefficient here, with a warning: its meat is 0/0 for the whole row.)
  const welch = (xs: number[]) => {
    const m = xs.reduce((s, v) => s + v, 0) / xs.length;
    return xs.reduce((s, v) => s + (v - m) ** 2, 0) / (xs.length - 1) / xs.length;
  };
  assert.ok(Math.abs(fit.coef[1] - 5) < 1e-12);
  assert.ok(Math.abs(fit.se[1] ** 2 - (welch([5, 7, 10]) + welch([1, 2, 4]))) < 1e-12);
  // Cell B's control mean (β₀ + β_b) has a variance; cell B's effect (β_t + β_t:b) and β_t:b do not.
  assert.ok(Math.abs(hc2Variance(fit, [1, 0, 1, 0]) - welch([3, 4, 8])) < 1e-12);
  assert.ok(Number.isNaN(fit.se[3]), `se of t:b is ${fit.se[3]}`);
  assert.ok(Number.isNaN(hc2Variance(fit, [0, 1, 0, 1])));
  assert.ok(Number.isFinite(fit.se[0]) && Number.isFinite(fit.se[2]));
  // The single treated row's outcome moves only β_t:b: (XᵀX)⁻¹xᵢ = (0, 0, 0, 1).
  const v = fit.fullLeverage[0];
  assert.ok(Math.abs(v[3] - 1) < 1e-12 && [0, 1, 2].every((j) => Math.abs(v[j]) < 1e-12));
});
