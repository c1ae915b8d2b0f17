/**
 * DuckDB as the data engine: Parquet files, large CSVs and DuckDB tables or queries are
 * aggregated inside DuckDB with the model's sufficient-statistics query
 * (lib/model/sufficient_statistics_sql.ts), so the rows never enter JavaScript memory; the fit
 * then reads the aggregate (`aggregated: true`). The missing-value and type checks run as
 * queries too, and the default priors' median and MAD of y in bounded memory
 * (lib/engine/duckdb_median.ts). `@duckdb/node-api` is imported on first use only (and needs
 * --allow-ffi).
 */
import { HetfxError } from "../errors.ts";
import type { Table } from "../data/table.ts";
import { type ColumnValues, tableFromColumns } from "../data/load_table.ts";
import { missingValuesError } from "../data/missing.ts";
import type { ModelSpec } from "../spec/model_spec.ts";
import { usedColumns } from "../model/used_columns.ts";
import { aggregateLayout } from "../model/aggregate.ts";
import {
  priorOutcomeSQL,
  sqlQuery,
  sufficientStatisticsSQL,
  textOutcomeError,
} from "../model/sufficient_statistics_sql.ts";
import { familyOf } from "../families/mod.ts";
import { badWeightError } from "../model/likelihood_weights.ts";
import { boundedMedianMad } from "./duckdb_median.ts";
import {
  checkColumnsPresent,
  checkFactorsPresent,
  csvHeader,
  csvReadError,
  duckdbCsvColumns,
} from "./duckdb_csv.ts";
import { sqlIdentifier, sqlString } from "./_sql_quote.ts";

/** CSV files at least this large go through DuckDB by default (`engine: "auto"`). */
export const DUCKDB_CSV_BYTES = 64 * 1024 * 1024;

/** The parts of @duckdb/node-api's connection used here. */
interface Connection {
  runAndReadAll(sql: string): Promise<Reader>;
  start(sql: string): Promise<{ runTask(): number; readAll(): Promise<Reader> }>;
  readonly progress: { percentage: number; rows_processed: bigint | number };
  closeSync?(): void;
  disconnectSync?(): void;
}
interface Reader {
  columnNames(): string[];
  getColumns(): unknown[][];
  columnTypes(): { typeId: number; toString(): string }[];
}

/**
 * Scan progress of one query: the share done (0–1, or NaN when DuckDB cannot tell), DuckDB's
 * rows processed (summed over the query's pipelines, so it can exceed the file's rows), and
 * which pass over the data it is: 1 counts missing values, "median" finds the outcome's median
 * and MAD (default priors only; a few short scans), 2 aggregates.
 */
export interface ScanProgress {
  fraction: number;
  rows: number;
  pass: 1 | "median" | 2;
}

/**
 * A DuckDB connection (in memory). A HetfxError names the install step when the package or its
 * native binding cannot be loaded.
 *
 * @example
 * ```ts ignore
 * const con = await connectDuckDB();
 * ```
 */
export async function connectDuckDB(): Promise<Connection> {
  let api: { DuckDBInstance: { create(path: string): Promise<{ connect(): Promise<unknown> }> } };
  try {
    api = await import("@duckdb/node-api");
  } catch (error) {
    throw new HetfxError(
      `DuckDB could not be loaded (${(error as Error).message.split("\n")[0]}). It is ` +
        "installed by `bash setup.sh` (its `deno install` step fetches npm:@duckdb/node-api) and " +
        "needs --allow-ffi; the in-memory route (CSV via loadTable) works without it.",
    );
  }
  const instance = await api.DuckDBInstance.create(":memory:");
  const con = await instance.connect() as Connection;
  instances.set(con, instance as unknown as { closeSync?(): void });
  // The aggregation streams the file: a small memory limit keeps DuckDB's buffers (which
  // otherwise grow towards 80% of RAM) near the data it needs; row order does not matter to a
  // GROUP BY.
  await con.runAndReadAll(
    `SET memory_limit = '${DUCKDB_MEMORY_LIMIT}'; SET preserve_insertion_order = false`,
  );
  return con;
}

/** The database of each connection {@link connectDuckDB} made, for {@link closeDuckDB}. */
const instances = new WeakMap<Connection, { closeSync?(): void }>();

/**
 * Close a connection from {@link connectDuckDB} and its in-memory database, freeing DuckDB's
 * native memory now rather than in finalizers when the process ends (Deno runs native
 * finalizers at exit, where a fault would turn a finished run into a crash). Idempotent.
 *
 * @example
 * ```ts ignore
 * const con = await connectDuckDB();
 * try { await duckdbAggregate(con, spec, source); } finally { closeDuckDB(con); }
 * ```
 */
export function closeDuckDB(con: Connection): void {
  con.closeSync?.();
  instances.get(con)?.closeSync?.();
  instances.delete(con);
}

/** DuckDB's memory limit: it spills to disk beyond it, so it bounds the peak, not the size. */
const DUCKDB_MEMORY_LIMIT = "128MB";

/**
 * The SQL source for a path or a table: `read_parquet('…')` for .parquet, `read_csv('…')` for
 * .csv/.tsv (optionally .gz), a query (SELECT, WITH, FROM …, VALUES) in parentheses (its
 * trailing `;` and comments left out: {@link sqlQuery}), else the text itself (a table name).
 * duckdbSample and duckdbAggregate read a CSV source from here, or the same `read_csv('…')` of
 * a .csv/.tsv path written by hand, as loadTable reads the file (see {@link duckdbCsvSource});
 * any other `read_csv` call is DuckDB's own reading.
 *
 * @example
 * ```ts
 * import { duckdbSource } from "./duckdb_engine.ts";
 * console.assert(duckdbSource("a/b.parquet") === "read_parquet('a/b.parquet')");
 * console.assert(duckdbSource("survey") === "survey");
 * console.assert(duckdbSource("SELECT * FROM t;") === "(SELECT * FROM t)");
 * ```
 */
export function duckdbSource(input: string): string {
  if (/\.parquet$/i.test(input)) return `read_parquet(${sqlString(input)})`;
  if (isCsvPath(input)) return `read_csv(${sqlString(input)})`;
  const query = sqlQuery(input);
  return query === undefined ? input : `(${query})`;
}

function isCsvPath(input: string): boolean {
  return /\.(csv|tsv)(\.gz)?$/i.test(input);
}

/** The CSV path of a source duckdbSource made from one, else undefined. */
function csvPathOf(source: string): string | undefined {
  const m = /^read_csv\('((?:[^']|'')*)'\)$/.exec(source);
  return m === null ? undefined : m[1].replaceAll("''", "'");
}

/**
 * The SQL source for the model's `columns` of a CSV file, read as loadTable reads it: the
 * header checked, "" and NA missing, each column numeric or a factor by the loader's rule (one
 * pass over the file), or the loader's refusal. Pass it to duckdbSample and duckdbAggregate
 * (which otherwise check a CSV source each). Other inputs: {@link duckdbSource}.
 *
 * @example
 * ```ts ignore
 * const source = await duckdbCsvSource(con, "big.csv", ["y", "treat", "g"]);
 * const sample = await duckdbSample(con, source, ["y", "treat", "g"]);
 * ```
 */
export async function duckdbCsvSource(
  con: Connection,
  input: string,
  columns: readonly string[],
  options: { factors?: readonly string[] } = {},
): Promise<string> {
  if (!isCsvPath(input)) return duckdbSource(input);
  return await duckdbCsvColumns(
    async (sql) => (await run(con, sql)).getColumns(),
    input,
    columns,
    options,
  );
}

/**
 * The column names of `input` (a path, table or query, as {@link duckdbSource} takes it): a
 * CSV's header as loadTable reads it, else the columns DuckDB describes.
 *
 * @example
 * ```ts ignore
 * const names = await duckdbColumnNames(con, "big.parquet"); // ["y", "treat", "g"]
 * ```
 */
export async function duckdbColumnNames(con: Connection, input: string): Promise<string[]> {
  if (isCsvPath(input)) return await csvHeader(input);
  return [...(await describe(con, duckdbSource(input))).keys()];
}

/**
 * A source from duckdbSource for a CSV replaced by its checked columns; others as they are,
 * once their columns include every declared factor.
 */
async function checkedSource(
  con: Connection,
  source: string,
  columns: readonly string[],
  factors: readonly string[] | undefined,
): Promise<string> {
  const path = csvPathOf(source);
  // Only what duckdbSource made of a .csv/.tsv path: a read_csv of another file, written by
  // hand, is DuckDB's own reading.
  if (path !== undefined && isCsvPath(path)) {
    return await duckdbCsvSource(con, path, columns, { factors });
  }
  if (factors !== undefined && factors.length > 0) {
    checkFactorsPresent(factors, [...(await describe(con, source)).keys()]);
  }
  return source;
}

/** Run one query; an SQL error becomes a HetfxError that shows the query. */
async function run(
  con: Connection,
  sql: string,
  onProgress?: (p: Omit<ScanProgress, "pass">) => void,
): Promise<Reader> {
  try {
    if (!onProgress) return await con.runAndReadAll(sql);
    // DuckDB tracks a query's progress only with its progress bar enabled (off in embedded
    // use); enabled without printing, from the query's start, so that con.progress moves.
    await con.runAndReadAll(
      "SET enable_progress_bar = true; SET enable_progress_bar_print = false; " +
        "SET progress_bar_time = 0",
    );
    const pending = await con.start(sql);
    let last = 0;
    // runTask: 0 ready, 1 not ready, 3 no tasks yet (DuckDB's own threads are working).
    for (let state = pending.runTask(); state !== 0; state = pending.runTask()) {
      if (state === 3) await new Promise((r) => setTimeout(r, 20));
      const now = performance.now();
      if (now - last > 500) {
        last = now;
        const p = con.progress;
        onProgress({
          fraction: p.percentage >= 0 ? p.percentage / 100 : NaN,
          rows: Number(p.rows_processed),
        });
      }
    }
    return await pending.readAll();
  } catch (error) {
    const message = withoutStackTrace((error as Error).message);
    throw csvReadError(message) ?? parquetReadError(message, sql) ??
      new HetfxError(`DuckDB could not run the query: ${message}\nQuery:\n${sql}`);
  }
}

/**
 * The HetfxError for DuckDB's error reading a Parquet file that is not whole (cut short while
 * written, copied or downloaded): "Footer length error", "No magic bytes found at end of file",
 * "too small to be a Parquet file" (these two only for a local file that begins with PAR1), or
 * unreadable metadata (a Thrift TProtocolException, which names no file: the one file `sql`
 * reads is named). It names the file and says to re-export it; undefined for other errors.
 *
 * @example
 * ```ts
 * import { parquetReadError } from "./duckdb_engine.ts";
 * const e = parquetReadError("Invalid Input Error: Footer length error in file 'rows.parquet'");
 * console.assert(e?.message.startsWith('Cannot read "rows.parquet": it is not a complete Parquet'));
 * console.assert(parquetReadError("Binder Error: column y not found") === undefined);
 * ```
 */
export function parquetReadError(message: string, sql = ""): HetfxError | undefined {
  // A footer length or Thrift metadata error: the file ends with PAR1, so it is Parquet. No
  // magic bytes at the end, or too small: Parquet cut short only if it begins with PAR1 (a
  // file that does not, or cannot be read here, keeps DuckDB's error).
  const found = [
    [
      /Footer length error in file '(.+)'/,
      "its footer length is wrong: DuckDB's 'Footer length error'",
      false,
    ],
    [
      /No magic bytes found at end of file '(.+)'/,
      "it does not end with the bytes PAR1: DuckDB's 'No magic bytes found at end of file'",
      true,
    ],
    [
      /File '(.+)' too small to be a Parquet file/,
      "it is too small to hold a Parquet footer",
      true,
    ],
  ] as const;
  let path: string | undefined, why = "";
  for (const [pattern, reason, needsHead] of found) {
    const m = pattern.exec(message);
    if (m && (!needsHead || beginsWithPar1(m[1]))) [path, why] = [m[1], reason];
  }
  if (path === undefined && /TProtocolException/.test(message)) {
    const files = [...sql.matchAll(/read_parquet\('((?:[^']|'')+)'\)/g)].map((m) => m[1]);
    if (files.length === 1 && !/[*?[]/.test(files[0])) {
      [path, why] = [
        files[0].replaceAll("''", "'"),
        "its metadata cannot be read: DuckDB's " +
        `'${message.split("\n")[0].replace(/^[^:]*Error: /, "").trim()}'`,
      ];
    }
  }
  if (path === undefined) return undefined;
  return new HetfxError(
    `Cannot read "${path}": it is not a complete Parquet file (${why}); it was probably cut ` +
      "short while being written, copied or downloaded. Re-export it from its source (or copy " +
      "or download it again, and let the writer finish) and give the new file.",
  );
}

/** Whether the local file `path` begins with Parquet's magic bytes PAR1 (false if unreadable). */
function beginsWithPar1(path: string): boolean {
  try {
    const file = Deno.openSync(path);
    try {
      const head = new Uint8Array(4);
      const n = file.readSync(head);
      return n === 4 && new TextDecoder().decode(head) === "PAR1";
    } finally {
      file.close();
    }
  } catch {
    return false;
  }
}

/**
 * A DuckDB error message without the stack trace of libduckdb's internals that some errors
 * (INTERNAL Error) carry: it says nothing a user can act on.
 *
 * @example
 * ```ts
 * import { withoutStackTrace } from "./duckdb_engine.ts";
 * const m = "INTERNAL Error: index 5\n\nStack Trace:\n\n/lib/libduckdb.so(+0x1) [0x7f]";
 * console.assert(withoutStackTrace(m) === "INTERNAL Error: index 5");
 * ```
 */
export function withoutStackTrace(message: string): string {
  return message.replace(/\s*\n\s*Stack Trace:?\s*\n[^]*$/i, "")
    .replace(/(\n\s*\S*libduckdb[^\n]*)+/g, "").trimEnd();
}

/** Column values as JavaScript numbers or strings (BIGINT, DECIMAL and the like converted). */
function plain(values: unknown[]): ColumnValues {
  return values.map((v) => {
    if (v === null || v === undefined) return null;
    if (typeof v === "bigint") return Number(v);
    if (typeof v === "number" || typeof v === "string") return v;
    if (typeof v === "boolean") return v ? "TRUE" : "FALSE";
    const n = Number(String(v));
    return Number.isNaN(n) ? String(v) : n;
  });
}

/**
 * Read a query result into a Table (text columns become factors, levels sorted as R does; so
 * do the declared `factors` among its columns, numbers labelled as loadTable labels them).
 */
function readerTable(reader: Reader, factors: readonly string[] = []): Table {
  const names = reader.columnNames();
  const columns = reader.getColumns();
  // A result with no rows has no column arrays (tableFromColumns then refuses the empty table).
  return tableFromColumns(
    Object.fromEntries(names.map((n, j) => [n, plain(columns[j] ?? [])])),
    { factors: factors.filter((f) => names.includes(f)) },
  );
}

/** Numeric DuckDB types (the rest are read as factors). */
const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL.*|REAL)$/i;

/** Column names and DuckDB types of a source. */
async function describe(con: Connection, source: string): Promise<Map<string, string>> {
  const r = await run(con, `DESCRIBE SELECT * FROM ${source}`);
  const [names, types] = r.getColumns();
  return new Map(names.map((n, i) => [String(n), String(types[i])]));
}

/** Options of duckdbSample. */
export interface DuckDBSampleOptions {
  /** How many rows (default 100). */
  rows?: number;
  /** Columns declared as factors (loadTable's `factors`, --factor). */
  factors?: readonly string[];
  /**
   * Add, from one scan, a row for every level of each factor column and the rows with each
   * numeric column's smallest and largest value (default false).
   */
  spread?: boolean;
}

/**
 * The first rows of the model's columns as a Table: enough for `formula()` to check the
 * columns and their kinds before the aggregation runs. With `spread`, rows that show every
 * level and each numeric column's range too (a file sorted by group has one group in its first
 * rows).
 *
 * @example
 * ```ts ignore
 * const t = await duckdbSample(con, "read_parquet('big.parquet')", ["y", "x", "g"]);
 * ```
 */
export async function duckdbSample(
  con: Connection,
  source: string,
  columns: readonly string[],
  options: DuckDBSampleOptions = {},
): Promise<Table> {
  source = await checkedSource(con, source, columns, options.factors);
  const types = await describe(con, source);
  checkColumnsPresent(columns, [...types.keys()]);
  const list = columns.map(sqlIdentifier).join(", ");
  let sql = `SELECT ${list} FROM ${source} LIMIT ${options.rows ?? 100}`;
  if (options.spread) {
    const declared = new Set(options.factors ?? []);
    const isFactor = (v: string) => declared.has(v) || !NUMERIC.test(types.get(v) ?? "");
    sql = `(${sql}) UNION ALL ${spreadSQL(source, columns, isFactor)}`;
  }
  return readerTable(await run(con, sql), options.factors);
}

/**
 * Rows of `source` (one scan) with every level of each factor column and each numeric
 * column's smallest and largest value: one row per level (any of its rows) and the rows where
 * each numeric column is least and greatest.
 */
function spreadSQL(
  source: string,
  columns: readonly string[],
  isFactor: (v: string) => boolean,
): string {
  const q = sqlIdentifier;
  const rows = `(SELECT {${
    columns.map((c, i) => `'c${i}': ${q(c)}`).join(", ")
  }} AS hetfx_r, * FROM ${source})`;
  const factors = columns.filter(isFactor);
  const numbers = columns.filter((c) => !isFactor(c));
  const parts = [
    ...(factors.length === 0 ? [] : [
      `SELECT ANY_VALUE(hetfx_r) AS s FROM ${rows} GROUP BY GROUPING SETS (${
        factors.map((f) => `(${q(f)})`).join(", ")
      })`,
    ]),
    ...(numbers.length === 0 ? [] : [
      `SELECT UNNEST([${
        numbers.map((v) => `ARG_MIN(hetfx_r, ${q(v)}), ARG_MAX(hetfx_r, ${q(v)})`).join(", ")
      }]) AS s FROM ${rows}`,
    ]),
  ];
  return `SELECT ${columns.map((c, i) => `s.c${i} AS ${q(c)}`).join(", ")} FROM (${
    parts.join(" UNION ALL ")
  }) WHERE s IS NOT NULL`;
}

/**
 * `build` (a model from a table, `formula()` say) applied to a sample of the source's
 * `columns` (duckdbSample): the first rows, or, where build refuses them with a HetfxError,
 * those and rows with every level and range (`spread`), so that a file sorted by group or
 * treatment gives the model the whole data give. Build's refusal of that sample is thrown.
 *
 * @example
 * ```ts ignore
 * const builder = await buildOnSample(con, source, ["y", "treat", "g"], (t) => formula(f, t));
 * ```
 */
export async function buildOnSample<T>(
  con: Connection,
  source: string,
  columns: readonly string[],
  build: (sample: Table) => T,
  options: DuckDBSampleOptions = {},
): Promise<T> {
  try {
    return build(await duckdbSample(con, source, columns, options));
  } catch (error) {
    if (!(error instanceof HetfxError)) throw error;
    return build(await duckdbSample(con, source, columns, { ...options, spread: true }));
  }
}

/** What the DuckDB engine returns: the aggregate and what it took. */
export interface DuckDBAggregate {
  /** One row per key with n and sums (fit it with `aggregated: true`). */
  table: Table;
  /** Rows read from the source, and rows left out for missing values (dropMissing). */
  rowsScanned: number;
  rowsDropped: number;
  /** Missing values per used column. */
  missing: Record<string, number>;
  /** The aggregation query that ran. */
  sql: string;
}

/** Options of duckdbAggregate. */
export interface DuckDBAggregateOptions {
  /** Leave out rows with missing values in the model's columns (default: refuse them). */
  dropMissing?: boolean;
  /** Columns declared as factors (loadTable's `factors`, --factor): grouped by, not summed. */
  factors?: readonly string[];
  /** Called about twice a second while DuckDB scans. */
  onProgress?: (p: ScanProgress) => void;
}

/**
 * Aggregate `source` (see {@link duckdbSource}) for `spec` inside DuckDB: the columns' types
 * checked, missing values counted per column (refused unless dropMissing), then the
 * sufficient-statistics query.
 *
 * @example
 * ```ts ignore
 * const con = await connectDuckDB();
 * const agg = await duckdbAggregate(con, spec, duckdbSource("big.parquet"));
 * const fit = await fitModel(spec, agg.table, { aggregated: true });
 * ```
 */
export async function duckdbAggregate(
  con: Connection,
  spec: ModelSpec,
  source: string,
  options: DuckDBAggregateOptions = {},
): Promise<DuckDBAggregate> {
  const used = usedColumns(spec);
  source = await checkedSource(con, source, used, options.factors);
  const types = await describe(con, source);
  const declared = new Set(options.factors ?? []);
  const isFactor = (v: string) => declared.has(v) || !NUMERIC.test(types.get(v) ?? "");
  checkColumnsPresent(used, [...types.keys()]);
  for (const v of [spec.outcome, ...(spec.trials ? [spec.trials] : [])]) {
    if (isFactor(v)) throw textOutcomeError(spec, v, types.get(v));
  }
  const layout = aggregateLayout(spec, isFactor);
  for (const s of layout.sums) {
    for (const v of s.vars) {
      if (isFactor(v)) {
        throw new HetfxError(
          `Cannot build model: column "${v}" is ${types.get(v)} in the data but the model ` +
            "multiplies it; give it a numeric type (or use it as a factor in a grouping).",
        );
      }
    }
  }
  const q = sqlIdentifier;
  // The values whose median and MAD the default priors use; their range is found in this pass.
  const priorValues = layout.priorOutcome === null
    ? null
    : priorOutcomeSQL(layout.priorOutcome, `CAST(${q(spec.outcome)} AS DOUBLE)`);
  const complete = used.map((v) => `${q(v)} IS NOT NULL`).join(" AND ");
  // NaN and ±Infinity, which a Parquet file or a table can hold (a CSV cell cannot), are
  // counted per numeric column (and refused below): the ranges skip them.
  const nonFinite = (v: string) => `NOT isfinite(CAST(${q(v)} AS DOUBLE))`;
  const numericUsed = used.filter((v) => !isFactor(v));
  const finite = [complete, ...numericUsed.map((v) => `NOT ${nonFinite(v)}`)].join(" AND ");
  // Rows whose outcome the family cannot take are counted in this pass (and refused below);
  // the range skips them, so that LN never sees a negative count.
  const unsuited = unsuitedOutcomeSQL(spec);
  const rangeValues = priorValues === null || unsuited === null
    ? priorValues
    : `CASE WHEN ${unsuited} THEN NULL ELSE ${priorValues} END`;
  const range = rangeValues === null ? "" : `, MIN(${rangeValues}) FILTER (WHERE ${finite}) ` +
    `AS lo, MAX(${rangeValues}) FILTER (WHERE ${finite}) AS hi`;
  const unsuitedCount = unsuited === null
    ? ""
    : `, COUNT(*) FILTER (WHERE ${complete} AND ${unsuited}) AS unsuited`;
  // Rows whose weight is negative (or NaN, Parquet's): the summed weights can still look fine.
  const w = spec.weights === undefined ? null : `CAST(${q(spec.weights)} AS DOUBLE)`;
  const badWeight = w === null ? null : `(${w} < 0 OR NOT isfinite(${w}))`;
  const badWeightCount = badWeight === null
    ? ""
    : `, COUNT(*) FILTER (WHERE ${complete} AND ${badWeight}) AS bad_weights`;
  const nonFiniteCounts = numericUsed.map((v, i) =>
    `, COUNT(*) FILTER (WHERE ${nonFinite(v)}) AS nonfinite${i}`
  ).join("");
  // A summed treatment's range over the complete rows, found in this pass too, so that the
  // aggregation reads the rows once (its range as constants, not a second scan).
  const treatment = layout.treatmentRange === null
    ? null
    : `CAST(${q(layout.treatmentRange)} AS DOUBLE)`;
  const treatmentRange = treatment === null
    ? ""
    : `, MIN(${treatment}) FILTER (WHERE ${finite}) AS t_lo, ` +
      `MAX(${treatment}) FILTER (WHERE ${finite}) AS t_hi`;
  const counts = readerTable(
    await run(
      con,
      `SELECT COUNT(*) AS hetfx_rows, ${
        used.map((v, i) => `COUNT(*) - COUNT(${q(v)}) AS m${i}`).join(", ")
      }, COUNT(*) FILTER (WHERE ${
        used.map((v) => `${q(v)} IS NULL`).join(" OR ")
      }) AS dropped${range}${treatmentRange}${unsuitedCount}${badWeightCount}` +
        `${nonFiniteCounts} FROM ${source}`,
      options.onProgress && ((p) => options.onProgress!({ ...p, pass: 1 })),
    ),
  );
  const value = (name: string) => (counts.columns[name] as { values: Float64Array }).values[0];
  const rowsScanned = value("hetfx_rows");
  const missing = Object.fromEntries(used.map((v, i) => [v, value(`m${i}`)]));
  const rowsDropped = value("dropped");
  // The in-memory route's message (the CLI words it as --drop-missing).
  if (rowsDropped > 0 && !options.dropMissing) {
    throw missingValuesError(missing, "Cannot build model");
  }
  if (rowsScanned - rowsDropped === 0) {
    throw new HetfxError("Cannot build model: the data have no complete rows.");
  }
  if (unsuited !== null && value("unsuited") > 0) {
    throw await unsuitedOutcomeError(con, spec, source, `${complete} AND ${unsuited}`);
  }
  if (badWeight !== null && value("bad_weights") > 0) {
    const [weight, row] = await firstRow(con, spec, source, `${complete} AND ${badWeight}`, [
      spec.weights!,
    ]);
    throw badWeightError(spec.weights!, row, weight);
  }
  for (const [i, v] of numericUsed.entries()) {
    if (value(`nonfinite${i}`) === 0) continue;
    const [x, row] = await firstRow(con, spec, source, nonFinite(v), [v]);
    throw new HetfxError(
      `Cannot build model: column "${v}" row ${row} is ${x}; values must be finite numbers: ` +
        "use NULL for a missing value.",
    );
  }
  const factors = used.filter(isFactor);
  // The median and MAD in bounded memory (DuckDB's MEDIAN in the query would hold every row);
  // null (pathological spacing): the query computes them.
  const outcomeMedianMad = priorValues === null ? null : await boundedMedianMad(
    async (sql) =>
      (await run(
        con,
        sql,
        options.onProgress && ((p) => options.onProgress!({ ...p, pass: "median" })),
      )).getColumns(),
    {
      expr: priorValues,
      source,
      where: rowsDropped > 0 ? complete : "TRUE",
      count: rowsScanned - rowsDropped,
      min: value("lo"),
      max: value("hi"),
    },
  );
  const sql = sufficientStatisticsSQL(spec, {
    table: source,
    dialect: "duckdb",
    factors,
    // Missing values were counted above and refused unless options.dropMissing.
    dropMissing: true,
    ...(treatment === null ? {} : { treatmentRange: { min: value("t_lo"), max: value("t_hi") } }),
    ...(outcomeMedianMad === null ? {} : { outcomeMedianMad }),
  });
  const table = readerTable(
    await run(con, sql, options.onProgress && ((p) => options.onProgress!({ ...p, pass: 2 }))),
    factors,
  );
  // Rows left out are recorded on the table, as loadTable's dropMissing records them, so that
  // the fit's warnings say so on this route too.
  const byColumn = Object.fromEntries(Object.entries(missing).filter(([, k]) => k > 0));
  return {
    table: rowsDropped > 0 ? { ...table, droppedMissing: { rows: rowsDropped, byColumn } } : table,
    rowsScanned,
    rowsDropped,
    missing,
    sql,
  };
}

/**
 * SQL true on a row whose outcome (with its trials) the family cannot take, for the families
 * whose aggregate sums the outcome: the sums alone can look fine (2 + 0 events in 2 rows, counts
 * 1.5 + 2.5), so the rows are checked, as Family.checkOutcome checks them in memory. Null for
 * the others (any finite number, or an outcome the aggregate keeps as a key and checks there).
 */
function unsuitedOutcomeSQL(spec: ModelSpec): string | null {
  const y = `CAST(${sqlIdentifier(spec.outcome)} AS DOUBLE)`;
  const notCount = (v: string) => `(${v} < 0 OR ${v} <> FLOOR(${v}))`;
  switch (familyOf(spec.family, spec.link).name) {
    case "bernoulli":
      return `${y} NOT IN (0, 1)`;
    case "poisson":
    case "negbinomial":
      return notCount(y);
    case "binomial": {
      if (spec.trials === undefined) return notCount(y);
      const n = `CAST(${sqlIdentifier(spec.trials)} AS DOUBLE)`;
      return `(${notCount(y)} OR ${n} < 1 OR ${n} <> FLOOR(${n}) OR ${y} > ${n})`;
    }
    default:
      return null;
  }
}

/**
 * The in-memory route's refusal of the first row (in the order DuckDB reads them, 1-based)
 * where `where` holds: its outcome and trials checked by the family's checkOutcome.
 */
async function unsuitedOutcomeError(
  con: Connection,
  spec: ModelSpec,
  source: string,
  where: string,
): Promise<HetfxError> {
  const columns = [spec.outcome, ...(spec.trials === undefined ? [] : [spec.trials])];
  const values = await firstRow(con, spec, source, where, columns);
  const [y, row] = [values[0], values[values.length - 1]];
  const trials = columns.length === 1 ? NaN : values[1];
  const problem = familyOf(spec.family, spec.link).checkOutcome(y, trials, {
    family: spec.family,
    outcome: spec.outcome,
    trials: spec.trials,
    row,
  });
  return new HetfxError(
    `Cannot build model: ${problem ?? `outcome "${spec.outcome}" row ${row} has ${y}.`}`,
  );
}

/**
 * The first row (in the order DuckDB reads them) where `where` holds: the numeric `columns`'
 * values (NaN for NULL), then its 1-based row number.
 */
async function firstRow(
  con: Connection,
  spec: ModelSpec,
  source: string,
  where: string,
  columns: readonly string[],
): Promise<number[]> {
  const used = usedColumns(spec).map(sqlIdentifier).join(", ");
  const values = columns.map((v) => `CAST(${sqlIdentifier(v)} AS DOUBLE)`).join(", ");
  return (await run(
    con,
    `SELECT ${values}, hetfx_row FROM (SELECT ${used}, ROW_NUMBER() OVER () AS hetfx_row ` +
      `FROM ${source}) WHERE ${where} ORDER BY hetfx_row LIMIT 1`,
  )).getColumns().map((c) => c[0] === null ? NaN : Number(c[0]));
}
