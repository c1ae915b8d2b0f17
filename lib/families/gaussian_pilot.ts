/**
 * The pilot's Gaussian working model, shared by gaussian and student: a pattern is `rows`
 * identical rows with outcome y, and one step is a weighted least-squares update whose residual
 * sum of squares re-estimates 1/σ².
 */
import type { PilotSums, WorkingStep } from "./family.ts";
import type { PatternStats } from "./compressed_stats.ts";

/**
 * Σy, the row count and Σy² of pattern p.
 *
 * @example
 * ```ts
 * import { gaussianPilotSums } from "./gaussian_pilot.ts";
 * const s = { y: new Float64Array([2]), rows: new Float64Array([3]) };
 * const sums = gaussianPilotSums(s as never, 0);
 * console.assert(sums.sum === 6 && sums.weight === 3 && sums.sumSq === 12);
 * ```
 */
export function gaussianPilotSums(s: PatternStats, p: number): PilotSums {
  return { sum: s.y[p] * s.rows[p], weight: s.rows[p], sumSq: s.y[p] ** 2 * s.rows[p] };
}

/**
 * One least-squares step at η with precision `invVar`: residual, weight, RSS and row count.
 *
 * @example
 * ```ts
 * import { gaussianWorkingStep } from "./gaussian_pilot.ts";
 * const step = gaussianWorkingStep(1, { sum: 6, weight: 3, sumSq: 12 }, 0.5);
 * console.assert(step.resid === 1.5 && step.weight === 1.5 && step.rss === 3 && step.count === 3);
 * ```
 */
export function gaussianWorkingStep(eta: number, row: PilotSums, invVar: number): WorkingStep {
  return {
    resid: (row.sum - row.weight * eta) * invVar,
    weight: row.weight * invVar,
    rss: row.sumSq - 2 * eta * row.sum + row.weight * eta * eta,
    count: row.weight,
  };
}
