/**
 * Private helpers for reading numbers out of text cells. Not exported from mod.ts. The patterns
 * are kept as sources (no anchors, no flags) so that csv_column_kind.ts can hand the same rules
 * to DuckDB's regular expressions.
 */

/**
 * The characters String.prototype.trim removes (ECMAScript's white space and line
 * terminators), as literal characters.
 */
export const SPACE_CHARACTERS = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005" +
  "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff";

/** A plain finite decimal as a cell spells it, once trimmed ("3", "-2.5", "1e3", ".5"). */
export const DECIMAL_SOURCE = "[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?";

/** A non-finite number token, once trimmed, matched without regard to case ("NaN", "-Inf"). */
export const NON_FINITE_SOURCE = "[+-]?(?:inf|infinity|nan)";

/** The spellings of a missing value in a CSV cell, once trimmed. */
export const MISSING_CELLS: readonly string[] = ["", "NA"];

const DECIMAL = new RegExp(`^${DECIMAL_SOURCE}$`);
const NON_FINITE = new RegExp(`^${NON_FINITE_SOURCE}$`, "i");

/** The number a cell spells as a plain finite decimal ("3", "-2.5", "1e3", " 4 "), else undefined. */
export function parseDecimal(cell: string): number | undefined {
  const text = cell.trim();
  if (!DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * For a cell written as a decimal too large for a double ("1e999", "-2e400": JavaScript reads
 * it as ±Infinity), the words a message quotes it with: ', a number too large to hold (it reads
 * as Infinity; the largest is about 1.8e308)'. Else "" (the loader reads such a cell as text).
 */
export function tooLargeNumber(cell: string): string {
  const text = cell.trim();
  if (!DECIMAL.test(text) || Number.isFinite(Number(text))) return "";
  const sign = Number(text) < 0 ? "-" : "";
  return `, a number too large to hold (it reads as ${sign}Infinity; the largest is about 1.8e308)`;
}

/** True for cells such as "NaN", "Inf", "-Infinity" (any case). */
export function isNonFiniteToken(cell: string): boolean {
  return NON_FINITE.test(cell.trim());
}

/** True for the CSV spellings of a missing value: an empty cell or "NA". */
export function isMissingCell(cell: string): boolean {
  return MISSING_CELLS.includes(cell.trim());
}
