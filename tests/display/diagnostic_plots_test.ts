import assert from "node:assert/strict";
import {
  pooledRanks,
  rankPlotSpec,
  rhatEssSpec,
  tracePlotSpec,
} from "../../lib/display/diagnostic_plots.ts";
import { HetfxError } from "../../lib/errors.ts";
import { renderSvg } from "../../lib/display/render.ts";
import { normal, syntheticResult } from "./_synthetic.ts";
import { arr, at } from "./_helpers.ts";

const z = normal(7);
const chains = [0, 1, 2, 3].map(() => Float64Array.from({ length: 4000 }, () => z()));

Deno.test("tracePlotSpec: thins each chain to at most 1000 points, keeps iteration numbers", () => {
  const spec = tracePlotSpec("b_alliance", chains);
  const rows = arr(spec, "data", "values");
  for (const c of ["1", "2", "3", "4"]) {
    const mine = rows.filter((r) => at(r, "chain") === c);
    assert.ok(mine.length <= 1000 && mine.length >= 500, `chain ${c}: ${mine.length}`);
    assert.equal(at(mine[0], "iteration"), 1);
    assert.equal(at(mine[1], "iteration"), 5);
    assert.equal(at(mine[1], "value"), chains[Number(c) - 1][4]);
  }
  assert.equal(at(spec, "encoding", "color", "field"), "chain");
  assert.equal(at(spec, "mark", "type"), "line");
  const short = tracePlotSpec("x", [new Float64Array([1, 2, 3])]);
  assert.equal(arr(short, "data", "values").length, 3);
  const capped = tracePlotSpec("x", chains, { maxPoints: 100 });
  assert.equal(arr(capped, "data", "values").length, 400);
  assert.throws(() => tracePlotSpec("x", []), HetfxError);
});

Deno.test("pooledRanks: ranks 1..N across chains, ties averaged", () => {
  const r = pooledRanks([new Float64Array([5, 1]), new Float64Array([3, 3])]);
  assert.deepEqual([...r[0]], [4, 1]);
  assert.deepEqual([...r[1]], [2.5, 2.5]);
});

Deno.test("rankPlotSpec: per-chain rank histograms whose counts sum to the chain lengths", () => {
  const spec = rankPlotSpec("b_alliance", chains, { bins: 20 });
  const rows = arr(spec, "data", "values");
  assert.equal(rows.length, 4 * 20);
  for (const c of ["1", "2", "3", "4"]) {
    const counts = rows.filter((r) => at(r, "chain") === c).map((r) => at(r, "count") as number);
    assert.equal(counts.reduce((s, x) => s + x, 0), 4000);
  }
  assert.equal(at(rows[0], "expected"), 200);
  assert.equal(at(spec, "facet", "row", "field"), "chain");
});

Deno.test("rhatEssSpec: R-hat dots with a 1.01 line, ESS bars with a 400 line", () => {
  const { params } = syntheticResult();
  const spec = rhatEssSpec(params);
  const [rhat, ess] = arr(spec, "hconcat");
  assert.equal(arr(rhat, "data", "values").length, params.length);
  assert.equal(at(rhat, "layer", 0, "encoding", "x", "field"), "rhat");
  assert.equal(at(rhat, "layer", 1, "encoding", "x", "datum"), 1.01);
  const flags = arr(rhat, "data", "values").map((r) => at(r, "flag"));
  assert.deepEqual(flags, params.map((p) => (p.rhat > 1.01 ? "high" : "ok")));
  assert.equal(arr(ess, "data", "values").length, 2 * params.length);
  assert.equal(at(ess, "layer", 0, "mark", "type"), "bar");
  assert.equal(at(ess, "layer", 1, "encoding", "x", "datum"), 400);
  const low = arr(ess, "data", "values").filter((r) => at(r, "flag") === "low");
  assert.equal(low.length, 2);
  assert.throws(() => rhatEssSpec([]), HetfxError);
});

Deno.test("tracePlotSpec: a parameter name longer than the plot is tall is not the y title", async () => {
  const long = "sd_white:male:intl:hawk__alliance";
  const spec = tracePlotSpec(long, chains.map((c) => c.subarray(0, 50)));
  assert.equal(at(spec, "title"), `Trace: ${long}`);
  assert.equal(at(spec, "encoding", "y", "title"), "Value");
  // rendered, the plot sits just under the title (a 230 px y title put it 67 px down)
  const svg = await renderSvg(spec);
  const top = Number(svg.match(/<g [^>]*transform="translate\([\d.]+,([\d.]+)\)"/)![1]);
  assert.ok(top < 40, `plot starts ${top} px down`);
  // a short name still labels the axis, and a taller plot makes room for a longer one
  assert.equal(at(tracePlotSpec("sigma", chains), "encoding", "y", "title"), "sigma");
  assert.equal(at(tracePlotSpec(long, chains, { height: 300 }), "encoding", "y", "title"), long);
});
