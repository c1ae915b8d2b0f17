/** ppCheck(): shapes, seeding, and replicated data that resemble the observed data. */
import assert from "node:assert/strict";
import { ppCheck } from "../../lib/posterior/pp_check.ts";
import { predict } from "../../lib/posterior/predict.ts";
import { effects } from "../../lib/posterior/effects.ts";
import { smallFit } from "./_fixtures.ts";

Deno.test("ppCheck: observed and replicated outcomes for a density overlay", async () => {
  const fit = await smallFit();
  const pp = ppCheck(fit, { draws: 20 });
  assert.equal(pp.kind, "density");
  assert.equal(pp.y.length, 240);
  assert.equal(pp.yrep.length, 20);
  assert.ok(pp.yrep.every((r) => r.length === 240));
  assert.deepEqual(pp.drawIndex.slice(0, 3), [0, 20, 40]);
  assert.deepEqual(ppCheck(fit, { draws: 20 }).yrep, pp.yrep, "seeded");
  // A well-specified model: replicated means within 0.2 of the observed mean (se of a mean of
  // 240 rows with sd ≈ 0.9 is 0.06, plus posterior uncertainty).
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b) / xs.length;
  for (const r of pp.yrep) assert.ok(Math.abs(mean(r) - mean(pp.y)) < 0.2);
});

Deno.test("ppCheck: each replicated data set is the prediction of its draw, as predict() gives it", async () => {
  // ppCheck draws outcomes for its selected draws only; keyed by (draw, row), they must equal
  // the same draws of predict(type "prediction"), which draws every one.
  const fit = await smallFit();
  const pp = ppCheck(fit, { draws: 7 });
  const predicted = fit.predict(undefined, { type: "prediction" });
  for (const [j, s] of pp.drawIndex.entries()) {
    for (const i of [0, 1, 119, 239]) assert.equal(pp.yrep[j][i], predicted[i].draws[s]);
  }
});

Deno.test("ppCheck, predict and effects refuse a seed that is not a whole number", async () => {
  // The counter RNG keyed "42", NaN and 1.5 as other seeds (every text and NaN as one seed):
  // different seeds gave the same draws, silently.
  const fit = await smallFit();
  for (const seed of ["42", NaN, 1.5]) {
    const shown = typeof seed === "string" ? `"${seed}"` : String(seed);
    const words = new RegExp(`option seed = ${shown} must be a whole number`);
    assert.throws(() => ppCheck(fit, { seed: seed as number }), words);
    assert.throws(
      () => predict(fit, undefined, { type: "prediction", seed: seed as number }),
      words,
    );
    assert.throws(() => effects(fit, { seed: seed as number }), words);
  }
  assert.equal(ppCheck(fit, { seed: 7, draws: 2 }).yrep.length, 2);
});

Deno.test("ppCheck: a count outcome's bars count every value of y and of each replicate", async () => {
  const { smallTable } = await import("./_fixtures.ts");
  const { formula } = await import("../../lib/spec/formula.ts");
  const { withColumn } = await import("../../lib/data/table.ts");
  await import("../../lib/fit/mod.ts");
  const t = smallTable();
  const y = (t.columns.y as { values: Float64Array }).values.map((v) => Math.max(0, Math.round(v)));
  const fit = await formula(
    "y ~ 1 + treat + (1 | g)",
    withColumn(t, "y", { kind: "number", values: y }),
    {
      family: "poisson",
    },
  ).fit({ chains: 1, warmup: 150, draws: 150, seed: 1, progress: false });
  const pp = ppCheck(fit, { draws: 5 });
  const bars = pp.bars!;
  const byHand = (xs: number[]) => bars.values.map((v) => xs.filter((x) => x === v).length);
  assert.deepEqual(bars.observed, byHand(pp.y));
  pp.yrep.forEach((r, j) => assert.deepEqual(bars.replicated[j], byHand(r)));
  // Every value of y and of the replicates has its bar.
  assert.ok(bars.replicated.every((c) => c.reduce((a, b) => a + b) === y.length));
});
