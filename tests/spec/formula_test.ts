import assert from "node:assert/strict";
import { formula } from "../../lib/spec/formula.ts";
import { normal } from "../../lib/spec/priors.ts";
import { makeTable } from "../../lib/data/table.ts";
import { num, tomzLike } from "./_tables.ts";

/** A table with the given numeric columns, every one with enough distinct values. */
function abc(...names: string[]) {
  const cols: Record<string, ReturnType<typeof num>> = {};
  names.forEach((n, j) => cols[n] = num(...[0, 1, 2, 3, 4, 5].map((i) => (i + j) % (2 + (j % 3)))));
  return makeTable(cols);
}

const terms = (text: string, ...cols: string[]) => formula(text, abc("y", ...cols)).toJSON().terms;

Deno.test("formula: terms in R's order (main effects, then 2-way, then 3-way)", () => {
  assert.deepEqual(terms("y ~ a*b*c", "a", "b", "c"), [
    "a",
    "b",
    "c",
    "a:b",
    "a:c",
    "b:c",
    "a:b:c",
  ]);
  assert.deepEqual(terms("y ~ a*(b + c + d)", "a", "b", "c", "d"), [
    "a",
    "b",
    "c",
    "d",
    "a:b",
    "a:c",
    "a:d",
  ]);
  assert.deepEqual(terms("y ~ a:b + c", "a", "b", "c"), ["c", "a:b"]);
  assert.deepEqual(terms("y ~ (a + b):c", "a", "b", "c"), ["a:c", "b:c"]);
});

Deno.test("formula: terms generated twice are merged; interaction names follow first appearance", () => {
  assert.deepEqual(terms("y ~ a*b + a + a:b", "a", "b"), ["a", "b", "a:b"]);
  assert.deepEqual(terms("y ~ b:a + a", "a", "b"), ["a", "b:a"]);
  assert.deepEqual(terms("y ~ a + b:a", "a", "b"), ["a", "a:b"]);
});

Deno.test("formula: intercept removal with 0 +, -1, - 1; term removal with - x", () => {
  const t = abc("y", "x", "z");
  assert.equal(formula("y ~ x", t).toJSON().intercept, true);
  assert.equal(formula("y ~ 0 + x", t).toJSON().intercept, false);
  assert.equal(formula("y ~ -1 + x", t).toJSON().intercept, false);
  assert.equal(formula("y ~ x - 1", t).toJSON().intercept, false);
  assert.equal(formula("y ~ 1 + x", t).toJSON().intercept, true);
  assert.deepEqual(formula("y ~ x*z - x:z", t).toJSON().terms, ["x", "z"]);
  assert.deepEqual(formula("y ~ x*z - x", t).toJSON().terms, ["z", "x:z"]);
});

Deno.test("formula: a literally repeated term is an error pointing at the repeat", () => {
  assert.throws(
    () => formula("y ~ x + z + x", abc("y", "x", "z")),
    /^HetfxError: Cannot parse formula at position 13: duplicate term "x"; it is already in the formula\n {2}y ~ x \+ z \+ x\n {14}\^$/,
  );
  assert.throws(
    () => formula("y ~ x:z + z:x", abc("y", "x", "z")),
    /position 11: duplicate term "x:z"/,
  );
});

Deno.test("formula: other expansion errors carry a caret", () => {
  const t = abc("y", "x", "z");
  assert.throws(
    () => formula("y ~ 2 + x", t),
    /position 5: "2" is not a term; only 1 \(intercept\) or 0/,
  );
  assert.throws(() => formula("y ~ x:1", t), /position 7: "1" can only stand alone in a sum/);
  assert.throws(() => formula("y ~ x - z", t), /position 9: cannot remove "z": it is not a term/);
  assert.throws(
    () => formula("y ~ x:(1 | z)", t),
    /position 7: a group term "\(… \| …\)" must be added on its own/,
  );
  assert.throws(
    () => formula("y ~ x + ((1 | z) | x)", t),
    /position 10: a group term cannot be nested/,
  );
  assert.throws(() => formula("y ~ x - (1 | z)", t), /position 9: a group term cannot be removed/);
});

Deno.test("formula: an unknown column is named with a suggestion and a caret", () => {
  const t = tomzLike();
  assert.throws(
    () => formula("force ~ aliance + (1 + alliance | white)", t),
    (e: unknown) => {
      assert.ok(e instanceof Error && e.name === "HetfxError");
      assert.match(
        e.message,
        /^Cannot build model: column "aliance" not found; did you mean "alliance"\?/,
      );
      assert.ok(e.message.endsWith("\n  force ~ aliance + (1 + alliance | white)\n          ^"));
      return true;
    },
  );
  assert.throws(
    () => formula("force ~ alliance + (1 | whte)", t),
    /column "whte" not found; did you mean "white"\?/,
  );
  // A name the columns object inherits is not a column either (it was taken for one, and the
  // model failed later with a TypeError).
  assert.throws(
    () => formula("force ~ alliance + (1 | toString)", t),
    /^HetfxError: Cannot build model: column "toString" not found/,
  );
});

Deno.test("formula: group term variants", () => {
  const t = abc("y", "t", "g", "h");
  const g = (text: string) => formula(text, t).toJSON().groupTerms;
  assert.deepEqual(g("y ~ t + (1 + t | g)"), [
    { group: "g", factors: ["g"], intercept: true, slopes: ["t"], correlated: true },
  ]);
  assert.deepEqual(g("y ~ t + (1 + t || g)")[0].correlated, false);
  assert.deepEqual(g("y ~ t + (0 + t | g)")[0].intercept, false);
  assert.deepEqual(g("y ~ t + (t | g)")[0], g("y ~ t + (1 + t | g)")[0]);
  assert.deepEqual(g("y ~ t + (1 | g)")[0].slopes, []);
  assert.deepEqual(g("y ~ t + (1 + t | g:h)")[0], {
    group: "g:h",
    factors: ["g", "h"],
    intercept: true,
    slopes: ["t"],
    correlated: true,
  });
});

Deno.test("formula: the treatment is the first term varying by group, or null", () => {
  const t = abc("y", "t", "u", "g", "h");
  assert.equal(formula("y ~ t + (1 + t | g)", t).toJSON().treatment, "t");
  assert.equal(formula("y ~ t + u + (1 + t | g) + (1 + u | h)", t).toJSON().treatment, "t");
  assert.equal(formula("y ~ t + (1 | g) + (1 + u | h)", t).toJSON().treatment, "u");
  assert.equal(formula("y ~ t + (1 | g)", t).toJSON().treatment, null);
});

Deno.test("formula: y | trials(n) gives a binomial model with trials", () => {
  const t = tomzLike();
  const spec = formula("force | trials(n) ~ alliance + (1 + alliance | white)", t).toJSON();
  assert.equal(spec.family, "binomial");
  assert.equal(spec.trials, "n");
  assert.equal(
    formula("force ~ alliance", t, { family: "binomial", trials: "n" }).toJSON().trials,
    "n",
  );
});

Deno.test("formula: y | weights(w), the weights option and .weights() give the same spec", () => {
  const t = tomzLike();
  const text = "force ~ alliance + (1 + alliance | white)";
  const inFormula = formula("force | weights(n) ~ alliance + (1 + alliance | white)", t).toJSON();
  assert.equal(inFormula.weights, "n");
  assert.deepStrictEqual(formula(text, t, { weights: "n" }).toJSON(), inFormula);
  assert.deepStrictEqual(formula(text, t).weights("n").toJSON(), inFormula);
  assert.equal(formula(text, t).toJSON().weights, undefined);
  // Combined with trials, in either order.
  const both = formula("force | weights(n) + trials(n) ~ alliance", t).toJSON();
  assert.deepStrictEqual([both.family, both.trials, both.weights], ["binomial", "n", "n"]);
  assert.throws(
    () => formula("force | weights(n) ~ alliance", t, { weights: "hawk" }),
    /weights given twice \("n" in the formula, "hawk" in the options\)/,
  );
  assert.throws(() => formula("force | weights(nope) ~ alliance", t), /nope/);
});

Deno.test("formula() returns a builder: immutable, and its methods chain", () => {
  const t = tomzLike();
  const f = formula("force ~ alliance + (1 + alliance | white)", t);
  const g = f.priors({ b: normal(0, 1) });
  assert.deepEqual(f.toJSON().priors, []);
  assert.deepEqual(g.toJSON().priors, [{ class: "b", prior: { dist: "normal", mu: 0, sigma: 1 } }]);
  assert.equal(g.table, t);
});

Deno.test("formula: interaction names count first appearance within their own formula, as brms", () => {
  // brms reads the population-level terms from R's terms() of the whole formula, where a group
  // term "(1 + t | g)" is one variable: t first appears in x*t, so the interaction is x:t.
  const t = abc("y", "x", "t", "g");
  const spec = formula("y ~ (1 + t | g) + x*t", t).toJSON();
  assert.deepEqual(spec.terms, ["x", "t", "x:t"]);
  // A group term's varying effects come from its own formula (~ 1 + x:t + t there): x:t.
  const group = formula("y ~ t*x + (1 + x:t + t | g)", t).toJSON().groupTerms[0];
  assert.deepEqual(group.slopes, ["t", "x:t"]);
});

Deno.test("formula: a reference with no treatment is refused, not ignored", () => {
  const t = makeTable({
    y: num(1, 2, 3, 4, 5, 6),
    arm: { kind: "factor", levels: ["a", "b"], codes: Int32Array.of(0, 1, 0, 1, 0, 1) },
    g: num(1, 1, 2, 2, 3, 3),
  });
  // No slope varies by group: no treatment, so arm's coefficient stayed armb (against a).
  assert.throws(
    () => formula("y ~ arm + (1 | g)", t, { reference: "b" }),
    /option `reference` \("b"\) is the treatment's reference level, but the formula has no treatment.*loadTable\(source, \{ reference: \{ column: "b" \} \}\)/s,
  );
});
