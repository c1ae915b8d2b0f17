/**
 * The DuckDB engine: the model's aggregate computed inside DuckDB from a CSV and from a Parquet
 * file DuckDB writes gives the row-level compile's log density; missing values counted per
 * column and refused unless dropMissing; missing files, SQL errors and text outcomes refused; the
 * default priors' median and MAD found without MEDIAN (lib/engine/duckdb_median.ts) equal the
 * in-memory aggregate's.
 *
 * Also covers: model/sufficient_statistics_sql.ts (its DuckDB query runs here; the other
 * dialects' text is checked in tests/model/sufficient_statistics_sql_test.ts).
 */
import assert from "node:assert/strict";
import {
  connectDuckDB,
  duckdbAggregate,
  duckdbSample,
  duckdbSource,
} from "../../lib/engine/duckdb_engine.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { aggregateRows } from "../../lib/model/aggregate_rows.ts";
import { CompiledModel } from "../../lib/model/compiled_model.ts";
import { getColumn, labelAt, type Table } from "../../lib/data/table.ts";
import { HetfxError } from "../../lib/errors.ts";
import { loadTable } from "../../lib/data/load_table.ts";
import type { Family, ModelSpec } from "../../lib/spec/model_spec.ts";
import { crossedSpec, seeded, simulatedTable } from "../model/_fixtures.ts";

/** The table as CSV text. */
function toCsv(t: Table): string {
  const names = Object.keys(t.columns);
  const lines = [names.join(",")];
  for (let i = 0; i < t.nRows; i++) {
    lines.push(names.map((n) => labelAt(getColumn(t, n), i)).join(","));
  }
  return lines.join("\n") + "\n";
}

/** The row-level and DuckDB-aggregated compiles agree in log density at random points. */
function assertSameDensity(spec: ModelSpec, rows: Table, aggregate: Table) {
  const a = new CompiledModel(compileModel(spec, rows));
  const b = new CompiledModel(compileModel(spec, aggregate, { aggregated: true }));
  assert.equal(b.dim, a.dim);
  const u = seeded(4);
  for (let rep = 0; rep < 3; rep++) {
    const theta = Float64Array.from({ length: a.dim }, () => u() - 0.5);
    const la = a.logDensityGradient(theta, new Float64Array(a.dim));
    const lb = b.logDensityGradient(theta, new Float64Array(a.dim));
    // The same sums added in another order: 1e-9 relative.
    assert.ok(Math.abs(la - lb) <= 1e-9 * Math.abs(la), `${spec.family}: ${la} vs ${lb}`);
  }
}

const dir = await Deno.makeTempDir();
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
const con = await connectDuckDB();

for (const family of ["gaussian", "bernoulli", "binomial"] as Family[]) {
  Deno.test(`duckdb engine: ${family} from CSV and Parquet has the row-level density`, async () => {
    const csv = `${dir}/${family}.csv`;
    await Deno.writeTextFile(csv, toCsv(simulatedTable(300, family, 21)));
    // The row route reads the same file (factor levels sorted as R sorts them, in both).
    const rows = await loadTable(csv);
    const spec = { ...crossedSpec(family), priors: [] };
    const fromCsv = await duckdbAggregate(con, spec, duckdbSource(csv));
    assert.equal(fromCsv.rowsScanned, 300);
    assertSameDensity(spec, rows, fromCsv.table);
    const parquet = `${dir}/${family}.parquet`;
    await con.runAndReadAll(
      `COPY (SELECT * FROM read_csv('${csv}')) TO '${parquet}' (FORMAT parquet)`,
    );
    const fromParquet = await duckdbAggregate(con, spec, duckdbSource(parquet));
    assertSameDensity(spec, rows, fromParquet.table);
  });
}

Deno.test("duckdb engine: missing values are counted per column and dropped only on request", async () => {
  const csv = `${dir}/missing.csv`;
  await Deno.writeTextFile(csv, "y,x,g\n1,0.5,a\n2,,a\n,1,b\n3,2,b\n4,1,b\n");
  const spec: ModelSpec = {
    hetfx: 1,
    outcome: "y",
    family: "gaussian",
    intercept: true,
    treatment: null,
    terms: ["x"],
    groupTerms: [{ group: "g", factors: ["g"], intercept: true, slopes: [], correlated: true }],
    priors: [],
  };
  await assert.rejects(
    () => duckdbAggregate(con, spec, duckdbSource(csv)),
    (e) =>
      e instanceof HetfxError && /2 of 5 rows have missing values \(y: 1, x: 1\)/.test(e.message),
  );
  const agg = await duckdbAggregate(con, spec, duckdbSource(csv), { dropMissing: true });
  assert.equal(agg.rowsDropped, 2);
  const n = (agg.table.columns.n as { values: Float64Array }).values;
  assert.equal(n.reduce((s, v) => s + v, 0), 3);
  // The default priors' median and MAD are of the complete rows' y (1, 3, 4), not all y's.
  const value = (c: string) => (agg.table.columns[c] as { values: Float64Array }).values[0];
  assert.equal(value("y_median"), 3);
  assert.equal(value("y_mad"), 1 * 1.4826);
});

Deno.test("duckdb engine: bad sources and types are refused clearly", async () => {
  const spec = crossedSpec("bernoulli");
  await assert.rejects(
    () => duckdbAggregate(con, spec, duckdbSource(`${dir}/nope.parquet`)),
    (e) => e instanceof HetfxError && /Query:\n/.test(e.message) && /nope\.parquet/.test(e.message),
  );
  const bad = `${dir}/bad.parquet`;
  await Deno.writeTextFile(bad, "not parquet");
  await assert.rejects(
    () => duckdbAggregate(con, spec, duckdbSource(bad)),
    (e) => e instanceof HetfxError && /DuckDB could not run the query/.test(e.message),
  );
  const text = `${dir}/text.csv`;
  await Deno.writeTextFile(text, "y,x\nhigh,1\nlow,2\n");
  const s2: ModelSpec = { ...spec, terms: ["x"], groupTerms: [], treatment: null, priors: [] };
  await assert.rejects(
    () => duckdbAggregate(con, s2, duckdbSource(text)),
    (e) => e instanceof HetfxError && /column "y" is VARCHAR/.test(e.message),
  );
  await assert.rejects(
    () => duckdbSample(con, duckdbSource(text), ["y", "z"]),
    (e) => e instanceof HetfxError && /"z" not in the data/.test(e.message),
  );
  const header = `${dir}/header.csv`;
  await Deno.writeTextFile(header, "y,x\n");
  await assert.rejects(
    () => duckdbSample(con, duckdbSource(header), ["y", "x"]),
    (e) => e instanceof HetfxError && /no rows/.test(e.message),
  );
});

for (const family of ["gaussian", "poisson"] as Family[]) {
  Deno.test(`duckdbAggregate: ${family} default priors' median and MAD without MEDIAN`, async () => {
    const csv = `${dir}/${family}.csv`;
    await Deno.writeTextFile(csv, toCsv(simulatedTable(301, family, 8)));
    const spec = { ...crossedSpec(family), priors: [] };
    const agg = await duckdbAggregate(con, spec, duckdbSource(csv));
    assert.ok(!/MEDIAN\(/.test(agg.sql) && /AS y_median/.test(agg.sql), agg.sql);
    const inMemory = aggregateRows(spec, await loadTable(csv));
    for (const column of ["y_median", "y_mad"]) {
      const a = (getColumn(agg.table, column) as { values: Float64Array }).values[0];
      const b = (getColumn(inMemory, column) as { values: Float64Array }).values[0];
      // JavaScript's median averages as (a + b) / 2, DuckDB as a + (b − a) / 2: ulps apart.
      assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${column}: ${a} vs ${b}`);
    }
  });
}
