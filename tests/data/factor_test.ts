import assert from "node:assert/strict";
import {
  asFactor,
  dropUnusedLevels,
  numericColumn,
  tooLargeNumberNote,
} from "../../lib/data/factor.ts";
import { type FactorColumn, makeTable, type Table } from "../../lib/data/table.ts";

const table = makeTable({
  x: { kind: "number", values: new Float64Array([3, 1, NaN, 2.5, 1]) },
  s: { kind: "factor", codes: new Int32Array([1, 0, 1, -1, 2]), levels: ["no", "yes", "maybe"] },
});

function factor(t: Table, name: string): FactorColumn {
  const c = t.columns[name];
  assert.equal(c.kind, "factor");
  return c as FactorColumn;
}

Deno.test("asFactor orders numeric levels ascending and keeps missing", () => {
  const f = factor(asFactor(table, "x"), "x");
  assert.deepEqual(f.levels, ["1", "2.5", "3"]);
  assert.deepEqual(Array.from(f.codes), [2, 0, -1, 1, 0]);
});

Deno.test("asFactor with levels recodes; with reference moves that level first", () => {
  const f = factor(asFactor(table, "s", { levels: ["maybe", "yes", "no"] }), "s");
  assert.deepEqual(Array.from(f.codes), [1, 2, 1, -1, 0]);
  const r = factor(asFactor(table, "s", { reference: "maybe" }), "s");
  assert.deepEqual(r.levels, ["maybe", "no", "yes"]);
  assert.deepEqual(Array.from(r.codes), [2, 1, 2, -1, 0]);
  const both = factor(asFactor(table, "x", { levels: ["3", "2.5", "1"], reference: "1" }), "x");
  assert.deepEqual(both.levels, ["1", "3", "2.5"]);
  assert.deepEqual(Array.from(both.codes), [1, 0, -1, 2, 0]);
  // Already a factor and nothing asked: the same table.
  assert.equal(asFactor(table, "s"), table);
});

Deno.test("asFactor errors: value outside levels, unknown reference, duplicate levels", () => {
  assert.throws(
    () => asFactor(table, "s", { levels: ["no", "yes"] }),
    /row 5 has "maybe", which is not among the levels given \("no", "yes"\)/,
  );
  assert.throws(
    () => asFactor(table, "s", { reference: "Yes" }),
    /reference level "Yes" is not a level of "s"; did you mean "yes"\?/,
  );
  assert.throws(() => asFactor(table, "s", { levels: ["no", "no"] }), /level "no" is listed twice/);
  assert.throws(() => asFactor(table, "xx"), /column "xx" not found; did you mean "x"\?/);
});

Deno.test("numericColumn returns numbers and quotes the first non-numeric value", () => {
  assert.deepEqual(Array.from(numericColumn(table, "x", "Cannot fit")).slice(0, 2), [3, 1]);
  const t = makeTable({
    force: { kind: "factor", codes: new Int32Array([0, -1, 1]), levels: ["1", "yes"] },
  });
  assert.throws(
    () => numericColumn(t, "force", "Cannot build model"),
    /^HetfxError: Cannot build model: column "force" must be numeric but row 3 has "yes"/,
  );
  const numericLabels = asFactor(
    makeTable({ d: { kind: "number", values: new Float64Array([1]) } }),
    "d",
  );
  assert.throws(
    () => numericColumn(numericLabels, "d", "Cannot fit"),
    /column "d" must be numeric but it is a factor \(levels "1"\)/,
  );
});

Deno.test("dropUnusedLevels keeps used levels in order", () => {
  const t = makeTable({
    g: { kind: "factor", codes: new Int32Array([2, -1, 0, 2]), levels: ["a", "b", "c"] },
  });
  const g = factor(dropUnusedLevels(t), "g");
  assert.deepEqual(g.levels, ["a", "c"]);
  assert.deepEqual(Array.from(g.codes), [1, -1, 0, 1]);
});

Deno.test("asFactor refuses an option it does not know (a misspelt reference was ignored)", () => {
  assert.throws(
    () => asFactor(table, "s", { ref: "no" } as never),
    /Cannot make column "s" a factor: unknown option "ref".*\(options: levels, reference\)/,
  );
});

Deno.test("numericColumn names a label too large for a number (1e999) and says values must be finite", () => {
  // It was 'column "w" must be numeric but row 2 has "1e999"; recode it to numbers'.
  const t = makeTable({
    w: { kind: "factor", codes: new Int32Array([0, 1, 0]), levels: ["2", "1e999"] },
  });
  assert.throws(
    () => numericColumn(t, "w", "Cannot fit"),
    /Cannot fit: column "w" row 2 has "1e999", a number too large to hold \(it reads as Infinity; the largest is about 1\.8e308\); values must be finite/,
  );
  assert.equal(tooLargeNumberNote("1e308"), "");
  assert.match(tooLargeNumberNote(" -2e400 "), /reads as -Infinity/);
  assert.equal(tooLargeNumberNote("Inf"), "");
});
