/**
 * predict(): link-scale draws by hand, new levels, posterior predictive draws.
 *
 * Also covers: linear_predictor.ts (the link-scale draws it computes, checked by hand).
 */
import assert from "node:assert/strict";
import { HetfxError } from "../../lib/errors.ts";
import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import { makeTable, takeRows, withColumn } from "../../lib/data/table.ts";
import { predict } from "../../lib/posterior/predict.ts";
import { datagrid } from "../../lib/posterior/effects.ts";
import { formula } from "../../lib/spec/formula.ts";
import { smallFit, smallTable } from "./_fixtures.ts";

const row = (g: number, x: number, treat: number) =>
  makeTable({
    x: { kind: "number", values: Float64Array.of(x) },
    treat: { kind: "number", values: Float64Array.of(treat) },
    g: { kind: "number", values: Float64Array.of(g) },
  });

Deno.test("predict: linear predictor draws equal b·x + r by hand", async () => {
  const fit = await smallFit();
  const [p] = predict(fit, row(3, 0.7, 1), { scale: "link" });
  const hand = fit.draws("b_Intercept").map((b, s) =>
    b + 0.7 * fit.draws("b_x")[s] + fit.draws("b_treat")[s] + fit.draws("r_g[3,Intercept]")[s] +
    fit.draws("r_g[3,treat]")[s]
  );
  for (let s = 0; s < hand.length; s++) assert.ok(Math.abs(p.draws[s] - hand[s]) < 1e-12);
  // Default newdata: the training rows.
  assert.equal(predict(fit).length, 240);
});

Deno.test("predict: a blank cell in a numeric column read as text is missing, not 0", async () => {
  const fit = await smallFit();
  const newdata = makeTable({
    x: { kind: "factor", codes: Int32Array.of(0, 1), levels: ["0.5", " "] },
    treat: { kind: "number", values: Float64Array.of(1, 1) },
    g: { kind: "number", values: Float64Array.of(1, 1) },
  });
  assert.throws(
    () => predict(fit, newdata),
    (e) => e instanceof HetfxError && /column "x" of newdata is missing in row 2/.test(e.message),
  );
  // The text "0.5" is still read as the number.
  const text = makeTable({
    x: { kind: "factor", codes: Int32Array.of(0), levels: ["0.5"] },
    treat: { kind: "number", values: Float64Array.of(1) },
    g: { kind: "number", values: Float64Array.of(1) },
  });
  assert.deepEqual(predict(fit, text)[0].draws, predict(fit, row(1, 0.5, 1))[0].draws);
});

Deno.test("predict: a trials or weights column that is also a predictor is read for η", async () => {
  // k | trials(n) ~ 1 + n: η was built without the column n ("Cannot build model: column "n"
  // not found"), so nothing predicted, not even the training rows; y | weights(w) ~ w alike.
  const n = 60;
  const trials = Float64Array.from({ length: n }, (_, i) => 3 + (i % 5));
  const k = Float64Array.from({ length: n }, (_, i) => Math.min(trials[i], (i * 7) % 4));
  const table = makeTable({
    k: { kind: "number", values: k },
    n: { kind: "number", values: trials },
  });
  const fit = await formula("k | trials(n) ~ 1 + n", table, { family: "binomial" })
    .fit({ chains: 1, warmup: 100, draws: 50, seed: 2, progress: false });
  const [eta] = predict(fit, undefined, { scale: "link" });
  const b0 = fit.draws("b_Intercept"), b1 = fit.draws("b_n");
  assert.ok(eta.draws.every((v, s) => Math.abs(v - (b0[s] + 3 * b1[s])) < 1e-12));
  const [mean] = predict(fit);
  assert.ok(mean.draws.every((v, s) => Math.abs(v - 3 / (1 + Math.exp(-eta.draws[s]))) < 1e-12));
  // The same for a weights column that is also a predictor: y | weights(w) ~ 1 + w.
  const weighted = await formula("y | weights(w) ~ 1 + w", smallTable())
    .fit({ chains: 1, warmup: 100, draws: 50, seed: 2, progress: false });
  const [first] = predict(weighted, undefined, { scale: "link" });
  const w0 = weighted.draws("b_Intercept"), w1 = weighted.draws("b_w");
  const w = (smallTable().columns.w as { values: Float64Array }).values[0];
  assert.ok(first.draws.every((v, s) => Math.abs(v - (w0[s] + w * w1[s])) < 1e-12));
  assert.equal(weighted.loo().n, smallTable().nRows);
});

Deno.test("predict: unseen groups need allowNewLevels; their draws come from the group distribution", async () => {
  const fit = await smallFit();
  assert.throws(
    () => predict(fit, row(9, 0, 1)),
    (e: Error) => e instanceof HetfxError && /group "9" of g.*allowNewLevels/.test(e.message),
  );
  const a = predict(fit, row(9, 0, 1), { allowNewLevels: true, scale: "link" })[0];
  const b = predict(fit, row(9, 0, 1), { allowNewLevels: true, scale: "link" })[0];
  assert.deepEqual(a.draws, b.draws, "same seed, same draws");
  // η − (b_Intercept + b_treat) is the new group's intercept + slope: mean ≈ 0, and its variance
  // ≈ E[sd_I² + sd_T² + 2 cor sd_I sd_T]; 400 draws → relative tolerance 35% (≈ 5 SE of a
  // variance estimate, sd of draws of sd² adds more).
  const S = a.draws.length;
  const u = a.draws.map((v, s) => v - fit.draws("b_Intercept")[s] - fit.draws("b_treat")[s]);
  let expected = 0;
  for (let s = 0; s < S; s++) {
    const i = fit.draws("sd_g__Intercept")[s], t = fit.draws("sd_g__treat")[s];
    expected += (i * i + t * t + 2 * fit.draws("cor_g__Intercept__treat")[s] * i * t) / S;
  }
  const mean = u.reduce((x, y) => x + y) / S;
  const variance = u.reduce((x, y) => x + (y - mean) ** 2, 0) / (S - 1);
  assert.ok(Math.abs(variance / expected - 1) < 0.35, `${variance} vs ${expected}`);
});

Deno.test("predict: a new combination whose label a fitted group shares is a new group", async () => {
  // Term a:b with the fitted groups ("x_y", "z") and ("x", "w"); newdata's ("x", "y_z") has the
  // label "x_y_z" of the first, but not its levels.
  const n = 40;
  const factor = (levels: string[], code: (i: number) => number) => ({
    kind: "factor" as const,
    levels,
    codes: Int32Array.from({ length: n }, (_, i) => code(i)),
  });
  const table = makeTable({
    y: { kind: "number", values: Float64Array.from({ length: n }, (_, i) => (i % 2 ? 3 : -3)) },
    a: factor(["x", "x_y"], (i) => i % 2),
    b: factor(["w", "z"], (i) => i % 2),
  });
  const fit = await formula("y ~ 1 + (1 | a:b)", table).fit({
    chains: 1,
    warmup: 150,
    draws: 150,
    seed: 1,
    progress: false,
  });
  assert.deepEqual(fit.groupEffects === undefined ? [] : fit.data.terms[0].labels, [
    "x_w",
    "x_y_z",
  ]);
  const newdata = makeTable({ a: factor(["x"], () => 0), b: factor(["y_z"], () => 0) });
  assert.throws(
    () => predict(fit, newdata, { scale: "link" }),
    /"b" defines groups: pass allowNewLevels: true/,
  );
  // With allowNewLevels, its varying effect is a new group's draw, not the fitted group's.
  const fresh = predict(fit, newdata, { scale: "link", allowNewLevels: true })[0];
  const fitted = fit.draws("r_a:b[x_y_z,Intercept]");
  const intercept = fit.draws("b_Intercept");
  const largest = Math.max(...fresh.draws.map((v, s) => Math.abs(v - intercept[s] - fitted[s])));
  assert.ok(largest > 1e-6, `the draws of group "x_y_z" (${largest})`);
});

Deno.test("predict: posterior predictive draws are seeded and have the right spread", async () => {
  const fit = await smallFit();
  const nd = row(2, 0, 0);
  const [e] = predict(fit, nd);
  const [y1] = predict(fit, nd, { type: "prediction" });
  const [y2] = predict(fit, nd, { type: "prediction" });
  const [y3] = predict(fit, nd, { type: "prediction", seed: 99 });
  assert.deepEqual(y1.draws, y2.draws);
  assert.notDeepEqual(y1.draws, y3.draws);
  // y_rep − μ = σ·z: standardised residuals have mean 0 and sd 1 (400 draws: ±0.2, ±0.15).
  const z = y1.draws.map((v, s) => (v - e.draws[s]) / fit.draws("sigma")[s]);
  const m = z.reduce((a, b) => a + b) / z.length;
  const sd = Math.sqrt(z.reduce((a, b) => a + (b - m) ** 2, 0) / (z.length - 1));
  assert.ok(Math.abs(m) < 0.2 && Math.abs(sd - 1) < 0.15, `${m} ${sd}`);
  assert.throws(() => predict(fit, nd, { type: "prediction", scale: "link" }), HetfxError);
});

Deno.test("predict: a binomial model's trials in newdata are whole numbers ≥ 1, or refused", async () => {
  const n = 60;
  const x = Float64Array.from({ length: n }, (_, i) => (i % 5) - 2);
  const trials = Float64Array.from({ length: n }, (_, i) => 5 + (i % 6));
  const k = Float64Array.from({ length: n }, (_, i) => Math.min(trials[i], (i * 7) % 6));
  const table = makeTable({
    k: { kind: "number", values: k },
    n: { kind: "number", values: trials },
    x: { kind: "number", values: x },
  });
  // The formula's trials(n) survives .family() (it was reset, and then refused as missing).
  const fit = await formula("k | trials(n) ~ 1 + x", table).family("binomial")
    .fit({ chains: 1, warmup: 100, draws: 50, seed: 2, progress: false });
  const rows = (trialsValue: number) =>
    makeTable({
      x: { kind: "number", values: Float64Array.of(0, 1) },
      n: { kind: "number", values: Float64Array.of(4, trialsValue) },
    });
  for (const [value, words] of [[NaN, /is missing in row 2/], [-3, /holds -3 in row 2/]] as const) {
    assert.throws(
      () => predict(fit, rows(value)),
      (e) =>
        e instanceof HetfxError && /trials column "n"/.test(e.message) && words.test(e.message),
    );
  }
  assert.throws(() => predict(fit, rows(2.5), { type: "prediction" }), /holds 2.5 in row 2/);
  // A data grid holds the trials at their rounded mean (marginaleffects' FUN_integer), which
  // predicts; the plain mean (7.5 here) would not be a count.
  const grid = datagrid(fit, { x: [0] });
  const gridTrials = (grid.columns.n as { values: Float64Array }).values[0];
  assert.equal(gridTrials, Math.round(trials.reduce((a, b) => a + b) / n));
  assert.equal(predict(fit, grid).length, 1);
  // The link scale is η alone: newdata without the trials column predicts it (it was refused,
  // naming the column as missing), and the response scale's refusal says what to do.
  const noTrials = makeTable({ x: { kind: "number", values: Float64Array.of(0, 1) } });
  const [eta] = predict(fit, noTrials, { scale: "link" });
  const hand = fit.draws("b_Intercept");
  assert.ok(eta.draws.every((v, s) => v === hand[s]));
  assert.throws(
    () => predict(fit, noTrials),
    (e) =>
      e instanceof HetfxError && /newdata has no trials column "n"/.test(e.message) &&
      /scale: "link"/.test(e.message),
  );
});

Deno.test("predict: errors about newdata name the row of the user's data when rows were dropped", async () => {
  // newdata as loadTable(…, { dropMissing: true }) leaves it: its row 2 dropped (takeRows keeps
  // the loaded row numbers). The messages said "row 2" for the loaded data's row 3.
  const fit = await smallFit();
  const num = (v: number[]) => ({ kind: "number" as const, values: Float64Array.from(v) });
  const table = (x: number[], g: number[], treat: number[] = [0, 1, 1, 0, 1]) =>
    takeRows(makeTable({ x: num(x), treat: num(treat), g: num(g) }), [0, 2, 3, 4]);
  assert.throws(
    () => predict(fit, table([0, 0, 0.5, 1, 2], [1, 2, 9, 3, 4])),
    (e: Error) =>
      e instanceof HetfxError && /row 3 of newdata is in group "9" of g/.test(e.message),
  );
  assert.throws(
    () => predict(fit, table([0, 0, NaN, 1, 2], [1, 2, 3, 3, 4])),
    /column "x" of newdata is missing in row 3\./,
  );
  const text = {
    kind: "factor" as const,
    levels: ["0", "1", "a"],
    codes: Int32Array.of(0, 1, 2, 0, 1),
  };
  const withText = takeRows(
    makeTable({ x: num([0, 0, 0.5, 1, 2]), treat: text, g: num([1, 2, 3, 3, 4]) }),
    [0, 2, 3, 4],
  );
  assert.throws(() => predict(fit, withText), /column "treat" of newdata has "a" in row 3,/);
  const fitX = await formula("y ~ 1 + factor_x + (1 | g)", factorTable()).fit({
    chains: 1,
    warmup: 50,
    draws: 20,
    seed: 1,
    progress: false,
  });
  const newLevel = takeRows(
    makeTable({
      factor_x: { kind: "factor", levels: ["a", "b", "z"], codes: Int32Array.of(0, 1, 2) },
      g: num([1, 2, 3]),
    }),
    [0, 2],
  );
  assert.throws(() => predict(fitX, newLevel), /has level "z" \(row 3\), which the model/);
});

/** smallTable with a two-level factor column factor_x ("a", "b"). */
function factorTable() {
  const t = smallTable();
  const codes = Int32Array.from({ length: t.nRows }, (_, i) => i % 2);
  return withColumn(t, "factor_x", { kind: "factor", levels: ["a", "b"], codes });
}

Deno.test("predict: a cumulative model's expectation is E[y] = Σ k·P(y = k), not brms's K probabilities", async () => {
  const { ordinalTable } = await import("./_ordinal_fixture.ts");
  const { categoryProbabilityFunction } = await import("../../lib/posterior/predict.ts");
  const fit = await formula("y ~ 1 + treat + (1 | g)", ordinalTable(120, 3), {
    family: "cumulative",
  }).fit({ chains: 1, warmup: 100, draws: 30, seed: 1, progress: false });
  const expected = predict(fit);
  const link = predict(fit, undefined, { scale: "link" });
  for (const i of [0, 1, 57]) {
    const byCategory = [1, 2, 3, 4].map((k) => {
      const p = Float64Array.from(link[i].draws);
      categoryProbabilityFunction(fit, k, k)(i, p);
      return p;
    });
    for (let s = 0; s < 30; s++) {
      const sum = byCategory.reduce((t, p) => t + p[s], 0);
      const mean = byCategory.reduce((t, p, k) => t + (k + 1) * p[s], 0);
      assert.ok(Math.abs(sum - 1) < 1e-12);
      assert.ok(Math.abs(expected[i].draws[s] - mean) < 1e-12, `row ${i} draw ${s}`);
    }
  }
});
