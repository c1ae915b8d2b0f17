/**
 * A ModelSpec fitted to a table that lacks a column a builder derived (`x_bin` from
 * `groups(table).bin("x", …)`, `x_mean_g` from `.groupMeans("x")`): the spec names the column,
 * not how it was made, so `fitModel(spec.toJSON(), rawTable)` cannot remake it. The error says
 * which builder call made it and what to fit instead.
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import type { Table } from "../data/table.ts";
import type { ModelSpec } from "../spec/model_spec.ts";
import { usedColumns } from "../model/used_columns.ts";

/**
 * How a builder makes a column `name` that the data (columns `names`) lack, or null: a binned
 * column `x_bin` (groups(table).bin("x", …)) or a group mean `x_mean_g` (.groupMeans("x")) of a
 * column x the data have.
 *
 * @example
 * ```ts
 * import { derivedColumnOrigin } from "./derived_columns.ts";
 * console.assert(derivedColumnOrigin("age_bin", ["y", "age"])!.startsWith("groups(table).bin"));
 * console.assert(derivedColumnOrigin("age_bin", ["y"]) === null);
 * ```
 */
export function derivedColumnOrigin(name: string, names: readonly string[]): string | null {
  const binned = /^(.+)_bin$/.exec(name);
  if (binned && names.includes(binned[1])) {
    return `groups(table).bin("${binned[1]}", …), the binned "${binned[1]}"`;
  }
  const mean = names.find((c) => name.startsWith(`${c}_mean_`));
  if (mean !== undefined) return `.groupMeans("${mean}"), the group means of "${mean}"`;
  return null;
}

/**
 * Refuse, before compiling, a spec that names a derived column `table` lacks: the message names
 * the column, the builder call that makes it, and the two fixes (fit the builder, or pass its
 * table). Other missing columns are left to the spec's own check (validateSpec).
 *
 * @example
 * ```ts
 * import { checkDerivedColumns } from "./derived_columns.ts";
 * import { makeTable } from "../data/table.ts";
 * const t = makeTable({ y: { kind: "number", values: new Float64Array([1, 2]) } });
 * const spec = { hetfx: 1 as const, outcome: "y", family: "gaussian" as const, intercept: true,
 *   treatment: null, terms: [], groupTerms: [], priors: [] };
 * checkDerivedColumns(spec, t); // nothing missing: no error
 * ```
 */
export function checkDerivedColumns(spec: ModelSpec, table: Table): void {
  if (typeof spec !== "object" || spec === null || !Array.isArray(spec.terms)) return;
  if (!Array.isArray(spec.groupTerms) || typeof table?.columns !== "object") return;
  let columns: string[];
  try {
    columns = usedColumns(spec);
  } catch {
    return; // a malformed spec: validateSpec says what is wrong with it
  }
  for (const name of columns) {
    if (typeof name !== "string" || Object.hasOwn(table.columns, name)) continue;
    const origin = derivedColumnOrigin(name, table.names);
    if (origin === null) continue;
    throw new HetfxError(
      `Cannot build model: column "${name}" not found (columns: ${table.names.join(", ")}). ` +
        `"${name}" is made by ${origin}: the builder adds it to its own table (spec.table), ` +
        "and a ModelSpec names the column, not how it was made. Fit the builder " +
        "(spec.fit(options)), or pass its table: fitModel(spec.toJSON(), spec.table, options).",
    );
  }
}
