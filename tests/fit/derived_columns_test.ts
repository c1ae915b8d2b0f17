/**
 * fitModel(spec.toJSON(), rawTable) for a spec that groups by a column a builder derived (x_bin
 * from groups(t).bin("x", …), x_mean_g from .groupMeans("x")): the error names the column, the
 * builder call that makes it, and the fixes (fit the builder, or pass spec.table).
 */
import assert from "node:assert/strict";
import { HetfxError } from "../../lib/errors.ts";
import { tableFromColumns } from "../../lib/data/load_table.ts";
import { groups } from "../../lib/data/groups.ts";
import { hier } from "../../lib/spec/hier.ts";
import { fitModel } from "../../lib/fit/fit.ts";
import { checkDerivedColumns, derivedColumnOrigin } from "../../lib/fit/derived_columns.ts";

function raw() {
  const n = 60;
  return tableFromColumns({
    y: Array.from({ length: n }, (_, i) => Math.sin(i)),
    t: Array.from({ length: n }, (_, i) => i % 2),
    birthyr: Array.from({ length: n }, (_, i) => 1940 + i),
    g: Array.from({ length: n }, (_, i) => `g${i % 3}`),
  });
}

Deno.test("fitModel(spec.toJSON(), rawTable) for a .bin() grouping says how birthyr_bin is made and what to pass", async () => {
  const t = raw();
  const spec = hier(t).outcome("y").treatment("t").groupBy(
    groups(t).bin("birthyr", { quantiles: 3 }),
  );
  await assert.rejects(
    () => fitModel(spec.toJSON(), t, { chains: 1, warmup: 10, draws: 10, seed: 1 }),
    (e: unknown) => {
      assert.ok(e instanceof HetfxError, `expected a HetfxError, got ${e}`);
      assert.match(e.message, /column "birthyr_bin" not found \(columns: y, t, birthyr, g\)/);
      assert.match(e.message, /groups\(table\)\.bin\("birthyr", …\)/);
      assert.match(e.message, /spec\.fit\(options\)/);
      assert.match(e.message, /fitModel\(spec\.toJSON\(\), spec\.table, options\)/);
      return true;
    },
  );
  // The builder's own table has the column: the spec is checked without error.
  checkDerivedColumns(spec.toJSON(), spec.table);
});

Deno.test("a group-mean column names .groupMeans; an unrelated missing column gets no such hint", () => {
  const t = raw();
  assert.match(derivedColumnOrigin("birthyr_mean_g", t.names)!, /\.groupMeans\("birthyr"\)/);
  assert.equal(derivedColumnOrigin("age_bin", t.names), null);
  assert.equal(derivedColumnOrigin("birthyr", t.names), null);
  const spec = hier(t).outcome("y").treatment("t").groupBy("g").groupMeans("birthyr").toJSON();
  assert.throws(
    () => checkDerivedColumns(spec, t),
    /column "birthyr_mean_g" not found.*\.groupMeans\("birthyr"\)/,
  );
});
