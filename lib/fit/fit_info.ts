/**
 * `fit.info`: how a fit was made — backend, method and their reasons, timing, settings, data
 * sizes, each term's parameterisation and, for WebGPU runs, the nested R-hat.
 *
 * @module
 */
import type { CompiledData } from "../model/compiled_data.ts";
import type { ChainDraws, SampleSettings } from "../sampler/backend.ts";
import { nestedRhat } from "../diagnostics/nested_rhat.ts";
import type { FitInfo, TermParameterizationInfo } from "../posterior/fit_result.ts";
import type { FitPlan } from "./plan.ts";
import type { FitRun } from "./sample.ts";

/** Superchain size for the nested R-hat of WebGPU runs. */
export const NESTED_RHAT_SUPERCHAIN = 4;

/** performance.now() at the start, after compiling, when sampling started and at the end. */
export interface FitTimes {
  start: number;
  compiled: number;
  samplingStarted: number;
  end: number;
}

/**
 * How each term's varying effects were parameterised in `data` (fit.info.parameterization);
 * `sdScales` (a collapsed run's, FitRun.sdScales) replaces the sd coordinates `data` records
 * for NUTS.
 *
 * @example
 * ```ts ignore
 * const info = parameterizationInfo(plan.sampled, run.sdScales);
 * ```
 */
export function parameterizationInfo(
  data: CompiledData,
  sdScales?: readonly (readonly ("signed" | "log" | "knee")[])[],
): TermParameterizationInfo[] {
  return data.terms.map((t, i) => ({
    term: t.group,
    noncentering: Object.fromEntries(
      t.coefNames.map((c, k) => [c, Math.round(t.noncentering[k] * 1000) / 1000]),
    ),
    contrasts: t.contrasts,
    data_centring: t.dataCentring !== undefined,
    mean_in_coefficients: t.meanInBeta,
    auto: t.auto !== undefined,
    sd_scale: Object.fromEntries(
      t.coefNames.map((c, k) => [c, sdScales?.[i][k] ?? (t.signedSd?.[k] ? "signed" : "log")]),
    ),
  }));
}

/**
 * The largest nested R-hat over the unconstrained parameters other than the varying effects,
 * with superchains of {@link NESTED_RHAT_SUPERCHAIN} consecutive chains (1 when the chain count
 * is not a multiple of it larger than it).
 *
 * @example
 * ```ts ignore
 * const { max, superchainSize } = nestedRhatOf(plan.data, run.chains);
 * ```
 */
export function nestedRhatOf(
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

/** What ran on WebGPU, added to fit.info.methodReason: "nuts" there names the full model only. */
export const CHEES_ON_WEBGPU = "on WebGPU every parameter was sampled with ChEES-HMC (all " +
  'chains in lockstep, one step size and trajectory length), not NUTS: method "nuts" names ' +
  'sampling the full model, as against "collapsed"';

/**
 * Added to fit.info.backendReason when WebGPU ran a model whose "auto" parameterisation the CPU
 * would have chosen otherwise (lib/fit/plan.ts: gpuSupportsGeometry).
 */
export const GEOMETRY_FOR_WEBGPU = "WebGPU's kernels hold every varying effect non-centred, so " +
  "fit.info.parameterization shows that, not the parameterisation a CPU fit would choose";

/**
 * Assemble fit.info from the plan, the run, the settings and the times.
 *
 * @example
 * ```ts ignore
 * const info = assembleFitInfo(plan, run, options.settings, times);
 * ```
 */
export function assembleFitInfo(
  plan: FitPlan,
  run: FitRun,
  settings: SampleSettings,
  times: FitTimes,
): FitInfo {
  // The draws' model: the plan's, or its CPU geometry after a fallback from WebGPU.
  const data = run.data;
  return {
    backend: run.backend,
    method: plan.method.method,
    methodReason: run.backend === "webgpu"
      ? `${plan.method.reason}; ${CHEES_ON_WEBGPU}`
      : plan.method.reason,
    metric: (run.metric ?? plan.metric).metric,
    metricReason: (run.metric ?? plan.metric).reason,
    adapter: run.backend === "webgpu" ? plan.backend.adapter : null,
    backendReason: run.backend === "webgpu" && plan.data !== plan.cpu.data
      ? `${run.backendReason}; ${GEOMETRY_FOR_WEBGPU}`
      : run.backendReason,
    ...(run.webgpu ? { webgpu: run.webgpu, nestedRhat: nestedRhatOf(data, run.chains) } : {}),
    timing: {
      compile_s: (times.compiled - times.start) / 1000,
      warmup_s: (times.samplingStarted - times.compiled) / 1000,
      sampling_s: (times.end - times.samplingStarted) / 1000,
      total_s: (times.end - times.start) / 1000,
      ...chainSeconds(run.chains),
    },
    options: run.metric ? { ...settings, metric: run.metric.metric } : settings,
    rows: data.nRows,
    cells: data.nCells,
    compressedTo: data.stats.kind === "cells" ? data.nCells : data.stats.nPatterns,
    parameterization: parameterizationInfo(run.sampled, run.sdScales),
    cancelled: run.cancelled,
  };
}

/**
 * Each phase's chain-seconds, summed over chains (fit.info.timing.warmup_chain_s and
 * sampling_chain_s); empty when a chain was not timed.
 *
 * @example
 * ```ts
 * import { chainSeconds } from "./fit_info.ts";
 * const t = chainSeconds([{ warmupSeconds: 1, samplingSeconds: 2 }, { warmupSeconds: 3, samplingSeconds: 1 }]);
 * console.assert(t.warmup_chain_s === 4 && t.sampling_chain_s === 3);
 * ```
 */
export function chainSeconds(
  chains: readonly { warmupSeconds?: number; samplingSeconds?: number }[],
): { warmup_chain_s?: number; sampling_chain_s?: number } {
  const timed = chains.length > 0 &&
    chains.every((c) => c.warmupSeconds !== undefined && c.samplingSeconds !== undefined);
  if (!timed) return {};
  return {
    warmup_chain_s: chains.reduce((s, c) => s + c.warmupSeconds!, 0),
    sampling_chain_s: chains.reduce((s, c) => s + c.samplingSeconds!, 0),
  };
}
