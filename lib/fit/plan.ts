/**
 * Planning a fit: compile the model, then choose the inference method, the backend and the
 * parameterisation, each with the reason fit.info reports.
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import type { Table } from "../data/table.ts";
import type { ModelSpec } from "../spec/model_spec.ts";
import { compileModel } from "../model/compile.ts";
import { applyParameterization } from "../model/auto_parameterization.ts";
import type { CompiledData } from "../model/compiled_data.ts";
import { withSdScales } from "../model/signed_scales.ts";
import { levelCollapses } from "../model/collapsed_target.ts";
import { checkDrawMemory } from "../sampler/draw_memory.ts";
import { type BackendChoice, chooseBackend } from "../webgpu/select_backend.ts";
import { gpuSupportsGeometry } from "../webgpu/layout.ts";
import { checkDerivedColumns } from "./derived_columns.ts";
import { chooseMethod, type MethodChoice } from "./inference_method.ts";
import { chooseMetric, type MetricChoice } from "./metric_choice.ts";
import type { ResolvedFitOptions } from "./options.ts";

/**
 * Settings of a fit that only hetfx's own callers set (not FitOptions, so users cannot silence
 * the data checks): `allowDegenerateOutcome` lets sbc() fit a constant simulated outcome.
 */
export interface InternalFitSettings {
  allowDegenerateOutcome?: boolean;
}

/** What a fit will run, and why. */
export interface FitPlan {
  /** The compiled model in the parameterisation the draws are reported in. */
  data: CompiledData;
  /** What NUTS or WebGPU samples: `data` with the chosen sd scales (collapsed: `data`). */
  sampled: CompiledData;
  method: MethodChoice;
  backend: BackendChoice;
  /** NUTS's metric on the CPU (the WebGPU backend adapts its own). */
  metric: MetricChoice;
  /**
   * `data` and `sampled` as a CPU plan chooses them: the same unless WebGPU's kernels forced
   * every term non-centred ({@link gpuSupportsGeometry}). A fit that falls back from WebGPU to
   * the CPU samples these.
   */
  cpu: { data: CompiledData; sampled: CompiledData };
}

/**
 * Compile `spec` on `table` and refuse, before any draw is allocated, chains × draws that would
 * not fit in memory (lib/sampler/draw_memory.ts). The "auto" parameterisation is deferred
 * (compiled non-centred): its pilot fit only matters to NUTS, so {@link planFit} applies it once
 * the method is known.
 *
 * @example
 * ```ts ignore
 * const data = compileForFit(spec, table, resolveFitOptions({}));
 * ```
 */
export function compileForFit(
  spec: ModelSpec,
  table: Table,
  options: ResolvedFitOptions,
  internal: InternalFitSettings = {},
): CompiledData {
  checkDerivedColumns(spec, table);
  const p = options.parameterization;
  const data = compileModel(spec, table, {
    parameterization: p === "auto" ? "noncentered" : p,
    aggregated: options.aggregated,
    allowDegenerateOutcome: internal.allowDegenerateOutcome,
  });
  checkDrawMemory(options.settings.chains, options.settings.draws, data.dim);
  return data;
}

/**
 * Choose the method (auto: collapsed where the model allows), then the backend (a collapsed
 * target runs on the CPU), then the parameterisation: "auto" applied for NUTS, non-centred
 * where the WebGPU layout cannot hold the chosen geometry (`cpu` keeps the chosen one for a
 * fallback to the CPU), and the sd scales.
 *
 * @example
 * ```ts ignore
 * const plan = await planFit(compileForFit(spec, table, o), o);
 * console.log(plan.method.reason, plan.backend.reason);
 * ```
 */
export async function planFit(
  compiled: CompiledData,
  options: ResolvedFitOptions,
): Promise<FitPlan> {
  let data = compiled;
  const method = chooseMethod(options.method, data, options.backend);
  const collapsed = method.method === "collapsed";
  if (collapsed && options.sdScale !== "auto" && !levelCollapses(data)) {
    throw new HetfxError(
      `Cannot fit: option sdScale "${options.sdScale}" does not apply to this model's fit ` +
        `(${method.reason}): its target samples the sds on its own coordinate (sd_scale ` +
        '"knee" in fit.info.parameterization); drop sdScale, or add method: "nuts".',
    );
  }
  if (collapsed && options.parameterization !== "auto") {
    throw new HetfxError(
      `Cannot fit: option parameterization ${
        JSON.stringify(options.parameterization)
      } does not apply to this model's fit (${method.reason}): its varying effects are ` +
        'integrated out, not sampled; drop parameterization, or add method: "nuts".',
    );
  }
  if (options.parameterization === "auto" && !collapsed) {
    data = applyParameterization(data, "auto");
  }
  // ChEES-HMC on WebGPU adapts a diagonal metric only: a dense one asked for runs on the CPU.
  const dense = options.metric === "dense" && !collapsed;
  if (dense && options.backend === "webgpu") {
    throw new HetfxError(
      'Cannot fit with metric "dense" on backend "webgpu": its ChEES-HMC sampler adapts a ' +
        'diagonal metric only. Use backend "cpu" (or "auto") for a dense metric, or metric ' +
        '"auto" or "diag" on WebGPU.',
    );
  }
  const backend: BackendChoice = collapsed
    ? { backend: "cpu", gpu: null, adapter: null, reason: "collapsed target on the CPU" }
    : dense
    ? {
      backend: "cpu",
      gpu: null,
      adapter: null,
      reason: 'auto: CPU (NUTS), since metric "dense" was requested (ChEES-HMC on WebGPU ' +
        "adapts a diagonal metric only)",
    }
    : await chooseBackend(options.backend, data, options.settings.chains, {
      provider: options.adapterProvider,
    });
  if (options.thin > 1 && !backend.gpu) {
    throw new HetfxError(
      `Cannot fit: option thin = ${options.thin} applies to the WebGPU backend, and this fit ` +
        `runs on the CPU (${backend.reason}), which keeps every draw; drop thin (NUTS's draws ` +
        'are nearly independent), or ask for backend: "webgpu".',
    );
  }
  const scaled = (d: CompiledData) => collapsed ? d : withSdScales(d, options.sdScale);
  const cpu = { data, sampled: scaled(data) };
  if (backend.gpu && !gpuSupportsGeometry(data)) {
    data = applyParameterization(data, "noncentered");
  }
  const sampled = data === cpu.data ? cpu.sampled : scaled(data);
  const metric = backend.gpu
    ? { metric: options.settings.metric, reason: "WebGPU backend: ChEES-HMC adapts its own" }
    : chooseMetric(options.metric, sampled, method.method, options.settings.seed);
  return { data, sampled, method, backend, metric, cpu };
}
