/**
 * `fitModel()`: resolve the options, compile and plan, sample, assemble fit.info; and `Fit`,
 * the object users read results from — a thin facade over the analyses of lib/posterior and
 * lib/display, which take it as a FitResult.
 *
 * @module
 */
import type { Table } from "../data/table.ts";
import type { ModelSpec } from "../spec/model_spec.ts";
import type { CompiledData } from "../model/compiled_data.ts";
import type { ChainDraws } from "../sampler/backend.ts";
import { checkBoolean, checkNoArguments, checkOptions } from "../options.ts";
import {
  brmsAliases,
  generateQuantities,
  type NamedDraws,
  splitChains,
} from "../posterior/generated.ts";
import type {
  DrawSummary,
  EffectSpread,
  GroupEffect,
  ParameterSummary,
  SlopeCoefficient,
} from "../posterior/types.ts";
import type { FitDiagnostics, FitInfo, FitResult } from "../posterior/fit_result.ts";
import {
  effectSpreadOf,
  groupEffectParts,
  groupEffectSummaries,
  parameterDraws,
  slopeCoefficientsOf,
  summarizeParameter,
} from "../posterior/fit_summaries.ts";
import { convergenceWarnings, fitDiagnostics, fitWarnings } from "../posterior/convergence.ts";
import { fitToJSON } from "../posterior/fit_json.ts";
import { formatFitSummary } from "../posterior/format_summary.ts";
import { predict, type PredictOptions, type RowPrediction } from "../posterior/predict.ts";
import { type EffectEstimate, effects, type EffectsOptions } from "../posterior/effects.ts";
import {
  compareGroups,
  type GroupComparison,
  hypothesis,
  type HypothesisOptions,
  type HypothesisRow,
} from "../posterior/hypothesis.ts";
import {
  poststratify,
  type PoststratifyOptions,
  type PoststratifyResult,
} from "../posterior/poststratify.ts";
import { ppCheck, type PpCheckData, type PpCheckOptions } from "../posterior/pp_check.ts";
import { loo, type LooResult } from "../posterior/loo.ts";
import { drawsToCsv, type ExportOptions, writeDrawsCsv } from "../posterior/export.ts";
import { groupEffectsTableHtml } from "../display/tables.ts";
import { fitToHtml } from "../display/fit_html.ts";
import { FitPlots } from "../display/fit_plots.ts";
import { type FitOptions, resolveFitOptions } from "./options.ts";
import { compileForFit, type InternalFitSettings, planFit } from "./plan.ts";
import { sampleFit, startFitWorkers } from "./sample.ts";
import { assembleFitInfo } from "./fit_info.ts";
import { fitProgress } from "./progress.ts";
import { preSamplingWarnings } from "../posterior/pre_sampling_warnings.ts";

export type { FitOptions };
export type { FitDiagnostics, FitInfo, TermParameterizationInfo } from "../posterior/fit_result.ts";

/**
 * Fit `spec` to `table` and return a {@link Fit}: the options are checked and defaulted
 * (lib/fit/options.ts), the model compiled and the method, backend and parameterisation chosen
 * (plan.ts), the chains sampled with a progress display (sample.ts, progress.ts), and fit.info
 * assembled (fit_info.ts).
 *
 * @example
 * ```ts ignore
 * import { fitModel } from "./fit.ts";
 * const fit = await fitModel(spec, table, { chains: 4, seed: 1 });
 * fit.summary();
 * ```
 */
export function fitModel(
  spec: ModelSpec,
  table: Table,
  options: FitOptions = {},
): Promise<Fit> {
  return fitModelInternal(spec, table, options, {});
}

/**
 * {@link fitModel} with hetfx's internal settings (lib/fit/plan.ts); not exported from mod.ts.
 * sbc() uses it to fit constant simulated outcomes that fitModel refuses.
 *
 * @example
 * ```ts ignore
 * const fit = await fitModelInternal(spec, simulated, { seed: 1 }, { allowDegenerateOutcome: true });
 * ```
 */
export async function fitModelInternal(
  spec: ModelSpec,
  table: Table,
  options: FitOptions,
  internal: InternalFitSettings,
): Promise<Fit> {
  const resolved = resolveFitOptions(options);
  const start = performance.now();
  // The workers start now, so their start-up overlaps compiling and planning.
  let pool: ReturnType<typeof startFitWorkers> = null;
  try {
    pool = startFitWorkers(resolved);
    const compiled = compileForFit(spec, table, resolved, internal);
    const compiledAt = performance.now();
    const progress = fitProgress(resolved.progress);
    const plan = await planFit(compiled, resolved);
    // A GPU run needs no CPU workers: free them now rather than after the run.
    if (plan.backend.backend === "webgpu") pool?.close();
    // The metric "auto" resolved by the plan.
    const settings = { ...resolved.settings, metric: plan.metric.metric };
    // Data warnings and a long estimated run are shown before sampling, not only after it.
    if (resolved.progress !== false) {
      for (
        const w of preSamplingWarnings(plan.data, settings, resolved.workers, plan.method.method)
      ) {
        console.warn(`Warning: ${w}`);
      }
    }
    let run;
    try {
      run = await sampleFit(plan, resolved, {
        ...settings,
        onProgress: progress.onProgress,
        signal: resolved.signal,
        keepPartial: resolved.keepPartial,
        denseStart: plan.metric.denseStart,
      }, pool);
    } finally {
      await progress.finish();
    }
    const end = performance.now();
    const samplingStarted = progress.samplingStartedAt() || end;
    const info = assembleFitInfo(plan, run, settings, {
      start,
      compiled: compiledAt,
      samplingStarted,
      end,
    });
    return new Fit(spec, run.data, run.chains, info, table);
  } finally {
    pool?.close();
  }
}

/** A fitted model: draws, summaries, group effects and diagnostics. */
export class Fit implements FitResult {
  readonly spec: ModelSpec;
  readonly data: CompiledData;
  readonly chains: ChainDraws[];
  readonly info: FitInfo;
  /** The table the model was fitted to (null when the Fit was built without it). */
  readonly table: Table | null;
  /** Plots: fit.plot.coefficients(), .effectDistribution(), .effects({...}), .trace(name), … */
  readonly plot: FitPlots;
  #summary?: ParameterSummary[];
  #groupEffects?: GroupEffect[];
  #named?: NamedDraws;

  constructor(
    spec: ModelSpec,
    data: CompiledData,
    chains: ChainDraws[],
    info: FitInfo,
    table: Table | null = null,
  ) {
    this.spec = spec;
    this.table = table;
    this.data = data;
    this.chains = chains;
    this.info = info;
    this.plot = new FitPlots(this);
  }

  /**
   * The draws of every brms-named quantity (b_*, sd_*, cor_*, r_*, lp__, each group's effect),
   * made from the chains on first use, so that fit() returns without waiting for them.
   */
  get named(): NamedDraws {
    this.#named ??= generateQuantities(this.data, this.chains);
    return this.#named;
  }

  /** The fit as HTML: sampler, diagnostics (warnings highlighted), parameters. */
  toHTML(): string {
    checkNoArguments(arguments, "fit.toHTML()");
    return fitToHtml(this);
  }

  /** A bare `fit` at the end of a notebook cell shows its HTML summary. */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return { "text/html": this.toHTML(), "text/plain": formatFitSummary(this) };
  }

  /** Every group's effect as an HTML table. */
  groupEffectsHTML(): string {
    checkNoArguments(arguments, "fit.groupEffectsHTML()");
    return groupEffectsTableHtml(this.groupEffects());
  }

  /** Names of every parameter with draws (brms names), lp__ last. */
  get parameterNames(): string[] {
    return this.named.names;
  }

  /**
   * Draws of one parameter, chains concatenated (chain-major).
   * Unknown name → HetfxError with a suggestion.
   */
  draws(name: string): Float64Array {
    return parameterDraws(this.named, this.data.treatment, name, brmsAliases(this.data));
  }

  /** Draws of one parameter split by chain. */
  chainDraws(name: string): Float64Array[] {
    return splitChains(this.draws(name), this.named.chains);
  }

  /**
   * Posterior summary of every population-level, scale, correlation and family parameter
   * (varying effects r_* are left out; pass `{ varying: true }` to include them).
   */
  summary(options: { varying?: boolean } = {}): ParameterSummary[] {
    checkOptions(options, ["varying"], "Cannot summarise");
    checkBoolean(options.varying, "varying", "Cannot summarise");
    this.#summary ??= this.named.names.map((name) =>
      summarizeParameter(name, this.draws(name), this.named.chains)
    );
    return options.varying ? this.#summary : this.#summary.filter((p) => !p.name.startsWith("r_"));
  }

  /** The treatment effect in every observed group (every cell, for crossed terms). */
  groupEffects(): GroupEffect[] {
    checkNoArguments(arguments, "fit.groupEffects()");
    this.#groupEffects ??= groupEffectSummaries(this.data, this.named);
    return this.#groupEffects;
  }

  /** Draws of each group's effect, in the order of groupEffects(). */
  groupEffectDraws(): Float64Array[] {
    checkNoArguments(arguments, "fit.groupEffectDraws()");
    this.groupEffects();
    return this.named.cellEffects;
  }

  /** Each group's effect split into the group-level-predictor part and the varying part. */
  groupEffectParts(): { predicted: DrawSummary; varying: DrawSummary }[] {
    checkNoArguments(arguments, "fit.groupEffectParts()");
    this.groupEffects();
    return groupEffectParts(this.named);
  }

  /**
   * The paper's Figure 2 numbers: sd of all draws of all group effects; min/median/max group.
   * A factor treatment has one per contrast: name it with `{ contrast: "b - control" }`.
   */
  effectSpread(options: { contrast?: string } = {}): EffectSpread {
    checkOptions(options, ["contrast"], "Cannot compute the effect spread");
    return effectSpreadOf(this.groupEffects(), this.named.cellEffects, options.contrast);
  }

  /** The effect spread of every contrast of the treatment (one unless it is a factor). */
  effectSpreads(): EffectSpread[] {
    checkNoArguments(arguments, "fit.effectSpreads()");
    return this.data.contrasts.map((c) => this.effectSpread({ contrast: c.name }));
  }

  /** λ: the treatment's population-level coefficients and its interactions (paper Figure 1). */
  slopeCoefficients(): SlopeCoefficient[] {
    checkNoArguments(arguments, "fit.slopeCoefficients()");
    return slopeCoefficientsOf(this.data, (name) => this.draws(name));
  }

  /** Divergences, R-hat, ESS, tree depth and E-BFMI over the whole fit. */
  diagnostics(): FitDiagnostics {
    checkNoArguments(arguments, "fit.diagnostics()");
    return fitDiagnostics(this);
  }

  /**
   * Warnings a user must read, each with what to try: "Partial result" first when sampling was
   * cancelled (keepPartial), the data warnings found while compiling
   * (one-row groups, groups all or never treated, too many parameters), then the convergence
   * warnings. Empty when all checks pass.
   */
  warnings(): string[] {
    checkNoArguments(arguments, "fit.warnings()");
    return fitWarnings(this);
  }

  /** Sampler warnings only (divergences, R-hat, ESS, tree depth, E-BFMI); see {@link converged}. */
  convergenceWarnings(): string[] {
    checkNoArguments(arguments, "fit.convergenceWarnings()");
    return convergenceWarnings(this);
  }

  /** True only when no divergences and R-hat/ESS pass (never claims convergence otherwise). */
  get converged(): boolean {
    return this.convergenceWarnings().length === 0;
  }

  /** Predictions for `newdata` (default: training rows); see lib/posterior/predict.ts. */
  predict(newdata?: Table, options?: PredictOptions): RowPrediction[] {
    return predict(this, newdata, options);
  }

  /** Treatment effects averaged over rows: ATE first, then one per `by` cell (effects.ts). */
  effects(options?: EffectsOptions): EffectEstimate[] {
    return effects(this, options);
  }

  /** brms-style hypothesis tests, e.g. "alliance:white > 0" (hypothesis.ts). */
  hypothesis(h: string | readonly string[], options?: HypothesisOptions): HypothesisRow[] {
    return hypothesis(this, h, options);
  }

  /** Posterior difference of two groups' effects and P(a > b) (hypothesis.ts). */
  compareGroups(
    a: string | Record<string, string>,
    b: string | Record<string, string>,
    options?: { contrast?: string },
  ): GroupComparison {
    return compareGroups(this, a, b, options);
  }

  /** Population-weighted effects over a table of population cells (poststratify.ts). */
  poststratify(population: Table, options: PoststratifyOptions): PoststratifyResult {
    return poststratify(this, population, options);
  }

  /** Observed vs replicated outcomes for posterior predictive checks (pp_check.ts). */
  ppCheck(options?: PpCheckOptions): PpCheckData {
    return ppCheck(this, options);
  }

  /** PSIS-LOO per observation (loo.ts). */
  loo(): LooResult {
    checkNoArguments(arguments, "fit.loo()");
    return loo(this);
  }

  /** Draws as CSV for R's posterior package (export.ts). */
  drawsToCsv(options?: ExportOptions): string {
    return drawsToCsv(this, options);
  }

  /** The draws CSV written to a file piece by piece, for fits too large for one string (export.ts). */
  writeDrawsCsv(path: string | URL, options?: ExportOptions): Promise<void> {
    return writeDrawsCsv(this, path, options);
  }

  /** The JSON result (the command line's output; lib/posterior/fit_json.ts). */
  toJSON(): Record<string, unknown> {
    return fitToJSON(this);
  }
}
