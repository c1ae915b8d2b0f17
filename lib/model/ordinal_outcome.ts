/**
 * An ordinal model's outcome and thresholds at compile time: the categories 1…K (from the
 * integers 1…K, or from a declared category order, lib/spec/outcome_levels.ts), their labels,
 * and the K − 1 thresholds' priors (class Intercept, one per threshold with `coef = k`, as
 * brms's `prior(…, class = Intercept, coef = k)`).
 */
import { HetfxError } from "../errors.ts";
import type { Table } from "../data/table.ts";
import type { ModelSpec, PriorDistribution } from "../spec/model_spec.ts";
import { declaredOutcome } from "../spec/outcome_levels.ts";
import { resolvePrior } from "../spec/priors.ts";
import type { CompiledThresholds } from "./compiled_data.ts";

/** The declared outcome (categories, labels, unused levels), or null without a declaration. */
export function declaredOutcomeOf(
  spec: ModelSpec,
  table: Table,
  aggregated: boolean,
): ReturnType<typeof declaredOutcome> | null {
  if (spec.outcomeLevels === undefined) return null;
  if (aggregated) {
    throw new HetfxError(
      `Cannot build model: declared outcome levels are not read from aggregated data; code ` +
        `"${spec.outcome}" as the integers 1…K in the query (CASE … END) and drop the levels, or ` +
        `read the rows in memory (engine "memory", --engine memory).`,
    );
  }
  return declaredOutcome(table, spec.outcome, spec.outcomeLevels);
}

/**
 * The compiled thresholds (`count` = K − 1 of them at θ[offset…], the categories labelled
 * `labels` when declared): each threshold's prior is the
 * most specific Intercept statement (coef = its number, else class-wide, else the default). A
 * prior on a threshold the outcome does not have is refused, naming K.
 *
 * @example
 * ```ts
 * import { compiledThresholds } from "./ordinal_outcome.ts";
 * const spec = { hetfx: 1 as const, outcome: "y", family: "cumulative" as const, intercept: true,
 *   treatment: null, terms: [], groupTerms: [],
 *   priors: [{ class: "Intercept" as const, coef: "2", prior: { dist: "normal" as const, mu: 0, sigma: 2 } }] };
 * const t = compiledThresholds(spec, { offset: 5, count: 2 }, () => ({ dist: "flat" }));
 * console.assert(t.priors[0].dist === "flat" && t.priors[1].dist === "normal");
 * ```
 */
export function compiledThresholds(
  spec: ModelSpec,
  at: { offset: number; count: number; labels?: readonly string[] },
  fallback: () => PriorDistribution,
): CompiledThresholds {
  const { offset, count, labels } = at;
  for (const p of spec.priors) {
    if (p.class === "Intercept" && p.coef !== undefined && !(Number(p.coef) <= count)) {
      throw new HetfxError(
        `Cannot build model: prior "Intercept[${p.coef}]" names threshold ${p.coef}, but ` +
          `outcome "${spec.outcome}" has ${count + 1} categories, so thresholds ` +
          `1…${count}.`,
      );
    }
  }
  return {
    offset,
    count,
    priors: Array.from(
      { length: count },
      (_, k) => resolvePrior(spec.priors, "Intercept", { coef: String(k + 1) }, fallback),
    ),
    ...(labels === undefined ? {} : { labels: [...labels] }),
  };
}

/**
 * The label of each category 1…K of a compiled ordinal model: the declared levels kept, or
 * "1"…"K".
 *
 * @example
 * ```ts
 * import { categoryLabels } from "./ordinal_outcome.ts";
 * console.assert(categoryLabels({ offset: 0, count: 2, priors: [] }).join() === "1,2,3");
 * ```
 */
export function categoryLabels(thresholds: CompiledThresholds): string[] {
  return thresholds.labels ??
    Array.from({ length: thresholds.count + 1 }, (_, k) => String(k + 1));
}
