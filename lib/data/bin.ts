/**
 * Binning a continuous column into an interval factor, as R's
 * `cut(x, breaks, include.lowest = TRUE)`: right-closed intervals, the lowest one closed on
 * both sides ("[18,35]", "(35,52]", …). Quantile breaks are R's type-7 quantiles
 * (`quantile(x, seq(0, 1, length.out = k + 1))`).
 *
 * Heavy ties can make quantile breaks coincide (R's `cut` then stops with "breaks are not
 * unique"); here equal breaks are merged, so fewer bins result. {@link binBreaks} reports the
 * number asked for and the number made, so callers can say so.
 */
import { HetfxError, showValue } from "../errors.ts";
import { rowNumber, type Table, withColumn } from "./table.ts";
import { numericColumn } from "./factor.ts";

/** How to bin: `k` quantile bins of (about) equal size, or explicit breaks. */
export type BinSpec = { quantiles: number } | { breaks: ArrayLike<number> };

/** The breaks and labels a BinSpec gives for some values. */
export interface BinBreaks {
  /** Strictly increasing break points; bin j is (breaks[j], breaks[j+1]], the first closed. */
  breaks: number[];
  /** One label per bin. */
  labels: string[];
  /** Bins asked for (quantiles) or implied by the breaks given. */
  requestedBins: number;
}

/**
 * R's type-7 sample quantile of `values` (missing values ignored) at probability k / q,
 * computed with exact integer arithmetic so 1/3 × 9 is exactly 3.
 *
 * @example
 * ```ts
 * import { quantileType7 } from "./bin.ts";
 * const x = new Float64Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
 * console.assert(quantileType7(x, 1, 3) === 4);
 * ```
 */
export function quantileType7(values: ArrayLike<number>, k: number, q: number): number {
  const sorted = sortedFinite(values);
  return quantileOfSorted(sorted, k, q);
}

/**
 * The breaks and interval labels `spec` gives for `values` (missing values ignored).
 *
 * @example
 * ```ts
 * import { binBreaks } from "./bin.ts";
 * const b = binBreaks(new Float64Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), { quantiles: 3 });
 * console.assert(b.labels.join(" ") === "[1,4] (4,7] (7,10]");
 * ```
 */
export function binBreaks(values: ArrayLike<number>, spec: BinSpec, name = "x"): BinBreaks {
  const context = `Cannot bin column "${name}"`;
  const sorted = sortedFinite(values);
  if (sorted.length === 0) throw new HetfxError(`${context}: every value is missing.`);
  let breaks: number[];
  let requestedBins: number;
  if (spec === null || typeof spec !== "object") {
    throw new HetfxError(
      `${context}: give { quantiles: k } or { breaks: [b0, b1, …] } to say how to bin it; ` +
        `got ${showValue(spec)}.`,
    );
  }
  // Exactly one of the two: with both, one would be dropped without a word.
  const keys = Object.keys(spec);
  const unknown = keys.find((k) => k !== "quantiles" && k !== "breaks");
  if (unknown !== undefined || ("quantiles" in spec && "breaks" in spec)) {
    throw new HetfxError(
      `${context}: give either { quantiles: k } or { breaks: [b0, b1, …] }; got ` +
        `{ ${keys.join(", ")} }.`,
    );
  }
  if ("quantiles" in spec) {
    const q = spec.quantiles;
    if (!Number.isInteger(q) || q < 2) {
      throw new HetfxError(
        `${context}: \`quantiles\` must be a whole number of bins, 2 or more; got ${showValue(q)}.`,
      );
    }
    requestedBins = q;
    breaks = [];
    for (let k = 0; k <= q; k++) {
      const b = quantileOfSorted(sorted, k, q);
      if (breaks.length === 0 || b > breaks[breaks.length - 1]) breaks.push(b);
    }
    if (breaks.length < 2) {
      throw new HetfxError(
        `${context}: every value is ${sorted[0]}, so there is nothing to bin; use it as it is.`,
      );
    }
  } else if ("breaks" in spec) {
    const given = breakList(spec.breaks, context);
    if (given.length < 2 || given.some((b) => !Number.isFinite(b))) {
      throw new HetfxError(
        `${context}: \`breaks\` must be two or more finite numbers; got ` +
          `[${given.map(showValue).join(", ")}].`,
      );
    }
    breaks = given as number[];
    requestedBins = breaks.length - 1;
    for (let j = 1; j < breaks.length; j++) {
      if (!(breaks[j] > breaks[j - 1])) {
        throw new HetfxError(
          `${context}: \`breaks\` must increase strictly; got [${breaks.join(", ")}] ` +
            `(${breaks[j]} after ${breaks[j - 1]}).`,
        );
      }
    }
  } else {
    throw new HetfxError(
      `${context}: give { quantiles: k } or { breaks: [b0, b1, …] } to say how to bin it.`,
    );
  }
  return { breaks, labels: intervalLabels(breaks), requestedBins };
}

/**
 * The breaks given as any array-like (an Array, a Float64Array, …), copied; a HetfxError saying
 * what to give for anything else.
 */
function breakList(breaks: unknown, context: string): unknown[] {
  const length = typeof breaks === "object" && breaks !== null
    ? (breaks as { length?: unknown }).length
    : undefined;
  if (typeof length !== "number" || !Number.isInteger(length) || length < 0) {
    throw new HetfxError(
      `${context}: \`breaks\` must be an array of numbers ({ breaks: [b0, b1, …] }); got ` +
        `${showValue(breaks)}.`,
    );
  }
  return Array.from(breaks as ArrayLike<unknown>);
}

/**
 * Labels for the intervals between `breaks` as R's `cut(…, include.lowest = TRUE)` writes
 * them: 3 significant digits, more only where neighbouring breaks would print the same (up to
 * 17, so that distinct breaks never share a label).
 * Numbers are written without scientific notation ("25000", not R's "2.5e+04").
 *
 * @example
 * ```ts
 * import { intervalLabels } from "./bin.ts";
 * console.assert(intervalLabels([0, 1 / 3, 1]).join(" ") === "[0,0.333] (0.333,1]");
 * ```
 */
export function intervalLabels(breaks: readonly number[], digits = 3): string[] {
  let text = breaks.map((b) => formatSignificant(b, digits));
  // R stops at 12 digits (its labels may then repeat); 17 tell any two doubles apart.
  for (let dig = digits; dig <= Math.max(17, digits); dig++) {
    text = breaks.map((b) => formatSignificant(b, dig));
    if (text.every((t, j) => j === 0 || t !== text[j - 1])) break;
  }
  const labels: string[] = [];
  for (let j = 0; j + 1 < text.length; j++) {
    labels.push(`${j === 0 ? "[" : "("}${text[j]},${text[j + 1]}]`);
  }
  return labels;
}

/**
 * The bounds of an interval label as {@link intervalLabels} (R's `cut`) writes it — "[18,35]",
 * "(35,52]" — or null for any other text. Orders the levels of a binned column where they are
 * compared as text ("(35,52]" would sort before "[18,35]").
 *
 * @example
 * ```ts
 * import { intervalBounds } from "./bin.ts";
 * console.assert(intervalBounds("(-1.2,0.5]")?.join() === "-1.2,0.5");
 * console.assert(intervalBounds("low") === null);
 * ```
 */
export function intervalBounds(label: string): [number, number] | null {
  const m = /^[\[(]([^,\[\]()]+),([^,\[\]()]+)\]$/.exec(label);
  if (m === null) return null;
  const lo = Number(m[1]), hi = Number(m[2]);
  return m[1].trim() !== "" && m[2].trim() !== "" && lo <= hi ? [lo, hi] : null;
}

/**
 * A table with a factor column `newName` (default `${name}_bin`) holding the interval of
 * each value of numeric column `name`; missing values stay missing. A value outside explicit
 * breaks throws a HetfxError naming it and its row. The column records `name` (`binned.from`)
 * and, when ties merged quantile breaks, a note saying how many bins it has (`binned.note`),
 * which a fit whose model reads the column shows among its warnings.
 *
 * @example
 * ```ts
 * import { makeTable } from "./table.ts";
 * import { binColumn } from "./bin.ts";
 * const t = makeTable({ age: { kind: "number", values: new Float64Array([18, 40, 60]) } });
 * const b = binColumn(t, "age", { breaks: [18, 35, 60] }).columns.age_bin;
 * console.assert(b.kind === "factor" && b.levels[b.codes[1]] === "(35,60]");
 * ```
 */
export function binColumn(
  table: Table,
  name: string,
  spec: BinSpec,
  newName: string = `${name}_bin`,
): Table {
  const values = numericColumn(table, name, "Cannot bin");
  const { breaks, labels, requestedBins } = binBreaks(values, spec, name);
  const codes = new Int32Array(values.length);
  const last = breaks.length - 1;
  for (let row = 0; row < values.length; row++) {
    const v = values[row];
    if (Number.isNaN(v)) {
      codes[row] = -1;
      continue;
    }
    if (v < breaks[0] || v > breaks[last]) {
      throw new HetfxError(
        `Cannot bin column "${name}": row ${rowNumber(table, row)} has ${v}, outside the breaks ` +
          `[${breaks[0]}, ${breaks[last]}]; widen the first or last break to include it.`,
      );
    }
    let j = 0;
    while (j < last - 1 && v > breaks[j + 1]) j++;
    codes[row] = j;
  }
  const made = labels.length;
  const note = made < requestedBins
    ? `"${newName}": ties in "${name}" merged equal quantile breaks, so it has ${made} ` +
      `bin${made === 1 ? "" : "s"}, not ${requestedBins}.`
    : undefined;
  const binned = { from: name, ...(note === undefined ? {} : { note }) };
  return withColumn(table, newName, { kind: "factor", codes, levels: labels, binned });
}

function sortedFinite(values: ArrayLike<number>): Float64Array {
  const kept: number[] = [];
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) kept.push(values[i]);
  return Float64Array.from(kept).sort();
}

function quantileOfSorted(sorted: Float64Array, k: number, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const numerator = (n - 1) * k;
  const lo = Math.floor(numerator / q);
  const remainder = numerator - lo * q;
  if (remainder === 0 || lo + 1 >= n) return sorted[lo];
  const h = remainder / q;
  const a = sorted[lo];
  const b = sorted[lo + 1];
  return a === b ? a : (1 - h) * a + h * b;
}

/** `x` to `digits` significant digits, trailing zeros dropped, never in scientific notation. */
function formatSignificant(x: number, digits: number): string {
  if (x === 0) return "0";
  return plainDecimal(Number(x.toPrecision(digits)));
}

/** A number's shortest digits written out in full: 1e-7 as "0.0000001", 1e21 with its zeros. */
function plainDecimal(x: number): string {
  const text = String(x);
  if (!text.includes("e")) return text;
  const [mantissa, exponent] = x.toExponential().split("e");
  const sign = x < 0 ? "-" : "";
  const digits = mantissa.replace("-", "").replace(".", "");
  const e = Number(exponent);
  return e < 0 ? `${sign}0.${"0".repeat(-e - 1)}${digits}` : `${sign}${digits.padEnd(e + 1, "0")}`;
}
