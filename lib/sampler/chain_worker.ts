/// <reference lib="deno.worker" />
/**
 * Web Worker entry for {@link sampleInWorkers}: builds the target from a factory module, runs
 * its assigned chains with the same code as the CPU backend and posts progress and draws back.
 *
 * Messages in: {@link WorkerRequest}. Messages out: {@link WorkerMessage}.
 *
 * @module
 */
import type { ChainDraws, SamplerTarget } from "./backend.ts";
import { runChain } from "./chain_runner.ts";
import type { ChainOptions } from "./sample_options.ts";

/** What the pool sends a worker. */
export interface WorkerRequest {
  factory: { module: string; exportName: string; args: unknown };
  options: ChainOptions;
  chains: number[];
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
  | { type: "error"; name: string; message: string };

function transferables(d: ChainDraws): ArrayBuffer[] {
  return [
    d.theta,
    d.logDensity,
    d.acceptStat,
    d.stepSize,
    d.treeDepth,
    d.nLeapfrog,
    d.divergent,
    d.energy,
    d.inverseMetric,
  ].map((a) => a.buffer as ArrayBuffer);
}

async function handle(request: WorkerRequest): Promise<void> {
  const { factory, options, chains } = request;
  const mod = await import(factory.module) as Record<string, unknown>;
  const make = mod[factory.exportName];
  if (typeof make !== "function") {
    throw new Error(`module ${factory.module} has no function export "${factory.exportName}"`);
  }
  const target = await (make as (args: unknown) => SamplerTarget | Promise<SamplerTarget>)(
    factory.args,
  );
  for (const chain of chains) {
    const draws = await runChain(target, chain, options, {
      onIterations: (count, divergences, phase) =>
        self.postMessage(
          { type: "progress", chain, count, divergences, phase } satisfies WorkerMessage,
        ),
    });
    self.postMessage(
      { type: "result", chain, draws } satisfies WorkerMessage,
      transferables(draws),
    );
  }
}

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  handle(event.data).catch((e: unknown) => {
    const error = e instanceof Error ? e : new Error(String(e));
    self.postMessage(
      { type: "error", name: error.name, message: error.message } satisfies WorkerMessage,
    );
  });
};
