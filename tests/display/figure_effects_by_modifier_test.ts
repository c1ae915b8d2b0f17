import assert from "node:assert/strict";
import {
  type EffectByRow,
  effectsByModifierSpec,
} from "../../lib/display/figure_effects_by_modifier.ts";
import { HetfxError } from "../../lib/errors.ts";
import { arr, at } from "./_helpers.ts";

function row(by: Record<string, string>, n: number, q50: number): EffectByRow {
  return { by, n, mean: q50 + 0.01, sd: 0.03, "q2.5": q50 - 0.06, q50, "q97.5": q50 + 0.07 };
}

const ate = row({}, 1200, 0.33);
const byMale = [ate, row({ male: "1" }, 541, 0.36), row({ male: "0" }, 659, 0.31)];

Deno.test("effectsByModifierSpec: one point and interval per cell, ATE as a rule and band", () => {
  const spec = effectsByModifierSpec(byMale);
  const values = arr(spec, "data", "values");
  assert.equal(values.length, 2, "the ATE row is not a cell");
  assert.deepEqual(values[0], {
    male: "1",
    cell: "1",
    n: 541,
    label: "n=541",
    estimate: 0.36,
    lower: 0.36 - 0.06,
    upper: 0.36 + 0.07,
  });
  assert.deepEqual(at(spec, "layer", 0, "data", "values", 0), {
    estimate: 0.33,
    lower: 0.33 - 0.06,
    upper: 0.33 + 0.07,
  });
  assert.equal(at(spec, "layer", 0, "mark", "type"), "rect");
  assert.equal(at(spec, "layer", 1, "mark", "type"), "rule");
  assert.equal(at(spec, "layer", 1, "encoding", "y", "field"), "estimate");
  assert.match(String(at(spec, "title", "subtitle")), /1,200 rows, 0\.33 \(95% interval 0\.27/);
  // Interval, point, n label share x = the modifier with its levels in natural order.
  const [interval, point, text] = arr(spec, "layer").slice(2);
  assert.equal(at(interval, "mark", "type"), "rule");
  assert.equal(at(interval, "encoding", "y", "field"), "lower");
  assert.equal(at(interval, "encoding", "y2", "field"), "upper");
  assert.equal(at(point, "mark", "type"), "point");
  assert.equal(at(point, "encoding", "y", "field"), "estimate");
  assert.equal(at(point, "encoding", "x", "field"), "male");
  assert.deepEqual(at(point, "encoding", "x", "sort"), ["0", "1"]);
  assert.equal(at(text, "encoding", "text", "field"), "label");
  assert.equal(at(point, "encoding", "color", "value"), "#1f4e79");
});

Deno.test("effectsByModifierSpec: mean on request; no ATE row means no reference layers", () => {
  const spec = effectsByModifierSpec(byMale.slice(1), { y: "mean", title: "T" });
  assert.equal(arr(spec, "layer").length, 3);
  assert.equal(at(spec, "title", "text"), "T");
  assert.equal(at(spec, "title", "subtitle"), undefined);
  assert.equal(at(spec, "data", "values", 0, "estimate"), 0.37);
});

Deno.test("effectsByModifierSpec: a second by column colours and offsets; more go into x", () => {
  const two = [
    ate,
    row({ hawk: "2", white: "0" }, 10, 0.2),
    row({ hawk: "1", white: "1" }, 9, 0.4),
  ];
  const point = at(effectsByModifierSpec(two), "layer", 3);
  assert.equal(at(point, "encoding", "x", "field"), "hawk");
  assert.equal(at(point, "encoding", "color", "field"), "white");
  assert.equal(at(point, "encoding", "xOffset", "field"), "white");
  const three = [row({ a: "1", b: "x", c: "2" }, 5, 0.1), row({ a: "0", b: "y", c: "1" }, 5, 0.2)];
  const spec3 = effectsByModifierSpec(three);
  assert.equal(at(spec3, "layer", 1, "encoding", "x", "field"), "cell");
  assert.equal(at(spec3, "layer", 1, "encoding", "x", "title"), "a, b, c");
  assert.deepEqual(arr(spec3, "data", "values").map((v) => at(v, "cell")), ["1, x, 2", "0, y, 1"]);
  // A by column named like a stat field is renamed, not overwritten.
  const clash = effectsByModifierSpec([row({ n: "a" }, 3, 0.1)]);
  assert.equal(at(clash, "data", "values", 0, "n_level"), "a");
  assert.equal(at(clash, "data", "values", 0, "n"), 3);
});

Deno.test("effectsByModifierSpec: errors say what is missing", () => {
  assert.throws(() => effectsByModifierSpec([ate]), HetfxError);
  assert.throws(() => effectsByModifierSpec([]), /no cells/);
  assert.throws(
    () => effectsByModifierSpec([row({ a: "1" }, 1, 0), row({ b: "1" }, 1, 0)]),
    /same by columns/,
  );
});

Deno.test("effectsByModifierSpec: bins of a binned modifier go on x in interval order", () => {
  const bins = ["[18,35]", "(35,52]", "(52,80]"];
  const spec = effectsByModifierSpec([ate, ...bins.map((b, i) => row({ age_bin: b }, 400, i))]);
  // Text order would put "(35,52]" first and the lowest bin "[18,35]" last.
  assert.deepEqual(at(spec, "layer", 3, "encoding", "x", "sort"), bins);
});

Deno.test("effectsByModifierSpec: short x labels stay level; long ones turn so they do not collide", () => {
  const xAxis = (spec: unknown) =>
    at(arr(spec, "layer").find((l) => at(l, "mark", "type") === "point"), "encoding", "x", "axis");
  assert.equal(at(xAxis(effectsByModifierSpec(byMale)), "labelAngle"), 0);
  const long = [
    ate,
    ...["north", "south"].map((r, i) =>
      row({ region: `Region ${r} of the long-named country list` }, 600, 0.3 + i / 10)
    ),
  ];
  assert.deepEqual(xAxis(effectsByModifierSpec(long)), { labelAngle: -45, labelLimit: 180 });
});

Deno.test("effectsByModifierSpec: a scale given is named on a second line of the y title", () => {
  const yTitle = (spec: unknown) =>
    at(arr(spec, "layer").find((l) => at(l, "mark", "type") === "point"), "encoding", "y", "title");
  assert.equal(yTitle(effectsByModifierSpec(byMale)), "Average treatment effect");
  assert.deepEqual(yTitle(effectsByModifierSpec(byMale, { scale: "difference in P(y = 3)" })), [
    "Average treatment effect",
    "(difference in P(y = 3))",
  ]);
  const link = byMale.map((r) => ({ ...r, scale: "link" }));
  assert.deepEqual(yTitle(effectsByModifierSpec(link)), [
    "Average treatment effect",
    "(link scale)",
  ]);
});

Deno.test("effectsByModifierSpec: width grows 60 px per level, then narrows per level past 20", () => {
  const cells = (k: number) => [
    ate,
    ...Array.from({ length: k }, (_, i) => row({ region: `r${i}` }, 30, 0.3)),
  ];
  assert.equal(at(effectsByModifierSpec(cells(3)), "width"), 320);
  assert.equal(at(effectsByModifierSpec(cells(10)), "width"), 600);
  assert.equal(at(effectsByModifierSpec(cells(44)), "width"), 1200);
  assert.equal(at(effectsByModifierSpec(cells(100)), "width"), 1600);
  assert.equal(at(effectsByModifierSpec(cells(44), { width: 500 }), "width"), 500);
});
