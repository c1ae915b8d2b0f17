/**
 * The sampler settings every backend takes, and their one set of rules: the fit layer checks a
 * user's options with {@link checkSampleSettings} ("Cannot fit") and the backends check what
 * they are given with the same function ("Cannot sample").
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import type { SampleOptions, SampleSettings } from "./backend.ts";

/** The options a single chain needs (everything but the chain count and the callbacks). */
export type ChainOptions = Omit<SampleOptions, "chains" | "onProgress" | "signal">;

/** A value as an error message shows it (JSON, but NaN and ±Infinity as themselves). */
export function shownValue(value: unknown): string {
  return typeof value === "number" && !Number.isFinite(value)
    ? String(value)
    : value === undefined
    ? "undefined"
    : JSON.stringify(value);
}

const wholeAtLeast = (min: number) => (v: unknown) =>
  Number.isInteger(v) && (v as number) >= min ? null : `must be a whole number ≥ ${min}`;

/** One rule per setting: null when the value is valid, else what it must be. */
const RULES: { [K in keyof SampleSettings]: (value: unknown) => string | null } = {
  chains: wholeAtLeast(1),
  warmup: wholeAtLeast(0),
  draws: wholeAtLeast(1),
  seed: (v) => Number.isSafeInteger(v) ? null : "must be a whole number (at most 2^53 − 1 in size)",
  adaptDelta: (v) =>
    typeof v === "number" && v > 0 && v < 1
      ? null
      : "must lie strictly between 0 and 1 (e.g. 0.95)",
  maxTreedepth: wholeAtLeast(1),
  metric: (v) => v === "diag" || v === "dense" ? null : 'must be "diag" or "dense"',
  warmupStart: (v) => v === "stan" || v === "laplace" ? null : 'must be "laplace" or "stan"',
};

/**
 * Throws a HetfxError `"<context>: option <name> = <value> <rule>."` for the first invalid
 * setting: chains, draws, maxTreedepth whole numbers ≥ 1, warmup ≥ 0, seed a safe integer,
 * adaptDelta in (0, 1), metric "diag" or "dense", warmupStart "laplace" or "stan".
 *
 * @example
 * ```ts
 * import { checkSampleSettings } from "./sample_options.ts";
 * checkSampleSettings({ chains: 4, warmup: 1000, draws: 1000, seed: 1, adaptDelta: 0.8, maxTreedepth: 10, metric: "diag", warmupStart: "stan" }, "Cannot sample");
 * ```
 */
export function checkSampleSettings(settings: SampleSettings, context: string): void {
  for (const name of Object.keys(RULES) as (keyof SampleSettings)[]) {
    const value = settings[name];
    const problem = RULES[name](value);
    if (problem !== null) {
      throw new HetfxError(`${context}: option ${name} = ${shownValue(value)} ${problem}.`);
    }
  }
}

/**
 * Throws the same HetfxError as {@link checkSampleSettings} unless `value` is undefined or a
 * whole number ≥ `min` (options beside the settings: thin, workers).
 *
 * @example
 * ```ts
 * import { checkWholeOption } from "./sample_options.ts";
 * checkWholeOption("thin", 2, 1, "Cannot sample");
 * ```
 */
export function checkWholeOption(
  name: string,
  value: unknown,
  min: number,
  context: string,
): void {
  if (value === undefined) return;
  const problem = wholeAtLeast(min)(value);
  if (problem !== null) {
    throw new HetfxError(`${context}: option ${name} = ${shownValue(value)} ${problem}.`);
  }
}

/**
 * {@link checkSampleSettings} for a backend: "Cannot sample: option … = … …".
 *
 * @example
 * ```ts
 * import { validateSampleOptions } from "./sample_options.ts";
 * validateSampleOptions({ chains: 4, warmup: 1000, draws: 1000, seed: 1, adaptDelta: 0.8, maxTreedepth: 10, metric: "diag", warmupStart: "stan" });
 * ```
 */
export function validateSampleOptions(options: SampleSettings): void {
  checkSampleSettings(options, "Cannot sample");
}
