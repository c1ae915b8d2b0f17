/** poststratify(): a population table of group cells with counts, by hand from group draws. */
import assert from "node:assert/strict";
import { type Column, makeTable, withColumn } from "../../lib/data/table.ts";
import { HetfxError } from "../../lib/errors.ts";
import { poststratify } from "../../lib/posterior/poststratify.ts";
import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import { formula } from "../../lib/spec/formula.ts";
import { smallFit, smallTable } from "./_fixtures.ts";

Deno.test("poststratify: population-weighted average of the group effects", async () => {
  const fit = await smallFit();
  const population = makeTable({
    g: { kind: "number", values: Float64Array.of(1, 2, 3, 4) },
    half: { kind: "factor", codes: Int32Array.of(0, 0, 1, 1), levels: ["low", "high"] },
    n: { kind: "number", values: Float64Array.of(100, 300, 50, 50) },
  });
  const { estimates, filled } = poststratify(fit, population, { weight: "n", by: ["half"] });
  // The 0/1 treatment is set to 1 and 0 in every row: not reported as filled.
  assert.deepEqual(filled.sort(), ["x"]);
  // Gaussian, binary treatment: the effect in group g is b_treat + r_g[g,treat] whatever x is.
  const eff = (g: number) =>
    fit.draws("b_treat").map((b, s) => b + fit.draws(`r_g[${g},treat]`)[s]);
  const S = fit.draws("b_treat").length;
  const total = new Float64Array(S), low = new Float64Array(S), high = new Float64Array(S);
  const n = [100, 300, 50, 50];
  for (let g = 1; g <= 4; g++) {
    const e = eff(g);
    for (let s = 0; s < S; s++) {
      total[s] += (n[g - 1] * e[s]) / 500;
      if (g <= 2) low[s] += (n[g - 1] * e[s]) / 400;
      else high[s] += (n[g - 1] * e[s]) / 100;
    }
  }
  const close = (a: Float64Array, b: Float64Array) => a.every((v, s) => Math.abs(v - b[s]) < 1e-12);
  assert.equal(estimates.length, 3);
  assert.ok(close(estimates[0].draws, total));
  // Cells in the factor's level order (low, high), as marginaleffects orders by groups.
  assert.deepEqual(estimates.slice(1).map((e) => e.by.half), ["low", "high"]);
  assert.ok(close(estimates[1].draws, low));
  assert.ok(close(estimates[2].draws, high));
  assert.equal(estimates[0].weight, 500);
});

Deno.test("poststratify: a slope's treatment, taken at its typical value, is reported as filled", async () => {
  // A dose with three values: its effect is a slope at the row's dose, so the dose the
  // population rows get (the training mean) matters and is reported.
  const table = smallTable();
  const dose = table.columns.treat as { values: Float64Array };
  dose.values.forEach((v, i, a) => (a[i] = v + (i % 3 === 0 ? 1 : 0)));
  const fit = await formula("y ~ 1 + treat + (1 + treat | g)", table)
    .fit({ chains: 1, warmup: 30, draws: 20, seed: 1, progress: false });
  const population = makeTable({
    g: { kind: "number", values: Float64Array.of(1, 2) },
    n: { kind: "number", values: Float64Array.of(1, 3) },
  });
  assert.deepEqual(poststratify(fit, population, { weight: "n" }).filled, ["treat"]);
});

Deno.test("poststratify: a bad weight column is refused naming the population row, before any split", async () => {
  const fit = await smallFit();
  const refused = (n: Column, words: RegExp) =>
    assert.throws(
      () => poststratify(fit, makeTable({ n }), { weight: "n", missingGroups: "average" }),
      (e: Error) => e instanceof HetfxError && words.test(e.message),
      words.source,
    );
  // missingGroups: "average" splits each population row over the sample's 4 groups: a missing
  // count in population row 2 was reported in row 5 (of the split table), as "Cannot compute
  // effects"; a text column's words were reported as "NA" in row 1.
  refused(
    { kind: "number", values: Float64Array.of(10, NaN) },
    /^Cannot poststratify: weight column "n" has NA in row 2 of the population table/,
  );
  refused(
    { kind: "number", values: Float64Array.of(10, -1) },
    /^Cannot poststratify: weight column "n" has -1 in row 2 of the population table/,
  );
  refused(
    { kind: "factor", codes: Int32Array.of(-1, 0), levels: ["many"] },
    /^Cannot poststratify: weight column "n" holds text \("many" in row 2\); it must hold each population row's count or share, as numbers ≥ 0/,
  );
  refused(
    { kind: "number", values: Float64Array.of(0, 0) },
    /^Cannot poststratify: weight column "n" is 0 in every row of the population table/,
  );
});

Deno.test("poststratify: n counts population rows, not the pieces missingGroups splits them into", async () => {
  const fit = await smallFit();
  // Three population rows without g: "average" splits each over the sample's 4 groups (12 pieces).
  const population = makeTable({
    half: { kind: "factor", codes: Int32Array.of(0, 0, 1), levels: ["low", "high"] },
    n: { kind: "number", values: Float64Array.of(100, 300, 50) },
  });
  const { estimates, averagedOver } = poststratify(fit, population, {
    weight: "n",
    by: ["half"],
    missingGroups: "average",
  });
  assert.deepEqual(averagedOver, ["g"]);
  // Before: n 12, 8, 4 (the pieces).
  assert.deepEqual(estimates.map((e) => [e.by.half, e.n, e.weight]), [
    [undefined, 3, 450],
    ["low", 2, 400],
    ["high", 1, 50],
  ]);
  // The sample's groups are equal (60 rows each): every row's effect is the mean group effect.
  const S = fit.draws("b_treat").length;
  const hand = fit.draws("b_treat").map((b, s) =>
    b + [1, 2, 3, 4].reduce((a, g) => a + fit.draws(`r_g[${g},treat]`)[s], 0) / 4
  );
  for (const e of estimates) {
    for (let s = 0; s < S; s++) assert.ok(Math.abs(e.draws[s] - hand[s]) < 1e-12);
  }
});

Deno.test('poststratify: under missingGroups "average", errors name the population table\'s row', async () => {
  // The split table has one piece per population row and sample group of g (4 each): population
  // row 3 was named as row 9, a row of that internal table.
  const t = smallTable();
  const h = Float64Array.from({ length: t.nRows }, (_, i) => i % 3);
  const fit = await formula(
    "y ~ 1 + treat + (1 + treat | g) + (1 | h)",
    withColumn(t, "h", { kind: "number", values: h }),
  ).fit({ chains: 1, warmup: 60, draws: 20, seed: 1, progress: false });
  const n = { kind: "number", values: Float64Array.of(1, 2, 3) } as const;
  const refused = (column: Column, words: RegExp) =>
    assert.throws(
      () =>
        poststratify(fit, makeTable({ h: column, n }), { weight: "n", missingGroups: "average" }),
      (e: Error) => e instanceof HetfxError && words.test(e.message),
      words.source,
    );
  refused(
    { kind: "number", values: Float64Array.of(0, 1, 7) },
    /^Cannot poststratify: row 3 of the population table is in group "7" of h, which was not in the training data/,
  );
  refused(
    { kind: "factor", codes: Int32Array.of(0, 1, 2), levels: ["0", "1", "x"] },
    /^Cannot poststratify: column "h" of the population table has "x" in row 3, but the model's column is numeric/,
  );
  // With allowNewLevels the new group is drawn, and n counts the 3 population rows.
  const { estimates } = poststratify(
    fit,
    makeTable({ h: { kind: "number", values: Float64Array.of(0, 1, 7) }, n }),
    { weight: "n", missingGroups: "average", allowNewLevels: true },
  );
  assert.equal(estimates[0].n, 3);
});
