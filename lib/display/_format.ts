/** Private helpers shared by the figure and table builders. Not exported from mod.ts. */
import { intervalBounds } from "../data/bin.ts";
import type { JsonValue } from "./vega_lite_spec.ts";

/**
 * `x` with `digits` decimals; "-0.00" becomes "0.00", non-finite values print as "NaN", "Inf",
 * "-Inf".
 */
export function formatNumber(x: number, digits: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Inf" : "-Inf";
  const text = x.toFixed(digits);
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

/** "white=0, male=0, intl=1, hawk=5": a group's levels in their stored order. */
export function levelsLabel(levels: Record<string, string>): string {
  return Object.entries(levels).map(([name, value]) => `${name}=${value}`).join(", ");
}

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) =>
      c === "&"
        ? "&amp;"
        : c === "<"
        ? "&lt;"
        : c === ">"
        ? "&gt;"
        : c === '"'
        ? "&quot;"
        : "&#39;",
  );
}

/**
 * Compare strings numerically when both are numbers, intervals of a binned column ("[18,35]",
 * "(35,52]") by their bounds, otherwise with natural ordering.
 */
export function compareLevels(a: string, b: string): number {
  const ia = intervalBounds(a), ib = intervalBounds(b);
  if (ia !== null && ib !== null) return ia[0] - ib[0] || ia[1] - ib[1];
  const x = Number(a);
  const y = Number(b);
  if (a.trim() !== "" && b.trim() !== "" && Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a.localeCompare(b, undefined, { numeric: true });
}

/** Distinct values in natural order. */
export function sortedLevels(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareLevels);
}

/**
 * Distinct values in the order of `declared` (a factor's levels, as a fit's table holds them:
 * declared, or sorted as R sorts them), those it lacks after them in natural order; without
 * `declared`, natural order.
 */
export function orderedLevels(values: Iterable<string>, declared?: readonly string[]): string[] {
  const natural = sortedLevels(values);
  if (declared === undefined) return natural;
  const rank = new Map(declared.map((level, i) => [level, i]));
  const of = (level: string) => rank.get(level) ?? declared.length;
  return natural.sort((a, b) => of(a) - of(b));
}

/** A data field name escaped for a Vega-Lite `field` (dots and brackets are path syntax there). */
export function fieldRef(name: string): string {
  return name.replace(/[.\[\]\\]/g, (c) => `\\${c}`);
}

/** Indices 0, s, 2s, … with s chosen so that at most `maxPoints` are kept. */
export function thinIndices(length: number, maxPoints: number): number[] {
  const stride = Math.max(1, Math.ceil(length / Math.max(1, maxPoints)));
  const out: number[] = [];
  for (let i = 0; i < length; i += stride) out.push(i);
  return out;
}

/**
 * Axis label settings for category `labels` on an x axis `band` pixels apart: level where the
 * longest fits its band (about 6 px a character), else turned 45° and cut at 180 px, so that long
 * or many labels do not run into each other.
 *
 * @example
 * ```ts
 * import { categoryAxis } from "./_format.ts";
 * console.assert(categoryAxis(["0", "1"], 100).labelAngle === 0);
 * console.assert(categoryAxis(["Region number 1 of the long list"], 20).labelAngle === -45);
 * ```
 */
export function categoryAxis(labels: readonly string[], band: number): Record<string, JsonValue> {
  const longest = Math.max(0, ...labels.map((l) => l.length));
  return longest * 6 <= band * 0.9 ? { labelAngle: 0 } : { labelAngle: -45, labelLimit: 180 };
}
