/** Private helpers for reading numbers out of text cells. Not exported from mod.ts. */

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:inf|infinity|nan)$/i;

/** The number a cell spells as a plain finite decimal ("3", "-2.5", "1e3", " 4 "), else undefined. */
export function parseDecimal(cell: string): number | undefined {
  const text = cell.trim();
  if (!DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** True for cells such as "NaN", "Inf", "-Infinity" (any case). */
export function isNonFiniteToken(cell: string): boolean {
  return NON_FINITE.test(cell.trim());
}

/** True for the CSV spellings of a missing value: an empty cell or "NA". */
export function isMissingCell(cell: string): boolean {
  const text = cell.trim();
  return text === "" || text === "NA";
}
