/**
 * Pair plot of two parameters' posterior draws with divergent transitions highlighted: where
 * divergences cluster (often at small values of a group-level sd, the neck of a funnel) shows
 * the region of the posterior the sampler could not explore.
 */
import { HetfxError } from "../errors.ts";
import { type JsonValue, VEGA_LITE_SCHEMA, type VegaLiteSpec } from "./vega_lite_spec.ts";

/** The most points a pair plot draws by default. */
export const PAIR_PLOT_MAX_POINTS = 4000;

/** Draws of two parameters and the divergence flag of each draw, all in the same order. */
export interface PairDraws {
  /** Draws of the parameter on the x axis. */
  x: Float64Array;
  /** Draws of the parameter on the y axis. */
  y: Float64Array;
  /** 1 where the transition that produced the draw diverged, else 0. */
  divergent: Uint8Array;
  /** Names of the x and y parameters (axis titles). */
  names: readonly [string, string];
}

/** Options of {@link pairPlotSpec}. */
export interface PairPlotOptions {
  /**
   * Most points drawn (default 4000): every divergent draw is kept, and the others are thinned
   * evenly (every k-th, k fractional) to fill the rest.
   */
  maxPoints?: number;
  title?: string;
  /** Width and height in pixels; default 380. */
  size?: number;
}

/**
 * Indices of the draws a pair plot keeps: every divergent draw, and the others thinned evenly
 * so that at most `maxPoints` are kept in all (more only when the divergent draws alone exceed
 * it). Returned in increasing order.
 *
 * @example
 * ```ts
 * import { pairPlotIndices } from "./pair_plot.ts";
 * const kept = pairPlotIndices(Uint8Array.from([0, 0, 0, 1, 0, 0, 0, 0]), 3);
 * console.assert(kept.includes(3) && kept.length === 3);
 * ```
 */
export function pairPlotIndices(divergent: Uint8Array, maxPoints: number): number[] {
  const flagged: number[] = [];
  const others: number[] = [];
  divergent.forEach((d, i) => (d ? flagged : others).push(i));
  const room = Math.max(0, maxPoints - flagged.length);
  const take = Math.min(room, others.length);
  const kept = Array.from(
    { length: take },
    (_, k) => others[Math.floor((k * others.length) / take)],
  );
  return [...kept, ...flagged].sort((a, b) => a - b);
}

/**
 * Vega-Lite scatter of two parameters' draws, divergent transitions in red in a layer drawn on
 * top of the others, thinned to at most `maxPoints` (default 4000) points keeping every divergent one. The
 * subtitle counts the draws, the points shown and the divergences.
 *
 * @throws {HetfxError} when there are no draws or the three arrays differ in length.
 *
 * @example
 * ```ts
 * import { pairPlotSpec } from "./pair_plot.ts";
 * const spec = pairPlotSpec({
 *   x: Float64Array.from([0.1, 0.5, 0.9]), y: Float64Array.from([1, 2, 3]),
 *   divergent: Uint8Array.from([1, 0, 0]), names: ["sd_g__treat", "b_treat"],
 * });
 * console.assert((spec.data as { values: unknown[] }).values.length === 3);
 * ```
 */
export function pairPlotSpec(draws: PairDraws, options: PairPlotOptions = {}): VegaLiteSpec {
  const { x, y, divergent, names } = draws;
  const context = `Cannot draw the pair plot of "${names[0]}" and "${names[1]}"`;
  if (x.length === 0) throw new HetfxError(`${context}: there are no draws.`);
  if (y.length !== x.length || divergent.length !== x.length) {
    throw new HetfxError(
      `${context}: x, y and divergent must have one entry per draw; got ${x.length}, ` +
        `${y.length} and ${divergent.length}.`,
    );
  }
  const maxPoints = options.maxPoints ?? PAIR_PLOT_MAX_POINTS;
  if (!Number.isInteger(maxPoints) || maxPoints < 1) {
    throw new HetfxError(`${context}: maxPoints must be a positive integer, got ${maxPoints}.`);
  }
  const kept = pairPlotIndices(divergent, maxPoints);
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  const values: JsonValue[] = kept.map((i) => ({
    draw: i + 1,
    x: finite(x[i]),
    y: finite(y[i]),
    divergent: divergent[i] ? "divergent" : "not divergent",
  }));
  const nDivergent = divergent.reduce((s, d) => s + (d ? 1 : 0), 0);
  const shown = kept.length < x.length ? `${kept.length} shown` : "all shown";
  const size = options.size ?? 380;
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: options.title ?? `${names[1]} against ${names[0]}`,
      subtitle: `${x.length} draws (${shown}); ${nDivergent} divergent ` +
        `transition${nDivergent === 1 ? "" : "s"}${nDivergent > 0 ? " in red, all shown" : ""}`,
    },
    width: size,
    height: size,
    data: { values },
    encoding: {
      x: { field: "x", type: "quantitative", title: names[0], scale: { zero: false } },
      y: { field: "y", type: "quantitative", title: names[1], scale: { zero: false } },
      color: {
        field: "divergent",
        type: "nominal",
        title: null,
        scale: { domain: ["not divergent", "divergent"], range: ["#4c78a8", "#d62728"] },
        legend: { symbolOpacity: 0.9 },
      },
      tooltip: [
        { field: "draw", type: "quantitative" },
        { field: "x", type: "quantitative", format: ".4g", title: names[0] },
        { field: "y", type: "quantitative", format: ".4g", title: names[1] },
        { field: "divergent", type: "nominal" },
      ],
    },
    layer: [
      {
        transform: [{ filter: "datum.divergent === 'not divergent'" }],
        mark: { type: "circle", size: 9, opacity: 0.35 },
      },
      {
        transform: [{ filter: "datum.divergent === 'divergent'" }],
        mark: { type: "circle", size: 30, opacity: 0.95 },
      },
    ],
    config: { axis: { titleFontSize: 12 }, title: { fontSize: 14 } },
  };
}
