/**
 * Rescaling numeric columns: centring, and Gelman's (2008) division by two standard
 * deviations, which puts a continuous predictor on roughly the scale of a 0/1 one (a binary
 * input is only centred, as arm::rescale does by default).
 * Missing values are ignored in the mean and sd and stay missing.
 */
import { HetfxError, showValue } from "../errors.ts";
import { checkOptions } from "../options.ts";
import { type Table, withColumn } from "./table.ts";
import { numericColumn } from "./factor.ts";
import { type InMemoryTableSource, toTable } from "./load_table.ts";

/** Options of {@link rescale2sd}. */
export interface RescaleOptions {
  /** Column for the result (default: `name`, replaced). */
  newName?: string;
  /**
   * A column with exactly two values (0/1, 1/2, …): `"center"` (default, arm::rescale's):
   * x − mean only, so its coefficient stays the difference between its two values, the
   * comparison a 2-sd-scaled input's coefficient is put on; `"full"`: divided by 2 · sd too.
   */
  binary?: "center" | "full";
}

/**
 * A table with `newName` = (x − mean) / (2 · sd) for column `name` (sd with n − 1), Gelman's
 * (2008) scaling; a column with two values is only centred unless `{ binary: "full" }`.
 * The third argument is the new column's name or {@link RescaleOptions}.
 * Throws a HetfxError for a factor column, fewer than two values, or a constant column.
 *
 * @example
 * ```ts
 * import { makeTable } from "./table.ts";
 * import { rescale2sd } from "./rescale.ts";
 * const t = makeTable({ x: { kind: "number", values: new Float64Array([1, 2, 3]) } });
 * const z = rescale2sd(t, "x").columns.x; // mean 2, sd 1
 * console.assert(z.kind === "number" && z.values[2] === 0.5);
 * const male = rescale2sd({ male: [0, 1, 1, 1, 1] }, "male").columns.male; // centred only
 * console.assert(male.kind === "number" && male.values[0] === -0.8);
 * ```
 */
export function rescale2sd(
  source: Table | InMemoryTableSource,
  name: string,
  newNameOrOptions: string | RescaleOptions = name,
): Table {
  const context = `Cannot rescale column "${name}"`;
  const options = typeof newNameOrOptions === "string"
    ? { newName: newNameOrOptions }
    : newNameOrOptions;
  checkOptions(options, ["newName", "binary"], context);
  const { newName = name, binary = "center" } = options;
  if (binary !== "center" && binary !== "full") {
    throw new HetfxError(
      `${context}: option binary must be "center" or "full"; got ${showValue(binary)}.`,
    );
  }
  const table = toTable(source, "Cannot rescale");
  const values = numericColumn(table, name, "Cannot rescale");
  const { mean, sd, n } = moments(values);
  if (n < 2) {
    throw new HetfxError(
      `${context}: it has ${n} non-missing value${n === 1 ? "" : "s"}; a standard deviation ` +
        "needs at least two.",
    );
  }
  const first = values.find((v) => !Number.isNaN(v))!;
  const other = values.findIndex((v) => !Number.isNaN(v) && v !== first);
  if (other < 0) {
    throw new HetfxError(
      `${context}: every value is ${first}, so its standard ` +
        "deviation is 0; drop the column or leave it unscaled.",
    );
  }
  const twoValued = values.every((v) => Number.isNaN(v) || v === first || v === values[other]);
  const scale = twoValued && binary === "center" ? 1 : 2 * sd;
  const out = values.map((v) => (v - mean) / scale);
  return withColumn(table, newName, { kind: "number", values: out });
}

/**
 * A table with `newName` = x − mean(x) for column `name`.
 *
 * @example
 * ```ts
 * import { makeTable } from "./table.ts";
 * import { centre } from "./rescale.ts";
 * const t = makeTable({ x: { kind: "number", values: new Float64Array([1, 2, 6]) } });
 * const c = centre(t, "x").columns.x;
 * console.assert(c.kind === "number" && c.values[0] === -2);
 * ```
 */
export function centre(table: Table, name: string, newName: string = name): Table {
  const values = numericColumn(table, name, "Cannot centre");
  const { mean, n } = moments(values);
  if (n === 0) {
    throw new HetfxError(`Cannot centre column "${name}": every value is missing.`);
  }
  return withColumn(table, newName, { kind: "number", values: values.map((v) => v - mean) });
}

/** Mean, sample sd (n − 1) and count of the non-missing values (two-pass for accuracy). */
function moments(values: Float64Array): { mean: number; sd: number; n: number } {
  let n = 0;
  let sum = 0;
  for (const v of values) {
    if (!Number.isNaN(v)) {
      n++;
      sum += v;
    }
  }
  const mean = n > 0 ? sum / n : NaN;
  let ss = 0;
  for (const v of values) if (!Number.isNaN(v)) ss += (v - mean) * (v - mean);
  return { mean, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : NaN, n };
}
