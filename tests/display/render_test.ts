import assert from "node:assert/strict";
import { renderPng, renderSvg } from "../../lib/display/render.ts";
import { coefficientPlotSpec } from "../../lib/display/figure_coefficients.ts";
import { effectDistributionSpec } from "../../lib/display/figure_effect_distribution.ts";
import { groupEffectsSpec } from "../../lib/display/figure_group_effects.ts";
import { rankPlotSpec, rhatEssSpec, tracePlotSpec } from "../../lib/display/diagnostic_plots.ts";
import type { VegaLiteSpec } from "../../lib/display/vega_lite_spec.ts";
import { HetfxError } from "../../lib/errors.ts";
import { normal, syntheticResult } from "./_synthetic.ts";
import { PNG_SIGNATURE, pngSize } from "./_helpers.ts";

/** Where the rendered figures are written so that a person can look at them. */
const OUT_DIR = "/tmp/hetfx_display";

const r = syntheticResult();
const z = normal(11);
const chains = [0, 1, 2, 3].map((c) => Float64Array.from({ length: 1000 }, () => 0.1 * c + z()));

const figures: { name: string; spec: VegaLiteSpec; texts: string[] }[] = [
  {
    name: "figure1_coefficients",
    spec: coefficientPlotSpec(r.coefs),
    texts: ["Coefficient (posterior median, 95% interval)", "Alliance × White"],
  },
  {
    name: "figure2_effect_distribution",
    spec: effectDistributionSpec({ draws: r.draws, spread: r.spread }),
    texts: ["Treatment effect", "Density", "SD of all posterior draws"],
  },
  {
    name: "figure3_group_effects",
    spec: groupEffectsSpec(r.effects, { col: "intl", row: "hawk", x: "male", color: "male" }),
    texts: ["Treatment effect", "male", "intl", "hawk"],
  },
  { name: "trace", spec: tracePlotSpec("b_alliance", chains), texts: ["Iteration"] },
  { name: "rank", spec: rankPlotSpec("b_alliance", chains), texts: ["Rank (all chains pooled)"] },
  { name: "rhat_ess", spec: rhatEssSpec(r.params), texts: ["R-hat", "ESS (bulk, tail)"] },
];

for (const { name, spec, texts } of figures) {
  Deno.test(`renderSvg: ${name} renders with its axis titles`, async () => {
    const svg = await renderSvg(spec);
    assert.ok(svg.includes("<svg"));
    for (const t of texts) {
      const escaped = t.replace(/&/g, "&amp;").replace(/</g, "&lt;");
      assert.ok(svg.includes(escaped), `"${t}" in the SVG of ${name}`);
    }
  });

  Deno.test(`renderPng: ${name} is a real PNG`, async () => {
    const png = await renderPng(spec);
    assert.deepEqual([...png.subarray(0, 8)], PNG_SIGNATURE);
    const { width, height } = pngSize(png);
    assert.ok(width > 100 && height > 100, `${width}×${height}`);
    assert.ok(png.length > 5000, `${png.length} bytes`);
    await Deno.mkdir(OUT_DIR, { recursive: true });
    await Deno.writeFile(`${OUT_DIR}/${name}.png`, png);
  });
}

Deno.test("renderSvg: Figure 2 annotation texts appear in the SVG", async () => {
  const spec = effectDistributionSpec({ draws: r.draws, spread: r.spread });
  const svg = await renderSvg(spec);
  assert.ok(svg.includes("white=") && svg.includes("hawk="));
});

Deno.test("renderPng: scale sets the pixel size; text is drawn", async () => {
  const spec = coefficientPlotSpec(r.coefs);
  const one = pngSize(await renderPng(spec, { scale: 1 }));
  const two = pngSize(await renderPng(spec, { scale: 2 }));
  assert.equal(two.width, 2 * one.width);
  assert.equal(two.height, 2 * one.height);
  // Text is drawn: the same chart with a title differs from the one without.
  const withTitle = await renderPng({ ...spec, title: "A title to draw" }, { scale: 1 });
  const noTitle = await renderPng({ ...spec, title: " " }, { scale: 1 });
  assert.notDeepEqual(withTitle, noTitle);
  await assert.rejects(() => renderPng(spec, { scale: 0 }), HetfxError);
});

Deno.test("renderSvg: a spec that does not compile is a HetfxError", async () => {
  await assert.rejects(() => renderSvg({ mark: 42 }), HetfxError);
});
