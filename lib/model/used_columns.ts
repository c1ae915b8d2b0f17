/** The columns a model reads: its outcome, trials, weights, terms' variables and grouping factors. */
import type { ModelSpec } from "../spec/model_spec.ts";

/**
 * Columns the model reads, outcome first.
 *
 * @example
 * ```ts
 * import { usedColumns } from "./used_columns.ts";
 * const spec = { hetfx: 1 as const, outcome: "y", family: "gaussian" as const, intercept: true,
 *   treatment: null, terms: ["x:z"], groupTerms: [], priors: [] };
 * console.assert(usedColumns(spec).join() === "y,x,z");
 * ```
 */
export function usedColumns(spec: ModelSpec): string[] {
  const names = new Set<string>([spec.outcome]);
  if (spec.trials) names.add(spec.trials);
  if (spec.weights) names.add(spec.weights);
  for (const v of termColumns(spec)) names.add(v);
  return [...names];
}

/**
 * The columns the model's terms read: population-level terms' variables, then each group
 * term's grouping factors and slopes' variables (not the outcome, trials or weights, unless a
 * term uses them too).
 *
 * @example
 * ```ts
 * import { termColumns } from "./used_columns.ts";
 * const spec = { hetfx: 1 as const, outcome: "y", family: "gaussian" as const, intercept: true,
 *   treatment: null, terms: ["x:z"], groupTerms: [], priors: [], weights: "w" };
 * console.assert([...termColumns(spec)].join() === "x,z");
 * ```
 */
export function termColumns(spec: ModelSpec): Set<string> {
  const names = new Set<string>();
  for (const term of spec.terms) for (const v of term.split(":")) names.add(v);
  for (const g of spec.groupTerms) {
    for (const f of g.factors) names.add(f);
    for (const s of g.slopes) for (const v of s.split(":")) names.add(v);
  }
  return names;
}
