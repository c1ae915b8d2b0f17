import assert from "node:assert/strict";
import {
  binDraws,
  effectAnnotation,
  effectDistributionSpec,
} from "../../lib/display/figure_effect_distribution.ts";
import { HetfxError } from "../../lib/errors.ts";
import type { GroupEffect } from "../../lib/posterior/types.ts";
import { syntheticResult } from "./_synthetic.ts";
import { arr, at } from "./_helpers.ts";

const result = syntheticResult();

function group(levels: Record<string, string>, mean: number, lo: number, hi: number): GroupEffect {
  return {
    term: Object.keys(levels).join(":"),
    group: Object.values(levels).join("_"),
    levels,
    n: 10,
    mean,
    sd: 0.1,
    "q2.5": lo,
    q50: mean,
    "q97.5": hi,
    rhat: 1,
    ess_bulk: 1000,
  };
}

Deno.test("binDraws: counts sum to the number of finite draws; edges span the range", () => {
  const draws = new Float64Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, NaN, Infinity]);
  const bins = binDraws(draws, 5);
  assert.equal(bins.length, 5);
  assert.equal(bins.reduce((s, b) => s + b.count, 0), 11);
  assert.equal(bins[0].start, 0);
  assert.equal(bins[4].end, 10);
  assert.deepEqual(bins.map((b) => b.count), [2, 2, 2, 2, 3]);
  const area = bins.reduce((s, b) => s + b.density * (b.end - b.start), 0);
  assert.ok(Math.abs(area - 1) < 1e-12);
});

Deno.test("binDraws: constant draws, bad bin counts, no finite draws", () => {
  assert.equal(binDraws(new Float64Array([2, 2, 2]), 3).reduce((s, b) => s + b.count, 0), 3);
  assert.throws(() => binDraws(new Float64Array([1]), 81), HetfxError);
  assert.throws(() => binDraws(new Float64Array([1]), 0), HetfxError);
  assert.throws(() => binDraws(new Float64Array([NaN]), 10), HetfxError);
});

Deno.test("effectAnnotation: 'label: estimate (lower, upper)' with 2 decimals", () => {
  const g = group({ white: "0", male: "0", intl: "1", hawk: "5" }, 0.0512, -0.1049, 0.2);
  assert.equal(effectAnnotation(g), "white=0, male=0, intl=1, hawk=5: 0.05 (-0.10, 0.20)");
  // no negative zero
  const z = group({ male: "1" }, -0.001, -0.3, 0.3);
  assert.equal(effectAnnotation(z), "male=1: 0.00 (-0.30, 0.30)");
});

Deno.test("effectDistributionSpec: binned counts sum to the draws, ≤ 80 bins, no raw draws", () => {
  const spec = effectDistributionSpec({ draws: result.draws, spread: result.spread });
  const bins = arr(spec, "layer", 0, "data", "values");
  assert.ok(bins.length <= 80);
  assert.equal(
    bins.reduce((s: number, b) => s + (at(b, "count") as number), 0),
    result.draws.length,
  );
  assert.ok(JSON.stringify(spec).length < 30_000, "spec stays small");
  const many = effectDistributionSpec({ draws: result.draws, spread: result.spread }, { bins: 80 });
  assert.equal(arr(many, "layer", 0, "data", "values").length, 80);
  assert.throws(
    () => effectDistributionSpec({ draws: result.draws, spread: result.spread }, { bins: 200 }),
    HetfxError,
  );
});

Deno.test("effectDistributionSpec: min, median and max marked with hand-formatted texts", () => {
  const spread = {
    sd_all_draws: 0.1349,
    min: group({ white: "0", male: "0", intl: "1", hawk: "5" }, 0.0487, -0.1, 0.2049),
    median: group({ white: "0", male: "1", intl: "3", hawk: "3" }, 0.3111, 0.15, 0.47),
    max: group({ white: "1", male: "1", intl: "5", hawk: "1" }, 0.5349, 0.3751, 0.6999),
  };
  const draws = new Float64Array(1000).map((_, i) => -0.2 + i * 0.001);
  const spec = effectDistributionSpec({ draws, spread });
  const notes = arr(spec, "layer", 1, "data", "values");
  const byWhich = Object.fromEntries(notes.map((n) => [at(n, "which"), n]));
  assert.equal(at(byWhich.minimum, "text"), "white=0, male=0, intl=1, hawk=5: 0.05 (-0.10, 0.20)");
  assert.equal(at(byWhich.median, "text"), "white=0, male=1, intl=3, hawk=3: 0.31 (0.15, 0.47)");
  assert.equal(at(byWhich.maximum, "text"), "white=1, male=1, intl=5, hawk=1: 0.53 (0.38, 0.70)");
  assert.equal(at(byWhich.minimum, "estimate"), 0.0487);
  assert.equal(at(byWhich.maximum, "lower"), 0.3751);
  // vertical rules at the estimates, text layer shows the texts
  const sub = arr(spec, "layer", 1, "layer");
  assert.equal(at(sub[0], "mark", "type"), "rule");
  assert.equal(at(sub[0], "encoding", "x", "field"), "estimate");
  assert.equal(at(sub[0], "encoding", "y2", "field"), "rule_top");
  const text = sub.find((l) => at(l, "mark", "type") === "text");
  assert.equal(at(text, "encoding", "text", "field"), "text");
  // texts sit above every rule top, so no rule crosses a text
  const tops = notes.map((n) => at(n, "rule_top") as number);
  for (const n of notes) assert.ok((at(n, "text_y") as number) > Math.max(...tops));
  // subtitle carries the sd of all draws
  assert.match(String(at(spec, "title", "subtitle")), /SD of all posterior draws: 0\.13/);
  assert.equal(at(spec, "layer", 0, "encoding", "x", "title"), "Treatment effect");
});
