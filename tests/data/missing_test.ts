import assert from "node:assert/strict";
import { countMissing, dropMissingRows, requireComplete } from "../../lib/data/missing.ts";
import { makeTable } from "../../lib/data/table.ts";
import { binColumn } from "../../lib/data/bin.ts";
import { loadTable } from "../../lib/data/load_table.ts";

const table = makeTable({
  y: { kind: "number", values: new Float64Array([1, NaN, 3, 4, NaN]) },
  g: { kind: "factor", codes: new Int32Array([0, 1, -1, 0, 1]), levels: ["a", "b"] },
  z: { kind: "number", values: new Float64Array([1, 2, 3, 4, 5]) },
});

Deno.test("countMissing counts NaN and code -1 per column", () => {
  assert.deepEqual(countMissing(table), { y: 2, g: 1, z: 0 });
  assert.deepEqual(countMissing(table, ["g"]), { g: 1 });
  assert.throws(() => countMissing(table, ["q"]), /column "q" not found/);
});

Deno.test("dropMissingRows drops rows missing in the columns checked", () => {
  const all = dropMissingRows(table);
  assert.equal(all.droppedRows, 3);
  assert.deepEqual(all.byColumn, { y: 2, g: 1, z: 0 });
  assert.equal(all.table.nRows, 2);
  const z = all.table.columns.z;
  assert.ok(z.kind === "number");
  assert.deepEqual(Array.from(z.values), [1, 4]);
  const onlyG = dropMissingRows(table, ["g"]);
  assert.equal(onlyG.droppedRows, 1);
  assert.equal(onlyG.table.nRows, 4);
  // Nothing to drop: the same table comes back.
  assert.equal(dropMissingRows(table, ["z"]).table, table);
});

Deno.test("dropMissingRows names the columns responsible when every row would go", () => {
  const t = makeTable({
    a: { kind: "number", values: new Float64Array([NaN, 1, NaN]) },
    b: { kind: "number", values: new Float64Array([1, NaN, NaN]) },
    c: { kind: "number", values: new Float64Array([1, 2, 3]) },
  });
  assert.throws(
    () => dropMissingRows(t),
    /every row has a missing value in at least one of "a" \(2 of 3 missing\), "b" \(2 of 3 missing\)/,
  );
});

Deno.test("requireComplete lists incomplete columns with counts and suggests dropMissing", () => {
  requireComplete(table, ["z"], "Cannot build model");
  assert.throws(
    () => requireComplete(table, ["z", "y", "g"], "Cannot build model"),
    /^HetfxError: Cannot build model: missing values in "y" \(2 rows\), "g" \(1 row\)\. .*dropMissing: true/,
  );
});

Deno.test("missing values in a binned column: the advice names the column it was binned from", async () => {
  // It said { dropMissing: ["age_bin"] }, but the data as loaded have no "age_bin", only "age".
  const t = await loadTable({
    y: [1, 2, 3, 4, 5],
    age: [20, null, 40, 50, 60],
    x: [1, 2, 3, 4, 5],
  });
  const binned = binColumn(t, "age", { quantiles: 2 });
  assert.throws(
    () => requireComplete(binned, ["y", "age_bin"], "Cannot build model"),
    (e: Error) =>
      e.name === "HetfxError" &&
      e.message ===
        'Cannot build model: missing values in "age_bin" (1 row, where "age" is missing). ' +
          "Drop incomplete rows first: loadTable(source, { dropMissing: true }) drops rows " +
          'missing in any column, { dropMissing: ["age"] } or dropMissingRows(table, ["age"]) ' +
          "only in these. Then bin the rows that are left.",
  );
  // The advice works: binned after dropping, the column is complete.
  const complete = binColumn(dropMissingRows(t, ["age"]).table, "age", { quantiles: 2 });
  requireComplete(complete, ["y", "age_bin"], "Cannot build model");
  // Both a binned and a loaded column: each named once, the binned one by its source.
  const both = makeTable({
    ...binned.columns,
    x: { kind: "number", values: Float64Array.of(1, NaN, NaN, 4, 5) },
  });
  assert.throws(
    () => requireComplete(both, ["age_bin", "x"], "Cannot build model"),
    /\{ dropMissing: \["age", "x"\] \}.*Then bin the rows that are left\.$/,
  );
});
