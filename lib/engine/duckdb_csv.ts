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
import {
  checkHeader,
  checkSeparator,
  fieldCountError,
  parseCsv,
  unterminatedQuoteError,
} from "../data/csv.ts";
import {
  checkNumberFormat,
  CSV_CELLS,
  type CsvColumnCounts,
  csvColumnKind,
  SEPARATED_NUMBER_SOURCE,
} from "../data/csv_column_kind.ts";
import { headerOnlyError, optionColumnError } from "../data/load_table.ts";
import { columnNotFound } from "../data/table.ts";
import { utf16Encoding, utf8Problem } from "../data/text_encoding.ts";
import { sqlIdentifier, sqlString } from "./_sql_quote.ts";

/** Run one query and return its result's columns. */
export type QueryColumns = (sql: string) => Promise<unknown[][]>;

/** Options of {@link duckdbCsvColumns}. */
export interface DuckDBCsvOptions {
  /** Columns declared as factors (`factors` of loadTable, --factor): never refused as mostly numeric. */
  factors?: readonly string[];
}

/**
 * Refuse model `columns` missing from the data's `names` (a CSV's header, a query's columns)
 * as the in-memory route does (getColumn): the first one, a close name, the columns there are.
 *
 * @example
 * ```ts
 * import { checkColumnsPresent } from "./duckdb_csv.ts";
 * checkColumnsPresent(["y"], ["y", "g"]); // present: returns
 * ```
 */
export function checkColumnsPresent(columns: readonly string[], names: readonly string[]): void {
  const absent = columns.find((c) => !names.includes(c));
  if (absent !== undefined) throw columnNotFound(absent, names);
}

/**
 * Refuse a declared factor (loadTable's `factors`, --factor) that is not among the data's
 * `names`, as loadTable does: a misspelt name would otherwise be ignored.
 *
 * @example
 * ```ts
 * import { checkFactorsPresent } from "./duckdb_csv.ts";
 * checkFactorsPresent(["g"], ["y", "g"]); // present: returns
 * ```
 */
export function checkFactorsPresent(
  factors: readonly string[] | undefined,
  names: readonly string[],
): void {
  const absent = (factors ?? []).find((name) => !names.includes(name));
  if (absent !== undefined) throw optionColumnError(absent, "factors", names);
}

/** The header line of the file must end within this many bytes. */
const HEADER_BYTES = 1 << 20;

/** Bytes at the file's start checked to be UTF-8 (DuckDB reads nothing else), header included. */
const SAMPLE_BYTES = 1 << 16;

/**
 * Whether `path` names files that DuckDB finds itself: a glob of many files (`parts/*.parquet`)
 * or a URL (`s3://…`, `https://…`), not one local file.
 *
 * @example
 * ```ts
 * import { isGlobOrUrl } from "./duckdb_csv.ts";
 * console.assert(isGlobOrUrl("parts/*.csv") && isGlobOrUrl("s3://bucket/rows.parquet"));
 * console.assert(!isGlobOrUrl("data/rows.csv"));
 * ```
 */
export function isGlobOrUrl(path: string): boolean {
  return /[*?]|:\/\//.test(path);
}

/**
 * The text of the file's first record (the header), read without reading the rest; the header
 * and the first {@link SAMPLE_BYTES} must be UTF-8 ({@link checkUtf8}).
 */
async function headerText(path: string): Promise<string> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path);
  } catch (error) {
    // Many files, or one elsewhere: its header cannot be read here and checked as loadTable
    // checks it.
    if (isGlobOrUrl(path)) {
      throw new HetfxError(
        `Cannot read "${path}" as one CSV file: a CSV is read as loadTable reads it (its header ` +
          "read here), which a glob or URL does not allow. Give one local file, or the files " +
          `as a query, which DuckDB reads its own way (types sniffed): "SELECT * FROM ` +
          `read_csv(${sqlString(path)})".`,
      );
    }
    throw new HetfxError(`Cannot read "${path}": ${(error as Error).message}.`);
  }
  if ((await file.stat()).isDirectory) {
    file.close();
    throw new HetfxError(`Cannot read "${path}": it is a directory, not a CSV file.`);
  }
  const stream: ReadableStream<Uint8Array> = /\.gz$/i.test(path)
    ? file.readable.pipeThrough(new DecompressionStream("gzip") as TransformStream<Uint8Array>)
    : file.readable;
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let quoted = false;
  let headerEnd = -1;
  let done = false;
  try {
    while (size < HEADER_BYTES && (headerEnd < 0 || size < SAMPLE_BYTES)) {
      const read = await reader.read();
      if (read.done) {
        done = true;
        break;
      }
      const value = read.value;
      for (let i = 0; i < value.length && headerEnd < 0; i++) {
        if (value[i] === 0x22) quoted = !quoted;
        else if (!quoted && (value[i] === 0x0a || value[i] === 0x0d)) headerEnd = size + i;
      }
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel();
  }
  const bytes = concat(chunks);
  checkUtf8(bytes, path, !done);
  if (headerEnd >= 0) return new TextDecoder().decode(bytes.subarray(0, headerEnd));
  if (done) return new TextDecoder().decode(bytes);
  throw new HetfxError(
    `Cannot read CSV: the header line of "${path}" does not end within its first MiB; check ` +
      "for an unterminated quote in it.",
  );
}

/**
 * Refuse a file whose first `bytes` are not UTF-8 (UTF-16, or Latin-1 and the like), which
 * DuckDB would misread or fail on, with the in-memory loader's words and the fix: convert it,
 * or read it in memory in its encoding. `partial`: the bytes are the file's first part.
 *
 * @example
 * ```ts
 * import { checkUtf8 } from "./duckdb_csv.ts";
 * checkUtf8(new TextEncoder().encode("y,g\n1,café\n"), "d.csv"); // UTF-8: returns
 * ```
 */
export function checkUtf8(bytes: Uint8Array, path: string, partial = false): void {
  const utf16 = utf16Encoding(bytes);
  const problem = utf16 === undefined ? utf8Problem(bytes, partial) : undefined;
  if (utf16 === undefined && problem === undefined) return;
  throw notUtf8Error(path, utf16 ?? problem?.utf16, problem);
}

/** The message for a file DuckDB cannot read as UTF-8 (see {@link checkUtf8}). */
function notUtf8Error(
  path: string,
  utf16: "utf-16le" | "utf-16be" | undefined,
  problem?: { line: number; byte?: string },
): HetfxError {
  const encoding = utf16 ?? "latin1";
  const where = problem === undefined
    ? ""
    : ` (line ${problem.line}${problem.byte === undefined ? "" : ` has the byte ${problem.byte}`})`;
  return new HetfxError(
    `Cannot read "${path}" with DuckDB: it is not valid UTF-8 text${where}; it ${
      utf16 === undefined
        ? "is probably Latin-1 or Windows-1252 (as Excel and older R save)"
        : `looks like ${utf16.toUpperCase()}`
    }, and DuckDB reads UTF-8 only. Convert it to UTF-8 (e.g. iconv -f ${encoding} -t utf-8 ` +
      `"${path}" > data_utf8.csv), or read it in memory: loadTable(path, { encoding: ` +
      `"${encoding}" }).`,
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
 * DuckDB's read of the file with the loader's dialect: no type sniffing, the header's field
 * count enforced on every row, double quotes doubled inside quoted fields. `types` gives each
 * header column's SQL type (default: every field text, columns c0, c1, … in header order);
 * with types, the columns keep the header's names and "", NA and an empty field are NULL.
 */
function readCsvSQL(path: string, header: readonly string[], types?: readonly string[]): string {
  const columns = header.map((name, j) =>
    types === undefined ? `'c${j}': 'VARCHAR'` : `${sqlString(name)}: ${sqlString(types[j])}`
  ).join(", ");
  const nulls = types === undefined
    ? ""
    : `nullstr = [${CSV_CELLS.missing.map(sqlString).join(", ")}], `;
  return `read_csv(${
    sqlString(path)
  }, header = true, auto_detect = false, columns = {${columns}}, ` +
    `${nulls}delim = ${sqlString(isTsv(path) ? "\t" : ",")}, quote = '"', escape = '"', ` +
    "strict_mode = true, null_padding = false)";
}

/**
 * The condition "the cell starts or ends with a character trim() removes": one anchored
 * regular expression (RE2 reads the characters literally in a class), several times faster
 * in DuckDB than comparing the code points of the first and last characters.
 */
function padded(column: string): string {
  const space = `[${CSV_CELLS.space}]`;
  return `regexp_matches(${column}, ${sqlString(`^${space}|${space}$`)})`;
}

/**
 * A cell trimmed as JavaScript's trim() trims it (NULL stays NULL). DuckDB's trim with a set of
 * characters is slow (about 4× a cast per cell), so it runs only on the cells that need it.
 */
function trimmed(column: string): string {
  return `CASE WHEN ${padded(column)} THEN trim(${column}, ${sqlString(CSV_CELLS.space)}) ` +
    `ELSE ${column} END`;
}

/** The condition "the (trimmed) cell is missing". */
function isMissing(t: string): string {
  return `(${t} IS NULL OR ${t} IN (${CSV_CELLS.missing.map(sqlString).join(", ")}))`;
}

/**
 * Per model column j of `read`: the cell as written (v_j), missing (m_j), a finite decimal as
 * the loader reads it (n_j), a non-finite token such as "Inf" or "NaN" (f_j), padded by a
 * character trim() removes (p_j). DuckDB's cast to DOUBLE accepts every plain decimal and,
 * besides, digits grouped by "_" ("1_000") and a doubled sign ("+-1"), which the loader reads
 * as text (tests/engine/duckdb_engine_test.ts compares the two on such cells): the loader's
 * pattern on every cell would cost more than the rest of the pass. The token's pattern runs
 * only on the rare cells whose cast is not finite (an overflow such as 9e999 is text).
 */
function cellsSQL(read: string, positions: readonly number[]): string {
  const trimmedCells = positions.map((j) =>
    `c${j} AS v${j}, ${padded(`c${j}`)} AS p${j}, ${trimmed(`c${j}`)} AS t${j}`
  ).join(", ");
  const cast = positions.map((j) => `TRY_CAST(t${j} AS DOUBLE) AS x${j}`).join(", ");
  const classes = positions.map((j) => {
    const t = `t${j}`, x = `x${j}`;
    const plain = `NOT (${
      ["_", "+-", "-+", "++", "--"].map((s) => `contains(${t}, '${s}')`).join(" OR ")
    })`;
    return `v${j}, p${j}, ${isMissing(t)} AS m${j}, ` +
      `(NOT ${isMissing(t)} AND coalesce(isfinite(${x}), false) AND ${plain}) AS n${j}, ` +
      `(CASE WHEN NOT ${isMissing(t)} AND ${x} IS NOT NULL AND NOT isfinite(${x}) ` +
      `THEN regexp_full_match(${t}, ${sqlString("(?i)" + CSV_CELLS.nonFinite)}) ` +
      `ELSE false END) AS f${j}, (NOT ${isMissing(t)} AND ${x} IS NULL AND ` +
      `regexp_full_match(${t}, ${SEPARATED})) AS s${j}`;
  }).join(", ");
  return `SELECT hetfx_row, ${classes} FROM (SELECT *, ${cast} FROM ` +
    `(SELECT hetfx_row, ${trimmedCells} FROM ${read}))`;
}

/** A number written with a decimal comma or thousands separators (checkNumberFormat). */
const SEPARATED = sqlString(`^(${SEPARATED_NUMBER_SOURCE})$`);

/** The condition "cell of column j is text" in terms of {@link cellsSQL}. */
function isText(j: number): string {
  return `(NOT m${j} AND NOT n${j} AND NOT f${j})`;
}

/**
 * The aggregate query that counts, for each model column, its cells that are numbers, text,
 * non-finite tokens and padded (a character trim() removes at either end), and its text cells
 * that are numbers written with separators.
 */
function countsSQL(read: string, positions: readonly number[]): string {
  const counts = positions.map((j) =>
    `COUNT(*) FILTER (WHERE n${j}) AS numbers${j}, ` +
    `COUNT(*) FILTER (WHERE ${isText(j)}) AS texts${j}, ` +
    `COUNT(*) FILTER (WHERE f${j}) AS nonfinite${j}, ` +
    `COUNT(*) FILTER (WHERE p${j}) AS padded${j}, ` +
    `COUNT(*) FILTER (WHERE ${isText(j)} AND s${j}) AS separated${j}`
  );
  return `SELECT COUNT(*) AS hetfx_rows, ${counts.join(", ")} FROM ` +
    `(${cellsSQL(`(SELECT 0 AS hetfx_row, * FROM ${read})`, positions)})`;
}

/**
 * The quick pass of {@link duckdbCsvColumns}: per model column, its regular cells (no
 * character trim() removes at either end, no "_", no doubled sign) counted as numbers, text and
 * non-finite tokens by DuckDB's cast alone, which reads such cells as the loader does (see
 * {@link cellsSQL}), and its irregular cells, for which a column is counted again by the exact
 * pass ({@link countsSQL}); and its text cells that are numbers written with separators
 * (checkNumberFormat). One regular expression and one cast per cell, a second expression on
 * text cells only: about half the exact pass's cost on a clean file (measured before the
 * second expression).
 */
function quickCountsSQL(read: string, positions: readonly number[]): string {
  const space = `[${CSV_CELLS.space}]`;
  const irregular = sqlString(`^${space}|${space}$|_|[+-][+-]`);
  const cells = positions.map((j) =>
    `c${j}, regexp_matches(c${j}, ${irregular}) AS r${j}, TRY_CAST(c${j} AS DOUBLE) AS x${j}`
  ).join(", ");
  const classes = positions.map((j) => {
    const m = isMissing(`c${j}`), x = `x${j}`;
    return `c${j}, r${j}, ${m} AS m${j}, (NOT ${m} AND coalesce(isfinite(${x}), false)) AS n${j}, ` +
      `(CASE WHEN NOT ${m} AND ${x} IS NOT NULL AND NOT isfinite(${x}) THEN ` +
      `regexp_full_match(c${j}, ${
        sqlString("(?i)" + CSV_CELLS.nonFinite)
      }) ELSE false END) AS f${j}`;
  }).join(", ");
  const counts = positions.map((j) =>
    `COUNT(*) FILTER (WHERE n${j} AND NOT r${j}), ` +
    `COUNT(*) FILTER (WHERE ${isText(j)} AND NOT r${j}), ` +
    `COUNT(*) FILTER (WHERE f${j} AND NOT r${j}), COUNT(*) FILTER (WHERE r${j}), ` +
    `COUNT(*) FILTER (WHERE ${isText(j)} AND NOT r${j} AND ` +
    `regexp_full_match(c${j}, ${SEPARATED}))`
  ).join(", ");
  return `SELECT COUNT(*), ${counts} FROM (SELECT ${classes} FROM (SELECT ${cells} FROM ${read}))`;
}

/**
 * The five counts of model column `i` in a counts query's result (after its row count):
 * numbers, text, non-finite tokens, irregular (quick pass) or padded (exact pass) cells, and
 * text cells that are numbers written with separators.
 */
function countsOf(result: unknown[][], i: number): number[] {
  return [0, 1, 2, 3, 4].map((d) => Number(result[1 + 5 * i + d][0]));
}

/**
 * The first text cell and the first non-finite token of column `j` (value as written, 0-based
 * data row), for a message: a pass that numbers the rows, run only when a column is refused.
 */
function firstCellsSQL(read: string, j: number): string {
  return `SELECT MIN(hetfx_row) FILTER (WHERE ${isText(j)}), ` +
    `ARG_MIN(v${j}, hetfx_row) FILTER (WHERE ${isText(j)}), ` +
    `MIN(hetfx_row) FILTER (WHERE f${j}), ARG_MIN(v${j}, hetfx_row) FILTER (WHERE f${j}) FROM (` +
    cellsSQL(`(SELECT ordinality - 1 AS hetfx_row, * FROM ${read} WITH ORDINALITY)`, [j]) + ")";
}

/**
 * Check the model's `columns` of a CSV file in one pass over it and return the SQL source that
 * reads them as loadTable would: a subquery with those columns, DOUBLE for numeric ones and
 * VARCHAR (labels as written) for factors, missing values NULL. Throws the loader's HetfxError
 * for a column that is missing from the header, no data rows, a mostly numeric column with
 * text in it, a non-finite number; a ragged row or an unterminated quote fails the query
 * (see {@link csvReadError}). `query` runs SQL (the engine's connection).
 *
 * The source reads the file with DuckDB's typed reader (as fast as its own sniffing read)
 * unless a model column has a padded cell: then every cell is trimmed in SQL, as the loader
 * trims it, at about three times the cost per scan.
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
  checkColumnsPresent(columns, header);
  checkFactorsPresent(options.factors, header);
  const read = readCsvSQL(path, header);
  const names = header.filter((name) => columns.includes(name));
  const positions = names.map((name) => header.indexOf(name));
  // Per column [numbers, texts, non-finite tokens, irregular cells] from the quick pass; a
  // column with irregular cells is counted again by the exact pass, whose fourth count is its
  // padded cells (a column with no irregular cell has none).
  const quick = await query(quickCountsSQL(read, positions));
  if (Number(quick[0][0]) === 0) throw headerOnlyError(header);
  const tally = new Map(positions.map((j, i) => [j, countsOf(quick, i)]));
  const irregular = positions.filter((j) => tally.get(j)![3] > 0);
  if (irregular.length > 0) {
    const exact = await query(countsSQL(read, irregular));
    for (const [i, j] of irregular.entries()) tally.set(j, countsOf(exact, i));
  }
  const declared = new Set(options.factors ?? []);
  let padding = false;
  const kinds = new Map<string, "number" | "factor">();
  for (const [i, name] of names.entries()) {
    const [numbers, texts, nonFinite, paddedCells, separated] = tally.get(positions[i])!;
    const counts: CsvColumnCounts = { numbers, texts };
    if (nonFinite > 0) counts.firstNonFinite = { row: -1, value: "" }; // found below if refused
    padding ||= paddedCells > 0;
    let kind: "number" | "factor";
    try {
      // The rule needs the first text cell only to quote it in a refusal.
      const unknown = { row: -1, value: "" };
      kind = csvColumnKind(name, { ...counts, firstText: unknown }, declared.has(name));
    } catch (error) {
      if (!(error instanceof HetfxError)) throw error;
      // Refused: find the cells the message quotes, and let the rule throw with them.
      const cells = await query(firstCellsSQL(read, positions[i]));
      const cell = (row: unknown, value: unknown) =>
        row === null ? undefined : { row: Number(row), value: String(value) };
      csvColumnKind(name, {
        ...counts,
        firstText: cell(cells[0][0], cells[1][0]),
        firstNonFinite: cell(cells[2][0], cells[3][0]),
      }, declared.has(name));
      throw new Error(`csvColumnKind accepted column "${name}" on its second call`);
    }
    kinds.set(name, kind);
    // Every cell text, and each a number written with separators: refused as the loader
    // refuses it (checkNumberFormat), quoting the first such cell.
    if (!declared.has(name) && numbers === 0 && nonFinite === 0 && texts === separated && texts) {
      const cells = await query(firstCellsSQL(read, positions[i]));
      checkNumberFormat(name, [String(cells[1][0])]);
    }
  }
  // A declared factor whose numbers would merge labels ("01" and "1") or lose digits keeps its
  // labels as written, as the loader keeps them (load_table.ts, numbersLoseLabels).
  for (const [i, name] of names.entries()) {
    if (!declared.has(name) || kinds.get(name) !== "number") continue;
    const t = trimmed(`c${positions[i]}`);
    const number = `CAST(${t} AS DOUBLE)`;
    const [[texts], [numbers], [largest]] = await query(
      `SELECT COUNT(DISTINCT ${t}), COUNT(DISTINCT ${number}), MAX(ABS(${number})) ` +
        `FROM ${read} WHERE NOT (${isMissing(t)})`,
    );
    if (Number(texts) !== Number(numbers) || Number(largest) > Number.MAX_SAFE_INTEGER) {
      kinds.set(name, "factor");
    }
  }
  if (!padding) {
    // Every model cell is as the loader reads it once trimmed: DuckDB's typed reader, with the
    // numeric columns as DOUBLE and "", NA and empty fields NULL, reads the same values.
    const types = header.map((name) => kinds.get(name) === "number" ? "DOUBLE" : "VARCHAR");
    const list = names.map(sqlIdentifier).join(", ");
    return `(SELECT ${list} FROM ${readCsvSQL(path, header, types)}) AS hetfx_csv`;
  }
  const select = names.map((name, i) => {
    const c = `c${positions[i]}`;
    const t = trimmed(c);
    const value = kinds.get(name) === "number" ? `CAST(${t} AS DOUBLE)` : c;
    return `CASE WHEN ${isMissing(t)} THEN NULL ELSE ${value} END AS ${sqlIdentifier(name)}`;
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
  if (/Invalid unicode/i.test(message)) {
    const path = /^\s*file = (.+)$/m.exec(message)?.[1]?.trim() ?? "the CSV file";
    return notUtf8Error(path, undefined, { line: Number(line) });
  }
  const count = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  if (count) return fieldCountError(Number(line), Number(count[2]), Number(count[1]));
  if (/unterminated quote/i.test(message)) {
    return unterminatedQuoteError(
      `on line ${line} (or a character after a closing quote; quote the whole field)`,
    );
  }
  return undefined;
}
