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
import { LevelCollapsedGaussian, levelCollapseIneligibility } from "./level_collapsed_gaussian.ts";

/**
 * The collapsed target for `data` (also the sampler workers' factory).
 *
 * @example
 * ```ts ignore
 * const target = collapsedTargetFromData(data);
 * ```
 */
export function collapsedTargetFromData(data: CompiledData): CollapsedTarget {
  return levelCollapseIneligibility(data) === null
    ? new LevelCollapsedGaussian(data)
    : new CollapsedGaussian(data);
}

/** The workers' finishing step (TargetFactory.finish): a chain's sampled points to full draws. */
export { fullChainDraws } from "./collapsed_draws.ts";
