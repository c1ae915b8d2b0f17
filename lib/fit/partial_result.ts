/**
 * `fit({ keepPartial: true })`: what a cancelled fit keeps (its warning is
 * lib/posterior/convergence.ts's partialResultWarning).
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import type { ChainDraws } from "../sampler/backend.ts";
import { keptDraws, SamplingCancelled } from "../sampler/cancellation.ts";

/**
 * The chains to build a partial Fit from, when `error` is a cancellation that carries partial
 * draws (only runs started with keepPartial do) with at least one kept draw per chain; null for
 * any other error (the caller rethrows it). Throws a HetfxError "sampling cancelled …" when the
 * run was cancelled before every chain had kept a post-warmup draw.
 *
 * @example
 * ```ts
 * import { partialChains } from "./partial_result.ts";
 * console.assert(partialChains(new Error("other")) === null);
 * ```
 */
export function partialChains(error: unknown): ChainDraws[] | null {
  if (!(error instanceof SamplingCancelled) || error.partial === null) return null;
  const partial = error.partial;
  if (partial.length === 0 || keptDraws(partial[0]) === 0) {
    throw new HetfxError(
      "sampling cancelled; no partial result: not every chain had completed a post-warmup " +
        "draw when sampling stopped.",
    );
  }
  return partial;
}
