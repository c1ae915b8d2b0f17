/**
 * `method: "auto" | "nuts" | "collapsed"`: whether a fit samples the full model with NUTS or
 * samples the hyperparameters of a collapsed Gaussian model (coefficients integrated out
 * exactly, lib/model/collapsed_gaussian.ts) and then draws the coefficients given them.
 *
 * Auto collapses when the family is gaussian, every Intercept/b prior is normal, no WebGPU
 * backend was asked for, and the dense part of the collapsed algebra is at most
 * {@link MAX_COLLAPSED_DIM} (each gradient costs its cube): all coefficients with crossed
 * grouping terms, only the population-level ones with a single term (whose level blocks are
 * eliminated one by one, lib/model/arrowhead_precision.ts). On the crossed 4-term
 * benchmark this turns 50–100 divergences and ~20 ESS/s into none and thousands of ESS/s
 * (bench/results/cpu_models.json).
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import type { CompiledData } from "../model/compiled_data.ts";
import {
  collapsedGammaDim,
  CollapsedGaussian,
  collapsedIneligibility,
  MAX_COLLAPSED_DIM,
} from "../model/collapsed_gaussian.ts";
import { collapsedToFull } from "../model/collapsed_draws.ts";
import { denseCollapsedDim } from "../model/coefficient_precision.ts";
import type { ChainDraws, SampleOptions } from "../sampler/backend.ts";
import { SamplingCancelled } from "../sampler/cancellation.ts";
import { CpuBackend } from "../sampler/cpu_backend.ts";
import { sampleInWorkers } from "../sampler/parallel.ts";

/** How the posterior is sampled. */
export type InferenceMethod = "nuts" | "collapsed";

/** The decision and the reason a user reads in fit.info / the summary. */
export interface MethodChoice {
  method: InferenceMethod;
  reason: string;
}

/**
 * Resolve the requested method. "collapsed" on a model that cannot be collapsed (or with the
 * WebGPU backend) throws HetfxError saying why; "auto" never throws.
 *
 * @example
 * ```ts ignore
 * const { method, reason } = chooseMethod("auto", data, "auto");
 * ```
 */
export function chooseMethod(
  requested: "auto" | InferenceMethod,
  data: CompiledData,
  backend: "auto" | "cpu" | "webgpu" = "auto",
): MethodChoice {
  if (requested === "nuts") return { method: "nuts", reason: 'method "nuts" requested' };
  const why = collapsedIneligibility(data);
  const dim = collapsedGammaDim(data);
  if (requested === "collapsed") {
    if (why !== null) {
      throw new HetfxError(
        `Cannot fit with method "collapsed": ${why}. Collapsing needs a gaussian family and ` +
          'normal priors on the Intercept and every b; use method "nuts".',
      );
    }
    if (backend === "webgpu") {
      throw new HetfxError(
        'Cannot fit with method "collapsed" on backend "webgpu": the collapsed target runs on ' +
          'the CPU. Use backend "cpu" or "auto", or method "nuts".',
      );
    }
    return { method: "collapsed", reason: `method "collapsed" requested (${dim} coefficients)` };
  }
  if (why !== null) return { method: "nuts", reason: `auto: NUTS, since ${why}` };
  if (backend === "webgpu") {
    return { method: "nuts", reason: 'auto: NUTS, since backend "webgpu" was requested' };
  }
  const denseDim = denseCollapsedDim(data);
  if (denseDim > MAX_COLLAPSED_DIM) {
    const what = data.terms.length === 1
      ? `${denseDim} population-level coefficients exceed`
      : `${denseDim} coefficients of crossed terms exceed`;
    return {
      method: "nuts",
      reason: `auto: NUTS, since ${what} the ${MAX_COLLAPSED_DIM} the collapsed sampler ` +
        "factors densely (its cost grows as their cube)",
    };
  }
  return {
    method: "collapsed",
    reason: `auto: collapsed Gaussian, ${dim} coefficients integrated out exactly, ` +
      "NUTS on the scales, correlations and sigma",
  };
}

/**
 * Sample a collapsed Gaussian model: NUTS on the hyperparameters (in worker threads when
 * `workers` > 1), then one exact draw of the coefficients per kept draw; returns full draws in
 * CompiledModel's layout. An abort with `keepPartial` rejects with a SamplingCancelled whose
 * partial draws are full draws too.
 *
 * @example
 * ```ts ignore
 * const chains = await sampleCollapsed(data, sampleOptions, 2);
 * ```
 */
export async function sampleCollapsed(
  data: CompiledData,
  options: SampleOptions,
  workers: number,
): Promise<ChainDraws[]> {
  const target = new CollapsedGaussian(data);
  const { onProgress, signal, ...rest } = options;
  let phiChains: ChainDraws[];
  try {
    phiChains = workers > 1 && options.chains > 1
      ? await sampleInWorkers(
        {
          module: new URL("../model/collapsed_gaussian.ts", import.meta.url).href,
          exportName: "collapsedFromData",
          args: data,
        },
        { ...rest, workers },
        { onProgress, signal },
      )
      : await new CpuBackend().sample(target, options);
  } catch (error) {
    // keepPartial: the partial hyperparameter draws become partial full draws.
    if (!(error instanceof SamplingCancelled && error.partial)) throw error;
    throw new SamplingCancelled(collapsedToFull(target, error.partial, options.seed));
  }
  return collapsedToFull(target, phiChains, options.seed);
}
