/**
 * Every way data gets into hetfx: a CSV path or text, an array of records, a column object,
 * a danfojs-like DataFrame, or a Table. All produce the one internal Table.
 *
 * Type inference: a column is numeric when every non-missing value is a number (CSV: parses
 * fully as a finite decimal; records/columns: a JS number or boolean, booleans become 0/1);
 * otherwise it is a factor whose levels are sorted as R sorts them (see factorFromLabels): code-point
 * order, numeric order for labels that are all numbers; the `levels` option sets another order.
 */
import { didYouMean, HetfxError, showValue } from "../errors.ts";
import { checkOptions, optionNames } from "../options.ts";
import { type Column, makeTable, type Table } from "./table.ts";
import { checkSeparator, parseCsv } from "./csv.ts";
import { decodeText, encodingName, type TextEncodingName } from "./text_encoding.ts";
import { isMissingCell, isNonFiniteToken, parseDecimal } from "./_parse.ts";
import { asFactor } from "./factor.ts";
import { dropMissingRecorded } from "./missing.ts";
import {
  checkMostlyNumeric,
  checkNumberFormat,
  type CsvColumnCounts,
  csvColumnKind,
} from "./csv_column_kind.ts";

/** A column's values in a column object: a plain array or a typed array. */
export type ColumnValues =
  | readonly unknown[]
  | Float64Array
  | Float32Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array;

/** Anything shaped like a danfojs DataFrame: column names and row-major values. */
export interface DataFrameLike {
  readonly columns: readonly string[];
  readonly values: readonly (readonly unknown[])[];
}

/** What {@link loadTable} accepts. */
export type TableSource =
  | string
  | Table
  | DataFrameLike
  | readonly Record<string, unknown>[]
  | Record<string, ColumnValues>;

/**
 * Options shared by every loader. Applied in this order: factors, levels, reference,
 * dropMissing.
 */
export interface LoadTableOptions {
  /** Columns to treat as factors; with a record, each with its level order. */
  factors?: readonly string[] | Record<string, readonly string[]>;
  /**
   * Level order per column, first level the reference: `{ arm: ["control", "low", "high"] }`.
   * By default text levels are sorted as R sorts them; a numeric column named here becomes a
   * factor.
   */
  levels?: Record<string, readonly string[]>;
  /** Reference (first) level per column; a numeric column named here becomes a factor. */
  reference?: Record<string, string>;
  /** Drop rows with a missing value: in any column (`true`) or in the columns listed. */
  dropMissing?: boolean | readonly string[];
  /**
   * Character encoding of a CSV file read from a path: "utf-8" (default), "latin1",
   * "windows-1252", "utf-16le" or "utf-16be". A byte-order mark overrides it.
   */
  encoding?: TextEncodingName;
}

const CONTEXT = "Cannot load table";

/**
 * Load a table from a CSV file path (a string with no line break), CSV text (a string with a
 * line break), an array of records, a column object, a danfojs-like DataFrame or a Table.
 *
 * Missing values: "" and "NA" in CSV; null and undefined in JS values; NaN too in typed
 * arrays and DataFrames (their own convention). Any other NaN or infinite value throws.
 *
 * @example
 * ```ts
 * import { loadTable } from "./load_table.ts";
 * const t = await loadTable([{ y: 1, g: "a" }, { y: 0, g: "b" }], { reference: { g: "b" } });
 * console.assert(t.nRows === 2 && t.columns.g.kind === "factor");
 * ```
 */
export async function loadTable(
  source: TableSource,
  options: LoadTableOptions = {},
): Promise<Table> {
  if (source === null || source === undefined) {
    throw new HetfxError(
      `${CONTEXT}: got ${source}; give a CSV path or text, an array of records, a column ` +
        "object or a DataFrame.",
    );
  }
  checkOptionTypes(options);
  const isPath = typeof source === "string" && !source.includes("\n") && !source.includes("\r");
  if (options.encoding !== undefined && !isPath) {
    throw new HetfxError(
      `${CONTEXT}: option \`encoding\` applies to a CSV file read from a path; this source is ` +
        "already text or values, so leave it out.",
    );
  }
  if (typeof source === "string") {
    if (!isPath) return tableFromCsvText(source, options);
    const encoding = options.encoding === undefined
      ? undefined
      : encodingName(options.encoding, CONTEXT);
    return tableFromCsvText(await readFile(source, encoding), options);
  }
  if (Array.isArray(source)) return tableFromRecords(source, options);
  if (isTable(source)) return applyOptions(source, options);
  if (isDataFrameLike(source)) return tableFromDataFrame(source, options);
  if (source !== null && typeof source === "object") {
    return tableFromColumns(source as Record<string, ColumnValues>, options);
  }
  throw new HetfxError(
    `${CONTEXT}: expected a CSV path or text, an array of records, a column object or a ` +
      `DataFrame, got ${source === null ? "null" : typeof source}.`,
  );
}

/** Header text shown in a message: longer ones are cut (a whole file misread as one line). */
const SHOWN_HEADER_CHARS = 200;

/**
 * The error for a CSV with a header and no data rows, its header shown up to
 * {@link SHOWN_HEADER_CHARS} characters: a file read in the wrong encoding (UTF-8 bytes as
 * UTF-16) has no line break, so its whole text reads as a header.
 *
 * @example
 * ```ts
 * import { headerOnlyError } from "./load_table.ts";
 * console.assert(headerOnlyError(["y", "g"]).message.endsWith("header (y, g) but no data rows."));
 * ```
 */
export function headerOnlyError(header: readonly string[]): HetfxError {
  const text = header.join(", ");
  if (text.length <= SHOWN_HEADER_CHARS) {
    return new HetfxError(`${CONTEXT}: the CSV has a header (${text}) but no data rows.`);
  }
  return new HetfxError(
    `${CONTEXT}: the CSV has a header of ${text.length} characters ` +
      `(${text.slice(0, SHOWN_HEADER_CHARS)}…) but no data rows: is the file's encoding the one ` +
      "it was read in? A file without line breaks in that encoding reads as one header line.",
  );
}

/**
 * A table from CSV text (see parseCsv for the accepted dialect).
 *
 * @example
 * ```ts
 * import { tableFromCsvText } from "./load_table.ts";
 * const t = tableFromCsvText("y,g\n1,a\nNA,b\n");
 * console.assert(t.columns.y.kind === "number" && Number.isNaN(t.columns.y.values[1]));
 * ```
 */
export function tableFromCsvText(text: string, options: LoadTableOptions = {}): Table {
  checkSeparator(text);
  const { header, rows, trimmed } = parseCsv(text);
  if (rows.length === 0) throw headerOnlyError(header);
  const columns: Record<string, Column> = {};
  const declared = declaredFactors(options);
  header.forEach((name, j) => {
    columns[name] = csvColumn(name, rows.map((row) => row[j]), declared.has(name));
  });
  const table = applyOptions(makeTable(columns, header), options);
  if (trimmed.length === 0) return table;
  const warning = `spaces around column name${trimmed.length > 1 ? "s" : ""} ` +
    `${trimmed.map((n) => JSON.stringify(n)).join(", ")} in the CSV header were removed ` +
    `(the column${trimmed.length > 1 ? "s are" : " is"} called ` +
    `${trimmed.map((n) => JSON.stringify(n.trim())).join(", ")}).`;
  return { ...table, warnings: [...(table.warnings ?? []), warning] };
}

/**
 * A table from an array of records; the columns are the union of the records' keys in
 * order of first appearance, and a key a record lacks is a missing value.
 *
 * @example
 * ```ts
 * import { tableFromRecords } from "./load_table.ts";
 * const t = tableFromRecords([{ a: true, b: "x" }, { a: false }]);
 * console.assert(t.columns.a.kind === "number" && t.columns.a.values[0] === 1);
 * ```
 */
export function tableFromRecords(
  records: readonly Record<string, unknown>[],
  options: LoadTableOptions = {},
): Table {
  if (records.length === 0) {
    throw new HetfxError(`${CONTEXT}: the array of records is empty; pass at least one row.`);
  }
  const names: string[] = [];
  const seen = new Set<string>();
  records.forEach((record, i) => {
    if (record === null || typeof record !== "object" || Array.isArray(record)) {
      throw new HetfxError(
        `${CONTEXT}: element ${i} of the array of records is ${describe(record)}, not an object` +
          " like { y: 1, treat: 0 }.",
      );
    }
    for (const key of Object.keys(record)) {
      if (!seen.has(key)) {
        seen.add(key);
        names.push(key);
      }
    }
  });
  if (names.length === 0) {
    throw new HetfxError(`${CONTEXT}: the records have no fields; give each row named values.`);
  }
  return tableOfValues(names, (name) => records.map((record) => record[name]), false, options);
}

/**
 * A table from a column object `{ name: values }` (plain or typed arrays of equal length).
 *
 * @example
 * ```ts
 * import { tableFromColumns } from "./load_table.ts";
 * const t = tableFromColumns({ y: new Float64Array([1, 2]), g: ["a", null] });
 * console.assert(t.nRows === 2 && t.columns.g.kind === "factor" && t.columns.g.codes[1] === -1);
 * ```
 */
export function tableFromColumns(
  columnObject: Record<string, ColumnValues>,
  options: LoadTableOptions = {},
): Table {
  const names = Object.keys(columnObject);
  if (names.length === 0) {
    throw new HetfxError(`${CONTEXT}: the column object has no columns.`);
  }
  let length = -1;
  let first = "";
  const columns: Record<string, Column> = {};
  for (const name of names) {
    const values = columnObject[name];
    const typed = ArrayBuffer.isView(values) && !(values instanceof DataView);
    if (!Array.isArray(values) && !typed) {
      throw new HetfxError(
        `${CONTEXT}: column "${name}" is ${describe(values)}; give each column as an array ` +
          "or a typed array.",
      );
    }
    const list = Array.from(values as ArrayLike<unknown>);
    if (length === -1) {
      length = list.length;
      first = name;
    } else if (list.length !== length) {
      throw new HetfxError(
        `${CONTEXT}: column "${name}" has ${list.length} values but column "${first}" has ` +
          `${length}; all columns must have the same length.`,
      );
    }
    columns[name] = valueColumn(name, list, typed, declaredFactors(options).has(name));
  }
  if (length === 0) throw new HetfxError(`${CONTEXT}: the columns have no rows.`);
  return applyOptions(makeTable(columns, names), options);
}

/**
 * A table from a danfojs-like DataFrame (`columns` and row-major `values`); danfojs marks
 * missing numbers with NaN, so NaN is read as missing here.
 *
 * @example
 * ```ts
 * import { tableFromDataFrame } from "./load_table.ts";
 * const t = tableFromDataFrame({ columns: ["y"], values: [[1], [NaN]] });
 * console.assert(t.nRows === 2 && Number.isNaN(t.columns.y.kind === "number" ? t.columns.y.values[1] : 0));
 * ```
 */
export function tableFromDataFrame(frame: DataFrameLike, options: LoadTableOptions = {}): Table {
  const names = [...frame.columns];
  const rows = frame.values;
  if (rows.length === 0) throw new HetfxError(`${CONTEXT}: the DataFrame has no rows.`);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined) {
    throw new HetfxError(`${CONTEXT}: the DataFrame has two columns named "${duplicate}".`);
  }
  rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== names.length) {
      throw new HetfxError(
        `${CONTEXT}: DataFrame row ${i + 1} has ${Array.isArray(row) ? row.length : 0} values ` +
          `but there are ${names.length} columns.`,
      );
    }
  });
  return tableOfValues(names, (_, j) => rows.map((row) => row[j]), true, options);
}

const OPTION_NAMES = optionNames<LoadTableOptions>({
  factors: true,
  levels: true,
  reference: true,
  dropMissing: true,
  encoding: true,
});

/** Option names checked, then each option's type (a list of names must hold strings). */
function checkOptionTypes(options: LoadTableOptions): void {
  checkOptions(options, OPTION_NAMES, CONTEXT);
  const { factors, reference, dropMissing } = options ?? {};
  const names = (value: unknown) =>
    Array.isArray(value) && value.every((v) => typeof v === "string");
  const record = (value: unknown) =>
    value !== null && typeof value === "object" && !Array.isArray(value);
  const wrong = (name: string, value: unknown, what: string) =>
    new HetfxError(`${CONTEXT}: option \`${name}\` is ${showValue(value)}; give ${what}.`);
  if (
    factors !== undefined && !names(factors) &&
    !(record(factors) && Object.values(factors).every(names))
  ) {
    throw wrong(
      "factors",
      factors,
      'column names, e.g. ["g"], or levels by column, { g: ["a", "b"] }',
    );
  }
  if (
    reference !== undefined &&
    !(record(reference) && Object.values(reference).every((v) => typeof v === "string"))
  ) {
    throw wrong("reference", reference, 'a level by column, e.g. { g: "control" }');
  }
  if (dropMissing !== undefined && typeof dropMissing !== "boolean" && !names(dropMissing)) {
    throw wrong("dropMissing", dropMissing, 'true, or column names, e.g. ["y", "treat"]');
  }
}

/**
 * The table of columns `names` whose j-th holds `values(name, j)` (valueColumn decides each
 * column's kind), with the shared options applied.
 */
function tableOfValues(
  names: string[],
  values: (name: string, j: number) => readonly unknown[],
  nanIsMissing: boolean,
  options: LoadTableOptions,
): Table {
  const columns: Record<string, Column> = {};
  names.forEach((name, j) => {
    columns[name] = valueColumn(
      name,
      values(name, j),
      nanIsMissing,
      declaredFactors(options).has(name),
    );
  });
  return applyOptions(makeTable(columns, names), options);
}

/** Apply the shared options to a finished table. */
function applyOptions(table: Table, options: LoadTableOptions): Table {
  checkOptionTypes(options);
  if (table.nRows === 0) throw new HetfxError(`${CONTEXT}: the data have no rows.`);
  let result = table;
  const { factors, levels: levelOrder, reference, dropMissing } = options;
  if (factors !== undefined) {
    const entries: [string, readonly string[] | undefined][] = Array.isArray(factors)
      ? (factors as readonly string[]).map((name) => [name, undefined])
      : Object.entries(factors as Record<string, readonly string[]>);
    for (const [name, levels] of entries) {
      checkOptionColumn(result, name, "factors");
      result = asFactor(result, name, { levels });
    }
  }
  if (levelOrder !== undefined && (typeof levelOrder !== "object" || Array.isArray(levelOrder))) {
    throw new HetfxError(
      `${CONTEXT}: option \`levels\` must map column names to level lists, e.g. ` +
        `{ levels: { arm: ["control", "low", "high"] } }.`,
    );
  }
  for (const [name, order] of Object.entries(levelOrder ?? {})) {
    checkOptionColumn(result, name, "levels");
    if (!Array.isArray(order) || order.some((l) => typeof l !== "string")) {
      throw new HetfxError(
        `${CONTEXT}: option \`levels\` for "${name}" must be a list of level names (strings), ` +
          `e.g. { levels: { ${name}: ["control", "treated"] } }.`,
      );
    }
    result = asFactor(result, name, { levels: order });
  }
  for (const [name, level] of Object.entries(reference ?? {})) {
    checkOptionColumn(result, name, "reference");
    result = asFactor(result, name, { reference: level });
  }
  if (dropMissing === true || Array.isArray(dropMissing)) {
    const columns = dropMissing === true ? result.names : dropMissing as readonly string[];
    for (const name of columns) checkOptionColumn(result, name, "dropMissing");
    // Counts add up over repeated loads of the same table.
    result = dropMissingRecorded(result, columns);
  }
  return result;
}

function checkOptionColumn(table: Table, name: string, option: string): void {
  if (table.columns[name] !== undefined) return;
  throw optionColumnError(name, option, table.names);
}

/**
 * The error for option `option` naming column `name`, which is not among `names` (the data's
 * columns); the DuckDB engine, which reads only a file's header, throws it too.
 *
 * @example
 * ```ts
 * import { optionColumnError } from "./load_table.ts";
 * console.assert(optionColumnError("tretment", "factors", ["y", "treatment"]).message.includes('"treatment"'));
 * ```
 */
export function optionColumnError(
  name: string,
  option: string,
  names: readonly string[],
): HetfxError {
  return new HetfxError(
    `${CONTEXT}: option \`${option}\` names column "${name}", which is not in the data` +
      `${didYouMean(name, names)} (columns: ${names.join(", ")}).`,
  );
}

/** Columns the options declare as factors (a mostly-numeric column named here is intended). */
function declaredFactors(options: LoadTableOptions): Set<string> {
  const { factors, levels, reference } = options;
  const names = factors === undefined
    ? []
    : Array.isArray(factors)
    ? factors as readonly string[]
    : Object.keys(factors);
  return new Set([
    ...names,
    ...Object.keys(levels ?? {}),
    ...Object.keys(reference ?? {}),
  ]);
}

/** A CSV column: numeric when every non-missing cell is a finite decimal (csvColumnKind). */
function csvColumn(name: string, cells: string[], declaredFactor: boolean): Column {
  const n = cells.length;
  const values = new Float64Array(n);
  const counts: CsvColumnCounts = { numbers: 0, texts: 0 };
  for (let row = 0; row < n; row++) {
    const cell = cells[row];
    if (isMissingCell(cell)) {
      values[row] = NaN;
      continue;
    }
    const value = parseDecimal(cell);
    if (value !== undefined) {
      values[row] = value;
      counts.numbers++;
    } else if (isNonFiniteToken(cell)) {
      counts.firstNonFinite ??= { row, value: cell };
    } else {
      counts.texts++;
      counts.firstText ??= { row, value: cell };
      // Once text is half the column, it cannot be mostly numeric: stop looking.
      if (declaredFactor || 2 * counts.texts >= n) break;
    }
  }
  if (csvColumnKind(name, counts, declaredFactor) === "number") {
    // A declared factor whose numbers would merge labels ("01" and "1" are one number) or lose
    // digits (an 18-digit ID is no double) keeps its labels as written, as R's factor() of the
    // text would; otherwise it is made from its numbers (asFactor: labels as the numbers print).
    if (declaredFactor && numbersLoseLabels(cells, values)) {
      return factorFromLabels(cells.map((cell) => (isMissingCell(cell) ? undefined : cell.trim())));
    }
    return { kind: "number", values };
  }
  const factor = factorFromLabels(cells.map((cell) => (isMissingCell(cell) ? undefined : cell)));
  if (!declaredFactor) checkNumberFormat(name, cells.filter((cell) => !isMissingCell(cell)));
  return factor;
}

/**
 * True when reading a column's cells as numbers would lose labels: two different texts give the
 * same number, or an integer is beyond 2^53 (where doubles skip integers).
 */
function numbersLoseLabels(cells: readonly string[], values: Float64Array): boolean {
  const textOf = new Map<number, string>();
  for (let row = 0; row < cells.length; row++) {
    const value = values[row];
    if (Number.isNaN(value)) continue;
    if (Number.isInteger(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER) return true;
    const text = cells[row].trim();
    const seen = textOf.get(value);
    if (seen === undefined) textOf.set(value, text);
    else if (seen !== text) return true;
  }
  return false;
}

/**
 * A column from JS values: numeric when every non-missing value is a number or boolean.
 * `nanIsMissing` is true for typed arrays and DataFrames, whose only missing marker is NaN.
 */
function valueColumn(
  name: string,
  raw: readonly unknown[],
  nanIsMissing: boolean,
  declaredFactor = false,
): Column {
  const n = raw.length;
  let numeric = true;
  let nonFiniteStringRow = -1;
  let numbers = 0;
  let texts = 0;
  let firstTextRow = -1;
  for (let row = 0; row < n; row++) {
    let value = raw[row];
    if (typeof value === "bigint") value = bigintToNumber(name, row, value);
    if (value === null || value === undefined || typeof value === "boolean") continue;
    if (typeof value === "number") {
      if (Number.isNaN(value) && nanIsMissing) continue;
      if (!Number.isFinite(value)) {
        throw new HetfxError(
          `${CONTEXT}: column "${name}" row ${row + 1} is ${value}; values must be finite ` +
            "numbers: use null for a missing value.",
        );
      }
      numbers++;
      continue;
    }
    if (typeof value === "string") {
      if (isNonFiniteToken(value)) {
        if (nonFiniteStringRow < 0) nonFiniteStringRow = row;
        continue;
      }
      numeric = false;
      texts++;
      if (firstTextRow < 0) firstTextRow = row;
      continue;
    }
    throw new HetfxError(
      `${CONTEXT}: column "${name}" row ${row + 1} is ${describe(value)}; give a number, ` +
        "string, boolean or null.",
    );
  }
  if (!numeric && !declaredFactor) {
    checkMostlyNumeric(
      name,
      numbers,
      texts,
      firstTextRow,
      String(raw[firstTextRow]),
      "null is a missing value",
    );
  }
  if (numeric && nonFiniteStringRow >= 0) {
    throw new HetfxError(
      `${CONTEXT}: column "${name}" row ${nonFiniteStringRow + 1} is "${
        raw[nonFiniteStringRow]
      }"; values must be finite numbers: use null for a missing value.`,
    );
  }
  if (numeric) {
    const values = new Float64Array(n);
    for (let row = 0; row < n; row++) {
      const value = raw[row];
      values[row] = value === null || value === undefined
        ? NaN
        : typeof value === "boolean"
        ? (value ? 1 : 0)
        : Number(value);
    }
    return { kind: "number", values };
  }
  return factorFromLabels(raw.map((value) => {
    if (value === null || value === undefined) return undefined;
    if (typeof value === "number") return Number.isNaN(value) ? undefined : String(value);
    return String(value);
  }));
}

/**
 * A factor whose levels are sorted as R's `factor()` sorts them, so the reference level (the
 * first) and the coefficient names match R and brms: labels that all read as numbers in
 * ascending numeric order (R reads such a column as numbers), otherwise in code-point order —
 * R's `sort()` in the C locale. Locale collation (R's default on a UTF-8 Linux locale) differs
 * only in case and accents ("B" < "a" here, "a" < "B" there); the C order is the same on every
 * machine, and the `levels` option of loadTable sets any other order.
 */
function factorFromLabels(labels: (string | undefined)[]): Column {
  const distinct = [...new Set(labels.filter((l): l is string => l !== undefined))];
  const numbers = distinct.map((l) => parseDecimal(l));
  const levels = numbers.every((v) => v !== undefined)
    ? distinct.map((l, i) => [l, numbers[i]!] as const)
      .sort((a, b) => a[1] - b[1] || compareCodePoints(a[0], b[0])).map(([l]) => l)
    : distinct.sort(compareCodePoints);
  const index = new Map(levels.map((level, code) => [level, code]));
  const codes = Int32Array.from(labels, (label) => label === undefined ? -1 : index.get(label)!);
  return { kind: "factor", codes, levels };
}

/** Code-point (UTF-8 byte) order, as C's strcmp: JS's default sort compares UTF-16 units. */
function compareCodePoints(a: string, b: string): number {
  const x = [...a], y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function bigintToNumber(name: string, row: number, value: bigint): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number)) {
    throw new HetfxError(
      `${CONTEXT}: column "${name}" row ${row + 1} is the bigint ${value}, too large to hold ` +
        "exactly as a number; convert it to a string to use it as a label.",
    );
  }
  return number;
}

async function readFile(path: string, encoding?: TextEncodingName): Promise<string> {
  if (path.trim() === "") {
    throw new HetfxError(`${CONTEXT}: the path is empty; give a CSV file path or CSV text.`);
  }
  const unsupported = /\.(dta|rds|rda|rdata|sav|xlsx?|parquet|feather|arrow)$/i.exec(path);
  if (unsupported) {
    throw new HetfxError(
      `${CONTEXT}: "${path}" is a ${unsupported[1]} file; hetfx reads CSV, so export it to CSV` +
        " first (or pass records, a column object or a DataFrame).",
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    // The system's reason without its code and call ("(os error 2): readfile '…'"), then
    // what to do.
    const reason = (error instanceof Error ? error.message : String(error))
      .replace(/ \(os error \d+\)[^]*$/, "");
    const hint = path.includes(",")
      ? " (if this is CSV text, it needs a header line and at least one data line)"
      : error instanceof Deno.errors.NotFound
      ? `${whereLooked(path)}; check the file's name and folder, or give its full path`
      : error instanceof Deno.errors.IsADirectory
      ? `; give a CSV file${filesIn(path)}`
      : "";
    throw new HetfxError(`${CONTEXT}: cannot read file "${path}": ${reason}${hint}.`);
  }
  return decodeText(bytes, path, encoding);
}

/** Where a relative path was looked for: " (in the current folder /home/me)", or "". */
function whereLooked(path: string): string {
  if (/^([/\\]|[A-Za-z]:)/.test(path)) return "";
  try {
    return ` (looked for it in the current folder ${Deno.cwd()})`;
  } catch {
    return "";
  }
}

/** The data files in a folder, for advice: " in it, e.g. dir/a.csv (also: b.csv)", or "". */
function filesIn(folder: string): string {
  try {
    const names = [...Deno.readDirSync(folder)]
      .filter((e) => e.isFile && /\.(csv|tsv|txt)$/i.test(e.name))
      .map((e) => e.name).sort();
    if (names.length === 0) return " (this folder holds none)";
    const sep = folder.endsWith("/") ? "" : "/";
    const more = names.length > 1
      ? ` (it also holds ${names.slice(1, 4).join(", ")}${names.length > 4 ? ", …" : ""})`
      : "";
    return ` in it, e.g. ${folder}${sep}${names[0]}${more}`;
  } catch {
    return "";
  }
}

/** What the builders (groups, rescale2sd, hier, formula) accept: {@link TableSource} but a path. */
export type InMemoryTableSource = Exclude<TableSource, string>;

/**
 * The Table of an in-memory source, synchronously, for the builders: a Table as it is; records,
 * a column object or a danfojs-like DataFrame converted as {@link loadTable} converts them.
 * A string (a CSV path or text needs reading) and anything else throw a HetfxError that says
 * to call loadTable. `context` starts the message, e.g. "Cannot build model".
 *
 * @example
 * ```ts
 * import { toTable } from "./load_table.ts";
 * const t = toTable({ columns: ["y", "g"], values: [[1, "a"], [2, "b"]] }, "Cannot group");
 * console.assert(t.nRows === 2 && t.columns.g.kind === "factor");
 * ```
 */
export function toTable(source: unknown, context: string): Table {
  if (typeof source === "string") {
    throw new HetfxError(
      `${context}: got a string; read a CSV path or text first: ` +
        "const table = await loadTable(path), then pass the table.",
    );
  }
  if (source !== null && typeof source === "object") {
    if (Array.isArray(source)) return tableFromRecords(source as Record<string, unknown>[]);
    if (isTable(source)) return source;
    if (isDataFrameLike(source)) return tableFromDataFrame(source);
    if (Object.keys(source).length > 0 && isColumnObject(source)) {
      return tableFromColumns(source as Record<string, ColumnValues>);
    }
  }
  throw new HetfxError(
    `${context}: expected a table, got ${
      source === null
        ? "null"
        : typeof source === "object"
        ? "an object that is not one"
        : typeof source
    }; load the data first: const table = await loadTable(data) (records, a column object, a ` +
      "DataFrame or a CSV path).",
  );
}

/** Every value an array or a typed array: a column object. */
function isColumnObject(source: object): boolean {
  return Object.values(source).every((v) => Array.isArray(v) || ArrayBuffer.isView(v));
}

function isTable(source: object): source is Table {
  const candidate = source as Partial<Table>;
  return typeof candidate.nRows === "number" && Array.isArray(candidate.names) &&
    typeof candidate.columns === "object" && candidate.columns !== null &&
    !Array.isArray(candidate.columns);
}

function isDataFrameLike(source: object): source is DataFrameLike {
  const candidate = source as Partial<DataFrameLike>;
  return Array.isArray(candidate.columns) &&
    candidate.columns.every((c: unknown) => typeof c === "string") &&
    Array.isArray(candidate.values) &&
    candidate.values.every((row: unknown) => Array.isArray(row)) &&
    (candidate.values.length === 0 || candidate.values[0].length === candidate.columns.length);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a Date (convert it to a string or a number first)";
  return `a value of type ${typeof value}`;
}
