/**
 * A declared category order for ordinal outcomes: the level list's checks, the mapping of rows
 * to categories (unused levels dropped as brms's drop_unused_levels), the builder's and the
 * formula's `levels` option, and the refusals (undeclared value with its row, duplicates, fewer
 * than two levels, a non-ordinal family).
 */
import assert from "node:assert/strict";
import { HetfxError } from "../../lib/errors.ts";
import { makeTable } from "../../lib/data/table.ts";
import { checkLevelList, declaredOutcome } from "../../lib/spec/outcome_levels.ts";
import { hier } from "../../lib/spec/hier.ts";
import { formula } from "../../lib/spec/formula.ts";

const LEVELS = ["disagree", "neutral", "agree"];
/** Answers stored as text (factor levels in R's alphabetical order, not the scale's). */
function answers(values: string[]) {
  const levels = [...new Set(values)].sort();
  return makeTable({
    y: { kind: "factor", codes: Int32Array.from(values.map((v) => levels.indexOf(v))), levels },
    x: { kind: "number", values: Float64Array.from(values.map((_, i) => i % 2)) },
  });
}

Deno.test("checkLevelList: labels as strings, numbers written as text; bad lists refused", () => {
  assert.deepEqual(checkLevelList(["a", 2, "c"]), ["a", "2", "c"]);
  assert.throws(
    () => checkLevelList(["a", "b", "a"]),
    (e) => e instanceof HetfxError && /"a" is declared twice/.test(e.message),
  );
  assert.throws(
    () => checkLevelList(["only"]),
    (e) => e instanceof HetfxError && /at least two levels, got 1/.test(e.message),
  );
  assert.throws(
    () => checkLevelList("a,b"),
    (e) => e instanceof HetfxError && /must be a list of category labels/.test(e.message),
  );
  assert.throws(
    () => checkLevelList(["a", ""]),
    (e) => e instanceof HetfxError && /non-empty label/.test(e.message),
  );
});

Deno.test("declaredOutcome: rows become positions in the declared order, not R's sort", () => {
  const t = answers(["agree", "disagree", "neutral", "agree", "neutral"]);
  const d = declaredOutcome(t, "y", LEVELS);
  assert.deepEqual(Array.from(d.y), [3, 1, 2, 3, 2]);
  assert.deepEqual(d.labels, LEVELS);
  assert.deepEqual(d.unused, []);
});

Deno.test("declaredOutcome: an unobserved level is dropped and later ones renumbered (brms)", () => {
  const t = answers(["agree", "disagree", "agree"]);
  const d = declaredOutcome(t, "y", ["disagree", "neutral", "agree", "strongly agree"]);
  assert.deepEqual(Array.from(d.y), [2, 1, 2]);
  assert.deepEqual(d.labels, ["disagree", "agree"]);
  assert.deepEqual(d.unused, ["neutral", "strongly agree"]);
});

Deno.test("declaredOutcome: integers declared as text; a value not declared names column and row", () => {
  const t = makeTable({ y: { kind: "number", values: Float64Array.of(5, 1, 3, 9) } });
  assert.throws(() => declaredOutcome(t, "y", ["1", "3", "5"]), (e) =>
    e instanceof HetfxError &&
    e.message.includes('outcome "y" has "9" in row 4') && e.message.includes('"1", "3", "5"'));
  const ok = declaredOutcome(t, "y", ["9", "5", "3", "1"]);
  assert.deepEqual(Array.from(ok.y), [2, 4, 3, 1]);
});

Deno.test("declaredOutcome: a single observed level is refused", () => {
  assert.throws(
    () => declaredOutcome(answers(["agree", "agree"]), "y", LEVELS),
    (e) => e instanceof HetfxError && /"agree" in every row/.test(e.message),
  );
});

Deno.test("builder and formula: levels land in the spec; non-ordinal families refuse them", () => {
  const t = answers(["agree", "disagree", "neutral", "agree"]);
  const built = hier(t).outcome("y", { levels: LEVELS }).family("cumulative").controls("x")
    .toJSON();
  const written = formula("y ~ 1 + x", t, { family: "cumulative", levels: LEVELS }).toJSON();
  assert.deepEqual(built.outcomeLevels, LEVELS);
  assert.deepEqual(written, built);
  // Calling .outcome() again on the same column keeps them; another column drops them.
  const again = formula("y ~ 1 + x", t, { family: "cumulative", levels: LEVELS }).outcome("y");
  assert.deepEqual(again.toJSON().outcomeLevels, LEVELS);
  assert.throws(
    () => formula("y ~ 1 + x", t, { family: "bernoulli", levels: LEVELS }).toJSON(),
    (e) =>
      e instanceof HetfxError &&
      /apply to ordinal families \(cumulative\), not bernoulli/.test(e.message),
  );
  assert.throws(
    () => hier(t).outcome("y", { levels: ["a", "a"] }),
    (e) => e instanceof HetfxError && /declared twice/.test(e.message),
  );
});

Deno.test("declaredOutcome: numeric levels of a hand-written spec match the rows as text", () => {
  const t = makeTable({ y: { kind: "number", values: Float64Array.of(3, 1, 2, 3) } });
  const d = declaredOutcome(t, "y", [1, 2, 3] as unknown as string[]);
  assert.deepEqual([...d.y], [3, 1, 2, 3]);
  assert.deepEqual(d.labels, ["1", "2", "3"]);
});
