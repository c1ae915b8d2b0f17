/// <reference lib="deno.worker" />
/**
 * Web Worker entry of sbc()'s simulation pool (sbc_workers.ts): prepares the design once from
 * the first message, then runs each simulation index it is sent and posts its ranks back.
 *
 * Messages in: {@link SbcWorkerInit} (first), then {@link SbcWorkerRun}s. Out:
 * {@link SbcWorkerMessage}.
 *
 * @module
 */
import type { ModelSpec } from "../spec/model_spec.ts";
import type { Table } from "../data/table.ts";
import {
  prepareSbc,
  runSimulation,
  type SbcDesign,
  type SbcFitOptions,
  type SimulationResult,
} from "./sbc_simulation.ts";

/** The run's settings, sent once. */
export interface SbcWorkerInit {
  type: "init";
  spec: ModelSpec;
  table: Table;
  seed: number;
  thinnedDraws: number;
  fit: SbcFitOptions;
}

/** Run simulation `s`. */
export interface SbcWorkerRun {
  type: "run";
  s: number;
}

/** A simulation's result, or the error that stopped it. */
export type SbcWorkerMessage =
  | { type: "result"; s: number; result: SimulationResult }
  | { type: "error"; name: string; message: string };

let init: SbcWorkerInit | null = null;
let design: SbcDesign | null = null;

self.onmessage = async (event: MessageEvent<SbcWorkerInit | SbcWorkerRun>) => {
  const msg = event.data;
  try {
    if (msg.type === "init") {
      init = msg;
      design = prepareSbc(msg.spec, msg.table);
      return;
    }
    if (init === null || design === null) throw new Error("sbc worker: run before init");
    const result = await runSimulation(design, init.seed, msg.s, init.thinnedDraws, init.fit);
    self.postMessage({ type: "result", s: msg.s, result } satisfies SbcWorkerMessage);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    self.postMessage(
      { type: "error", name: e.name, message: e.message } satisfies SbcWorkerMessage,
    );
  }
};
