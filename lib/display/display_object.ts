/**
 * Thin notebook display objects: a chart (Vega-Lite spec) and an HTML view. A bare instance at
 * the end of a Deno Jupyter cell renders inline through `Symbol.for("Jupyter.display")`.
 */
import { dirname } from "node:path";
import { HetfxError } from "../errors.ts";
import { renderPng, type RenderPngOptions, renderSvg } from "./render.ts";
import { VEGA_LITE_MIME, type VegaLiteSpec } from "./vega_lite_spec.ts";

const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;

/**
 * A chart: a Vega-Lite spec with ways to show it inline, render it, and save it.
 *
 * @example
 * ```ts
 * import { Chart } from "./display_object.ts";
 * const chart = new Chart({ data: { values: [{ a: 1 }] }, mark: "point",
 *   encoding: { x: { field: "a", type: "quantitative" } } });
 * console.assert((await chart.toSVG()).includes("<svg"));
 * ```
 */
export class Chart {
  readonly #spec: VegaLiteSpec;

  constructor(spec: VegaLiteSpec) {
    this.#spec = spec;
  }

  /** The Vega-Lite spec (plain JSON). */
  toVegaLite(): VegaLiteSpec {
    return this.#spec;
  }

  /** Render to an SVG document string. */
  toSVG(): Promise<string> {
    return renderSvg(this.#spec);
  }

  /** Render to PNG bytes (scale 2 by default). */
  toPNG(options: RenderPngOptions = {}): Promise<Uint8Array> {
    return renderPng(this.#spec, options);
  }

  /** Write the chart to `path`: SVG for ".svg", PNG for ".png" (case-insensitive). */
  async save(path: string, options: RenderPngOptions = {}): Promise<void> {
    const lower = path.toLowerCase();
    let bytes: Uint8Array;
    if (lower.endsWith(".svg")) bytes = new TextEncoder().encode(await this.toSVG());
    else if (lower.endsWith(".png")) bytes = await this.toPNG(options);
    else {
      throw new HetfxError(
        `Cannot save chart to "${path}": the file name must end in .svg or .png.`,
      );
    }
    try {
      await Deno.writeFile(path, bytes);
    } catch (error) {
      const folder = dirname(path);
      throw new HetfxError(
        `Cannot save chart to "${path}": ${
          error instanceof Deno.errors.NotFound
            ? `the folder "${folder}" does not exist; create it first ` +
              `(await Deno.mkdir("${folder}", { recursive: true }))`
            : (error as Error).message
        }.`,
      );
    }
  }

  /** Jupyter rich display: the spec as Vega-Lite v5. */
  [JUPYTER_DISPLAY](): Record<string, VegaLiteSpec> {
    return { [VEGA_LITE_MIME]: this.#spec };
  }
}

/**
 * An HTML fragment (e.g. a summary table) that renders inline in a notebook.
 *
 * @example
 * ```ts
 * import { HtmlView } from "./display_object.ts";
 * const view = new HtmlView("<b>hi</b>");
 * console.assert(view.toHTML() === "<b>hi</b>");
 * ```
 */
export class HtmlView {
  readonly #html: string;

  constructor(html: string) {
    this.#html = html;
  }

  /** The HTML text. */
  toHTML(): string {
    return this.#html;
  }

  /** Jupyter rich display: the HTML. */
  [JUPYTER_DISPLAY](): Record<string, string> {
    return { "text/html": this.#html };
  }
}
