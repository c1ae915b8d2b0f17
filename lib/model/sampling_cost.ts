/**
 * A rough estimate, before sampling, of how long NUTS will take, so that a model that will
 * run for minutes (100 000 one-row groups, say) says so and why before it starts rather than
 * after. The estimate is deliberately coarse: one gradient costs about
 * {@link NS_PER_ELEMENT} ns per data row and per parameter, and weakly identified models (more
 * parameters than rows) take about {@link STEPS_WEAK} leapfrog steps per iteration, others
 * {@link STEPS_TYPICAL}. It is an order of magnitude, and the message says so.
 *
 * @module
 */

/** Nanoseconds per (row + parameter) and gradient: the order of magnitude of the CPU kernels. */
export const NS_PER_ELEMENT = 20;
/** Leapfrog steps per iteration of a model the data inform well (tree depth about 4). */
export const STEPS_TYPICAL = 15;
/** Leapfrog steps per iteration when parameters outnumber rows (tree depth about 7). */
export const STEPS_WEAK = 127;
/** Estimated runs longer than this (seconds) are announced before sampling. */
export const ANNOUNCE_SECONDS = 60;

/** What the estimate needs. */
export interface SamplingWork {
  rows: number;
  parameters: number;
  chains: number;
  /** Warmup plus kept draws, per chain. */
  iterations: number;
  /** Chains run side by side. */
  workers: number;
}

/**
 * Estimated seconds of NUTS sampling.
 *
 * @example
 * ```ts
 * import { estimatedSeconds } from "./sampling_cost.ts";
 * const small = estimatedSeconds({ rows: 500, parameters: 20, chains: 4, iterations: 2000, workers: 4 });
 * const huge = estimatedSeconds({ rows: 1e5, parameters: 2e5, chains: 4, iterations: 2000, workers: 4 });
 * console.assert(small < 1 && huge > 600);
 * ```
 */
export function estimatedSeconds(work: SamplingWork): number {
  const steps = work.parameters > work.rows ? STEPS_WEAK : STEPS_TYPICAL;
  const perGradient = (work.rows + work.parameters) * NS_PER_ELEMENT * 1e-9;
  const rounds = Math.ceil(work.chains / Math.max(1, work.workers));
  return rounds * work.iterations * steps * perGradient;
}

/** Seconds as "40 s", "12 min", "3.5 h". */
function duration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/**
 * A warning to show before sampling when the estimated time exceeds
 * {@link ANNOUNCE_SECONDS}, naming the sizes that drive it and what to change; null otherwise.
 *
 * @example
 * ```ts
 * import { samplingTimeWarning } from "./sampling_cost.ts";
 * const w = samplingTimeWarning({ rows: 1e5, parameters: 2e5, chains: 4, iterations: 2000, workers: 4 });
 * console.assert(w !== null && w.includes("200000 parameters"));
 * ```
 */
export function samplingTimeWarning(work: SamplingWork): string | null {
  const seconds = estimatedSeconds(work);
  if (seconds < ANNOUNCE_SECONDS) return null;
  const weak = work.parameters > work.rows;
  return `Sampling is estimated to take about ${duration(seconds)} (an order of magnitude: ` +
    `${work.parameters} parameters, ${work.rows} rows, ${work.chains} chains × ` +
    `${work.iterations} iterations${
      weak ? "; more parameters than rows make each iteration long" : ""
    }). ` +
    (weak
      ? "Many groups with one or two rows each add parameters the data hardly inform: merge " +
        "small groups, group by a coarser factor, or drop the varying slope; "
      : "") +
    "fewer chains or draws (--chains, --draws) shorten it; Ctrl-C stops it.";
}
