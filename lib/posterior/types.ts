/**
 * Shapes of the posterior summaries hetfx returns. They are plain data so that the CLI can
 * write them as JSON and lib/display can turn them into Vega-Lite specs.
 */

import type { DrawSummary } from "../diagnostics/quantiles.ts";

export type { DrawSummary };

/** One row of `fit.summary()`: brms parameter names (b_*, sd_<group>__*, cor_<group>__*__*, sigma). */
export interface ParameterSummary extends DrawSummary {
  name: string;
  rhat: number;
  ess_bulk: number;
  ess_tail: number;
}

/** The treatment effect in one observed group (one combination of a term's factors). */
export interface GroupEffect extends DrawSummary {
  /** Grouping term, e.g. "white:male:intl:hawk". */
  term: string;
  /** Group label: the levels joined by "_", e.g. "1_1_5_1". */
  group: string;
  /** Level of each factor in this group. */
  levels: Record<string, string>;
  /**
   * Which effect of the treatment (lib/spec/treatment_coding.ts): "1 - 0" for a 0/1 treatment,
   * "1 - -1" for a −1/+1 one, "b - control" for a factor level against the reference,
   * "per unit of dose" for a continuous treatment. Always set by a fit; may be left out of
   * hand-made inputs to the figures (one contrast).
   */
  contrast?: string;
  /** Rows of data in this group. */
  n: number;
  rhat: number;
  ess_bulk: number;
}

/** The paper's Figure 2 numbers. */
export interface EffectSpread {
  /** The treatment contrast whose group effects these are (see GroupEffect.contrast); set by fits. */
  contrast?: string;
  /** Standard deviation of all posterior draws of all group effects pooled. */
  sd_all_draws: number;
  /** Groups with the smallest, median and largest posterior mean effect. */
  min: GroupEffect;
  median: GroupEffect;
  max: GroupEffect;
}

/** One λ coefficient (paper Figure 1): a population-level term involving the treatment. */
export interface SlopeCoefficient extends DrawSummary {
  /**
   * brms name, e.g. "b_alliance:white". A factor treatment's coefficients follow R's coding
   * (its first level dropped, as in brms: "b_armlow:male"); its contrasts against the reference
   * are in groupEffects() and effects().
   */
  name: string;
  /** Readable label, e.g. "alliance × white". */
  label: string;
  /** The group-level predictor ("white"), or "(treatment)" for the treatment's main effect. */
  predictor: string;
}
