/**
 * Paper Figure 2: the posterior distribution of all group effects pooled, with the groups of
 * smallest, median and largest effect marked and annotated, and the sd of all draws.
 */
import type { EffectSpread, GroupEffect } from "../posterior/types.ts";
import { HetfxError } from "../errors.ts";
import { formatNumber, levelsLabel } from "./_format.ts";
import { type JsonValue, VEGA_LITE_SCHEMA, type VegaLiteSpec } from "./vega_lite_spec.ts";

/** Input of {@link effectDistributionSpec}. */
export interface EffectDistributionInput {
  /** All posterior draws of all group effects, pooled. Only the binned counts enter the spec. */
  draws: Float64Array;
  /** The min / median / max groups and the sd of all draws (`fit.effectSpread()`). */
  spread: EffectSpread;
}

/** Options of {@link effectDistributionSpec}. */
export interface EffectDistributionOptions {
  /** Chart title; default "Distribution of group treatment effects". */
  title?: string;
  /** x-axis title; default "Treatment effect". */
  xTitle?: string;
  /** Number of histogram bins, 1–80; default 60. */
  bins?: number;
  /** Decimals in the annotations and subtitle; default 2. */
  digits?: number;
  /** Plot width in pixels; default 640. */
  width?: number;
  /** Plot height in pixels; default 320. */
  height?: number;
}

/** One histogram bin of pooled draws. */
export interface DrawBin {
  start: number;
  end: number;
  count: number;
  /** count / (total × bin width): integrates to 1 over the bins. */
  density: number;
}

/** Most bins {@link effectDistributionSpec} accepts; keeps the spec small. */
export const MAX_BINS = 80;

/**
 * Bin finite values into `bins` equal-width bins spanning their range; counts sum to the number
 * of finite values.
 *
 * @example
 * ```ts
 * import { binDraws } from "./figure_effect_distribution.ts";
 * const bins = binDraws(new Float64Array([0, 0.5, 1, 1]), 2);
 * console.assert(bins[0].count === 1 && bins[1].count === 3);
 * ```
 */
export function binDraws(values: Float64Array, bins: number): DrawBin[] {
  if (!Number.isInteger(bins) || bins < 1 || bins > MAX_BINS) {
    throw new HetfxError(
      `Cannot bin draws: bins must be an integer from 1 to ${MAX_BINS}, got ${bins}.`,
    );
  }
  let lo = Infinity;
  let hi = -Infinity;
  let total = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    total++;
  }
  if (total === 0) {
    throw new HetfxError("Cannot plot the effect distribution: there are no finite draws.");
  }
  if (hi === lo) {
    const pad = Math.max(Math.abs(lo) * 1e-3, 1e-6);
    lo -= pad;
    hi += pad;
  }
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  }
  return counts.map((count, i) => ({
    start: lo + i * width,
    end: i === bins - 1 ? hi : lo + (i + 1) * width,
    count,
    density: count / (total * width),
  }));
}

/**
 * The annotation text of one marked group: "label: estimate (lower, upper)", with the group's
 * levels as label, its posterior mean as estimate and its 95% interval (q2.5, q97.5).
 *
 * @example
 * ```ts
 * import { effectAnnotation } from "./figure_effect_distribution.ts";
 * const text = effectAnnotation({
 *   term: "white:male", group: "0_1", levels: { white: "0", male: "1" }, n: 10,
 *   mean: 0.314, sd: 0.1, "q2.5": 0.12, q50: 0.31, "q97.5": 0.5, rhat: 1, ess_bulk: 900,
 * });
 * console.assert(text === "white=0, male=1: 0.31 (0.12, 0.50)");
 * ```
 */
export function effectAnnotation(effect: GroupEffect, digits = 2): string {
  const f = (x: number) => formatNumber(x, digits);
  return `${levelsLabel(effect.levels)}: ${f(effect.mean)} (${f(effect["q2.5"])}, ${
    f(effect["q97.5"])
  })`;
}

/** Approximate pixel width of `text` at the annotation font size (12 px). */
function textWidth(text: string): number {
  return text.length * 6.8 + 6;
}

/** `x` moved, if need be, so that a centred text `px` pixels wide stays inside [lo, hi]. */
function clampCentre(x: number, px: number, lo: number, hi: number, width: number): number {
  const half = (px / 2) * ((hi - lo) / width);
  if (2 * half >= hi - lo) return (lo + hi) / 2;
  return Math.min(hi - half, Math.max(lo + half, x));
}

/**
 * Vega-Lite spec of the pooled posterior of all group effects (paper Figure 2): a density-scaled
 * histogram of the draws (binned here, at most 80 bins), vertical rules at the posterior means of
 * the minimum, median and maximum groups with their 95% intervals, each annotated as
 * "label: estimate (lower, upper)", and the sd of all draws in the subtitle.
 *
 * @example
 * ```ts
 * import { effectDistributionSpec } from "./figure_effect_distribution.ts";
 * const g = (mean: number, hawk: string) => ({
 *   term: "hawk", group: hawk, levels: { hawk }, n: 5,
 *   mean, sd: 0.1, "q2.5": mean - 0.2, q50: mean, "q97.5": mean + 0.2, rhat: 1, ess_bulk: 800,
 * });
 * const spec = effectDistributionSpec({
 *   draws: new Float64Array([0.1, 0.2, 0.3, 0.3, 0.5]),
 *   spread: { sd_all_draws: 0.15, min: g(0.1, "1"), median: g(0.3, "2"), max: g(0.5, "3") },
 * });
 * console.assert(Array.isArray(spec.layer));
 * ```
 */
export function effectDistributionSpec(
  input: EffectDistributionInput,
  options: EffectDistributionOptions = {},
): VegaLiteSpec {
  const digits = options.digits ?? 2;
  const bins = binDraws(input.draws, options.bins ?? 60);
  const total = bins.reduce((s, b) => s + b.count, 0);
  const peak = Math.max(...bins.map((b) => b.density));
  const { spread } = input;
  // Rules rise from 0 to just above the histogram; the texts sit in three rows above them (so no
  // rule crosses a text), each centred over its rule as far as the plot's edges allow.
  const marks = [
    { which: "maximum", effect: spread.max, row: 3, rule: 1.09 },
    { which: "median", effect: spread.median, row: 2, rule: 1.06 },
    { which: "minimum", effect: spread.min, row: 1, rule: 1.03 },
  ];
  const width = options.width ?? 640;
  const lo = bins[0].start;
  const hi = bins[bins.length - 1].end;
  const annotations: JsonValue[] = marks.map(({ which, effect, row, rule }) => {
    const text = effectAnnotation(effect, digits);
    return {
      which,
      group: effect.group,
      label: levelsLabel(effect.levels),
      estimate: effect.mean,
      lower: effect["q2.5"],
      upper: effect["q97.5"],
      text,
      text_x: clampCentre(effect.mean, textWidth(text), lo, hi, width),
      text_y: peak * (1.08 + 0.1 * row),
      rule_top: peak * rule,
      base: 0,
    };
  });
  const color = {
    field: "which",
    type: "nominal",
    scale: { domain: ["minimum", "median", "maximum"], range: ["#d62728", "#555555", "#1f77b4"] },
    legend: null,
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: options.title ?? "Distribution of group treatment effects",
      subtitle: `SD of all posterior draws: ${formatNumber(spread.sd_all_draws, digits)}` +
        ` (${total.toLocaleString("en-US")} draws, ${bins.length} bins)`,
    },
    width,
    height: options.height ?? 320,
    layer: [
      {
        data: { values: bins as unknown as JsonValue[] },
        mark: { type: "rect", color: "#9ecae1", stroke: "#6baed6", strokeWidth: 0.5 },
        encoding: {
          x: {
            field: "start",
            type: "quantitative",
            title: options.xTitle ?? "Treatment effect",
            scale: { domain: [lo, hi], zero: false, nice: false },
          },
          x2: { field: "end" },
          y: {
            field: "density",
            type: "quantitative",
            title: "Density",
            scale: { domain: [0, peak * 1.44] },
          },
          y2: { datum: 0 },
          tooltip: [
            { field: "start", type: "quantitative", format: ".3f" },
            { field: "end", type: "quantitative", format: ".3f" },
            { field: "count", type: "quantitative" },
          ],
        },
      },
      {
        data: { values: annotations },
        layer: [
          {
            mark: { type: "rule", strokeWidth: 1.5 },
            encoding: {
              x: { field: "estimate", type: "quantitative" },
              y: { field: "base", type: "quantitative" },
              y2: { field: "rule_top" },
              color,
            },
          },
          {
            mark: { type: "rule", strokeWidth: 3, opacity: 0.6 },
            encoding: {
              x: { field: "lower", type: "quantitative" },
              x2: { field: "upper" },
              y: { field: "rule_top", type: "quantitative" },
              color,
            },
          },
          {
            mark: { type: "text", align: "center", baseline: "middle", fontSize: 12 },
            encoding: {
              x: { field: "text_x", type: "quantitative" },
              y: { field: "text_y", type: "quantitative" },
              text: { field: "text", type: "nominal" },
              color,
            },
          },
        ],
      },
    ],
    config: { axis: { titleFontSize: 12 }, title: { fontSize: 14, subtitleFontSize: 12 } },
  };
}
