/**
 * Population-level design: one numeric column per coefficient, with R's treatment contrasts
 * for factors (the reference level is dropped) and brms-style coefficient names
 * ("regionAsia", "alliance:white").
 */
import { HetfxError } from "../errors.ts";
import { type Column, getColumn, type Table } from "../data/table.ts";
import {
  type TreatmentContrast,
  treatmentContrasts,
  treatmentPartChange,
} from "../spec/treatment_coding.ts";
import {
  codedLevels,
  requireUniqueNames,
  termCodings,
  type VariableCoding,
} from "../spec/term_coding.ts";

/** A design column and the coefficient name brms would give it. */
export interface DesignColumn {
  name: string;
  /** The term the column belongs to ("alliance:white"). */
  term: string;
  /** The column (read-only: a numeric variable's own column is the table's array itself). */
  values: Float64Array;
  /**
   * Per treatment contrast (lib/spec/treatment_coding.ts), the change of the column per row when
   * the treatment moves from the contrast's low to its high value (the derivative for a per-unit
   * slope); undefined when the column does not involve the treatment.
   */
  derivatives?: Float64Array[];
}

/**
 * Constant derivative columns shared between {@link designColumns} calls (keyed by the value):
 * the treatment's own column changes by the same amount on every row, and each term that has it
 * would otherwise get its own n-long copy, fresh memory that costs more to touch than to compute
 * (about 3 ms per 100,000 rows on the 2-core benchmark machine). Shared arrays are read-only.
 */
export type ConstantColumns = Map<string, Float64Array>;

/** Coefficient-name part for a factor level, as brms writes it. */
export { cleanLevel } from "../spec/term_coding.ts";

/** The design columns of one variable coded as R codes it in this term. */
function variableColumns(
  table: Table,
  name: string,
  coding: VariableCoding,
): { name: string; source: string; values: Float64Array; level: number }[] {
  const column: Column = getColumn(table, name);
  if (column.kind === "number") {
    return [{ name, source: `column "${name}"`, values: column.values, level: -1 }];
  }
  if (column.levels.length < 2) {
    throw new HetfxError(
      `Cannot build model: factor column "${name}" has a single level ("${column.levels[0]}"); ` +
        `it cannot be used as a predictor.`,
    );
  }
  return codedLevels(name, column.levels, coding === "indicators" ? "indicators" : "contrasts")
    .map(({ level, name: coefficient }) => {
      const values = new Float64Array(table.nRows);
      const codes = column.codes;
      for (let i = 0; i < values.length; i++) values[i] = codes[i] === level ? 1 : 0;
      const source = `level "${column.levels[level]}" of "${name}"`;
      return { name: coefficient, source, values, level };
    });
}

/**
 * Expand terms ("regime", "alliance:white", …) into design columns, coding factors as R's
 * model.matrix does for a formula with these terms and (`intercept`, default true) an
 * intercept: see lib/spec/term_coding.ts. Columns of an interaction vary the first variable
 * fastest, as in R. When `treatment` is given, each column involving it carries its change under
 * each of the treatment's contrasts (against `reference`, see lib/spec/treatment_coding.ts;
 * `treatmentContrastsKnown`: those contrasts when the caller has them already;
 * `constantColumns`: constant derivative columns to share with other calls).
 * Coefficient names that would coincide are refused, "Intercept" included when the model has one.
 *
 * @example
 * ```ts
 * import { designColumns } from "./design.ts";
 * import { makeTable } from "../data/table.ts";
 * const t = makeTable({
 *   a: { kind: "number", values: new Float64Array([0, 1]) },
 *   g: { kind: "factor", codes: new Int32Array([0, 1]), levels: ["x", "y"] },
 * });
 * const columns = designColumns(t, ["a", "a:g"], "a");
 * console.assert(columns.map((c) => c.name).join() === "a,a:gy");
 * console.assert(columns[1].derivatives![0].join() === "0,1");
 * ```
 */
export function designColumns(
  table: Table,
  terms: readonly string[],
  treatment: string | null,
  intercept = true,
  reference?: string,
  treatmentContrastsKnown?: readonly TreatmentContrast[],
  constantColumns?: ConstantColumns,
): DesignColumn[] {
  const out: DesignColumn[] = [];
  const contrasts = treatment !== null && terms.some((t) => t.split(":").includes(treatment))
    ? treatmentContrastsKnown ?? treatmentContrasts(table, treatment, reference)
    : [];
  const sources: string[] = [];
  const codings = termCodings(terms, intercept, (v) => getColumn(table, v).kind === "factor");
  const n = table.nRows;
  for (let t = 0; t < terms.length; t++) {
    const term = terms[t];
    const variables = term.split(":");
    // `values` null: the column of ones the first variable multiplies (not materialised: a
    // product with 1 is the other factor exactly, so a numeric variable's own column is used).
    let parts: {
      name: string;
      source: string;
      values: Float64Array | null;
      derivatives?: Float64Array[];
    }[] = [{ name: "", source: "", values: null }];
    for (let v = 0; v < variables.length; v++) {
      const variable = variables[v];
      const next: typeof parts = [];
      const isTreatment = variable === treatment;
      for (const right of variableColumns(table, variable, codings[t][v])) {
        const r = right.values;
        for (const left of parts) {
          const l = left.values;
          let values: Float64Array;
          if (l === null) values = r;
          else {
            values = new Float64Array(n);
            for (let i = 0; i < n; i++) values[i] = l[i] * r[i];
          }
          let derivatives: Float64Array[] | undefined;
          if (isTreatment) {
            // Δ(left · treat) = left · Δtreat: the treatment's part changes by a constant per
            // contrast (high − low, or ±1 for a factor level's indicator).
            derivatives = contrasts.map((c) => {
              const change = treatmentPartChange(c, right.level);
              if (l === null) return constantColumn(n, change, constantColumns);
              const d = new Float64Array(n);
              for (let i = 0; i < n; i++) d[i] = l[i] * change;
              return d;
            });
          } else if (left.derivatives) {
            derivatives = left.derivatives.map((d) => {
              const e = new Float64Array(n);
              for (let i = 0; i < n; i++) e[i] = d[i] * r[i];
              return e;
            });
          }
          next.push({
            name: left.name === "" ? right.name : `${left.name}:${right.name}`,
            source: left.source === "" ? right.source : `${left.source} × ${right.source}`,
            values,
            derivatives,
          });
        }
      }
      parts = next;
    }
    for (const { name, source, values, derivatives } of parts) {
      out.push({ name, values: values!, derivatives, term });
      sources.push(source);
    }
  }
  // With an intercept, "Intercept" is taken (b_Intercept, sd_g__Intercept).
  const names = out.map((c) => c.name);
  if (intercept) requireUniqueNames(["Intercept", ...names], ["the intercept", ...sources]);
  else requireUniqueNames(names, sources);
  return out;
}

/** A column of `n` copies of `value`, from `shared` when it has one (then added to it). */
function constantColumn(n: number, value: number, shared?: ConstantColumns): Float64Array {
  // Keyed so that −0 and 0 stay apart.
  const key = `${n}:${Object.is(value, -0) ? "-0" : value}`;
  const known = shared?.get(key);
  if (known !== undefined) return known;
  const column = new Float64Array(n).fill(value);
  shared?.set(key, column);
  return column;
}
