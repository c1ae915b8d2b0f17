/**
 * poststratify() with a population table that lacks a grouping column of the model (issue 23):
 * refused, naming the columns, unless `missingGroups: "average"` asks to average over the
 * sample's distribution of those groups, which the result reports.
 */
import assert from "node:assert/strict";
import { makeTable } from "../../lib/data/table.ts";
import { poststratify } from "../../lib/posterior/poststratify.ts";
import { assertHetfx } from "./_helpers.ts";
import { GROUP_ROWS, GROUPS, textGroupFit } from "./_text_group_fit.ts";

const num = (...v: number[]) => ({ kind: "number" as const, values: Float64Array.from(v) });
const fac = (levels: string[], ...codes: number[]) => ({
  kind: "factor" as const,
  codes: Int32Array.from(codes),
  levels,
});

Deno.test("poststratify: a missing grouping column is refused, naming it", async () => {
  const fit = await textGroupFit();
  // Neither g nor h: both named.
  await assertHetfx(
    () =>
      poststratify(fit, makeTable({ n: num(10, 20), f: fac(["lo", "hi"], 0, 1) }), { weight: "n" }),
    /no grouping column "g", "h"/,
    /missingGroups: "average"/,
  );
  // g present, h missing: only h named.
  const message = await assertHetfx(
    () =>
      poststratify(fit, makeTable({ n: num(1, 1, 1, 1), g: fac(GROUPS, 0, 1, 2, 3) }), {
        weight: "n",
      }),
    /no grouping column "h"/,
  );
  assert.ok(!message.includes('"g"'), message);
  await assertHetfx(
    () =>
      poststratify(fit, makeTable({ n: num(1), g: fac(GROUPS, 0) }), {
        weight: "n",
        missingGroups: "mean" as "average",
      }),
    /missingGroups must be "refuse" or "average"/,
  );
});

Deno.test("poststratify: missingGroups 'average' equals supplying the sample's group counts", async () => {
  const fit = await textGroupFit();
  // One population cell without g or h, averaged over the sample's (g, h) combinations...
  const averaged = poststratify(fit, makeTable({ n: num(1000) }), {
    weight: "n",
    missingGroups: "average",
  });
  assert.deepEqual(averaged.averagedOver, ["g", "h"]);
  assert.deepEqual(averaged.filled.sort(), ["f", "treat"]);
  // ...is the same number as a population table listing each g with its sample count and h
  // averaged: the effect (gaussian, link = response) does not involve h, so both average the
  // group effects b_treat + r_g[j,treat] with weights GROUP_ROWS.
  const explicit = poststratify(
    fit,
    makeTable({ n: num(...GROUP_ROWS), g: fac(GROUPS, 0, 1, 2, 3) }),
    { weight: "n", missingGroups: "average" },
  );
  assert.deepEqual(explicit.averagedOver, ["h"]);
  const a = averaged.estimates[0].draws, b = explicit.estimates[0].draws;
  assert.equal(a.length, b.length);
  for (let s = 0; s < a.length; s++) assert.ok(Math.abs(a[s] - b[s]) < 1e-12);
  // And by hand from the draws.
  const total = GROUP_ROWS.reduce((x, y) => x + y);
  const bt = fit.draws("b_treat");
  for (let s = 0; s < a.length; s += 37) {
    let hand = 0;
    GROUPS.forEach((label, j) => {
      hand += (GROUP_ROWS[j] / total) * (bt[s] + fit.draws(`r_g[${label},treat]`)[s]);
    });
    assert.ok(Math.abs(a[s] - hand) < 1e-12, `draw ${s}: ${a[s]} vs ${hand}`);
  }
});
