/**
 * Which collapsed Gaussian target a model gets, in one place for the main thread and the
 * sampler workers: the level-collapsed target for one grouping term
 * (lib/model/level_collapsed_gaussian.ts), else the fully collapsed one
 * (lib/model/collapsed_gaussian.ts). Also the workers' hook that turns each sampled chain into
 * full draws (`fullChainDraws`, re-exported), so that the coefficient draws run beside the
 * sampling instead of after it on the main thread.
 *
 * @module
 */
import type { CompiledData } from "./compiled_data.ts";
import { CollapsedGaussian } from "./collapsed_gaussian.ts";
import type { CollapsedTarget } from "./collapsed_draws.ts";
import {
  type CollapsedModeSummary,
  collapsedModeSummary,
  LevelCollapsedGaussian,
  levelCollapseIneligibility,
} from "./level_collapsed_gaussian.ts";

/**
 * The collapsed target for `data` (also the sampler workers' factory).
 *
 * @example
 * ```ts ignore
 * const target = collapsedTargetFromData(data);
 * ```
 */
export function collapsedTargetFromData(data: CompiledData): CollapsedTarget {
  return collapsedTargetFromArgs(collapsedTargetArgs(data));
}

/** What a worker needs to build the collapsed target: the data, and the mode summary once. */
export interface CollapsedTargetArgs {
  data: CompiledData;
  /** For the level-collapsed target (see collapsedModeSummary). */
  mode?: CollapsedModeSummary;
}

/**
 * The arguments of {@link collapsedTargetFromArgs} for `data`, with the level-collapsed
 * target's mode summary computed here, once, instead of in every worker.
 *
 * @example
 * ```ts ignore
 * const target = collapsedTargetFromArgs(collapsedTargetArgs(data));
 * ```
 */
export function collapsedTargetArgs(data: CompiledData): CollapsedTargetArgs {
  return levelCollapseIneligibility(data) === null
    ? { data, mode: collapsedModeSummary(data) }
    : { data };
}

/**
 * The collapsed target from {@link collapsedTargetArgs} (the sampler workers' factory).
 *
 * @example
 * ```ts ignore
 * const target = collapsedTargetFromArgs({ data });
 * ```
 */
export function collapsedTargetFromArgs(args: CollapsedTargetArgs): CollapsedTarget {
  return levelCollapseIneligibility(args.data) === null
    ? new LevelCollapsedGaussian(args.data, { mode: args.mode })
    : new CollapsedGaussian(args.data);
}

/** The workers' finishing step (TargetFactory.finish): a chain's sampled points to full draws. */
export { fullChainDraws } from "./collapsed_draws.ts";
