/**
 * `method: "auto" | "nuts" | "collapsed"`: whether a fit samples the full model with NUTS or a
 * collapsed Gaussian target — coefficients integrated out exactly — and then draws them given
 * the sampled point. Two collapsed targets:
 * - one grouping term of more than MAX_FULLY_COLLAPSED_LEVELS (20) levels: the level effects are
 *   integrated out level by level and NUTS runs on the (whitened) population-level coefficients,
 *   scales, correlations and sigma (lib/model/level_collapsed_gaussian.ts); any priors,
 *   O(J·K·n_β) per gradient;
 * - crossed terms, or one term of few levels (lib/model/collapsed_target.ts says why): every
 *   coefficient with a normal or flat prior is integrated out and NUTS runs on the scales,
 *   correlations and sigma, and on the coefficients with other priors (partial
 *   collapse: a student_t Intercept, brms's default, or a student_t/cauchy b), which it samples
 *   (lib/model/collapsed_gaussian.ts); it costs a dense factorisation of all coefficients per
 *   gradient, so auto uses it only up to {@link MAX_COLLAPSED_DIM} of them.
 * Auto collapses gaussian models where one of these applies and the CPU backend runs. The
 * derivations are in docs/ARCHITECTURE.md#collapsed-inference.
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import type { InferenceMethod } from "../posterior/fit_result.ts";
import type { CompiledData } from "../model/compiled_data.ts";
import {
  collapsedGammaDim,
  collapsedIneligibility,
  MAX_COLLAPSED_DIM,
  mixtureBetaIndices,
  sampledBetaIndices,
} from "../model/collapsed_gaussian.ts";
import { collapsedToFull } from "../model/collapsed_draws.ts";
import {
  type CollapsedTargetArgs,
  collapsedTargetArgs,
  collapsedTargetFromArgs,
  levelCollapses,
  MAX_FULLY_COLLAPSED_LEVELS,
} from "../model/collapsed_target.ts";
import type { ChainDraws, SampleOptions } from "../sampler/backend.ts";
import { SamplingCancelled } from "../sampler/cancellation.ts";
import { CpuBackend } from "../sampler/cpu_backend.ts";
import { type ChainWorkerPool, sampleInWorkers } from "../sampler/parallel.ts";

export type { InferenceMethod };

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
  const levels = levelCollapses(data);
  const why = levels ? null : collapsedIneligibility(data);
  const dim = collapsedGammaDim(data);
  const what = levels
    ? `${dim - (data.hasIntercept ? 1 : 0) - data.nFixed} group effects integrated out ` +
      "exactly, NUTS on the whitened population-level coefficients, scales, correlations and sigma"
    : crossedWhat(data, dim) + fewLevels(data);
  // Weighted sufficient statistics keep every collapsed target exact; the reason says so.
  const weighted = data.weights === undefined ? "" : `; likelihood weights "${data.weights}" ` +
    "enter the cells' weighted sufficient statistics (Σw, Σw·y, Σw·y²), which stay exact";
  if (requested === "collapsed") {
    if (why !== null) {
      throw new HetfxError(
        `Cannot fit with method "collapsed": ${why}. Collapsing needs a gaussian family, and ` +
          'use method "nuts".',
      );
    }
    if (backend === "webgpu") {
      throw new HetfxError(
        'Cannot fit with method "collapsed" on backend "webgpu": the collapsed target runs on ' +
          'the CPU. Use backend "cpu" or "auto", or method "nuts".',
      );
    }
    return { method: "collapsed", reason: `method "collapsed" requested: ${what}${weighted}` };
  }
  if (why !== null) return { method: "nuts", reason: `auto: NUTS, since ${why}` };
  if (backend === "webgpu") {
    return {
      method: "nuts",
      reason: 'auto: every parameter sampled (not collapsed), since backend "webgpu" was requested',
    };
  }
  if (!levels && dim > MAX_COLLAPSED_DIM) {
    return {
      method: "nuts",
      reason: `auto: NUTS, since ${dim} coefficients of crossed terms exceed the ` +
        `${MAX_COLLAPSED_DIM} the collapsed sampler integrates out (its cost grows as their cube)`,
    };
  }
  return { method: "collapsed", reason: `auto: collapsed Gaussian, ${what}${weighted}` };
}

/** Why a one-term model is collapsed fully, not level by level ("" for crossed terms). */
function fewLevels(data: CompiledData): string {
  if (data.terms.length !== 1) return "";
  const J = data.terms[0].nGroups;
  return ` (fully collapsed, not level by level, since "${data.terms[0].group}" has ${J} ` +
    `level${J === 1 ? "" : "s"}, at most ${MAX_FULLY_COLLAPSED_LEVELS}: with so few, the ` +
    "population-level coefficients' posterior width follows the term's sd, a funnel the " +
    "level-collapsed target's fixed whitening leaves)";
}

/** What the fully collapsed target integrates out and samples, for fit.info.method's reason. */
function crossedWhat(data: CompiledData, dim: number): string {
  const priors = [...(data.hasIntercept ? [data.interceptPrior] : []), ...data.bPriors];
  const names = [
    ...(data.hasIntercept ? ["Intercept"] : []),
    ...data.fixedNames.map((f) => `b_${f}`),
  ];
  const list = (indices: number[]) =>
    indices.map((i) => `${names[i]} (${priors[i].dist} prior)`).join(", ");
  const sampled = sampledBetaIndices(data);
  const mixture = mixtureBetaIndices(data);
  const mixed = mixture.length === 0 ? "" : `, with ${list(mixture)} as normal scale mixtures ` +
    "(a latent precision each, sampled)";
  const rest = sampled.length === 0 ? "" : ` and ${list(sampled)}, sampled since their priors ` +
    "are not conjugate";
  return `${dim - sampled.length} coefficients integrated out exactly${mixed}, NUTS on the ` +
    "scales (each sd through a log-sd coordinate with a compressed left tail), correlations and " +
    `sigma${rest}`;
}

/** The module the sampler workers build a collapsed target from (collapsedTargetFromArgs). */
export const COLLAPSED_FACTORY_MODULE = new URL("../model/collapsed_target.ts", import.meta.url)
  .href;

/**
 * Sample a collapsed Gaussian model: NUTS on the sampled point (in worker threads when
 * `workers` > 1), then one exact draw of the coefficients per kept draw; returns full draws in
 * CompiledModel's layout. An abort with `keepPartial` rejects with a SamplingCancelled whose
 * partial draws are full draws too. `pool`: workers started earlier ({@link startFitWorkers}).
 * `onTarget` is given the target's arguments as soon as they are made (before sampling), e.g.
 * for collapsedSdScales (lib/model/collapsed_target.ts); `sdScale`: the level-collapsed
 * target's sd coordinates (fit option sdScale).
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
  pool: ChainWorkerPool | null = null,
  onTarget: (args: CollapsedTargetArgs) => void = () => {},
  sdScale: "auto" | "signed" | "log" = "auto",
): Promise<ChainDraws[]> {
  const { onProgress, signal, ...rest } = options;
  const targetArgs = () => {
    const args = collapsedTargetArgs(data, sdScale);
    onTarget(args);
    return args;
  };
  if (workers > 1 && options.chains > 1) {
    // Each worker draws its chains' coefficients itself (fullChainDraws), partial draws
    // included.
    return await sampleInWorkers(
      {
        module: COLLAPSED_FACTORY_MODULE,
        exportName: "collapsedTargetFromArgs",
        // Computed while the workers start (see TargetFactory.args).
        args: targetArgs,
        finish: "fullChainDraws",
      },
      { ...rest, workers },
      { onProgress, signal, pool: pool ?? undefined },
    );
  }
  const target = collapsedTargetFromArgs(targetArgs());
  try {
    return collapsedToFull(target, await new CpuBackend().sample(target, options), options.seed);
  } catch (error) {
    // keepPartial: the partial draws become partial full draws.
    if (!(error instanceof SamplingCancelled && error.partial)) throw error;
    throw new SamplingCancelled(collapsedToFull(target, error.partial, options.seed));
  }
}
