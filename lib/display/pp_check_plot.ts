/**
 * Posterior predictive check overlays (bayesplot `ppc_dens_overlay` and `ppc_bars`): the
 * observed outcome against data sets replicated from the posterior predictive distribution.
 */
import { HetfxError } from "../errors.ts";
import { quantile } from "../diagnostics/quantiles.ts";
import type { PpCheckData } from "../posterior/pp_check.ts";
import { formatNumber } from "./_format.ts";
import { type JsonValue, VEGA_LITE_SCHEMA, type VegaLiteSpec } from "./vega_lite_spec.ts";

/** Options of {@link ppCheckSpec}. */
export interface PpCheckPlotOptions {
  title?: string;
  /** Points of the density grid; default 256. */
  gridPoints?: number;
  /** Bars: central probability of the replicated-count interval; default 0.9 (as bayesplot). */
  prob?: number;
  width?: number;
  height?: number;
}

/**
 * R's `bw.nrd0`: 0.9 · min(sd, IQR / 1.34) · n^(−1/5), falling back to the sd, then |x₁|, then
 * 1 when the spread is zero.
 *
 * @example
 * ```ts
 * import { bandwidthNrd0 } from "./pp_check_plot.ts";
 * console.assert(bandwidthNrd0([1, 1, 1]) === 0.9 * 3 ** -0.2);
 * ```
 */
export function bandwidthNrd0(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 1;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const iqr = quantile(values, 0.75) - quantile(values, 0.25);
  let lo = Math.min(sd, iqr / 1.34);
  if (!(lo > 0)) lo = sd > 0 ? sd : Math.abs(values[0]) > 0 ? Math.abs(values[0]) : 1;
  return 0.9 * lo * n ** -0.2;
}

/**
 * Gaussian kernel density of `values` at the evenly spaced points of `grid` (at least two), with
 * bandwidth `bw`. Values are first binned to the nearest grid point (values beyond the grid
 * count in n but add no density inside it), so the cost is linear in the number of values.
 *
 * @example
 * ```ts
 * import { densityOnGrid } from "./pp_check_plot.ts";
 * const grid = Array.from({ length: 201 }, (_, i) => -5 + i * 0.05);
 * const d = densityOnGrid([0], grid, 1);
 * console.assert(Math.abs(d[100] - 1 / Math.sqrt(2 * Math.PI)) < 1e-12);
 * ```
 */
export function densityOnGrid(
  values: readonly number[],
  grid: readonly number[],
  bw: number,
): number[] {
  const g = grid.length;
  const step = (grid[g - 1] - grid[0]) / (g - 1);
  const counts = new Float64Array(g);
  let n = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    n++;
    const k = Math.round((v - grid[0]) / step);
    if (k >= 0 && k < g) counts[k]++;
  }
  const norm = 1 / (Math.max(n, 1) * bw * Math.sqrt(2 * Math.PI));
  const out = new Array<number>(g).fill(0);
  const reach = Math.ceil((6 * bw) / step);
  for (let k = 0; k < g; k++) {
    if (counts[k] === 0) continue;
    for (let j = Math.max(0, k - reach); j <= Math.min(g - 1, k + reach); j++) {
      const u = (grid[j] - grid[k]) / bw;
      out[j] += counts[k] * Math.exp(-0.5 * u * u);
    }
  }
  return out.map((d) => d * norm);
}

/**
 * Vega-Lite posterior predictive check of `fit.ppCheck()` data. Continuous outcomes
 * (`kind: "density"`): the kernel density (bandwidth `bw.nrd0` of each data set) of every
 * replicated data set as a thin light line under the observed outcome's density as a thick dark
 * line, on a grid spanning the observed values (± 3 bandwidths) and the central 99% of the
 * replicated ones. Discrete outcomes (`kind: "bars"`): bars of the observed count of each value
 * with the median and central `prob` (default 90%) interval of the replicated counts.
 *
 * @throws {HetfxError} when there are no observed values or no replicated data sets.
 *
 * @example
 * ```ts
 * import { ppCheckSpec } from "./pp_check_plot.ts";
 * const spec = ppCheckSpec({ outcome: "y", family: "gaussian", kind: "density",
 *   y: [0.1, 0.5, 0.9], yrep: [[0.2, 0.4, 1.1], [0, 0.6, 0.7]], drawIndex: [0, 10] });
 * console.assert(Array.isArray(spec.layer));
 * ```
 */
export function ppCheckSpec(ppc: PpCheckData, options: PpCheckPlotOptions = {}): VegaLiteSpec {
  const context = `Cannot plot the posterior predictive check of "${ppc.outcome}"`;
  if (ppc.y.length === 0) throw new HetfxError(`${context}: there are no observed values.`);
  if (ppc.yrep.length === 0) {
    throw new HetfxError(`${context}: there are no replicated data sets; ask for draws ≥ 1.`);
  }
  return ppc.kind === "bars" ? barsSpec(ppc, options, context) : densitySpec(ppc, options, context);
}

const OBSERVED = "y (observed)";

function replicatedName(ppc: PpCheckData): string {
  return `y_rep (${ppc.yrep.length} replicated data set${ppc.yrep.length === 1 ? "" : "s"})`;
}

/** 4 significant digits: what a chart can show, at a third of the characters. */
function round4(v: number): number {
  return Number(v.toPrecision(4));
}

function densitySpec(
  ppc: PpCheckData,
  options: PpCheckPlotOptions,
  context: string,
): VegaLiteSpec {
  const points = options.gridPoints ?? 256;
  if (!Number.isInteger(points) || points < 2) {
    throw new HetfxError(`${context}: gridPoints must be an integer ≥ 2, got ${points}.`);
  }
  const finite = (xs: readonly number[]) => xs.filter((v) => Number.isFinite(v));
  const y = finite(ppc.y);
  if (y.length === 0) throw new HetfxError(`${context}: no observed value is finite.`);
  const bwY = bandwidthNrd0(y);
  const pooled = finite(ppc.yrep.flat());
  let lo = Math.min(...y) - 3 * bwY, hi = Math.max(...y) + 3 * bwY;
  if (pooled.length > 0) {
    lo = Math.min(lo, quantile(pooled, 0.005));
    hi = Math.max(hi, quantile(pooled, 0.995));
  }
  const grid = Array.from({ length: points }, (_, i) => lo + ((hi - lo) * i) / (points - 1));
  const replicated = replicatedName(ppc);
  // One row per curve holding its whole grid and densities (4 significant digits, far below a
  // pixel), flattened by Vega-Lite: a point per row would repeat the names and full-precision
  // numbers 256 times per curve (1.4 MB for 50 replicated data sets; this is ~6% of that).
  const xs = grid.map(round4);
  const values: JsonValue[] = ppc.yrep.map((rep, j) => {
    const r = finite(rep);
    const density = densityOnGrid(r, grid, bandwidthNrd0(r)).map(round4);
    return { series: replicated, draw: ppc.drawIndex[j] ?? j, x: xs, density };
  });
  values.push({
    series: OBSERVED,
    draw: -1,
    x: xs,
    density: densityOnGrid(y, grid, bwY).map(round4),
  });
  const color = {
    field: "series",
    type: "nominal",
    title: null,
    scale: { domain: [OBSERVED, replicated], range: ["#08306b", "#9ecae1"] },
    legend: { orient: "top", symbolStrokeWidth: 3, symbolOpacity: 1, labelLimit: 400 },
  };
  const x = { field: "x", type: "quantitative", title: ppc.outcome, scale: { nice: false } };
  const y_ = { field: "density", type: "quantitative", title: "Density" };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: options.title ?? `Posterior predictive check: ${ppc.outcome}`,
      subtitle: `${ppc.family} likelihood; kernel densities (bandwidth ${
        formatNumber(bwY, 3)
      } for y)`,
    },
    width: options.width ?? 480,
    height: options.height ?? 280,
    data: { values },
    transform: [{ flatten: ["x", "density"] }],
    layer: [
      {
        transform: [{ filter: { field: "series", equal: replicated } }],
        mark: { type: "line", strokeWidth: 0.7, opacity: 0.6, interpolate: "monotone" },
        encoding: { x, y: y_, color, detail: { field: "draw", type: "nominal" } },
      },
      {
        transform: [{ filter: { field: "series", equal: OBSERVED } }],
        mark: { type: "line", strokeWidth: 2.5, interpolate: "monotone" },
        encoding: { x, y: y_, color },
      },
    ],
    config: { axis: { titleFontSize: 12 }, title: { fontSize: 14 } },
  };
}

function countsOf(values: number[], xs: readonly number[]): number[] {
  const index = new Map(values.map((v, i) => [v, i]));
  const out = new Array<number>(values.length).fill(0);
  for (const x of xs) {
    const i = index.get(x);
    if (i !== undefined) out[i]++;
  }
  return out;
}

function barsSpec(ppc: PpCheckData, options: PpCheckPlotOptions, context: string): VegaLiteSpec {
  const prob = options.prob ?? 0.9;
  if (!(prob > 0 && prob < 1)) {
    throw new HetfxError(`${context}: prob must be between 0 and 1, got ${prob}.`);
  }
  const bars: NonNullable<PpCheckData["bars"]> = ppc.bars ?? (() => {
    const values = [...new Set([...ppc.y, ...ppc.yrep.flat()])].filter(Number.isFinite)
      .sort((a, b) => a - b);
    return {
      values,
      observed: countsOf(values, ppc.y),
      replicated: ppc.yrep.map((r) => countsOf(values, r)),
    };
  })();
  const percent = formatNumber(prob * 100, prob * 100 === Math.round(prob * 100) ? 0 : 1);
  const replicated = `y_rep median and ${percent}% interval (${ppc.yrep.length} data sets)`;
  const values: JsonValue[] = bars.values.map((value, i) => {
    const counts = bars.replicated.map((r) => r[i]);
    return {
      value,
      ...(bars.labels ? { label: bars.labels[i] } : {}),
      left: value - 0.4,
      right: value + 0.4,
      observed: bars.observed[i],
      median: quantile(counts, 0.5),
      lower: quantile(counts, (1 - prob) / 2),
      upper: quantile(counts, 1 - (1 - prob) / 2),
    };
  });
  const colorScale = { domain: [OBSERVED, replicated], range: ["#9ecae1", "#08306b"] };
  const legend = { orient: "top", direction: "vertical", labelLimit: 600, symbolOpacity: 1 };
  const x = {
    field: "value",
    type: "quantitative",
    title: ppc.outcome,
    // Ordinal categories: a tick at each category, labelled with its level.
    axis: (bars.labels
      ? {
        values: bars.values,
        labelExpr: `${JSON.stringify(bars.labels)}[datum.value - 1]`,
        labelAngle: 0,
      }
      : { tickMinStep: 1, format: "d" }) as JsonValue,
    // Not from 0: an ordinal outcome's categories 1…K would sit beside an empty slot at 0.
    scale: { nice: false, padding: 10, zero: false },
  };
  const count = { type: "quantitative", title: "Count" };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: options.title ?? `Posterior predictive check: ${ppc.outcome}`,
      subtitle: `${ppc.family} likelihood; counts of each value`,
    },
    width: options.width ?? Math.max(240, Math.min(720, 60 * bars.values.length)),
    height: options.height ?? 260,
    data: { values },
    layer: [
      {
        mark: { type: "rect" },
        encoding: {
          x: { ...x, field: "left" },
          x2: { field: "right" },
          y: { ...count, field: "observed" },
          y2: { datum: 0 },
          color: { datum: OBSERVED, scale: colorScale, legend, title: null },
        },
      },
      {
        mark: { type: "rule", strokeWidth: 2 },
        encoding: {
          x,
          y: { ...count, field: "lower" },
          y2: { field: "upper" },
          color: { datum: replicated, scale: colorScale, legend, title: null },
        },
      },
      {
        mark: { type: "point", filled: true, size: 50, opacity: 1 },
        encoding: {
          x,
          y: { ...count, field: "median" },
          color: { datum: replicated, scale: colorScale, legend, title: null },
          tooltip: [
            { field: "value", type: "quantitative" },
            { field: "observed", type: "quantitative" },
            { field: "median", type: "quantitative", title: "y_rep median" },
            { field: "lower", type: "quantitative", title: "y_rep lower" },
            { field: "upper", type: "quantitative", title: "y_rep upper" },
          ],
        },
      },
    ],
    config: { axis: { titleFontSize: 12 }, title: { fontSize: 14 } },
  };
}
