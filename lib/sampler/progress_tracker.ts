/**
 * Sums per-chain progress reports into the {@link SampleProgress} a caller sees.
 *
 * @module
 */
import type { SampleProgress } from "./backend.ts";

/**
 * Aggregates chain reports: `done` and `divergences` (post-warmup) summed over chains; `phase` is
 * "sampling" once every chain has finished its warmup.
 *
 * @example
 * ```ts
 * import { ProgressTracker } from "./progress_tracker.ts";
 * const t = new ProgressTracker(2, 10, (p) => console.assert(p.total === 20));
 * t.report(0, 5, 0, "warmup");
 * ```
 */
export class ProgressTracker {
  private done = 0;
  private divergences = 0;
  private readonly sampling: boolean[];
  private readonly total: number;

  constructor(
    chains: number,
    iterationsPerChain: number,
    private readonly onProgress?: (progress: SampleProgress) => void,
  ) {
    this.sampling = new Array<boolean>(chains).fill(false);
    this.total = chains * iterationsPerChain;
  }

  /** Records `count` iterations of `chain` and calls onProgress. */
  report(chain: number, count: number, divergences: number, phase: "warmup" | "sampling"): void {
    this.done += count;
    this.divergences += divergences;
    if (phase === "sampling") this.sampling[chain] = true;
    this.onProgress?.({
      done: this.done,
      total: this.total,
      divergences: this.divergences,
      phase: this.sampling.every((s) => s) ? "sampling" : "warmup",
    });
  }
}
