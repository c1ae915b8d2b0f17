/**
 * Whether a CSV column is numeric or a factor, decided from counts of its cells, and the
 * spellings those counts use (a missing value, a finite decimal, a non-finite token, text).
 * The in-memory loader (load_table.ts) counts the cells in JavaScript; the DuckDB engine
 * (lib/engine/duckdb_csv.ts) counts them in SQL with the same spellings and calls the same
 * rule, so a CSV gets the same column kinds, or the same refusal, through either.
 */
import { HetfxError } from "../errors.ts";
import {
  DECIMAL_SOURCE,
  isMissingCell,
  isNonFiniteToken,
  MISSING_CELLS,
  NON_FINITE_SOURCE,
  parseDecimal,
  SPACE_CHARACTERS,
  tooLargeNumber,
} from "./_parse.ts";

/**
 * The spellings of CSV cells as the loader reads them: every cell is trimmed of `space`
 * (literal characters), then is missing (one of `missing`), a finite decimal (`decimal`, a
 * regular-expression source that also reads in RE2), a non-finite token (`nonFinite`, matched
 * without regard to case) or text.
 *
 * @example
 * ```ts
 * import { CSV_CELLS } from "./csv_column_kind.ts";
 * console.assert(new RegExp(`^${CSV_CELLS.decimal}$`).test("-2.5e3"));
 * console.assert(CSV_CELLS.missing.includes("NA"));
 * ```
 */
export const CSV_CELLS = {
  space: SPACE_CHARACTERS,
  missing: MISSING_CELLS,
  decimal: DECIMAL_SOURCE,
  nonFinite: NON_FINITE_SOURCE,
} as const;

/**
 * What the loader reads one CSV cell as ({@link CSV_CELLS}): "missing" ("" or NA), "number" (a
 * plain finite decimal once trimmed: "1e3", " 1"; its value is {@link csvNumber}'s),
 * "non-finite" ("Inf", "NaN": refused in a numeric column) or "text" ("0x10", "1,5"), in the
 * order load_table.ts's csvColumn tests a cell.
 *
 * @example
 * ```ts
 * import { csvCellKind } from "./csv_column_kind.ts";
 * console.assert(csvCellKind(" 1e3") === "number" && csvCellKind("0x10") === "text");
 * console.assert(csvCellKind("") === "missing" && csvCellKind("-Inf") === "non-finite");
 * ```
 */
export function csvCellKind(cell: string): "missing" | "number" | "non-finite" | "text" {
  if (isMissingCell(cell)) return "missing";
  if (parseDecimal(cell) !== undefined) return "number";
  return isNonFiniteToken(cell) ? "non-finite" : "text";
}

/**
 * The number the loader reads a "number" cell ({@link csvCellKind}) as, else undefined.
 *
 * @example
 * ```ts
 * import { csvNumber } from "./csv_column_kind.ts";
 * console.assert(csvNumber(" 1e3") === 1000 && csvNumber("0x10") === undefined);
 * console.assert(csvNumber("") === undefined);
 * ```
 */
export function csvNumber(cell: string): number | undefined {
  return parseDecimal(cell);
}

/**
 * Whether the loader reads a CSV column of these cells as numbers unless it is declared a
 * factor: none of them is text ({@link csvColumnKind}; a non-finite one is then refused).
 *
 * @example
 * ```ts
 * import { readsAsNumbers } from "./csv_column_kind.ts";
 * console.assert(readsAsNumbers(["1", " 2", "1e3", "", "NA", "Inf"]));
 * console.assert(!readsAsNumbers(["1", "0x10"]));
 * ```
 */
export function readsAsNumbers(cells: readonly string[]): boolean {
  return cells.every((cell) => csvCellKind(cell) !== "text");
}

/** A cell quoted in a message: its 0-based data row and its text as written. */
export interface CsvCell {
  row: number;
  value: string;
}

/** What {@link csvColumnKind} needs to know of a column's non-missing cells. */
export interface CsvColumnCounts {
  /** Cells that are finite decimals. */
  numbers: number;
  /** Cells that are neither missing, nor numbers, nor non-finite tokens. */
  texts: number;
  /** The first text cell (when texts > 0). */
  firstText?: CsvCell;
  /** The first non-finite token ("Inf", "NaN"), if any. */
  firstNonFinite?: CsvCell;
}

const CONTEXT = "Cannot load table";

/**
 * A number written with a decimal comma ("-0,93") or thousands separators ("59,722.5"): a
 * regular-expression source that also reads in RE2 (the DuckDB route matches it in SQL).
 */
export const SEPARATED_NUMBER_SOURCE =
  "[-+]?([0-9]{1,3}([,.' ][0-9]{3})+([.,][0-9]+)?|[0-9]+,[0-9]+)";
const SEPARATED_NUMBER = new RegExp(`^(${SEPARATED_NUMBER_SOURCE})$`);

/**
 * Refuse a column every one of whose (non-missing) cells is text that is a number written with
 * a decimal comma or thousands separators: read as text, each value would become a category of
 * its own (a model with one coefficient per value) without a word. A cell that reads as a plain
 * number ("1.234") is not such text. A column declared a factor is not checked.
 *
 * @example
 * ```ts
 * import { checkNumberFormat } from "./csv_column_kind.ts";
 * checkNumberFormat("region", ["north", "south"]); // text: fine
 * try { checkNumberFormat("x", ["-0,93", "1,25"]); } catch (e) { console.assert(/decimal comma/.test(String(e))); }
 * ```
 */
export function checkNumberFormat(name: string, labels: readonly string[]): void {
  const trimmed = labels.map((l) => l.trim());
  const separated = (l: string) => SEPARATED_NUMBER.test(l) && parseDecimal(l) === undefined;
  if (trimmed.length === 0 || !trimmed.every(separated)) return;
  throw new HetfxError(
    `${CONTEXT}: column "${name}" holds numbers written with a decimal comma or thousands ` +
      `separators ("${trimmed[0]}"), which would be read as text, each value a category of its ` +
      'own; write them with a decimal point and no separators ("-0.93", "59722"), or, if ' +
      `they are categories, declare the column a factor (--factor ${name}).`,
  );
}

/**
 * The kind of a CSV column from its counts: numeric when it has no text cell, else a factor.
 * Throws a HetfxError, naming the column, row and value, for a numeric column with a
 * non-finite token and, unless the column is declared a factor, for a column most of whose
 * values are numbers but some are text (see {@link checkMostlyNumeric}).
 *
 * @example
 * ```ts
 * import { csvColumnKind } from "./csv_column_kind.ts";
 * console.assert(csvColumnKind("x", { numbers: 3, texts: 0 }, false) === "number");
 * console.assert(csvColumnKind("g", { numbers: 1, texts: 2, firstText: { row: 0, value: "a" } }, false) === "factor");
 * ```
 */
export function csvColumnKind(
  name: string,
  counts: CsvColumnCounts,
  declaredFactor: boolean,
): "number" | "factor" {
  const { numbers, texts, firstText, firstNonFinite } = counts;
  if (texts > 0) {
    if (!declaredFactor) {
      checkMostlyNumeric(name, numbers, texts, firstText!.row, firstText!.value);
    }
    return "factor";
  }
  if (firstNonFinite !== undefined) {
    throw new HetfxError(
      `${CONTEXT}: column "${name}" row ${firstNonFinite.row + 1} has "${firstNonFinite.value}"; ` +
        "values must be finite numbers: use an empty cell or NA for a missing value.",
    );
  }
  return "number";
}

/**
 * Refuse a column most of whose values are numbers but some are text: almost always a typo or
 * a stray code ("abc" among numbers) that would silently turn a numeric column into a factor.
 * `firstTextRow` is 0-based; `missing` says what a missing value is in this source (CSV's
 * default; in JavaScript values, null).
 *
 * @example
 * ```ts
 * import { checkMostlyNumeric } from "./csv_column_kind.ts";
 * checkMostlyNumeric("g", 1, 2, 0, "a"); // text is most of the column: a factor, returns
 * ```
 */
export function checkMostlyNumeric(
  name: string,
  numbers: number,
  texts: number,
  firstTextRow: number,
  firstText: string,
  missing = "an empty cell or NA is a missing value",
): void {
  if (texts === 0 || numbers <= texts) return;
  const more = texts > 1 ? ` (and ${texts - 1} more non-numeric value${texts > 2 ? "s" : ""})` : "";
  const tooLarge = tooLargeNumber(firstText);
  throw new HetfxError(
    `${CONTEXT}: column "${name}" looks numeric (${numbers} of ${numbers + texts} values are ` +
      `numbers) but row ${firstTextRow + 1} has ${JSON.stringify(firstText)}${tooLarge}${more}; ` +
      `${tooLarge === "" ? "" : "values must be finite: "}fix that ` +
      `value or blank it (${missing}), or, if "${name}" is ` +
      `categorical, declare it: loadTable(source, { factors: ["${name}"] }).`,
  );
}
