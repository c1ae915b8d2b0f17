/**
 * Effects on the Tomz & Weeks data, checked against the same quantities computed by hand from the
 * posterior draws (b_alliance, b_alliance:<modifier>, r_<group>[<label>,alliance]) in the test.
 * The model is linear in the treatment, so each row's effect is exact arithmetic on the draws:
 * tolerance 1e-10 (floating-point summation order only).
 */
import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import assert from "node:assert/strict";
import { HetfxError } from "../../lib/errors.ts";
import { makeTable, withColumn } from "../../lib/data/table.ts";
import { datagrid, effectContrasts, effects, effectsToJSON } from "../../lib/posterior/effects.ts";
import { formula } from "../../lib/spec/formula.ts";
import { poststratify } from "../../lib/posterior/poststratify.ts";
import type { Fit } from "../../lib/fit/mod.ts";
import { smallFit, smallTable, tomzFit } from "./_fixtures.ts";

const MODS = ["white", "male", "intl", "hawk"];
const GROUP = "white:male:intl:hawk";

/** Per-draw effect of row i, by hand from the named draws. */
function rowEffectByHand(fit: Fit, i: number, s: number): number {
  const t = fit.table!;
  const v = (c: string) => (t.columns[c] as { values: Float64Array }).values[i];
  let e = fit.draws("b_alliance")[s];
  for (const m of MODS) e += fit.draws(`b_alliance:${m}`)[s] * v(m);
  const label = MODS.map((m) => String(v(m))).join("_");
  return e + fit.draws(`r_${GROUP}[${label},alliance]`)[s];
}

function averageByHand(fit: Fit, rows: number[], weights?: Float64Array): Float64Array {
  const S = fit.draws("b_alliance").length;
  const out = new Float64Array(S);
  let total = 0;
  for (const i of rows) total += weights ? weights[i] : 1;
  for (const i of rows) {
    const w = weights ? weights[i] : 1;
    for (let s = 0; s < S; s++) out[s] += (w * rowEffectByHand(fit, i, s)) / total;
  }
  return out;
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let s = 0; s < a.length; s++) m = Math.max(m, Math.abs(a[s] - b[s]));
  return m;
}

Deno.test("effects: ATE and CATE by gender and by race equal hand-computed draws", async () => {
  const fit = await tomzFit();
  const n = fit.table!.nRows;
  const all = Array.from({ length: n }, (_, i) => i);
  const [ate] = effects(fit);
  assert.equal(ate.n, 1200);
  assert.deepEqual(ate.by, {});
  assert.ok(maxAbsDiff(ate.draws, averageByHand(fit, all)) < 1e-10);
  // The ATE of alliance on support is clearly positive (paper: effects 0.05–0.53 by group).
  assert.ok(ate.mean > 0.25 && ate.mean < 0.45, `ATE ${ate.mean}`);

  for (const by of ["male", "white"]) {
    const list = effects(fit, { by: [by] });
    assert.equal(list.length, 3);
    assert.ok(maxAbsDiff(list[0].draws, ate.draws) < 1e-12, "ATE first");
    const col = (fit.table!.columns[by] as { values: Float64Array }).values;
    for (const e of list.slice(1)) {
      const rows = all.filter((i) => String(col[i]) === e.by[by]);
      assert.equal(e.n, rows.length);
      assert.ok(maxAbsDiff(e.draws, averageByHand(fit, rows)) < 1e-10, `${by}=${e.by[by]}`);
    }
    assert.deepEqual(list.slice(1).map((e) => e.by[by]), ["0", "1"]);
  }
  // Whites' effect exceeds non-whites' (b_alliance:white ≈ 0.13 in the paper).
  const race = effects(fit, { by: ["white"] });
  assert.ok(race[2].mean - race[1].mean > 0.05);
});

Deno.test("effects: by all four modifiers reproduces groupEffects draw for draw", async () => {
  const fit = await tomzFit();
  const list = effects(fit, { by: MODS });
  const groups = fit.groupEffects();
  const draws = fit.groupEffectDraws();
  assert.equal(list.length, 1 + groups.length);
  groups.forEach((g, c) => {
    const e = list.find((x) => MODS.every((m) => x.by[m] === g.levels[m]))!;
    assert.equal(e.n, g.n);
    assert.ok(maxAbsDiff(e.draws, draws[c]) < 1e-10);
  });
});

Deno.test("effects: Figure 2 extremes from hand-computed group draws", async () => {
  const fit = await tomzFit();
  const t = fit.table!;
  const labels = Array.from(
    { length: t.nRows },
    (_, i) =>
      MODS.map((m) => String((t.columns[m] as { values: Float64Array }).values[i])).join("_"),
  );
  const means = new Map<string, number>();
  for (const label of new Set(labels)) {
    const rows = labels.flatMap((l, i) => (l === label ? [i] : []));
    const d = averageByHand(fit, rows);
    means.set(label, d.reduce((a, b) => a + b, 0) / d.length);
  }
  const sorted = [...means].sort((a, b) => a[1] - b[1]);
  const [minLabel, min] = sorted[0];
  const [maxLabel, max] = sorted[sorted.length - 1];
  // Paper (CODEBOOK.md): min ≈ 0.05 in non-white women (white 0, male 0), max ≈ 0.53 in white
  // men (white 1, male 1). Tolerance 0.05: 600 draws of a group effect with posterior sd ≈ 0.1
  // give MCSE ≈ 0.005; the rest covers the paper's rounding and its own Monte Carlo error in
  // which group comes out extreme.
  assert.equal(minLabel.slice(0, 3), "0_0", `min group ${minLabel}`);
  assert.equal(maxLabel.slice(0, 3), "1_1", `max group ${maxLabel}`);
  assert.ok(Math.abs(min - 0.05) < 0.05, `min ${min}`);
  assert.ok(Math.abs(max - 0.53) < 0.05, `max ${max}`);
  const spread = fit.effectSpread();
  assert.equal(spread.min.group, minLabel);
  assert.equal(spread.max.group, maxLabel);
});

Deno.test("effects: survey weights give the weighted average", async () => {
  const fit = await tomzFit();
  const w = (fit.table!.columns.weight as { values: Float64Array }).values;
  const all = Array.from({ length: fit.table!.nRows }, (_, i) => i);
  const [ate] = effects(fit, { weights: "weight" });
  assert.ok(maxAbsDiff(ate.draws, averageByHand(fit, all, w)) < 1e-10);
  assert.ok(Math.abs(ate.weight - w.reduce((a, b) => a + b, 0)) < 1e-9);
  const bad = withColumn(fit.table!, "weight", {
    kind: "number",
    values: w.map((v, i) => (i === 3 ? -1 : v)),
  });
  assert.throws(
    () => effects(fit, { newdata: bad, weights: "weight" }),
    (e: Error) => e instanceof HetfxError && /"weight".*row 4/.test(e.message),
  );
});

Deno.test("effects: survey weights that are 0 in a whole cell are refused naming the column and cell", async () => {
  const fit = await smallFit();
  const table = smallTable();
  const g = (table.columns.g as { values: Float64Array }).values;
  // w is 1, 2, 3, … but 0 in every row of group 4; and 0 everywhere.
  const zeroIn4 = withColumn(table, "sw", {
    kind: "number",
    values: g.map((v, i) => (v === 4 ? 0 : 1 + (i % 3))),
  });
  // The ATE and the other cells are unaffected by a zero weight: weighted averages as usual.
  const [ate] = effects(fit, { newdata: zeroIn4, weights: "sw" });
  assert.equal(ate.n, 240);
  const refused = (newdata: typeof table, by: string[], words: RegExp) =>
    assert.throws(
      () => effects(fit, { newdata, by, weights: "sw" }),
      (e: Error) => e instanceof HetfxError && words.test(e.message),
      words.source,
    );
  // Before: 'the weights of cell {"g":"4"} sum to 0; weights must be non-negative with a
  // positive total', naming neither the column nor what to do.
  refused(
    zeroIn4,
    ["g"],
    /^Cannot compute effects: weights column "sw" is 0 in all 60 rows of the cell g = 4, whose average it cannot weigh; give those rows positive weights, drop them, or leave "g" out of by\.$/,
  );
  const allZero = withColumn(table, "sw", { kind: "number", values: new Float64Array(240) });
  refused(
    allZero,
    [],
    /^Cannot compute effects: weights column "sw" is 0 in all 240 rows; give the rows positive weights\.$/,
  );
});

Deno.test("effects: datagrid holds other columns at typical values", async () => {
  const fit = await tomzFit();
  const grid = datagrid(fit, { male: [0, 1], white: [0, 1] });
  assert.equal(grid.nRows, 4);
  const col = (name: string) => (grid.columns[name] as { values: Float64Array }).values;
  assert.deepEqual([...col("male")], [0, 0, 1, 1]);
  assert.deepEqual([...col("white")], [0, 1, 0, 1]);
  // regime: a 0/1 column, at its most frequent value (marginaleffects' "mean_or_mode"), not
  // its mean, which no country has.
  const regime = (fit.table!.columns.regime as { values: Float64Array }).values;
  const ones = regime.filter((v) => v === 1).length;
  const modeRegime = ones > regime.length - ones ? 1 : 0;
  assert.ok(ones !== regime.length - ones);
  assert.ok(col("regime").every((v) => v === modeRegime));
  // intl and hawk are grouping columns: their most frequent value.
  const intl = (fit.table!.columns.intl as { values: Float64Array }).values;
  const counts = new Map<number, number>();
  for (const v of intl) counts.set(v, (counts.get(v) ?? 0) + 1);
  const mode = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
  assert.ok(col("intl").every((v) => v === mode));
  assert.equal(grid.columns.region.kind, "factor");
  const e = effects(fit, { newdata: grid, by: ["male", "white"], allowNewLevels: true });
  assert.equal(e.length, 5);
  assert.deepEqual(Object.keys(effectsToJSON(e)[1]).includes("draws"), false);
});

Deno.test("datagrid: values that are not lists of numbers or levels are refused", async () => {
  // { x: 0.5 } made a grid of no rows, and "" or null the value 0, silently; null threw a
  // TypeError.
  const fit = await smallFit();
  const refused = (values: unknown, words: RegExp) =>
    assert.throws(
      () => datagrid(fit, values as Record<string, number[]>),
      (e) =>
        e instanceof HetfxError && /^Cannot build a data grid: /.test(e.message) &&
        words.test(e.message),
    );
  refused({ x: 0.5 }, /the values of "x" must be a list, e\.g\. \{ x: \[0\.5\] \}, got 0\.5/);
  refused({ x: [1, ""] }, /"x" has the value ""; give numbers or level names/);
  refused({ x: [null] }, /"x" has the value null/);
  refused({ x: [NaN] }, /"x" has the value NaN/);
  refused(null, /give the values as an object of lists, e\.g\. \{ male: \[0, 1\] \}, got null/);
  assert.equal(datagrid(fit, { x: [0.5, 1], g: ["1"] }).nRows, 2);
});

Deno.test("datagrid: a new level of a factor grouping column is a new group, as a new number", async () => {
  // datagrid refused { g: ["z"] } ('"z" is not a level of "g"') though a numeric grouping column
  // took a new value and effects/predict take new groups under allowNewLevels.
  const t = smallTable();
  const g = (t.columns.g as { values: Float64Array }).values;
  const h = Int32Array.from(g, (_, i) => i % 2);
  const table = withColumn(
    withColumn(t, "g", {
      kind: "factor",
      codes: Int32Array.from(g, (v) => v - 1),
      levels: ["a", "b", "c", "d"],
    }),
    "h",
    { kind: "factor", codes: h, levels: ["lo", "hi"] },
  );
  // g only defines groups; h is a predictor and defines groups too.
  const fit = await formula("y ~ 1 + h + treat + (1 + treat | g) + (1 | h)", table)
    .fit({ chains: 1, warmup: 60, draws: 20, seed: 1, progress: false });
  const grid = datagrid(fit, { g: ["z", "a"] });
  assert.equal(grid.nRows, 2);
  const [ate, a, z] = effects(fit, { newdata: grid, by: ["g"], allowNewLevels: true });
  assert.equal(ate.n, 2);
  assert.deepEqual([a.by, z.by], [{ g: "a" }, { g: "z" }]);
  // "a" keeps its fitted effects; "z" is drawn from the group distribution.
  const [fitted] = effects(fit, { newdata: datagrid(fit, { g: ["a"] }) });
  assert.deepEqual(a.draws, fitted.draws);
  assert.notDeepEqual(z.draws, a.draws);
  // Without allowNewLevels, effects refuses the new group and says what to pass.
  assert.throws(
    () => effects(fit, { newdata: grid }),
    (e) =>
      e instanceof HetfxError && /"g" of newdata has level "z"/.test(e.message) &&
      /pass allowNewLevels: true/.test(e.message),
  );
  // A new level of a predictor is refused: no option predicts it.
  assert.throws(
    () => datagrid(fit, { h: ["mid"] }),
    (e) =>
      e instanceof HetfxError &&
      e.message ===
        'Cannot build a data grid: "mid" is not a level of "h" (levels: lo, hi); "h" is also a ' +
          "predictor, so the model cannot predict a new level of it, not even with allowNewLevels.",
  );
});

Deno.test("datagrid: a continuous column at its mean, a 0/1 column at its most frequent value", async () => {
  const fit = await smallFit();
  const x = (fit.table!.columns.x as { values: Float64Array }).values;
  const grid = datagrid(fit, { treat: [0, 1] });
  const at = (name: string) => (grid.columns[name] as { values: Float64Array }).values[0];
  assert.ok(Math.abs(at("x") - x.reduce((a, b) => a + b, 0) / x.length) < 1e-12);
  assert.ok(x.some((v) => v !== 0 && v !== 1));
  // The same column as 0/1: no longer its mean (1/3 here) but its mode, 0.
  const binary = withColumn(fit.table!, "x", {
    kind: "number",
    values: x.map((_, i) => (i % 3 === 0 ? 1 : 0)),
  });
  const refit = await formula("y ~ 1 + x + treat + (1 + treat | g)", binary)
    .fit({ chains: 1, warmup: 20, draws: 10, seed: 1, progress: false });
  const binaryGrid = datagrid(refit, { treat: [0, 1] });
  assert.deepEqual([...(binaryGrid.columns.x as { values: Float64Array }).values], [0, 0]);
});

Deno.test("effects: errors name the column or level", async () => {
  const fit = await tomzFit();
  assert.throws(
    () => effects(fit, { by: ["mal"] }),
    (e: Error) => e instanceof HetfxError && /"mal".*did you mean "male"/.test(e.message),
  );
  const one = makeTable({
    regime: { kind: "number", values: Float64Array.of(1) },
    stakes: { kind: "number", values: Float64Array.of(1) },
    costs: { kind: "number", values: Float64Array.of(1) },
    region: { kind: "factor", codes: Int32Array.of(0), levels: ["Africa"] },
    alliance: { kind: "number", values: Float64Array.of(0) },
    white: { kind: "number", values: Float64Array.of(9) },
    male: { kind: "number", values: Float64Array.of(1) },
    intl: { kind: "number", values: Float64Array.of(1) },
    hawk: { kind: "number", values: Float64Array.of(1) },
  });
  assert.throws(
    () => effects(fit, { newdata: one }),
    (e: Error) => e instanceof HetfxError && /group "9_1_1_1".*allowNewLevels/.test(e.message),
  );
});

Deno.test("effects: link and response scales agree for a Gaussian model", async () => {
  const fit = await smallFit();
  const [r] = effects(fit);
  const [l] = effects(fit, { scale: "link" });
  assert.ok(maxAbsDiff(r.draws, l.draws) < 1e-12);
  assert.equal(l.scale, "link");
  // by g: b_treat + r_g[label,treat].
  const byG = effects(fit, { by: ["g"] });
  for (const e of byG.slice(1)) {
    const hand = fit.draws("b_treat").map((b, s) => b + fit.draws(`r_g[${e.by.g},treat]`)[s]);
    assert.ok(maxAbsDiff(e.draws, hand) < 1e-12);
  }
});

Deno.test("effects: by cells come in the column's order with a missing value (NA) last", async () => {
  const fit = await smallFit();
  const table = smallTable();
  const n = table.nRows;
  // A numeric modifier read 2, NA, 0, 1, 3, … and a factor with a missing code: with NaN in the
  // sort the cells came out 2, NA, 0, 1, 3 (row order), not ascending.
  const numeric = Float64Array.from({ length: n }, (_, i) => [2, NaN, 0, 1, 3][i % 5]);
  const codes = Int32Array.from({ length: n }, (_, i) => [1, -1, 0][i % 3]);
  const newdata = withColumn(
    withColumn(table, "v", { kind: "number", values: numeric }),
    "f",
    { kind: "factor", codes, levels: ["lo", "hi"] },
  );
  const byV = effects(fit, { newdata, by: ["v"] });
  assert.deepEqual(byV.map((e) => e.by.v), [undefined, "0", "1", "2", "3", "NA"]);
  assert.deepEqual(byV.map((e) => e.n), [n, 48, 48, 48, 48, 48]);
  // The NA cell is the average of its own rows: b_treat + r_g[g,treat] over rows 1, 6, 11, …
  // (g = i % 4 + 1 cycles through all four groups equally often in them).
  const hand = fit.draws("b_treat").map((b, s) =>
    b + [1, 2, 3, 4].reduce((a, g) => a + fit.draws(`r_g[${g},treat]`)[s], 0) / 4
  );
  assert.ok(maxAbsDiff(byV[5].draws, hand) < 1e-12);
  const byF = effects(fit, { newdata, by: ["f"] });
  assert.deepEqual(byF.map((e) => e.by.f), [undefined, "lo", "hi", "NA"]);
  const byBoth = effects(fit, { newdata, by: ["f", "v"] }).slice(1).map((e) =>
    `${e.by.f} ${e.by.v}`
  );
  assert.deepEqual(byBoth.slice(0, 5), ["lo 0", "lo 1", "lo 2", "lo 3", "lo NA"]);
  assert.equal(byBoth[byBoth.length - 1], "NA NA");
});

Deno.test("effects: a numeric treatment gets a finite-difference slope (exact on a linear model)", async () => {
  const fit = await formula("y ~ 1 + treat + x + (1 + x | g)", smallTable()).fit({
    chains: 1,
    warmup: 100,
    draws: 50,
    seed: 2,
    progress: false,
  });
  assert.equal(fit.spec.treatment, "x");
  assert.equal(effectContrasts(fit)[0].kind, "slope");
  const byG = effects(fit, { by: ["g"] });
  for (const e of byG.slice(1)) {
    const hand = fit.draws("b_x").map((b, s) => b + fit.draws(`r_g[${e.by.g},x]`)[s]);
    // Finite difference of a linear function: exact up to rounding of (a − b) / h, h ≈ 6e-4.
    assert.ok(maxAbsDiff(e.draws, hand) < 1e-8);
  }
});

Deno.test("effects: newdata must be a table; a numeric treatment read as text is converted", async () => {
  const small = await smallFit();
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => effects(small, { newdata: [{ x: 0, treat: 1, g: 1 }] as any }),
    (e) => e instanceof HetfxError && /newdata\): expected a table, got an array/.test(e.message),
  );
  // A per-unit slope reads the treatment's values: written as text in newdata ("2", "5"), they
  // are converted as predict converts them; text that is not a number is refused naming its row.
  const table = smallTable();
  const dose = Float64Array.from({ length: table.nRows }, (_, i) => [0, 1, 2, 5][i % 4]);
  const fit = await formula(
    "y ~ 1 + dose + (1 + dose | g)",
    withColumn(table, "dose", {
      kind: "number",
      values: dose,
    }),
  ).fit({ chains: 1, warmup: 100, draws: 50, seed: 4, progress: false });
  const rows = (levels: string[]) =>
    makeTable({
      dose: { kind: "factor", codes: Int32Array.of(0, 1), levels },
      g: { kind: "number", values: Float64Array.of(1, 2) },
    });
  const numeric = makeTable({
    dose: { kind: "number", values: Float64Array.of(2, 5) },
    g: { kind: "number", values: Float64Array.of(1, 2) },
  });
  const [fromNumbers] = effects(fit, { newdata: numeric });
  const [fromText] = effects(fit, { newdata: rows(["2", "5"]) });
  assert.equal(fromText.contrast, "per unit of dose");
  assert.deepEqual(fromText.draws, fromNumbers.draws);
  assert.throws(
    () => effects(fit, { newdata: rows(["2", "five"]) }),
    (e) => e instanceof HetfxError && /"dose" of newdata has "five" in row 2/.test(e.message),
  );
  // The row named is the user's row, not one of a table built from it: poststratify's
  // missingGroups "average" splits each population row over the sample's 4 groups of g, and
  // population row 2's "five" (rows 5–8 of that table) was reported as row 5.
  const population = makeTable({
    dose: { kind: "factor", codes: Int32Array.of(0, 1, 0), levels: ["2", "five"] },
    n: { kind: "number", values: Float64Array.of(1, 2, 3) },
  });
  assert.throws(
    () => poststratify(fit, population, { weight: "n", missingGroups: "average" }),
    (e) =>
      e instanceof HetfxError &&
      /^Cannot poststratify: column "dose" of the population table has "five" in row 2, but the model's column is numeric/
        .test(e.message),
  );
});

Deno.test("effects: a binomial model's link-scale effects need no trials column in newdata", async () => {
  const n = 80;
  const t = Float64Array.from({ length: n }, (_, i) => i % 2);
  const trials = Float64Array.from({ length: n }, (_, i) => 4 + (i % 3));
  const k = Float64Array.from({ length: n }, (_, i) => Math.min(trials[i], (i * 7) % 5));
  const g = Float64Array.from({ length: n }, (_, i) => Math.floor(i / 4) % 4);
  const num = (values: Float64Array) => ({ kind: "number" as const, values });
  const fit = await formula(
    "k | trials(n) ~ 1 + t + (1 + t | g)",
    makeTable({ k: num(k), n: num(trials), t: num(t), g: num(g) }),
    { family: "binomial" },
  ).fit({ chains: 1, warmup: 100, draws: 50, seed: 2, progress: false });
  const newdata = makeTable({ t: num(Float64Array.of(0, 1)), g: num(Float64Array.of(1, 1)) });
  // On the link scale each row's effect is b_t + r_g[1,t] (it was refused: "nt" not found).
  const [ate] = effects(fit, { newdata, scale: "link" });
  const hand = fit.draws("b_t").map((b, s) => b + fit.draws("r_g[1,t]")[s]);
  assert.ok(maxAbsDiff(ate.draws, hand) < 1e-12);
  assert.throws(() => effects(fit, { newdata }), /newdata has no trials column "n"/);
  // No rows: said so (it was "the weights of cell {} sum to 0", with no weights given).
  const empty = makeTable({ t: num(new Float64Array(0)), g: num(new Float64Array(0)) });
  assert.throws(
    () => effects(fit, { newdata: empty, scale: "link" }),
    /^HetfxError: Cannot compute effects: newdata has no rows; give the rows to average over\.$/,
  );
});

Deno.test("effectsToJSON: a 0/1 treatment's entries have no contrast field, other codings keep it", () => {
  // docs/treatments.md: a 0/1 treatment's JSON has no `contrast` fields (as group_effects and
  // effect_spread); the CLI's --effects-by entries carried contrast "1 - 0".
  const entry = (contrast: string) => ({
    contrast,
    by: {},
    scale: "response" as const,
    n: 2,
    weight: 2,
    mean: 0.5,
    sd: 0.1,
    "q2.5": 0.3,
    q50: 0.5,
    "q97.5": 0.7,
    draws: Float64Array.of(0.4, 0.6),
  });
  const [binary] = effectsToJSON([entry("1 - 0")]);
  assert.equal("contrast" in binary, false);
  assert.equal("draws" in binary, false);
  assert.equal(binary.mean, 0.5);
  const [factor] = effectsToJSON([entry("drugA - placebo")]);
  assert.equal(factor.contrast, "drugA - placebo");
});
