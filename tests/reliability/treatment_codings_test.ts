/**
 * Issue 23, "effects assume a 0/1 numeric treatment": the effect is defined for every coding of
 * the treatment. A two-valued numeric treatment (−1/+1, 1/2) is the contrast high − low; a factor
 * treatment has K − 1 named contrasts against a reference (`.treatment(col, { reference })`,
 * formula option `reference`, `--reference`); a continuous treatment is a per-unit slope. Each
 * reaches summaries, group effects (JSON `contrast`), effect spread, figures, effects(),
 * hypothesis() and the CLI's --effects-by.
 *
 * Recovery tests simulate data with known effects (tests/reliability/_treatment_data.ts, fixed
 * seeds) and accept a posterior mean within 4 posterior sds of the truth: the Monte Carlo error
 * of a mean of 600 draws (≈ sd/√ESS, under 0.1 sd here) is small beside that, so a correct
 * estimate fails with probability well under 10⁻³ per check. Identities (an effect equals
 * slope × (high − low)) are checked to rounding error.
 */
import assert from "node:assert/strict";
import { formula } from "../../lib/spec/formula.ts";
import { hier } from "../../lib/spec/hier.ts";
import "../../lib/fit/mod.ts";
import type { Fit } from "../../lib/fit/mod.ts";
import { formatFitSummary } from "../../lib/posterior/format_summary.ts";
import { effectsToJSON } from "../../lib/posterior/effects.ts";
import { withColumn } from "../../lib/data/table.ts";
import { formatEffects } from "../../cli/fit.ts";
import { assertCliRefused, assertHetfx, runCli, tempCsv } from "./_helpers.ts";
import {
  ARMS,
  armTruth,
  doseTable,
  GROUPS,
  groupShift,
  plusMinusTable,
  tableCsv,
  threeArmTable,
} from "./_treatment_data.ts";

const RUN = { chains: 2, warmup: 300, draws: 300, seed: 7, progress: false } as const;

function within(mean: number, sd: number, truth: number, what: string): void {
  assert.ok(
    Math.abs(mean - truth) < 4 * sd,
    `${what}: posterior mean ${mean.toFixed(3)} (sd ${sd.toFixed(3)}) is not within 4 sd of ` +
      `the truth ${truth.toFixed(3)}`,
  );
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

let plusMinus: Promise<Fit> | undefined;
const plusMinusFit = () =>
  plusMinus ??= formula("y ~ 1 + pm + (1 + pm | g)", plusMinusTable(1.0)).fit(RUN);

let threeArm: Promise<Fit> | undefined;
const threeArmFit = () =>
  threeArm ??= formula("y ~ 1 + arm + (1 + arm | g)", threeArmTable()).treatment("arm", {
    reference: "placebo",
  }).fit(RUN);

Deno.test("treatments: a −1/+1 treatment whose true difference is 1.0 reports an ATE ≈ 1.0", async () => {
  const fit = await plusMinusFit();
  const [ate, ...others] = fit.effects();
  assert.equal(others.length, 0);
  assert.equal(ate.contrast, "1 - -1");
  within(ate.mean, ate.sd, 1.0, "ATE of pm (+1 vs −1)");
  // On the identity link with equal group sizes, the ATE is exactly (+1 − (−1)) × the average
  // slope over rows: 2 × (b_pm + the mean of the groups' r_g[·,pm]).
  const groups = fit.groupEffects().map((e) => fit.draws(`r_g[${e.group},pm]`));
  const hand = fit.draws("b_pm").map((b, s) =>
    2 * (b + groups.reduce((sum, r) => sum + r[s], 0) / groups.length)
  );
  assert.ok(maxAbsDiff(ate.draws, hand) < 1e-9);
});

Deno.test("treatments: a −1/+1 treatment's group effects are 2 × (b + r) and recover the truth", async () => {
  const fit = await plusMinusFit();
  const effects = fit.groupEffects();
  assert.equal(effects.length, GROUPS);
  const b = fit.draws("b_pm");
  fit.groupEffectDraws().forEach((draws, c) => {
    const e = effects[c];
    assert.equal(e.contrast, "1 - -1");
    const r = fit.draws(`r_g[${e.group},pm]`);
    assert.ok(maxAbsDiff(draws, b.map((v, s) => 2 * (v + r[s]))) < 1e-9, e.group);
    const j = Number(e.group.slice(1)) - 1;
    within(e.mean, e.sd, 1.0 + groupShift(j), `effect in ${e.group}`);
  });
  const spread = fit.effectSpread();
  assert.equal(spread.contrast, "1 - -1");
  const json = fit.toJSON() as Record<string, unknown>;
  assert.deepEqual(json.treatment_contrasts, [
    { name: "1 - -1", kind: "two-valued", high: "1", low: "-1" },
  ]);
  assert.match(formatFitSummary(fit), /Effect of pm \(1 vs -1\) across 6 groups/);
});

Deno.test("treatments: a 1/2 treatment is the contrast 2 − 1; a 0/1 one keeps its numbers", async () => {
  const base = plusMinusTable(1.0);
  const pm = base.columns.pm as { kind: "number"; values: Float64Array };
  const shifted = {
    ...base.columns,
    t: { kind: "number" as const, values: pm.values.map((v) => (v + 3) / 2) },
  };
  const table = { ...base, names: [...base.names, "t"], columns: shifted };
  const fit = await formula("y ~ 1 + t + (1 + t | g)", table).fit(RUN);
  const e = fit.groupEffects()[0];
  assert.equal(e.contrast, "2 - 1");
  const hand = fit.draws("b_t").map((v, s) => v + fit.draws(`r_g[${e.group},t]`)[s]);
  assert.ok(maxAbsDiff(fit.groupEffectDraws()[0], hand) < 1e-9);
  within(fit.effects()[0].mean, fit.effects()[0].sd, 1.0, "ATE of t (2 vs 1)");
  // 0/1: the contrast is named "1 - 0" and the effect is the slope itself, as before.
  const binary = {
    ...base,
    names: [...base.names, "t"],
    columns: {
      ...base.columns,
      t: { kind: "number" as const, values: pm.values.map((v) => (v + 1) / 2) },
    },
  };
  const fit01 = await formula("y ~ 1 + t + (1 + t | g)", binary).fit(RUN);
  const e01 = fit01.groupEffects()[0];
  assert.equal(e01.contrast, "1 - 0");
  const hand01 = fit01.draws("b_t").map((v, s) => v + fit01.draws(`r_g[${e01.group},t]`)[s]);
  assert.ok(maxAbsDiff(fit01.groupEffectDraws()[0], hand01) < 1e-9);
  assert.match(formatFitSummary(fit01), /Effect of t across 6 groups/);
});

Deno.test("treatments: a three-arm factor recovers both contrasts against the chosen reference in every group", async () => {
  const fit = await threeArmFit();
  assert.equal(fit.spec.treatmentReference, "placebo");
  const effects = fit.groupEffects();
  assert.equal(effects.length, 2 * GROUPS);
  assert.deepEqual([...new Set(effects.map((e) => e.contrast))], [
    "drugA - placebo",
    "drugB - placebo",
  ]);
  for (const e of effects) {
    const arm = e.contrast!.split(" - ")[0];
    const j = Number(e.group.slice(1)) - 1;
    within(e.mean, e.sd, armTruth(arm, j), `${e.contrast} in ${e.group}`);
  }
  // The coefficients keep R's coding (drugA, the first level, dropped): drugA − placebo is
  // −(b_armplacebo + r_g[·,armplacebo]) and drugB − placebo the difference of the two columns.
  const draws = fit.groupEffectDraws();
  const g1 = effects.findIndex((e) => e.group === "g1" && e.contrast === "drugA - placebo");
  const r = fit.draws("r_g[g1,armplacebo]");
  const hand = fit.draws("b_armplacebo").map((v, s) => -(v + r[s]));
  assert.ok(maxAbsDiff(draws[g1], hand) < 1e-9);
  // Not the sum of the two contrasts (the old, wrong answer).
  const sum = effects.filter((e) => e.group === "g1").reduce((s, e) => s + e.mean, 0);
  assert.ok(Math.abs(effects[g1].mean - sum) > 0.2);
});

Deno.test("treatments: a factor treatment's ATEs, spreads, JSON, hypothesis and comparisons name each contrast", async () => {
  const fit = await threeArmFit();
  const list = fit.effects({ by: ["g"] });
  assert.equal(list.length, 2 * (1 + GROUPS));
  for (const arm of ["drugA", "drugB"]) {
    const ate = list.find((e) =>
      e.contrast === `${arm} - placebo` && Object.keys(e.by).length === 0
    )!;
    const truth = Array.from({ length: GROUPS }, (_, j) =>
      armTruth(arm, j)).reduce((a, b) => a + b) / GROUPS;
    within(ate.mean, ate.sd, truth, `ATE of ${arm} vs placebo`);
  }
  const spreads = fit.effectSpreads();
  assert.deepEqual(spreads.map((s) => s.contrast), ["drugA - placebo", "drugB - placebo"]);
  await assertHetfx(() => fit.effectSpread(), /several contrasts/, /"drugA - placebo"/);
  const json = fit.toJSON() as { group_effects: { contrast: string }[]; effect_spreads: unknown[] };
  assert.equal(json.group_effects.filter((g) => g.contrast === "drugB - placebo").length, GROUPS);
  assert.equal(json.effect_spreads.length, 2);
  const [row] = fit.hypothesis("effect[drugB - placebo,g2] < 0");
  const i = fit.groupEffects().findIndex((e) =>
    e.group === "g2" && e.contrast === "drugB - placebo"
  );
  assert.ok(maxAbsDiff(row.draws, fit.groupEffectDraws()[i]) < 1e-12);
  await assertHetfx(
    () => fit.hypothesis("effect[g2] < 0"),
    /effect\[contrast,group\]/,
    /drugA - placebo/,
  );
  const d = fit.compareGroups("g1", "g5", { contrast: "drugA - placebo" });
  assert.equal(d.contrast, "drugA - placebo");
  await assertHetfx(() => fit.compareGroups("g1", "g5"), /several contrasts/);
  assert.match(formatFitSummary(fit), /Effect of arm \(drugB vs placebo\) across 6 groups/);
});

Deno.test("treatments: a factor with levels 0, 1, 2 names its 1 − 0 contrast in the JSON and the text", async () => {
  // The first contrast's entries went unnamed, as a 0/1 treatment's do, beside "2 - 0" ones.
  const arms = threeArmTable();
  const arm = arms.columns.arm as { kind: "factor"; codes: Int32Array; levels: string[] };
  const table = withColumn(arms, "arm", { ...arm, levels: ["0", "1", "2"] });
  const fit = await formula("y ~ 1 + arm + (1 + arm | g)", table).fit({
    ...RUN,
    warmup: 100,
    draws: 50,
  });
  const json = fit.toJSON() as {
    group_effects: { contrast?: string }[];
    effect_spread: { contrast?: string; min: { contrast?: string } };
  };
  assert.deepEqual(
    json.group_effects.map((g) => g.contrast),
    [...Array(GROUPS).fill("1 - 0"), ...Array(GROUPS).fill("2 - 0")],
  );
  assert.equal(json.effect_spread.contrast, "1 - 0");
  assert.equal(json.effect_spread.min.contrast, "1 - 0");
  const list = fit.effects();
  assert.deepEqual(effectsToJSON(list).map((e) => e.contrast), ["1 - 0", "2 - 0"]);
  assert.match(formatEffects(list, "arm"), /^Effect of arm \(1 - 0; response scale/);
});

Deno.test("treatments: a factor treatment's figures get one panel per contrast", async () => {
  const fit = await threeArmFit();
  const panels = fit.plot.effects({ x: "g" }).toVegaLite();
  assert.ok(Array.isArray(panels.vconcat) && panels.vconcat.length === 2);
  const titles = (panels.vconcat as { title: string }[]).map((p) => p.title);
  assert.deepEqual(titles, [
    "Effect of arm (drugA vs placebo)",
    "Effect of arm (drugB vs placebo)",
  ]);
  const one = fit.plot.effects({ x: "g" }, { contrast: "drugB - placebo" }).toVegaLite();
  assert.equal(one.vconcat, undefined);
  assert.equal((one.data as { values: unknown[] }).values.length, GROUPS);
  const dist = fit.plot.effectDistribution().toVegaLite();
  assert.ok(Array.isArray(dist.vconcat) && dist.vconcat.length === 2);
  assert.match(await fit.plot.effects({ x: "g" }).toSVG(), /drugB vs placebo/);
  await assertHetfx(
    () => fit.plot.effects({ x: "g" }, { contrast: "drugC - placebo" }),
    /drugA - placebo/,
  );
});

Deno.test("treatments: the default reference is R's first level, and a bad reference is refused before sampling", async () => {
  const table = threeArmTable();
  const fit = await formula("y ~ 1 + arm + (1 + arm | g)", table).fit({
    ...RUN,
    draws: 100,
    warmup: 150,
  });
  assert.deepEqual(fit.data.contrasts.map((c) => c.name), [
    `${ARMS[1]} - ${ARMS[0]}`,
    `${ARMS[2]} - ${ARMS[0]}`,
  ]);
  await assertHetfx(
    () => formula("y ~ 1 + arm + (1 + arm | g)", table, { reference: "control" }).toJSON(),
    /reference "control" is not a level of "arm"/,
    /drugA, drugB, placebo/,
  );
  await assertHetfx(
    () =>
      hier(doseTable(0.3)).outcome("y").treatment("dose", { reference: "0" }).groupBy("g").toJSON(),
    /needs a factor or two-valued treatment/,
    /per-unit/,
  );
  await assertHetfx(
    () =>
      hier(table).outcome("y").treatment("arm", { referense: "placebo" } as object).groupBy("g"),
    /referense/,
  );
});

Deno.test("treatments: a continuous treatment is a per-unit slope, labelled so", async () => {
  const fit = await formula("y ~ 1 + dose + (1 + dose | g)", doseTable(0.3)).fit(RUN);
  const e = fit.groupEffects();
  assert.ok(e.every((x) => x.contrast === "per unit of dose"));
  e.forEach((x, c) => {
    const hand = fit.draws("b_dose").map((v, s) => v + fit.draws(`r_g[${x.group},dose]`)[s]);
    assert.ok(maxAbsDiff(fit.groupEffectDraws()[c], hand) < 1e-9);
  });
  const [ate] = fit.effects();
  assert.equal(ate.contrast, "per unit of dose");
  within(ate.mean, ate.sd, 0.3, "slope of dose");
  assert.match(formatFitSummary(fit), /Effect of dose, per unit across 6 groups/);
  const json = fit.toJSON() as { treatment_contrasts: { kind: string }[] };
  assert.equal(json.treatment_contrasts[0].kind, "continuous");
});

Deno.test("treatments: --effects-by with a factor treatment writes the JSON, one entry per contrast and cell", async () => {
  const csv = await tempCsv(tableCsv(threeArmTable()));
  const out = await Deno.makeTempFile({ suffix: ".json" });
  const result = await runCli([
    csv,
    "--formula",
    "y ~ 1 + arm + (1 + arm | g)",
    "--reference",
    "placebo",
    "--effects-by",
    "g",
    ..."--chains 2 --warmup 200 --draws 200 --no-progress".split(" "),
    "--out",
    out,
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Treatment: arm; effects: drugA - placebo, drugB - placebo/);
  assert.match(result.stdout, /Effect of arm \(drugB vs placebo; response scale/);
  const json = JSON.parse(await Deno.readTextFile(out));
  assert.equal(json.effects.length, 2 * (1 + GROUPS));
  assert.deepEqual([...new Set(json.effects.map((e: { contrast: string }) => e.contrast))], [
    "drugA - placebo",
    "drugB - placebo",
  ]);
  assert.equal(json.group_effects.length, 2 * GROUPS);
  assert.ok(json.group_effects.every((g: { contrast?: string }) => typeof g.contrast === "string"));
  await Deno.remove(csv);
  await Deno.remove(out);
});

Deno.test("treatments: --reference mistakes are refused before sampling", async () => {
  const csv = await tempCsv(tableCsv(threeArmTable()));
  const base = [csv, "--formula", "y ~ 1 + arm + (1 + arm | g)", "--no-progress"];
  assertCliRefused(await runCli([...base, "--reference", "control"]), /not a level of "arm"/);
  assertCliRefused(
    await runCli([csv, "--formula", "y ~ 1 + arm + (1 | g)", "--reference", "placebo"]),
    /--reference placebo: the model has no treatment/,
  );
  assertCliRefused(await runCli([...base, "--reference="]), /--reference/);
  await Deno.remove(csv);
});

Deno.test("treatments: compare() refuses a factor or −1/+1 treatment before fitting", async () => {
  const { compare } = await import("../../lib/posterior/compare.ts");
  for (
    const [text, table, pattern] of [
      ["y ~ 1 + arm + (1 + arm | g)", threeArmTable(), /"arm" is a factor/],
      [
        "y ~ 1 + pm + (1 + pm | g)",
        plusMinusTable(1),
        /"pm" = 1 against 0, but it takes the values -1, 1\. Code it 0\/1/,
      ],
    ] as const
  ) {
    const builder = formula(text, table);
    const source = {
      toJSON: () => builder.toJSON(),
      table: builder.table,
      fit: (): Promise<Fit> => {
        throw new Error("compare fitted a model it then refuses");
      },
    };
    await assertHetfx(() => compare(source), pattern);
  }
});

Deno.test("treatments: effectsBy plots a panel per contrast of a factor treatment", async () => {
  const fit = await threeArmFit();
  const spec = fit.plot.effectsBy({ by: ["g"] }).toVegaLite();
  const panels = spec.vconcat as { title: { text: string }; data: { values: unknown[] } }[];
  assert.deepEqual(panels.map((p) => p.title.text), [
    "Effect of arm (drugA vs placebo)",
    "Effect of arm (drugB vs placebo)",
  ]);
  assert.ok(panels.every((p) => p.data.values.length === GROUPS));
});

Deno.test("treatments: effectsBy draws only { contrast }'s panel, as effects and effectDistribution", async () => {
  // docs/treatments.md: the figures draw one panel per contrast, "or only { contrast }'s";
  // effectsBy refused the option (unknown option "contrast").
  const fit = await threeArmFit();
  const one = fit.plot.effectsBy({ by: ["g"] }, { contrast: "drugB - placebo" }).toVegaLite();
  assert.equal(one.vconcat, undefined);
  assert.equal((one.data as { values: unknown[] }).values.length, GROUPS);
  await assertHetfx(
    () => fit.plot.effectsBy({ by: ["g"] }, { contrast: "drugC - placebo" }),
    /drugA - placebo/,
  );
});

Deno.test("treatments: a figure of one contrast names it unless the treatment is 0/1", async () => {
  // A −1/+1 treatment's figures (or a factor's { contrast }) were titled "Treatment effect by
  // group", "Distribution of group treatment effects", … : nothing said "1 - -1" or which arm.
  const title = (spec: Record<string, unknown>) => {
    const t = spec.title as string | { text: string };
    return typeof t === "string" ? t : t.text;
  };
  const pm = await plusMinusFit();
  assert.equal(title(pm.plot.effects({ x: "g" }).toVegaLite()), "Effect of pm (1 vs -1)");
  assert.equal(title(pm.plot.effectDistribution().toVegaLite()), "Effect of pm (1 vs -1)");
  assert.equal(title(pm.plot.effectsBy({ by: ["g"] }).toVegaLite()), "Effect of pm (1 vs -1)");
  assert.equal(title(pm.plot.effects({ x: "g" }, { title: "Mine" }).toVegaLite()), "Mine");
  // Figure 1's λ are per unit of pm, half the 1 - -1 effect the other figures show: it says so.
  assert.deepEqual(pm.plot.coefficients().toVegaLite().title, {
    text: "Predictors of the treatment effect",
    subtitle: "Per unit of pm: the effect (1 vs -1) is 2 × these",
  });
  const arms = await threeArmFit();
  const one = { contrast: "drugB - placebo" };
  assert.equal(
    title(arms.plot.effects({ x: "g" }, one).toVegaLite()),
    "Effect of arm (drugB vs placebo)",
  );
  assert.equal(
    title(arms.plot.effectDistribution(one).toVegaLite()),
    "Effect of arm (drugB vs placebo)",
  );
  assert.equal(
    title(arms.plot.effectsBy({ by: ["g"] }, one).toVegaLite()),
    "Effect of arm (drugB vs placebo)",
  );
  // a factor's λ are its contrasts' own (no "2 ×" note); the subtitle names their reference
  assert.deepEqual(arms.plot.coefficients().toVegaLite().title, {
    text: "Predictors of the treatment effect",
    subtitle: "Each level of arm against drugA (R's coding); the effects are against placebo",
  });
});
