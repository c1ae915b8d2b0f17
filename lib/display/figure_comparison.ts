/**
 * The paper's Table 1 as a figure: each group's treatment effect by the three methods of
 * `compare()` (OLS interaction model, subgroup difference in means, hierarchical model) side by
 * side, a point and an interval each, coloured by method.
 */
import { HetfxError } from "../errors.ts";
import { checkBoolean } from "../options.ts";
import type { Comparison } from "../posterior/compare.ts";
import { levelsLabel } from "./_format.ts";
import { type JsonValue, VEGA_LITE_SCHEMA, type VegaLiteSpec } from "./vega_lite_spec.ts";

/** What {@link comparisonSpec} and `shrinkageSpec` read from a `compare()` result. */
export type ComparisonTable =
  & Pick<Comparison, "rows" | "level">
  & Partial<Pick<Comparison, "treatment" | "term" | "shrinkage">>;

/** The methods in display order, with their legend names and colours. */
export const COMPARISON_METHODS = [
  { key: "interaction", name: "Interaction (OLS, HC2)", color: "#e69f00" },
  { key: "subgroup", name: "Subgroup (difference in means)", color: "#999999" },
  { key: "hierarchical", name: "Hierarchical (posterior)", color: "#0072b2" },
] as const;

/** Options of {@link comparisonSpec}. */
export interface ComparisonOptions {
  /** Chart title; default "Effect of <treatment> by group: three methods". */
  title?: string;
  /** Width in pixels; default 10 per group, at least 480. */
  width?: number;
  /** Height in pixels; default 340. */
  height?: number;
  /** Label each group on the x axis; default when there are at most 40 groups. */
  groupLabels?: boolean;
}

/** "white=0, male=1, intl=3 (n=12)": a group's levels and size, for tooltips. */
export function comparisonGroupLabel(row: { levels: Record<string, string>; n: number }): string {
  return `${levelsLabel(row.levels)} (n=${row.n})`;
}

/**
 * Vega-Lite spec comparing the three methods per group (a caterpillar plot): groups along x,
 * ordered by the hierarchical estimate, and within each group one point and interval per
 * method, offset and coloured by method (interaction, subgroup, hierarchical). An estimate
 * without a standard error (a subgroup with fewer than 2 treated or control rows; an
 * interaction effect that a row of leverage 1 moves) is a point without an interval; a group
 * with no subgroup estimate has none. The y axis spans every point and the
 * interaction and hierarchical intervals; longer subgroup intervals are cut at its edge. A
 * dashed line marks zero.
 *
 * @throws {HetfxError} when the table has no rows.
 *
 * @example
 * ```ts
 * import { comparisonSpec } from "./figure_comparison.ts";
 * const row = { group: "0", levels: { male: "0" }, n: 40, n_treated: 20, n_control: 20,
 *   interaction_estimate: 0.3, interaction_se: 0.1, interaction_lower: 0.1,
 *   interaction_upper: 0.5, subgroup_estimate: 0.4, subgroup_se: 0.15, subgroup_lower: 0.1,
 *   subgroup_upper: 0.7, hierarchical_mean: 0.32, hierarchical_sd: 0.08,
 *   hierarchical_lower: 0.16, hierarchical_upper: 0.48 };
 * const spec = comparisonSpec({ rows: [row], level: 0.95 });
 * console.assert((spec.data as { values: unknown[] }).values.length === 3);
 * ```
 */
export function comparisonSpec(
  table: ComparisonTable,
  options: ComparisonOptions = {},
): VegaLiteSpec {
  if (table.rows.length === 0) {
    throw new HetfxError("Cannot plot the method comparison: the comparison has no groups.");
  }
  checkBoolean(options.groupLabels, "groupLabels", "Cannot plot the method comparison");
  const order = [...table.rows].sort((a, b) => a.hierarchical_mean - b.hierarchical_mean)
    .map((r) => r.group);
  const [interaction, subgroup, hierarchical] = COMPARISON_METHODS.map((m) => m.name);
  const values: JsonValue[] = [];
  let lo = 0, hi = 0;
  const extend = (...xs: (number | null)[]) => {
    for (const x of xs) {
      if (x !== null && Number.isFinite(x)) (lo = Math.min(lo, x)), (hi = Math.max(hi, x));
    }
  };
  for (const r of table.rows) {
    const base = { group: r.group, label: comparisonGroupLabel(r), n: r.n };
    const add = (
      method: string,
      estimate: number | null,
      lower: number | null,
      upper: number | null,
    ) => {
      if (estimate === null || !Number.isFinite(estimate)) return;
      values.push({ ...base, method, estimate, lower, upper });
    };
    add(interaction, r.interaction_estimate, r.interaction_lower, r.interaction_upper);
    add(subgroup, r.subgroup_estimate, r.subgroup_lower, r.subgroup_upper);
    add(hierarchical, r.hierarchical_mean, r.hierarchical_lower, r.hierarchical_upper);
    extend(r.interaction_lower, r.interaction_upper, r.hierarchical_lower, r.hierarchical_upper);
    extend(r.interaction_estimate, r.subgroup_estimate);
  }
  const pad = 0.03 * (hi - lo || 1);
  // Intervals are drawn cut at the y axis's ends (drawLower, drawUpper), their own ends kept for
  // the tooltip: a rule left to the renderer's clipping reaches far outside the plot (a small
  // subgroup's t interval spans ±6 on an axis of ±1), and resvg fails on such a clipped rule.
  const [yMin, yMax] = [lo - pad, hi + pad];
  for (const v of values as Record<string, JsonValue>[]) {
    const { lower, upper } = v as { lower: number | null; upper: number | null };
    if (lower === null || upper === null || !Number.isFinite(lower) || !Number.isFinite(upper)) {
      continue;
    }
    v.drawLower = Math.max(lower, yMin);
    v.drawUpper = Math.min(upper, yMax);
  }
  const percent = Math.round(table.level * 100);
  const methodScale = {
    domain: COMPARISON_METHODS.map((m) => m.name),
    range: COMPARISON_METHODS.map((m) => m.color),
  };
  const labels = options.groupLabels ?? table.rows.length <= 40;
  const axis: Record<string, JsonValue> = labels
    ? { labelAngle: -90, labelFontSize: 9, ticks: false }
    : { labels: false, ticks: false };
  const x: Record<string, JsonValue> = {
    field: "group",
    type: "ordinal",
    sort: order,
    title: `Groups${table.term === undefined ? "" : ` (${table.term})`}, ordered by the ` +
      "hierarchical estimate",
    axis,
  };
  const xOffset = { field: "method", type: "nominal", sort: methodScale.domain };
  const color = {
    field: "method",
    type: "nominal",
    scale: methodScale,
    title: null,
    legend: { orient: "top", direction: "horizontal", labelLimit: 320 },
  };
  const yScale = { domain: [yMin, yMax], nice: false, zero: false };
  const yTitle = `Effect of ${table.treatment ?? "the treatment"} (${percent}% interval)`;
  const tooltip: JsonValue = [
    { field: "label", type: "nominal", title: "group" },
    { field: "method", type: "nominal" },
    { field: "estimate", type: "quantitative", format: ".3f" },
    { field: "lower", type: "quantitative", format: ".3f" },
    { field: "upper", type: "quantitative", format: ".3f" },
  ];
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: options.title ??
        `Effect of ${table.treatment ?? "the treatment"} by group: three methods`,
      subtitle: `${table.rows.length} groups; point and ${percent}% interval per method` +
        " (subgroup intervals cut at the plot edge)",
    },
    width: options.width ?? Math.max(480, 10 * table.rows.length),
    height: options.height ?? 340,
    data: { values },
    layer: [
      {
        mark: { type: "rule", color: "#666666", strokeDash: [4, 3] },
        encoding: { y: { datum: 0 } },
      },
      {
        transform: [{ filter: "isValid(datum.drawLower) && isValid(datum.drawUpper)" }],
        mark: { type: "rule", strokeWidth: 1.2, opacity: 0.7 },
        encoding: {
          x,
          xOffset,
          color,
          y: { field: "drawLower", type: "quantitative", title: yTitle, scale: yScale },
          y2: { field: "drawUpper" },
        },
      },
      {
        mark: { type: "point", filled: true, size: 22, opacity: 1, clip: true },
        encoding: {
          x,
          xOffset,
          color,
          y: { field: "estimate", type: "quantitative", title: yTitle, scale: yScale },
          tooltip,
        },
      },
    ],
    config: { axis: { titleFontSize: 12 }, title: { fontSize: 14 } },
  };
}
