import assert from "node:assert/strict";
import { Chart, HtmlView } from "../../lib/display/display_object.ts";
import { coefficientPlotSpec } from "../../lib/display/figure_coefficients.ts";
import { summaryTableHtml } from "../../lib/display/tables.ts";
import { HetfxError } from "../../lib/errors.ts";
import { syntheticResult } from "./_synthetic.ts";
import { PNG_SIGNATURE } from "./_helpers.ts";

const r = syntheticResult(2, 50);

type Displayable = { [key: symbol]: () => Record<string, unknown> };

Deno.test("Chart: Jupyter display gives the Vega-Lite v5 mime bundle", () => {
  const spec = coefficientPlotSpec(r.coefs);
  const chart = new Chart(spec);
  assert.equal(chart.toVegaLite(), spec);
  const bundle = (chart as unknown as Displayable)[Symbol.for("Jupyter.display")]();
  assert.deepEqual(Object.keys(bundle), ["application/vnd.vegalite.v5+json"]);
  assert.equal(bundle["application/vnd.vegalite.v5+json"], spec);
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
  assert.deepEqual(bundle, { "text/html": html });
});
