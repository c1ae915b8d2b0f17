/**
 * Also covers: posterior/fit_summaries.ts.
 * The text summary (and the HTML one) say on which scale the group effects are: outcome units
 * for gaussian, log-odds for bernoulli.
 */
import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import assert from "node:assert/strict";
import { formatFitSummary } from "../../lib/posterior/format_summary.ts";
import { makeTable } from "../../lib/data/table.ts";
import { formula } from "../../lib/spec/formula.ts";
import { smallFit, smallTable } from "./_fixtures.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { slopeCoefficientsOf } from "../../lib/posterior/fit_summaries.ts";

Deno.test("summaries name the scale of the group effects: outcome units, log-odds", async () => {
  const gaussian = await smallFit();
  assert.match(formatFitSummary(gaussian), /Effect of treat across 4 groups, in outcome units/);
  assert.match(gaussian.toHTML(), /Effect of <code>treat<\/code> in outcome units/);

  const t = smallTable();
  const y = t.columns.y as { values: Float64Array };
  const event = Float64Array.from(y.values, (v) => (v > 1.5 ? 1 : 0));
  const table = makeTable({ ...t.columns, event: { kind: "number", values: event } });
  const logit = await formula("event ~ 1 + treat + (1 + treat | g)", table, {
    family: "bernoulli",
  }).fit({ chains: 1, warmup: 100, draws: 100, seed: 2, progress: false });
  assert.match(formatFitSummary(logit), /across 4 groups, on the log-odds scale/);
  assert.match(logit.toHTML(), /Effect of <code>treat<\/code> on the log-odds scale/);
});

Deno.test("a bare fit in a notebook displays as HTML and as the text summary", async () => {
  const fit = await smallFit();
  const display = (fit as unknown as { [k: symbol]: () => Record<string, string> })[
    Symbol.for("Jupyter.display")
  ]();
  assert.deepEqual(Object.keys(display).sort(), ["text/html", "text/plain"]);
  assert.equal(display["text/html"], fit.toHTML());
  assert.equal(display["text/plain"], formatFitSummary(fit));
  assert.match(display["text/plain"], /Effect of treat across 4 groups/);
});

Deno.test("slopeCoefficientsOf: a factor treatment's coefficients name the predictor, not the level", () => {
  const n = 12;
  const arm = Int32Array.from({ length: n }, (_, i) => i % 3);
  const table = makeTable({
    y: { kind: "number", values: Float64Array.from({ length: n }, (_, i) => (i * 7) % 5) },
    arm: { kind: "factor", codes: arm, levels: ["high", "low", "placebo"] },
    male: { kind: "number", values: Float64Array.from({ length: n }, (_, i) => (i >> 1) % 2) },
    g: {
      kind: "factor",
      codes: Int32Array.from({ length: n }, (_, i) => i % 2),
      levels: ["a", "b"],
    },
  });
  const spec = formula("y ~ 1 + arm * male + (1 + arm | g)", table)
    .treatment("arm", { reference: "placebo" }).toJSON();
  const data = compileModel(spec, table);
  const lambda = slopeCoefficientsOf(data, () => new Float64Array([0, 1, 2]));
  assert.deepEqual(
    lambda.map((c) => [c.name, c.predictor, c.label]),
    [
      ["b_armlow", "(treatment)", "armlow"],
      ["b_armplacebo", "(treatment)", "armplacebo"],
      ["b_armlow:male", "male", "armlow × male"],
      ["b_armplacebo:male", "male", "armplacebo × male"],
    ],
  );
});

Deno.test("the parameter table shows a tiny coefficient to its sd's precision, not as 0.00", async () => {
  // y on x / 1000: b_x is ~1000 times the usual size, b on x * 1000 ~1000 times smaller.
  const t = smallTable();
  const x = (t.columns.x as { values: Float64Array }).values;
  const scaled = makeTable({
    ...t.columns,
    big: { kind: "number", values: x.map((v) => v * 1000) },
  });
  const fit = await formula("y ~ 1 + big + treat", scaled)
    .fit({ chains: 1, warmup: 100, draws: 100, seed: 1, progress: false });
  const text = formatFitSummary(fit);
  const row = text.split("\n").find((l) => l.startsWith("b_big"))!;
  const [mean, sd] = row.trim().split(/\s+/).slice(1, 3).map(Number);
  const summary = fit.summary().find((p) => p.name === "b_big")!;
  // The printed mean and sd agree with the summary to their printed precision (the sd has two
  // significant digits), where two decimals would print both as 0.00.
  assert.ok(mean !== 0 && Math.abs(mean - summary.mean) <= 0.5 * summary.sd / 10, row);
  assert.ok(sd > 0 && Math.abs(sd / summary.sd - 1) < 0.1, row);
  // Rows of ordinary size keep two decimals.
  assert.match(
    text.split("\n").find((l) => l.startsWith("b_Intercept"))!,
    /^b_Intercept\s+-?\d+\.\d\d\s/,
  );
});
