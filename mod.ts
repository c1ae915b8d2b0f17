/**
 * hetfx: Bayesian hierarchical models of heterogeneous treatment effects.
 * The public API; re-exports only.
 *
 * @example
 * ```ts ignore
 * import { groups, hier, loadTomzWeeks } from "./mod.ts";
 * const df = await loadTomzWeeks(); // the CSV with the paper's recodes
 * const fit = await hier(df).outcome("force").treatment("alliance")
 *   .groupBy(groups(df).by("white", "male")).fit({ seed: 1 });
 * fit.plot.effectDistribution();
 * ```
 *
 * @module
 */

export { HetfxError } from "./lib/errors.ts";

// Data: tables in, groups, the replication data sets and the seed paper's models.
export {
  asFactor,
  type Column,
  type DataFrameLike,
  dropMissingRows,
  type FactorColumn,
  formatGroupSummary,
  type Grouping,
  groups,
  type GroupSummary,
  loadTable,
  type LoadTableOptions,
  makeTable,
  type NumericColumn,
  rescale2sd,
  type RescaleOptions,
  type Table,
  tableFromColumns,
  tableFromCsvText,
  tableFromDataFrame,
  tableFromRecords,
  type TableSource,
  withColumn,
} from "./lib/data/mod.ts";
export {
  BUSH_PRATHER_ANALYSIS_COLUMNS,
  loadBushPrather,
  loadTomzWeeks,
  prepareBushPrather,
  prepareTomzWeeks,
  TOMZ_WEEKS_REGIONS,
} from "./lib/data/datasets/mod.ts";
export {
  BUSH_PRATHER_FORMULA,
  bushPratherModel,
  PAPER_PRIORS,
  PAPER_SAMPLER,
  TOMZ_WEEKS_FORMULA,
  TOMZ_WEEKS_ORDINAL_FORMULA,
  TOMZ_WEEKS_PAPER_NUMBERS,
  tomzWeeksModel,
  tomzWeeksOrdinalModel,
} from "./lib/spec/paper_models.ts";

// Model specification: builder, formula, priors.
export {
  cauchy,
  exponential,
  FAMILIES,
  type Family,
  flat,
  formula,
  gamma,
  halfCauchy,
  halfNormal,
  halfStudentT,
  hier,
  HierBuilder,
  invGamma,
  lkj,
  type ModelSpec,
  normal,
  parsePrior,
  type PriorSpec,
  studentT,
  withGroupMeans,
} from "./lib/spec/mod.ts";

// Fitting and results.
export {
  Fit,
  type FitDiagnostics,
  fitModel,
  type FitOptions,
  type TermParameterizationInfo,
} from "./lib/fit/mod.ts";
export type { Parameterization, TermParameterization } from "./lib/model/auto_parameterization.ts";
// Sampler worker threads kept between fits (fit option keepWorkers).
export { releaseWorkers } from "./lib/sampler/parallel.ts";

// Aggregated data: the sufficient-statistics query, the in-memory aggregate, DuckDB's engine.
import "./lib/model/builder_sql.ts";
export {
  SQL_DIALECTS,
  type SqlDialect,
  sufficientStatisticsSQL,
  type SufficientStatisticsSqlOptions,
} from "./lib/model/sufficient_statistics_sql.ts";
export { type AggregateLayout, aggregateLayout } from "./lib/model/aggregate.ts";
export { aggregateRows } from "./lib/model/aggregate_rows.ts";
export {
  connectDuckDB,
  type DuckDBAggregate,
  duckdbAggregate,
  type DuckDBAggregateOptions,
  duckdbSource,
} from "./lib/engine/duckdb_engine.ts";
export type {
  EffectSpread,
  GroupEffect,
  ParameterSummary,
  SlopeCoefficient,
} from "./lib/posterior/types.ts";

// Posterior analysis: effects, hypotheses, the three-method comparison, LOO, export.
export {
  datagrid,
  type EffectEstimate,
  effects,
  type EffectsOptions,
} from "./lib/posterior/effects.ts";
export { predict, type PredictOptions } from "./lib/posterior/predict.ts";
export { compareGroups, hypothesis, type HypothesisRow } from "./lib/posterior/hypothesis.ts";
export { compare, type Comparison, formatComparison, olsHc2 } from "./lib/posterior/compare.ts";
export { poststratify } from "./lib/posterior/poststratify.ts";
export { ppCheck } from "./lib/posterior/pp_check.ts";
export { loo, looCompare, type LooResult, psisLoo } from "./lib/posterior/loo.ts";
export {
  drawsToCsv,
  resultToJSON,
  writeDrawsCsv,
  writeResultJSON,
} from "./lib/posterior/export.ts";

// Simulation-based calibration.
export { sbc, type SbcOptions, type SbcParameter, SbcResult } from "./lib/calibration/sbc.ts";
export type { SbcPlotOptions } from "./lib/calibration/sbc_plot.ts";

// Display: charts and HTML that render inline in notebooks and to SVG/PNG in scripts.
export {
  Chart,
  HtmlView,
  renderPng,
  renderSvg,
  VEGA_LITE_MIME,
  type VegaLiteSpec,
} from "./lib/display/mod.ts";
export { inJupyterKernel, notebookProgressReporter } from "./lib/display/notebook_progress.ts";
