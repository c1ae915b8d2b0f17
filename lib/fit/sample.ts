/**
 * Running a planned fit: WebGPU (falling back to the CPU when the device is lost under
 * backend "auto"), the collapsed target, or NUTS on the CPU in worker threads or on this thread;
 * partial draws on cancellation with keepPartial; the draws returned in the parameterisation of
 * `run.data` (the plan's, or its CPU geometry after a fallback).
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import { describeNonFiniteDensity } from "../model/init_diagnosis.ts";
import { CompiledModel } from "../model/compiled_model.ts";
import type { CompiledData } from "../model/compiled_data.ts";
import { canonicalChainDraws } from "../model/signed_scales.ts";
import { collapsedSdScales } from "../model/collapsed_target.ts";
import type { ChainDraws, SampleOptions } from "../sampler/backend.ts";
import { CpuBackend } from "../sampler/cpu_backend.ts";
import { type ChainWorkerPool, sampleInWorkers, startChainWorkers } from "../sampler/parallel.ts";
import { WebGpuBackend, type WebGpuRunInfo } from "../webgpu/webgpu_backend.ts";
import { COLLAPSED_FACTORY_MODULE, sampleCollapsed } from "./inference_method.ts";
import type { ResolvedFitOptions } from "./options.ts";
import { partialChains } from "./partial_result.ts";
import type { FitPlan } from "./plan.ts";
import { chooseMetric, type MetricChoice } from "./metric_choice.ts";

/** What a run produced and which backend produced it. */
export interface FitRun {
  /** Draws in the parameterisation of `data` (signed scales turned back to log sds). */
  chains: ChainDraws[];
  /**
   * The compiled model the draws are points of, and what was sampled: the plan's `data` and
   * `sampled`, or its `cpu` ones when a WebGPU fit fell back to the CPU.
   */
  data: CompiledData;
  sampled: CompiledData;
  backend: "cpu" | "webgpu";
  backendReason: string;
  webgpu: WebGpuRunInfo | null;
  /** True when sampling was cancelled and `chains` are the partial draws (keepPartial). */
  cancelled: boolean;
  /** True when the sampler threads already mapped signed scales back to log sds. */
  canonical?: boolean;
  /**
   * A collapsed run's sd coordinates per term and coefficient (its target chooses them:
   * collapsedSdScales in lib/model/collapsed_target.ts); absent for NUTS on the full model,
   * whose are `sampled`'s.
   */
  sdScales?: ("signed" | "log" | "knee")[][];
  /** NUTS's metric when a WebGPU fit fell back to the CPU (the plan's was WebGPU's). */
  metric?: MetricChoice;
}

/**
 * Start the sampler workers a fit of `options` may use, before it compiles and plans, so that
 * their start-up (thread, module loading) overlaps that work; null when the fit will not use
 * workers (one chain or one worker, or backend "webgpu"). The workers import the collapsed
 * target's module at once (its imports include the full model's, so either method finds its
 * code loaded). The caller closes the pool when the fit ends, used or not (`keepWorkers`: the
 * workers of a fit that succeeded stay for the next one).
 *
 * @example
 * ```ts ignore
 * const pool = startFitWorkers(resolved);
 * try { … sampleFit(plan, resolved, sampleOptions, pool) … } finally { pool?.close(); }
 * ```
 */
export function startFitWorkers(options: ResolvedFitOptions): ChainWorkerPool | null {
  const n = Math.min(options.workers, options.settings.chains);
  if (n < 2 || options.backend === "webgpu") return null;
  // The calling thread runs chains too (sampleInWorkers): one thread fewer to start.
  const pool = startChainWorkers(n - 1, options.keepWorkers);
  pool.preload(COLLAPSED_FACTORY_MODULE);
  return pool;
}

/**
 * Sample `plan` with `sampleOptions` (the settings and the progress callback). A cancelled run
 * with keepPartial returns the partial draws; an initial point that cannot be found is explained
 * in terms of the model. A fallback from WebGPU samples the plan's `cpu` geometry (`run.data`).
 *
 * @example
 * ```ts ignore
 * const run = await sampleFit(plan, options, { ...options.settings, onProgress });
 * ```
 */
export async function sampleFit(
  plan: FitPlan,
  options: ResolvedFitOptions,
  sampleOptions: SampleOptions,
  pool: ChainWorkerPool | null = null,
): Promise<FitRun> {
  const run: FitRun = {
    chains: [],
    data: plan.data,
    sampled: plan.sampled,
    backend: plan.backend.backend,
    backendReason: plan.backend.reason,
    webgpu: null,
    cancelled: false,
  };
  try {
    await sampleOnBackend(plan, options, sampleOptions, run, pool);
  } catch (error) {
    const partial = options.keepPartial ? partialChains(error) : null;
    if (partial === null) throw explainInitFailure(error, run.data);
    run.chains = partial;
    run.cancelled = true;
  }
  // Signed scales back to log sds: the draws are then points of `run.data`'s parameterisation.
  if (!run.canonical) run.chains = run.chains.map((c) => canonicalChainDraws(run.sampled, c));
  return run;
}

/** Fills `run` (chains, and the backend actually used when WebGPU falls back to the CPU). */
async function sampleOnBackend(
  plan: FitPlan,
  options: ResolvedFitOptions,
  sampleOptions: SampleOptions,
  run: FitRun,
  pool: ChainWorkerPool | null,
): Promise<void> {
  const choice = plan.backend;
  if (choice.gpu) {
    const gpuBackend = new WebGpuBackend({ gpu: choice.gpu, thin: options.thin });
    try {
      run.chains = await gpuBackend.sample(new CompiledModel(plan.sampled), sampleOptions);
      run.webgpu = gpuBackend.lastRun;
      return;
    } catch (error) {
      // Device lost mid-run, or a model its kernels refuse: with auto, the CPU, saying so.
      const refused = error instanceof HetfxError &&
        error.message.startsWith("Cannot use the WebGPU backend");
      if (options.backend === "webgpu" || !(choice.gpu.lost || refused)) throw error;
      run.backend = "cpu";
      run.backendReason = refused
        ? `${choice.reason}; but the WebGPU backend cannot run this model (${
          refusalDetail((error as Error).message)
        }), so the fit ran on the CPU (NUTS)`
        : `${choice.reason}; the WebGPU device was lost during sampling, so ` +
          "the fit was rerun on the CPU (NUTS)";
      // NUTS keeps every draw: thin (WebGPU only) is not applied, and the fit says so.
      if (options.thin > 1) {
        const note = `thin = ${options.thin} was not applied: it thins WebGPU's ChEES-HMC ` +
          "chains only, and NUTS on the CPU kept every draw";
        run.backendReason += ` (${note})`;
        if (options.progress !== false) console.warn(`Warning: ${note}.`);
      }
      // The geometry a CPU plan samples, not the one forced for WebGPU's kernels.
      run.data = plan.cpu.data;
      run.sampled = plan.cpu.sampled;
      // The plan's metric was WebGPU's ("ChEES-HMC adapts its own"): NUTS's, as a CPU plan's.
      run.metric = chooseMetric(
        options.metric,
        run.sampled,
        plan.method.method,
        options.settings.seed,
      );
      sampleOptions = {
        ...sampleOptions,
        metric: run.metric.metric,
        denseStart: run.metric.denseStart,
      };
    }
  }
  run.chains = await sampleOnCpu(plan, options, sampleOptions, pool, run);
}

/**
 * What the WebGPU backend's refusal says, without its "Cannot use the WebGPU backend: " opening
 * and its closing 'use backend "cpu".', to quote inside a sentence.
 *
 * @example
 * ```ts ignore
 * refusalDetail('Cannot use the WebGPU backend: 9 patterns need a 1 × 9 texture; use backend "cpu".');
 * // "9 patterns need a 1 × 9 texture"
 * ```
 */
function refusalDetail(message: string): string {
  return message.replace(/^Cannot use the WebGPU backend: /, "").replace(
    /[;,.]? *use backend "cpu"\.?$/,
    "",
  ).replace(/[.;,]$/, "");
}

/**
 * The collapsed target, or NUTS on `run.sampled` in workers (`pool`'s when started) or here.
 * In workers each thread also maps its chains' signed scales back (`run.canonical`).
 */
function sampleOnCpu(
  plan: FitPlan,
  options: ResolvedFitOptions,
  sampleOptions: SampleOptions,
  pool: ChainWorkerPool | null,
  run: FitRun,
): Promise<ChainDraws[]> {
  const workers = options.workers;
  if (plan.method.method === "collapsed") {
    return sampleCollapsed(
      run.data,
      sampleOptions,
      workers,
      pool,
      (args) => {
        run.sdScales = collapsedSdScales(args);
      },
      options.sdScale,
    );
  }
  if (workers > 1 && sampleOptions.chains > 1) {
    const { onProgress, signal, ...settings } = sampleOptions;
    // Set before sampling: partial draws of a cancelled run went through the same step.
    run.canonical = true;
    return sampleInWorkers(
      {
        module: new URL("../model/compiled_model.ts", import.meta.url).href,
        exportName: "modelFromData",
        args: run.sampled,
        finish: "canonicalDraws",
      },
      { ...settings, workers },
      { onProgress, signal, pool: pool ?? undefined },
    );
  }
  return new CpuBackend().sample(new CompiledModel(run.sampled), sampleOptions);
}

/** An initial-point failure explained by the model's parameters and priors; others unchanged. */
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
