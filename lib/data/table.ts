/**
 * The one internal table: column-oriented, numbers in Float64Array (NaN = missing),
 * strings dictionary-coded (code -1 = missing). Every loader in lib/data produces it;
 * nothing else in hetfx reads user data in any other shape.
 */
import { didYouMean, HetfxError } from "../errors.ts";

/** A numeric column. Missing values are NaN. */
export interface NumericColumn {
  readonly kind: "number";
  readonly values: Float64Array;
}

/** A categorical column: `codes[i]` indexes `levels`; -1 is missing. `levels[0]` is the reference. */
export interface FactorColumn {
  readonly kind: "factor";
  readonly codes: Int32Array;
  readonly levels: readonly string[];
  /** Set by binColumn (lib/data/bin.ts): what the intervals were cut from. */
  readonly binned?: BinnedFrom;
}

/** Where a binned column came from, and what a fit reading it must say. */
export interface BinnedFrom {
  /** The numeric column cut into intervals ("age" for "age_bin"). */
  readonly from: string;
  /** Fewer bins than asked for (ties merged quantile breaks); a fit repeats it in its warnings. */
  readonly note?: string;
}

export type Column = NumericColumn | FactorColumn;

/** A column-oriented table with a fixed row count. Treat it as immutable. */
export interface Table {
  readonly nRows: number;
  /** Column names in their original order. */
  readonly names: readonly string[];
  readonly columns: Readonly<Record<string, Column>>;
  /**
   * Rows that loadTable's `dropMissing` removed (and the missing values per column), so a fit
   * can say so; kept by {@link withColumn} ({@link keepDroppedMissing}), absent when nothing was
   * dropped.
   */
  readonly droppedMissing?: DroppedMissing;
  /**
   * The 1-based number, in the data loaded, of each row, once rows were left out
   * ({@link takeRows}: dropMissing); absent when row i is row i + 1. Read it with
   * {@link rowNumber}, so that a message names the row of the user's data.
   */
  readonly rowNumbers?: Int32Array;
  /** What loading changed silently otherwise (e.g. spaces trimmed from CSV column names). */
  readonly warnings?: readonly string[];
}

/** What loadTable's `dropMissing` (or a data preparation's complete-case rule) removed. */
export interface DroppedMissing {
  rows: number;
  byColumn: Readonly<Record<string, number>>;
  /** What dropped them, when not `dropMissing` (e.g. "the Bush & Prather preparation"). */
  by?: string;
}

/** Build a Table from named columns, checking that lengths agree. */
export function makeTable(
  columns: Record<string, Column>,
  names: readonly string[] = Object.keys(columns),
): Table {
  let nRows = -1;
  for (const name of names) {
    const column = columns[name];
    const length = column.kind === "number" ? column.values.length : column.codes.length;
    if (nRows === -1) nRows = length;
    else if (length !== nRows) {
      throw new HetfxError(
        `Cannot build table: column "${name}" has ${length} rows but earlier columns have ${nRows}.`,
      );
    }
  }
  return { nRows: Math.max(nRows, 0), names: [...names], columns: { ...columns } };
}

/**
 * Throw a HetfxError unless `value` is a Table (records, column objects and DataFrames go
 * through loadTable first).
 *
 * @example
 * ```ts
 * import { makeTable, requireTable } from "./table.ts";
 * requireTable(makeTable({ y: { kind: "number", values: new Float64Array([1]) } }), "Cannot build model");
 * ```
 */
export function requireTable(value: unknown, context: string): asserts value is Table {
  const t = value as Partial<Table> | null;
  if (
    t !== null && typeof t === "object" && typeof t.nRows === "number" &&
    Array.isArray(t.names) && typeof t.columns === "object" && t.columns !== null
  ) return;
  const got = Array.isArray(value)
    ? "an array (of records?)"
    : value === null || typeof value !== "object"
    ? String(value === null ? "null" : typeof value)
    : "an object that is not a hetfx table (a DataFrame or a column object?)";
  throw new HetfxError(
    `${context}: expected a table, got ${got}; load the data first: ` +
      "const table = await loadTable(data) (records, columns, a DataFrame or a CSV path).",
  );
}

/**
 * The column called `name`, or a HetfxError naming the closest existing column (a name such as
 * "toString" or "constructor" is a column only when the data have one, not the object's
 * inherited property).
 */
export function getColumn(table: Table, name: string, context = "Cannot build model"): Column {
  const column = Object.hasOwn(table.columns, name) ? table.columns[name] : undefined;
  if (column === undefined) throw columnNotFound(name, table.names, context);
  return column;
}

/**
 * The error for a column `name` not among the data's `names`: the closest name, then every
 * name (getColumn's message, for data whose names are known before a Table is made).
 *
 * @example
 * ```ts
 * import { columnNotFound } from "./table.ts";
 * const e = columnNotFound("aliance", ["alliance", "y"]);
 * console.assert(e.message.includes('did you mean "alliance"?'));
 * ```
 */
export function columnNotFound(
  name: string,
  names: readonly string[],
  context = "Cannot build model",
): HetfxError {
  return new HetfxError(
    `${context}: column "${name}" not found${didYouMean(name, names)}` +
      ` (columns: ${names.join(", ")}).`,
  );
}

/** Format a number as a level label: integers without decimals, others as JS prints them. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NA";
  return Number.isInteger(value) ? value.toFixed(0) : String(value);
}

/** The value of row `row` of a column as a label string ("NA" when missing). */
export function labelAt(column: Column, row: number): string {
  if (column.kind === "number") return formatValue(column.values[row]);
  const code = column.codes[row];
  return code < 0 ? "NA" : column.levels[code];
}

/** True when row `row` of the column is missing. */
export function isMissing(column: Column, row: number): boolean {
  return column.kind === "number" ? Number.isNaN(column.values[row]) : column.codes[row] < 0;
}

/**
 * True when two columns of the same length hold the same value in every row, as labels
 * (a factor's level order aside): the same column object, or an equal copy.
 *
 * @example
 * ```ts
 * import { sameColumn } from "./table.ts";
 * const a = { kind: "factor" as const, codes: new Int32Array([0, 1]), levels: ["x", "y"] };
 * const b = { kind: "factor" as const, codes: new Int32Array([1, 0]), levels: ["y", "x"] };
 * console.assert(sameColumn(a, b));
 * ```
 */
export function sameColumn(a: Column, b: Column): boolean {
  if (a === b) return true;
  const n = a.kind === "number" ? a.values.length : a.codes.length;
  if (n !== (b.kind === "number" ? b.values.length : b.codes.length)) return false;
  for (let row = 0; row < n; row++) if (labelAt(a, row) !== labelAt(b, row)) return false;
  return true;
}

/**
 * The 1-based number, in the user's data, of row `row` (0-based) of `table`: `row + 1` unless
 * rows were left out before (`rowNumbers`). Every "row N" of a message about a table's rows
 * goes through it.
 *
 * @example
 * ```ts
 * import { makeTable, rowNumber, takeRows } from "./table.ts";
 * const t = makeTable({ y: { kind: "number", values: Float64Array.of(1, NaN, 3) } });
 * console.assert(rowNumber(t, 1) === 2 && rowNumber(takeRows(t, [0, 2]), 1) === 3);
 * ```
 */
export function rowNumber(table: Table, row: number): number {
  return table.rowNumbers?.[row] ?? row + 1;
}

/** A new table with `column` added or replaced under `name` (order kept; new names go last). */
export function withColumn(table: Table, name: string, column: Column): Table {
  const names = table.names.includes(name) ? table.names : [...table.names, name];
  const result = makeTable({ ...table.columns, [name]: column }, [...names]);
  const kept = table.rowNumbers ? { ...result, rowNumbers: table.rowNumbers } : result;
  return keepDroppedMissing(kept, table);
}

/**
 * `table` carrying `from`'s record of rows dropped for missing values (its `droppedMissing`),
 * when `from` has one: a table made from another's columns keeps it, so that the fit says so.
 *
 * @example
 * ```ts
 * import { keepDroppedMissing, makeTable } from "./table.ts";
 * const y = { kind: "number" as const, values: Float64Array.of(1) };
 * const from = { ...makeTable({ y }), droppedMissing: { rows: 2, byColumn: { y: 2 } } };
 * console.assert(keepDroppedMissing(makeTable({ y }), from).droppedMissing?.rows === 2);
 * ```
 */
export function keepDroppedMissing(table: Table, from: Table): Table {
  return from.droppedMissing ? { ...table, droppedMissing: from.droppedMissing } : table;
}

/**
 * A new table with only the rows whose index is listed, in that order; each keeps its number
 * in the user's data (`rowNumbers`, {@link rowNumber}).
 */
export function takeRows(table: Table, rows: ArrayLike<number>): Table {
  const columns: Record<string, Column> = {};
  for (const name of table.names) {
    const column = table.columns[name];
    if (column.kind === "number") {
      const values = new Float64Array(rows.length);
      for (let i = 0; i < rows.length; i++) values[i] = column.values[rows[i]];
      columns[name] = { kind: "number", values };
    } else {
      const codes = new Int32Array(rows.length);
      for (let i = 0; i < rows.length; i++) codes[i] = column.codes[rows[i]];
      columns[name] = { ...column, codes };
    }
  }
  const rowNumbers = Int32Array.from({ length: rows.length }, (_, i) => rowNumber(table, rows[i]));
  return { ...makeTable(columns, table.names as string[]), rowNumbers };
}
