/**
 * The options of `fit()`: their names, their one table of defaults and their one validator.
 * Sampler settings follow the rules of lib/sampler/sample_options.ts (the backends check what
 * they are given with the same rules); the choices only a fit has are checked here.
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import { checkBoolean, checkOptions, optionNames } from "../options.ts";
import type { SampleProgress, SampleSettings, WarmupStart } from "../sampler/backend.ts";
import { checkSampleSettings, checkWholeOption, shownValue } from "../sampler/sample_options.ts";
import type { Parameterization } from "../model/auto_parameterization.ts";
import type { SdScale } from "../model/signed_scales.ts";
import type { AdapterProvider } from "../webgpu/device.ts";
import { jupyterDisplay } from "../display/notebook_progress.ts";

/** Options of `fit()`; brms names in camelCase. Defaults: {@link FIT_DEFAULTS}. */
export interface FitOptions {
  chains?: number;
  warmup?: number;
  draws?: number;
  seed?: number;
  /** Target acceptance rate (brms `adapt_delta`), in (0, 1). Default 0.8. */
  adaptDelta?: number;
  maxTreedepth?: number;
  /**
   * NUTS's metric: "auto" (default) takes a dense one where a pilot's posterior correlations
   * would make a diagonal one take many more leapfrog steps (lib/fit/metric_choice.ts), else
   * diagonal; fit.info.metric says which, and why. WebGPU's ChEES-HMC adapts a diagonal one
   * only: "dense" is refused with backend "webgpu", and makes backend "auto" run on the CPU.
   */
  metric?: "auto" | "diag" | "dense";
  /**
   * How warmup starts: "laplace" (default) climbs to near the mode and starts from the Laplace
   * approximation with its curvature as the first metric; "stan" starts like Stan (uniform(−2, 2)
   * inits, unit metric). Both then run Stan's windowed adaptation; "laplace" saves most of the
   * deep trees of early warmup (see lib/sampler/laplace_metric.ts).
   */
  warmupStart?: WarmupStart;
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
   * The table is aggregated data: one row per key with `n` and sums (the result of
   * `sufficientStatisticsSQL`; docs/aggregated-data.md), not individual rows. Default false.
   */
  aggregated?: boolean;
  /**
   * "auto" (default): WebGPU when an adapter exists and the model is big enough to gain (see
   * lib/webgpu/select_backend.ts), else CPU; "cpu": NUTS; "webgpu": ChEES-HMC on the GPU
   * (HetfxError when there is no adapter). fit.info says which ran and why.
   */
  backend?: "auto" | "cpu" | "webgpu";
  /**
   * How NUTS and the WebGPU sampler hold the sds of plain non-centred terms: "auto" (default)
   * and "signed" sample each sd whose prior is symmetric about 0 as a signed scale u (sd = |u|;
   * lib/model/signed_scales.ts), "log" as log sd; "signed" also signs the sds of data-centred
   * terms (exact, but slower there). Draws are reported the same way either way (sd_* positive). A collapsed fit's level-collapsed target makes its own per-sd choice.
   */
  sdScale?: SdScale;
  /**
   * "auto" (default): "collapsed" for a gaussian model whose Intercept/b priors are all normal
   * with at most 120 coefficients, else "nuts"; "nuts": NUTS on every parameter; "collapsed":
   * integrate the coefficients out exactly, run NUTS on the scales, correlations and sigma, then
   * draw the coefficients given them (see lib/fit/inference_method.ts). fit.info.method says
   * which ran and why.
   */
  method?: "auto" | "nuts" | "collapsed";
  /**
   * WebGPU backend: keep every `thin`-th state of each chain (default 1); refused above 1 for a
   * fit on the CPU, which keeps every draw.
   */
  thin?: number;
  /** Where WebGPU adapters come from (tests inject one returning null). */
  adapterProvider?: AdapterProvider;
  /**
   * Threads that run chains, this one included (default: min(chains, CPU cores)); more than one
   * starts worker threads.
   */
  workers?: number;
  /**
   * Keep the worker threads after the fit for the next one, which then starts at once, its code
   * already compiled by V8 (about 0.1–0.3 s less on a small model). Default: true inside the
   * Jupyter kernel, false elsewhere, since an idle worker keeps a script's process alive: a
   * script that keeps them calls `releaseWorkers()` before it ends.
   */
  keepWorkers?: boolean;
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

/**
 * Every default of `fit()`, in one place (computed: workers, min(chains, cores), and
 * keepWorkers, true in the Jupyter kernel).
 */
export const FIT_DEFAULTS = Object.freeze(
  {
    chains: 4,
    warmup: 1000,
    draws: 1000,
    seed: 1,
    adaptDelta: 0.8,
    maxTreedepth: 10,
    metric: "auto",
    warmupStart: "laplace",
    parameterization: "auto",
    backend: "auto",
    sdScale: "auto",
    method: "auto",
    thin: 1,
    progress: true,
    keepPartial: false,
    aggregated: false,
  } as const,
);

/** FitOptions with every default filled in and every value checked. */
export interface ResolvedFitOptions {
  /** The sampler settings (recorded in fit.info.options). */
  settings: SampleSettings;
  parameterization: Parameterization;
  aggregated: boolean;
  backend: "auto" | "cpu" | "webgpu";
  sdScale: SdScale;
  method: "auto" | "nuts" | "collapsed";
  /** The requested metric; `settings.metric` holds "diag" until the plan resolves "auto". */
  metric: "auto" | "diag" | "dense";
  thin: number;
  workers: number;
  keepWorkers: boolean;
  progress: boolean | ((p: SampleProgress) => void);
  signal?: AbortSignal;
  keepPartial: boolean;
  adapterProvider?: AdapterProvider;
}

/** Every FitOptions name (checked against the type by the compiler). */
export const FIT_OPTION_KEYS: readonly string[] = optionNames<FitOptions>({
  chains: true,
  warmup: true,
  draws: true,
  seed: true,
  adaptDelta: true,
  maxTreedepth: true,
  metric: true,
  warmupStart: true,
  parameterization: true,
  aggregated: true,
  backend: true,
  sdScale: true,
  method: true,
  thin: true,
  adapterProvider: true,
  workers: true,
  keepWorkers: true,
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

const CONTEXT = "Cannot fit";

function bad(name: string, value: unknown, what: string): HetfxError {
  return new HetfxError(`${CONTEXT}: option ${name} = ${shownValue(value)} ${what}.`);
}

function checkChoice(name: string, value: unknown, choices: readonly string[]): void {
  if (typeof value === "string" && choices.includes(value)) return;
  const listed = choices.map((c) => `"${c}"`);
  throw bad(name, value, `must be ${listed.slice(0, -1).join(", ")} or ${listed.at(-1)}`);
}

function checkParameterization(p: unknown): void {
  const choices = ["auto", "centered", "noncentered"];
  const ok = (typeof p === "string" && choices.includes(p)) ||
    (typeof p === "object" && p !== null && !Array.isArray(p) &&
      Object.values(p).every((v) => choices.includes(v)));
  if (!ok) {
    throw bad(
      "parameterization",
      p,
      'must be "auto", "centered", "noncentered" or an object of those by term',
    );
  }
}

/** A copy of `o` without the keys whose value is undefined (so that defaults apply). */
function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Check `options` by name (misspelt and brms names get a suggestion), fill in
 * {@link FIT_DEFAULTS} and check every value; a HetfxError "Cannot fit: option … = … …" names
 * the first bad one.
 *
 * @example
 * ```ts
 * import { resolveFitOptions } from "./options.ts";
 * const o = resolveFitOptions({ chains: 2, seed: 7 });
 * console.assert(o.settings.warmupStart === "laplace" && o.settings.seed === 7);
 * ```
 */
export function resolveFitOptions(options: FitOptions = {}): ResolvedFitOptions {
  checkOptions(options, FIT_OPTION_KEYS, CONTEXT, BRMS_OPTION_NAMES);
  const o = { ...FIT_DEFAULTS, ...dropUndefined(options) };
  const settings: SampleSettings = {
    chains: o.chains,
    warmup: o.warmup,
    draws: o.draws,
    seed: o.seed,
    adaptDelta: o.adaptDelta,
    maxTreedepth: o.maxTreedepth,
    metric: o.metric === "auto" ? "diag" : o.metric,
    warmupStart: o.warmupStart,
  };
  // Before the sampler's own check, whose message does not know "auto".
  checkChoice("metric", o.metric, ["auto", "diag", "dense"]);
  checkSampleSettings(settings, CONTEXT);
  checkParameterization(o.parameterization);
  checkChoice("method", o.method, ["auto", "nuts", "collapsed"]);
  checkChoice("backend", o.backend, ["auto", "cpu", "webgpu"]);
  checkChoice("sdScale", o.sdScale, ["auto", "signed", "log"]);
  checkWholeOption("thin", o.thin, 1, CONTEXT);
  checkWholeOption("workers", options.workers, 1, CONTEXT);
  // A truthy "yes" or a look-alike signal ({}) would otherwise be taken silently.
  for (const name of ["keepWorkers", "keepPartial", "aggregated"] as const) {
    checkBoolean(options[name], name, CONTEXT);
  }
  if (typeof o.progress !== "boolean" && typeof o.progress !== "function") {
    throw bad(
      "progress",
      o.progress,
      "must be true (a progress display), false (none) or a function called with each update",
    );
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw bad(
      "signal",
      options.signal,
      "must be an AbortSignal, e.g. the signal of an AbortController (new AbortController().signal)",
    );
  }
  if (options.adapterProvider !== undefined && typeof options.adapterProvider !== "function") {
    throw bad(
      "adapterProvider",
      options.adapterProvider,
      "must be a function returning an adapter",
    );
  }
  return {
    settings,
    parameterization: o.parameterization,
    aggregated: o.aggregated === true,
    backend: o.backend,
    sdScale: o.sdScale,
    method: o.method,
    metric: o.metric,
    thin: o.thin,
    workers: options.workers ?? Math.min(o.chains, navigator.hardwareConcurrency ?? 1),
    keepWorkers: options.keepWorkers ?? jupyterDisplay() !== undefined,
    progress: o.progress,
    signal: options.signal,
    keepPartial: o.keepPartial,
    adapterProvider: options.adapterProvider,
  };
}
