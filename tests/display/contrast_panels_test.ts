/** Tests of lib/display/contrast_panels.ts: one panel per treatment contrast. */
import assert from "node:assert/strict";
import { contrastPanels } from "../../lib/display/contrast_panels.ts";
import { renderSvg } from "../../lib/display/render.ts";
import { VEGA_LITE_SCHEMA } from "../../lib/display/vega_lite_spec.ts";
import { assertHetfx } from "../reliability/_helpers.ts";

const panel = (title: string) => ({
  $schema: VEGA_LITE_SCHEMA,
  title,
  data: { values: [{ x: 1, y: title.length }] },
  mark: "point",
  encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
  config: { axis: { titleFontSize: 12 } },
});

Deno.test("contrastPanels: one contrast gives the figure itself, several a vconcat with titles", async () => {
  assert.deepEqual(contrastPanels(["1 - 0"], "All", panel), panel("1 - 0"));
  const spec = contrastPanels(["b - a", "c - a"], "All", panel);
  assert.equal(spec.title, "All");
  const panels = spec.vconcat as Record<string, unknown>[];
  assert.deepEqual(panels.map((p) => p.title), ["b - a", "c - a"]);
  // Top-level-only keys move to the top.
  assert.ok(panels.every((p) => !("$schema" in p) && !("config" in p)));
  assert.deepEqual(spec.config, { axis: { titleFontSize: 12 } });
  assert.match(await renderSvg(spec), /c - a/);
});

Deno.test("contrastPanels: no contrasts is refused", async () => {
  await assertHetfx(() => contrastPanels([], "All", panel), /no contrasts/);
});
