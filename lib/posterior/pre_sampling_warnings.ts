/**
 * What a user should read before sampling starts: the data warnings found while compiling
 * (degenerate outcomes, one-row groups, more parameters than rows, …) and, for NUTS, an
 * estimated run time when it is long (lib/model/sampling_cost.ts).
 *
 * @module
 */
import type { CompiledData } from "../model/compiled_data.ts";
import { samplingTimeWarning } from "../model/sampling_cost.ts";

/**
 * Warnings to show before sampling.
 *
 * @example
 * ```ts ignore
 * for (const w of preSamplingWarnings(data, { chains: 4, warmup: 1000, draws: 1000 }, 4, "nuts")) console.warn(w);
 * ```
 */
export function preSamplingWarnings(
  data: Pick<CompiledData, "warnings" | "nRows" | "dim">,
  settings: { chains: number; warmup: number; draws: number },
  workers: number,
  method: string,
): string[] {
  const out = [...(data.warnings ?? [])];
  if (method === "nuts") {
    const time = samplingTimeWarning({
      rows: data.nRows,
      parameters: data.dim,
      chains: settings.chains,
      iterations: settings.warmup + settings.draws,
      workers,
    });
    if (time !== null) out.push(time);
  }
  return out;
}
