/**
 * The reference backend: NUTS with Stan-style windowed adaptation, chains run one after another
 * on the calling thread (see parallel.ts for the same chains in Web Workers).
 *
 * @module
 */
import type { Backend, ChainDraws, SampleOptions, SamplerTarget } from "./backend.ts";
import { SamplingCancelled, truncateChains } from "./cancellation.ts";
import { runChain } from "./chain_runner.ts";
import { ProgressTracker } from "./progress_tracker.ts";
import { validateSampleOptions } from "./sample_options.ts";

/**
 * CPU NUTS backend. Chain c uses only random numbers keyed by (seed, c, iteration), so the same
 * seed gives byte-identical draws however the chains are scheduled. An abort rejects with a
 * {@link SamplingCancelled}; with `keepPartial` it carries the finished chains, the running
 * chain's draws so far and nothing of the chains not started (so 0 draws each unless the abort
 * came during the last chain's sampling).
 *
 * @example
 * ```ts
 * import { CpuBackend } from "./cpu_backend.ts";
 * const target = { dim: 1, logDensityGradient: (q: Float64Array, g: Float64Array) => { g[0] = -q[0]; return -0.5 * q[0] * q[0]; } };
 * const chains = await new CpuBackend().sample(target, { chains: 2, warmup: 100, draws: 100, seed: 1, adaptDelta: 0.8, maxTreedepth: 10, metric: "diag", warmupStart: "stan" });
 * console.assert(chains.length === 2 && chains[0].theta.length === 100);
 * ```
 */
export class CpuBackend implements Backend {
  readonly name = "cpu" as const;

  async sample(target: SamplerTarget, options: SampleOptions): Promise<ChainDraws[]> {
    validateSampleOptions(options);
    const { chains, signal, onProgress, keepPartial, ...chainOptions } = options;
    const tracker = new ProgressTracker(chains, options.warmup + options.draws, onProgress);
    const out: ChainDraws[] = [];
    for (let c = 0; c < chains; c++) {
      try {
        out.push(
          await runChain(target, c, chainOptions, {
            signal,
            onIterations: (count, divergences, phase) =>
              tracker.report(c, count, divergences, phase),
          }),
        );
      } catch (error) {
        if (!(error instanceof SamplingCancelled)) throw error;
        if (!keepPartial) throw new SamplingCancelled();
        const partial = [...out, ...(error.partial ?? [])];
        throw new SamplingCancelled(
          truncateChains([...partial, ...new Array(chains - partial.length)]),
        );
      }
    }
    return out;
  }
}
