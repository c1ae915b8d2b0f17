/**
 * Population-level design: one numeric column per coefficient, with R's treatment contrasts
 * for factors (the reference level is dropped) and brms-style coefficient names
 * ("regionAsia", "alliance:white").
 */
import { HetfxError } from "../errors.ts";
import { type Column, getColumn, type Table } from "../data/table.ts";

/** A design column and the coefficient name brms would give it. */
export interface DesignColumn {
  name: string;
  /** The term the column belongs to ("alliance:white"). */
  term: string;
  values: Float64Array;
  /**
   * The derivative of the column with respect to `variable`, per row, or undefined when the
   * column does not involve it. Used for treatment effects (a contrast for binary treatment).
   */
  derivative?: Float64Array;
}

/** Coefficient-name part for a factor level: non-alphanumerics removed, as brms does. */
export function cleanLevel(level: string): string {
  return level.replace(/[^A-Za-z0-9_.]/g, "");
}

/** The design columns of one variable (one for numbers; K − 1 dummies for a K-level factor). */
function variableColumns(
  table: Table,
  name: string,
): { name: string; values: Float64Array }[] {
  const column: Column = getColumn(table, name);
  if (column.kind === "number") return [{ name, values: column.values }];
  const out: { name: string; values: Float64Array }[] = [];
  for (let level = 1; level < column.levels.length; level++) {
    const values = new Float64Array(table.nRows);
    for (let i = 0; i < table.nRows; i++) values[i] = column.codes[i] === level ? 1 : 0;
    out.push({ name: `${name}${cleanLevel(column.levels[level])}`, values });
  }
  if (out.length === 0) {
    throw new HetfxError(
      `Cannot build model: factor column "${name}" has a single level ("${column.levels[0]}"); ` +
        `it cannot be used as a predictor.`,
    );
  }
  return out;
}

/**
 * Expand terms ("regime", "alliance:white", …) into design columns. When `treatment` is given,
 * each column involving it carries its derivative with respect to the treatment.
 *
 * @example
 * ```ts
 * import { designColumns } from "./design.ts";
 * import { makeTable } from "../data/table.ts";
 * const t = makeTable({
 *   a: { kind: "number", values: new Float64Array([0, 1]) },
 *   g: { kind: "factor", codes: new Int32Array([0, 1]), levels: ["x", "y"] },
 * });
 * console.assert(designColumns(t, ["a", "a:g"], "a").map((c) => c.name).join() === "a,a:gy");
 * ```
 */
export function designColumns(
  table: Table,
  terms: readonly string[],
  treatment: string | null,
): DesignColumn[] {
  const out: DesignColumn[] = [];
  for (const term of terms) {
    const variables = term.split(":");
    let parts: { name: string; values: Float64Array; derivative?: Float64Array }[] = [
      { name: "", values: new Float64Array(table.nRows).fill(1) },
    ];
    for (const variable of variables) {
      const next: typeof parts = [];
      const isTreatment = variable === treatment;
      for (const left of parts) {
        for (const right of variableColumns(table, variable)) {
          const values = new Float64Array(table.nRows);
          for (let i = 0; i < table.nRows; i++) values[i] = left.values[i] * right.values[i];
          let derivative: Float64Array | undefined;
          if (isTreatment) {
            // d(left · treat)/d treat = left (a numeric treatment enters linearly).
            derivative = Float64Array.from(left.values);
          } else if (left.derivative) {
            derivative = new Float64Array(table.nRows);
            for (let i = 0; i < table.nRows; i++) {
              derivative[i] = left.derivative[i] * right.values[i];
            }
          }
          next.push({
            name: left.name === "" ? right.name : `${left.name}:${right.name}`,
            values,
            derivative,
          });
        }
      }
      parts = next;
    }
    for (const part of parts) out.push({ ...part, term });
  }
  return out;
}
