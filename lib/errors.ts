/**
 * The one error type hetfx throws for anything a user can fix: bad input, bad options,
 * a model that cannot be built. Messages say what could not be done, why, and what to do.
 *
 * @example
 * ```ts
 * import { HetfxError } from "./errors.ts";
 * try {
 *   throw new HetfxError('Cannot build model: column "alliance " not found; did you mean "alliance"?');
 * } catch (e) {
 *   console.assert(e instanceof HetfxError);
 * }
 * ```
 */
export class HetfxError extends Error {
  override name = "HetfxError";
  constructor(message: string) {
    super(message);
  }
}

/** Levenshtein edit distance between two strings (case-sensitive). */
export function editDistance(a: string, b: string): number {
  const previous = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[b.length];
}

/**
 * The closest candidate to `name`, or undefined when none is plausibly meant.
 * Trimming and case differences always count as close.
 *
 * @example
 * ```ts
 * import { closestName } from "./errors.ts";
 * console.assert(closestName("aliance", ["alliance", "regime"]) === "alliance");
 * ```
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  // Callers pass what a user gave, which may be any value (a number in a list of columns).
  const folded = String(name).trim().toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate.toLowerCase() === folded) return candidate;
    const distance = editDistance(folded, candidate.toLowerCase());
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate;
    }
  }
  const allowed = Math.max(2, Math.floor(folded.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

/** `; did you mean "x"?` or the empty string. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const close = closestName(name, candidates);
  return close === undefined ? "" : `; did you mean "${close}"?`;
}

/**
 * A value as an error message shows it: JSON where possible, and in words for what JSON
 * cannot show (undefined, bigint, symbol, function, NaN, ±Infinity).
 *
 * @example
 * ```ts
 * import { showValue } from "./errors.ts";
 * console.assert(showValue("x") === '"x"' && showValue(1n) === "1n" && showValue(NaN) === "NaN");
 * ```
 */
export function showValue(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "symbol" || typeof value === "number") return String(value);
  if (typeof value === "function") return "a function";
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
