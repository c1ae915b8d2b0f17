import assert from "node:assert/strict";
import { pairPlotIndices, pairPlotSpec } from "../../lib/display/pair_plot.ts";
import { HetfxError } from "../../lib/errors.ts";
import { normal, uniform } from "./_synthetic.ts";
import { arr, at } from "./_helpers.ts";

const N = 10_000;
const z = normal(3);
const x = Float64Array.from({ length: N }, () => Math.abs(z()));
const y = Float64Array.from({ length: N }, () => z());
const u = uniform(5);
const divergent = Uint8Array.from({ length: N }, () => (u() < 0.01 ? 1 : 0));
const nDivergent = divergent.reduce((s, d) => s + d, 0);
const names = ["sd_g__treat", "b_treat"] as const;

Deno.test("pairPlotIndices: keeps every divergent draw and thins the rest to the budget", () => {
  const kept = pairPlotIndices(divergent, 4000);
  assert.equal(kept.length, 4000);
  assert.deepEqual(kept, [...kept].sort((a, b) => a - b));
  assert.equal(new Set(kept).size, kept.length);
  for (let i = 0; i < N; i++) if (divergent[i]) assert.ok(kept.includes(i), `divergent ${i}`);
  // Fewer draws than the budget: all kept; more divergences than the budget: all of them.
  assert.equal(pairPlotIndices(divergent.subarray(0, 100), 4000).length, 100);
  assert.deepEqual(pairPlotIndices(Uint8Array.from([1, 1, 0, 1]), 2), [0, 1, 3]);
});

Deno.test("pairPlotSpec: x/y draws, divergent red layer on top, at most 4000 points", () => {
  assert.ok(nDivergent > 50 && nDivergent < 200, `${nDivergent}`);
  const spec = pairPlotSpec({ x, y, divergent, names });
  const values = arr(spec, "data", "values");
  assert.equal(values.length, 4000);
  const flagged = values.filter((v) => at(v, "divergent") === "divergent");
  assert.equal(flagged.length, nDivergent, "every divergent draw is shown");
  const first = values[0];
  const i = (at(first, "draw") as number) - 1;
  assert.equal(at(first, "x"), x[i]);
  assert.equal(at(first, "y"), y[i]);
  assert.equal(at(spec, "encoding", "x", "field"), "x");
  assert.equal(at(spec, "encoding", "x", "title"), "sd_g__treat");
  assert.equal(at(spec, "encoding", "y", "title"), "b_treat");
  assert.deepEqual(at(spec, "encoding", "color", "scale"), {
    domain: ["not divergent", "divergent"],
    range: ["#4c78a8", "#d62728"],
  });
  const [others, red] = arr(spec, "layer");
  assert.match(String(at(others, "transform", 0, "filter")), /'not divergent'/);
  assert.match(String(at(red, "transform", 0, "filter")), /=== 'divergent'/);
  assert.ok((at(red, "mark", "size") as number) > (at(others, "mark", "size") as number));
  assert.match(
    String(at(spec, "title", "subtitle")),
    new RegExp(`10000 draws \\(4000 shown\\); ${nDivergent} divergent`),
  );
  const small = pairPlotSpec({ x, y, divergent, names }, { maxPoints: 500 });
  assert.equal(arr(small, "data", "values").length, 500);
});

Deno.test("pairPlotSpec: errors for empty or mismatched draws", () => {
  const one = new Float64Array(1);
  assert.throws(
    () =>
      pairPlotSpec({
        x: new Float64Array(0),
        y: new Float64Array(0),
        divergent: new Uint8Array(0),
        names,
      }),
    HetfxError,
  );
  assert.throws(
    () => pairPlotSpec({ x: one, y: new Float64Array(2), divergent: new Uint8Array(1), names }),
    /one entry per draw; got 1, 2 and 1/,
  );
  assert.throws(() =>
    pairPlotSpec({ x: one, y: one, divergent: new Uint8Array(1), names }, {
      maxPoints: 0,
    }), /maxPoints/);
});
