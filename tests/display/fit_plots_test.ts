/**
 * fit.plot.effectsBy / comparison / shrinkage / pairs / ppCheck on the paper's fit: each is the
 * spec function applied to the fit's own results, and each renders to a non-trivial SVG and PNG
 * (written to /tmp/hetfx_display2 for a person to look at).
 */
import assert from "node:assert/strict";
import { divergentFlags } from "../../lib/display/fit_plots.ts";
import { compareFit } from "../../lib/posterior/compare.ts";
import { effectsByModifierSpec } from "../../lib/display/figure_effects_by_modifier.ts";
import { comparisonSpec } from "../../lib/display/figure_comparison.ts";
import { shrinkageSpec } from "../../lib/display/figure_shrinkage.ts";
import { HetfxError } from "../../lib/errors.ts";
import { PNG_SIGNATURE, pngSize } from "../display/_helpers.ts";
import { tomzFit } from "../posterior/_fixtures.ts";
import { formula } from "../../lib/spec/formula.ts";
import "../../lib/fit/mod.ts";
import { plusMinusTable, threeArmTable } from "../reliability/_treatment_data.ts";

const OUT_DIR = "/tmp/hetfx_display2";
const SD = "sd_white:male:intl:hawk__alliance";

Deno.test("divergentFlags: chain-major, one flag per draw of fit.draws", async () => {
  const fit = await tomzFit();
  const flags = divergentFlags(fit);
  assert.equal(flags.length, fit.draws("b_alliance").length);
  const n = fit.chains[0].divergent.length;
  assert.deepEqual([...flags.subarray(n, 2 * n)], [...fit.chains[1].divergent]);
});

Deno.test("fit.plot: effectsBy, comparison, shrinkage, pairs, ppCheck specs from the fit", async () => {
  const fit = await tomzFit();
  const by = fit.plot.effectsBy({ by: ["male"] }).toVegaLite();
  assert.deepEqual(by, effectsByModifierSpec(fit.effects({ by: ["male"] })));
  const c = await compareFit(fit);
  assert.deepEqual((await fit.plot.comparison()).toVegaLite(), comparisonSpec(c));
  assert.deepEqual((await fit.plot.shrinkage()).toVegaLite(), shrinkageSpec(c));
  const pairs = fit.plot.pairs(SD, "b_alliance").toVegaLite();
  const values = (pairs.data as { values: { draw: number; x: number; y: number }[] }).values;
  assert.equal(values.length, Math.min(4000, fit.draws(SD).length));
  for (const v of values.slice(0, 5)) {
    assert.equal(v.x, fit.draws(SD)[v.draw - 1]);
    assert.equal(v.y, fit.draws("b_alliance")[v.draw - 1]);
  }
  assert.throws(() => fit.plot.pairs("b_nope", "b_alliance"), HetfxError);
  const pp = fit.plot.ppCheck({ draws: 10 }).toVegaLite();
  const series = new Set((pp.data as { values: { series: string }[] }).values.map((v) => v.series));
  assert.deepEqual([...series], ["y_rep (10 replicated data sets)", "y (observed)"]);
});

Deno.test("fit.plot: the new charts render to SVG and PNG", async () => {
  const fit = await tomzFit();
  await Deno.mkdir(OUT_DIR, { recursive: true });
  const charts = {
    effects_by_male: fit.plot.effectsBy({ by: ["male"] }),
    comparison: await fit.plot.comparison(),
    shrinkage: await fit.plot.shrinkage(),
    pairs: fit.plot.pairs(SD, "b_alliance"),
    pp_check: fit.plot.ppCheck({ draws: 50 }),
  };
  for (const [name, chart] of Object.entries(charts)) {
    const svg = await chart.toSVG();
    assert.ok(svg.startsWith("<svg") && svg.length > 5000, `${name}: ${svg.length} chars`);
    const png = await chart.toPNG();
    assert.deepEqual([...png.subarray(0, 8)], PNG_SIGNATURE);
    const { width, height } = pngSize(png);
    assert.ok(width > 400 && height > 300, `${name}: ${width}×${height}`);
    await Deno.writeFile(`${OUT_DIR}/fit_plot_${name}.png`, png);
  }
});

Deno.test("fit.plot.effects, effectDistribution, coefficients and effectsBy name the scale their numbers are on", async () => {
  const { smallTable } = await import("../posterior/_fixtures.ts");
  const { formula } = await import("../../lib/spec/formula.ts");
  const { withColumn } = await import("../../lib/data/table.ts");
  await import("../../lib/fit/mod.ts");
  const t = smallTable();
  const y = t.columns.y as { values: Float64Array };
  const binary = withColumn(t, "y", { kind: "number", values: y.values.map((v) => +(v > 1.5)) });
  const fit = await formula("y ~ 1 + treat + (1 + treat | g)", binary, { family: "bernoulli" })
    .fit({ chains: 2, warmup: 150, draws: 150, seed: 1, progress: false });
  // The group effects are log-odds ratios; effectsBy's averages are probability differences.
  const fig3 = fit.plot.effects({ x: "g" }).toVegaLite();
  const layers = fig3.layer as { mark: { type: string }; encoding: { y: { title?: unknown } } }[];
  const point = layers.find((l) => l.mark.type === "point")!;
  // on two lines, so that the title is not taller than the plot
  assert.deepEqual(point.encoding.y.title, ["Treatment effect", "(on the log-odds scale)"]);
  // Panels (110 px) are too short for it even so: the subtitle names it, with columns or rows.
  const { groupEffectsSpec } = await import("../../lib/display/figure_group_effects.ts");
  const two = ["0", "1"].flatMap((a) =>
    ["u", "v"].map((b) => ({
      ...fit.groupEffects()[0],
      group: `${a}_${b}`,
      levels: { a, b },
    }))
  );
  const rows = groupEffectsSpec(two, { x: "a", row: "b" }, { scale: "on the log-odds scale" });
  const inner = (rows.spec as { layer: typeof layers }).layer.find((l) => l.mark.type === "point")!;
  assert.equal(inner.encoding.y.title, "Treatment effect");
  assert.deepEqual(rows.title, {
    text: "Treatment effect by group",
    subtitle: "Effects on the log-odds scale",
  });
  const cols = groupEffectsSpec(two, { x: "a", col: "b" }, { scale: "on the log-odds scale" });
  const colPoint = (cols.spec as { layer: typeof layers }).layer.find((l) =>
    l.mark.type === "point"
  )!;
  assert.equal(colPoint.encoding.y.title, "Treatment effect");
  assert.deepEqual(cols.title, rows.title);

  const fig2 = fit.plot.effectDistribution().toVegaLite();
  const hist = (fig2.layer as { encoding: { x: { title?: string } } }[])[0];
  assert.equal(hist.encoding.x.title, "Treatment effect (on the log-odds scale)");
  // Figure 1's λ are log-odds coefficients too.
  const fig1 = fit.plot.coefficients().toVegaLite();
  assert.equal(
    (fig1.layer as { encoding: { x: { title?: string } } }[])[0].encoding.x.title,
    "Coefficient (on the log-odds scale; posterior median, 95% interval)",
  );
  // effectsBy's averages are probability differences on the response scale, log-odds on the link.
  const yTitleOf = (chart: { toVegaLite(): Record<string, unknown> }) =>
    (chart.toVegaLite().layer as { mark: { type: string }; encoding: { y: { title?: unknown } } }[])
      .find((l) => l.mark.type === "point")!.encoding.y.title;
  assert.deepEqual(yTitleOf(fit.plot.effectsBy({ by: ["g"] })), [
    "Average treatment effect",
    "(difference in E[y])",
  ]);
  assert.deepEqual(yTitleOf(fit.plot.effectsBy({ by: ["g"], scale: "link" })), [
    "Average treatment effect",
    "(on the log-odds scale)",
  ]);
  // A Gaussian fit's axes are as before.
  const gaussian = await tomzFit();
  assert.equal(yTitleOf(gaussian.plot.effectsBy({ by: ["male"] })), "Average treatment effect");
  assert.equal(
    (gaussian.plot.coefficients().toVegaLite().layer as { encoding: { x: { title?: string } } }[])[
      0
    ]
      .encoding.x.title,
    "Coefficient (posterior median, 95% interval)",
  );
  const plain = gaussian.plot.effectDistribution().toVegaLite();
  assert.equal(
    (plain.layer as { encoding: { x: { title?: string } } }[])[0].encoding.x.title,
    "Treatment effect",
  );
});

Deno.test("fit.plot.effects, effectsBy and compare follow the declared order of a factor's levels", async () => {
  const { smallTable } = await import("../posterior/_fixtures.ts");
  const { formula } = await import("../../lib/spec/formula.ts");
  const { withColumn } = await import("../../lib/data/table.ts");
  await import("../../lib/fit/mod.ts");
  const t = smallTable();
  const g = (t.columns.g as { values: Float64Array }).values;
  // Declared levels "low", "medium", "high" (not their text order) and "m" before "f".
  const dose = {
    kind: "factor" as const,
    levels: ["low", "medium", "high"],
    codes: new Int32Array(g.length),
  };
  const sex = { kind: "factor" as const, levels: ["m", "f"], codes: new Int32Array(g.length) };
  g.forEach((v, i) => {
    dose.codes[i] = [2, 0, 1, 0][v - 1];
    sex.codes[i] = i % 8 < 4 ? 0 : 1;
  });
  const table = withColumn(withColumn(t, "dose", dose), "sex", sex);
  const fit = await formula("y ~ 1 + treat + (1 + treat | dose:sex)", table)
    .fit({ chains: 2, warmup: 150, draws: 150, seed: 1, progress: false });
  const declared = ["low_m", "low_f", "medium_m", "medium_f", "high_m", "high_f"];
  assert.deepEqual(fit.groupEffects().map((e) => e.group), declared);
  assert.deepEqual((await compareFit(fit)).rows.map((r) => r.group), declared);
  type Layer = { mark: { type: string }; encoding: Record<string, { sort?: string[] }> };
  const fig3 = fit.plot.effects({ x: "dose", color: "sex" }).toVegaLite();
  const point = (fig3.layer as Layer[]).find((l) => l.mark.type === "point")!;
  assert.deepEqual(point.encoding.x.sort, ["low", "medium", "high"]);
  assert.deepEqual(point.encoding.color.sort, ["m", "f"]);
  // The remaining modifier offsets groups within an x band in its declared order too.
  const offset = (fit.plot.effects({ x: "dose" }).toVegaLite().layer as Layer[])
    .find((l) => l.mark.type === "point")!.encoding.xOffset;
  assert.deepEqual(offset.sort, ["sex=m", "sex=f"]);
  const byDose = fit.plot.effectsBy({ by: ["dose"] }).toVegaLite();
  const byPoint = (byDose.layer as Layer[]).find((l) => l.encoding.x?.sort !== undefined)!;
  assert.deepEqual(byPoint.encoding.x.sort, ["low", "medium", "high"]);
  // A figure's own `levels` option sets another order.
  const mine = fit.plot.effectsBy({ by: ["dose"] }, { levels: { dose: ["high", "medium", "low"] } })
    .toVegaLite();
  const minePoint = (mine.layer as Layer[]).find((l) => l.encoding.x?.sort !== undefined)!;
  assert.deepEqual(minePoint.encoding.x.sort, ["high", "medium", "low"]);
});

Deno.test("fit.plot titles read a −1/+1 treatment's contrast as the summary does: pm (1 vs -1)", async () => {
  // They read "Effect of pm: 1 - -1" and "Per unit of pm: the effect 1 - -1 is 2 × these".
  const fit = await formula("y ~ 1 + pm + (1 + pm | g)", plusMinusTable(1.0)).fit({
    chains: 1,
    warmup: 100,
    draws: 50,
    seed: 1,
    progress: false,
  });
  const title = (spec: Record<string, unknown>) => {
    const t = spec.title as string | { text: string; subtitle?: string };
    return typeof t === "string" ? t : t.text;
  };
  const specs = [
    fit.plot.effects({ x: "g" }).toVegaLite(),
    fit.plot.effectDistribution().toVegaLite(),
    fit.plot.effectsBy({ by: ["g"] }).toVegaLite(),
  ];
  for (const spec of specs) assert.equal(title(spec), "Effect of pm (1 vs -1)");
  const coefficients = fit.plot.coefficients().toVegaLite().title as { subtitle: string };
  assert.equal(coefficients.subtitle, "Per unit of pm: the effect (1 vs -1) is 2 × these");
  // The contrast's name, which results and { contrast } use, is unchanged.
  assert.equal(fit.data.contrasts[0].name, "1 - -1");
  assert.equal(
    title(fit.plot.effects({ x: "g" }, { contrast: "1 - -1" }).toVegaLite()),
    title(specs[0]),
  );
});

Deno.test("fit.plot.coefficients of a factor treatment names the level its coefficients are against", async () => {
  // The labels read "arm drugB", "arm placebo" (R's coding, against drugA) with nothing saying
  // so; with reference "placebo" every other figure's effects are against placebo.
  const subtitle = async (options: { reference?: string }) => {
    const fit = await formula("y ~ 1 + arm + (1 + arm | g)", threeArmTable(), options).fit({
      chains: 1,
      warmup: 100,
      draws: 50,
      seed: 1,
      progress: false,
    });
    const spec = fit.plot.coefficients().toVegaLite();
    const labels = (spec.data as { values: { label: string }[] }).values.map((v) => v.label);
    assert.deepEqual(labels, ["arm drugB", "arm placebo"]);
    const title = spec.title as { text: string; subtitle: string };
    assert.equal(title.text, "Predictors of the treatment effect");
    // A title given keeps the note.
    const titled = fit.plot.coefficients({ title: "λ" }).toVegaLite().title as typeof title;
    assert.deepEqual(titled, { text: "λ", subtitle: title.subtitle });
    return title.subtitle;
  };
  assert.equal(await subtitle({}), "Each level of arm against drugA, its reference");
  assert.equal(
    await subtitle({ reference: "placebo" }),
    "Each level of arm against drugA (R's coding); the effects are against placebo",
  );
});
