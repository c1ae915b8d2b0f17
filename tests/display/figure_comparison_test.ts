/**
 * Also covers: figure_shrinkage.ts (shrinkageSpec: axes, 45° line, segments, sizes, errors).
 */
import assert from "node:assert/strict";
import {
  COMPARISON_METHODS,
  comparisonSpec,
  type ComparisonTable,
} from "../../lib/display/figure_comparison.ts";
import { shrinkageSpec } from "../../lib/display/figure_shrinkage.ts";
import type { ComparisonRow } from "../../lib/posterior/compare.ts";
import { HetfxError } from "../../lib/errors.ts";
import { arr, at } from "./_helpers.ts";

function row(group: string, n: number, sub: number | null, hier: number, se = true): ComparisonRow {
  const hasSe = sub !== null && se;
  return {
    group,
    levels: { male: group },
    n,
    n_treated: n / 2,
    n_control: n / 2,
    interaction_estimate: hier + 0.01,
    interaction_se: 0.1,
    interaction_lower: hier - 0.19,
    interaction_upper: hier + 0.21,
    subgroup_estimate: sub,
    subgroup_se: hasSe ? 0.4 : null,
    subgroup_lower: hasSe ? sub - 0.8 : null,
    subgroup_upper: hasSe ? sub + 0.8 : null,
    hierarchical_mean: hier,
    hierarchical_sd: 0.08,
    hierarchical_lower: hier - 0.15,
    hierarchical_upper: hier + 0.16,
  };
}

const table: ComparisonTable = {
  treatment: "alliance",
  term: "male",
  level: 0.95,
  rows: [
    row("b", 40, 0.9, 0.4),
    row("a", 20, -0.2, 0.2),
    row("c", 2, null, 0.3),
    row("d", 3, 0.5, 0.35, false),
  ],
  shrinkage: {
    groups: 4,
    groups_with_subgroup: 2,
    sd_estimates: { interaction: 0, subgroup: 0, hierarchical: 0 },
    median_width: { interaction: 0, subgroup: 0, hierarchical: 0 },
    mean_abs_shift_from_subgroup: 0,
    mean_abs_shift_from_interaction: 0,
    pooling_factor: 0.8,
  },
};
const [INTERACTION, SUBGROUP, HIERARCHICAL] = COMPARISON_METHODS.map((m) => m.name);

Deno.test("comparisonSpec: one row per group and method, long format", () => {
  const spec = comparisonSpec(table);
  const values = arr(spec, "data", "values");
  assert.equal(values.length, 4 * 3 - 1, "group c has no subgroup estimate");
  const b = values.filter((v) => at(v, "group") === "b");
  assert.deepEqual(b.map((v) => at(v, "method")), [INTERACTION, SUBGROUP, HIERARCHICAL]);
  assert.deepEqual(
    b.map((v) => [at(v, "estimate"), at(v, "lower"), at(v, "upper")]),
    [[0.4 + 0.01, 0.4 - 0.19, 0.4 + 0.21], [0.9, 0.9 - 0.8, 0.9 + 0.8], [
      0.4,
      0.4 - 0.15,
      0.4 + 0.16,
    ]],
  );
  assert.equal(at(b[0], "label"), "male=b (n=40)");
  // A subgroup estimate without an SE is a point with no interval.
  const d = values.find((v) => at(v, "group") === "d" && at(v, "method") === SUBGROUP);
  assert.deepEqual([at(d, "estimate"), at(d, "lower"), at(d, "upper")], [0.5, null, null]);
});

Deno.test("comparisonSpec: groups by hierarchical estimate on x, methods offset and coloured", () => {
  const spec = comparisonSpec(table);
  const [zero, interval, point] = arr(spec, "layer");
  assert.equal(at(zero, "encoding", "y", "datum"), 0);
  assert.equal(at(interval, "mark", "type"), "rule");
  // The interval's drawn ends (cut at the axis; see the wide-interval test below).
  assert.equal(at(interval, "encoding", "y", "field"), "drawLower");
  assert.equal(at(interval, "encoding", "y2", "field"), "drawUpper");
  assert.match(String(at(interval, "transform", 0, "filter")), /isValid\(datum\.drawLower\)/);
  assert.equal(at(point, "encoding", "y", "field"), "estimate");
  for (const layer of [interval, point]) {
    assert.equal(at(layer, "encoding", "x", "field"), "group");
    assert.deepEqual(at(layer, "encoding", "x", "sort"), ["a", "c", "d", "b"]);
    assert.equal(at(layer, "encoding", "xOffset", "field"), "method");
    assert.equal(at(layer, "encoding", "color", "field"), "method");
    assert.deepEqual(at(layer, "encoding", "color", "scale", "domain"), [
      INTERACTION,
      SUBGROUP,
      HIERARCHICAL,
    ]);
  }
  // The y domain covers the points and the interaction/hierarchical intervals, not the long
  // subgroup intervals (those are cut at its ends).
  const [lo, hi] = at(point, "encoding", "y", "scale", "domain") as number[];
  assert.ok(lo < -0.2 && lo > -0.3, `lo ${lo}`);
  assert.ok(hi > 0.9 && hi < 1, `hi ${hi}`);
  const b = arr(spec, "data", "values").find((v) =>
    at(v, "group") === "b" && at(v, "method") === SUBGROUP
  );
  assert.equal(at(b, "drawLower"), at(b, "lower"));
  assert.equal(at(b, "drawUpper"), hi);
  assert.deepEqual(at(point, "encoding", "x", "axis", "labelAngle"), -90);
  const many = comparisonSpec({
    ...table,
    rows: Array.from({ length: 41 }, (_, i) => row(`${i}`, 10, 0, i / 100)),
  });
  assert.equal(at(many, "layer", 2, "encoding", "x", "axis", "labels"), false);
  assert.equal(at(many, "width"), 480);
  assert.throws(() => comparisonSpec({ ...table, rows: [] }), HetfxError);
});

Deno.test('comparisonSpec: groupLabels must be true or false ("no" is not taken as true)', () => {
  assert.throws(
    () => comparisonSpec(table, { groupLabels: "no" as never }),
    (e: unknown) =>
      e instanceof HetfxError &&
      e.message === 'Cannot plot the method comparison: option groupLabels = "no" must be true ' +
          "or false.",
  );
  assert.equal(
    at(
      comparisonSpec(table, { groupLabels: false }),
      "layer",
      2,
      "encoding",
      "x",
      "axis",
      "labels",
    ),
    false,
  );
});

Deno.test("shrinkageSpec: subgroup on x, hierarchical on y, 45° line, segments, size by n", () => {
  const spec = shrinkageSpec(table);
  const values = arr(spec, "data", "values");
  assert.deepEqual(
    values.map((v) => at(v, "group")),
    ["b", "a", "d"],
    "c has no subgroup estimate",
  );
  assert.deepEqual(values[0], {
    group: "b",
    label: "male=b (n=40)",
    n: 40,
    subgroup: 0.9,
    hierarchical: 0.4,
    shift: 0.4 - 0.9,
  });
  const [diagonal, segment, points] = arr(spec, "layer");
  const [a, b] = [at(diagonal, "data", "values", 0, "a"), at(diagonal, "data", "values", 0, "b")];
  assert.equal(at(diagonal, "encoding", "x", "field"), "a");
  assert.equal(at(diagonal, "encoding", "y", "field"), "a");
  assert.equal(at(diagonal, "encoding", "x2", "field"), "b");
  assert.equal(at(diagonal, "encoding", "y2", "field"), "b");
  assert.deepEqual(at(points, "encoding", "x", "scale", "domain"), [a, b]);
  assert.deepEqual(at(points, "encoding", "y", "scale", "domain"), [a, b], "same scale on x, y");
  assert.ok((a as number) < -0.2 && (b as number) > 0.9);
  // Segment from the subgroup estimate on the diagonal (x = y = subgroup) to the hierarchical one.
  assert.equal(at(segment, "encoding", "x", "field"), "subgroup");
  assert.equal(at(segment, "encoding", "y", "field"), "subgroup");
  assert.equal(at(segment, "encoding", "y2", "field"), "hierarchical");
  assert.equal(at(points, "encoding", "x", "field"), "subgroup");
  assert.equal(at(points, "encoding", "y", "field"), "hierarchical");
  assert.equal(at(points, "encoding", "size", "field"), "n");
  assert.equal(at(points, "encoding", "size", "scale", "zero"), true);
  assert.deepEqual(at(points, "encoding", "size", "legend", "values"), [2, 5, 10, 20]);
  assert.equal(at(spec, "width"), at(spec, "height"));
  assert.match(String(at(spec, "title", "subtitle")), /3 groups; 1 without .*pooling factor 0\.80/);
  assert.throws(() => shrinkageSpec({ ...table, rows: [row("x", 1, null, 0)] }), /no group/);
});

Deno.test("comparisonSpec: an interaction estimate without an SE is a point, inside the y axis", () => {
  // Far above every interval: a group whose interaction effect has no HC2 SE (leverage 1).
  const lone = {
    ...row("e", 4, 0.3, 0.3),
    interaction_estimate: 5,
    interaction_se: null,
    interaction_lower: null,
    interaction_upper: null,
  };
  const spec = comparisonSpec({ ...table, rows: [...table.rows, lone] });
  const e = arr(spec, "data", "values").find((v) =>
    at(v, "group") === "e" && at(v, "method") === INTERACTION
  );
  assert.deepEqual([at(e, "estimate"), at(e, "lower"), at(e, "upper")], [5, null, null]);
  const domain = at(arr(spec, "layer")[2], "encoding", "y", "scale", "domain") as number[];
  assert.ok(domain[1] > 5, `y axis ${domain} cuts the point off`);
});

Deno.test("comparisonSpec: a subgroup interval far wider than the axis is drawn cut at its ends, and renders", async () => {
  // A small subgroup's t interval (df 1: ±12.7 SE) spans ±6 on an axis of about ±1. Drawn as a
  // rule clipped by the renderer, it made resvg panic (the test process aborted): the drawn ends
  // are now the axis's, the interval's own ends stay in the data for the tooltip.
  const wide = { ...row("e", 4, 0.5, 0.3), subgroup_lower: -5.85, subgroup_upper: 6.85 };
  const spec = comparisonSpec({ ...table, rows: [...table.rows, wide] });
  const e = arr(spec, "data", "values").find((v) =>
    at(v, "group") === "e" && at(v, "method") === SUBGROUP
  );
  const domain = at(arr(spec, "layer")[1], "encoding", "y", "scale", "domain") as number[];
  assert.deepEqual([at(e, "lower"), at(e, "upper")], [-5.85, 6.85]);
  assert.deepEqual([at(e, "drawLower"), at(e, "drawUpper")], domain);
  assert.equal(at(arr(spec, "layer")[1], "encoding", "y", "field"), "drawLower");
  const { renderPng } = await import("../../lib/display/render.ts");
  const png = await renderPng(spec, { scale: 1 });
  assert.equal(png[1], 0x50);
});
