/**
 * Where `deno task fit` and `deno task sql` read data from: the in-memory route (loadTable),
 * DuckDB (Parquet, CSVs of DUCKDB_CSV_BYTES or more, DuckDB tables or queries, or
 * `--engine duckdb`), or an aggregate already computed (`--aggregated`).
 */
import type { BinRecord } from "./_bins.ts";
import { HetfxError } from "../lib/errors.ts";
import { columnNotFound, keepDroppedMissing, makeTable, type Table } from "../lib/data/table.ts";
import { loadTable, type LoadTableOptions } from "../lib/data/load_table.ts";
import { csvNumber } from "../lib/data/csv_column_kind.ts";
import type { HierBuilder } from "../lib/spec/hier.ts";
import { checkFormulaColumns, formulaColumns } from "../lib/spec/formula.ts";
import { summedTreatmentValues } from "../lib/model/aggregate.ts";
import { sqlQuery } from "../lib/model/sufficient_statistics_sql.ts";
import {
  buildOnSample,
  closeDuckDB,
  connectDuckDB,
  DUCKDB_CSV_BYTES,
  duckdbAggregate,
  duckdbColumnNames,
  duckdbCsvSource,
  duckdbSource,
  type ScanProgress,
} from "../lib/engine/duckdb_engine.ts";
import { isGlobOrUrl } from "../lib/engine/duckdb_csv.ts";

/** --engine values. */
export const ENGINES = ["auto", "memory", "duckdb"] as const;
export type Engine = typeof ENGINES[number];

/** How the data reached the model, for the summary and the JSON's `data` object. */
export interface DataRoute {
  engine: "memory" | "duckdb" | "aggregated";
  /** Rows the model stands for (DuckDB: rows read, before rows dropped for missing values). */
  rowsScanned?: number;
  rowsDropped?: number;
  /** Rows of the aggregate (one per key). */
  keyRows?: number;
  /** Columns binned by --bin (the rows in memory), as the JSON's `data.bins` records them. */
  bins?: BinRecord[];
}

/**
 * Whether `data` goes through DuckDB: always with "duckdb", never with "memory"; with "auto"
 * for .parquet files, CSVs of at least DUCKDB_CSV_BYTES, queries (SELECT, WITH, FROM …, VALUES,
 * or one in parentheses: {@link sqlQuery}), and globs and URLs that are not files.
 */
export async function usesDuckDB(data: string, engine: Engine): Promise<boolean> {
  if (engine !== "auto") return engine === "duckdb";
  if (/\.parquet$/i.test(data)) return true;
  try {
    return (await Deno.stat(data)).size >= DUCKDB_CSV_BYTES;
  } catch {
    // A glob or URL of CSV files: DuckDB's to read (or to refuse, saying what to do).
    return sqlQuery(data) !== undefined ||
      (isGlobOrUrl(data) && /\.(csv|tsv)(\.gz)?$/i.test(data));
  }
}

/**
 * Refuse an existing `data` path that DuckDB would not read as a data file: a directory, or a
 * file not named .parquet, .csv or .tsv (.gz too), which DuckDB would take for a table name.
 * Other names (queries, tables, globs, paths that do not exist) are left as they are.
 *
 * @example
 * ```ts
 * import { checkDuckDBFile } from "./_data_source.ts";
 * await checkDuckDBFile("SELECT * FROM read_csv('rows.csv')"); // not a path: left to DuckDB
 * const dir = await Deno.makeTempDir();
 * const refused = await checkDuckDBFile(dir).then(() => "", (e) => e.message);
 * console.assert(refused.includes("it is a directory"));
 * await Deno.remove(dir);
 * ```
 */
export async function checkDuckDBFile(data: string): Promise<void> {
  const info = await Deno.stat(data).catch(() => undefined);
  if (info === undefined) return;
  if (info.isDirectory) {
    throw new HetfxError(
      `Cannot read "${data}": it is a directory. Give a data file (.csv, .tsv, .parquet), or ` +
        `the Parquet files in it as a glob: "${data.replace(/\/$/, "")}/*.parquet".`,
    );
  }
  if (duckdbSource(data) === data) {
    throw new HetfxError(
      `Cannot read "${data}" with DuckDB: it reads .parquet, .csv and .tsv files (.gz too). ` +
        "Export it to CSV or Parquet first, or, if it is a CSV file, name it .csv.",
    );
  }
  if (/\.parquet$/i.test(data)) await checkParquetMagic(data);
}

/**
 * Refuse a .parquet file that does not begin with Parquet's magic bytes (PAR1), before DuckDB
 * reports "No magic bytes found" with its query: a CSV file so named is told to be named .csv.
 */
async function checkParquetMagic(data: string): Promise<void> {
  const file = await Deno.open(data).catch(() => undefined);
  if (file === undefined) return; // unreadable: DuckDB's to report
  const head = new Uint8Array(64);
  let n: number | null;
  try {
    n = await file.read(head);
  } finally {
    file.close();
  }
  const bytes = head.subarray(0, n ?? 0);
  if (new TextDecoder().decode(bytes.subarray(0, 4)) === "PAR1") return;
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  const line = text.split(/\r?\n/)[0];
  const csv = bytes.length > 0 && /^[\x20-\x7e\t]*$/.test(line) && /[,;\t]/.test(line);
  throw new HetfxError(
    `Cannot read "${data}": it is named .parquet but is not a Parquet file (${
      bytes.length === 0 ? "it is empty" : "it does not begin with the bytes PAR1"
    })` +
      (csv
        ? `; it looks like CSV text (its first line: ${
          JSON.stringify(line.length > 40 ? line.slice(0, 40) + "…" : line)
        }): name it .csv.`
        : "; check that the file was written or downloaded whole, or give the data file."),
  );
}

/**
 * Refuse an SQL query on the in-memory route (--engine memory, deno task compare and sbc),
 * which reads files: loadTable would report it as a file that does not exist.
 *
 * @example
 * ```ts
 * import { refuseQueryInMemory } from "./_data_source.ts";
 * await refuseQueryInMemory("no/such/rows.csv"); // a path: loadTable's to report
 * const refused = await refuseQueryInMemory("SELECT * FROM t").then(() => "", (e) => e.message);
 * console.assert(refused.includes("is an SQL query"));
 * ```
 */
export async function refuseQueryInMemory(data: string): Promise<void> {
  if (sqlQuery(data) === undefined || await Deno.stat(data).then(() => true, () => false)) return;
  throw new HetfxError(
    `Cannot load table: "${data}" is an SQL query, which only DuckDB runs, and the rows are ` +
      "read in memory here (--engine memory, deno task compare and sbc read CSV files). Leave " +
      "out --engine memory to fit it through DuckDB, or save the query's result as CSV first " +
      `(in DuckDB: COPY (${sqlQuery(data)}) TO 'rows.csv').`,
  );
}

/**
 * The aggregate with a stand-in column for each summed variable (`sum__<v>` without a column
 * `v`), so that `formula()` finds every column the model names: 1s, or, for a summed treatment
 * with range columns (min__v, max__v, between__v), its values in turn over the rows, so that the
 * builder reads its contrast (and checks a --reference) as the fit will. The fit itself reads
 * the aggregate's sums, never these stand-ins.
 */
export function withPlaceholders(aggregate: Table, formulaText?: string): Table {
  const columns = { ...aggregate.columns };
  // Every variable of the formula is a key column or summed (sum__v): say which is neither,
  // rather than the formula's "column not found".
  const absent = (formulaText ? formulaColumns(formulaText) : [])
    .filter((v) => columns[v] === undefined && columns[`sum__${v}`] === undefined);
  if (absent.length > 0) {
    throw new HetfxError(
      `Aggregated data: ${absent.map((v) => `"${v}"`).join(", ")} ` +
        `${absent.length > 1 ? "are" : "is"} neither a key column nor summed ` +
        `(${absent.map((v) => `"sum__${v}"`).join(", ")}) in the aggregate, whose columns are ` +
        `${aggregate.names.join(", ")}. Print the model's aggregate query with \`deno task sql\`.`,
    );
  }
  for (const name of Object.keys(aggregate.columns)) {
    const m = /^sum__(.+)$/.exec(name);
    if (m && !m[1].includes("__") && columns[m[1]] === undefined) {
      const values = summedTreatmentValues(aggregate, m[1]) ?? Float64Array.of(1);
      columns[m[1]] = {
        kind: "number",
        values: Float64Array.from({ length: aggregate.nRows }, (_, i) => values[i % values.length]),
      };
    }
  }
  // The record of rows left out for missing values goes with it (the fit's warnings say it).
  return keepDroppedMissing(makeTable(columns), aggregate);
}

/**
 * Refuse an aggregate (`--aggregated`) whose key column of the formula was read as numbers
 * although two of its labels are one number ("01" and "1"): a factor's labels, as `deno task
 * sql --factor g` writes them, whose keys the numbers would merge. Each such column is read
 * again as declared factor, which keeps labels that numbers would merge (loadTable).
 *
 * @example
 * ```ts ignore
 * // agg.csv's key column g holds "01" and "1" (written by deno task sql --factor g)
 * const table = await loadTable("agg.csv");
 * await checkNumberKeys("agg.csv", table, "y ~ treat + (1 | g)", {}); // throws: add --factor g
 * ```
 */
export async function checkNumberKeys(
  data: string,
  aggregate: Table,
  formulaText: string,
  options: LoadTableOptions,
): Promise<void> {
  const declared = new Set(Array.isArray(options.factors) ? options.factors : []);
  const numeric = formulaColumns(formulaText)
    .filter((c) => aggregate.columns[c]?.kind === "number" && !declared.has(c));
  if (numeric.length === 0) return;
  const asLabels = await loadTable(data, { ...options, factors: [...declared, ...numeric] });
  for (const name of numeric) {
    const column = asLabels.columns[name];
    if (column.kind !== "factor") continue;
    const byNumber = new Map<number, string>();
    for (const label of column.levels) {
      // The number the loader reads (the column was read as numbers: no label is text).
      const value = csvNumber(label);
      if (value === undefined) continue;
      const other = byNumber.get(value);
      if (other === undefined) {
        byNumber.set(value, label);
        continue;
      }
      throw new HetfxError(
        `Aggregated data: column "${name}" holds "${other}" and "${label}", which read as the ` +
          `same number ${value}, so their keys would merge into one. If "${name}" is a factor ` +
          `(as deno task sql --factor ${name} wrote it), read its labels as written: add ` +
          `--factor ${name}.`,
      );
    }
  }
}

/**
 * Scan progress on stderr, rewritten in place: which pass (missing values, the outcome's median
 * for default priors, then the aggregation) and DuckDB's share done (its row counts are summed over pipelines, so not shown).
 */
function progressLine(label: string) {
  const encoder = new TextEncoder();
  const passes = { 1: "missing values", median: "median of y", 2: "aggregating" };
  return (p: ScanProgress) => {
    const share = Number.isFinite(p.fraction) ? ` ${Math.round(p.fraction * 100)}%` : "";
    const text = `\rScanning ${label} with DuckDB (${passes[p.pass]})…${share}   `;
    Deno.stderr.writeSync(encoder.encode(text));
  };
}

/**
 * Aggregate `data` in DuckDB for the model `build` makes: the model is built on a sample of
 * the rows (to check its columns), aggregated, then rebuilt on the aggregate. `factors`
 * (--factor) are read as factors, as loadTable reads them.
 */
export async function duckdbBuilder(
  data: string,
  formulaText: string,
  build: (table: Table) => HierBuilder,
  options: {
    dropMissing: boolean;
    progress: boolean;
    factors?: readonly string[];
    /** --weights: the likelihood-weight column, which the formula does not name. */
    weights?: string;
  },
): Promise<{ builder: HierBuilder; route: DataRoute }> {
  // A path (a query or table is DuckDB's to find, and so are globs and URLs, as deno task sql
  // takes them).
  if (sqlQuery(data) === undefined && duckdbSource(data) !== data && !isGlobOrUrl(data)) {
    try {
      await Deno.stat(data);
    } catch {
      throw new HetfxError(`Cannot read "${data}": no such file.`);
    }
  }
  await checkDuckDBFile(data);
  const con = await connectDuckDB();
  try {
    const weights = options.weights;
    const names = await duckdbColumnNames(con, data);
    // A --weights column the data lack names the option; a formula's column, the caret under
    // it: as the in-memory route says them.
    if (weights !== undefined && !names.includes(weights)) {
      throw columnNotFound(weights, names, `Option --weights ${weights}`);
    }
    checkFormulaColumns(formulaText, names);
    const columns = [...new Set([...formulaColumns(formulaText), ...weights ? [weights] : []])];
    const factors = options.factors ?? [];
    // A CSV is checked as loadTable checks it, once (one pass over the file).
    const source = await duckdbCsvSource(con, data, columns, { factors });
    const spec = await buildOnSample(con, source, columns, (t) => build(t).toJSON(), { factors });
    const agg = await duckdbAggregate(con, spec, source, {
      dropMissing: options.dropMissing,
      factors,
      ...(options.progress ? { onProgress: progressLine(data) } : {}),
    });
    if (options.progress) Deno.stderr.writeSync(new TextEncoder().encode("\n"));
    if (agg.rowsDropped > 0) {
      const where = Object.entries(agg.missing).filter(([, n]) => n > 0)
        .map(([c, n]) => `${c}: ${n}`).join(", ");
      const rows = agg.rowsDropped === 1 ? "1 row" : `${agg.rowsDropped} rows`;
      console.log(`Dropped ${rows} with missing values (${where}).`);
    }
    return {
      builder: build(withPlaceholders(agg.table)),
      route: {
        engine: "duckdb",
        rowsScanned: agg.rowsScanned,
        rowsDropped: agg.rowsDropped,
        keyRows: agg.table.nRows,
      },
    };
  } finally {
    closeDuckDB(con);
  }
}
