/**
 * `deno task sql` and the aggregated routes of `deno task fit`: the query printed for a file,
 * its DuckDB result written as CSV, that aggregate fitted with --aggregated, the same rows
 * fitted through --engine duckdb (the JSON records engine, rows scanned and cells), and bad
 * input refused with exit status 2.
 */
import assert from "node:assert/strict";
import { main, USAGE } from "../../cli/sql.ts";
import { USAGE as FIT_USAGE } from "../../cli/fit.ts";
import { sqlQuery } from "../../lib/model/sufficient_statistics_sql.ts";
import { closeDuckDB, connectDuckDB } from "../../lib/engine/duckdb_engine.ts";
import { QUICK_SAMPLING, runCli, runFitCli } from "../_fit_cli.ts";
import { getColumn, labelAt } from "../../lib/data/table.ts";
import { simulatedTable } from "../model/_fixtures.ts";

const dir = await Deno.makeTempDir();
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
const csv = `${dir}/rows.csv`;
{
  const t = simulatedTable(400, "bernoulli", 8);
  const names = Object.keys(t.columns);
  const lines = [names.join(",")];
  for (let i = 0; i < t.nRows; i++) {
    lines.push(names.map((n) => labelAt(getColumn(t, n), i)).join(","));
  }
  await Deno.writeTextFile(csv, lines.join("\n") + "\n");
}
const FORMULA = "y ~ 1 + x + treat + (1 + treat | g2)";

/** `deno task fit FILE --aggregated --dry-run` for the bernoulli model. */
const dryRunAggregated = (file: string) =>
  runFitCli([file, "--aggregated", "--formula", FORMULA, "--family", "bernoulli", "--dry-run"]);

/**
 * The JSON of `deno task fit FILE <route flags> <model flags>`, one short chain; the model
 * defaults to the bernoulli one.
 */
async function fitJson(
  file: string,
  route: string,
  out: string,
  model = ["--formula", FORMULA, "--family", "bernoulli"],
) {
  const r = await runFitCli([
    file,
    ...route.split(" "),
    ...model,
    "--chains",
    "1",
    ...QUICK_SAMPLING,
    "--out",
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(await Deno.readTextFile(out));
}

/** main()'s exit status and what it printed. */
async function runSql(...args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log, error = console.error;
  console.log = (...a: unknown[]) => void lines.push(a.join(" "));
  console.error = (...a: unknown[]) => void lines.push(a.join(" "));
  try {
    return { code: await main(args), out: lines.join("\n") };
  } finally {
    console.log = log, console.error = error;
  }
}

Deno.test("sql prints the query, runs it, and fit --aggregated reads its result", async () => {
  const printed = await runSql(
    csv,
    "--formula",
    FORMULA,
    "--family",
    "bernoulli",
    "--dialect",
    "spark",
    "--table",
    "warehouse.rows",
  );
  assert.equal(printed.code, 0, printed.out);
  assert.match(printed.out, /FROM warehouse\.rows/);
  assert.match(printed.out, /GROUP BY hetfx_rows\.`x`, hetfx_rows\.`treat`, hetfx_rows\.`g2`/);
  const agg = `${dir}/agg.csv`;
  const ran = await runSql(
    csv,
    "--formula",
    FORMULA,
    "--family",
    "bernoulli",
    "--run",
    "--out",
    agg,
  );
  assert.equal(ran.code, 0, ran.out);
  assert.match(ran.out, /aggregate rows from 400 rows/);
  const header = (await Deno.readTextFile(agg)).split("\n")[0];
  assert.equal(header, "x,treat,g2,n,sum__y");
  const fit = await dryRunAggregated(agg);
  assert.equal(fit.code, 0, fit.stderr);
  assert.match(fit.stdout, /aggregate rows/);
  // The JSON names the route as DESIGN's contract does ("aggregated").
  const out = `${dir}/agg_fit.json`;
  const json = await fitJson(agg, "--aggregated", out);
  assert.equal(json.data.engine, "aggregated");
  assert.equal(json.data.rows, 400);
});

Deno.test("fit --engine duckdb records the engine, rows scanned and patterns", async () => {
  const json = await fitJson(csv, "--engine duckdb", `${dir}/fit.json`);
  assert.equal(json.data.engine, "duckdb");
  assert.equal(json.data.rowsScanned, 400);
  assert.equal(json.data.rows, 400);
  assert.ok(json.data.patterns > 0 && json.data.patterns <= json.data.aggregateRows);
});

Deno.test("sql and fit refuse bad input with exit status 2", async () => {
  const dialect = await runSql(csv, "--formula", FORMULA, "--dialect", "mysql");
  assert.equal(dialect.code, 2);
  assert.match(dialect.out, /--dialect must be duckdb, postgres, bigquery, spark/);
  const twice = await runSql(csv, "--formula", FORMULA, "--dialect", "spark", "--dialect=duckdb");
  assert.equal(twice.code, 2);
  assert.match(twice.out, /Option --dialect is given twice \("spark", then "duckdb"\)/);
  const missing = await runFitCli([`${dir}/none.parquet`, "--formula", FORMULA, "--dry-run"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr + missing.stdout, /Cannot read ".*none\.parquet": no such file/);
  const incomplete = `${dir}/incomplete.csv`;
  await Deno.writeTextFile(incomplete, "x,treat,g2,n\n1,0,a,3\n");
  const bad = await dryRunAggregated(incomplete);
  assert.equal(bad.code, 2);
  // Without sum__y: the aggregate's message, not the formula's "column not found".
  assert.match(bad.stderr + bad.stdout, /"y" is neither a key column nor summed \("sum__y"\)/);
  // An empty value names the option, as deno task fit does ("unknown family """ before).
  for (const option of ["family", "dialect", "table", "out"]) {
    const empty = await runSql(csv, "--formula", FORMULA, `--${option}`, "");
    assert.equal(empty.code, 2);
    assert.match(
      empty.out,
      new RegExp(`^Error: Option --${option} is empty; give a value, e\\.g\\. --${option} `),
    );
  }
});

Deno.test("fit --engine duckdb refuses a stray string as memory does, and --factor reaches it", async () => {
  const stray = `${dir}/stray.csv`;
  const text = await Deno.readTextFile(csv);
  const lines = text.split("\n");
  const treat = lines[0].split(",").indexOf("treat");
  const fields = lines[3].split(",");
  fields[treat] = "n/a";
  lines[3] = fields.join(",");
  await Deno.writeTextFile(stray, lines.join("\n"));
  const fit = (engine: string, ...more: string[]) =>
    runFitCli([stray, "--engine", engine, "--formula", FORMULA, "--family", "bernoulli", ...more]);
  const [memory, duckdb] = [await fit("memory", "--dry-run"), await fit("duckdb", "--dry-run")];
  assert.equal(duckdb.code, 2);
  assert.equal(duckdb.stderr + duckdb.stdout, memory.stderr + memory.stdout);
  assert.match(duckdb.stderr + duckdb.stdout, /column "treat" .* row 3 has "n\/a".*--factor treat/);
  const declared = await fit("duckdb", "--dry-run", "--factor", "treat");
  assert.equal(declared.code, 0, declared.stderr);
});

Deno.test("fit --engine duckdb refuses --encoding other than UTF-8 (DuckDB would misread it)", async () => {
  const run = (...more: string[]) =>
    runFitCli([csv, "--engine", "duckdb", "--formula", FORMULA, "--family", "bernoulli", ...more]);
  const latin = await run("--dry-run", "--encoding", "latin1");
  assert.equal(latin.code, 2);
  assert.match(latin.stderr, /--encoding latin1 needs the in-memory route .* --engine memory/);
  assert.equal((await run("--dry-run", "--encoding", "utf-8")).code, 0);
});

Deno.test("fit --engine duckdb --weights reads the weights column (it was left out of the sample)", async () => {
  const weighted = `${dir}/weighted.csv`;
  const lines = ["y,treat,g,w"];
  for (let i = 1; i <= 40; i++) {
    lines.push(`${((i * 7) % 11) / 4 - 1},${i % 2},${"abcd"[i % 4]},${1 + (i % 3)}`);
  }
  await Deno.writeTextFile(weighted, lines.join("\n") + "\n");
  const run = (engine: string) =>
    runFitCli([
      weighted,
      "--engine",
      engine,
      "--formula",
      "y ~ 1 + treat + (1 + treat | g)",
      "--weights",
      "w",
      "--dry-run",
    ]);
  const duckdb = await run("duckdb");
  assert.equal(duckdb.code, 0, duckdb.stderr);
  assert.match(duckdb.stdout, /likelihood weights "w"/);
  assert.match((await run("memory")).stdout, /likelihood weights "w"/);
});

Deno.test("sql --weights gives the query of y | weights(w), which fit --aggregated --weights reads", async () => {
  const weighted = `${dir}/weighted_sql.csv`;
  const lines = ["y,treat,g,w"];
  for (let i = 1; i <= 40; i++) {
    lines.push(`${((i * 7) % 11) / 4 - 1},${i % 2},${"abcd"[i % 4]},${1 + (i % 3)}`);
  }
  await Deno.writeTextFile(weighted, lines.join("\n") + "\n");
  const model = "y ~ 1 + treat + (1 + treat | g)";
  const flag = await runSql(weighted, "--formula", model, "--weights", "w");
  assert.equal(flag.code, 0, flag.out);
  assert.match(flag.out, /SUM\(hetfx_rows\."w"\) AS "sum__w"/);
  const inFormula = await runSql(
    weighted,
    "--formula",
    "y | weights(w) ~ 1 + treat + (1 + treat | g)",
  );
  assert.equal(flag.out, inFormula.out);
  // A table elsewhere: the weights column is one of the query's columns too.
  const table = await runSql(
    "warehouse.rows",
    "--formula",
    model,
    "--weights",
    "w",
    "--factor",
    "g",
  );
  assert.equal(table.code, 0, table.out);
  assert.match(table.out, /AS "sum__w"/);
  const agg = `${dir}/weighted_agg.csv`;
  const ran = await runSql(weighted, "--formula", model, "--weights", "w", "--run", "--out", agg);
  assert.equal(ran.code, 0, ran.out);
  const fit = await runFitCli([
    agg,
    "--aggregated",
    "--formula",
    model,
    "--weights",
    "w",
    "--dry-run",
  ]);
  assert.equal(fit.code, 0, fit.stderr);
  assert.match(fit.stdout, /likelihood weights "w"/);
  const typo = await runSql(weighted, "--formula", model, "--weights", "ww");
  assert.equal(typo.code, 2);
  assert.match(typo.out, /Option --weights ww: column "ww" not found; did you mean "w"\?/);
  const empty = await runSql(weighted, "--formula", model, "--weights", "");
  assert.equal(empty.code, 2);
  assert.match(empty.out, /Option --weights is empty; give a value, e\.g\. --weights w\./);
});

/** A small gaussian CSV with a missing y on row 3 and a missing x on row 5. */
async function incompleteCsv(): Promise<string> {
  const path = `${dir}/with_missing.csv`;
  const lines = ["y,x,t,g"];
  for (let i = 0; i < 40; i++) {
    lines.push(`${i === 3 ? "NA" : (i * 7) % 11},${i === 5 ? "" : i % 5},${i % 2},g${i % 4}`);
  }
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  return path;
}
const GAUSSIAN = "y ~ 1 + x + t + (1 + t | g)";

Deno.test("sql --run on missing values says --drop-missing, as fit does", async () => {
  const data = await incompleteCsv();
  const r = await runSql(data, "--formula", GAUSSIAN, "--run", "--out", `${dir}/agg_missing.csv`);
  assert.equal(r.code, 2);
  assert.match(r.out, /missing values in "y" \(1 row\), "x" \(1 row\)\. Rerun with --drop-missing/);
  assert.doesNotMatch(r.out, /loadTable|dropMissingRows/);
  const dropped = await runSql(
    data,
    "--formula",
    GAUSSIAN,
    "--run",
    "--drop-missing",
    "--out",
    `${dir}/agg_dropped.csv`,
  );
  assert.equal(dropped.code, 0, dropped.out);
  // The rows aggregated are the complete ones; the ones left out are counted per column.
  assert.match(
    dropped.out,
    /aggregate rows from 38 rows \(2 of 40 left out for missing values: y: 1, x: 1\)\./,
  );
  // The aggregate records them (dropped_rows, missing__v), so the fit warns of them too.
  const fitted = await runFitCli([
    `${dir}/agg_dropped.csv`,
    "--aggregated",
    "--formula",
    GAUSSIAN,
    "--dry-run",
  ]);
  assert.equal(fitted.code, 0, fitted.stderr);
  assert.match(
    fitted.stdout,
    /WARNING: 2 rows with missing values \(y: 1, x: 1\) were dropped by the aggregation .*; the model uses the other 38\./,
  );
});

Deno.test("a ±1 treatment's contrast and --reference are the rows' on every route (memory, duckdb, aggregated)", async () => {
  const lines = ["y,t,g"];
  for (let i = 0; i < 120; i++) {
    lines.push(`${((i * 37) % 23) / 10 - 1},${i % 3 === 0 ? 1 : -1},${"abcd"[i % 4]}`);
  }
  const rows = `${dir}/plus_minus.csv`;
  await Deno.writeTextFile(rows, lines.join("\n") + "\n");
  const model = ["--formula", "y ~ 1 + t + (1 + t | g)", "--reference", "1"];
  const agg = `${dir}/plus_minus_agg.csv`;
  const sql = await runSql(rows, "--formula", model[1], "--run", "--out", agg);
  assert.equal(sql.code, 0, sql.out);
  for (const route of ["--engine memory", "--engine duckdb", "--aggregated"]) {
    const file = route === "--aggregated" ? agg : rows;
    const json = await fitJson(file, route, `${dir}/plus_minus_${route}.json`, model);
    assert.deepEqual(
      json.treatment_contrasts,
      [{ name: "-1 - 1", kind: "two-valued", high: "-1", low: "1" }],
      route,
    );
  }
  // The printed summary names the same contrast as the JSON.
  const dry = await runFitCli([agg, "--aggregated", ...model, "--dry-run"]);
  assert.match(dry.stdout, /^Treatment: t; effects: -1 - 1$/m);
});

Deno.test("sql --run writes labels with a carriage return, comma, quote or line break so that fit --aggregated reads them back", async () => {
  // A label with a lone carriage return was written unquoted: the loader read it as a line
  // break and refused the aggregate ("line 2 has 1 fields, the header has 12").
  const labels = ['"cr\rin"', '"x, y"', '"say ""hi"""', '"two\nlines"'];
  const lines = ["y,t,g"];
  for (let i = 0; i < 32; i++) lines.push(`${(i * 7) % 5},${i % 2},${labels[i % 4]}`);
  const rows = `${dir}/labels.csv`;
  await Deno.writeTextFile(rows, lines.join("\n") + "\n");
  const agg = `${dir}/labels_agg.csv`;
  const model = ["--formula", "y ~ 1 + t + (1 + t | g)"];
  const ran = await runSql(rows, ...model, "--run", "--out", agg);
  assert.equal(ran.code, 0, ran.out);
  const read = await runFitCli([agg, "--aggregated", ...model, "--effects-by", "g", "--dry-run"]);
  assert.equal(read.code, 0, read.stderr);
  assert.match(read.stdout, /4 aggregate rows/);
});

Deno.test("a --factor whose labels read as one number (01 and 1) is refused by fit --aggregated unless declared again", async () => {
  // The aggregate holds g = 01 and g = 1 unquoted: read as numbers they were one group.
  const lines = ["y,t,g"];
  for (let i = 0; i < 40; i++) {
    lines.push(`${(i * 7) % 5},${i % 2},${["01", "1", "2", "3"][i % 4]}`);
  }
  const rows = `${dir}/number_labels.csv`;
  await Deno.writeTextFile(rows, lines.join("\n") + "\n");
  const agg = `${dir}/number_labels_agg.csv`;
  const model = ["--formula", "y ~ 1 + t + (1 | g)"];
  const ran = await runSql(rows, ...model, "--factor", "g", "--run", "--out", agg);
  assert.equal(ran.code, 0, ran.out);
  assert.match(ran.out, /Fit it with --factor g \(deno task fit .* --aggregated --factor g/);
  const merged = await runFitCli([agg, "--aggregated", ...model, "--dry-run"]);
  assert.equal(merged.code, 2, merged.stdout);
  assert.match(
    merged.stderr,
    /column "g" holds "01" and "1", which read as the same number 1, so their keys would merge .* add --factor g\./,
  );
  // Declared, the four groups stay four: Intercept, t, sigma, sd_g and 4 levels.
  const kept = await runFitCli([agg, "--aggregated", ...model, "--factor", "g", "--dry-run"]);
  assert.equal(kept.code, 0, kept.stderr);
  assert.match(kept.stdout, /Model checked: 8 parameters/);
});

Deno.test("a text ordinal outcome is refused by sql (printed or --run) and fit --engine duckdb, pointing to --engine memory --levels", async () => {
  const lines = ["y,t,g"];
  for (let i = 0; i < 30; i++) {
    lines.push(`${["low", "mid", "high"][i % 3]},${i % 2},${"abc"[i % 3]}`);
  }
  const rows = `${dir}/ordinal_text.csv`;
  await Deno.writeTextFile(rows, lines.join("\n") + "\n");
  const model = ["--formula", "y ~ 1 + t + (1 | g)", "--family", "cumulative"];
  const advice =
    /column "y" is (text|VARCHAR) in the data; it must be numeric to be aggregated in SQL: a cumulative outcome as its categories 1, 2, …, K\. .*--engine memory --levels y=LOWEST,…,HIGHEST/;
  const printed = await runSql(rows, ...model);
  assert.equal(printed.code, 2, printed.out);
  assert.match(printed.out, advice);
  const ran = await runSql(rows, ...model, "--run", "--out", `${dir}/ordinal_text_agg.csv`);
  assert.equal(ran.code, 2, ran.out);
  assert.match(ran.out, advice);
  const duckdb = await runFitCli([rows, "--engine", "duckdb", ...model, "--dry-run"]);
  assert.equal(duckdb.code, 2, duckdb.stdout);
  assert.match(duckdb.stderr, advice);
});

Deno.test("sql prints a query that keeps incomplete rows (n NULL, refused by fit) unless --drop-missing", async () => {
  const data = await incompleteCsv();
  const kept = await runSql(data, "--formula", GAUSSIAN);
  assert.equal(kept.code, 0, kept.out);
  assert.doesNotMatch(kept.out, /WHERE/);
  assert.match(kept.out, /n is NULL for their keys/);
  const dropped = await runSql(data, "--formula", GAUSSIAN, "--drop-missing");
  assert.match(dropped.out, /WHERE "y" IS NOT NULL AND "x" IS NOT NULL/);
  // Run where the data live (here DuckDB): the keys with an incomplete row get no n, and
  // fit --aggregated refuses the result instead of reading sums that skipped the NULLs.
  const con = await connectDuckDB();
  let csvText: string;
  try {
    const result = await con.runAndReadAll(kept.out);
    const columns = result.getColumns();
    const rows = columns[0].map((_, i) =>
      columns.map((c) => c[i] === null ? "" : String(c[i])).join(",")
    );
    csvText = [result.columnNames().join(","), ...rows].join("\n") + "\n";
  } finally {
    closeDuckDB(con);
  }
  const agg = `${dir}/agg_with_missing.csv`;
  await Deno.writeTextFile(agg, csvText);
  const fit = await runFitCli([agg, "--aggregated", "--formula", GAUSSIAN, "--dry-run"]);
  assert.equal(fit.code, 2);
  assert.match(fit.stderr, /column "n" has a missing .* --drop-missing/);
});

Deno.test("sql and fit --engine duckdb refuse a Latin-1 CSV as not UTF-8, with no DuckDB stack", async () => {
  const latin = `${dir}/latin1.csv`;
  const text = (await Deno.readTextFile(csv)).replace(
    /\n[^\n]*\n/,
    (row) => row + "0,0,0,caf\xe9\n",
  );
  await Deno.writeFile(latin, Uint8Array.from([...text], (c) => c.charCodeAt(0)));
  const sql = await runSql(latin, "--formula", FORMULA, "--family", "bernoulli");
  const fit = await runFitCli([latin, "--engine", "duckdb", "--formula", FORMULA, "--dry-run"]);
  for (const out of [sql.out, fit.stderr + fit.stdout]) {
    assert.match(out, /not valid UTF-8 text \(line 3 has the byte 0xE9\).*iconv -f latin1/);
    assert.match(out, /--engine memory --encoding latin1/);
    assert.doesNotMatch(out, /DuckDB could not run|libduckdb|loadTable/);
  }
  assert.equal(sql.code, 2);
  assert.equal(fit.code, 2);
});

Deno.test("sql: a missing file is refused; a table name is quoted by the user or refused", async () => {
  for (const name of ["nofile.csv", `${dir}/none.parquet`, "data/rows.csv.gz"]) {
    const r = await runSql(name, "--formula", GAUSSIAN);
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /^Error: Cannot read ".*": no such file/);
  }
  // Globs and URLs are DuckDB's to read, not files that must exist here.
  for (const name of [`${dir}/part-*.parquet`, "https://example.org/rows.parquet"]) {
    const r = await runSql(name, "--formula", GAUSSIAN);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /FROM read_parquet\(/);
  }
  for (const [name, flags] of [["my table", []], ["db..rows", []], ["a.b", ["--table", "x y"]]]) {
    const r = await runSql(name as string, "--formula", GAUSSIAN, ...flags);
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /is not an SQL table name: .* must be quoted/);
    assert.doesNotMatch(r.out, /FROM/);
  }
  const quoted = await runSql('db."my table"', "--formula", GAUSSIAN);
  assert.equal(quoted.code, 0, quoted.out);
  assert.match(quoted.out, /FROM db\."my table"/);
  const bigquery = await runSql(
    "my-project.ds.rows",
    "--formula",
    GAUSSIAN,
    "--dialect",
    "bigquery",
  );
  assert.match(bigquery.out, /FROM my-project\.ds\.rows/);
  const query = await runSql("SELECT * FROM t WHERE y/2 > 0", "--formula", GAUSSIAN);
  assert.match(query.out, /FROM \(SELECT \* FROM t WHERE y\/2 > 0\) AS hetfx_source/);
});

Deno.test("options that would be ignored are refused: sql --out without --run, --force without --out, fit --aggregated with --engine duckdb or --drop-missing", async () => {
  for (
    const [flags, message] of [
      [["--out", `${dir}/x.csv`], /--out only applies with --run/],
      [["--force"], /--force only applies with --out/],
    ] as const
  ) {
    const r = await runSql(csv, "--formula", FORMULA, ...flags);
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, message);
    assert.doesNotMatch(r.out, /SELECT/);
  }
  const agg = `${dir}/agg_ignored.csv`;
  assert.equal((await runSql(csv, "--formula", FORMULA, "--run", "--out", agg)).code, 0);
  for (
    const [flags, message] of [
      [["--engine", "duckdb"], /--engine duckdb does not apply with --aggregated/],
      [["--drop-missing"], /--drop-missing does not apply with --aggregated.*sql --drop-missing/],
      [["--force"], /--force only applies with --out/],
    ] as const
  ) {
    const r = await runFitCli([agg, "--aggregated", "--formula", FORMULA, "--dry-run", ...flags]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stdout, /Model checked/);
  }
});

Deno.test("every command's unknown option gets a did-you-mean and its own --help", async () => {
  const sql = await runSql(csv, "--formula", FORMULA, "--dialec", "postgres");
  assert.equal(sql.code, 2);
  assert.equal(
    sql.out,
    "Error: Unknown option --dialec; did you mean --dialect? See deno task sql --help for its options.",
  );
  const sbc = await runCli("sbc.ts", [csv, "--formula", FORMULA, "--sim", "3"]);
  assert.equal(sbc.code, 2);
  assert.match(
    sbc.stderr,
    /^Error: Unknown option --sim; did you mean --sims\? See deno task sbc --help/,
  );
  assert.doesNotMatch(sbc.stderr, /deno task fit/);
  const replicate = await runCli("replicate.ts", ["--chains", "2"]);
  assert.equal(replicate.code, 2);
  assert.match(
    replicate.stderr,
    /^Error: Unknown option --chains\. See deno task replicate --help/,
  );
  const fit = await runFitCli([csv, "--formula", FORMULA, "--chain", "2"]);
  assert.match(
    fit.stderr,
    /^Error: Unknown option --chain; did you mean --chains\? See deno task fit/,
  );
  for (const r of [sbc, replicate, fit]) assert.equal(r.stderr.trim().split("\n").length, 1);
});

Deno.test("a bare SELECT query goes through DuckDB in fit and sql --run; compare and --engine memory refuse it by name", async () => {
  // It was put after FROM as it stood: "DESCRIBE SELECT * FROM SELECT …", a syntax error.
  const model = ["--formula", FORMULA, "--family", "bernoulli"];
  const query = `SELECT * FROM read_csv('${csv}'); -- every row`;
  const viaQuery = await runFitCli([query, ...model, "--dry-run"]);
  assert.equal(viaQuery.code, 0, viaQuery.stderr + viaQuery.stdout);
  const viaFile = await runFitCli([csv, "--engine", "duckdb", ...model, "--dry-run"]);
  assert.equal(viaQuery.stdout, viaFile.stdout);
  assert.match(viaQuery.stdout, /400 rows aggregated by DuckDB/);
  const agg = `${dir}/query_agg.csv`;
  const ran = await runSql(
    `WITH r AS (SELECT * FROM read_csv('${csv}')) SELECT * FROM r;\n`,
    ...model,
    "--run",
    "--out",
    agg,
  );
  assert.equal(ran.code, 0, ran.out);
  const fromFile = `${dir}/file_agg.csv`;
  assert.equal((await runSql(csv, ...model, "--run", "--out", fromFile)).code, 0);
  assert.equal(await Deno.readTextFile(agg), await Deno.readTextFile(fromFile));
  // The rows in memory: not "cannot read file" but what to do.
  for (
    const r of [
      await runFitCli([query, "--engine", "memory", ...model, "--dry-run"]),
      await runCli("compare.ts", [query, ...model]),
    ]
  ) {
    assert.equal(r.code, 2, r.stdout);
    assert.match(
      r.stderr + r.stdout,
      /^Error: Cannot load table: "SELECT .*" is an SQL query, which only DuckDB runs, .* save the query's result as CSV first/m,
    );
    assert.doesNotMatch(r.stderr + r.stdout, /No such file|os error/);
  }
});

Deno.test("a query in parentheses, FROM-first and VALUES go through DuckDB in fit's auto route and sql --run", async () => {
  // Only SELECT and WITH were taken for queries: these were read as missing files or table names.
  const model = ["--formula", FORMULA, "--family", "bernoulli"];
  const viaFile = await runFitCli([csv, "--engine", "duckdb", ...model, "--dry-run"]);
  assert.equal(viaFile.code, 0, viaFile.stderr);
  const fromFile = `${dir}/forms_file_agg.csv`;
  assert.equal((await runSql(csv, ...model, "--run", "--out", fromFile)).code, 0);
  const queries = [`(SELECT * FROM read_csv('${csv}'))`, `FROM read_csv('${csv}');`];
  for (const [i, query] of queries.entries()) {
    const fit = await runFitCli([query, ...model, "--dry-run"]);
    assert.equal(fit.code, 0, fit.stderr + fit.stdout);
    assert.equal(fit.stdout, viaFile.stdout, query);
    const agg = `${dir}/forms_agg_${i}.csv`;
    const ran = await runSql(query, ...model, "--run", "--out", agg);
    assert.equal(ran.code, 0, ran.out);
    assert.equal(await Deno.readTextFile(agg), await Deno.readTextFile(fromFile), query);
  }
  const values = "VALUES (1.5, 'a'), (2.5, 'a'), (0.5, 'b')";
  const printed = await runSql(values, "--formula", "col0 ~ 1 + (1 | col1)", "--factor", "col1");
  assert.equal(printed.code, 0, printed.out);
  assert.match(printed.out, /FROM \(VALUES \(1\.5, 'a'\), .*\) AS hetfx_source/);
  const fit = await runFitCli([values, "--formula", "col0 ~ 1 + (1 | col1)", "--dry-run"]);
  assert.equal(fit.code, 0, fit.stderr + fit.stdout);
  assert.match(fit.stdout, /3 rows aggregated by DuckDB/);
});

Deno.test("sql and fit --help, and the missing-file error, name every query form DuckDB runs, not only SELECT", async () => {
  // The help said "SELECT queries" (sql: "SELECT …"), where WITH, VALUES, FROM-first and a
  // parenthesised query go through DuckDB too.
  // What each form is called in the help, and a query of that form.
  const forms = [
    ["SELECT …", "SELECT * FROM t"],
    ["WITH …", "WITH r AS (SELECT 1) SELECT * FROM r"],
    ["VALUES …", "VALUES (1, 'a')"],
    ["FROM-first FROM t", "FROM t SELECT y"],
    ["in parentheses", "(FROM t)"],
  ];
  const engine = FIT_USAGE.split("\n  --").find((e) => e.startsWith("engine"))!;
  for (const [form, example] of forms) {
    assert.notEqual(sqlQuery(example), undefined, example);
    assert.ok(USAGE.includes(form), `sql --help: ${form}`);
    assert.ok(engine.includes(form), `fit --help --engine: ${form}`);
  }
  assert.match(USAGE, /^Usage: deno task sql <.* \| QUERY> /);
  assert.doesNotMatch(USAGE + FIT_USAGE, /SELECT quer/);
  const missing = await runSql(`${dir}/no_such.csv`, "--formula", FORMULA);
  assert.equal(missing.code, 2);
  assert.match(
    missing.out,
    /a table name or a query \(SELECT, WITH, VALUES, FROM-first FROM t …\)\.$/,
  );
});

Deno.test("sql on a truncated Parquet file says it is not a complete Parquet file, to re-export it; exit 2", async () => {
  const whole = `${dir}/whole.parquet`;
  const con = await connectDuckDB();
  try {
    await con.runAndReadAll(
      `COPY (SELECT * FROM read_csv('${csv}')) TO '${whole}' (FORMAT parquet)`,
    );
  } finally {
    closeDuckDB(con);
  }
  const bytes = await Deno.readFile(whole);
  const cut = `${dir}/cut.parquet`;
  await Deno.writeFile(
    cut,
    // The first 16 bytes and the last 8 (footer length, PAR1): a footer longer than the file.
    new Uint8Array([...bytes.subarray(0, 16), ...bytes.subarray(bytes.length - 8)]),
  );
  const r = await runSql(cut, "--formula", FORMULA);
  assert.equal(r.code, 2, r.out);
  assert.match(
    r.out,
    /Cannot read ".*cut\.parquet": it is not a complete Parquet file \(its footer length is wrong: DuckDB's 'Footer length error'\); .* Re-export it /,
  );
  assert.doesNotMatch(r.out, /Query:|LINE 1/);
});

Deno.test("a glob of Parquet files is fitted as deno task sql --run reads it; a glob of CSVs is refused saying what to do", async () => {
  // fit said 'Cannot read "parts/*.parquet": no such file', where sql --run read the files;
  // a CSV glob got "No such file or directory (os error 2)".
  const parts = `${dir}/parts`;
  await Deno.mkdir(parts, { recursive: true });
  const con = await connectDuckDB();
  try {
    for (const [i, where] of ["g2 <= 'c'", "g2 > 'c'"].entries()) {
      await con.runAndReadAll(
        `COPY (SELECT * FROM read_csv('${csv}') WHERE ${where}) TO '${parts}/p${i}.parquet' ` +
          "(FORMAT parquet)",
      );
    }
  } finally {
    closeDuckDB(con);
  }
  await Deno.copyFile(csv, `${parts}/p0.csv`);
  await Deno.copyFile(csv, `${parts}/p1.csv`);
  const model = ["--formula", FORMULA, "--family", "bernoulli"];
  const glob = await runFitCli([`${parts}/*.parquet`, ...model, "--dry-run"]);
  assert.equal(glob.code, 0, glob.stderr + glob.stdout);
  const whole = await runFitCli([csv, "--engine", "duckdb", ...model, "--dry-run"]);
  assert.equal(glob.stdout, whole.stdout);
  const refusal =
    /^Error: Cannot read ".*\/parts\/\*\.csv" as one CSV file: .* Give one local file, or the files as a query, .*"SELECT \* FROM read_csv\('.*\/parts\/\*\.csv'\)"\.$/m;
  for (const engine of ["auto", "duckdb"]) {
    const r = await runFitCli([`${parts}/*.csv`, "--engine", engine, ...model, "--dry-run"]);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr + r.stdout, refusal);
  }
  const ran = await runSql(`${parts}/*.csv`, ...model, "--run", "--out", `${dir}/glob_agg.csv`);
  assert.equal(ran.code, 2, ran.out);
  assert.match(ran.out, refusal);
  assert.doesNotMatch(ran.out, /os error/);
});

Deno.test("fit --engine duckdb and sql refuse a directory or a file DuckDB does not read, by name", async () => {
  // A directory named data.csv crashed with "Uncaught IsADirectory" and a stack trace; a
  // directory or an .xlsx file otherwise reached DuckDB as a table name: "Parser Error: syntax
  // error at or near "/"".
  const folder = `${dir}/folder.csv`;
  await Deno.mkdir(folder, { recursive: true });
  const sheet = `${dir}/rows.xlsx`;
  await Deno.copyFile(csv, sheet);
  const model = ["--formula", FORMULA, "--family", "bernoulli"];
  const expected: [string, RegExp][] = [
    [
      folder,
      /^Error: Cannot read ".*folder\.csv": it is a directory\. Give a data file .*"\S*folder\.csv\/\*\.parquet"\.$/m,
    ],
    [dir, /^Error: Cannot read ".*": it is a directory\./m],
    [
      sheet,
      /^Error: Cannot read ".*rows\.xlsx" with DuckDB: it reads \.parquet, \.csv and \.tsv files .* Export it to CSV or Parquet first/m,
    ],
  ];
  for (const [data, message] of expected) {
    const fit = await runFitCli([data, "--engine", "duckdb", ...model, "--dry-run"]);
    const sql = await runSql(data, ...model);
    for (const [out, code] of [[fit.stderr + fit.stdout, fit.code], [sql.out, sql.code]] as const) {
      assert.equal(code, 2, out);
      assert.match(out, message);
      assert.doesNotMatch(out, /Parser Error|Uncaught|os error/);
    }
  }
});

Deno.test("sql --run: labels the loader reads as numbers (Inf among numbers) get the --factor hint", async () => {
  // The hint asked parseDecimal of each label, so "Inf" beside "1" and "2" was taken for text,
  // and reading the aggregate back refused "Inf" with no hint. ("NA" is refused: see below.)
  for (const label of ["Inf"]) {
    const query = `SELECT * FROM (VALUES (1.0, '1'), (2.0, '2'), (0.5, '${label}')) t(y, g)`;
    const out = `${dir}/hint_${label}.csv`;
    const r = await runSql(
      query,
      "--formula",
      "y ~ 1 + (1 | g)",
      "--factor",
      "g",
      "--run",
      "--out",
      out,
    );
    assert.equal(r.code, 0, r.out);
    assert.match(
      r.out,
      /^Fit it with --factor g \(deno task fit .* --aggregated --factor g/m,
      label,
    );
  }
  const text = `SELECT * FROM (VALUES (1.0, '1'), (2.0, 'b')) t(y, g)`;
  const r = await runSql(
    text,
    "--formula",
    "y ~ 1 + (1 | g)",
    "--factor",
    "g",
    "--run",
    "--out",
    `${dir}/hint_text.csv`,
  );
  assert.equal(r.code, 0, r.out);
  assert.doesNotMatch(r.out, /Fit it with --factor/);
});

Deno.test("sql --run refuses a factor label that reads back as missing (NA, empty), naming the column, the label and what to do", async () => {
  // "NA" was written as NA, and fit --aggregated read it back as a missing key: its two rows
  // were refused ("missing values in g") or, with --drop-missing, dropped.
  const model = ["--formula", "y ~ 1 + (1 | g)"];
  for (const label of ["NA", "", " NA"]) {
    const rows = `(VALUES (1.0, 'a'), (2.0, '${label}'), (0.5, 'b'), (1.5, '${label}')) t(y, g)`;
    const out = `${dir}/na_label.csv`;
    const refused = await runSql(`SELECT * FROM ${rows}`, ...model, "--run", "--out", out);
    assert.equal(refused.code, 2, refused.out);
    assert.match(
      refused.out,
      new RegExp(
        `^Error: Cannot write .*na_label\\.csv: column "g" has the label ${
          JSON.stringify(label)
        }, which a CSV reader takes for a missing value: .* Rename it in the query first, e\\.g\\. ` +
          `SELECT \\* REPLACE \\(CASE WHEN "g" = '${label}' THEN 'not available' ELSE "g" END AS "g"\\)`,
      ),
    );
    assert.equal(await Deno.stat(out).then(() => true, () => false), false);
    // The suggested recode writes an aggregate that reads back with every row and group.
    const recoded = `SELECT * REPLACE (CASE WHEN "g" = '${label}' THEN 'not available' ` +
      `ELSE "g" END AS "g") FROM ${rows}`;
    const ran = await runSql(recoded, ...model, "--run", "--out", out);
    assert.equal(ran.code, 0, ran.out);
    const read = await runFitCli([out, "--aggregated", ...model, "--dry-run"]);
    assert.equal(read.code, 0, read.stderr);
    assert.match(read.stdout, /Varying Intercept by g: 3 groups, sizes 1–2/);
    await Deno.remove(out);
  }
});
