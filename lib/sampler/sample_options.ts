/**
 * Validation of {@link SampleOptions} shared by the CPU backend and the worker pool.
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import type { SampleOptions } from "./backend.ts";

/** The options a single chain needs (everything but the chain count and the callbacks). */
export type ChainOptions = Omit<SampleOptions, "chains" | "onProgress" | "signal">;

function fail(name: string, rule: string, value: unknown): never {
  throw new HetfxError(
    `Cannot sample: option "${name}" must be ${rule}, got ${
      typeof value === "string" ? JSON.stringify(value) : String(value)
    }`,
  );
}

/**
 * Throws a HetfxError naming the first invalid option and its value: chains (integer ≥ 1),
 * warmup (integer ≥ 0), draws (integer ≥ 1), seed (integer), adaptDelta (in (0, 1)),
 * maxTreedepth (integer ≥ 1), metric ("diag" or "dense").
 *
 * @example
 * ```ts
 * import { validateSampleOptions } from "./sample_options.ts";
 * validateSampleOptions({ chains: 4, warmup: 1000, draws: 1000, seed: 1, adaptDelta: 0.8, maxTreedepth: 10, metric: "diag" });
 * ```
 */
export function validateSampleOptions(
  options: Omit<SampleOptions, "onProgress" | "signal">,
): void {
  const { chains, warmup, draws, seed, adaptDelta, maxTreedepth, metric } = options;
  if (!Number.isInteger(chains) || chains < 1) fail("chains", "an integer ≥ 1", chains);
  if (!Number.isInteger(warmup) || warmup < 0) fail("warmup", "an integer ≥ 0", warmup);
  if (!Number.isInteger(draws) || draws < 1) fail("draws", "an integer ≥ 1", draws);
  if (!Number.isSafeInteger(seed)) fail("seed", "a (safe) integer", seed);
  if (typeof adaptDelta !== "number" || !(adaptDelta > 0 && adaptDelta < 1)) {
    fail("adaptDelta", "a number in (0, 1)", adaptDelta);
  }
  if (!Number.isInteger(maxTreedepth) || maxTreedepth < 1) {
    fail("maxTreedepth", "an integer ≥ 1", maxTreedepth);
  }
  if (metric !== "diag" && metric !== "dense") fail("metric", '"diag" or "dense"', metric);
}
