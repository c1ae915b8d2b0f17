/**
 * poststratify() with a population table that lacks a grouping column of the model (issue 23):
 * refused, naming the columns, unless `missingGroups: "average"` asks to average over the
 * sample's distribution of those groups, which the result reports.
 */
import assert from "node:assert/strict";
import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import { makeTable } from "../../lib/data/table.ts";
import { formula } from "../../lib/spec/formula.ts";
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
  assert.deepEqual(averaged.filled.sort(), ["f"]);
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

Deno.test("poststratify: a missing grouping column is averaged within the population row's cell", async () => {
  // One term white:male; male = m1 is rare among w0 (1 in 9 rows) and common among w1 (1 in 2).
  const white: number[] = [], male: number[] = [], t: number[] = [], y: number[] = [];
  for (let i = 0; i < 360; i++) {
    const w = i % 2, m = w === 0 ? (i % 18 === 0 ? 1 : 0) : Math.floor(i / 2) % 2;
    const treat = Math.floor(i / 4) % 2;
    white.push(w), male.push(m), t.push(treat);
    y.push(1 + treat * (1 + w + 2 * m) + ((i * 37) % 11) / 11 - 0.5);
  }
  const table = makeTable({
    y: num(...y),
    t: num(...t),
    white: fac(["w0", "w1"], ...white),
    male: fac(["m0", "m1"], ...male),
  });
  const fit = await formula("y ~ t + (1 + t | white:male)", table)
    .fit({ chains: 2, warmup: 200, draws: 200, seed: 5, progress: false });
  const population = makeTable({ white: fac(["w0", "w1"], 0, 1), n: num(100, 300) });
  const { estimates, averagedOver } = poststratify(fit, population, {
    weight: "n",
    missingGroups: "average",
    by: ["white"],
  });
  assert.deepEqual(averagedOver, ["male"]);
  // Each white's effect mixes its male cells by their shares among that white's sample rows
  // (w0: 1/9 m1; w1: 1/2), not by the whole sample's share of m1.
  const bt = fit.draws("b_t");
  const cell = (label: string) => fit.draws(`r_white:male[${label},t]`);
  for (const [k, w] of [[1, "w0"], [2, "w1"]] as const) {
    const rows = white.map((v, i) => [v, male[i]]).filter(([v]) => `w${v}` === w);
    const share = rows.filter(([, m]) => m === 1).length / rows.length;
    const m0 = cell(`${w}_m0`), m1 = cell(`${w}_m1`);
    const draws = estimates[k].draws;
    assert.equal(estimates[k].by.white, w);
    for (let s = 0; s < draws.length; s++) {
      const hand = bt[s] + (1 - share) * m0[s] + share * m1[s];
      assert.ok(Math.abs(draws[s] - hand) < 1e-9, `${w} draw ${s}: ${draws[s]} vs ${hand}`);
    }
  }
});
