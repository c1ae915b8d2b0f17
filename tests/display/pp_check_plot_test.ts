import assert from "node:assert/strict";
import { bandwidthNrd0, densityOnGrid, ppCheckSpec } from "../../lib/display/pp_check_plot.ts";
import type { PpCheckData } from "../../lib/posterior/pp_check.ts";
import { HetfxError } from "../../lib/errors.ts";
import { normal, uniform } from "./_synthetic.ts";
import { arr, at } from "./_helpers.ts";

Deno.test("bandwidthNrd0: R's bw.nrd0, with its fallbacks", () => {
  // bw.nrd0(c(1, 2, 3, 4, 10)) in R: 0.9 * min(sd, IQR/1.34) * 5^-0.2 (IQR = 2 < sd)
  assert.ok(Math.abs(bandwidthNrd0([1, 2, 3, 4, 10]) - 0.9 * (2 / 1.34) * 5 ** -0.2) < 1e-12);
  // IQR 0 but sd > 0 (mostly ones): the sd.
  const mostlyOnes = [0, 1, 1, 1, 1, 1, 1, 1];
  const m = 7 / 8;
  const sd = Math.sqrt((m ** 2 + 7 * (1 - m) ** 2) / 7);
  assert.ok(Math.abs(bandwidthNrd0(mostlyOnes) - 0.9 * sd * 8 ** -0.2) < 1e-12);
  assert.equal(bandwidthNrd0([0, 0]), 0.9 * 2 ** -0.2);
});

Deno.test("densityOnGrid: integrates to 1 and matches the normal density", () => {
  const z = normal(11);
  const xs = Array.from({ length: 20_000 }, () => z());
  const grid = Array.from({ length: 401 }, (_, i) => -6 + (12 * i) / 400);
  const d = densityOnGrid(xs, grid, bandwidthNrd0(xs));
  const integral = d.reduce((s, v) => s + v, 0) * (12 / 400);
  assert.ok(Math.abs(integral - 1) < 1e-3, `${integral}`);
  const at0 = d[200];
  assert.ok(Math.abs(at0 - 1 / Math.sqrt(2 * Math.PI)) < 0.02, `${at0}`);
});

function densityData(): PpCheckData {
  const z = normal(2);
  const y = Array.from({ length: 300 }, () => 1 + z());
  const yrep = Array.from({ length: 20 }, () => Array.from({ length: 300 }, () => 1 + z()));
  return {
    outcome: "score",
    family: "gaussian",
    kind: "density",
    y,
    yrep,
    drawIndex: yrep.map((_, j) => 10 * j),
  };
}

Deno.test("ppCheckSpec (density): thin replicated lines under a thick observed line", () => {
  const ppc = densityData();
  const spec = ppCheckSpec(ppc, { gridPoints: 64 });
  // One row per curve with its grid and densities, flattened into points by Vega-Lite.
  const values = arr(spec, "data", "values");
  assert.equal(values.length, 21);
  assert.deepEqual(at(spec, "transform"), [{ flatten: ["x", "density"] }]);
  const observed = values.filter((v) => at(v, "series") === "y (observed)");
  assert.equal(observed.length, 1);
  const reps = values.filter((v) => at(v, "series") === "y_rep (20 replicated data sets)");
  assert.deepEqual(reps.map((v) => at(v, "draw")), ppc.drawIndex);
  // Grid covers the observed values; each curve is a density (integrates to about 1; the
  // densities are rounded to 4 significant digits, an error far below the 0.02 allowed).
  const xs = at(observed[0], "x") as number[];
  assert.equal(xs.length, 64);
  assert.ok(xs[0] < Math.min(...ppc.y) && xs[63] > Math.max(...ppc.y));
  const step = (xs[63] - xs[0]) / 63;
  for (const curve of [...observed, ...reps]) {
    const density = at(curve, "density") as number[];
    assert.equal(density.length, 64);
    const area = density.reduce((s, v) => s + v, 0) * step;
    assert.ok(Math.abs(area - 1) < 0.02, `${area}`);
  }
  const [repLayer, obsLayer] = arr(spec, "layer");
  assert.equal(at(repLayer, "mark", "type"), "line");
  assert.equal(at(repLayer, "encoding", "detail", "field"), "draw");
  assert.equal(at(repLayer, "transform", 0, "filter", "equal"), "y_rep (20 replicated data sets)");
  assert.equal(at(obsLayer, "transform", 0, "filter", "equal"), "y (observed)");
  assert.ok(
    (at(obsLayer, "mark", "strokeWidth") as number) >
      2 * (at(repLayer, "mark", "strokeWidth") as number),
  );
  for (const layer of [repLayer, obsLayer]) {
    assert.equal(at(layer, "encoding", "x", "field"), "x");
    assert.equal(at(layer, "encoding", "x", "title"), "score");
    assert.equal(at(layer, "encoding", "y", "field"), "density");
    assert.equal(at(layer, "encoding", "color", "field"), "series");
  }
});

Deno.test("ppCheckSpec (bars): observed counts with the replicated median and 90% interval", () => {
  const u = uniform(4);
  const draw = () => Array.from({ length: 200 }, () => (u() < 0.3 ? 1 : 0));
  const y = draw();
  const yrep = Array.from({ length: 41 }, draw);
  const ppc: PpCheckData = {
    outcome: "force",
    family: "bernoulli",
    kind: "bars",
    y,
    yrep,
    drawIndex: yrep.map((_, j) => j),
  };
  const spec = ppCheckSpec(ppc);
  const values = arr(spec, "data", "values");
  assert.deepEqual(values.map((v) => at(v, "value")), [0, 1]);
  const ones = y.filter((v) => v === 1).length;
  assert.equal(at(values[1], "observed"), ones);
  assert.equal(at(values[0], "observed"), 200 - ones);
  const repOnes = yrep.map((r) => r.filter((v) => v === 1).length).sort((a, b) => a - b);
  assert.equal(at(values[1], "median"), repOnes[20]);
  assert.equal(at(values[1], "lower"), repOnes[2]); // R type 7: 1 + 40 × 0.05 = 3rd value
  assert.equal(at(values[1], "upper"), repOnes[38]);
  const [bar, interval, point] = arr(spec, "layer");
  assert.equal(at(bar, "mark", "type"), "rect");
  assert.equal(at(bar, "encoding", "y", "field"), "observed");
  assert.equal(at(bar, "encoding", "x", "field"), "left");
  assert.equal(at(interval, "encoding", "y", "field"), "lower");
  assert.equal(at(interval, "encoding", "y2", "field"), "upper");
  assert.equal(at(point, "encoding", "y", "field"), "median");
  assert.equal(
    at(point, "encoding", "color", "datum"),
    "y_rep median and 90% interval (41 data sets)",
  );
  // The same counts when ppCheck's bars are given.
  const withBars = ppCheckSpec({
    ...ppc,
    bars: {
      values: [0, 1],
      observed: [200 - ones, ones],
      replicated: yrep.map((
        r,
      ) => [200 - r.filter((v) => v === 1).length, r.filter((v) => v === 1).length]),
    },
  }, { prob: 0.5 });
  assert.equal(at(withBars, "data", "values", 1, "median"), repOnes[20]);
  assert.equal(
    at(withBars, "layer", 1, "encoding", "color", "datum"),
    "y_rep median and 50% interval (41 data sets)",
  );
});

Deno.test("ppCheckSpec (bars): categories 1…4 are not drawn beside an empty slot at 0", () => {
  const y = [1, 2, 2, 3, 4, 4];
  const spec = ppCheckSpec({
    outcome: "pref",
    family: "cumulative",
    kind: "bars",
    y,
    yrep: [y, y],
    drawIndex: [0, 1],
    bars: {
      values: [1, 2, 3, 4],
      labels: ["1", "2", "3", "4"],
      observed: [1, 2, 1, 2],
      replicated: [[1, 2, 1, 2], [1, 2, 1, 2]],
    },
  });
  for (const layer of arr(spec, "layer")) {
    assert.equal(at(layer, "encoding", "x", "scale", "zero"), false);
  }
});

Deno.test("ppCheckSpec: errors for empty data", () => {
  const ppc = densityData();
  assert.throws(() => ppCheckSpec({ ...ppc, yrep: [], drawIndex: [] }), /no replicated data sets/);
  assert.throws(() => ppCheckSpec({ ...ppc, y: [] }), HetfxError);
  assert.throws(() => ppCheckSpec(ppc, { gridPoints: 1 }), /gridPoints/);
});
