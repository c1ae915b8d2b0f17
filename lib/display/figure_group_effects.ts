/**
 * Paper Figure 3: every group's treatment effect as a point with its 95% interval, laid out by
 * the effect modifiers (facet columns and rows, x position, colour).
 */
import type { GroupEffect } from "../posterior/types.ts";
import { didYouMean, HetfxError } from "../errors.ts";
import { categoryAxis, fieldRef, orderedLevels } from "./_format.ts";
import { type JsonValue, VEGA_LITE_SCHEMA, type VegaLiteSpec } from "./vega_lite_spec.ts";

/** Which modifier goes where in {@link groupEffectsSpec}. */
export interface GroupEffectRoles {
  /** Modifier whose levels are facet columns. */
  col?: string;
  /** Modifier whose levels are facet rows. */
  row?: string;
  /** Modifier on the x axis. */
  x: string;
  /** Modifier mapped to colour. */
  color?: string;
  /** Point estimate: the posterior median (default, as in the paper) or mean. */
  y?: "mean" | "q50";
}

/** Options of {@link groupEffectsSpec}. */
export interface GroupEffectsOptions {
  /** Chart title; default "Treatment effect by group". */
  title?: string;
  /** y-axis title; default "Treatment effect", with `scale` when given. */
  yTitle?: string;
  /**
   * The scale the effects are on, e.g. "on the log-odds scale": named on a second line of the
   * y-axis title, or, with panels (too short for it), in the subtitle.
   */
  scale?: string;
  /**
   * Width of each panel in pixels; default 110 with facets, without 420 or 16 per interval where
   * that is more.
   */
  width?: number;
  /** Height of each panel in pixels; default 110 with facets, 300 without. */
  height?: number;
  /**
   * Level order per modifier (a factor's declared levels); a modifier not here: numbers
   * ascending, then text in natural order.
   */
  levels?: Readonly<Record<string, readonly string[]>>;
}

/** The colour of every point and interval when no modifier has the colour role. */
const SINGLE_COLOR = "#4c78a8";

/** Stat fields of the data rows; a modifier with one of these names gets "<name>_level". */
const RESERVED = new Set(["estimate", "lower", "upper", "group", "n", "others", "slot"]);

/**
 * Vega-Lite spec of every group's effect (paper Figure 3): a point at the posterior median (or
 * mean) and a bar over the 95% interval per group; `roles.col` / `roles.row` facet by a
 * modifier's levels, `roles.x` puts a modifier on the x axis, `roles.color` colours by one.
 * Groups that share x and facet but differ in colour or in the remaining modifiers are offset
 * within the x band (xOffset; the remaining modifiers also told apart by shape), so their
 * intervals do not overlap.
 *
 * @throws {HetfxError} when `effects` is empty or a role names a modifier the groups lack.
 *
 * @example
 * ```ts
 * import { groupEffectsSpec } from "./figure_group_effects.ts";
 * const effects = ["0", "1"].map((male) => ({
 *   term: "male", group: male, levels: { male }, n: 10,
 *   mean: 0.3, sd: 0.1, "q2.5": 0.1, q50: 0.3, "q97.5": 0.5, rhat: 1, ess_bulk: 800,
 * }));
 * const spec = groupEffectsSpec(effects, { x: "male", color: "male" });
 * console.assert(Array.isArray(spec.layer));
 * ```
 */
export function groupEffectsSpec(
  effects: GroupEffect[],
  roles: GroupEffectRoles,
  options: GroupEffectsOptions = {},
): VegaLiteSpec {
  if (effects.length === 0) {
    throw new HetfxError("Cannot plot group effects: the list of group effects is empty.");
  }
  const modifiers = Object.keys(effects[0].levels);
  const list = modifiers.map((m) => `"${m}"`).join(", ");
  const used: string[] = [];
  for (const role of ["col", "row", "x", "color"] as const) {
    const name = roles[role];
    if (name === undefined) {
      if (role === "x") {
        throw new HetfxError(
          `Cannot plot group effects: roles.x is required; available modifiers: ${list}.`,
        );
      }
      continue;
    }
    if (!modifiers.includes(name)) {
      throw new HetfxError(
        `Cannot plot group effects: ${role} = "${name}" is not a modifier of these groups` +
          `${didYouMean(name, modifiers)}; available modifiers: ${list}.`,
      );
    }
    used.push(name);
  }
  const y = roles.y ?? "q50";
  if (y !== "q50" && y !== "mean") {
    throw new HetfxError(`Cannot plot group effects: y must be "q50" or "mean", got "${y}".`);
  }
  const others = modifiers.filter((m) => !used.includes(m));
  const fieldOf = new Map(modifiers.map((m) => [m, RESERVED.has(m) ? `${m}_level` : m]));
  // Colour a modifier other than x's: groups of each colour get their own slot in the x band.
  const colorApart = roles.color !== undefined && roles.color !== roles.x ? [roles.color] : [];
  const slotBy = [...colorApart, ...others];
  const labelOf = (by: string[]) => (levels: Record<string, string>) =>
    by.map((m) => `${m}=${levels[m] ?? ""}`).join(", ");
  const othersLabel = labelOf(others);
  const slotLabel = labelOf(slotBy);

  const values: JsonValue[] = effects.map((e) => {
    const row: Record<string, JsonValue> = {};
    for (const m of modifiers) row[fieldOf.get(m)!] = e.levels[m] ?? "";
    row.group = e.group;
    row.n = e.n;
    row.estimate = y === "mean" ? e.mean : e.q50;
    row.lower = e["q2.5"];
    row.upper = e["q97.5"];
    if (others.length > 0) row.others = othersLabel(e.levels);
    if (colorApart.length > 0) row.slot = slotLabel(e.levels);
    return row;
  });
  const levelsOf = (m: string) =>
    orderedLevels(effects.map((e) => e.levels[m] ?? ""), options.levels?.[m]);
  const nominal = (m: string): Record<string, JsonValue> => ({
    field: fieldRef(fieldOf.get(m)!),
    type: "ordinal",
    sort: levelsOf(m),
    title: m,
  });
  // The combinations of modifiers `by`, ordered by each one's levels in turn.
  const orderOf = (by: string[]) => {
    const ranks = by.map((m) => new Map(levelsOf(m).map((level, i) => [level, i])));
    const label = labelOf(by);
    return [...effects].sort((a, b) => {
      for (let k = 0; k < by.length; k++) {
        const d = ranks[k].get(a.levels[by[k]] ?? "")! - ranks[k].get(b.levels[by[k]] ?? "")!;
        if (d !== 0) return d;
      }
      return 0;
    }).map((e) => label(e.levels)).filter((l, i, all) => all.indexOf(l) === i);
  };
  const othersOrder = orderOf(others);
  const slotOrder = colorApart.length > 0 ? orderOf(slotBy) : othersOrder;

  const faceted = roles.col !== undefined || roles.row !== undefined;
  const xLevels = levelsOf(roles.x);
  const size = {
    width: options.width ??
      (faceted ? 110 : Math.max(420, 16 * xLevels.length * Math.max(1, slotOrder.length))),
    height: options.height ?? (faceted ? 110 : 300),
  };
  const encoding: Record<string, JsonValue> = {
    x: { ...nominal(roles.x), axis: categoryAxis(xLevels, size.width / xLevels.length) },
    y: {
      field: "estimate",
      type: "quantitative",
      // Two lines: one taller than the plot would push the plot away from its title.
      title: options.yTitle ??
        (options.scale === undefined || faceted
          ? "Treatment effect"
          : ["Treatment effect", `(${options.scale})`]),
    },
    tooltip: [
      ...modifiers.map((m) => ({ field: fieldRef(fieldOf.get(m)!), type: "nominal", title: m })),
      { field: "n", type: "quantitative" },
      { field: "estimate", type: "quantitative", format: ".3f", title: y },
      { field: "lower", type: "quantitative", format: ".3f", title: "q2.5" },
      { field: "upper", type: "quantitative", format: ".3f", title: "q97.5" },
    ],
  };
  if (roles.color !== undefined) {
    encoding.color = { ...nominal(roles.color), scale: { scheme: "set1" } };
  }
  if (slotBy.length > 0) {
    encoding.xOffset = {
      field: colorApart.length > 0 ? "slot" : "others",
      type: "nominal",
      sort: slotOrder,
    };
  }
  if (others.length > 0) {
    if (othersOrder.length <= 8) {
      // Its labels name their modifiers ("white=1, hawk=1"): a title "white, hawk" above them
      // would say it twice.
      encoding.shape = { field: "others", type: "nominal", sort: othersOrder, title: null };
    }
  }
  const { shape: _shape, ...intervalEncoding } = encoding;
  intervalEncoding.y = { ...(encoding.y as Record<string, JsonValue>), field: "lower" };
  intervalEncoding.y2 = { field: "upper" };
  // Without a colour role, interval and point share one colour (Vega-Lite would draw the rule
  // black and the point blue); with one, the colour scale gives both theirs.
  const single: Record<string, JsonValue> = roles.color === undefined
    ? { color: SINGLE_COLOR }
    : {};
  const layer: JsonValue[] = [
    {
      mark: { type: "rule", color: "#999999", strokeDash: [3, 3], strokeWidth: 0.75 },
      encoding: { y: { datum: 0 } },
    },
    { mark: { type: "rule", strokeWidth: 1.5, ...single }, encoding: intervalEncoding },
    { mark: { type: "point", filled: true, size: 36, opacity: 1, ...single }, encoding },
  ];

  const spec: VegaLiteSpec = {
    $schema: VEGA_LITE_SCHEMA,
    title: options.scale !== undefined && faceted && options.yTitle === undefined
      ? { text: options.title ?? "Treatment effect by group", subtitle: `Effects ${options.scale}` }
      : options.title ?? "Treatment effect by group",
    data: { values },
  };
  if (faceted) {
    const facet: Record<string, JsonValue> = {};
    if (roles.col !== undefined) {
      facet.column = { ...nominal(roles.col), header: { titleFontSize: 12, labelFontSize: 11 } };
    }
    if (roles.row !== undefined) {
      facet.row = { ...nominal(roles.row), header: { titleFontSize: 12, labelFontSize: 11 } };
    }
    spec.facet = facet;
    spec.spec = { ...size, layer };
  } else {
    Object.assign(spec, size);
    spec.layer = layer;
  }
  spec.config = { axis: { titleFontSize: 12 }, title: { fontSize: 14 } };
  return spec;
}
