/**
 * The one render step: Vega-Lite spec → SVG (vega-lite compile, a headless vega View) → PNG
 * (resvg). Works in Deno scripts, tests and notebooks without a browser.
 */
import type * as vegaTypes from "vega";
import type * as vegaLiteTypes from "vega-lite";
// The renderers load on first use: importing hetfx (and fitting) never pays for them, and the
// PNG rasteriser's native module (which needs --allow-ffi) loads only when a PNG is asked for.
import { HetfxError } from "../errors.ts";
import type { VegaLiteSpec } from "./vega_lite_spec.ts";

/**
 * Render a Vega-Lite spec to an SVG document string, headless (renderer "none").
 *
 * @example
 * ```ts
 * import { renderSvg } from "./render.ts";
 * const svg = await renderSvg({ data: { values: [{ a: 1 }] }, mark: "point",
 *   encoding: { x: { field: "a", type: "quantitative" } } });
 * console.assert(svg.startsWith("<svg"));
 * ```
 */
export async function renderSvg(vegaLiteSpec: VegaLiteSpec): Promise<string> {
  const vega = await import("vega");
  const vegaLite = await import("vega-lite");
  let compiled: vegaTypes.Spec;
  try {
    compiled = vegaLite.compile(vegaLiteSpec as unknown as vegaLiteTypes.TopLevelSpec).spec;
  } catch (e) {
    throw new HetfxError(
      `Cannot render chart: the Vega-Lite spec does not compile (${(e as Error).message}).`,
    );
  }
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Options of {@link renderPng}. */
export interface RenderPngOptions {
  /** Pixel density: 2 (default) gives a PNG twice the spec's size in each direction. */
  scale?: number;
  /** Extra font files (.ttf/.otf) to load in addition to the system fonts. */
  fontFiles?: string[];
  /** Background colour; default white. */
  background?: string;
}

/**
 * Render a Vega-Lite spec to PNG bytes: SVG via {@link renderSvg}, rasterised by resvg with the
 * system fonts (plus `fontFiles`) so that titles and labels are drawn.
 *
 * @example
 * ```ts
 * import { renderPng } from "./render.ts";
 * const png = await renderPng({ data: { values: [{ a: 1 }] }, mark: "point",
 *   encoding: { x: { field: "a", type: "quantitative" } } }, { scale: 1 });
 * console.assert(png[1] === 0x50); // "P" of the PNG signature
 * ```
 */
export async function renderPng(
  vegaLiteSpec: VegaLiteSpec,
  options: RenderPngOptions = {},
): Promise<Uint8Array> {
  const scale = options.scale ?? 2;
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new HetfxError(`Cannot render PNG: scale must be a positive number, got ${scale}.`);
  }
  const svg = await renderSvg(vegaLiteSpec);
  const { Resvg } = await import("@resvg/resvg-js");
  const resvg = new Resvg(svg, {
    background: options.background ?? "white",
    fitTo: { mode: "zoom", value: scale },
    font: {
      loadSystemFonts: true,
      fontFiles: options.fontFiles ?? [],
      defaultFontFamily: "DejaVu Sans",
      sansSerifFamily: "DejaVu Sans",
    },
  });
  return new Uint8Array(resvg.render().asPng());
}
