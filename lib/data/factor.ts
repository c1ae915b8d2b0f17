/**
 * Factor coding: turn a column into a factor with a chosen level order and reference level,
 * read a column as numbers, drop levels no row uses.
 */
import { didYouMean, HetfxError } from "../errors.ts";
import {
  type Column,
  type FactorColumn,
  formatValue,
  getColumn,
  labelAt,
  rowNumber,
  type Table,
  withColumn,
} from "./table.ts";
import { parseDecimal, tooLargeNumber } from "./_parse.ts";
import { checkOptions } from "../options.ts";

/** Options for {@link asFactor}. */
export interface AsFactorOptions {
  /** The level order to use; every observed value must be one of them. */
  levels?: readonly string[];
  /** The reference level, moved to the front (`levels[0]`). */
  reference?: string;
}

/**
 * A table in which column `name` is a factor.
 *
 * Numeric columns get levels in ascending numeric order, labelled with `formatValue`
 * (1 → "1", 0.5 → "0.5"); factor columns keep their level order. `levels` imposes an order
 * (levels no row uses are kept); `reference` then moves one level to the front.
 *
 * @example
 * ```ts
 * import { makeTable } from "./table.ts";
 * import { asFactor } from "./factor.ts";
 * const t = makeTable({ x: { kind: "number", values: new Float64Array([3, 1, 3]) } });
 * const f = asFactor(t, "x", { reference: "3" }).columns.x;
 * console.assert(f.kind === "factor" && f.levels.join() === "3,1");
 * ```
 */
export function asFactor(table: Table, name: string, options: AsFactorOptions = {}): Table {
  const context = `Cannot make column "${name}" a factor`;
  checkOptions(options, ["levels", "reference"], context);
  const column = getColumn(table, name, "Cannot make a factor");
  let factor: FactorColumn = column.kind === "factor" ? column : numberToFactor(column.values);
  if (options.levels !== undefined) factor = withLevels(factor, options.levels, context, table);
  if (options.reference !== undefined) {
    factor = withReference(factor, options.reference, name, context);
  }
  if (factor === column) return table;
  return withColumn(table, name, factor);
}

/**
 * The values of a numeric column. A factor column throws a HetfxError quoting its first
 * value that is not a number and the (1-based) data row it is on.
 *
 * @example
 * ```ts
 * import { makeTable } from "./table.ts";
 * import { numericColumn } from "./factor.ts";
 * const t = makeTable({ y: { kind: "number", values: new Float64Array([0, 1]) } });
 * console.assert(numericColumn(t, "y", "Cannot fit")[1] === 1);
 * ```
 */
export function numericColumn(table: Table, name: string, context: string): Float64Array {
  const column = getColumn(table, name, context);
  if (column.kind === "number") return column.values;
  for (let row = 0; row < column.codes.length; row++) {
    const code = column.codes[row];
    if (code < 0) continue;
    const label = column.levels[code];
    const tooLarge = tooLargeNumber(label);
    if (tooLarge !== "") {
      throw new HetfxError(
        `${context}: column "${name}" row ${rowNumber(table, row)} has "${label}"${tooLarge}; ` +
          "values must be finite: fix that value or leave it missing.",
      );
    }
    if (parseDecimal(label) === undefined) {
      throw new HetfxError(
        `${context}: column "${name}" must be numeric but row ${
          rowNumber(table, row)
        } has "${label}";` +
          " recode it to numbers (for example 0/1) or use it as a factor.",
      );
    }
  }
  throw new HetfxError(
    `${context}: column "${name}" must be numeric but it is a factor (levels ` +
      `${quoteList(column.levels)}); load it without \`factors\` or convert it back to numbers.`,
  );
}

/**
 * For a label written as a decimal too large for a double ("1e999" reads as Infinity), the
 * words a message quotes it with (", a number too large to hold (…)"); else "".
 *
 * @example
 * ```ts
 * import { tooLargeNumberNote } from "./factor.ts";
 * console.assert(tooLargeNumberNote("1e999").includes("too large"));
 * console.assert(tooLargeNumberNote("1e3") === "" && tooLargeNumberNote("abc") === "");
 * ```
 */
export function tooLargeNumberNote(label: string): string {
  return tooLargeNumber(label);
}

/**
 * A table whose factor columns (all, or those named) keep only the levels some row uses,
 * in their original order. Numeric columns are left as they are.
 *
 * @example
 * ```ts
 * import { makeTable } from "./table.ts";
 * import { dropUnusedLevels } from "./factor.ts";
 * const t = makeTable({ g: { kind: "factor", codes: new Int32Array([1, 1]), levels: ["a", "b"] } });
 * const g = dropUnusedLevels(t).columns.g;
 * console.assert(g.kind === "factor" && g.levels.join() === "b");
 * ```
 */
export function dropUnusedLevels(table: Table, names: readonly string[] = table.names): Table {
  let result = table;
  for (const name of names) {
    const column = getColumn(table, name, "Cannot drop unused levels");
    if (column.kind !== "factor") continue;
    const used = new Uint8Array(column.levels.length);
    for (const code of column.codes) if (code >= 0) used[code] = 1;
    if (used.every((u) => u === 1)) continue;
    const remap = new Int32Array(column.levels.length).fill(-1);
    const levels: string[] = [];
    column.levels.forEach((level, i) => {
      if (used[i]) {
        remap[i] = levels.length;
        levels.push(level);
      }
    });
    const codes = column.codes.map((code) => (code < 0 ? -1 : remap[code]));
    result = withColumn(result, name, { ...column, codes, levels });
  }
  return result;
}

/** The distinct labels of a column in level order (numbers ascending, factors by level). */
export function orderedLabels(column: Column): string[] {
  return column.kind === "factor"
    ? [...column.levels]
    : numberToFactor(column.values).levels.slice();
}

function numberToFactor(values: Float64Array): FactorColumn {
  const distinct = [...new Set(Array.from(values).filter((v) => !Number.isNaN(v)))].sort((a, b) =>
    a - b
  );
  const index = new Map<number, number>();
  distinct.forEach((v, i) => index.set(v, i));
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    codes[i] = Number.isNaN(values[i]) ? -1 : index.get(values[i])!;
  }
  return { kind: "factor", codes, levels: distinct.map(formatValue) };
}

function withLevels(
  factor: FactorColumn,
  levels: readonly string[],
  context: string,
  table: Table,
): FactorColumn {
  if (levels.length === 0) {
    throw new HetfxError(`${context}: the \`levels\` given for it are empty; list its levels.`);
  }
  const position = new Map<string, number>();
  for (const level of levels) {
    if (position.has(level)) {
      throw new HetfxError(
        `${context}: level "${level}" is listed twice in \`levels\`; list each level once.`,
      );
    }
    position.set(level, position.size);
  }
  const remap = factor.levels.map((level) => position.get(level) ?? -1);
  const codes = new Int32Array(factor.codes.length);
  for (let row = 0; row < codes.length; row++) {
    const code = factor.codes[row];
    if (code < 0) {
      codes[row] = -1;
      continue;
    }
    const mapped = remap[code];
    if (mapped < 0) {
      const value = labelAt(factor, row);
      throw new HetfxError(
        `${context}: row ${
          rowNumber(table, row)
        } has "${value}", which is not among the levels given ` +
          `(${quoteList(levels)})${didYouMean(value, levels)}; add it to \`levels\` or recode it.`,
      );
    }
    codes[row] = mapped;
  }
  return { kind: "factor", codes, levels: [...levels] };
}

function withReference(
  factor: FactorColumn,
  reference: string,
  name: string,
  context: string,
): FactorColumn {
  const at = factor.levels.indexOf(reference);
  if (at < 0) {
    throw new HetfxError(
      `${context}: reference level "${reference}" is not a level of "${name}"` +
        `${didYouMean(reference, factor.levels)} (levels: ${quoteList(factor.levels)}).`,
    );
  }
  if (at === 0) return factor;
  const levels = [reference, ...factor.levels.filter((_, i) => i !== at)];
  const codes = factor.codes.map((
    code,
  ) => (code < 0 ? -1 : code === at ? 0 : code < at ? code + 1 : code));
  return { kind: "factor", codes, levels };
}

function quoteList(items: readonly string[], max = 10): string {
  const shown = items.slice(0, max).map((s) => `"${s}"`).join(", ");
  return items.length > max ? `${shown}, … ${items.length - max} more` : shown;
}
