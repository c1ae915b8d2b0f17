/**
 * Issue 23, parsing classes: formulas and hypotheses of any size parse or are refused with a
 * HetfxError (no stack overflow); brms syntax hetfx lacks is named "not supported" with what to
 * do; `(… | a/b)` nesting is expanded as brms does; back-quoted and Unicode column names work;
 * hypotheses read scientific notation.
 */
import assert from "node:assert/strict";
import { formula } from "../../lib/spec/formula.ts";
import { parseFormula, printFormula } from "../../lib/spec/formula_parser.ts";
import { MAX_NESTING, MAX_OPERATORS } from "../../lib/spec/formula_lexer.ts";
import { tableFromCsvText } from "../../lib/data/load_table.ts";
import { hypothesis } from "../../lib/posterior/hypothesis.ts";
import type { Fit } from "../../lib/fit/mod.ts";
import { assertHetfx, baseCsv } from "./_helpers.ts";

const base = tableFromCsvText(baseCsv());

// ---- size: nesting and length ----------------------------------------------------------------

Deno.test("formula: 10⁴ nested parentheses are refused with the stated limit", async () => {
  const deep = "y ~ " + "(".repeat(10_000) + "x" + ")".repeat(10_000);
  const message = await assertHetfx(
    () => formula(deep, base),
    new RegExp(`nested more than ${MAX_NESTING} deep`),
  );
  assert.ok(message.length < 1000, "a long formula is shown as a window, not in full");
});

Deno.test("formula: nesting at the limit still parses and gives the plain term", () => {
  const atLimit = "y ~ " + "(".repeat(MAX_NESTING) + "x" + ")".repeat(MAX_NESTING);
  assert.deepEqual(formula(atLimit, base).toJSON().terms, ["x"]);
});

Deno.test("formula: 10⁴ terms are refused; the limit itself parses and expands", async () => {
  const many = "y ~ " + Array.from({ length: 10_000 }, () => "x").join(" + ");
  await assertHetfx(() => formula(many, base), /more than 1000 operators/);
  // MAX_OPERATORS operators: "x" then "+ 0 + 1" repeated (the intercept dropped and put back).
  const parts = ["y ~ x"];
  for (let k = 1; k < MAX_OPERATORS; k += 2) parts.push("+ 0 + 1");
  const text = parts.join(" ");
  assert.equal(text.split(/[-+]/).length - 1, MAX_OPERATORS);
  const spec = formula(text, base).toJSON();
  assert.deepEqual([spec.terms, spec.intercept], [["x"], true]);
  // Left-deep chains of ":" and "*" at the limit go through expansion without recursion errors.
  const colon = "y ~ " + Array.from({ length: MAX_OPERATORS }, () => "x").join(":");
  assert.deepEqual(formula(colon, base).toJSON().terms, ["x"]);
});

Deno.test("hypothesis: deep and long expressions are refused, not a stack overflow", async () => {
  const fit = fakeFit();
  await assertHetfx(
    () => hypothesis(fit, "(".repeat(10_000) + "x" + ")".repeat(10_000) + " > 0"),
    /nested more than 100 deep/,
  );
  await assertHetfx(
    () => hypothesis(fit, Array.from({ length: 10_000 }, () => "x").join(" + ") + " > 0"),
    /more than 1000 operators/,
  );
  // 500 terms: x summed 500 times is 500·x, draw by draw.
  const [h] = hypothesis(fit, Array.from({ length: 500 }, () => "x").join(" + ") + " > 0");
  const x = fit.named.values.get("b_x")!;
  assert.ok(Math.abs(h.draws[7] - 500 * x[7]) < 1e-9);
});

// ---- unsupported brms syntax ---------------------------------------------------------------

const UNSUPPORTED: [string, RegExp][] = [
  ["y ~ x + offset(n)", /offset\(\) is not supported.*add the offset as a column/],
  ["y ~ s(x)", /s\(\) is not supported.*smooth terms/],
  ["y ~ t2(x, s)", /t2\(\) is not supported/],
  ["y ~ mo(x)", /mo\(\) is not supported.*monotonic/],
  ["y ~ poly(x, 2)", /poly\(\) is not supported.*compute the polynomial columns first/],
  ["y ~ I(x^2)", /I\(\) is not supported.*compute the column first/],
  ["y ~ gp(x)", /gp\(\) is not supported.*Gaussian-process/],
  ["y ~ me(x, s)", /me\(\) is not supported.*measurement-error/],
  ["y ~ cs(x)", /cs\(\) is not supported/],
  ["y ~ log(x)", /log\(\) is not supported.*compute the column first/],
  ["y ~ factor(g)", /factor\(\) is not supported.*factors: \["x"\]/],
  ["y ~ (x + treat)^2", /crossing is not supported: write the products/],
  ["y ~ .", /"\." \(all other columns\) is not supported/],
  ["y ~ x / treat", /nesting "a\/b" is supported only after "\|"/],
];

for (const [text, pattern] of UNSUPPORTED) {
  Deno.test(`formula: "${text}" says what is not supported`, async () => {
    await assertHetfx(() => formula(text, base), pattern);
  });
}

// ---- nesting (1 | a/b) ---------------------------------------------------------------------

Deno.test("formula: (1 | a/b) expands to (1 | a) + (1 | a:b), as brms", () => {
  const nested = formula("y ~ treat + (1 | f/g)", base).toJSON();
  const written = formula("y ~ treat + (1 | f) + (1 | f:g)", base).toJSON();
  assert.deepEqual(nested.groupTerms, written.groupTerms);
  assert.deepEqual(nested.groupTerms.map((g) => g.factors), [["f"], ["f", "g"]]);
});

Deno.test("formula: (1 + t | a/b) and (t || a/b/c) carry slopes and bars to every level", () => {
  const slopes = formula("y ~ treat + (1 + treat | f/g)", base).toJSON();
  assert.deepEqual(slopes.groupTerms.map((g) => [g.factors, g.slopes, g.correlated]), [
    [["f"], ["treat"], true],
    [["f", "g"], ["treat"], true],
  ]);
  assert.equal(slopes.treatment, "treat");
  const three = formula("y ~ treat + (treat || f/g/s)", base).toJSON();
  assert.deepEqual(three.groupTerms.map((g) => [g.factors, g.correlated]), [
    [["f"], false],
    [["f", "g"], false],
    [["f", "g", "s"], false],
  ]);
  assert.equal(
    printFormula(parseFormula("y ~ (1 | a/b)")),
    "y ~ (1 | a) + (1 | a:b)",
  );
});

Deno.test("formula: a malformed nesting is a caret error", async () => {
  await assertHetfx(() => formula("y ~ (1 | f/)", base), /expected a grouping column after "\/"/);
  await assertHetfx(() => formula("y ~ (1 | /g)", base), /expected a grouping column/);
});

// ---- names -------------------------------------------------------------------------------

const named = tableFromCsvText(
  "y,my col,a:b,größe,収入,g\n" +
    Array.from(
      { length: 12 },
      (_, i) => `${i % 5},${i % 3},${i % 2},${i * 0.5},${i},${"ab"[i % 2]}`,
    )
      .join("\n") +
    "\n",
);

Deno.test("formula: back-quotes name any column, Unicode letters need none", async () => {
  const spec = formula("y ~ `my col` + größe + 収入 + (1 | g)", named).toJSON();
  assert.deepEqual(spec.terms, ["my col", "größe", "収入"]);
  // ":" joins the variables of an interaction in a ModelSpec, so a name with ":" is refused.
  await assertHetfx(
    () => formula("y ~ `a:b` + (1 | g)", named),
    /column "a:b" has ":" in its name.*rename it/,
  );
  // Printed back with back-quotes where a name needs them, and parsed again to the same.
  const printed = printFormula(parseFormula("y ~ `my col`:größe + (1 | `a:b`)"));
  assert.equal(printed, "y ~ `my col`:größe + (1 | `a:b`)");
  assert.deepEqual(parseFormula(printed).rhs, parseFormula(printed).rhs);
});

Deno.test("formula: quoting mistakes get a message that says how to quote", async () => {
  await assertHetfx(() => formula("y ~ 'my col'", named), /back-quotes: `my col`/);
  await assertHetfx(() => formula("y ~ `my col", named), /unterminated back-quote/);
  await assertHetfx(() => formula("y ~ ``", named), /empty back-quoted name/);
  await assertHetfx(() => formula("y ~ `my coll`", named), /column "my coll" not found/);
});

// ---- hypothesis: numbers and names ------------------------------------------------------

/** Named draws: b_x = s/1000, `b_my col` = 2, b_größe = −1 (1,000 draws). */
function fakeFit(): Fit {
  const S = 1000;
  const values = new Map<string, Float64Array>([
    ["b_x", Float64Array.from({ length: S }, (_, s) => s / S)],
    ["b_my col", new Float64Array(S).fill(2)],
    ["b_größe", new Float64Array(S).fill(-1)],
  ]);
  return {
    named: { chains: 1, drawsPerChain: S, values, names: [...values.keys()] },
    parameterNames: [...values.keys()],
  } as unknown as Fit;
}

Deno.test("hypothesis: scientific notation and leading-point numbers are numbers", () => {
  const fit = fakeFit();
  // P(s/1000 > 1e-3) = P(s > 1) = 998/1000 exactly.
  assert.equal(hypothesis(fit, "b_x > 1e-3")[0]["Post.Prob"], 0.998);
  assert.equal(hypothesis(fit, "x > 2.5E+2 * 1e-3")[0]["Post.Prob"], 749 / 1000);
  assert.equal(hypothesis(fit, "x < .5")[0]["Post.Prob"], 0.5);
  // 1E1 / 1e2 = 0.1: s > 100 in 899 draws.
  assert.equal(hypothesis(fit, "x > 1E1 / 1e2")[0]["Post.Prob"], 899 / 1000);
});

Deno.test("hypothesis: back-quoted and Unicode names; a number glued to a name", async () => {
  const fit = fakeFit();
  assert.equal(hypothesis(fit, "`my col` + größe = 1")[0].Estimate, 0);
  assert.equal(hypothesis(fit, "`b_my col` > 1.5")[0]["Post.Prob"], 1);
  await assertHetfx(() => hypothesis(fit, "2x > 0"), /write "2 \* x"/);
  await assertHetfx(() => hypothesis(fit, "`x > 0"), /unterminated back-quote/);
  await assertHetfx(
    () => hypothesis(fit, ["x > 0", null as unknown as string]),
    /each hypothesis must be a string/,
  );
});
