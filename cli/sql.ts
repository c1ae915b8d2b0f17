/**
 * `deno task sql <data-or-table> --formula "<brms formula>" [--dialect D] [--factor A,B]` —
 * print the GROUP BY query that computes the model's aggregate where the data live; fit its
 * result with `deno task fit agg.csv --aggregated --formula …` (docs/aggregated-data.md).
 * A CSV is checked as loadTable reads it (one pass over the file, for its column kinds); a
 * Parquet file is read by DuckDB for its column types (a few rows); a table name is taken as
 * it is, its numeric columns assumed unless named by --factor. With `--run --out agg.csv`
 * (DuckDB only) the query runs and its result is written as CSV (--out refuses a user's file
 * unless --force).
 * Bad input exits with status 2 and the HetfxError message.
 */
import { reportUserError } from "./_errors.ts";
import { checkDuckDBFile } from "./_data_source.ts";
import { checkOutPath, writeOut } from "./_out_path.ts";
import { columnList, flagOptions, nonEmpty, parseCommandLine, stringOptions } from "./_args.ts";
import { HetfxError } from "../lib/errors.ts";
import { columnNotFound, makeTable, type Table } from "../lib/data/table.ts";
import { csvCellKind, readsAsNumbers } from "../lib/data/csv_column_kind.ts";
import { checkFormulaColumns, formula, formulaColumns } from "../lib/spec/formula.ts";
import { DEFAULT_FAMILY, type Family, type ModelSpec } from "../lib/spec/model_spec.ts";
import { FAMILY_LIST } from "../lib/families/mod.ts";
import {
  SQL_DIALECTS,
  type SqlDialect,
  sqlQuery,
  sufficientStatisticsSQL,
} from "../lib/model/sufficient_statistics_sql.ts";
import { usedColumns } from "../lib/model/used_columns.ts";
import { DROPPED_ROWS } from "../lib/model/aggregate.ts";
import {
  buildOnSample,
  closeDuckDB,
  connectDuckDB,
  duckdbAggregate,
  duckdbColumnNames,
  duckdbCsvSource,
  duckdbSource,
} from "../lib/engine/duckdb_engine.ts";
import { isGlobOrUrl } from "../lib/engine/duckdb_csv.ts";

export const USAGE =
  `Usage: deno task sql <data.parquet | data.csv | TABLE | QUERY> --formula TEXT [options]

  QUERY              a query that returns the rows, in quotes: SELECT …, WITH …, VALUES …,
                     DuckDB's FROM-first FROM t SELECT … (or FROM t alone), or one of these
                     in parentheses

  --formula TEXT     brms formula, as for deno task fit (required)
  --family NAME      ${FAMILY_LIST.map((f) => f.name).join(" | ")} (default gaussian)
  --weights COLUMN   likelihood weights, as "y | weights(w) ~ …" and deno task fit --weights
                     (default: none); fit the result with the same --weights
  --dialect NAME     ${SQL_DIALECTS.join(" | ")} (default duckdb)
  --factor A,B       categorical columns (GROUP BY keys) of a TABLE or query; a file's text
                     columns are found by DuckDB (default: none)
  --table NAME       the name the query reads from (default: the file as DuckDB reads it, or
                     TABLE)
  --drop-missing     leave out rows with missing values in the model's columns (default: the
                     query keeps them with n NULL, which fit --aggregated refuses; --run
                     refuses them)
  --run              run the query in DuckDB and write its result (needs --out)
  --out FILE         with --run: the aggregate as CSV, for deno task fit --aggregated (an
                     existing file only when empty or an aggregate hetfx wrote)
  --force            with --out: overwrite any other existing file (never the data file)
  --help             this text`;

/** CSV text of a table of numbers and labels (quoted when they hold , " or a line break). */
function toCsv(columns: Record<string, string[]>): string {
  const names = Object.keys(columns);
  const cell = (v: string) => /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
  const n = names.length ? columns[names[0]].length : 0;
  const lines = [names.map(cell).join(",")];
  for (let i = 0; i < n; i++) lines.push(names.map((c) => cell(columns[c][i])).join(","));
  return lines.join("\n") + "\n";
}

/**
 * Refuse an aggregate with a factor label that a CSV reader takes for a missing value ("NA", ""
 * or " NA": csvCellKind, the loader's rule): written, quoted or not, deno task fit --aggregated
 * would read that key back as missing (as R's read.csv reads "NA"), and its rows would be
 * refused or dropped.
 */
function checkLabelsReadBack(table: Table, out: string): void {
  for (const [name, column] of Object.entries(table.columns)) {
    if (column.kind !== "factor") continue;
    const label = column.levels.find((level) => csvCellKind(level) === "missing");
    if (label === undefined) continue;
    const q = `"${name.replaceAll('"', '""')}"`;
    throw new HetfxError(
      `Cannot write ${out}: column "${name}" has the label ${JSON.stringify(label)}, which ` +
        "a CSV reader takes for a missing value: deno task fit --aggregated would read it back " +
        "as missing, quoted or not (as R's read.csv does), and refuse or drop its rows. Rename " +
        `it in the query first, e.g. SELECT * REPLACE (CASE WHEN ${q} = '${label}' THEN ` +
        `'not available' ELSE ${q} END AS ${q}) FROM …, or fit the data directly (deno task ` +
        "fit with the same data and --formula reads them through DuckDB, with no CSV between).",
    );
  }
}

/** A name that looks like a file rather than a table: a folder in it, or a data file's ending. */
const PATH_LIKE = /\/|\\|\.(csv|tsv)(\.gz)?$|\.parquet$/i;

/** One part of a table name: a plain SQL identifier, or one quoted with "…" or `…`. */
const NAME_PART = /^(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+"|`(?:[^`]|``)+`)$/;
/** BigQuery's project ids may hold hyphens unquoted (my-project.dataset.table). */
const BIGQUERY_PART = /^(?:[A-Za-z_][A-Za-z0-9_-]*|`(?:[^`]|``)+`)$/;

/**
 * Refuse a table `name` (the data argument or --table, `what`) that the query could not read
 * as written: a query is kept as it is; otherwise each dot-separated part must be an SQL
 * identifier or quoted (BigQuery's `dialect` allows hyphens), so that `FROM my table` is never
 * printed.
 *
 * @example
 * ```ts
 * import { checkTableName } from "./sql.ts";
 * checkTableName("warehouse.rows", "The table"); // fine
 * checkTableName('"my table"', "The table"); // quoted: fine
 * ```
 */
export function checkTableName(name: string, what: string, dialect?: SqlDialect): void {
  if (sqlQuery(name) !== undefined) return;
  const parts = name.match(/"(?:[^"]|"")*"|`(?:[^`]|``)*`|[^.]+|(?<=\.)(?=\.|$)|^(?=\.)/g) ?? [];
  const part = dialect === "bigquery" ? BIGQUERY_PART : NAME_PART;
  if (parts.length > 0 && parts.every((p) => part.test(p) || NAME_PART.test(p))) return;
  throw new HetfxError(
    `${what} "${name}" is not an SQL table name: a name with spaces or other characters must ` +
      `be quoted as your engine quotes it, e.g. '"${name.replaceAll('"', '""')}"' (or with ` +
      "backticks for BigQuery and Spark); a data file must exist.",
  );
}

/** Run the CLI; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  // The DuckDB connection, closed when the command ends (closeDuckDB).
  let con: Awaited<ReturnType<typeof connectDuckDB>> | undefined;
  try {
    const options = {
      ...stringOptions("formula", "family", "weights", "dialect", "table", "out"),
      ...flagOptions("drop-missing", "run", "force", "help"),
      factor: { type: "string", multiple: true },
    } as const;
    const { values: v, positionals } = parseCommandLine(argv, options, "sql");
    if (v.help) {
      console.log(USAGE);
      return 0;
    }
    if (positionals.length !== 1) {
      throw new HetfxError(
        `Expected one data file or table, got ${positionals.length}.\n\n${USAGE}`,
      );
    }
    if (v.formula === undefined) throw new HetfxError(`Missing --formula.\n\n${USAGE}`);
    nonEmpty("formula", v.formula, '"y ~ 1 + x + (1 + treat | g)"');
    nonEmpty("family", v.family, DEFAULT_FAMILY);
    nonEmpty("weights", v.weights, "w");
    nonEmpty("dialect", v.dialect, "duckdb");
    nonEmpty("table", v.table, "warehouse.rows");
    nonEmpty("out", v.out, "agg.csv");
    const dialect = (v.dialect ?? "duckdb") as SqlDialect;
    if (!(SQL_DIALECTS as readonly string[]).includes(dialect)) {
      throw new HetfxError(
        `Option --dialect must be ${SQL_DIALECTS.join(", ")}; got "${dialect}".`,
      );
    }
    if (v.run && (v.out === undefined || dialect !== "duckdb")) {
      throw new HetfxError(
        "Option --run runs the DuckDB query: give --out FILE (and no other --dialect).",
      );
    }
    if (v.out !== undefined && !v.run) {
      throw new HetfxError(
        "Option --out only applies with --run (the query is printed on standard output; " +
          "redirect it, e.g. > agg.sql); add --run to write the aggregate, or leave --out out.",
      );
    }
    if (v.force && v.out === undefined) {
      throw new HetfxError(
        "Option --force only applies with --out (it lets --out replace an existing file); add " +
          "--run --out FILE or leave --force out.",
      );
    }
    const data = positionals[0];
    if (v.run) await checkOutPath(v.out!, { input: data, force: v.force, example: "agg.csv" });
    const family = (v.family ?? DEFAULT_FAMILY) as Family;
    // --weights: the likelihood-weight column, which the formula does not name.
    const weights = v.weights;
    const modelOptions = { family, ...(weights === undefined ? {} : { weights }) };
    const modelColumns = [
      ...new Set([...formulaColumns(v.formula), ...weights === undefined ? [] : [weights]]),
    ];
    const isFile = await Deno.stat(data).then(() => true, () => false);
    // Globs (data/*.parquet) and URLs are DuckDB's to read (read_parquet, read_csv); other
    // path-like names must exist.
    const pathLike = PATH_LIKE.test(data) && sqlQuery(data) === undefined;
    const duckdbReads = pathLike && isGlobOrUrl(data);
    if (!isFile && pathLike && !duckdbReads) {
      throw new HetfxError(
        `Cannot read "${data}": no such file. Give a data file that exists (.csv, .tsv, ` +
          ".parquet), a table name or a query (SELECT, WITH, VALUES, FROM-first FROM t …).",
      );
    }
    if (!isFile && !duckdbReads) checkTableName(data, "The table", dialect);
    if (v.table !== undefined) checkTableName(v.table, "Option --table", dialect);
    const declared = columnList("factor", v.factor) ?? [];
    let table: Table;
    let spec: ModelSpec;
    let source = v.table ?? (duckdbReads ? duckdbSource(data) : data);
    let runSource = duckdbSource(data);
    if (isFile) {
      await checkDuckDBFile(data);
      con = await connectDuckDB();
      // A CSV read as loadTable reads it (checked in one pass); the query reads it so too.
      // A column the data lack: as deno task fit says it, with the caret (--weights by name).
      const names = await duckdbColumnNames(con, data);
      if (weights !== undefined && !names.includes(weights)) {
        throw columnNotFound(weights, names, `Option --weights ${weights}`);
      }
      checkFormulaColumns(v.formula, names);
      const columns = modelColumns;
      const checked = await duckdbCsvSource(con, data, columns, { factors: declared });
      ({ table, spec } = await buildOnSample(
        con,
        checked,
        columns,
        (t) => ({ table: t, spec: formula(v.formula!, t, modelOptions).toJSON() }),
        { factors: declared },
      ));
      runSource = checked;
      if (v.table === undefined) source = checked;
    } else {
      // A table elsewhere: stand-in columns (numbers, or labels for --factor) for the formula.
      table = makeTable(Object.fromEntries(
        modelColumns.map((c) => [
          c,
          declared.includes(c)
            ? { kind: "factor" as const, codes: new Int32Array([0, 1]), levels: ["a", "b"] }
            : { kind: "number" as const, values: new Float64Array([0, 1]) },
        ]),
      ));
      spec = formula(v.formula, table, modelOptions).toJSON();
    }
    const factors = [
      ...new Set([
        ...declared,
        ...usedColumns(spec).filter((c) => table.columns[c]?.kind === "factor"),
      ]),
    ];
    if (!v.run) {
      const dropMissing = v["drop-missing"] ?? false;
      console.log(sufficientStatisticsSQL(spec, { table: source, dialect, factors, dropMissing }));
      return 0;
    }
    con ??= await connectDuckDB();
    const agg = await duckdbAggregate(con, spec, runSource, {
      dropMissing: v["drop-missing"] ?? false,
      factors: declared,
    });
    checkLabelsReadBack(agg.table, v.out!);
    const columns: Record<string, string[]> = {};
    for (const [name, c] of Object.entries(agg.table.columns)) {
      columns[name] = c.kind === "number"
        ? Array.from(c.values, (x) => String(x))
        : Array.from(c.codes, (k) => c.levels[k]);
    }
    // Rows left out for missing values are recorded (dropped_rows, missing__v, the same on every
    // row), so that fit --aggregated warns of them as the in-memory route does.
    if (agg.rowsDropped > 0) {
      const repeat = (k: number) => Array<string>(agg.table.nRows).fill(String(k));
      columns[DROPPED_ROWS] = repeat(agg.rowsDropped);
      for (const [name, k] of Object.entries(agg.missing)) {
        if (k > 0) columns[`missing__${name}`] = repeat(k);
      }
    }
    await writeOut(v.out!, toCsv(columns));
    const dropped = agg.rowsDropped === 0
      ? ""
      : ` (${agg.rowsDropped} of ${agg.rowsScanned} left out for missing values: ${
        Object.entries(agg.missing).filter(([, n]) => n > 0).map(([c, n]) => `${c}: ${n}`)
          .join(", ")
      })`;
    console.log(
      `Wrote ${v.out}: ${agg.table.nRows} aggregate rows from ` +
        `${agg.rowsScanned - agg.rowsDropped} rows${dropped}.`,
    );
    // A factor whose labels read as numbers is read back as numbers unless declared.
    const numberLabels = Object.entries(agg.table.columns)
      .filter(([, c]) => c.kind === "factor" && readsAsNumbers(c.levels))
      .map(([name]) => name);
    if (numberLabels.length > 0) {
      console.log(
        `Fit it with --factor ${numberLabels.join(",")} (deno task fit ${v.out} --aggregated ` +
          `--factor ${numberLabels.join(",")} --formula …): without it, these labels read back ` +
          "as numbers.",
      );
    }
    return 0;
  } catch (error) {
    return reportUserError(error);
  } finally {
    if (con !== undefined) closeDuckDB(con);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
