/**
 * Checks that the outcome (and trials) suit the family, with messages naming the row and value.
 */
import { HetfxError } from "../errors.ts";
import { getColumn, rowNumber, type Table } from "../data/table.ts";
import { numericColumn, tooLargeNumberNote } from "../data/factor.ts";
import type { ModelSpec } from "../spec/model_spec.ts";
import { familyOf } from "../families/mod.ts";
import { mustBe } from "../families/outcome_message.ts";

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
  const family = familyOf(spec.family, spec.link);
  const column = getColumn(table, spec.outcome, context);
  if (column.kind === "factor") {
    const row = column.codes.findIndex((c) => c >= 0 && !Number.isFinite(Number(column.levels[c])));
    const label = row >= 0 ? column.levels[column.codes[row]] : "";
    const tooLarge = tooLargeNumberNote(label);
    if (tooLarge !== "") {
      throw new HetfxError(
        `${context}: the outcome "${spec.outcome}" row ${rowNumber(table, row)} has ` +
          `"${label}"${tooLarge}; values must be finite: fix that value or leave it missing.`,
      );
    }
    if (row >= 0) {
      throw new HetfxError(
        `${context}: the outcome "${spec.outcome}" must be numeric, but row ${
          rowNumber(table, row)
        } has ` +
          `"${
            column.levels[column.codes[row]]
          }"; recode it to numbers first (${family.outcomeAdvice}).`,
      );
    }
  }
  const y = numericColumn(table, spec.outcome, context);
  const trials = spec.trials ? numericColumn(table, spec.trials, context) : null;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    const where = {
      family: spec.family,
      outcome: spec.outcome,
      trials: spec.trials,
      row: rowNumber(table, i),
    };
    if (!Number.isFinite(v)) {
      throw new HetfxError(`${context}: ${mustBe("a finite number", v, where)}`);
    }
    const problem = family.checkOutcome(v, trials === null ? NaN : trials[i], where);
    if (problem !== null) throw new HetfxError(`${context}: ${problem}`);
  }
  return y;
}
