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
