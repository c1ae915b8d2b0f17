/**
 * Also covers: posterior/fit_result.ts (types only).
 * Also covers: posterior/types.ts (types only: the ParameterSummary and result shapes the
 * tables render, checked by the compiler here).
 */
import assert from "node:assert/strict";
import { groupEffectsTableHtml, summaryTableHtml } from "../../lib/display/tables.ts";
import type { ParameterSummary } from "../../lib/posterior/types.ts";
import { syntheticResult } from "./_synthetic.ts";

const base: ParameterSummary = {
  name: "b_alliance",
  mean: 0.2,
  sd: 0.05,
  "q2.5": 0.1,
  q50: 0.2,
  "q97.5": 0.3,
  rhat: 1.001,
  ess_bulk: 1500,
  ess_tail: 1200,
};

Deno.test("summaryTableHtml: one row per parameter, numbers to the requested digits", () => {
  const html = summaryTableHtml([base, { ...base, name: "sigma", mean: 0.45678 }], { digits: 2 });
  assert.equal((html.match(/<tr>/g) ?? []).length, 3);
  assert.match(html, /<td[^>]*>0\.46<\/td>/);
  assert.match(html, /<td[^>]*>1\.001<\/td>/);
  assert.match(html, /<td[^>]*>1500<\/td>/);
  assert.ok(!html.includes("hetfx-warn"));
});

Deno.test("summaryTableHtml: a tiny coefficient shows to its sd's precision, not as 0.000", () => {
  // b = 0.00034 ± 0.0001 printed 0.000 in every column, as the text summary once did.
  const tiny = {
    ...base,
    name: "b_tiny",
    mean: 0.00034,
    sd: 0.0001,
    "q2.5": 0.00014,
    q50: 0.00034,
  };
  const html = summaryTableHtml([base, { ...tiny, "q97.5": 0.00054 }]);
  const cells = [...html.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]);
  assert.deepEqual(cells.slice(9, 15), [
    "b_tiny",
    "0.00034",
    "0.00010",
    "0.00014",
    "0.00034",
    "0.00054",
  ]);
  // Other rows keep the requested digits.
  assert.deepEqual(cells.slice(0, 3), ["b_alliance", "0.200", "0.050"]);
  const effects = groupEffectsTableHtml([{
    term: "g",
    group: "1",
    levels: { g: "1" },
    n: 5,
    ...tiny,
    "q97.5": 0.00054,
    rhat: 1,
    ess_bulk: 900,
  }]);
  assert.match(effects, />0\.00034<\/td>/);
});

Deno.test("summaryTableHtml: an R-hat or ESS that cannot be computed reads NA, highlighted", () => {
  const html = summaryTableHtml([{ ...base, name: "sd_g__Intercept", ess_tail: NaN }]);
  assert.ok(!html.includes("NaN"), html);
  assert.match(html, /<td class="hetfx-warn"[^>]*>NA<\/td><\/tr>/);
  const stuck = summaryTableHtml([{ ...base, rhat: NaN, ess_bulk: NaN, ess_tail: NaN }]);
  assert.equal((stuck.match(/class="hetfx-warn"[^>]*>NA</g) ?? []).length, 3);
  const groups = groupEffectsTableHtml([{ ...syntheticResult().effects[0], rhat: NaN }]);
  assert.match(groups, /class="hetfx-warn"[^>]*>NA</);
});

Deno.test("summaryTableHtml: escapes names", () => {
  const html = summaryTableHtml([{ ...base, name: `<script>alert("x&y")</script>` }]);
  assert.ok(!html.includes("<script>"));
  assert.ok(html.includes("&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;"));
});

Deno.test("summaryTableHtml: highlights R-hat > 1.01 and ESS < 400, and can turn it off", () => {
  const html = summaryTableHtml([
    { ...base, name: "a", rhat: 1.02 },
    { ...base, name: "b", ess_bulk: 399 },
    { ...base, name: "c", ess_tail: 12 },
    { ...base, name: "d", rhat: 1.01, ess_bulk: 400 },
  ]);
  const warned = [...html.matchAll(/<td class="hetfx-warn"[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]);
  assert.deepEqual(warned, ["1.020", "399", "12"]);
  const plain = summaryTableHtml([{ ...base, rhat: 1.5 }], { highlight: false });
  assert.ok(!plain.includes("hetfx-warn"));
});

Deno.test("groupEffectsTableHtml: modifier columns, escaping, highlighting", () => {
  const { effects } = syntheticResult();
  const html = groupEffectsTableHtml(effects);
  assert.equal((html.match(/<tr>/g) ?? []).length, 101);
  for (const m of ["white", "male", "intl", "hawk", "n", "q97.5"]) {
    assert.match(html, new RegExp(`>${m}</th>`));
  }
  const odd = groupEffectsTableHtml([{ ...effects[0], levels: { "a<b": "x&y" }, rhat: 1.2 }]);
  assert.ok(odd.includes(">a&lt;b</th>") && odd.includes(">x&amp;y</td>"));
  assert.ok(odd.includes("hetfx-warn"));
});

Deno.test("groupEffectsTableHtml: a treatment with several contrasts gets a contrast column", () => {
  const { effects } = syntheticResult();
  const two = [
    { ...effects[0], contrast: "drugA - placebo", mean: 0.5 },
    { ...effects[0], contrast: "drugB - placebo", mean: -0.2 },
  ];
  const html = groupEffectsTableHtml(two);
  assert.match(html, />contrast<\/th>/);
  // Each row says which contrast its numbers are: the same group twice is told apart.
  const rows = html.split("<tr>").slice(2);
  assert.match(rows[0], />drugA - placebo<\/td>.*>0\.500<\/td>/);
  assert.match(rows[1], />drugB - placebo<\/td>.*>-0\.200<\/td>/);
  // One contrast (0/1, ±1): the table is as before, without the column.
  const one = groupEffectsTableHtml([{ ...effects[0], contrast: "1 - -1" }]);
  assert.ok(!one.includes(">contrast</th>"));
});
