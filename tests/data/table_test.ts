import assert from "node:assert/strict";
import {
  formatValue,
  getColumn,
  isMissing,
  labelAt,
  makeTable,
  requireTable,
  rowNumber,
  sameColumn,
  takeRows,
  withColumn,
} from "../../lib/data/table.ts";
import { HetfxError } from "../../lib/errors.ts";

const num = (...v: number[]) => ({ kind: "number" as const, values: new Float64Array(v) });
const fac = (levels: string[], ...codes: number[]) => ({
  kind: "factor" as const,
  codes: new Int32Array(codes),
  levels,
});

Deno.test("makeTable: row count, names in the given order, and mismatched lengths refused", () => {
  const t = makeTable({ y: num(1, 2, 3), g: fac(["a", "b"], 0, 1, -1) }, ["g", "y"]);
  assert.equal(t.nRows, 3);
  assert.deepEqual(t.names, ["g", "y"]);
  assert.equal(makeTable({}).nRows, 0);
  assert.throws(
    () => makeTable({ y: num(1, 2, 3), x: num(1, 2) }),
    (e: unknown) =>
      e instanceof HetfxError &&
      e.message === 'Cannot build table: column "x" has 2 rows but earlier columns have 3.',
  );
});

Deno.test("getColumn and requireTable: errors name the column, the closest name, what to do", () => {
  const t = makeTable({ alliance: num(1), regime: num(0) });
  assert.equal(getColumn(t, "regime"), t.columns.regime);
  assert.throws(
    () => getColumn(t, "aliance", "Cannot fit"),
    /^HetfxError: Cannot fit: column "aliance" not found; did you mean "alliance"\? \(columns: alliance, regime\)\.$/,
  );
  // An inherited property of the columns object is no column (it was returned: a function,
  // and the model failed later with "TypeError: levels is not iterable").
  for (const name of ["toString", "constructor", "__proto__", "hasOwnProperty"]) {
    assert.throws(
      () => getColumn(t, name),
      new RegExp(`^HetfxError: .*column "${name}" not found`),
    );
  }
  requireTable(t, "Cannot build model");
  for (
    const [value, got] of [
      [null, "null"],
      [[{ y: 1 }], "an array \\(of records\\?\\)"],
      [{ y: [1] }, "an object that is not a hetfx table"],
      ["data.csv", "string"],
    ] as const
  ) {
    assert.throws(
      () => requireTable(value, "Cannot build model"),
      new RegExp(`^HetfxError: Cannot build model: expected a table, got ${got}.*loadTable`),
    );
  }
});

Deno.test("labels and missing values: NA for NaN and code -1, integers without decimals", () => {
  assert.equal(formatValue(3), "3");
  assert.equal(formatValue(-2), "-2");
  assert.equal(formatValue(0.25), "0.25");
  assert.equal(formatValue(NaN), "NA");
  const x = num(1, NaN, 2.5);
  const g = fac(["lo", "hi"], 1, -1, 0);
  assert.deepEqual([0, 1, 2].map((i) => labelAt(x, i)), ["1", "NA", "2.5"]);
  assert.deepEqual([0, 1, 2].map((i) => labelAt(g, i)), ["hi", "NA", "lo"]);
  assert.deepEqual([0, 1, 2].map((i) => isMissing(x, i)), [false, true, false]);
  assert.deepEqual([0, 1, 2].map((i) => isMissing(g, i)), [false, true, false]);
});

Deno.test("withColumn: replaces in place or appends, keeps droppedMissing, leaves the input alone", () => {
  const base = {
    ...makeTable({ a: num(1, 2), b: num(3, 4) }),
    droppedMissing: { rows: 1, byColumn: { a: 1 } },
  };
  const replaced = withColumn(base, "a", num(9, 9));
  assert.deepEqual(replaced.names, ["a", "b"]);
  assert.deepEqual([...(replaced.columns.a as { values: Float64Array }).values], [9, 9]);
  assert.deepEqual([...(base.columns.a as { values: Float64Array }).values], [1, 2]);
  const added = withColumn(base, "c", fac(["x"], 0, 0));
  assert.deepEqual(added.names, ["a", "b", "c"]);
  assert.deepEqual(added.droppedMissing, { rows: 1, byColumn: { a: 1 } });
  assert.throws(
    () => withColumn(base, "d", num(1)),
    /column "d" has 1 rows but earlier columns have 2/,
  );
});

Deno.test("takeRows: the listed rows in the listed order, repeats allowed, levels kept", () => {
  const t = makeTable({ x: num(10, 20, 30), g: fac(["a", "b", "c"], 2, 0, 1) });
  const s = takeRows(t, [2, 0, 2]);
  assert.equal(s.nRows, 3);
  assert.deepEqual([...(s.columns.x as { values: Float64Array }).values], [30, 10, 30]);
  const g = s.columns.g as { codes: Int32Array; levels: readonly string[] };
  assert.deepEqual([...g.codes], [1, 2, 1]);
  assert.deepEqual(g.levels, ["a", "b", "c"]);
  assert.equal(takeRows(t, []).nRows, 0);
});

Deno.test("rowNumber: rows taken keep their number in the first table, through withColumn", () => {
  const t = makeTable({ x: num(10, 20, 30, 40, 50) });
  assert.equal(rowNumber(t, 3), 4);
  const kept = takeRows(t, [1, 3, 4]); // rows 2, 4 and 5 of t
  assert.deepEqual([0, 1, 2].map((i) => rowNumber(kept, i)), [2, 4, 5]);
  const again = withColumn(takeRows(kept, [2, 0]), "y", num(1, 2));
  assert.deepEqual([rowNumber(again, 0), rowNumber(again, 1)], [5, 2]);
});

Deno.test("sameColumn: equal labels row by row, whatever the level order or the column object", () => {
  assert.ok(sameColumn(fac(["a", "b"], 0, 1, 1), fac(["b", "a"], 1, 0, 0)));
  assert.ok(sameColumn(num(1, NaN, 3), num(1, NaN, 3)));
  assert.ok(sameColumn(num(1, 2), fac(["1", "2"], 0, 1)));
  assert.ok(!sameColumn(num(1, 2, 3), num(1, 2, 4)));
  assert.ok(!sameColumn(fac(["a", "b"], 0, 1), fac(["a", "b"], 0, 0)));
  assert.ok(!sameColumn(num(1, 2), num(1, 2, 3)));
});
