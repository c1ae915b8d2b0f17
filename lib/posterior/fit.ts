/**
 * Fitting a ModelSpec to a table, and the Fit object users read results from.
 */
import type { Table } from "../data/table.ts";
import type { ModelSpec } from "../spec/model_spec.ts";
import { HetfxError } from "../errors.ts";
import { checkOptions, optionNames } from "../options.ts";
import { compileModel } from "../model/compile.ts";
import { preSamplingWarnings } from "./pre_sampling_warnings.ts";
import { applyParameterization, type Parameterization } from "../model/auto_parameterization.ts";
import { describeNonFiniteDensity } from "../model/init_diagnosis.ts";
import { CompiledModel } from "../model/compiled_model.ts";
import type { CompiledData } from "../model/compiled_data.ts";
import type { ChainDraws, SampleOptions, SampleProgress } from "../sampler/backend.ts";
import { CpuBackend } from "../sampler/cpu_backend.ts";
import { sampleInWorkers } from "../sampler/parallel.ts";
import { chooseBackend } from "../webgpu/select_backend.ts";
import { WebGpuBackend, type WebGpuRunInfo } from "../webgpu/webgpu_backend.ts";
import type { AdapterProvider } from "../webgpu/device.ts";
import { gpuSupportsGeometry } from "../webgpu/layout.ts";
import { nestedRhat } from "../diagnostics/nested_rhat.ts";
import { generateQuantities, type NamedDraws, splitChains } from "./generated.ts";
import type { EffectSpread, GroupEffect, ParameterSummary, SlopeCoefficient } from "./types.ts";
import { essBulk, essTail } from "../diagnostics/ess.ts";
import { rhat } from "../diagnostics/rhat.ts";
import { summarizeDraws } from "../diagnostics/quantiles.ts";
import { samplerDiagnostics } from "../diagnostics/sampler.ts";
import { defaultProgressReporter } from "./progress.ts";
import { FitPlots } from "./fit_plots.ts";
import { groupEffectsTableHtml, summaryTableHtml } from "../display/tables.ts";
import { predict, type PredictOptions, type RowPrediction } from "./predict.ts";
import { type EffectEstimate, effects, type EffectsOptions } from "./effects.ts";
import {
  compareGroups,
  type GroupComparison,
  hypothesis,
  type HypothesisOptions,
  type HypothesisRow,
} from "./hypothesis.ts";
import { poststratify, type PoststratifyOptions, type PoststratifyResult } from "./poststratify.ts";
import { ppCheck, type PpCheckData, type PpCheckOptions } from "./pp_check.ts";
import { loo, type LooResult } from "./loo.ts";
import { chooseMethod, type InferenceMethod, sampleCollapsed } from "./inference_method.ts";
import { drawsToCsv, type ExportOptions } from "./export.ts";
import { partialChains, partialResultWarning } from "./partial_result.ts";
import { canonicalChainDraws, type SdScale, withSdScales } from "../model/signed_scales.ts";
import { LINK_SCALE } from "./format_summary.ts";

/** Options of `fit()`; brms names in camelCase. */
export interface FitOptions {
  chains?: number;
  warmup?: number;
  draws?: number;
  seed?: number;
  /** Target acceptance rate (brms `adapt_delta`), in (0, 1). Default 0.8. */
  adaptDelta?: number;
  maxTreedepth?: number;
  metric?: "diag" | "dense";
  /**
   * How warmup starts: "laplace" (default) climbs to near the mode and starts from the Laplace
   * approximation with its curvature as the first metric; "stan" starts like Stan (uniform(−2, 2)
   * inits, unit metric). Both then run Stan's windowed adaptation; "laplace" saves most of the
   * deep trees of early warmup (see lib/sampler/laplace_metric.ts and bench/results/).
   */
  warmupStart?: "stan" | "laplace";
  /**
   * How the sampler holds the varying effects: "auto" (default) chooses per term from the data —
   * plainly non-centred where groups have little data relative to their spread; otherwise as
   * the level mean and data-centred level contrasts, each non-centred where the data say little
   * and centred where they dominate (lib/model/auto_parameterization.ts); "centered" /
   * "noncentered" for every term; or per term by group name (`{ race: "centered" }`, others
   * "auto"). The posterior is the same whatever the choice; fit.info.parameterization says what
   * was used.
   * The WebGPU backend runs "auto" terms non-centred; a collapsed fit (method) integrates the
   * varying effects out, so "auto" is not evaluated there and the terms are reported non-centred.
   */
  parameterization?: Parameterization;
  /**
   * "auto" (default): WebGPU when an adapter exists and the model is big enough to gain (see
   * lib/webgpu/select_backend.ts), else CPU; "cpu": NUTS; "webgpu": ChEES-HMC on the GPU
   * (HetfxError when there is no adapter). fit.info says which ran and why.
   */
  backend?: "auto" | "cpu" | "webgpu";
  /**
   * How NUTS and the WebGPU sampler hold the sds of plain non-centred terms: "auto" (default)
   * and "signed" sample each sd whose prior is symmetric about 0 as a signed scale u (sd = |u|;
   * lib/model/signed_scales.ts), "log" as log sd. Draws are reported the same way either way
   * (sd_* positive). A collapsed fit's level-collapsed target makes its own per-sd choice.
   */
  sdScale?: SdScale;
  /**
   * "auto" (default): "collapsed" for a gaussian model whose Intercept/b priors are all normal
   * with at most 120 coefficients, else "nuts"; "nuts": NUTS on every parameter; "collapsed":
   * integrate the coefficients out exactly, run NUTS on the scales, correlations and sigma, then
   * draw the coefficients given them (see lib/posterior/inference_method.ts). fit.info.method says
   * which ran and why.
   */
  method?: "auto" | "nuts" | "collapsed";
  /** WebGPU backend: keep every `thin`-th state of each chain (default 1). */
  thin?: number;
  /** Where WebGPU adapters come from (tests inject one returning null). */
  adapterProvider?: AdapterProvider;
  /** Run chains in parallel worker threads (default: when the machine has more than one core). */
  workers?: number;
  /**
   * Progress display: true (default) shows one, updated in place, in a Deno notebook and a bar
   * on stderr elsewhere; false is silent.
   */
  progress?: boolean | ((p: SampleProgress) => void);
  /** Aborting stops sampling promptly: HetfxError "sampling cancelled" (see keepPartial). */
  signal?: AbortSignal;
  /**
   * On abort, return a Fit from the post-warmup draws completed so far instead of throwing: every
   * chain truncated to the same number of kept draws, `fit.info.cancelled` true and a
   * "Partial result" warning. Still a HetfxError when some chain had no kept draw yet, and on the
   * WebGPU backend (which keeps no partial draws). Default false.
   */
  keepPartial?: boolean;
}

/** Sampler-level diagnostics (DESIGN.md JSON `diagnostics`). */
export interface FitDiagnostics {
  divergences: number;
  max_rhat: number;
  min_ess_bulk: number;
  min_ess_tail: number;
  max_treedepth_hits: number;
  ebfmi_min: number;
}

/** How the fit was made. */
export interface FitInfo {
  backend: "cpu" | "webgpu";
  /** "nuts" (every parameter) or "collapsed" (coefficients integrated out), and why. */
  method: InferenceMethod;
  methodReason: string;
  adapter: string | null;
  backendReason: string;
  timing: { compile_s: number; warmup_s: number; sampling_s: number; total_s: number };
  options: typeof DEFAULTS;
  rows: number;
  cells: number;
  compressedTo: number;
  /** WebGPU runs: step size, trajectory length, steps per iteration, gradient evaluations. */
  webgpu?: WebGpuRunInfo;
  /**
   * WebGPU runs (many short chains): the largest nested R-hat (Margossian et al. 2023) over the
   * unconstrained population-level, scale, correlation and family parameters, with superchains
   * of {@link NESTED_RHAT_SUPERCHAIN} consecutive chains (1 when the chain count is not a multiple).
   */
  nestedRhat?: { max: number; superchainSize: number };
  /** How each term's varying effects were parameterised (see FitOptions.parameterization). */
  parameterization: TermParameterizationInfo[];
  /** True when sampling was cancelled and the Fit holds partial draws (keepPartial). */
  cancelled?: boolean;
}

/** How one term was parameterised (fit.info.parameterization). */
export interface TermParameterizationInfo {
  term: string;
  /** Per coefficient: 1 non-centred, 0 centred, in between partially centred. */
  noncentering: Record<string, number>;
  /** Sampled as the level mean (non-centred) and contrasts between levels. */
  contrasts: boolean;
  /**
   * The contrasts (or levels) held relative to a pilot fit's estimates and information
   * (lib/model/data_centring.ts): non-centred where the data say little, centred where they
   * dominate. The level mean is always non-centred, so `noncentering` is not used and reads 1.
   */
  data_centring: boolean;
  /** The level mean moved into the population-level coefficients. */
  mean_in_coefficients: boolean;
  /** Chosen by the "auto" rule. */
  auto: boolean;
  /**
   * Per coefficient: how NUTS or WebGPU held its sd in the full model, "signed" (u, sd = |u|) or
   * "log". A collapsed fit reports "log": its level-collapsed target chooses per sd on its own
   * (lib/model/level_collapsed_gaussian.ts).
   */
  sd_scale: Record<string, "signed" | "log">;
}

function parameterizationInfo(data: CompiledData): TermParameterizationInfo[] {
  return data.terms.map((t) => ({
    term: t.group,
    noncentering: Object.fromEntries(
      t.coefNames.map((c, k) => [c, Math.round(t.noncentering[k] * 1000) / 1000]),
    ),
    contrasts: t.contrasts,
    data_centring: t.dataCentring !== undefined,
    mean_in_coefficients: t.meanInBeta,
    auto: t.auto !== undefined,
    sd_scale: Object.fromEntries(
      t.coefNames.map((c, k) => [c, t.signedSd?.[k] ? "signed" : "log"]),
    ),
  }));
}

/** Superchain size for the nested R-hat of WebGPU runs. */
export const NESTED_RHAT_SUPERCHAIN = 4;

function nestedRhatOf(
  data: CompiledData,
  chains: ChainDraws[],
): { max: number; superchainSize: number } {
  const size =
    chains.length % NESTED_RHAT_SUPERCHAIN === 0 && chains.length > NESTED_RHAT_SUPERCHAIN
      ? NESTED_RHAT_SUPERCHAIN
      : 1;
  const isZ = new Uint8Array(data.dim);
  for (const t of data.terms) isZ.fill(1, t.zOffset, t.zOffset + t.nGroups * t.coefNames.length);
  let max = -Infinity;
  for (let e = 0; e < data.dim; e++) {
    if (isZ[e]) continue;
    const perChain = chains.map((c) => {
      const n = c.logDensity.length;
      return Float64Array.from({ length: n }, (_, d) => c.theta[d * data.dim + e]);
    });
    const r = nestedRhat(perChain, size);
    if (Number.isFinite(r)) max = Math.max(max, r);
  }
  return { max, superchainSize: size };
}

const DEFAULTS = {
  chains: 4,
  warmup: 1000,
  draws: 1000,
  seed: 1,
  adaptDelta: 0.8,
  maxTreedepth: 10,
  metric: "diag" as "diag" | "dense",
  warmupStart: "laplace" as "stan" | "laplace",
};

/**
 * Fit `spec` to `table` with NUTS and return a {@link Fit}.
 *
 * @example
 * ```ts ignore
 * import { fitModel } from "./fit.ts";
 * const fit = await fitModel(spec, table, { chains: 4, seed: 1 });
 * fit.summary();
 * ```
 */
export async function fitModel(
  spec: ModelSpec,
  table: Table,
  options: FitOptions = {},
): Promise<Fit> {
  checkOptions(options, FIT_OPTION_KEYS, "Cannot fit", BRMS_OPTION_NAMES);
  const o = { ...DEFAULTS, ...dropUndefined(options) };
  validateOptions(o);
  const start = performance.now();
  // The auto rule's pilot fit only matters to NUTS (a collapsed fit integrates the varying
  // effects out), so it runs after the method is chosen.
  const parameterization = options.parameterization ?? "auto";
  const deferAuto = parameterization === "auto";
  let data = compileModel(spec, table, {
    parameterization: deferAuto ? "noncentered" : parameterization,
  });
  const compiled = performance.now();
  let samplingStarted = 0;
  const reporter: ((p: SampleProgress) => void | Promise<void>) | undefined =
    typeof options.progress === "function"
      ? options.progress
      : options.progress === false
      ? undefined
      : defaultProgressReporter();
  const onProgress = (p: SampleProgress) => {
    if (p.phase === "sampling" && samplingStarted === 0) samplingStarted = performance.now();
    reporter?.(p);
  };
  const settings = {
    chains: o.chains,
    warmup: o.warmup,
    draws: o.draws,
    seed: o.seed,
    adaptDelta: o.adaptDelta,
    maxTreedepth: o.maxTreedepth,
    metric: o.metric,
    warmupStart: o.warmupStart,
  };
  const sampleOptions: SampleOptions = {
    ...settings,
    onProgress,
    signal: options.signal,
    keepPartial: options.keepPartial,
  };
  const workers = options.workers ?? Math.min(o.chains, navigator.hardwareConcurrency ?? 1);
  const method = chooseMethod(options.method ?? "auto", data, options.backend);
  // Data warnings and a long estimated run are shown before sampling, not only after it.
  if (options.progress !== false) {
    for (const w of preSamplingWarnings(data, o, workers, method.method)) {
      console.warn(`Warning: ${w}`);
    }
  }
  if (deferAuto && method.method === "nuts") data = applyParameterization(data, "auto");
  // Backend: auto | cpu | webgpu (lib/webgpu/select_backend.ts).
  const choice = method.method === "collapsed"
    ? { backend: "cpu" as const, gpu: null, adapter: null, reason: "collapsed target on the CPU" }
    : await chooseBackend(options.backend ?? "auto", data, o.chains, {
      provider: options.adapterProvider,
    });
  let backendReason = choice.reason;
  let usedBackend = choice.backend;
  let webgpuRun: WebGpuRunInfo | null = null;
  let chains: ChainDraws[] = [];
  let cancelled = false;
  if (choice.gpu && !gpuSupportsGeometry(data)) data = applyParameterization(data, "noncentered");
  // What NUTS or WebGPU samples: `data` with the chosen sd scales (a collapsed fit has its own).
  const sampled = method.method === "collapsed"
    ? data
    : withSdScales(data, options.sdScale ?? "auto");
  try {
    if (choice.gpu) {
      const gpuBackend = new WebGpuBackend({ gpu: choice.gpu, thin: options.thin });
      try {
        chains = await gpuBackend.sample(new CompiledModel(sampled), sampleOptions);
        webgpuRun = gpuBackend.lastRun;
      } catch (error) {
        // Device lost mid-run: with auto, continue on the CPU and say so.
        if (!(options.backend !== "webgpu" && choice.gpu.lost)) throw error;
        usedBackend = "cpu";
        backendReason = `${choice.reason}; the WebGPU device was lost during sampling, so the ` +
          "fit was rerun on the CPU (NUTS)";
      }
    }
    if (method.method === "collapsed") {
      chains = await sampleCollapsed(data, sampleOptions, workers);
    } else if (usedBackend === "cpu") {
      chains = workers > 1 && o.chains > 1
        ? await sampleInWorkers(
          {
            module: new URL("../model/compiled_model.ts", import.meta.url).href,
            exportName: "modelFromData",
            args: sampled,
          },
          { ...withoutCallbacks(sampleOptions), workers },
          { onProgress, signal: options.signal },
        )
        : await new CpuBackend().sample(new CompiledModel(sampled), sampleOptions);
    }
  } catch (error) {
    const partial = options.keepPartial ? partialChains(error) : null;
    if (partial === null) throw explainInitFailure(error, data);
    chains = partial;
    cancelled = true;
  } finally {
    await reporter?.({ done: -1, total: -1, divergences: 0, phase: "sampling" });
  }
  // Signed scales back to log sds: the draws are then points of `data`'s parameterisation.
  chains = chains.map((c) => canonicalChainDraws(sampled, c));
  const end = performance.now();
  if (samplingStarted === 0) samplingStarted = end;
  const info: FitInfo = {
    backend: usedBackend,
    method: method.method,
    methodReason: method.reason,
    adapter: usedBackend === "webgpu" ? choice.adapter : null,
    backendReason,
    ...(webgpuRun ? { webgpu: webgpuRun, nestedRhat: nestedRhatOf(data, chains) } : {}),
    timing: {
      compile_s: (compiled - start) / 1000,
      warmup_s: (samplingStarted - compiled) / 1000,
      sampling_s: (end - samplingStarted) / 1000,
      total_s: (end - start) / 1000,
    },
    options: settings,
    rows: data.nRows,
    cells: data.nCells,
    compressedTo: data.stats.kind === "gaussian" ? data.nCells : data.stats.nPatterns,
    parameterization: parameterizationInfo(sampled),
    cancelled,
  };
  return new Fit(spec, data, chains, info, table);
}

function withoutCallbacks(o: SampleOptions): Omit<SampleOptions, "onProgress" | "signal"> {
  const { onProgress: _onProgress, signal: _signal, ...rest } = o;
  return rest;
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Every FitOptions name (checked against the type by the compiler). */
const FIT_OPTION_KEYS = optionNames<FitOptions>({
  chains: true,
  warmup: true,
  draws: true,
  seed: true,
  adaptDelta: true,
  maxTreedepth: true,
  metric: true,
  warmupStart: true,
  parameterization: true,
  backend: true,
  sdScale: true,
  method: true,
  thin: true,
  adapterProvider: true,
  workers: true,
  progress: true,
  signal: true,
  keepPartial: true,
});

/** brms/Stan argument names and what they are called here. */
const BRMS_OPTION_NAMES: Record<string, string> = {
  adapt_delta: "adaptDelta",
  max_treedepth: "maxTreedepth",
  chain: "chains",
  cores: "workers",
  iter: "warmup and draws (brms's iter = warmup + draws)",
  warmup_iter: "warmup",
  samples: "draws",
  iter_sampling: "draws",
  iter_warmup: "warmup",
  control: "adaptDelta and maxTreedepth (given directly, not in control)",
};

/** A value as an error message shows it (JSON, but NaN and ±Infinity as themselves). */
function shown(value: unknown): string {
  return typeof value === "number" && !Number.isFinite(value)
    ? String(value)
    : JSON.stringify(value);
}

function validateOptions(o: typeof DEFAULTS & FitOptions): void {
  const bad = (name: string, value: unknown, what: string) =>
    new HetfxError(`Cannot fit: option ${name} = ${shown(value)} ${what}.`);
  if (!Number.isInteger(o.chains) || o.chains < 1) {
    throw bad("chains", o.chains, "must be a whole number ≥ 1");
  }
  if (!Number.isInteger(o.warmup) || o.warmup < 0) {
    throw bad("warmup", o.warmup, "must be a whole number ≥ 0");
  }
  if (!Number.isInteger(o.draws) || o.draws < 1) {
    throw bad("draws", o.draws, "must be a whole number ≥ 1");
  }
  if (!Number.isInteger(o.seed)) throw bad("seed", o.seed, "must be a whole number");
  if (!(o.adaptDelta > 0 && o.adaptDelta < 1)) {
    throw bad("adaptDelta", o.adaptDelta, "must lie strictly between 0 and 1 (e.g. 0.95)");
  }
  if (!Number.isInteger(o.maxTreedepth) || o.maxTreedepth < 1) {
    throw bad("maxTreedepth", o.maxTreedepth, "must be a whole number ≥ 1");
  }
  if (o.metric !== "diag" && o.metric !== "dense") {
    throw bad("metric", o.metric, 'must be "diag" or "dense"');
  }
  const p = o.parameterization;
  const choices = ["auto", "centered", "noncentered"];
  if (
    p !== undefined &&
    !(typeof p === "string" && choices.includes(p)) &&
    !(typeof p === "object" && p !== null && !Array.isArray(p) &&
      Object.values(p).every((v) => choices.includes(v)))
  ) {
    throw bad(
      "parameterization",
      p,
      'must be "auto", "centered", "noncentered" or an object of those by term',
    );
  }
  if (o.warmupStart !== "stan" && o.warmupStart !== "laplace") {
    throw bad("warmupStart", o.warmupStart, 'must be "laplace" or "stan"');
  }
  if (o.method !== undefined && !["auto", "nuts", "collapsed"].includes(o.method)) {
    throw bad("method", o.method, 'must be "auto", "nuts" or "collapsed"');
  }
  if (o.backend !== undefined && !["auto", "cpu", "webgpu"].includes(o.backend)) {
    throw bad("backend", o.backend, 'must be "auto", "cpu" or "webgpu"');
  }
  if (o.sdScale !== undefined && !["auto", "signed", "log"].includes(o.sdScale)) {
    throw bad("sdScale", o.sdScale, 'must be "auto", "signed" or "log"');
  }
}

function explainInitFailure(error: unknown, data: CompiledData): unknown {
  if (error instanceof HetfxError && /initial point/.test(error.message)) {
    const why = describeNonFiniteDensity(data);
    if (why !== "") return new HetfxError(`Cannot fit: ${error.message}: ${why}.`);
    return new HetfxError(
      `${error.message} The model has ${data.dim} parameters (population-level coefficients, ` +
        `${data.terms.length} varying-effect block(s)` +
        `${data.sigmaOffset >= 0 ? ", sigma" : ""}); ` +
        "check that the priors are proper and the outcome suits the family.",
    );
  }
  return error;
}

/** A fitted model: draws, summaries, group effects and diagnostics. */
export class Fit {
  readonly spec: ModelSpec;
  readonly data: CompiledData;
  readonly chains: ChainDraws[];
  readonly info: FitInfo;
  readonly named: NamedDraws;
  /** The table the model was fitted to (null when the Fit was built without it). */
  readonly table: Table | null;
  /** Plots: fit.plot.coefficients(), .effectDistribution(), .effects({...}), .trace(name), … */
  readonly plot: FitPlots;
  #summary?: ParameterSummary[];
  #groupEffects?: GroupEffect[];

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
    this.named = generateQuantities(data, chains);
    this.plot = new FitPlots(this);
  }

  /** The fit as HTML: sampler, diagnostics (warnings highlighted), parameters. */
  toHTML(): string {
    const d = this.diagnostics();
    const o = this.info.options;
    const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
    const warnings = this.warnings();
    const spread = this.data.treatment !== null ? this.effectSpread() : null;
    return [
      `<div class="hetfx-fit"><b>hetfx fit</b>: ${esc(this.spec.family)} model of ` +
      `<code>${esc(this.spec.outcome)}</code>, ${this.info.rows} rows ` +
      `(compressed to ${this.info.compressedTo}), ${this.data.terms.length} varying-effect term(s)<br>`,
      `${
        this.info.backend === "webgpu"
          ? `ChEES-HMC on WebGPU (${this.info.adapter})`
          : "NUTS on cpu"
      }: ${o.chains} chains × (${o.warmup} + ${o.draws}), ` +
      `adapt_delta ${o.adaptDelta}, ${this.info.timing.total_s.toFixed(2)} s<br>`,
      `Divergences ${d.divergences}, max R-hat ${d.max_rhat.toFixed(3)}, ` +
      `min ESS bulk/tail ${Math.round(d.min_ess_bulk)}/${Math.round(d.min_ess_tail)}, ` +
      `tree-depth hits ${d.max_treedepth_hits}<br>`,
      warnings.map((w) => `<div style="color:#b00020">⚠ ${esc(w)}</div>`).join("") +
      (this.converged ? `<div style="color:#1b5e20">All convergence checks passed.</div>` : ""),
      spread
        ? `Effect of <code>${esc(this.data.treatment!)}</code> ${
          LINK_SCALE[this.spec.family]
        }: sd of all group-effect draws ` +
          `${spread.sd_all_draws.toFixed(2)}; min ${spread.min.mean.toFixed(2)} (${
            esc(spread.min.group)
          }), median ${spread.median.mean.toFixed(2)}, max ${spread.max.mean.toFixed(2)} ` +
          `(${esc(spread.max.group)})`
        : "",
      summaryTableHtml(this.summary().filter((p) => p.name !== "lp__")),
      "</div>",
    ].join("\n");
  }

  /** A bare `fit` at the end of a notebook cell shows its HTML summary. */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return { "text/html": this.toHTML() };
  }

  /** Every group's effect as an HTML table. */
  groupEffectsHTML(): string {
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
    if (typeof name !== "string") {
      throw new HetfxError(
        `Cannot get draws: give a parameter name such as "b_${this.data.treatment ?? "x"}", ` +
          `got ${name === null ? "null" : typeof name}. See fit.parameterNames.`,
      );
    }
    const values = this.named.values.get(name);
    if (values === undefined) {
      // brms names: a bare coefficient is b_<name>; otherwise names sharing a prefix.
      const prefixed = ["b_", "sd_", "r_"].map((p) => p + name).filter((n) =>
        this.named.values.has(n)
      );
      const close = prefixed.length > 0
        ? prefixed
        : this.named.names.filter((n) => n.startsWith(name.slice(0, 4))).slice(0, 5);
      throw new HetfxError(
        `No parameter "${name}" in this fit` +
          (close.length ? `; did you mean ${close.map((n) => `"${n}"`).join(", ")}?` : ".") +
          " See fit.parameterNames.",
      );
    }
    return values;
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
    if (!this.#summary) {
      this.#summary = this.named.names.map((name) => this.#summarize(name, this.draws(name)));
    }
    return options.varying ? this.#summary : this.#summary.filter((p) => !p.name.startsWith("r_"));
  }

  #summarize(name: string, values: Float64Array): ParameterSummary {
    const chains = splitChains(values, this.named.chains);
    return {
      name,
      ...summarizeDraws(values),
      rhat: rhat(chains),
      ess_bulk: essBulk(chains),
      ess_tail: essTail(chains),
    };
  }

  /** The treatment effect in every observed group (every cell, for crossed terms). */
  groupEffects(): GroupEffect[] {
    if (this.data.treatment === null) {
      throw new HetfxError(
        "This model has no treatment, so it has no group effects; set one with .treatment(col) " +
          "or a varying slope (1 + treat | g).",
      );
    }
    if (!this.#groupEffects) {
      const term = [...new Set(this.data.terms.flatMap((t) => t.factors))].join(":");
      this.#groupEffects = this.named.cellEffects.map((values, c) => {
        const chains = splitChains(values, this.named.chains);
        return {
          term,
          group: this.data.cellLabels[c],
          levels: this.data.cellLevels[c],
          n: this.data.cellCount[c],
          ...summarizeDraws(values),
          rhat: rhat(chains),
          ess_bulk: essBulk(chains),
        };
      });
    }
    return this.#groupEffects;
  }

  /** Draws of each group's effect, in the order of groupEffects(). */
  groupEffectDraws(): Float64Array[] {
    this.groupEffects();
    return this.named.cellEffects;
  }

  /** Each group's effect split into the group-level-predictor part and the varying part. */
  groupEffectParts(): {
    predicted: ReturnType<typeof summarizeDraws>;
    varying: ReturnType<typeof summarizeDraws>;
  }[] {
    this.groupEffects();
    return this.named.cellPredicted.map((p, c) => ({
      predicted: summarizeDraws(p),
      varying: summarizeDraws(this.named.cellVarying[c]),
    }));
  }

  /** The paper's Figure 2 numbers: sd of all draws of all group effects; min/median/max group. */
  effectSpread(): EffectSpread {
    const effects = this.groupEffects();
    const all = this.named.cellEffects;
    let sum = 0;
    let count = 0;
    for (const a of all) for (const v of a) (sum += v), count++;
    const mean = sum / count;
    let ss = 0;
    for (const a of all) for (const v of a) ss += (v - mean) * (v - mean);
    const order = effects.map((_, i) => i).sort((a, b) => effects[a].mean - effects[b].mean);
    return {
      sd_all_draws: Math.sqrt(ss / (count - 1)),
      min: effects[order[0]],
      median: effects[order[Math.floor((order.length - 1) / 2)]],
      max: effects[order[order.length - 1]],
    };
  }

  /** λ: the treatment's population-level coefficients and its interactions (paper Figure 1). */
  slopeCoefficients(): SlopeCoefficient[] {
    const treatment = this.data.treatment;
    if (treatment === null) {
      throw new HetfxError("This model has no treatment, so it has no slope coefficients.");
    }
    const out: SlopeCoefficient[] = [];
    this.data.fixedNames.forEach((name, p) => {
      const vars = this.data.fixedTerms[p].split(":");
      if (!vars.includes(treatment)) return;
      const others = name.split(":").filter((v) => v !== treatment);
      out.push({
        name: `b_${name}`,
        label: name.split(":").join(" × "),
        predictor: others.length ? others.join(":") : "(treatment)",
        ...summarizeDraws(this.draws(`b_${name}`)),
      });
    });
    return out;
  }

  /** Divergences, R-hat, ESS, tree depth and E-BFMI over the whole fit. */
  diagnostics(): FitDiagnostics {
    const params = this.summary();
    const sampler = samplerDiagnostics(this.chains, this.info.options.maxTreedepth);
    const finite = (xs: number[]) => xs.filter((x) => Number.isFinite(x));
    const checked = params.filter((p) => p.name !== "lp__");
    return {
      divergences: sampler.divergences,
      max_rhat: Math.max(...finite(checked.map((p) => p.rhat))),
      min_ess_bulk: Math.min(...finite(checked.map((p) => p.ess_bulk))),
      min_ess_tail: Math.min(...finite(checked.map((p) => p.ess_tail))),
      max_treedepth_hits: sampler.maxTreedepthHits,
      ebfmi_min: sampler.ebfmiMin,
    };
  }

  /**
   * Warnings a user must read, each with what to try: "Partial result" first when sampling was
   * cancelled (keepPartial), the data warnings found while compiling
   * (one-row groups, groups all or never treated, too many parameters), then the convergence
   * warnings. Empty when all checks pass.
   */
  warnings(): string[] {
    const partial = this.info.cancelled
      ? [partialResultWarning(this.named.drawsPerChain, this.info.options.draws, this.named.chains)]
      : [];
    return [...partial, ...(this.data.warnings ?? []), ...this.convergenceWarnings()];
  }

  /** Sampler warnings only (divergences, R-hat, ESS, tree depth, E-BFMI); see {@link converged}. */
  convergenceWarnings(): string[] {
    const d = this.diagnostics();
    const out: string[] = [];
    const total = this.named.chains * this.named.drawsPerChain;
    // diagnostics() skips non-finite R-hat/ESS; never let a stuck parameter pass as converged.
    const unknown = this.summary().filter((p) =>
      p.name !== "lp__" &&
      !(Number.isFinite(p.rhat) && Number.isFinite(p.ess_bulk) && Number.isFinite(p.ess_tail))
    ).map((p) => p.name);
    if (unknown.length > 0) {
      out.push(
        `R-hat/ESS cannot be computed for ${unknown.slice(0, 5).join(", ")}` +
          `${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ""}: their draws do not ` +
          "vary (stuck chains?). Run more warmup and draws, and check the model and priors.",
      );
    }
    if (d.divergences > 0) {
      out.push(
        `${d.divergences} of ${total} transitions after warmup were divergent: the posterior may be ` +
          "biased. Raise adaptDelta (e.g. 0.99), or reparameterise / use stronger priors.",
      );
    }
    // Many short chains (WebGPU) are judged by nested R-hat (Margossian et al. 2023): classic
    // R-hat over 100-draw chains flags transient noise that pooling across chains removes.
    const nested = this.info.nestedRhat;
    if (nested !== undefined) {
      if (!(nested.max <= 1.01)) {
        out.push(
          `Largest nested R-hat is ${nested.max.toFixed(3)} (> 1.01, superchains of ` +
            `${nested.superchainSize}): the chains have not forgotten their starts. ` +
            "Run more warmup, and check the model.",
        );
      }
    } else if (d.max_rhat > 1.01) {
      out.push(
        `Largest R-hat is ${d.max_rhat.toFixed(3)} (> 1.01): chains have not mixed. ` +
          "Run more warmup and draws, and check the model.",
      );
    }
    // 100 per chain as in the posterior package, capped at 400 in all (Vehtari et al. 2021's
    // guideline), so that hundreds of GPU chains are not asked for tens of thousands.
    const essTarget = 100 * Math.min(this.named.chains, 4);
    if (d.min_ess_bulk < essTarget || d.min_ess_tail < essTarget) {
      out.push(
        `Smallest bulk/tail ESS is ${Math.round(d.min_ess_bulk)}/${Math.round(d.min_ess_tail)} ` +
          `(< ${essTarget}): means and intervals are unreliable. Run more draws.`,
      );
    }
    if (d.max_treedepth_hits > 0) {
      out.push(
        `${d.max_treedepth_hits} transitions hit the maximum tree depth ` +
          `${this.info.options.maxTreedepth}: raise maxTreedepth or reparameterise.`,
      );
    }
    if (d.ebfmi_min < 0.3) {
      out.push(
        `E-BFMI as low as ${d.ebfmi_min.toFixed(2)} (< 0.3): the sampler explores the energy ` +
          "poorly; consider reparameterising.",
      );
    }
    return out;
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
  ): GroupComparison {
    return compareGroups(this, a, b);
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
    return loo(this);
  }

  /** Draws as CSV for R's posterior package (export.ts). */
  drawsToCsv(options?: ExportOptions): string {
    return drawsToCsv(this, options);
  }

  /** The DESIGN.md JSON result. */
  toJSON(): Record<string, unknown> {
    const pick = (g: GroupEffect) => ({
      term: g.term,
      group: g.group,
      levels: g.levels,
      n: g.n,
      mean: g.mean,
      sd: g.sd,
      "q2.5": g["q2.5"],
      q50: g.q50,
      "q97.5": g["q97.5"],
      rhat: g.rhat,
      ess_bulk: g.ess_bulk,
    });
    const hasEffects = this.data.treatment !== null;
    const spread = hasEffects ? this.effectSpread() : null;
    return {
      spec: this.spec,
      backend: this.info.backend,
      adapter: this.info.adapter,
      backend_reason: this.info.backendReason,
      ...(this.info.cancelled ? { cancelled: true } : {}),
      ...(this.info.nestedRhat
        ? { nested_rhat: this.info.nestedRhat, webgpu: this.info.webgpu }
        : {}),
      timing: this.info.timing,
      parameterization: this.info.parameterization,
      diagnostics: this.diagnostics(),
      warnings: this.warnings(),
      parameters: this.summary(),
      group_effects: hasEffects ? this.groupEffects().map(pick) : [],
      effect_spread: spread
        ? {
          sd_all_draws: spread.sd_all_draws,
          min: pick(spread.min),
          median: pick(spread.median),
          max: pick(spread.max),
        }
        : null,
    };
  }
}
