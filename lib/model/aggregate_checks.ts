/**
 * The row-level data checks that aggregated data (lib/model/aggregate.ts) still allow, computed
 * from the sums: the outcome's variation — a Gaussian outcome's from its moments n, Σy, Σy²; an
 * event or count outcome's from the key rows' means Σy/n (all-0 or all-events rows exactly as
 * in the rows, since Σy = 0 or Σy = n or Σtrials per key) — and, for Gaussian cells, constant
 * and perfectly collinear population-level columns from their Gram matrix. Separation is not
 * checked: it needs each row's predictors and outcome together.
 */
import type { ModelSpec } from "../spec/model_spec.ts";
import { familyOf } from "../families/mod.ts";
import { continuousVariationFromMoments } from "../families/outcome_variation.ts";
import type { AggregateInput } from "./aggregate.ts";
import { checkDesignGram } from "./data_checks.ts";

/**
 * The outcome checks of {@link checkOutcomeVariation} on aggregated data (refusals throw;
 * warnings are returned). `y` is the key table's outcome column (a key of pattern families that
 * keep outcomes apart).
 *
 * @example
 * ```ts
 * import { aggregateOutcomeVariation } from "./aggregate_checks.ts";
 * const spec = { hetfx: 1 as const, outcome: "y", family: "bernoulli" as const, intercept: true,
 *   treatment: null, terms: [], groupTerms: [], priors: [] };
 * const n = Float64Array.of(4, 2);
 * const agg = { n, summed: new Set(["y"]), priorOutcome: null, sum: () => Float64Array.of(4, 2) };
 * let message = "";
 * try { aggregateOutcomeVariation(spec, agg, n); } catch (e) { message = String(e); }
 * console.assert(message.includes("an event in every row"));
 * ```
 */
export function aggregateOutcomeVariation(
  spec: ModelSpec,
  agg: AggregateInput,
  y: Float64Array,
): string[] {
  const family = familyOf(spec.family, spec.link);
  const total = (v: Float64Array) => v.reduce((a, b) => a + b, 0);
  if (family.compression === "cells") {
    const n = total(agg.n);
    const sum = total(agg.sum([spec.outcome]));
    return continuousVariationFromMoments(
      spec.outcome,
      n,
      sum,
      total(agg.sum([spec.outcome, spec.outcome])),
    );
  }
  const mean = (s: Float64Array) => s.map((v, i) => v / agg.n[i]);
  const outcome = family.patternsKeepOutcome ? y : mean(agg.sum([spec.outcome]));
  const trials = spec.trials ? mean(agg.sum([spec.trials])) : null;
  return family.checkVariation(spec.outcome, outcome, trials);
}

/**
 * Refuse constant or perfectly collinear population-level columns of an aggregated Gaussian
 * model, from the total Gram matrix `G` (D × D, the design's first `names.length` columns
 * checked) of its cell statistics. `design` says per column its key-row factor part and summed
 * variables, from which the uncentred sums of squares bound the sums' rounding.
 *
 * @example
 * ```ts ignore
 * checkAggregateDesign(stats.G, D, columnNames.slice(0, P), design, agg, true, fixedMeans);
 * ```
 */
export function checkAggregateDesign(
  G: Float64Array,
  D: number,
  names: readonly string[],
  design: { columns: Float64Array[]; vars: string[][] },
  agg: AggregateInput,
  hasIntercept: boolean,
  fixedMeans: Float64Array,
): void {
  const P = names.length;
  const gram = new Float64Array(P * P);
  const reference = new Float64Array(P);
  for (let a = 0; a < P; a++) {
    for (let b = 0; b < P; b++) gram[a * P + b] = G[a * D + b];
    const f = design.columns[a];
    const squares = agg.sum([...design.vars[a], ...design.vars[a]]);
    for (let i = 0; i < f.length; i++) reference[a] += f[i] * f[i] * squares[i];
  }
  checkDesignGram(gram, names, hasIntercept, fixedMeans, reference);
}
