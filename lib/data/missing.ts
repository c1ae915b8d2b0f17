/**
 * Missing values: count them, drop incomplete rows, or refuse to go on when a model's
 * columns have any.
 */
import { HetfxError } from "../errors.ts";
import { getColumn, isMissing, type Table, takeRows } from "./table.ts";

/** What {@link dropMissingRows} did. */
export interface DropMissingResult {
  /** The rows complete on the columns checked. */
  table: Table;
  /** How many rows were dropped. */
  droppedRows: number;
  /** Missing values per checked column, counted before dropping. */
  byColumn: Record<string, number>;
}

/**
 * The number of missing values in each column (all columns, or those named).
 *
 * @example
 * ```ts
 * import { makeTable } from "./table.ts";
 * import { countMissing } from "./missing.ts";
 * const t = makeTable({ x: { kind: "number", values: new Float64Array([1, NaN, NaN]) } });
 * console.assert(countMissing(t).x === 2);
 * ```
 */
export function countMissing(
  table: Table,
  columns: readonly string[] = table.names,
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of columns) {
    const column = getColumn(table, name, "Cannot count missing values");
    let count = 0;
    for (let row = 0; row < table.nRows; row++) if (isMissing(column, row)) count++;
    counts[name] = count;
  }
  return counts;
}

/**
 * The rows with no missing value in any of `columns` (default: all columns). Throws a
 * HetfxError naming the responsible columns when no row would be left.
 *
 * @example
 * ```ts
 * import { makeTable } from "./table.ts";
 * import { dropMissingRows } from "./missing.ts";
 * const t = makeTable({ x: { kind: "number", values: new Float64Array([1, NaN, 3]) } });
 * const { table, droppedRows } = dropMissingRows(t);
 * console.assert(table.nRows === 2 && droppedRows === 1);
 * ```
 */
export function dropMissingRows(
  table: Table,
  columns: readonly string[] = table.names,
): DropMissingResult {
  const byColumn = countMissing(table, columns);
  const keep: number[] = [];
  const checked = columns.map((name) => table.columns[name]);
  for (let row = 0; row < table.nRows; row++) {
    if (!checked.some((column) => isMissing(column, row))) keep.push(row);
  }
  if (keep.length === 0 && table.nRows > 0) {
    const responsible = columns
      .filter((name) => byColumn[name] > 0)
      .sort((a, b) => byColumn[b] - byColumn[a])
      .map((name) => `"${name}" (${byColumn[name]} of ${table.nRows} missing)`);
    throw new HetfxError(
      `Cannot drop missing values: every row has a missing value in at least one of ` +
        `${responsible.join(", ")}; fill those columns in or leave them out of the model, ` +
        `and if some are not model columns, drop missing values only in the model's columns ` +
        `(dropMissing: ["y", "treat", …]).`,
    );
  }
  const dropped = table.nRows - keep.length;
  return { table: dropped === 0 ? table : takeRows(table, keep), droppedRows: dropped, byColumn };
}

/**
 * {@link dropMissingRows}, with what it dropped recorded on the table (`droppedMissing`, counts
 * added to any earlier record) so that a fit's warnings say it; `by` names what dropped them
 * when it is not loadTable's `dropMissing` (e.g. a data preparation's complete-case rule).
 *
 * @example
 * ```ts
 * import { makeTable } from "./table.ts";
 * import { dropMissingRecorded } from "./missing.ts";
 * const t = makeTable({ y: { kind: "number", values: Float64Array.of(1, NaN, 3) } });
 * console.assert(dropMissingRecorded(t, ["y"]).droppedMissing?.rows === 1);
 * ```
 */
export function dropMissingRecorded(
  table: Table,
  columns: readonly string[],
  by?: string,
): Table {
  const dropped = dropMissingRows(table, columns);
  const before = table.droppedMissing;
  const byColumn: Record<string, number> = { ...before?.byColumn };
  for (const [name, n] of Object.entries(dropped.byColumn)) {
    if (n > 0) byColumn[name] = (byColumn[name] ?? 0) + n;
  }
  const rows = (before?.rows ?? 0) + dropped.droppedRows;
  if (rows === 0) return dropped.table;
  return { ...dropped.table, droppedMissing: { rows, byColumn, ...(by ? { by } : {}) } };
}

/**
 * Throw a HetfxError when any of `columns` has a missing value, listing each such column
 * with its count and suggesting `dropMissing`. `context` starts the message
 * ("Cannot build model"). The advice for a binned column names the column it was binned from
 * ("age" for "age_bin"), which the loaded data have.
 *
 * @example
 * ```ts
 * import { makeTable } from "./table.ts";
 * import { requireComplete } from "./missing.ts";
 * const t = makeTable({ x: { kind: "number", values: new Float64Array([1, 2]) } });
 * requireComplete(t, ["x"], "Cannot build model"); // no missing values: returns
 * ```
 */
export function requireComplete(table: Table, columns: readonly string[], context: string): void {
  const counts = countMissing(table, columns);
  if (!columns.some((name) => counts[name] > 0)) return;
  const binnedFrom = new Map<string, string>();
  for (const name of columns) {
    const column = table.columns[name];
    if (column?.kind === "factor" && column.binned) binnedFrom.set(name, column.binned.from);
  }
  throw missingValuesError(counts, context, binnedFrom);
}

/**
 * The error {@link requireComplete} throws for these missing-value counts per column (columns
 * with none left out of the message); the DuckDB engine, which counts in SQL, throws it too.
 *
 * @example
 * ```ts
 * import { missingValuesError } from "./missing.ts";
 * const e = missingValuesError({ y: 2, x: 0 }, "Cannot build model");
 * console.assert(e.message.startsWith('Cannot build model: missing values in "y" (2 rows).'));
 * ```
 */
export function missingValuesError(
  counts: Record<string, number>,
  context: string,
  binnedFrom: ReadonlyMap<string, string> = new Map(),
): HetfxError {
  const incomplete = Object.keys(counts).filter((name) => counts[name] > 0);
  const listed = incomplete.map((name) => {
    const rows = `${counts[name]} ${counts[name] === 1 ? "row" : "rows"}`;
    const from = binnedFrom.get(name);
    return `"${name}" (${rows}${from === undefined ? "" : `, where "${from}" is missing`})`;
  }).join(", ");
  // A binned column is not in the data as loaded: drop rows missing what it was binned from.
  const sources = [...new Set(incomplete.map((name) => binnedFrom.get(name) ?? name))];
  const rebin = incomplete.some((name) => binnedFrom.has(name))
    ? " Then bin the rows that are left."
    : "";
  return new HetfxError(
    `${context}: missing values in ${listed}. ${dropMissingAdvice(sources)}${rebin}`,
  );
}

/**
 * The advice on missing values in `columns`, as every such message ends (the command line
 * words it as --drop-missing).
 *
 * @example
 * ```ts
 * import { dropMissingAdvice } from "./missing.ts";
 * console.assert(dropMissingAdvice(["w"]).includes('{ dropMissing: ["w"] }'));
 * ```
 */
export function dropMissingAdvice(columns: readonly string[]): string {
  const names = columns.map((name) => `"${name}"`).join(", ");
  return "Drop incomplete rows first: " +
    `loadTable(source, { dropMissing: true }) drops rows missing in any column, ` +
    `{ dropMissing: [${names}] } or dropMissingRows(table, [${names}]) only in these.`;
}
