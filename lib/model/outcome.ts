/**
 * Checks that the outcome (and trials) suit the family, with messages naming the row and value.
 */
import { HetfxError } from "../errors.ts";
import { getColumn, type Table } from "../data/table.ts";
import { numericColumn } from "../data/factor.ts";
import type { ModelSpec } from "../spec/model_spec.ts";

/**
 * The outcome values, after checking them against the family.
 *
 * @example
 * ```ts
 * import { checkOutcome } from "./outcome.ts";
 * import { makeTable } from "../data/table.ts";
 * const t = makeTable({ y: { kind: "number", values: new Float64Array([0, 2]) } });
 * const spec = { hetfx: 1 as const, outcome: "y", family: "bernoulli" as const, intercept: true,
 *   treatment: null, terms: [], groupTerms: [], priors: [] };
 * try { checkOutcome(spec, t); } catch (e) { console.assert(String(e).includes("row 2")); }
 * ```
 */
export function checkOutcome(spec: ModelSpec, table: Table): Float64Array {
  const context = "Cannot build model";
  const column = getColumn(table, spec.outcome, context);
  if (column.kind === "factor") {
    const row = column.codes.findIndex((c) => c >= 0 && !Number.isFinite(Number(column.levels[c])));
    if (row >= 0) {
      throw new HetfxError(
        `${context}: the outcome "${spec.outcome}" must be numeric, but row ${row + 1} has ` +
          `"${column.levels[column.codes[row]]}"; recode it to numbers first (${
            spec.family === "bernoulli"
              ? "1 for the event, 0 otherwise"
              : spec.family === "binomial"
              ? "the number of successes"
              : spec.family === "poisson"
              ? "the counts"
              : "the measured values"
          }).`,
      );
    }
  }
  const y = numericColumn(table, spec.outcome, context);
  const trials = spec.trials ? numericColumn(table, spec.trials, context) : null;
  const bad = (i: number, what: string) =>
    new HetfxError(
      `${context}: outcome "${spec.outcome}" must be ${what} for family "${spec.family}", ` +
        `but row ${i + 1} has ${y[i]}.`,
    );
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (!Number.isFinite(v)) throw bad(i, "a finite number");
    switch (spec.family) {
      case "bernoulli":
        if (v !== 0 && v !== 1) throw bad(i, "0 or 1");
        break;
      case "poisson":
        if (v < 0 || !Number.isInteger(v)) throw bad(i, "a non-negative integer count");
        break;
      case "binomial": {
        if (v < 0 || !Number.isInteger(v)) throw bad(i, "a non-negative integer count");
        const n = trials![i];
        if (!Number.isInteger(n) || n < 1) {
          throw new HetfxError(
            `${context}: trials column "${spec.trials}" must hold positive integers, ` +
              `but row ${i + 1} has ${n}.`,
          );
        }
        if (v > n) {
          throw new HetfxError(
            `${context}: row ${i + 1} has ${v} successes in "${spec.outcome}" but only ${n} ` +
              `trials in "${spec.trials}".`,
          );
        }
        break;
      }
    }
  }
  return y;
}
