/**
 * Shrinkage plot: each group's hierarchical estimate against its subgroup difference in means,
 * with the 45° line of no pooling and a segment showing how far partial pooling moved it.
 */
import { HetfxError } from "../errors.ts";
import { formatNumber } from "./_format.ts";
import { comparisonGroupLabel, type ComparisonTable } from "./figure_comparison.ts";
import { type JsonValue, VEGA_LITE_SCHEMA, type VegaLiteSpec } from "./vega_lite_spec.ts";

/** Options of {@link shrinkageSpec}. */
export interface ShrinkageOptions {
  /** Chart title; default "Shrinkage: subgroup vs hierarchical estimates". */
  title?: string;
  /** Width and height in pixels (the plot is square); default 420. */
  size?: number;
}

/**
 * Vega-Lite shrinkage plot of a `compare()` result: x is each group's subgroup difference in
 * means, y its hierarchical posterior mean, on the same scale; the dashed 45° line is "no
 * pooling" (y = x), a grey segment runs from a group's subgroup estimate on that line to its
 * hierarchical estimate, and the point's area is proportional to the group's n. A flat cloud is
 * strong pooling; the subtitle gives the pooling factor (1 − the slope of hierarchical on
 * subgroup estimates). Groups without a subgroup estimate are left out and counted there.
 *
 * @throws {HetfxError} when no group has a subgroup estimate.
 *
 * @example
 * ```ts
 * import { shrinkageSpec } from "./figure_shrinkage.ts";
 * const row = (group: string, sub: number, hier: number) => ({ group, levels: { g: group },
 *   n: 40, n_treated: 20, n_control: 20, interaction_estimate: 0.3, interaction_se: 0.1,
 *   interaction_lower: 0.1, interaction_upper: 0.5, subgroup_estimate: sub, subgroup_se: 0.15,
 *   subgroup_lower: sub - 0.3, subgroup_upper: sub + 0.3, hierarchical_mean: hier,
 *   hierarchical_sd: 0.08, hierarchical_lower: hier - 0.16, hierarchical_upper: hier + 0.16 });
 * const spec = shrinkageSpec({ rows: [row("a", 0.1, 0.25), row("b", 0.6, 0.4)], level: 0.95 });
 * console.assert((spec.data as { values: unknown[] }).values.length === 2);
 * ```
 */
export function shrinkageSpec(
  table: ComparisonTable,
  options: ShrinkageOptions = {},
): VegaLiteSpec {
  const rows = table.rows.filter((r) =>
    r.subgroup_estimate !== null && Number.isFinite(r.subgroup_estimate)
  );
  if (rows.length === 0) {
    throw new HetfxError(
      "Cannot plot shrinkage: no group has a subgroup estimate (each needs treated and control rows).",
    );
  }
  const values: JsonValue[] = rows.map((r) => ({
    group: r.group,
    label: comparisonGroupLabel(r),
    n: r.n,
    subgroup: r.subgroup_estimate!,
    hierarchical: r.hierarchical_mean,
    shift: r.hierarchical_mean - r.subgroup_estimate!,
  }));
  let lo = Infinity, hi = -Infinity;
  for (const r of rows) {
    lo = Math.min(lo, r.subgroup_estimate!, r.hierarchical_mean);
    hi = Math.max(hi, r.subgroup_estimate!, r.hierarchical_mean);
  }
  const pad = 0.04 * (hi - lo || 1);
  const domain = [lo - pad, hi + pad];
  const left = table.rows.length - rows.length;
  const parts = [`${rows.length} groups`];
  if (left > 0) parts.push(`${left} without a subgroup estimate left out`);
  const pooling = table.shrinkage?.pooling_factor;
  if (pooling !== undefined && Number.isFinite(pooling)) {
    parts.push(`pooling factor ${formatNumber(pooling, 2)} (0 none, 1 complete)`);
  }
  const treatment = table.treatment ?? "the treatment";
  const x = {
    field: "subgroup",
    type: "quantitative",
    title: `Subgroup difference in means (effect of ${treatment})`,
    scale: { domain, nice: false, zero: false },
  };
  const y = {
    field: "hierarchical",
    type: "quantitative",
    title: "Hierarchical posterior mean",
    scale: { domain, nice: false, zero: false },
  };
  const size = options.size ?? 420;
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: options.title ?? "Shrinkage: subgroup vs hierarchical estimates",
      subtitle: parts.join("; "),
    },
    width: size,
    height: size,
    data: { values },
    layer: [
      {
        data: { values: [{ a: domain[0], b: domain[1] }] },
        mark: { type: "rule", color: "#666666", strokeDash: [5, 4] },
        encoding: {
          x: { field: "a", type: "quantitative", scale: x.scale, title: x.title },
          y: { field: "a", type: "quantitative", scale: y.scale, title: y.title },
          x2: { field: "b" },
          y2: { field: "b" },
        },
      },
      {
        mark: { type: "rule", color: "#9e9e9e", strokeWidth: 1 },
        encoding: { x, y: { ...y, field: "subgroup" }, y2: { field: "hierarchical" } },
      },
      {
        mark: { type: "circle", color: "#0072b2", opacity: 0.7, stroke: "white", strokeWidth: 0.5 },
        encoding: {
          x,
          y,
          size: {
            field: "n",
            type: "quantitative",
            title: "Rows (n)",
            scale: { range: [12, 320], zero: true },
            legend: { values: legendSizes(Math.max(...rows.map((r) => r.n))) },
          },
          tooltip: [
            { field: "label", type: "nominal", title: "group" },
            { field: "subgroup", type: "quantitative", format: ".3f" },
            { field: "hierarchical", type: "quantitative", format: ".3f" },
            { field: "shift", type: "quantitative", format: ".3f" },
          ],
        },
      },
    ],
    config: { axis: { titleFontSize: 12 }, title: { fontSize: 14 } },
  };
}

/** Up to four round sizes (1, 2, 5, 10, 20, 50, …) no larger than `max`, for the size legend. */
function legendSizes(max: number): number[] {
  const out: number[] = [];
  for (let p = 1; p <= max; p *= 10) for (const m of [1, 2, 5]) if (m * p <= max) out.push(m * p);
  return out.slice(-4);
}
