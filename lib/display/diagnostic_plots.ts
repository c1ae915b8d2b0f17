/**
 * Sampler diagnostics as Vega-Lite specs: trace plots, rank plots, and R-hat / ESS overviews.
 */
import type { ParameterSummary } from "../posterior/types.ts";
import { HetfxError } from "../errors.ts";
import { thinIndices } from "./_format.ts";
import { type JsonValue, VEGA_LITE_SCHEMA, type VegaLiteSpec } from "./vega_lite_spec.ts";

/** R-hat above this is flagged (Vehtari et al. 2021). */
export const RHAT_THRESHOLD = 1.01;
/** Bulk or tail ESS below this is flagged. */
export const ESS_THRESHOLD = 400;

/** Options of {@link tracePlotSpec}. */
export interface TracePlotOptions {
  /** Most points drawn per chain (draws are thinned evenly); default 1000. */
  maxPoints?: number;
  width?: number;
  height?: number;
}

/** Width of one character of an axis title (11 px bold sans-serif), a little generous. */
const AXIS_TITLE_CHAR_PX = 7;

function checkChains(what: string, name: string, chains: Float64Array[]): void {
  if (chains.length === 0 || chains.every((c) => c.length === 0)) {
    throw new HetfxError(`Cannot draw the ${what} of "${name}": there are no draws.`);
  }
}

/**
 * Vega-Lite trace plot of one parameter: value against iteration, one line per chain, each
 * chain thinned evenly to at most `maxPoints` (default 1000) points.
 *
 * @example
 * ```ts
 * import { tracePlotSpec } from "./diagnostic_plots.ts";
 * const spec = tracePlotSpec("sigma", [new Float64Array([1, 2, 3]), new Float64Array([2, 1, 2])]);
 * console.assert((spec.data as { values: unknown[] }).values.length === 6);
 * ```
 */
export function tracePlotSpec(
  name: string,
  chains: Float64Array[],
  options: TracePlotOptions = {},
): VegaLiteSpec {
  checkChains("trace plot", name, chains);
  const values: JsonValue[] = [];
  chains.forEach((draws, c) => {
    for (const i of thinIndices(draws.length, options.maxPoints ?? 1000)) {
      const v = draws[i];
      values.push({ chain: String(c + 1), iteration: i + 1, value: Number.isFinite(v) ? v : null });
    }
  });
  const height = options.height ?? 200;
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: `Trace: ${name}`,
    width: options.width ?? 560,
    height,
    data: { values },
    mark: { type: "line", strokeWidth: 0.8, opacity: 0.8 },
    encoding: {
      x: { field: "iteration", type: "quantitative", title: "Iteration" },
      y: {
        field: "value",
        type: "quantitative",
        // A y title longer than the plot is tall pushes the plot down, away from its title
        // (sd_white:male:intl:hawk__alliance: 50 px); the title names the parameter anyway.
        title: name.length * AXIS_TITLE_CHAR_PX <= height ? name : "Value",
        scale: { zero: false },
      },
      color: { field: "chain", type: "nominal", title: "Chain", sort: null },
    },
  };
}

/** Options of {@link rankPlotSpec}. */
export interface RankPlotOptions {
  /** Rank bins per chain; default 20. */
  bins?: number;
  width?: number;
  /** Height of each chain's panel; default 60. */
  height?: number;
}

/**
 * Ranks (1-based, ties averaged) of all values of all chains pooled, returned per chain.
 *
 * @example
 * ```ts
 * import { pooledRanks } from "./diagnostic_plots.ts";
 * const r = pooledRanks([new Float64Array([3, 1]), new Float64Array([2, 2])]);
 * console.assert(r[0][0] === 4 && r[1][0] === 2.5);
 * ```
 */
export function pooledRanks(chains: Float64Array[]): Float64Array[] {
  const all: { v: number; c: number; i: number }[] = [];
  chains.forEach((d, c) => d.forEach((v, i) => all.push({ v, c, i })));
  all.sort((a, b) => a.v - b.v);
  const out = chains.map((d) => new Float64Array(d.length));
  for (let s = 0; s < all.length;) {
    let e = s + 1;
    while (e < all.length && all[e].v === all[s].v) e++;
    const rank = (s + 1 + e) / 2;
    for (let k = s; k < e; k++) out[all[k].c][all[k].i] = rank;
    s = e;
  }
  return out;
}

/**
 * Vega-Lite rank plot of one parameter (Vehtari et al. 2021): the draws of all chains are ranked
 * together, and each chain's ranks are shown as a histogram, one panel per chain, with a dashed
 * line at the count expected when the chains mix (uniform ranks).
 *
 * @example
 * ```ts
 * import { rankPlotSpec } from "./diagnostic_plots.ts";
 * const spec = rankPlotSpec("mu", [new Float64Array([1, 4, 2]), new Float64Array([3, 5, 6])]);
 * console.assert(spec.facet !== undefined);
 * ```
 */
export function rankPlotSpec(
  name: string,
  chains: Float64Array[],
  options: RankPlotOptions = {},
): VegaLiteSpec {
  checkChains("rank plot", name, chains);
  const bins = options.bins ?? 20;
  if (!Number.isInteger(bins) || bins < 1) {
    throw new HetfxError(
      `Cannot draw the rank plot of "${name}": bins must be a positive integer.`,
    );
  }
  const ranks = pooledRanks(chains);
  const total = ranks.reduce((s, r) => s + r.length, 0);
  const values: JsonValue[] = [];
  ranks.forEach((r, c) => {
    const counts = new Array<number>(bins).fill(0);
    for (const x of r) counts[Math.min(bins - 1, Math.floor(((x - 0.5) / total) * bins))]++;
    counts.forEach((count, b) =>
      values.push({
        chain: String(c + 1),
        start: (b / bins) * total,
        end: ((b + 1) / bins) * total,
        count,
        expected: r.length / bins,
      })
    );
  });
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: `Rank plot: ${name}`,
    data: { values },
    facet: { row: { field: "chain", type: "ordinal", title: "Chain", sort: null } },
    spec: {
      width: options.width ?? 480,
      height: options.height ?? 60,
      layer: [
        {
          mark: { type: "rect", color: "#6baed6", stroke: "white", strokeWidth: 0.5 },
          encoding: {
            x: { field: "start", type: "quantitative", title: "Rank (all chains pooled)" },
            x2: { field: "end" },
            y: { field: "count", type: "quantitative", title: "Count" },
            y2: { datum: 0 },
          },
        },
        {
          mark: { type: "rule", color: "#444444", strokeDash: [4, 3] },
          encoding: { y: { field: "expected", type: "quantitative" } },
        },
      ],
    },
  };
}

/** Options of {@link rhatEssSpec}. */
export interface RhatEssOptions {
  title?: string;
  width?: number;
}

/**
 * Vega-Lite overview of convergence per parameter: R-hat as dots with a line at 1.01 (dots above
 * it in red) beside bulk and tail ESS as bars with a line at 400 (bars below it in red).
 *
 * @example
 * ```ts
 * import { rhatEssSpec } from "./diagnostic_plots.ts";
 * const spec = rhatEssSpec([{ name: "sigma", mean: 1, sd: 0.1, "q2.5": 0.8, q50: 1,
 *   "q97.5": 1.2, rhat: 1.002, ess_bulk: 1500, ess_tail: 1200 }]);
 * console.assert(Array.isArray(spec.hconcat));
 * ```
 */
export function rhatEssSpec(
  params: ParameterSummary[],
  options: RhatEssOptions = {},
): VegaLiteSpec {
  if (params.length === 0) {
    throw new HetfxError("Cannot plot R-hat and ESS: the list of parameters is empty.");
  }
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  const rhatValues: JsonValue[] = params.map((p, i) => ({
    name: p.name,
    order: i,
    rhat: finite(p.rhat),
    flag: p.rhat > RHAT_THRESHOLD ? "high" : "ok",
  }));
  const essValues: JsonValue[] = params.flatMap((p, i) =>
    (["bulk", "tail"] as const).map((kind) => {
      const ess = kind === "bulk" ? p.ess_bulk : p.ess_tail;
      return {
        name: p.name,
        order: i,
        kind,
        ess: finite(ess),
        flag: ess < ESS_THRESHOLD ? "low" : "ok",
      };
    })
  );
  const y = { field: "name", type: "nominal", sort: null, title: null, axis: { labelLimit: 320 } };
  const width = options.width ?? 260;
  const height = 20 * params.length;
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.title ?? "Convergence diagnostics",
    resolve: { scale: { color: "independent", y: "shared" } },
    hconcat: [
      {
        width,
        height,
        data: { values: rhatValues },
        layer: [
          {
            mark: { type: "point", filled: true, size: 50 },
            encoding: {
              y,
              x: { field: "rhat", type: "quantitative", title: "R-hat", scale: { zero: false } },
              color: {
                field: "flag",
                type: "nominal",
                scale: { domain: ["ok", "high"], range: ["#4c78a8", "#d62728"] },
                legend: null,
              },
            },
          },
          {
            mark: { type: "rule", color: "#d62728", strokeDash: [4, 3] },
            encoding: { x: { datum: RHAT_THRESHOLD } },
          },
        ],
      },
      {
        width,
        height,
        data: { values: essValues },
        layer: [
          {
            mark: { type: "bar" },
            encoding: {
              y: { ...y, axis: null, scale: { paddingInner: 0.2 } },
              yOffset: { field: "kind", type: "nominal" },
              x: { field: "ess", type: "quantitative", title: "ESS (bulk, tail)" },
              color: {
                field: "kind",
                type: "nominal",
                title: "ESS",
                scale: { domain: ["bulk", "tail"], range: ["#4c78a8", "#9ecae9"] },
              },
              stroke: {
                field: "flag",
                type: "nominal",
                scale: { domain: ["ok", "low"], range: ["transparent", "#d62728"] },
                legend: null,
              },
              strokeWidth: { value: 1.5 },
            },
          },
          {
            mark: { type: "rule", color: "#d62728", strokeDash: [4, 3] },
            encoding: { x: { datum: ESS_THRESHOLD } },
          },
        ],
      },
    ],
  };
}
