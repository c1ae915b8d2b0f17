/**
 * Cancellation of a sampling run: the error an abort raises and the partial draws it may carry.
 *
 * Every backend rejects an aborted run with a {@link SamplingCancelled} — a HetfxError whose
 * message is "sampling cancelled". When the run was started with `keepPartial`, the CPU backend
 * and the worker pool attach the post-warmup draws completed so far, every chain truncated to the
 * same number of kept draws (0 when some chain had none); the WebGPU backend never does.
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import type { ChainDraws } from "./backend.ts";

/**
 * The rejection of an aborted sampling run.
 *
 * @example
 * ```ts
 * import { SamplingCancelled } from "./cancellation.ts";
 * import { HetfxError } from "../errors.ts";
 * const e = new SamplingCancelled();
 * console.assert(e instanceof HetfxError && e.message === "sampling cancelled" && e.partial === null);
 * ```
 */
export class SamplingCancelled extends HetfxError {
  /**
   * The kept draws of every chain at the abort, all chains truncated to the same length (see
   * {@link truncateChains}); null when partial results were not asked for.
   */
  readonly partial: ChainDraws[] | null;

  constructor(partial: ChainDraws[] | null = null, message = "sampling cancelled") {
    super(message);
    this.partial = partial;
  }
}

/** Number of post-warmup draws a chain holds. */
export function keptDraws(chain: ChainDraws): number {
  return chain.logDensity.length;
}

/**
 * The first `draws` kept draws of a chain (views, no copy); the warmup results (adapted step
 * size, inverse metric, warmup divergences) are kept as they are.
 *
 * @example
 * ```ts
 * import { truncateChain } from "./cancellation.ts";
 * const full = { theta: new Float64Array(6), logDensity: new Float64Array(3), acceptStat: new Float64Array(3), stepSize: new Float64Array(3), treeDepth: new Int32Array(3), nLeapfrog: new Int32Array(3), divergent: new Uint8Array(3), energy: new Float64Array(3), warmupDivergences: 0, adaptedStepSize: 0.5, inverseMetric: new Float64Array(2) };
 * const two = truncateChain(full, 2);
 * console.assert(two.theta.length === 4 && two.logDensity.length === 2);
 * ```
 */
export function truncateChain(chain: ChainDraws, draws: number): ChainDraws {
  const n = keptDraws(chain);
  if (draws >= n) return chain;
  const dim = n > 0 ? chain.theta.length / n : 0;
  return {
    ...chain,
    theta: chain.theta.subarray(0, draws * dim),
    logDensity: chain.logDensity.subarray(0, draws),
    acceptStat: chain.acceptStat.subarray(0, draws),
    stepSize: chain.stepSize.subarray(0, draws),
    treeDepth: chain.treeDepth.subarray(0, draws),
    nLeapfrog: chain.nLeapfrog.subarray(0, draws),
    divergent: chain.divergent.subarray(0, draws),
    energy: chain.energy.subarray(0, draws),
  };
}

/**
 * The chains of a cancelled run, truncated to the number of kept draws of the shortest chain.
 * A chain that never started (undefined) counts as none kept: every chain then comes back with 0
 * draws (and undefined ones are left out).
 *
 * @example
 * ```ts
 * import { truncateChains } from "./cancellation.ts";
 * const chain = (n: number) => ({ theta: new Float64Array(2 * n), logDensity: new Float64Array(n), acceptStat: new Float64Array(n), stepSize: new Float64Array(n), treeDepth: new Int32Array(n), nLeapfrog: new Int32Array(n), divergent: new Uint8Array(n), energy: new Float64Array(n), warmupDivergences: 0, adaptedStepSize: 0.5, inverseMetric: new Float64Array(2) });
 * const out = truncateChains([chain(10), chain(4)]);
 * console.assert(out.length === 2 && out[0].logDensity.length === 4 && out[0].theta.length === 8);
 * ```
 */
export function truncateChains(chains: readonly (ChainDraws | undefined)[]): ChainDraws[] {
  const started = chains.filter((c): c is ChainDraws => c !== undefined);
  const draws = started.length < chains.length ? 0 : Math.min(...started.map(keptDraws));
  return started.map((c) => truncateChain(c, draws));
}
