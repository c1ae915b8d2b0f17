/**
 * The outcome of a fitted model as numbers, row by row: the column's values, or, for an ordinal
 * outcome with declared levels, each row's category 1…K among the fit's categories (its
 * labels), so that LOO and posterior predictive checks read text categories as the fit did.
 */
import { HetfxError } from "../errors.ts";
import { getColumn, isMissing, labelAt, rowNumber, type Table } from "../data/table.ts";
import { categoryLabels } from "../model/ordinal_outcome.ts";
import type { FitResult } from "./fit_result.ts";

/**
 * The outcome values of `table`'s rows for `fit` (categories 1…K with declared levels). A
 * HetfxError (starting with `context`) names a row whose value is not one of the fit's
 * categories, or a non-numeric outcome without levels.
 *
 * @example
 * ```ts ignore
 * const y = outcomeValues(fit, table, "Cannot run pp_check"); // 1…K for "disagree", …
 * ```
 */
export function outcomeValues(fit: FitResult, table: Table, context: string): Float64Array {
  const spec = fit.spec;
  const column = getColumn(table, spec.outcome, context);
  const thresholds = fit.data.thresholds;
  if (spec.outcomeLevels === undefined || thresholds === undefined) {
    if (column.kind !== "number") {
      throw new HetfxError(`${context}: outcome "${spec.outcome}" is not numeric.`);
    }
    return column.values;
  }
  const labels = categoryLabels(thresholds);
  const position = new Map(labels.map((l, k) => [l, k + 1]));
  const y = new Float64Array(table.nRows);
  for (let i = 0; i < y.length; i++) {
    const k = isMissing(column, i) ? undefined : position.get(labelAt(column, i));
    if (k === undefined) {
      throw new HetfxError(
        `${context}: outcome "${spec.outcome}" has "${labelAt(column, i)}" in row ${
          rowNumber(table, i)
        }, ` +
          `which is not one of the fit's categories (${labels.map((l) => `"${l}"`).join(", ")}).`,
      );
    }
    y[i] = k;
  }
  return y;
}
