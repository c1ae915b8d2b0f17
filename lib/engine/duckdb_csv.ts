/**
 * A CSV file read by DuckDB as the in-memory loader (lib/data/load_table.ts) reads it: the
 * header parsed and checked by the loader's own code (duplicate or empty names, semicolons),
 * every field read as text under the loader's dialect (commas, double quotes, strict field
 * counts), then one aggregate pass counts each model column's cells by the loader's spellings
 * (lib/data/csv_column_kind.ts: "" and NA missing, finite decimals, non-finite tokens, text)
 * and the loader's rule decides numeric or factor, or refuses with the loader's message. The
 * result is an SQL source whose columns are DOUBLE or VARCHAR, missing values NULL, factor
 * labels as written.
 */
import { HetfxError } from "../errors.ts";
import { checkHeader, checkSeparator, fieldCountError, parseCsv } from "../data/csv.ts";
import { unterminatedQuoteError } from "../data/csv.ts";
import { CSV_CELLS, type CsvColumnCounts, csvColumnKind } from "../data/csv_column_kind.ts";

/** Run one query and return its result's columns. */
export type QueryColumns = (sql: string) => Promise<unknown[][]>;

/** Options of {@link duckdbCsvColumns}. */
export interface DuckDBCsvOptions {
  /** Columns declared as factors (`factors` of loadTable, --factor): never refused as mostly numeric. */
  factors?: readonly string[];
}

/** Quote a string as an SQL literal. */
function literal(s: string): string {
  return "'" + s.replaceAll("'", "''") + "'";
}

/** Quote an identifier. */
function ident(name: string): string {
  return '"' + name.replaceAll('"', '""') + '"';
}

/** The header line of the file must end within this many bytes. */
const HEADER_BYTES = 1 << 20;

/** The text of the file's first record (the header), read without reading the rest. */
async function headerText(path: string): Promise<string> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path);
  } catch (error) {
    throw new HetfxError(`Cannot read "${path}": ${(error as Error).message}.`);
  }
  const stream: ReadableStream<Uint8Array> = /\.gz$/i.test(path)
    ? file.readable.pipeThrough(new DecompressionStream("gzip") as TransformStream<Uint8Array>)
    : file.readable;
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let quoted = false;
  try {
    while (size < HEADER_BYTES) {
      const { value, done } = await reader.read();
      if (done) break;
      let end = -1;
      for (let i = 0; i < value.length && end < 0; i++) {
        if (value[i] === 0x22) quoted = !quoted;
        else if (!quoted && (value[i] === 0x0a || value[i] === 0x0d)) end = i;
      }
      chunks.push(end < 0 ? value : value.subarray(0, end));
      size += value.length;
      if (end >= 0) return new TextDecoder().decode(concat(chunks));
    }
  } finally {
    await reader.cancel();
  }
  if (size < HEADER_BYTES) return new TextDecoder().decode(concat(chunks));
  throw new HetfxError(
    `Cannot read CSV: the header line of "${path}" does not end within its first MiB; check ` +
      "for an unterminated quote in it.",
  );
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * The column names of a CSV (commas) or TSV (tabs) file as loadTable reads them: trimmed, and
 * a duplicate or empty name, or a CSV header separated by semicolons or tabs, refused with the
 * loader's message.
 *
 * @example
 * ```ts ignore
 * const names = await csvHeader("big.csv"); // ["y", "treat", "g"]
 * ```
 */
export async function csvHeader(path: string): Promise<string[]> {
  const text = await headerText(path);
  if (!isTsv(path)) {
    checkSeparator(text);
    return parseCsv(text).header;
  }
  const header = text.split("\t").map((name) => name.trim().replace(/^"(.*)"$/, "$1"));
  checkHeader(header);
  return header;
}

function isTsv(path: string): boolean {
  return /\.tsv(\.gz)?$/i.test(path);
}

/**
 * DuckDB's read of the file with the loader's dialect: no type sniffing (every field text),
 * the header's field count enforced on every row, double quotes doubled inside quoted fields.
 * Its columns are c0, c1, … in header order.
 */
function readCsvSQL(path: string, width: number): string {
  const columns = Array.from({ length: width }, (_, j) => `'c${j}': 'VARCHAR'`).join(", ");
  return `read_csv(${literal(path)}, header = true, auto_detect = false, columns = {${columns}}, ` +
    `delim = ${literal(isTsv(path) ? "\t" : ",")}, quote = '"', escape = '"', ` +
    "strict_mode = true, null_padding = false)";
}

/** A cell trimmed as JavaScript's trim() trims it (NULL stays NULL). */
function trimmed(column: string): string {
  return `trim(${column}, ${literal(CSV_CELLS.space)})`;
}

/** The condition "the (trimmed) cell is missing". */
function isMissing(t: string): string {
  return `(${t} IS NULL OR ${t} IN (${CSV_CELLS.missing.map(literal).join(", ")}))`;
}

/**
 * The aggregate query that counts, for each model column, its cells that are numbers, text
 * and non-finite tokens, with the first text and non-finite cell (value as written, and row).
 */
function countsSQL(read: string, positions: readonly number[]): string {
  const cells = positions.map((j) => {
    const t = trimmed(`c${j}`);
    return `c${j} AS v${j}, ${isMissing(t)} AS m${j}, ` +
      `(regexp_full_match(${t}, ${literal(CSV_CELLS.decimal)}) AND ` +
      `isfinite(TRY_CAST(${t} AS DOUBLE))) AS n${j}, ` +
      `regexp_full_match(${t}, ${literal("(?i)" + CSV_CELLS.nonFinite)}) AS f${j}`;
  });
  const counts = positions.map((j) => {
    const text = `NOT m${j} AND NOT n${j} AND NOT f${j}`;
    return `COUNT(*) FILTER (WHERE n${j}) AS numbers${j}, ` +
      `COUNT(*) FILTER (WHERE ${text}) AS texts${j}, ` +
      `MIN(hetfx_row) FILTER (WHERE ${text}) AS text_row${j}, ` +
      `ARG_MIN(v${j}, hetfx_row) FILTER (WHERE ${text}) AS text${j}, ` +
      `MIN(hetfx_row) FILTER (WHERE f${j}) AS nonfinite_row${j}, ` +
      `ARG_MIN(v${j}, hetfx_row) FILTER (WHERE f${j}) AS nonfinite${j}`;
  });
  return `SELECT COUNT(*) AS hetfx_rows, ${counts.join(", ")} FROM (SELECT ordinality - 1 ` +
    `AS hetfx_row, ${cells.join(", ")} FROM ${read} WITH ORDINALITY)`;
}

/**
 * Check the model's `columns` of a CSV file in one pass over it and return the SQL source that
 * reads them as loadTable would: a subquery with those columns, DOUBLE for numeric ones and
 * VARCHAR (labels as written) for factors, missing values NULL. Throws the loader's HetfxError
 * for a column that is missing from the header, no data rows, a mostly numeric column with
 * text in it, a non-finite number; a ragged row or an unterminated quote fails the query
 * (see {@link csvReadError}). `query` runs SQL (the engine's connection).
 *
 * @example
 * ```ts ignore
 * const source = await duckdbCsvColumns(query, "big.csv", ["y", "treat", "g"]);
 * ```
 */
export async function duckdbCsvColumns(
  query: QueryColumns,
  path: string,
  columns: readonly string[],
  options: DuckDBCsvOptions = {},
): Promise<string> {
  const header = await csvHeader(path);
  const absent = columns.filter((c) => !header.includes(c));
  if (absent.length > 0) {
    throw new HetfxError(
      `Cannot build model: column${absent.length > 1 ? "s" : ""} ${
        absent.map((m) => `"${m}"`).join(", ")
      } not in the data; it has ${header.map((k) => `"${k}"`).join(", ")}.`,
    );
  }
  const read = readCsvSQL(path, header.length);
  const names = header.filter((name) => columns.includes(name));
  const positions = names.map((name) => header.indexOf(name));
  const result = await query(countsSQL(read, positions));
  const at = (k: number) => result[k][0];
  if (Number(at(0)) === 0) {
    throw new HetfxError(
      `Cannot load table: the CSV has a header (${header.join(", ")}) but no data rows.`,
    );
  }
  const declared = new Set(options.factors ?? []);
  const select = names.map((name, i) => {
    const k = 1 + 6 * i;
    const cell = (row: unknown, value: unknown) =>
      row === null ? undefined : { row: Number(row), value: String(value) };
    const counts: CsvColumnCounts = {
      numbers: Number(at(k)),
      texts: Number(at(k + 1)),
      firstText: cell(at(k + 2), at(k + 3)),
      firstNonFinite: cell(at(k + 4), at(k + 5)),
    };
    const c = `c${positions[i]}`;
    const t = trimmed(c);
    const value = csvColumnKind(name, counts, declared.has(name)) === "number"
      ? `CAST(${t} AS DOUBLE)`
      : c;
    return `CASE WHEN ${isMissing(t)} THEN NULL ELSE ${value} END AS ${ident(name)}`;
  });
  return `(SELECT ${select.join(", ")} FROM ${read}) AS hetfx_csv`;
}

/**
 * The loader's HetfxError for DuckDB's error reading a CSV with {@link duckdbCsvColumns}'s
 * dialect: a row with the wrong number of fields, or an unterminated quote (DuckDB numbers
 * records, so a line number counts a quoted line break once); undefined for other errors.
 *
 * @example
 * ```ts
 * import { csvReadError } from "./duckdb_csv.ts";
 * const e = csvReadError("CSV Error on Line: 9\nOriginal Line: 1,2\nExpected Number of Columns: 3 Found: 2");
 * console.assert(e?.message.includes("line 9 has 2 fields, the header has 3"));
 * ```
 */
export function csvReadError(message: string): HetfxError | undefined {
  const line = /CSV Error on Line: (\d+)/.exec(message)?.[1];
  if (line === undefined) return undefined;
  const count = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  if (count) return fieldCountError(Number(line), Number(count[2]), Number(count[1]));
  if (/unterminated quote/i.test(message)) {
    return unterminatedQuoteError(
      `on line ${line} (or a character after a closing quote; quote the whole field)`,
    );
  }
  return undefined;
}
