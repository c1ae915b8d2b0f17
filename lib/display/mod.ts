/**
 * lib/display: pure functions from results to Vega-Lite specs and HTML, one render step, and
 * thin notebook display objects.
 *
 * @module
 */
export {
  type JsonValue,
  VEGA_LITE_MIME,
  VEGA_LITE_SCHEMA,
  type VegaLiteSpec,
} from "./vega_lite_spec.ts";
export { type CoefficientPlotOptions, coefficientPlotSpec } from "./figure_coefficients.ts";
export {
  binDraws,
  type DrawBin,
  effectAnnotation,
  type EffectDistributionInput,
  type EffectDistributionOptions,
  effectDistributionSpec,
  MAX_BINS,
} from "./figure_effect_distribution.ts";
export {
  type GroupEffectRoles,
  type GroupEffectsOptions,
  groupEffectsSpec,
} from "./figure_group_effects.ts";
export {
  ESS_THRESHOLD,
  pooledRanks,
  type RankPlotOptions,
  rankPlotSpec,
  RHAT_THRESHOLD,
  type RhatEssOptions,
  rhatEssSpec,
  type TracePlotOptions,
  tracePlotSpec,
} from "./diagnostic_plots.ts";
export {
  type EffectByRow,
  type EffectsByModifierOptions,
  effectsByModifierSpec,
} from "./figure_effects_by_modifier.ts";
export {
  COMPARISON_METHODS,
  type ComparisonOptions,
  comparisonSpec,
  type ComparisonTable,
} from "./figure_comparison.ts";
export { type ShrinkageOptions, shrinkageSpec } from "./figure_shrinkage.ts";
export {
  PAIR_PLOT_MAX_POINTS,
  type PairDraws,
  pairPlotIndices,
  type PairPlotOptions,
  pairPlotSpec,
} from "./pair_plot.ts";
export {
  bandwidthNrd0,
  densityOnGrid,
  type PpCheckPlotOptions,
  ppCheckSpec,
} from "./pp_check_plot.ts";
export { groupEffectsTableHtml, summaryTableHtml, type TableOptions } from "./tables.ts";
export { renderPng, type RenderPngOptions, renderSvg } from "./render.ts";
export { Chart, HtmlView } from "./display_object.ts";
