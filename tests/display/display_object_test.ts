/**
 * Also covers: display/fit_html.ts (the HTML of a bare fit).
 */
import assert from "node:assert/strict";
import { Chart, HtmlView } from "../../lib/display/display_object.ts";
import { coefficientPlotSpec } from "../../lib/display/figure_coefficients.ts";
import { summaryTableHtml } from "../../lib/display/tables.ts";
import { HetfxError } from "../../lib/errors.ts";
import { syntheticResult } from "./_synthetic.ts";
import { PNG_SIGNATURE } from "./_helpers.ts";
import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import { formula } from "../../lib/spec/formula.ts";
import { smallTable } from "../posterior/_fixtures.ts";

const r = syntheticResult(2, 50);

type Displayable = {
  [key: symbol]: () => Record<string, unknown> | Promise<Record<string, unknown>>;
};

Deno.test("Chart: Jupyter display gives Vega-Lite v5, the chart as SVG, and a text line", async () => {
  const spec = coefficientPlotSpec(r.coefs, { title: "Coefficients & more" });
  const chart = new Chart(spec);
  assert.equal(chart.toVegaLite(), spec);
  const bundle = await (chart as unknown as Displayable)[Symbol.for("Jupyter.display")]();
  assert.deepEqual(Object.keys(bundle).sort(), [
    "application/vnd.vegalite.v5+json",
    "image/svg+xml",
    "text/plain",
  ]);
  assert.equal(bundle["application/vnd.vegalite.v5+json"], spec);
  assert.equal(bundle["image/svg+xml"], await chart.toSVG());
  assert.match(bundle["text/plain"] as string, /^Chart: Coefficients & more \(Vega-Lite/);
});

Deno.test("Chart: a spec that does not render still displays, the text line says why", async () => {
  const chart = new Chart({ mark: "no-such-mark", data: { values: [] } });
  const bundle = await (chart as unknown as Displayable)[Symbol.for("Jupyter.display")]();
  assert.deepEqual(
    Object.keys(bundle).sort(),
    ["application/vnd.vegalite.v5+json", "text/plain"],
  );
  assert.match(bundle["text/plain"] as string, /^Chart: untitled .*; no SVG: Cannot render chart/);
});

Deno.test("Chart: save writes SVG or PNG by extension, else HetfxError", async () => {
  const chart = new Chart(coefficientPlotSpec(r.coefs));
  const dir = await Deno.makeTempDir();
  try {
    await chart.save(`${dir}/fig.svg`);
    assert.ok((await Deno.readTextFile(`${dir}/fig.svg`)).startsWith("<svg"));
    await chart.save(`${dir}/fig.PNG`, { scale: 1 });
    const png = await Deno.readFile(`${dir}/fig.PNG`);
    assert.deepEqual([...png.subarray(0, 8)], PNG_SIGNATURE);
    await assert.rejects(
      () => chart.save(`${dir}/fig.pdf`),
      (e: unknown) => e instanceof HetfxError && /\.svg or \.png/.test(e.message),
    );
    await assert.rejects(
      () => chart.save(`${dir}/missing/fig.svg`),
      (e: unknown) =>
        e instanceof HetfxError &&
        e.message.includes(`the folder "${dir}/missing" does not exist; create it first`),
    );
    const svg = await chart.toSVG();
    assert.ok(svg.includes("<svg"));
    assert.deepEqual([...(await chart.toPNG({ scale: 1 })).subarray(0, 8)], PNG_SIGNATURE);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("HtmlView: Jupyter display gives text/html", () => {
  const html = summaryTableHtml(r.params);
  const view = new HtmlView(html);
  assert.equal(view.toHTML(), html);
  const bundle = (view as unknown as Displayable)[Symbol.for("Jupyter.display")]();
  assert.deepEqual(bundle, { "text/html": html, "text/plain": view.toText() });
  assert.ok(view.toText().length > 0 && !view.toText().includes("<"));
  const small = new HtmlView("<p>a &amp; b</p><table><tr><td>1</td><td>&lt;2</td></tr></table>");
  const text = (small as unknown as Displayable)[Symbol.for("Jupyter.display")]() as Record<
    string,
    string
  >;
  assert.equal(text["text/plain"], "a & b\n1 <2");
  assert.deepEqual(
    (new HtmlView("<b>x</b>", "x, bold") as unknown as Displayable)
      [Symbol.for("Jupyter.display")](),
    { "text/html": "<b>x</b>", "text/plain": "x, bold" },
  );
});

Deno.test("fit HTML: R-hat and ESS that cannot be computed show as NA, not -Infinity/Infinity", async () => {
  // 3 draws per chain: too few for split R-hat and ESS, so every one is NaN.
  const fit = await formula("y ~ 1 + x + treat + (1 + treat | g)", smallTable())
    .fit({ chains: 2, warmup: 30, draws: 3, seed: 1, progress: false });
  const html = fit.toHTML();
  assert.match(html, /max R-hat NA, min ESS bulk\/tail NA\/NA/);
  assert.doesNotMatch(html, /Infinity/);
});

Deno.test("fit HTML: the smallest, median and largest groups are named by their levels", async () => {
  const fit = await formula("y ~ 1 + x + treat + (1 + treat | g)", smallTable())
    .fit({ chains: 2, warmup: 100, draws: 100, seed: 1, progress: false });
  const s = fit.effectSpread();
  const html = fit.toHTML();
  for (const [which, g] of [["min", s.min], ["median", s.median], ["max", s.max]] as const) {
    assert.ok(
      html.includes(`${which} ${g.mean.toFixed(2)} (g=${g.levels.g})`),
      `${which}: ${html.match(/sd of all group-effect draws[^<]*/)}`,
    );
  }
});
