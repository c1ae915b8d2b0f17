/**
 * Which collapsed Gaussian target a model gets, in one place for the main thread and the
 * sampler workers: the level-collapsed target for one grouping term of more than
 * {@link MAX_FULLY_COLLAPSED_LEVELS} levels (lib/model/level_collapsed_gaussian.ts), else the
 * fully collapsed one (lib/model/collapsed_gaussian.ts). Also the workers' hook that turns each
 * sampled chain into full draws (`fullChainDraws`, re-exported), so that the coefficient draws
 * run beside the sampling instead of after it on the main thread.
 *
 * @module
 */
import type { CompiledData } from "./compiled_data.ts";
import {
  collapsedGammaDim,
  CollapsedGaussian,
  MAX_COLLAPSED_DIM,
  sampledBetaIndices,
} from "./collapsed_gaussian.ts";
import type { CollapsedTarget } from "./collapsed_draws.ts";
import {
  type CollapsedModeSummary,
  collapsedModeSummary,
  LevelCollapsedGaussian,
  levelCollapseIneligibility,
  levelSignedScales,
} from "./level_collapsed_gaussian.ts";

/**
 * A one-term model whose term has at most this many levels is collapsed fully (β integrated out
 * with the level effects, NUTS on the scales, correlations, σ and any scale-mixture latent)
 * rather than level by level. With few levels the posterior of β depends strongly on the term's
 * sd (a population mean is known only to about ±sd/√J) and that sd is poorly determined, so the
 * level-collapsed target's whitening of β, fixed at one mode, leaves a funnel between β and the
 * sds: at brms's default priors with 2–8 levels it diverged (up to 121 of 4,000 draws) with min
 * bulk ESS down to 44, where the fully collapsed target gave 0 divergences and ESS > 2,000 in a
 * tenth of the leapfrog steps (bench/README.md, "Default priors"). Its factorisation (arrowhead,
 * lib/model/arrowhead_precision.ts) costs a few µs per gradient at these sizes; from about 20
 * levels the level-collapsed target samples as well and each of its gradients is 4–8× cheaper.
 */
export const MAX_FULLY_COLLAPSED_LEVELS = 20;

/**
 * Whether `data` gets the level-collapsed target: one grouping term (gaussian), unless the term
 * has at most {@link MAX_FULLY_COLLAPSED_LEVELS} levels and the fully collapsed target integrates
 * out every population-level coefficient (no non-conjugate β prior, which it would sample without
 * whitening) within {@link MAX_COLLAPSED_DIM} coefficients.
 *
 * @example
 * ```ts ignore
 * if (levelCollapses(data)) new LevelCollapsedGaussian(data);
 * ```
 */
export function levelCollapses(data: CompiledData): boolean {
  if (levelCollapseIneligibility(data) !== null) return false;
  const few = data.terms[0].nGroups <= MAX_FULLY_COLLAPSED_LEVELS;
  return !(few && sampledBetaIndices(data).length === 0 &&
    collapsedGammaDim(data) <= MAX_COLLAPSED_DIM);
}

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
  /**
   * The level-collapsed target's sd coordinates (fit option sdScale; default "auto", see
   * levelSignedScales); the fully collapsed target has its own (the knee).
   */
  sdScale?: "auto" | "signed" | "log";
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
export function collapsedTargetArgs(
  data: CompiledData,
  sdScale: "auto" | "signed" | "log" = "auto",
): CollapsedTargetArgs {
  return levelCollapses(data) ? { data, mode: collapsedModeSummary(data), sdScale } : { data };
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
  return levelCollapses(args.data)
    ? new LevelCollapsedGaussian(args.data, { mode: args.mode, sdScale: args.sdScale })
    : new CollapsedGaussian(args.data);
}

/**
 * How the collapsed target built from `args` samples each term's sds (fit.info.parameterization's
 * sd_scale), per term and coefficient: the level-collapsed target holds each as a signed scale
 * or a log sd ({@link levelSignedScales}); the fully collapsed one through the knee coordinate
 * (lib/model/sd_knee.ts: log sd with a compressed left tail).
 *
 * @example
 * ```ts ignore
 * const scales = collapsedSdScales(collapsedTargetArgs(data)); // e.g. [["signed", "log"]]
 * ```
 */
export function collapsedSdScales(args: CollapsedTargetArgs): ("signed" | "log" | "knee")[][] {
  const terms = args.data.terms;
  if (!levelCollapses(args.data)) return terms.map((t) => t.coefNames.map(() => "knee"));
  const dropAtZero = (args.mode ?? collapsedModeSummary(args.data)).dropAtZero;
  return [levelSignedScales(terms[0], dropAtZero, args.sdScale).map((s) => s ? "signed" : "log")];
}

/** The workers' finishing step (TargetFactory.finish): a chain's sampled points to full draws. */
export { fullChainDraws } from "./collapsed_draws.ts";
