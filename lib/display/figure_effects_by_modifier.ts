/**
 * Average treatment effects by modifier (`fit.effects({ by })`): a point and a 95% interval per
 * cell, with the average treatment effect over all rows as a reference rule and band.
 */
import { HetfxError } from "../errors.ts";
import type { DrawSummary } from "../posterior/types.ts";
import { categoryAxis, fieldRef, formatNumber, orderedLevels } from "./_format.ts";
import { type JsonValue, VEGA_LITE_SCHEMA, type VegaLiteSpec } from "./vega_lite_spec.ts";

/** One averaged effect, as `fit.effects()` returns it (its draws are not needed). */
export interface EffectByRow extends DrawSummary {
  /** The cell: the level of each `by` column; `{}` for the average over all rows (the ATE). */
  by: Record<string, string>;
  /** Rows averaged over. */
  n: number;
  /** "response" or "link"; names the y axis. */
  scale?: string;
}

/** Options of {@link effectsByModifierSpec}. */
export interface EffectsByModifierOptions {
  /** Chart title; default "Average treatment effect by <by columns>". */
  title?: string;
  /** Point estimate: the posterior median (default) or mean. */
  y?: "q50" | "mean";
  /**
   * Width in pixels; default 60 per x position up to 20 positions, 1,200 up to 75, then 16 per
   * position (×1.5 with a second `by` column), at least 320.
   */
  width?: number;
  /** Height in pixels; default 260. */
  height?: number;
  /**
   * What the effects measure, named in the y title, e.g. "difference in E[y]"; default "link
   * scale" for link-scale rows, else nothing (outcome units).
   */
  scale?: string;
  /**
   * Level order per `by` column (a factor's declared levels); a column not here: numbers
   * ascending, then text in natural order.
   */
  levels?: Readonly<Record<string, readonly string[]>>;
}

/** Stat fields of the data rows; a `by` column with one of these names gets "<name>_level". */
const RESERVED = new Set(["estimate", "lower", "upper", "n", "cell", "label"]);

/**
 * Vega-Lite spec of average treatment effects by modifier: per `by` cell a point at the posterior
 * median (or mean) and a bar over the 95% interval; the overall average treatment effect (the
 * row whose `by` is `{}`, first in `fit.effects()`) is a dashed rule with a shaded band over its
 * interval (described in the subtitle). One `by` column goes on the x axis; with two, the second colours the
 * points and offsets them within each x band; with more, x is the combined cell label. Each
 * cell's n is written under its interval.
 *
 * @throws {HetfxError} when there are no cells (only the ATE) or cells differ in their columns.
 *
 * @example
 * ```ts
 * import { effectsByModifierSpec } from "./figure_effects_by_modifier.ts";
 * const s = { sd: 0.03, "q2.5": 0.25, q50: 0.31, "q97.5": 0.38 };
 * const spec = effectsByModifierSpec([
 *   { by: {}, n: 1200, mean: 0.33, ...s },
 *   { by: { male: "0" }, n: 659, mean: 0.31, ...s },
 *   { by: { male: "1" }, n: 541, mean: 0.36, ...s },
 * ]);
 * console.assert((spec.data as { values: unknown[] }).values.length === 2);
 * ```
 */
export function effectsByModifierSpec(
  rows: readonly EffectByRow[],
  options: EffectsByModifierOptions = {},
): VegaLiteSpec {
  const context = "Cannot plot effects by modifier";
  const y = options.y ?? "q50";
  if (y !== "q50" && y !== "mean") {
    throw new HetfxError(`${context}: y must be "q50" or "mean", got "${y}".`);
  }
  const ate = rows.find((r) => Object.keys(r.by).length === 0);
  const cells = rows.filter((r) => Object.keys(r.by).length > 0);
  if (cells.length === 0) {
    throw new HetfxError(
      `${context}: there are no cells; call fit.effects({ by: ["column"] }) with a column.`,
    );
  }
  const columns = Object.keys(cells[0].by);
  for (const c of cells) {
    const keys = Object.keys(c.by);
    if (keys.length !== columns.length || keys.some((k) => !columns.includes(k))) {
      throw new HetfxError(
        `${context}: every cell must have the same by columns (${columns.join(", ")}); ` +
          `one has (${keys.join(", ")}).`,
      );
    }
  }
  const fieldOf = new Map(columns.map((m) => [m, RESERVED.has(m) ? `${m}_level` : m]));
  const cellLabel = (by: Record<string, string>) => columns.map((m) => by[m]).join(", ");
  const values: JsonValue[] = cells.map((c) => {
    const row: Record<string, JsonValue> = {};
    for (const m of columns) row[fieldOf.get(m)!] = c.by[m];
    row.cell = cellLabel(c.by);
    row.n = c.n;
    row.label = `n=${c.n}`;
    row.estimate = y === "mean" ? c.mean : c.q50;
    row.lower = c["q2.5"];
    row.upper = c["q97.5"];
    return row;
  });
  const nominal = (field: string, title: string, levels: string[]) => ({
    field: fieldRef(field),
    type: "ordinal",
    sort: levels,
    title,
  });
  const levelsOf = (m: string) => orderedLevels(cells.map((c) => c.by[m]), options.levels?.[m]);
  const cellOrder = [...new Set(cells.map((c) => cellLabel(c.by)))];
  const xLevels = columns.length <= 2 ? levelsOf(columns[0]) : cellOrder;
  const x = nominal(
    columns.length <= 2 ? fieldOf.get(columns[0])! : "cell",
    columns.length <= 2 ? columns[0] : columns.join(", "),
    xLevels,
  );
  // 60 px per x position, narrowing past 20 positions (to 16 px, as Figure 3's intervals) so
  // that many levels (44 regions) do not make a chart thousands of pixels wide.
  const perLevel = Math.max(16, Math.min(60, (60 * 20) / xLevels.length));
  const width = options.width ??
    Math.max(320, perLevel * xLevels.length * (columns.length === 2 ? 1.5 : 1));
  const scaleName = options.scale ?? (cells[0].scale === "link" ? "link scale" : "");
  // Two lines: one would outgrow the plot's height and push the plot down.
  const yTitle = scaleName
    ? ["Average treatment effect", `(${scaleName})`]
    : "Average treatment effect";
  const encoding: Record<string, JsonValue> = {
    x: { ...x, axis: categoryAxis(xLevels, width / xLevels.length) },
    y: {
      field: "estimate",
      type: "quantitative",
      title: yTitle,
      scale: { zero: false, padding: 18 },
    },
    tooltip: [
      ...columns.map((m) => ({ field: fieldRef(fieldOf.get(m)!), type: "nominal", title: m })),
      { field: "n", type: "quantitative" },
      { field: "estimate", type: "quantitative", format: ".3f", title: y },
      { field: "lower", type: "quantitative", format: ".3f", title: "q2.5" },
      { field: "upper", type: "quantitative", format: ".3f", title: "q97.5" },
    ],
  };
  if (columns.length === 2) {
    const second = nominal(fieldOf.get(columns[1])!, columns[1], levelsOf(columns[1]));
    encoding.color = { ...second, scale: { scheme: "set1" } };
    encoding.xOffset = { ...second };
  } else {
    encoding.color = { value: "#1f4e79" };
  }
  const intervalEncoding: Record<string, JsonValue> = {
    ...encoding,
    y: { ...(encoding.y as Record<string, JsonValue>), field: "lower" },
    y2: { field: "upper" },
  };
  const { tooltip: _tooltip, ...textBase } = encoding;
  const layer: JsonValue[] = [];
  let subtitle: string | undefined;
  if (ate !== undefined) {
    const estimate = y === "mean" ? ate.mean : ate.q50;
    subtitle = `Dashed line and band: average over all ${ate.n.toLocaleString("en-US")} rows, ` +
      `${formatNumber(estimate, 2)} (95% interval ${formatNumber(ate["q2.5"], 2)} to ${
        formatNumber(ate["q97.5"], 2)
      })`;
    const ateData = { values: [{ estimate, lower: ate["q2.5"], upper: ate["q97.5"] }] };
    layer.push(
      {
        data: ateData,
        mark: { type: "rect", color: "#bbbbbb", opacity: 0.25 },
        encoding: {
          y: { field: "lower", type: "quantitative" },
          y2: { field: "upper" },
        },
      },
      {
        data: ateData,
        mark: { type: "rule", color: "#555555", strokeDash: [5, 4], strokeWidth: 1.25 },
        encoding: { y: { field: "estimate", type: "quantitative" } },
      },
    );
  }
  layer.push(
    { mark: { type: "rule", strokeWidth: 2 }, encoding: intervalEncoding },
    { mark: { type: "point", filled: true, size: 70, opacity: 1 }, encoding },
    {
      mark: { type: "text", baseline: "top", dy: 4, fontSize: 10, color: "#555555" },
      encoding: {
        ...textBase,
        y: { field: "lower", type: "quantitative" },
        text: { field: "label" },
        color: { value: "#555555" },
      },
    },
  );
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: options.title ?? `Average treatment effect by ${columns.join(" × ")}`,
      ...(subtitle === undefined ? {} : { subtitle }),
    },
    width,
    height: options.height ?? 260,
    data: { values },
    layer,
    config: { axis: { titleFontSize: 12 }, title: { fontSize: 14 } },
  };
}
