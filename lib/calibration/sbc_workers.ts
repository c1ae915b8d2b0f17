/**
 * sbc()'s simulations in parallel Web Workers: each worker prepares the design once and is
 * handed the next simulation index whenever it finishes one. A simulation's result depends only
 * on (seed, s), so the ranks are the same whatever the number of workers or the order in which
 * they finish. An abort terminates every worker at once.
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import { SamplingCancelled } from "../sampler/cancellation.ts";
import type { ModelSpec } from "../spec/model_spec.ts";
import type { Table } from "../data/table.ts";
import type { SbcFitOptions, SimulationResult } from "./sbc_simulation.ts";
import type { SbcWorkerInit, SbcWorkerMessage, SbcWorkerRun } from "./sbc_worker.ts";

/** What the pool runs: simulations 0…sims−1 of one SBC run. */
export interface SbcPoolRun {
  spec: ModelSpec;
  table: Table;
  seed: number;
  sims: number;
  thinnedDraws: number;
  fit: SbcFitOptions;
  workers: number;
  /** Called once per finished simulation with (done, total). */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Runs every simulation in min(workers, sims) workers; resolves with the results indexed by
 * simulation, rejects with a {@link SamplingCancelled} on abort or with the first error.
 *
 * @example
 * ```ts ignore
 * const results = await runInWorkers({ spec, table, seed: 1, sims: 100, thinnedDraws: 99, fit: {}, workers: 2 });
 * ```
 */
export function runInWorkers(run: SbcPoolRun): Promise<SimulationResult[]> {
  const { sims, signal } = run;
  if (signal?.aborted) return Promise.reject(new SamplingCancelled());
  const nWorkers = Math.max(1, Math.min(run.workers, sims));
  return new Promise((resolve, reject) => {
    const results: SimulationResult[] = new Array(sims);
    const pool: Worker[] = [];
    let next = 0;
    let done = 0;
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      for (const w of pool) w.terminate();
      signal?.removeEventListener("abort", onAbort);
      if (error) reject(error);
      else resolve(results);
    };
    const onAbort = () => finish(new SamplingCancelled());
    signal?.addEventListener("abort", onAbort);
    const give = (worker: Worker) => {
      if (next < sims) worker.postMessage({ type: "run", s: next++ } satisfies SbcWorkerRun);
    };
    const url = new URL("./sbc_worker.ts", import.meta.url).href;
    const init: SbcWorkerInit = {
      type: "init",
      spec: run.spec,
      table: run.table,
      seed: run.seed,
      thinnedDraws: run.thinnedDraws,
      fit: run.fit,
    };
    try {
      for (let w = 0; w < nWorkers; w++) {
        const worker = new Worker(url, { type: "module" });
        pool.push(worker);
        worker.onmessage = (event: MessageEvent<SbcWorkerMessage>) => {
          const msg = event.data;
          if (settled) return;
          if (msg.type === "error") {
            return finish(
              msg.name === "HetfxError" ? new HetfxError(msg.message) : new Error(msg.message),
            );
          }
          results[msg.s] = msg.result;
          done++; // not inside onProgress?.(…): an absent callback skips its arguments
          run.onProgress?.(done, sims);
          if (done === sims) finish();
          else give(worker);
        };
        worker.onerror = (event: ErrorEvent) => {
          event.preventDefault();
          finish(new Error(`sbc worker failed: ${event.message}`));
        };
        // A fit option that cannot be cloned (a function) throws DataCloneError here.
        worker.postMessage(init);
        give(worker);
      }
    } catch (error) {
      finish(error instanceof Error ? error : new Error(String(error)));
    }
  });
}
