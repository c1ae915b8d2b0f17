/**
 * One panel per contrast of the treatment: a factor treatment of K levels has K − 1 effects
 * (each level against the reference), and a figure of group effects shows each in its own
 * panel, stacked, rather than mixing them. A single contrast gives the figure unchanged.
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import { VEGA_LITE_SCHEMA, type VegaLiteSpec } from "./vega_lite_spec.ts";

/**
 * The figure `build(contrast)` for each contrast, stacked (Vega-Lite `vconcat`) under `title`
 * when there are several; each panel's title names its contrast.
 *
 * @example
 * ```ts
 * import { contrastPanels } from "./contrast_panels.ts";
 * const spec = contrastPanels(["b - a", "c - a"], "Effects", (c) => ({ title: c, mark: "point" }));
 * console.assert(Array.isArray(spec.vconcat) && spec.vconcat.length === 2);
 * console.assert(contrastPanels(["1 - 0"], "Effects", () => ({ mark: "point" })).mark === "point");
 * ```
 */
export function contrastPanels(
  contrasts: readonly string[],
  title: string,
  build: (contrast: string) => VegaLiteSpec,
): VegaLiteSpec {
  if (contrasts.length === 0) {
    throw new HetfxError("Cannot draw the chart: the treatment has no contrasts (no effects).");
  }
  if (contrasts.length === 1) return build(contrasts[0]);
  const panels = contrasts.map((c) => {
    const { $schema: _schema, config: _config, ...panel } = build(c);
    return panel;
  });
  const config = build(contrasts[0]).config;
  return {
    $schema: VEGA_LITE_SCHEMA,
    title,
    vconcat: panels as VegaLiteSpec[] as never,
    ...(config === undefined ? {} : { config }),
  };
}
