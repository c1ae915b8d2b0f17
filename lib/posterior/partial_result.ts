/**
 * `fit({ keepPartial: true })`: what a cancelled fit keeps, and the warning a partial Fit shows.
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

/**
 * The warning of a Fit built from a cancelled run.
 *
 * @example
 * ```ts
 * import { partialResultWarning } from "./partial_result.ts";
 * console.assert(partialResultWarning(40, 1000, 4).startsWith("Partial result"));
 * ```
 */
export function partialResultWarning(kept: number, asked: number, chains: number): string {
  return `Partial result: sampling was cancelled, so each of the ${chains} chains keeps only ` +
    `its first ${kept} of ${asked} post-warmup draws; estimates and diagnostics use these ` +
    "draws only. Run the fit to the end for the full result.";
}
