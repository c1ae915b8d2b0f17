/**
 * Also covers: model/ordinal_outcome.ts (categoryLabels through a fit).
 * An ordinal fit whose outcome is text with a declared order: it samples exactly the fit of the
 * same answers coded 1…K (same seed, same draws), and the posterior layer reads the text as
 * those categories (LOO equal, pp_check counts equal) while labelling them: effects by label,
 * pp_check bars and their figure, the JSON's categories, the summary. And a tight prior on one
 * threshold (Intercept[2]) pulls that threshold's posterior toward the prior.
 */
import assert from "node:assert/strict";
import { makeTable, type Table } from "../../lib/data/table.ts";
import { formula } from "../../lib/spec/formula.ts";
import { normal } from "../../lib/spec/priors.ts";
import { fitModel } from "../../lib/fit/fit.ts";
import type { Fit } from "../../lib/fit/fit.ts";
import { ppCheckSpec } from "../../lib/display/pp_check_plot.ts";
import { formatFitSummary } from "../../lib/posterior/format_summary.ts";
import { outcomeValues } from "../../lib/posterior/outcome_values.ts";
import { HetfxError } from "../../lib/errors.ts";
import { ordinalTable } from "./_ordinal_fixture.ts";

const LABELS = ["never", "rarely", "often", "always"];
const OPTIONS = {
  chains: 2,
  warmup: 300,
  draws: 200,
  seed: 3,
  backend: "cpu",
  progress: false,
} as const;
const numeric = ordinalTable(300, 5);

/** The same table with y as text (R's alphabetical level order, not the scale's). */
function asText(table: Table): Table {
  const y = (table.columns.y as { values: Float64Array }).values;
  const sorted = [...LABELS].sort();
  return makeTable({
    ...table.columns,
    y: {
      kind: "factor",
      codes: Int32Array.from(y, (k) => sorted.indexOf(LABELS[k - 1])),
      levels: sorted,
    },
  });
}
const text = asText(numeric);

const FORMULA = "y ~ 1 + treat + (1 + treat | g)";
let memo: Promise<[Fit, Fit]> | undefined;
const fits = () =>
  memo ??= Promise.all([
    fitModel(formula(FORMULA, numeric, { family: "cumulative" }).toJSON(), numeric, OPTIONS),
    fitModel(
      formula(FORMULA, text, { family: "cumulative", levels: LABELS }).toJSON(),
      text,
      OPTIONS,
    ),
  ]);

Deno.test("declared levels: the text fit samples the integer fit's draws; LOO reads the text", async () => {
  const [plain, labelled] = await fits();
  for (const name of ["b_Intercept[1]", "b_Intercept[3]", "b_treat"]) {
    assert.deepEqual(labelled.named.values.get(name), plain.named.values.get(name), name);
  }
  assert.equal(labelled.loo().elpd_loo, plain.loo().elpd_loo);
  assert.deepEqual(
    Array.from(outcomeValues(labelled, text, "test")),
    Array.from((numeric.columns.y as { values: Float64Array }).values),
  );
  const y = text.columns.y as { codes: Int32Array; levels: readonly string[] };
  const bad = makeTable({
    ...text.columns,
    y: { kind: "factor", codes: y.codes, levels: ["sometimes", ...y.levels.slice(1)] },
  });
  assert.throws(
    () => outcomeValues(labelled, bad, "Cannot compute"),
    (e) =>
      e instanceof HetfxError &&
      /has "sometimes" in row \d+, which is not one of the fit's/.test(e.message),
  );
});

Deno.test("declared levels: effects take a label and name the quantity by it", async () => {
  const [plain, labelled] = await fits();
  const byLabel = labelled.effects({ category: "often" })[0];
  const byNumber = plain.effects({ category: 3 })[0];
  assert.equal(byLabel.quantity, "P(y = often)");
  assert.equal(byNumber.quantity, "P(y = 3)");
  assert.equal(byLabel.mean, byNumber.mean);
  assert.equal(labelled.effects({ atLeast: "rarely" })[0].quantity, "P(y >= rarely)");
  assert.equal(labelled.effects({ atLeast: 2 })[0].quantity, "P(y >= rarely)");
  assert.throws(
    () => labelled.effects({ category: "sometimes" }),
    (e) =>
      e instanceof HetfxError &&
      e.message.includes(
        '"sometimes" must be a category 1…4 of "y" or one of its labels ' +
          '("never", "rarely", "often", "always")',
      ),
  );
});

Deno.test("declared levels: pp_check bars, their figure, the JSON and the summary carry labels", async () => {
  const [plain, labelled] = await fits();
  const check = labelled.ppCheck({ draws: 5 });
  assert.deepEqual(check.bars?.labels, LABELS);
  assert.deepEqual(check.bars?.values, [1, 2, 3, 4]);
  assert.deepEqual(check.bars?.observed, plain.ppCheck({ draws: 5 }).bars?.observed);
  assert.deepEqual(plain.ppCheck({ draws: 5 }).bars?.labels, ["1", "2", "3", "4"]);
  const spec = JSON.stringify(ppCheckSpec(check));
  assert.ok(spec.includes('[\\"never\\",\\"rarely\\",\\"often\\",\\"always\\"][datum.value - 1]'));
  assert.ok(spec.includes('"label":"always"'));
  const json = labelled.toJSON() as { categories: { value: number; label: string }[] };
  assert.deepEqual(json.categories, LABELS.map((label, k) => ({ value: k + 1, label })));
  assert.match(
    formatFitSummary(labelled),
    /Categories of y: 1 = never, 2 = rarely, 3 = often, 4 = always/,
  );
  assert.doesNotMatch(formatFitSummary(plain), /Categories of y/);
});

Deno.test("Intercept[2]: a tight prior pulls threshold 2's posterior toward it", async () => {
  // Thresholds are brms's: b_Intercept[k] = τ_k (the centred threshold, which the prior is on)
  // plus mean(treat)·b_treat. Without the prior the data put τ_2 near m0 with posterior sd s0;
  // normal(μ, σ) with σ = 0.05 ≪ s0 then gives, to the normal approximation, the precision-
  // weighted mean (m0/s0² + μ/σ²)/(1/s0² + 1/σ²). The tolerance 0.15 covers that
  // approximation (the other thresholds adjust too) and Monte Carlo error (MCSE ≈ 0.01).
  const [plain] = await fits();
  const mu = 2, sigma = 0.05;
  const tight = await fitModel(
    formula(FORMULA, numeric, { family: "cumulative" })
      .priors({ "Intercept[2]": normal(mu, sigma) }).toJSON(),
    numeric,
    OPTIONS,
  );
  const centred = (fit: Fit) => {
    const tau = fit.named.values.get("b_Intercept[2]")!;
    const b = fit.named.values.get("b_treat")!;
    return Float64Array.from(tau, (t, s) => t - 0.5 * b[s]);
  };
  const mean = (x: Float64Array) => x.reduce((a, b) => a + b, 0) / x.length;
  const sd = (x: Float64Array) =>
    Math.sqrt(x.reduce((a, b) => a + (b - mean(x)) ** 2, 0) / (x.length - 1));
  const before = centred(plain), after = centred(tight);
  const m0 = mean(before), s0 = sd(before);
  const expected = (m0 / s0 ** 2 + mu / sigma ** 2) / (1 / s0 ** 2 + 1 / sigma ** 2);
  assert.ok(Math.abs(mu - m0) > 1, `the prior must disagree with the data (m0 ${m0})`);
  assert.ok(Math.abs(mean(after) - expected) < 0.15, `${mean(after)} vs ${expected}`);
  // The data identify the thresholds' spacing, not their location (group intercepts absorb a
  // shift): the prior relocates the scale and leaves the gap τ_3 − τ_2 as it was. Each gap
  // mean's MCSE is at most its posterior sd (≤ a threshold's, ~0.4) over √ESS (≥ 10), so 0.04,
  // and 0.3 is over 5 MCSEs of the difference; a prior that distorted the spacing fails it.
  const gap = (fit: Fit) =>
    mean(fit.named.values.get("b_Intercept[3]")!) - mean(fit.named.values.get("b_Intercept[2]")!);
  assert.ok(Math.abs(gap(tight) - gap(plain)) < 0.3, `${gap(tight)} vs ${gap(plain)}`);
});
