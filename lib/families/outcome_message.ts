/** Messages for outcomes that do not suit a family (Family.checkOutcome). */

/** Where an outcome value sits: the columns and the 1-based row. */
export interface OutcomeWhere {
  family: string;
  outcome: string;
  /** The trials column, when the model has one. */
  trials?: string;
  row: number;
}

/**
 * `outcome "y" must be <what> for family "f", but row r has v.`
 *
 * @example
 * ```ts
 * import { mustBe } from "./outcome_message.ts";
 * const m = mustBe("0 or 1", 2, { family: "bernoulli", outcome: "y", row: 3 });
 * console.assert(m === 'outcome "y" must be 0 or 1 for family "bernoulli", but row 3 has 2.');
 * ```
 */
export function mustBe(what: string, y: number, where: OutcomeWhere): string {
  return `outcome "${where.outcome}" must be ${what} for family "${where.family}", ` +
    `but row ${where.row} has ${y}.`;
}
