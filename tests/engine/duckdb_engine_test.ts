/**
 * The DuckDB engine: the model's aggregate computed inside DuckDB from a CSV and from a Parquet
 * file DuckDB writes gives the row-level compile's log density; missing values counted per
 * column and refused unless dropMissing; missing files, SQL errors and text outcomes refused; the
 * default priors' median and MAD found without MEDIAN (lib/engine/duckdb_median.ts) equal the
 * in-memory aggregate's.
 *
 * A CSV gives through DuckDB what it gives through the in-memory loader (loadTable): the same
 * refusal (a stray string in a numeric column, a duplicate column name, an unterminated quote,
 * a ragged row) or the same levels and density (NA and blanks missing, yes/no and true/false
 * as written, "a" and "a " apart).
 *
 * Also covers: model/sufficient_statistics_sql.ts (its DuckDB query runs here; the other
 * dialects' text is checked in tests/model/sufficient_statistics_sql_test.ts), duckdb_csv.ts.
 */
import assert from "node:assert/strict";
import {
  buildOnSample,
  closeDuckDB,
  connectDuckDB,
  duckdbAggregate,
  duckdbCsvSource,
  duckdbSample,
  duckdbSource,
  parquetReadError,
  withoutStackTrace,
} from "../../lib/engine/duckdb_engine.ts";
import { checkUtf8, csvReadError } from "../../lib/engine/duckdb_csv.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { aggregateRows } from "../../lib/model/aggregate_rows.ts";
import { CompiledModel } from "../../lib/model/compiled_model.ts";
import { getColumn, labelAt, type Table } from "../../lib/data/table.ts";
import { HetfxError } from "../../lib/errors.ts";
import { loadTable } from "../../lib/data/load_table.ts";
import type { Family, ModelSpec } from "../../lib/spec/model_spec.ts";
import { formula } from "../../lib/spec/formula.ts";
import { crossedSpec, seeded, simulatedTable, treatSlopeSpec } from "../model/_fixtures.ts";

/** The table as CSV text. */
function toCsv(t: Table): string {
  const names = Object.keys(t.columns);
  const lines = [names.join(",")];
  for (let i = 0; i < t.nRows; i++) {
    lines.push(names.map((n) => labelAt(getColumn(t, n), i)).join(","));
  }
  return lines.join("\n") + "\n";
}

/**
 * The row-level and DuckDB-aggregated compiles agree in the treatment's contrasts and in log
 * density at random points.
 */
function assertSameDensity(spec: ModelSpec, rows: Table, aggregate: Table) {
  const rowData = compileModel(spec, rows);
  const aggregateData = compileModel(spec, aggregate, { aggregated: true });
  assert.deepEqual(aggregateData.contrasts, rowData.contrasts);
  const a = new CompiledModel(rowData);
  const b = new CompiledModel(aggregateData);
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
    // A bare query (it was put after FROM as it stood: "FROM SELECT …"), with a trailing
    // semicolon and comment.
    const query = `SELECT * FROM read_parquet('${parquet}'); -- every row`;
    const fromQuery = await duckdbAggregate(con, spec, duckdbSource(query));
    assertSameDensity(spec, rows, fromQuery.table);
    // A declared factor that is not a column of the Parquet file is refused, as for a CSV.
    const typo = (e: unknown) =>
      e instanceof HetfxError && /names column "tret", which is not in the data/.test(e.message);
    const source = duckdbSource(parquet);
    await assert.rejects(() => duckdbAggregate(con, spec, source, { factors: ["tret"] }), typo);
    await assert.rejects(() => duckdbSample(con, source, ["y"], { factors: ["tret"] }), typo);
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
      e instanceof HetfxError &&
      /missing values in "y" \(1 row\), "x" \(1 row\)\. Drop incomplete rows/.test(e.message),
  );
  const agg = await duckdbAggregate(con, spec, duckdbSource(csv), { dropMissing: true });
  assert.equal(agg.rowsDropped, 2);
  const n = (agg.table.columns.n as { values: Float64Array }).values;
  assert.equal(n.reduce((s, v) => s + v, 0), 3);
  // The default priors' median and MAD are of the complete rows' y (1, 3, 4), not all y's.
  const value = (c: string) => (agg.table.columns[c] as { values: Float64Array }).values[0];
  assert.equal(value("y_median"), 3);
  assert.equal(value("y_mad"), 1 * 1.4826);
  // The rows left out are on record, and the compiled model warns of them as in memory.
  assert.deepEqual(agg.table.droppedMissing, { rows: 2, byColumn: { y: 1, x: 1 } });
  const warnings = compileModel(spec, agg.table, { aggregated: true }).warnings ?? [];
  assert.ok(
    warnings.includes(
      "2 rows with missing values (y: 1, x: 1) were dropped when the table was loaded " +
        "(dropMissing); the model uses the other 3.",
    ),
    warnings.join("\n"),
  );
});

Deno.test("duckdb engine: groups whose treatment does not vary are warned of, as in memory", async () => {
  // Groups a and c all untreated, b and d all treated (treat = i % 2, g = i % 4).
  const { memory, duckdb } = await assertSameInBothEngines("constant.csv", csvText());
  assert.ok(!(memory instanceof Error) && !(duckdb instanceof Error));
  const inMemory = compileModel(treatSpec, memory).warnings ?? [];
  const viaDuckdb = compileModel(treatSpec, duckdb, { aggregated: true }).warnings ?? [];
  const constant = (w: string[]) => w.filter((m) => /the treatment does not vary/.test(m));
  assert.equal(constant(inMemory).length, 1);
  assert.match(
    constant(inMemory)[0],
    /every row treat = 1 in "b", "d"; every row treat = 0 in "a", "c"/,
  );
  assert.deepEqual(constant(viaDuckdb), constant(inMemory));
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
    (e) =>
      e instanceof HetfxError &&
      /^Cannot build model: column "z" not found; did you mean "y"\? \(columns: y, x\)\.$/.test(
        e.message,
      ),
  );
  // As the in-memory route says it (getColumn): the close name, from a CSV or any other
  // source (it said 'column "xx" not in the data; it has "y", "x"', or for a column of the
  // model other than the outcome, DuckDB's binder error).
  const near = (e: unknown) =>
    e instanceof HetfxError &&
    /^Cannot build model: column "xx" not found; did you mean "x"\? \(columns: y, x\)\.$/.test(
      e.message,
    );
  await assert.rejects(() => duckdbSample(con, duckdbSource(text), ["y", "xx"]), near);
  const query = duckdbSource("SELECT 1.5 AS y, 2.5 AS x");
  await assert.rejects(() => duckdbSample(con, query, ["y", "xx"]), near);
  const s3: ModelSpec = { ...s2, terms: ["xx"] };
  await assert.rejects(() => duckdbAggregate(con, s3, query), near);
  // A directory with a CSV's name: a HetfxError, not an uncaught IsADirectory.
  const folder = `${dir}/folder.csv`;
  await Deno.mkdir(folder, { recursive: true });
  await assert.rejects(
    () => duckdbCsvSource(con, folder, ["y"]),
    (e) =>
      e instanceof HetfxError && /folder\.csv": it is a directory, not a CSV file/.test(e.message),
  );
  const header = `${dir}/header.csv`;
  await Deno.writeTextFile(header, "y,x\n");
  await assert.rejects(
    () => duckdbSample(con, duckdbSource(header), ["y", "x"]),
    (e) => e instanceof HetfxError && /header \(y, x\) but no data rows/.test(e.message),
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

/** y ~ 1 + treat + (1 + treat | g), gaussian. */
const treatSpec: ModelSpec = { ...treatSlopeSpec(["treat"], 1), family: "gaussian", priors: [] };

/** A CSV of n rows: y numbers, treat 0/1, g in a–d; `edit` rewrites data line i (1-based). */
function csvText(edit: Record<number, string> = {}, header = "y,treat,g", n = 24): string {
  const lines = [header];
  for (let i = 1; i <= n; i++) {
    lines.push(edit[i] ?? `${((i * 7) % 11) / 4 - 1},${i % 2},${"abcd"[i % 4]}`);
  }
  return lines.join("\n") + "\n";
}

/** The result of a promise, or the error it rejects with. */
function settle<T>(p: Promise<T>): Promise<T | Error> {
  return p.catch((e: Error) => e);
}

/**
 * The same CSV through the in-memory loader and through DuckDB: the same HetfxError message,
 * or the same levels for every factor and the same log density.
 */
async function assertSameInBothEngines(
  name: string,
  text: string,
  options: { factors?: string[]; dropMissing?: boolean; spec?: ModelSpec } = {},
): Promise<{ memory: Table | Error; duckdb: Table | Error }> {
  const spec = options.spec ?? treatSpec;
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, text);
  const memory = await settle(loadTable(path, {
    ...(options.factors ? { factors: options.factors } : {}),
    ...(options.dropMissing ? { dropMissing: ["y", "treat", "g"] } : {}),
  }));
  const agg = await settle(duckdbAggregate(con, spec, duckdbSource(path), {
    ...(options.factors ? { factors: options.factors } : {}),
    ...(options.dropMissing ? { dropMissing: true } : {}),
  }));
  const duckdb = agg instanceof Error ? agg : agg.table;
  if (memory instanceof Error || duckdb instanceof Error) {
    assert.ok(memory instanceof HetfxError, `${name}: memory: ${memory}, duckdb: ${duckdb}`);
    assert.ok(duckdb instanceof HetfxError, `duckdb: ${duckdb}`);
    assert.equal(duckdb.message, memory.message);
    return { memory, duckdb };
  }
  const rows: Table = memory;
  for (const [column, c] of Object.entries(duckdb.columns)) {
    const m = rows.columns[column];
    if (c.kind !== "factor" || m === undefined) continue;
    assert.ok(m.kind === "factor", `${column} is a factor in memory too`);
    const used = m.levels.filter((_: string, k: number) => m.codes.includes(k));
    assert.deepEqual(c.levels, used, `levels of ${column} in ${name}`);
  }
  assertSameDensity(spec, memory, duckdb);
  return { memory, duckdb };
}

Deno.test("duckdb engine: an outcome the family cannot take is refused as in memory, even where its sums look fine", async () => {
  // 24 rows y,treat,g[,n]; key (treat, g) of data line i: (i % 2, "abcd"[i % 4]), so lines 3
  // and 7 share one key, as do 4 and 8. Each bad value has a partner in its key that keeps the
  // key's sums plausible (2 + 0 events in 2 rows, 1.5 + 2.5 counts): the aggregate alone cannot
  // tell, so DuckDB must check the rows, as the row-level compile does.
  const lines = (edit: Record<number, string>, trials: boolean) =>
    [
      trials ? "y,treat,g,n" : "y,treat,g",
      ...Array.from({ length: 24 }, (_, k) => {
        const i = k + 1;
        return edit[i] ?? `${i % 3 === 0 ? 1 : 0},${i % 2},${"abcd"[i % 4]}${trials ? ",2" : ""}`;
      }),
    ].join("\n") + "\n";
  const cases: [Family, Record<number, string>, boolean, RegExp][] = [
    ["bernoulli", { 3: "2,1,d", 7: "0,1,d" }, false, /must be 0 or 1 .* row 3 has 2\./],
    [
      "poisson",
      { 4: "1.5,0,a", 8: "2.5,0,a" },
      false,
      /non-negative integer count .* row 4 has 1\.5/,
    ],
    [
      "negbinomial",
      { 5: "-1,1,b", 9: "1,1,b" },
      false,
      /non-negative integer count .* row 5 has -1/,
    ],
    ["binomial", { 3: "3,1,d,2", 7: "0,1,d,2" }, true, /row 3 has 3 successes in "y" but only 2/],
  ];
  for (const [family, edit, trials, message] of cases) {
    const path = `${dir}/outcome_${family}.csv`;
    await Deno.writeTextFile(path, lines(edit, trials));
    const spec: ModelSpec = { ...treatSpec, family, ...(trials ? { trials: "n" } : {}) };
    const memory = await settle((async () => compileModel(spec, await loadTable(path)))());
    const duckdb = await settle(duckdbAggregate(con, spec, duckdbSource(path)));
    assert.ok(memory instanceof HetfxError, `${family}: memory gave ${memory}`);
    assert.match(memory.message, message);
    assert.ok(duckdb instanceof HetfxError, `${family}: DuckDB gave ${duckdb}`);
    assert.equal(duckdb.message, memory.message);
  }
});

Deno.test("duckdb engine: a stray string in a numeric CSV column is refused as in memory", async () => {
  for (const stray of ["n/a", "abc", "1_000", "0x10"]) {
    const { duckdb } = await assertSameInBothEngines("stray.csv", csvText({ 5: `${stray},1,b` }));
    assert.ok(duckdb instanceof Error);
    assert.match(duckdb.message, new RegExp(`column "y" looks numeric .* row 5 has "${stray}"`));
  }
  // In a model column that is not the outcome, and declared a factor: read as one, as in memory.
  await assertSameInBothEngines("stray_treat.csv", csvText({ 3: "1,x,b", 9: "0,x,b" }));
  await assertSameInBothEngines("stray_treat.csv", csvText({ 3: "1,x,b" }), {
    factors: ["treat"],
  });
  // A declared factor that is not a column (a typo) is refused, not ignored.
  const typo = await assertSameInBothEngines("typo.csv", csvText(), { factors: ["tret"] });
  assert.ok(typo.duckdb instanceof Error);
  assert.match(
    typo.duckdb.message,
    /names column "tret", which is not in the data; did you mean "treat"/,
  );
  // A non-finite number.
  const { duckdb } = await assertSameInBothEngines("inf.csv", csvText({ 7: "Inf,1,b" }));
  assert.ok(duckdb instanceof Error && /column "y" row 7 has "Inf"/.test(duckdb.message));
});

Deno.test("duckdb engine: cells DuckDB's own cast reads otherwise are classified as in memory", async () => {
  // The engine tells numbers from text by DuckDB's cast plus guards, not by the loader's
  // pattern on every cell (too slow at 10⁷ rows), and reads the file with DuckDB's typed reader
  // unless a cell is padded: each cell below, among numbers in y, and among labels in g, must
  // give what loadTable gives (the same refusal, or the same levels and density).
  const cells = [
    "+-1",
    "-+1",
    "--1",
    "1__0",
    "1_000",
    "9e999",
    "-9e999",
    "1e-400",
    "nan(1)",
    "+nan",
    "Infinity",
    "-inf",
    "1e5.5",
    ".5",
    "5.",
    "-.5e-3",
    "+5",
    "0x1F",
    "1,5",
    "١٢",
    " 2 ",
    "\u00a02",
    "2\u00a0",
    "\u30002",
    "\t2",
    "\ufeff2",
    "2\u2028",
    " NA",
    "NA ",
    "na",
    "",
  ];
  for (const [k, cell] of cells.entries()) {
    const quoted = cell.includes(",") ? `"${cell}"` : cell;
    // dropMissing: the padded NA and the empty cell are missing values, dropped by both.
    const drop = { dropMissing: true };
    await assertSameInBothEngines(`cell_y_${k}.csv`, csvText({ 4: `${quoted},1,b` }), drop);
    // Seven of 24 rows: text would be too much of y to be a stray value (a factor, then).
    const many = Object.fromEntries([2, 5, 8, 11, 14, 17, 20].map((i) => [i, `${quoted},1,b`]));
    await assertSameInBothEngines(`cell_many_${k}.csv`, csvText(many), drop);
    // A label that starts with U+FEFF reaches JavaScript without it: the DuckDB client
    // decodes strings with TextDecoder, which drops a leading byte-order mark.
    if (cell.startsWith("\ufeff")) continue;
    await assertSameInBothEngines(`cell_g_${k}.csv`, csvText({ 6: `1,0,${quoted}` }), drop);
  }
});

Deno.test("duckdb engine: NA and blank cells are missing values, refused or dropped as in memory", async () => {
  const text = csvText({ 2: "NA,0,c", 5: " NA ,1,b", 8: "1,,a", 11: "2,1,NA", 14: '0.5,1,""' });
  const path = `${dir}/na.csv`;
  await Deno.writeTextFile(path, text);
  await assert.rejects(
    () => duckdbAggregate(con, treatSpec, duckdbSource(path)),
    (e) =>
      e instanceof HetfxError &&
      /missing values in "y" \(2 rows\), "treat" \(1 row\), "g" \(2 rows\)/.test(e.message),
  );
  const { duckdb } = await assertSameInBothEngines("na.csv", text, { dropMissing: true });
  assert.ok(!(duckdb instanceof Error));
  const agg = await duckdbAggregate(con, treatSpec, duckdbSource(path), { dropMissing: true });
  assert.equal(agg.rowsDropped, 5);
  assert.deepEqual(agg.missing, { y: 2, treat: 1, g: 2 });
});

Deno.test("duckdb engine: a duplicate column name is refused, naming it, as in memory", async () => {
  const { duckdb } = await assertSameInBothEngines(
    "duplicate.csv",
    csvText({}, "y,treat,g,y").replaceAll("\n", ",1\n").replace("g,y,1", "g,y"),
  );
  assert.ok(duckdb instanceof Error && /duplicate column name "y"/.test(duckdb.message));
  // Semicolons: the loader's message too.
  await assertSameInBothEngines("semicolon.csv", "y;treat;g\n1;0;a\n2;1;b\n");
});

Deno.test("duckdb engine: an unterminated quote is refused, naming its line", async () => {
  const path = `${dir}/quote.csv`;
  await Deno.writeTextFile(path, csvText({ 5: '1,0,"a' }));
  await assert.rejects(() => loadTable(path), /unterminated quote .*line 6/);
  await assert.rejects(
    () => duckdbAggregate(con, treatSpec, duckdbSource(path)),
    (e) => e instanceof HetfxError && /unterminated quote on line 6/.test(e.message),
  );
});

Deno.test("duckdb engine: a row with the wrong number of fields is refused as in memory", async () => {
  for (const row of ["1,0,a,extra", "1,0"]) {
    const { duckdb } = await assertSameInBothEngines("ragged.csv", csvText({ 8: row }));
    assert.ok(duckdb instanceof Error);
    assert.match(duckdb.message, /line 9 has \d fields, the header has 3/);
  }
});

Deno.test("duckdb engine: yes/no and true/false are factor levels as written, as in memory", async () => {
  for (const [no, yes] of [["no", "yes"], ["false", "true"], ["FALSE", "TRUE"]]) {
    const rows = Object.fromEntries(
      Array.from({ length: 24 }, (_, i) => [i + 1, `${i % 5},${i % 3 ? yes : no},${"ab"[i % 2]}`]),
    );
    const { duckdb } = await assertSameInBothEngines("bool.csv", csvText(rows));
    assert.ok(!(duckdb instanceof Error));
    const treat = duckdb.columns.treat;
    assert.ok(treat.kind === "factor" && treat.levels.join() === `${no},${yes}`);
  }
});

Deno.test("duckdb engine: levels that differ by a trailing space stay apart, as in memory", async () => {
  const { duckdb } = await assertSameInBothEngines(
    "space.csv",
    csvText({ 4: "1,0,a ", 8: "2,0,a ", 12: "0,0,a " }),
  );
  assert.ok(!(duckdb instanceof Error));
  const g = duckdb.columns.g;
  assert.ok(g.kind === "factor" && g.levels.join("|") === "a|a |b|c|d");
  // …and the compiled model says so, since a printed table shows "a" twice.
  const warnings = compileModel(treatSpec, duckdb, { aggregated: true }).warnings ?? [];
  assert.ok(warnings.some((w) => w.includes('Column "g": levels "a" and "a "')), warnings.join());
});

Deno.test("duckdb engine: a TSV file is read with tabs, with the CSV's checks", async () => {
  const text = csvText({ 3: "NA,1,b" });
  const path = `${dir}/tabs.tsv`;
  await Deno.writeTextFile(path, text.replaceAll(",", "\t"));
  const tsv = await duckdbAggregate(con, treatSpec, duckdbSource(path), { dropMissing: true });
  const { memory } = await assertSameInBothEngines("tabs.csv", text, { dropMissing: true });
  assert.ok(!(memory instanceof Error));
  assertSameDensity(treatSpec, memory, tsv.table);
});

Deno.test("duckdb engine: likelihood weights aggregated by DuckDB give the row-level density", async () => {
  const lines = ["y,treat,g,w"];
  for (let i = 1; i <= 24; i++) {
    lines.push(`${((i * 7) % 11) / 4 - 1},${i % 2},${"abcd"[i % 4]},${1 + (i % 3)}`);
  }
  const weighted: ModelSpec = { ...treatSpec, weights: "w" };
  const { memory, duckdb } = await assertSameInBothEngines(
    "weighted.csv",
    lines.join("\n") + "\n",
    {
      spec: weighted,
    },
  );
  assert.ok(!(memory instanceof Error) && !(duckdb instanceof Error));
});

Deno.test("duckdb engine: a negative or NaN weight is refused as in memory, even where its key's summed weights look fine", async () => {
  // Data lines 3 and 7 share a key (treat 1, g "d"): weights -1 and 3 sum to 2. DuckDB
  // aggregated them and fitted the row with weight -1; the rows' compile refuses it.
  const lines = ["y,treat,g,w"];
  for (let i = 1; i <= 24; i++) {
    const w = i === 3 ? -1 : i === 7 ? 3 : 1;
    lines.push(`${((i * 7) % 11) / 4 - 1},${i % 2},${"abcd"[i % 4]},${w}`);
  }
  const csv = `${dir}/negative_weight.csv`;
  await Deno.writeTextFile(csv, lines.join("\n") + "\n");
  const weighted: ModelSpec = { ...treatSpec, weights: "w" };
  const rows = await loadTable(csv);
  assert.throws(() => compileModel(weighted, rows), /weights "w" .* but row 3 has -1/);
  const refusal = (e: unknown) =>
    e instanceof HetfxError &&
    e.message === 'Cannot build model: weights "w" must be finite and non-negative, but row ' +
        "3 has -1; fix or drop that row (a weight of 0 leaves a row out of the likelihood).";
  await assert.rejects(() => duckdbAggregate(con, weighted, duckdbSource(csv)), refusal);
  // A Parquet file can hold NaN, which no CSV cell reads as: refused with its row too.
  const parquet = `${dir}/nan_weight.parquet`;
  await con.runAndReadAll(
    `COPY (SELECT y, treat, g, CASE WHEN w < 0 THEN 'NaN'::DOUBLE ELSE w END AS w FROM ` +
      `read_csv('${csv}')) TO '${parquet}' (FORMAT parquet)`,
  );
  await assert.rejects(
    () => duckdbAggregate(con, weighted, duckdbSource(parquet)),
    (e) => e instanceof HetfxError && /weights "w" .* but row 3 has NaN/.test(e.message),
  );
});

Deno.test("duckdb engine: NaN or Infinity in a Parquet column is refused naming the column and row", async () => {
  // A Parquet file can hold NaN and ±Infinity (a CSV cell cannot). They were refused as
  // 'column "hi" row 1 is NaN' (the outcome: the default priors' range, an internal column)
  // or 't_hi' (a summed treatment's range), or passed into the aggregate's sums.
  const csv = `${dir}/finite.csv`;
  await Deno.writeTextFile(csv, csvText());
  for (const [column, bad] of [["y", "NaN"], ["treat", "Infinity"], ["y", "-Infinity"]]) {
    const parquet = `${dir}/nonfinite_${column}.parquet`;
    await con.runAndReadAll(
      `COPY (SELECT * REPLACE (CASE WHEN row_number() OVER () = 5 THEN '${bad}'::DOUBLE ` +
        `ELSE CAST(${column} AS DOUBLE) END AS ${column}) FROM read_csv('${csv}')) TO ` +
        `'${parquet}' (FORMAT parquet)`,
    );
    await assert.rejects(
      () => duckdbAggregate(con, treatSpec, duckdbSource(parquet)),
      (e) =>
        e instanceof HetfxError &&
        e.message === `Cannot build model: column "${column}" row 5 is ${bad}; values must be ` +
            "finite numbers: use NULL for a missing value.",
    );
  }
});

Deno.test("duckdb engine: a summed treatment's contrast is the rows' (0/1, ±1, 1/2, continuous)", async () => {
  // A Gaussian model sums a numeric treatment; its range columns say how it is coded, so that
  // a ±1 treatment's effects are 1 − (−1) as in memory, not per unit (half of them).
  const codings: [string, (i: number) => number, string][] = [
    ["binary", (i) => i % 2, "1 - 0"],
    ["plus_minus", (i) => 2 * (i % 2) - 1, "1 - -1"],
    ["one_two", (i) => 1 + (i % 2), "2 - 1"],
    ["continuous", (i) => (i % 5) / 4, "per unit of treat"],
  ];
  for (const [name, treat, contrast] of codings) {
    const lines = ["y,treat,g"];
    for (let i = 1; i <= 24; i++) {
      lines.push(`${((i * 7) % 11) / 4 - 1},${treat(i)},${"abcd"[i % 4]}`);
    }
    const { memory, duckdb } = await assertSameInBothEngines(
      `${name}.csv`,
      lines.join("\n") + "\n",
    );
    assert.ok(!(memory instanceof Error) && !(duckdb instanceof Error));
    const data = compileModel(treatSpec, duckdb, { aggregated: true });
    assert.equal(data.contrasts[0].name, contrast, name);
  }
  // The engine finds the range in its first pass and reads the rows once in the aggregation: no
  // second scan (a CTE of the range), which made DuckDB materialise every row.
  const agg = await duckdbAggregate(con, treatSpec, duckdbSource(`${dir}/plus_minus.csv`));
  assert.doesNotMatch(agg.sql, /hetfx_treatment/);
  assert.match(agg.sql, /CAST\('-1' AS DOUBLE\) AS "min__treat"/);
});

Deno.test("duckdb engine: a declared factor keeps labels its numbers would merge, as in memory", async () => {
  const lines = ["y,treat,g"];
  const labels = ["01", "1", "02", "2"];
  for (let i = 0; i < 24; i++) lines.push(`${((i * 7) % 11) / 4 - 1},${i % 2},${labels[i % 4]}`);
  const { memory, duckdb } = await assertSameInBothEngines("labels.csv", lines.join("\n") + "\n", {
    factors: ["g"],
  });
  assert.ok(!(memory instanceof Error) && !(duckdb instanceof Error));
  const g = duckdb.columns.g;
  assert.ok(g.kind === "factor");
  assert.deepEqual(g.levels, ["01", "1", "02", "2"]);
});

Deno.test("duckdb engine: numbers with decimal commas are refused as in memory", async () => {
  const lines = ["y,treat,g"];
  for (let i = 0; i < 24; i++) lines.push(`"${i % 5},${i % 7}5",${i % 2},${"abcd"[i % 4]}`);
  const { memory, duckdb } = await assertSameInBothEngines("commas.csv", lines.join("\n") + "\n");
  assert.ok(memory instanceof HetfxError && duckdb instanceof HetfxError);
  assert.match(duckdb.message, /column "y" holds numbers written with a decimal comma/);
});

Deno.test("buildOnSample: a file sorted by group or treatment gives the model the whole file gives", async () => {
  // 300 rows sorted by arm then g: the first 100 rows have one arm ("high") and one group ("a").
  const lines = ["y,arm,g,t"];
  for (const arm of ["high", "low", "placebo"]) {
    for (const g of ["a", "b"]) {
      for (let i = 0; i < 50; i++) lines.push(`${(i % 7) / 3},${arm},${g},${i % 2 ? 1 : -1}`);
    }
  }
  const csv = `${dir}/sorted.csv`;
  await Deno.writeTextFile(csv, lines.join("\n") + "\n");
  const memory = await loadTable(csv);
  const columns = ["y", "arm", "g", "t"];
  const source = await duckdbCsvSource(con, csv, columns);
  for (
    const [text, options] of [
      ["y ~ 1 + arm + (1 + arm | g)", { reference: "placebo" }],
      ["y ~ 1 + t + (1 + t | g)", { reference: "1" }],
      ["y ~ 1 + (1 | g) + (1 | arm)", {}],
    ] as const
  ) {
    const spec = await buildOnSample(
      con,
      source,
      columns,
      (t) => formula(text, t, options).toJSON(),
    );
    assert.deepEqual(spec, formula(text, memory, options).toJSON(), text);
  }
  // A grouping factor with one level in the whole file is still refused, with its message.
  const one = `${dir}/one_group.csv`;
  await Deno.writeTextFile(one, "y,g\n1,a\n2,a\n3,a\n");
  await assert.rejects(
    () =>
      buildOnSample(
        con,
        duckdbSource(one),
        ["y", "g"],
        (t) => formula("y ~ 1 + (1 | g)", t).toJSON(),
      ),
    (e) => e instanceof HetfxError && /"g" \(in "g"\) has a single observed level/.test(e.message),
  );
});

Deno.test("duckdb engine: a read_csv of another file, written by hand, is DuckDB's own reading", async () => {
  // Only duckdbSource's read_csv of a .csv/.tsv path is read as loadTable reads it; any other
  // read_csv(...) source is passed to DuckDB as written (it used to be taken as a table name).
  const path = `${dir}/rows.txt`;
  await Deno.writeTextFile(path, csvText());
  const agg = await duckdbAggregate(con, treatSpec, `read_csv('${path}')`);
  assert.equal(agg.rowsScanned, 24);
});

// Last in the file: DuckDB's memory freed now, not by finalizers when the test process ends.
Deno.test("closeDuckDB: the connection and its database close, twice without harm", async () => {
  closeDuckDB(con);
  closeDuckDB(con);
  await assert.rejects(() => duckdbSample(con, "(SELECT 1 AS x)", ["x"]));
  const fresh = await connectDuckDB();
  assert.ok((await duckdbSample(fresh, "(SELECT 1 AS x)", ["x"])).nRows === 1);
  closeDuckDB(fresh);
});

Deno.test("DuckDB CSV: a file that is not UTF-8 is refused with the loader's words, not DuckDB's", async () => {
  const dir = await Deno.makeTempDir();
  const con = await connectDuckDB();
  try {
    const rows = ["y,g", ...Array.from({ length: 30 }, (_, i) => `${i},g${i % 3}`)];
    const latin = `${dir}/latin1.csv`;
    rows[5] = "5,caf\xe9";
    await Deno.writeFile(
      latin,
      Uint8Array.from([...rows.join("\n") + "\n"], (c) => c.charCodeAt(0)),
    );
    const utf16 = `${dir}/utf16.csv`;
    const text = rows.join("\n").replace("\xe9", "e");
    await Deno.writeFile(utf16, Uint8Array.from([...text].flatMap((c) => [c.charCodeAt(0), 0])));
    for (
      const [file, pattern] of [[latin, /line 6 has the byte 0xE9\); it is probably Latin-1/], [
        utf16,
        /it looks like UTF-16LE/,
      ]] as const
    ) {
      await assert.rejects(
        () => duckdbCsvSource(con, file, ["y", "g"]),
        (e: unknown) =>
          e instanceof HetfxError && /with DuckDB: it is not valid UTF-8 text/.test(e.message) &&
          pattern.test(e.message) && /iconv -f (latin1|utf-16le) -t utf-8/.test(e.message),
      );
    }
  } finally {
    closeDuckDB(con);
    await Deno.remove(dir, { recursive: true });
  }
  // The check of the file's first bytes: a character cut by the end of the sample is not bad.
  checkUtf8(new TextEncoder().encode("y,g\n1,caf\u00e9").subarray(0, 13), "d.csv", true);
  // Past the sample, DuckDB's own error is read as the same message.
  const late = csvReadError(
    "Invalid Input Error: CSV Error on Line: 15001\nOriginal Line: 1,?\nInvalid unicode (byte " +
      "sequence mismatch) detected. This file is not utf-8 encoded.\n\n  file = big.csv\n",
  );
  assert.match(late!.message, /"big.csv" with DuckDB: it is not valid UTF-8 text \(line 15001\)/);
});

Deno.test("DuckDB errors lose libduckdb's stack trace", () => {
  const message = "INTERNAL Error: Attempted to access index 5 within vector of size 5\n\n" +
    "Stack Trace:\n\n/x/libduckdb.so(+0x1c1a) [0x7f01]\n/x/libduckdb.so(+0x2b2b) [0x7f02]\n";
  assert.equal(
    withoutStackTrace(message),
    "INTERNAL Error: Attempted to access index 5 within vector of size 5",
  );
  assert.equal(withoutStackTrace("Binder Error: no column x"), "Binder Error: no column x");
});

Deno.test("duckdb engine: DuckDB's errors for a Parquet file cut short name the file and say to re-export it", async () => {
  const advice = /it was probably cut short .* Re-export it from its source/;
  // A file that begins with PAR1 (Parquet, cut short); its name has a quote.
  const cut = `${dir}/it's.parquet`;
  await Deno.writeFile(cut, new TextEncoder().encode("PAR1\x15\x04"));
  const quoted = cut.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  for (
    const [message, why] of [
      [`Invalid Input Error: Footer length error in file '${cut}'`, /Footer length error/],
      [`Invalid Input Error: No magic bytes found at end of file '${cut}'`, /end with/],
      [`Invalid Input Error: File '${cut}' too small to be a Parquet file`, /too small/],
    ] as const
  ) {
    const e = parquetReadError(message);
    assert.ok(e instanceof HetfxError, message);
    assert.match(
      e.message,
      new RegExp(`^Cannot read "${quoted}": it is not a complete Parquet file`),
    );
    assert.match(e.message, why);
    assert.match(e.message, advice);
  }
  // A file that is no Parquet at all (or is not here to look at) keeps DuckDB's error.
  const text = `${dir}/text.parquet`;
  await Deno.writeTextFile(text, "not parquet");
  for (const file of [text, `${dir}/absent.parquet`]) {
    assert.equal(parquetReadError(`File '${file}' too small to be a Parquet file`), undefined);
    assert.equal(parquetReadError(`No magic bytes found at end of file '${file}'`), undefined);
  }
  // Thrift's error names no file: the one file the query reads is named; a glob is not.
  const thrift = "Invalid Error: TProtocolException: Invalid data\n\nLINE 1: …";
  assert.match(
    parquetReadError(thrift, "DESCRIBE SELECT * FROM read_parquet('a''b.parquet')")!.message,
    /^Cannot read "a'b\.parquet": .*metadata cannot be read: DuckDB's 'TProtocolException: Invalid data'\)/,
  );
  assert.equal(parquetReadError(thrift, "SELECT * FROM read_parquet('p/*.parquet')"), undefined);
  assert.equal(parquetReadError("Binder Error: column y not found"), undefined);
});
