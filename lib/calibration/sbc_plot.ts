/**
 * The standard SBC plots as one Vega-Lite chart: per parameter, the ECDF difference (ECDF of
 * the fractional ranks minus the uniform CDF) with its simultaneous 95% band (Säilynoja et al.
 * 2022, as bayesplot's `ppc_pit_ecdf(..., plot_diff = TRUE)` and SBC's `plot_ecdf_diff`), and
 * the rank histogram with the expected count per bin.
 */
import { HetfxError } from "../errors.ts";
import { type JsonValue, VEGA_LITE_SCHEMA, type VegaLiteSpec } from "../display/vega_lite_spec.ts";
import type { SbcParameter } from "./sbc_parameter.ts";
import { expectedRankCounts } from "./uniformity.ts";

/** Options of {@link sbcPlotSpec}. */
export interface SbcPlotOptions {
  /** Parameters to show (default all), by brms name. */
  parameters?: string[];
  /** Chart title; default "Simulation-based calibration", above a subtitle reading the panels. */
  title?: string;
  /** Panels per row (default 3). */
  columns?: number;
  /**
   * The largest rank (thinned draws per fit; SbcResult.plot gives it): each bar's expected
   * count follows the rank values its bin holds. Without it, the bins are taken as equal.
   */
  maxRank?: number;
}

/**
 * Vega-Lite spec of the ECDF-difference panels above the rank-histogram panels.
 *
 * @example
 * ```ts
 * import { sbcPlotSpec } from "./sbc_plot.ts";
 * const p = { name: "b_x", ranks: [0, 1], histogram: [1, 1], p_uniform: 1, ecdf_in_bands: true,
 *   bands: { z: [0.5], ecdf: [0.5], lower: [0], upper: [1], gamma: 0.1, inBands: true } };
 * console.assert(Array.isArray(sbcPlotSpec([p]).vconcat));
 * ```
 */
export function sbcPlotSpec(
  parameters: readonly SbcParameter[],
  options: SbcPlotOptions = {},
): VegaLiteSpec {
  let shown = [...parameters];
  if (options.parameters !== undefined) {
    const known = new Set(parameters.map((p) => p.name));
    const missing = options.parameters.filter((n) => !known.has(n));
    if (missing.length > 0) {
      throw new HetfxError(
        `Cannot plot SBC: no parameter ${missing.map((m) => `"${m}"`).join(", ")}; ` +
          `available: ${[...known].join(", ")}.`,
      );
    }
    shown = shown.filter((p) => options.parameters!.includes(p.name));
  }
  const columns = options.columns ?? 3;
  const ecdf: JsonValue[] = [];
  const bars: JsonValue[] = [];
  for (const p of shown) {
    const b = p.bands;
    ecdf.push({ parameter: p.name, z: 0, diff: 0, lower: 0, upper: 0 });
    b.z.forEach((z, i) =>
      ecdf.push({
        parameter: p.name,
        z,
        diff: b.ecdf[i] - z,
        lower: b.lower[i] - z,
        upper: b.upper[i] - z,
      })
    );
    ecdf.push({ parameter: p.name, z: 1, diff: 0, lower: 0, upper: 0 });
    // Uniform ranks fill each bin in proportion to the rank values it holds.
    const expected = expectedRankCounts(p.ranks.length, p.histogram.length, options.maxRank);
    p.histogram.forEach((count, bin) =>
      bars.push({ parameter: p.name, bin, count, expected: expected[bin] })
    );
  }
  const facet = {
    field: "parameter",
    type: "nominal",
    title: null,
    sort: shown.map((p) => p.name),
  };
  const sims = shown[0]?.ranks.length ?? 0;
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: options.title ?? "Simulation-based calibration",
      anchor: "start",
      // Short lines: the chart is as wide as its widest line.
      subtitle: [
        `${sims} simulations. Top: ECDF of the fractional ranks − uniform CDF (red);`,
        "a calibrated sampler stays inside the shaded simultaneous 95% band.",
        "Bottom: rank histograms; ticks: the counts uniform ranks would give.",
      ],
    },
    vconcat: [
      {
        data: { values: ecdf },
        facet,
        columns,
        spec: {
          width: 180,
          height: 130,
          layer: [
            {
              mark: { type: "area", opacity: 0.25, color: "#4c78a8" },
              encoding: {
                x: { field: "z", type: "quantitative", title: "fractional rank" },
                y: { field: "lower", type: "quantitative", title: "ECDF − uniform" },
                y2: { field: "upper" },
              },
            },
            {
              mark: { type: "line", color: "#e45756", interpolate: "step-after" },
              encoding: {
                x: { field: "z", type: "quantitative" },
                y: { field: "diff", type: "quantitative" },
              },
            },
          ],
        },
      },
      {
        data: { values: bars },
        facet,
        columns,
        spec: {
          width: 180,
          height: 100,
          layer: [
            {
              mark: { type: "bar", color: "#72b7b2" },
              encoding: {
                x: { field: "bin", type: "ordinal", title: "rank bin", axis: { labelAngle: 0 } },
                y: { field: "count", type: "quantitative", title: "simulations" },
              },
            },
            {
              // The expected count of each bin, a tick across its bar.
              mark: { type: "tick", color: "#333", thickness: 1.5 },
              encoding: {
                x: { field: "bin", type: "ordinal" },
                y: { field: "expected", type: "quantitative" },
              },
            },
          ],
        },
      },
    ],
  };
}
