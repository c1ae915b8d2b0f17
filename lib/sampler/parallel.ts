/**
 * Chains in parallel Web Workers. Each worker imports a factory module to build its own
 * SamplerTarget (targets hold functions, so they cannot be posted) and runs its chains with the
 * CPU backend's per-chain code; since chain c's randomness is keyed by (seed, c, iteration), the
 * draws are byte-identical to {@link CpuBackend}'s whatever the number of workers.
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import type { ChainDraws, SampleOptions, SampleProgress } from "./backend.ts";
import { SamplingCancelled, truncateChains } from "./cancellation.ts";
import { ChainQueue, runQueuedChains } from "./chain_queue.ts";
import type { WorkerCancel, WorkerMessage, WorkerPreload, WorkerRequest } from "./chain_worker.ts";
import { ProgressTracker } from "./progress_tracker.ts";
import { checkWholeOption, validateSampleOptions } from "./sample_options.ts";

/** Longest wait, after an abort with keepPartial, for the workers' partial draws. */
export const PARTIAL_TIMEOUT_MS = 10_000;

/** How a worker builds its target: `(await import(module))[exportName](args)`. */
export interface TargetFactory {
  /** Absolute URL of an ES module (e.g. `new URL("./model.ts", import.meta.url).href`). */
  module: string;
  exportName: string;
  /**
   * Structured-cloneable arguments for the factory, or a function returning them: it is called
   * once, after the workers are started, so that preparing the arguments overlaps their
   * start-up.
   */
  args: unknown;
  /**
   * Optional export of the same module, `(target, draws, chain, seed) => ChainDraws`, that each
   * worker applies to every chain's draws (complete or partial) before posting them: work that
   * belongs to one chain (e.g. drawing integrated-out coefficients) then runs in parallel too.
   */
  finish?: string;
}

/** Options of {@link sampleInWorkers}: SampleOptions without callbacks, plus a worker count. */
export type WorkerSampleOptions = Omit<SampleOptions, "onProgress" | "signal"> & {
  /** Number of workers; default navigator.hardwareConcurrency, never more than chains. */
  workers?: number;
};

/** Progress callback and cancellation for {@link sampleInWorkers}. */
export interface WorkerHooks {
  onProgress?: (progress: SampleProgress) => void;
  signal?: AbortSignal;
  /**
   * Workers started earlier with {@link startChainWorkers} (e.g. while the model compiles), used
   * instead of new ones; the run terminates them when it settles, or, where the pool keeps its
   * workers, hands them to the next run after a run that succeeded.
   */
  pool?: ChainWorkerPool;
}

/**
 * Workers kept between runs ({@link startChainWorkers} with `keep`): idle, their modules loaded
 * and their code compiled by V8, so that the next run's workers start at once and warm.
 */
const idleWorkers: Worker[] = [];

/**
 * A kept worker to the idle list. One that fails while idle is dropped and terminated.
 */
function keepIdle(worker: Worker): void {
  worker.onmessage = null;
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    const at = idleWorkers.indexOf(worker);
    if (at >= 0) idleWorkers.splice(at, 1);
    worker.terminate();
  };
  idleWorkers.push(worker);
}

/**
 * Terminates the workers kept between runs (fit option `keepWorkers`) and returns how many there
 * were. A script that keeps workers calls it before it ends: an idle worker keeps the process
 * alive. The Jupyter kernel needs no call.
 *
 * @example
 * ```ts
 * import { releaseWorkers } from "./parallel.ts";
 * console.assert(releaseWorkers() === 0); // none kept yet
 * ```
 */
export function releaseWorkers(): number {
  const workers = idleWorkers.splice(0);
  for (const w of workers) w.terminate();
  return workers.length;
}

/**
 * Sampler workers started ahead of a run: spawning a worker and loading its modules takes
 * 50–300 ms, which can overlap the caller's own work (compiling the model, the metric pilot).
 * One pool serves one {@link sampleInWorkers} run; {@link terminate} frees an unused one (an idle
 * worker keeps the process alive). A pool takes workers kept by earlier runs before it starts new
 * ones; one made with `keep` hands its workers on to the next run ({@link releaseWorkers}).
 */
export class ChainWorkerPool {
  readonly #workers: Worker[] = [];
  readonly #keep: boolean;
  #claimed = false;
  #error: string | null = null;

  /**
   * Starts `size` workers, which load the chain runner at once. An error in a worker before its
   * run claims it is kept (not thrown into the caller's process) and reported by {@link claim}'s
   * run; a worker that cannot be created terminates the ones already started.
   */
  constructor(size: number, keep = false) {
    this.#keep = keep;
    const url = new URL("./chain_worker.ts", import.meta.url).href;
    try {
      for (let w = 0; w < size; w++) {
        const worker = idleWorkers.pop() ?? new Worker(url, { type: "module" });
        worker.onerror = (event: ErrorEvent) => {
          event.preventDefault();
          this.#error ??= event.message;
        };
        this.#workers.push(worker);
      }
    } catch (error) {
      this.terminate();
      throw error;
    }
  }

  /** The first error a worker raised before its run took it over, or null. */
  get error(): string | null {
    return this.#error;
  }

  /** Number of workers started. */
  get size(): number {
    return this.#workers.length;
  }

  /** Lets every worker import `module` (a factory module) now, before its request comes. */
  preload(module: string): void {
    for (const w of this.#workers) {
      w.postMessage({ type: "preload", module } satisfies WorkerPreload);
    }
  }

  /** The first `n` workers for one run (the rest terminated); null when already used or too few. */
  claim(n: number): Worker[] | null {
    if (this.#claimed || n > this.#workers.length) return null;
    this.#claimed = true;
    for (const w of this.#workers.slice(n)) w.terminate();
    return this.#workers.slice(0, n);
  }

  /** Whether a run that succeeds keeps this pool's workers for the next run. */
  get keep(): boolean {
    return this.#keep;
  }

  /** Terminates every worker (a no-op for workers already terminated). */
  terminate(): void {
    this.#claimed = true;
    for (const w of this.#workers) w.terminate();
  }

  /**
   * Ends the pool after its run (or instead of one): a keeping pool without errors hands its
   * unclaimed workers on to the next run; otherwise as {@link terminate}. The claimed workers
   * are the run's, which terminates or keeps them itself.
   */
  close(): void {
    if (!this.#keep || this.#error !== null) return this.terminate();
    const unclaimed = this.#claimed ? [] : this.#workers;
    this.#claimed = true;
    for (const w of unclaimed) keepIdle(w);
  }
}

/**
 * Starts `size` sampler workers for a later {@link sampleInWorkers} run (pass the pool in its
 * hooks), taking idle kept workers first. The caller closes the pool (or terminates it) if the
 * run never happens. `keep`: after a run that succeeds, its workers stay for the next run.
 *
 * @example
 * ```ts ignore
 * const pool = startChainWorkers(2);
 * try {
 *   const data = expensiveSetup();
 *   return await sampleInWorkers(factory, { ...settings, workers: 2 }, { pool });
 * } finally {
 *   pool.terminate();
 * }
 * ```
 */
export function startChainWorkers(size: number, keep = false): ChainWorkerPool {
  return new ChainWorkerPool(size, keep);
}

/**
 * Runs the chains on min(chains, workers) threads: the calling thread and min(chains, workers) − 1
 * Web Workers, which take chains from one shared queue (a SharedArrayBuffer counter) as they
 * become free. A fresh worker costs its first chain a V8 warm-up that the calling thread, already
 * running, pays less of, and a thread that gets ahead takes more chains; the draws do not depend
 * on which thread ran a chain. `workers: 1` runs every chain here.
 * Rejects with a {@link SamplingCancelled} (HetfxError "sampling cancelled") on abort, or with
 * the first error of any thread. On abort the workers are terminated at once, unless
 * `options.keepPartial`: then every thread is asked to stop its running chain at its next yield
 * and report the draws so far (waiting at most {@link PARTIAL_TIMEOUT_MS}), and the error's
 * `partial` holds every chain truncated to the same number of kept draws (0 when a chain had not
 * started).
 *
 * @example
 * ```ts ignore
 * import { sampleInWorkers } from "./parallel.ts";
 * const draws = await sampleInWorkers(
 *   { module: new URL("./my_model.ts", import.meta.url).href, exportName: "makeTarget", args: {} },
 *   { chains: 4, warmup: 1000, draws: 1000, seed: 1, adaptDelta: 0.8, maxTreedepth: 10, metric: "diag", warmupStart: "stan" },
 * );
 * ```
 */
export function sampleInWorkers(
  factory: TargetFactory,
  options: WorkerSampleOptions,
  hooks: WorkerHooks = {},
): Promise<ChainDraws[]> {
  const { workers: requested, chains, keepPartial, ...chainOptions } = options;
  try {
    validateSampleOptions(options);
    checkWholeOption("workers", requested, 1, "Cannot sample");
  } catch (e) {
    return Promise.reject(e);
  }
  const { signal, onProgress } = hooks;
  if (signal?.aborted) return Promise.reject(new SamplingCancelled());
  const threads = Math.max(1, Math.min(chains, requested ?? navigator.hardwareConcurrency ?? 1));
  const tracker = new ProgressTracker(chains, options.warmup + options.draws, onProgress);
  const queue = new ChainQueue(chains);

  return new Promise<ChainDraws[]>((resolve, reject) => {
    const results: (ChainDraws | undefined)[] = new Array(chains);
    const pool: Worker[] = [];
    let remaining = chains;
    let settled = false;
    // Stops the chain running on this thread (an abort, or another thread's error).
    const local = new AbortController();
    // keepPartial: the threads (worker index, or -1 for this one) that have not yet answered
    // the cancel request.
    let cancelling: Set<number> | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Workers of a keeping pool outlive a run that succeeds: every chain has ended, so they
    // are idle.
    let keep = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const w of pool) {
        if (keep && error === undefined) keepIdle(w);
        else w.terminate();
      }
      local.abort();
      signal?.removeEventListener("abort", onAbort);
      if (error) reject(error);
      else resolve(results as ChainDraws[]);
    };
    const finishCancelled = () => finish(new SamplingCancelled(truncateChains(results)));
    const answered = (thread: number) => {
      cancelling?.delete(thread);
      if (cancelling?.size === 0) finishCancelled();
    };
    const chainDone = (chain: number, draws: ChainDraws) => {
      results[chain] = draws;
      if (--remaining === 0) finish();
    };
    let localRunning = true;
    const onAbort = () => {
      if (!keepPartial) return finish(new SamplingCancelled());
      // Every worker answers once (an idle one at once); this thread's chain answers at its
      // next iteration.
      cancelling = new Set(pool.keys());
      if (localRunning) cancelling.add(-1);
      if (cancelling.size === 0) return finishCancelled();
      for (const worker of pool) worker.postMessage({ type: "cancel" } satisfies WorkerCancel);
      local.abort();
      timer = setTimeout(finishCancelled, PARTIAL_TIMEOUT_MS);
    };
    signal?.addEventListener("abort", onAbort);

    // Workers started earlier when given, else new ones; either way each imports the factory
    // module at once, while the arguments are built below.
    const nWorkers = threads - 1;
    if (nWorkers === 0) hooks.pool?.close();
    else {
      const failed = hooks.pool?.error ?? null;
      let workers = failed === null ? hooks.pool?.claim(nWorkers) ?? null : null;
      keep = hooks.pool?.keep ?? false;
      if (workers === null) {
        // A failed pool is terminated; a healthy keeping one too small for this run gives its
        // workers to the new one.
        hooks.pool?.close();
        workers = new ChainWorkerPool(nWorkers).claim(nWorkers)!;
      }
      for (const [w, worker] of workers.entries()) {
        worker.postMessage({ type: "preload", module: factory.module } satisfies WorkerPreload);
        pool.push(worker);
        worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
          const msg = event.data;
          if (settled) return;
          if (msg.type === "progress") {
            tracker.report(msg.chain, msg.count, msg.divergences, msg.phase);
          } else if (msg.type === "result") {
            chainDone(msg.chain, msg.draws);
          } else if (msg.type === "cancelled") {
            for (const p of msg.partial) results[p.chain] = p.draws;
            answered(w);
          } else {
            finish(
              msg.name === "HetfxError" ? new HetfxError(msg.message) : new Error(msg.message),
            );
          }
        };
        worker.onerror = (event: ErrorEvent) => {
          event.preventDefault();
          finish(new Error(`sampling worker failed: ${event.message}`));
        };
      }
    }
    // Building the arguments or cloning them into a worker (DataCloneError) may throw: either
    // way the workers are terminated and the promise rejects.
    let args: unknown;
    try {
      args = typeof factory.args === "function" ? factory.args() : factory.args;
      for (const worker of pool) {
        const request: WorkerRequest = {
          factory: { ...factory, args },
          options: chainOptions,
          queue: queue.buffer,
        };
        worker.postMessage(request);
      }
    } catch (error) {
      return finish(error instanceof Error ? error : new Error(String(error)));
    }
    // This thread's share: chains from the same queue until it is empty.
    runQueuedChains(factory, args, chainOptions, queue, {
      signal: local.signal,
      onProgress: (chain, count, divergences, phase) =>
        tracker.report(chain, count, divergences, phase),
      onChain: (chain, draws) => {
        if (!settled) chainDone(chain, draws);
      },
      onCancelled: (partial) => {
        if (settled) return;
        for (const p of partial) results[p.chain] = p.draws;
        answered(-1);
      },
    }).then(
      () => {
        localRunning = false;
        if (cancelling?.has(-1)) answered(-1);
      },
      (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))),
    );
  });
}
