/**
 * The chains of one run as a queue shared by every thread that samples them (the calling thread
 * and its Web Workers), and the loop each thread runs over it: build the target from a factory
 * module, then take the next chain until none is left. A thread that gets ahead (an already
 * compiled one, or one the OS gives more time) takes more chains, and since chain c's randomness
 * is keyed by (seed, c, iteration), the draws do not depend on which thread ran a chain.
 *
 * @module
 */
import type { ChainDraws, SamplerTarget } from "./backend.ts";
import { SamplingCancelled } from "./cancellation.ts";
import { runChain } from "./chain_runner.ts";
import type { ChainOptions } from "./sample_options.ts";

/**
 * The next chain to start, as an atomic counter in a SharedArrayBuffer that can be posted to
 * workers (which rebuild the queue from it with `new ChainQueue(buffer)`).
 *
 * @example
 * ```ts
 * import { ChainQueue } from "./chain_queue.ts";
 * const queue = new ChainQueue(2);
 * const other = new ChainQueue(queue.buffer); // e.g. in a worker
 * console.assert(queue.next() === 0 && other.next() === 1 && queue.next() === null);
 * ```
 */
export class ChainQueue {
  /** [next chain, number of chains]. */
  readonly #state: Int32Array;

  /** A queue of chains 0 … `chains` − 1, or the queue whose `buffer` this is. */
  constructor(chains: number | SharedArrayBuffer) {
    if (typeof chains === "number") {
      this.#state = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
      this.#state[1] = chains;
    } else {
      this.#state = new Int32Array(chains);
    }
  }

  /** The shared memory to post to another thread. */
  get buffer(): SharedArrayBuffer {
    return this.#state.buffer as SharedArrayBuffer;
  }

  /** Takes the next chain; null when every chain has been taken. */
  next(): number | null {
    const chain = Atomics.add(this.#state, 0, 1);
    return chain < this.#state[1] ? chain : null;
  }
}

/** How a thread builds its target: `(await import(module))[exportName](args)`, and `finish`. */
export interface QueuedFactory {
  module: string;
  exportName: string;
  /** Optional export `(target, draws, chain, seed) => ChainDraws` applied to each chain's draws. */
  finish?: string;
}

/** Where a thread's chains report. */
export interface QueuedChainHooks {
  signal?: AbortSignal;
  onProgress: (
    chain: number,
    count: number,
    divergences: number,
    phase: "warmup" | "sampling",
  ) => void;
  /** A finished chain's draws (after the factory's finish step). */
  onChain: (chain: number, draws: ChainDraws) => void;
  /** After an abort: the running chain's post-warmup draws so far (none when it had not begun). */
  onCancelled: (partial: { chain: number; draws: ChainDraws }[]) => void;
}

/**
 * Builds the target from `factory` and `args`, then runs chains taken from `queue` until it is
 * empty or `hooks.signal` aborts (then `onCancelled` is called once and the loop ends).
 *
 * @example
 * ```ts ignore
 * await runQueuedChains(factory, args, options, new ChainQueue(4), { onProgress, onChain, onCancelled });
 * ```
 */
export async function runQueuedChains(
  factory: QueuedFactory,
  args: unknown,
  options: ChainOptions,
  queue: ChainQueue,
  hooks: QueuedChainHooks,
): Promise<void> {
  const mod = await import(factory.module) as Record<string, unknown>;
  const make = mod[factory.exportName];
  if (typeof make !== "function") {
    throw new Error(`module ${factory.module} has no function export "${factory.exportName}"`);
  }
  const target = await (make as (args: unknown) => SamplerTarget | Promise<SamplerTarget>)(args);
  const finish = finishing(mod, factory, target, options.seed);
  for (let chain = queue.next(); chain !== null; chain = queue.next()) {
    const c = chain;
    let draws: ChainDraws;
    try {
      draws = await runChain(target, c, options, {
        signal: hooks.signal,
        onIterations: (count, divergences, phase) => hooks.onProgress(c, count, divergences, phase),
      });
    } catch (error) {
      if (!(error instanceof SamplingCancelled)) throw error;
      hooks.onCancelled((error.partial ?? []).map((d) => ({ chain: c, draws: finish(d, c) })));
      return;
    }
    hooks.onChain(c, finish(draws, c));
  }
}

/** The factory's optional finishing step for one chain's draws (identity without one). */
function finishing(
  mod: Record<string, unknown>,
  factory: QueuedFactory,
  target: SamplerTarget,
  seed: number,
): (draws: ChainDraws, chain: number) => ChainDraws {
  if (factory.finish === undefined) return (draws) => draws;
  const finish = mod[factory.finish];
  if (typeof finish !== "function") {
    throw new Error(`module ${factory.module} has no function export "${factory.finish}"`);
  }
  return (draws, chain) =>
    (finish as (t: SamplerTarget, d: ChainDraws, c: number, s: number) => ChainDraws)(
      target,
      draws,
      chain,
      seed,
    );
}
