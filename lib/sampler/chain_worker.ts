/// <reference lib="deno.worker" />
/**
 * Web Worker entry for {@link sampleInWorkers}: builds the target from a factory module, runs
 * chains taken from the run's shared queue with the same code as the CPU backend
 * (chain_queue.ts) and posts progress and draws back.
 * A "cancel" message stops the running chain at its next yield to the event loop; the worker then
 * answers once with "cancelled", carrying that chain's post-warmup draws so far (none when it was
 * idle or between chains), and stops. A worker whose run succeeded may be kept for the next run
 * (parallel.ts, `keep`): it then serves another request, warm.
 *
 * Messages in: optionally {@link WorkerPreload} (the pool sends it as soon as the factory module
 * is known, so the import overlaps the main thread's preparation of the arguments), then
 * {@link WorkerRequest}, then optionally {@link WorkerCancel}. Messages out: {@link WorkerMessage}.
 *
 * @module
 */
import type { ChainDraws } from "./backend.ts";
import { ChainQueue, runQueuedChains } from "./chain_queue.ts";
import type { ChainOptions } from "./sample_options.ts";

/** What the pool sends a worker. */
export interface WorkerRequest {
  factory: { module: string; exportName: string; args: unknown; finish?: string };
  options: ChainOptions;
  /** The run's {@link ChainQueue} (its buffer): the worker takes chains from it until empty. */
  queue: SharedArrayBuffer;
}

/** Import this factory module now; the request that follows finds it loaded. */
export interface WorkerPreload {
  type: "preload";
  module: string;
}

/** Stop now and report the partial draws of the running chain. */
export interface WorkerCancel {
  type: "cancel";
}

/** What a worker sends back. */
export type WorkerMessage =
  | {
    type: "progress";
    chain: number;
    count: number;
    divergences: number;
    phase: "warmup" | "sampling";
  }
  | { type: "result"; chain: number; draws: ChainDraws }
  | { type: "cancelled"; partial: { chain: number; draws: ChainDraws }[] }
  | { type: "error"; name: string; message: string };

// Draws are posted as copies, never transferred: a transfer detaches the worker's buffers, and
// the first detach in an isolate invalidates V8's ArrayBufferDetaching protector, which throws
// away every optimised function that reads a typed array (the whole sampler and target: ~70
// functions), so the worker's next chain ran unoptimised code and recompiled it. A chain's draws
// are draws × dim doubles: copying them costs far less (bench/README.md, "Cold chains"), and
// holds one chain's draws twice until the worker's copy is collected.

async function handle(request: WorkerRequest, signal: AbortSignal): Promise<void> {
  const { factory, options, queue } = request;
  await runQueuedChains(factory, factory.args, options, new ChainQueue(queue), {
    signal,
    onProgress: (chain, count, divergences, phase) =>
      self.postMessage(
        { type: "progress", chain, count, divergences, phase } satisfies WorkerMessage,
      ),
    onChain: (chain, draws) =>
      self.postMessage(
        { type: "result", chain, draws } satisfies WorkerMessage,
      ),
    onCancelled: (partial) =>
      self.postMessage(
        { type: "cancelled", partial } satisfies WorkerMessage,
      ),
  });
}

// The running request's cancellation; a worker kept between runs (parallel.ts) serves one
// request after another.
let cancel = new AbortController();
let running = false;

self.onmessage = (event: MessageEvent<WorkerRequest | WorkerPreload | WorkerCancel>) => {
  const msg = event.data;
  if ("type" in msg && msg.type === "preload") {
    // A failed import is reported by the request's own import of the same module.
    import(msg.module).catch(() => {});
    return;
  }
  if ("type" in msg) {
    // A running chain sees the abort at its next yield and answers; an idle worker answers now.
    cancel.abort();
    if (!running) self.postMessage({ type: "cancelled", partial: [] } satisfies WorkerMessage);
    return;
  }
  running = true;
  cancel = new AbortController();
  handle(msg, cancel.signal).catch((e: unknown) => {
    const error = e instanceof Error ? e : new Error(String(e));
    self.postMessage(
      { type: "error", name: error.name, message: error.message } satisfies WorkerMessage,
    );
  }).finally(() => running = false);
};
