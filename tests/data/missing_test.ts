import assert from "node:assert/strict";
import { countMissing, dropMissingRows, requireComplete } from "../../lib/data/missing.ts";
import { makeTable } from "../../lib/data/table.ts";

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
