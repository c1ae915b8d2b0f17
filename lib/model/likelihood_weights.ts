/**
 * Likelihood weights (brms `y | weights(w) ~ …`): the checked weight column of a spec, with
 * messages naming the column and row for values that cannot be weights.
 */
import { HetfxError } from "../errors.ts";
import { rowNumber, type Table } from "../data/table.ts";
import { numericColumn } from "../data/factor.ts";
import { dropMissingAdvice } from "../data/missing.ts";
import type { ModelSpec } from "../spec/model_spec.ts";

/**
 * The weights of `spec` on `table` (null when the spec has none). Each row's log-likelihood is
 * multiplied by its weight (brms semantics), so weights must be finite and non-negative, and
 * not all 0; a HetfxError names the column and the row of the user's data otherwise.
 *
 * @example
 * ```ts
 * import { likelihoodWeights } from "./likelihood_weights.ts";
 * import { makeTable } from "../data/table.ts";
 * const t = makeTable({ w: { kind: "number", values: Float64Array.of(1, -2) } });
 * const spec = { hetfx: 1 as const, outcome: "y", family: "gaussian" as const, weights: "w",
 *   intercept: true, treatment: null, terms: [], groupTerms: [], priors: [] };
 * let message = "";
 * try { likelihoodWeights(spec, t); } catch (e) { message = String(e); }
 * console.assert(message.includes('"w"') && message.includes("row 2"));
 * ```
 */
export function likelihoodWeights(spec: ModelSpec, table: Table, context = "Cannot build model") {
  if (spec.weights === undefined) return null;
  const name = spec.weights;
  const w = numericColumn(table, name, context);
  let total = 0;
  for (let i = 0; i < w.length; i++) {
    const v = w[i];
    if (Number.isNaN(v)) {
      // NaN in a table is a missing value (an empty cell, NA or null; loadTable refuses NaN).
      throw new HetfxError(
        `${context}: weights column "${name}" is missing in row ${
          rowNumber(table, i)
        } (an empty cell, NA or ` +
          `null); fill it in (a weight of 0 leaves a row out of the likelihood). ` +
          dropMissingAdvice([name]),
      );
    }
    if (!Number.isFinite(v) || v < 0) throw badWeightError(name, rowNumber(table, i), v, context);
    total += v;
  }
  if (w.length > 0 && total === 0) {
    throw new HetfxError(
      `${context}: weights "${name}" are 0 in every row (all ${w.length}), so no row ` +
        `enters the likelihood; give the rows positive weights.`,
    );
  }
  return w;
}

/**
 * The refusal of weight `value` in 1-based `row` of weights column `name`: negative or not
 * finite (the in-memory check above; the DuckDB engine's per-row check).
 *
 * @example
 * ```ts
 * import { badWeightError } from "./likelihood_weights.ts";
 * console.assert(badWeightError("w", 3, -1).message.includes("row 3 has -1"));
 * ```
 */
export function badWeightError(
  name: string,
  row: number,
  value: number,
  context = "Cannot build model",
): HetfxError {
  return new HetfxError(
    `${context}: weights "${name}" must be finite and non-negative, but row ${row} has ` +
      `${value}; fix or drop that row (a weight of 0 leaves a row out of the likelihood).`,
  );
}
