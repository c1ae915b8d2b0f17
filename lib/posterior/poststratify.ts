/**
 * Poststratification (MRP-style): the treatment effect averaged over a population table whose
 * rows are cells (e.g. every combination of the grouping factors) with a population count or
 * share in a weight column. Each population row's effect is the contrast of predictions with
 * the treatment at 1 and 0 (as in {@link effects}); the population average weights them by the
 * weight column; `by` gives averages within any columns of the population table.
 *
 * Columns the model needs that the population table lacks are set to a typical value in the
 * training data (mean of numeric columns, most frequent level of factors), and reported in
 * `filled`. On the link scale, and on the response scale of a Gaussian model, the effect does not
 * depend on columns that do not interact with the treatment, so filling them changes nothing;
 * for bernoulli/poisson on the response scale it does — supply them when that matters.
 */
import { HetfxError } from "../errors.ts";
import { checkOptions, optionNames } from "../options.ts";
import { getColumn, makeTable, requireTable, type Table } from "../data/table.ts";
import type { FitResult } from "./fit_result.ts";
import { datagrid, type EffectEstimate, effects } from "./effects.ts";
import { predictorColumns } from "./linear_predictor.ts";

/** Options of {@link poststratify}. */
export interface PoststratifyOptions {
  /** Numeric column of population counts or shares. */
  weight: string;
  /** Population-table columns to report averages within. */
  by?: readonly string[];
  scale?: "response" | "link";
  /** Population cells not seen in training draw their varying effects from the group distribution. */
  allowNewLevels?: boolean;
  seed?: number;
}

/** The result of {@link poststratify}. */
export interface PoststratifyResult {
  /** First the population average, then one entry per `by` cell. */
  estimates: EffectEstimate[];
  /** Model columns missing from the population table, set to typical training values. */
  filled: string[];
}

const POSTSTRATIFY_OPTION_NAMES = optionNames<PoststratifyOptions>({
  weight: true,
  by: true,
  scale: true,
  allowNewLevels: true,
  seed: true,
});

/**
 * Population-weighted treatment effects.
 *
 * @example
 * ```ts ignore
 * const { estimates } = poststratify(fit, census, { weight: "n", by: ["white"] });
 * estimates[0].mean; // population average effect
 * ```
 */
export function poststratify(
  fit: FitResult,
  population: Table,
  options: PoststratifyOptions,
): PoststratifyResult {
  if (!options || typeof options.weight !== "string") {
    throw new HetfxError(
      'Cannot poststratify: name the population-count column, e.g. { weight: "n" }.',
    );
  }
  checkOptions(options, POSTSTRATIFY_OPTION_NAMES, "Cannot poststratify", { weights: "weight" });
  requireTable(population, "Cannot poststratify (population)");
  getColumn(population, options.weight, "Cannot poststratify");
  const needed = predictorColumns(fit);
  const filled = needed.filter((c) => !(c in population.columns));
  let table = population;
  if (filled.length) {
    const typical = datagrid(fit, {});
    const columns = { ...population.columns };
    for (const name of filled) {
      const one = typical.columns[name];
      columns[name] = one.kind === "number"
        ? { kind: "number", values: new Float64Array(population.nRows).fill(one.values[0]) }
        : {
          kind: "factor",
          codes: new Int32Array(population.nRows).fill(one.codes[0]),
          levels: one.levels,
        };
    }
    table = makeTable(columns, [...population.names, ...filled]);
  }
  const estimates = effects(fit, {
    newdata: table,
    weights: options.weight,
    by: options.by ?? [],
    scale: options.scale,
    allowNewLevels: options.allowNewLevels,
    seed: options.seed,
  });
  return { estimates, filled };
}
