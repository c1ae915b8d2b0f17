import assert from "node:assert/strict";
import { groupEffectsSpec } from "../../lib/display/figure_group_effects.ts";
import { HetfxError } from "../../lib/errors.ts";
import { syntheticResult } from "./_synthetic.ts";
import { arr, at } from "./_helpers.ts";

const { effects } = syntheticResult();

Deno.test("groupEffectsSpec: paper layout — col intl, row hawk, x and colour male", () => {
  const spec = groupEffectsSpec(effects, { col: "intl", row: "hawk", x: "male", color: "male" });
  assert.equal(arr(spec, "data", "values").length, 100);
  assert.equal(at(spec, "facet", "column", "field"), "intl");
  assert.equal(at(spec, "facet", "row", "field"), "hawk");
  assert.deepEqual(at(spec, "facet", "column", "sort"), ["1", "2", "3", "4", "5"]);
  const layers = arr(spec, "spec", "layer");
  const point = layers.find((l) => at(l, "mark", "type") === "point");
  const interval = layers.find((l) =>
    at(l, "mark", "type") === "rule" && at(l, "encoding", "y2") !== undefined
  );
  assert.equal(at(point, "encoding", "x", "field"), "male");
  assert.equal(at(point, "encoding", "color", "field"), "male");
  assert.equal(at(point, "encoding", "y", "field"), "estimate");
  assert.equal(at(interval, "encoding", "y", "field"), "lower");
  assert.equal(at(interval, "encoding", "y2", "field"), "upper");
  // the remaining modifier (white) offsets groups within the x band
  assert.equal(at(point, "encoding", "xOffset", "field"), "others");
  assert.equal(at(interval, "encoding", "xOffset", "field"), "others");
  const rows = arr(spec, "data", "values");
  assert.deepEqual([...new Set(rows.map((r) => at(r, "others")))].sort(), ["white=0", "white=1"]);
});

Deno.test("groupEffectsSpec: estimate is q50 by default and mean on request", () => {
  const q50 = groupEffectsSpec(effects, { x: "intl" });
  assert.deepEqual(
    arr(q50, "data", "values").map((r) => at(r, "estimate")),
    effects.map((e) => e.q50),
  );
  const mean = groupEffectsSpec(effects, { x: "intl", y: "mean" });
  assert.deepEqual(
    arr(mean, "data", "values").map((r) => at(r, "estimate")),
    effects.map((e) => e.mean),
  );
  assert.deepEqual(
    arr(mean, "data", "values").map((r) => at(r, "lower")),
    effects.map((e) => e["q2.5"]),
  );
});

Deno.test("groupEffectsSpec: no facets → a plain layered chart; groups at one x never share a slot", () => {
  const spec = groupEffectsSpec(effects, { x: "hawk", color: "white" });
  assert.equal(spec.facet, undefined);
  assert.ok(Array.isArray(spec.layer));
  const point = arr(spec, "layer").find((l) => at(l, "mark", "type") === "point");
  const offset = at(point, "encoding", "xOffset", "field") as string;
  const rows = arr(spec, "data", "values");
  // x position and offset slot: where the interval is drawn
  const places = new Set(rows.map((r) => `${at(r, "hawk")}|${at(r, offset)}`));
  assert.equal(places.size, rows.length);
});

Deno.test("groupEffectsSpec: every modifier in a role → groups of each colour side by side, not on top", () => {
  const spec = groupEffectsSpec(effects, { col: "intl", row: "hawk", x: "male", color: "white" });
  const layers = arr(spec, "spec", "layer");
  const point = layers.find((l) => at(l, "mark", "type") === "point");
  const interval = layers.find((l) => at(l, "encoding", "y2") !== undefined);
  assert.equal(at(point, "encoding", "xOffset", "field"), "slot");
  assert.equal(at(interval, "encoding", "xOffset", "field"), "slot");
  assert.deepEqual(at(point, "encoding", "xOffset", "sort"), ["white=0", "white=1"]);
  assert.equal(at(point, "encoding", "shape"), undefined);
  const rows = arr(spec, "data", "values");
  assert.deepEqual(rows.map((r) => at(r, "slot")), effects.map((e) => `white=${e.levels.white}`));
});

Deno.test("groupEffectsSpec: colour and remaining modifiers both take slots, colour first", () => {
  const spec = groupEffectsSpec(effects, { col: "intl", x: "male", color: "white" });
  const point = arr(spec, "spec", "layer").find((l) => at(l, "mark", "type") === "point");
  const sort = at(point, "encoding", "xOffset", "sort") as string[];
  assert.equal(sort.length, 10);
  assert.deepEqual(sort.slice(0, 2), ["white=0, hawk=1", "white=0, hawk=2"]);
  // the remaining modifier keeps its shape legend
  assert.equal(at(point, "encoding", "shape", "field"), "others");
});

Deno.test("groupEffectsSpec: unknown role names list the available modifiers", () => {
  assert.throws(
    () => groupEffectsSpec(effects, { x: "gender" }),
    (e: unknown) =>
      e instanceof HetfxError && /"gender"/.test(e.message) &&
      /available modifiers: "white", "male", "intl", "hawk"/.test(e.message),
  );
  assert.throws(
    () => groupEffectsSpec(effects, { x: "male", col: "intll" }),
    (e: unknown) => e instanceof HetfxError && /did you mean "intl"/.test(e.message),
  );
  assert.throws(() => groupEffectsSpec([], { x: "male" }), HetfxError);
});

Deno.test("groupEffectsSpec: a modifier named like a stat field keeps its own column", () => {
  const odd = effects.slice(0, 4).map((e, i) => ({
    ...e,
    levels: { n: String(i % 2), male: e.levels.male },
  }));
  const spec = groupEffectsSpec(odd, { x: "n" });
  const rows = arr(spec, "data", "values");
  assert.deepEqual(rows.map((r) => at(r, "n_level")), ["0", "1", "0", "1"]);
  assert.deepEqual(rows.map((r) => at(r, "n")), odd.map((e) => e.n));
  assert.equal(at(arr(spec, "layer")[2], "encoding", "x", "field"), "n_level");
});

Deno.test("groupEffectsSpec: bins of a binned modifier are ordered by interval, on x and in facets", () => {
  const bins = ["[-3,-1.2]", "(-1.2,0.5]", "(0.5,2]"];
  const list = bins.map((b, i) => ({
    term: "x_bin",
    group: b,
    levels: { x_bin: b },
    n: 10,
    mean: i,
    sd: 0.1,
    "q2.5": i - 0.2,
    q50: i,
    "q97.5": i + 0.2,
    rhat: 1,
    ess_bulk: 800,
  }));
  const spec = groupEffectsSpec(list, { x: "x_bin" });
  const point = arr(spec, "layer").find((l) => at(l, "mark", "type") === "point");
  assert.deepEqual(at(point, "encoding", "x", "sort"), bins);
  const faceted = groupEffectsSpec(list, { x: "x_bin", col: "x_bin" });
  assert.deepEqual(at(faceted, "facet", "column", "sort"), bins);
});

Deno.test("groupEffectsSpec: 44 long-named groups widen the chart and turn their labels", () => {
  const many = Array.from({ length: 44 }, (_, i) => ({
    ...effects[0],
    group: `Region number ${i + 1} of the list`,
    levels: { region: `Region number ${i + 1} of the list` },
  }));
  const spec = groupEffectsSpec(many, { x: "region" });
  assert.equal(spec.width, 44 * 16);
  const point = arr(spec, "layer").find((l) => at(l, "mark", "type") === "point");
  assert.deepEqual(at(point, "encoding", "x", "axis"), { labelAngle: -45, labelLimit: 180 });
  // 100 groups at two x positions: 16 px per interval too
  assert.equal(groupEffectsSpec(effects, { x: "male", color: "male" }).width, 1600);
  // a few short labels: 420 px, level labels
  const two = effects.slice(0, 2).map((e, i) => ({ ...e, levels: { male: String(i) } }));
  const few = groupEffectsSpec(two, { x: "male" });
  assert.equal(few.width, 420);
  const fewPoint = arr(few, "layer").find((l) => at(l, "mark", "type") === "point");
  assert.equal(at(fewPoint, "encoding", "x", "axis", "labelAngle"), 0);
});

Deno.test("groupEffectsSpec: without a colour role, intervals and points are drawn in one colour", () => {
  for (const roles of [{ x: "intl" }, { x: "male", col: "intl" }]) {
    const spec = groupEffectsSpec(effects, roles);
    const layers = arr(spec, ...(spec.facet === undefined ? ["layer"] : ["spec", "layer"]));
    const point = layers.find((l) => at(l, "mark", "type") === "point");
    const interval = layers.find((l) =>
      at(l, "mark", "type") === "rule" && at(l, "encoding", "y2") !== undefined
    );
    // A rule mark without a colour is black in Vega-Lite; the point's default is blue.
    assert.equal(typeof at(interval, "mark", "color"), "string");
    assert.equal(at(interval, "mark", "color"), at(point, "mark", "color"));
    assert.equal(at(point, "encoding", "color"), undefined);
  }
  // With a colour role the scale colours both, and neither mark fixes a colour.
  const coloured = groupEffectsSpec(effects, { x: "intl", color: "white" });
  for (const l of arr(coloured, "layer").filter((l) => at(l, "encoding", "y", "datum") !== 0)) {
    assert.equal(at(l, "mark", "color"), undefined);
    assert.equal(at(l, "encoding", "color", "field"), "white");
  }
});

Deno.test("groupEffectsSpec: the shape legend's labels name their modifiers, with no title repeating them", () => {
  const spec = groupEffectsSpec(effects, { col: "intl", x: "male", color: "white" });
  const point = arr(spec, "spec", "layer").find((l) => at(l, "mark", "type") === "point");
  assert.equal(at(point, "encoding", "shape", "field"), "others");
  assert.equal(at(point, "encoding", "shape", "title"), null);
  const labels = new Set(arr(spec, "data", "values").map((r) => at(r, "others")));
  assert.deepEqual([...labels].sort(), ["hawk=1", "hawk=2", "hawk=3", "hawk=4", "hawk=5"]);
});
