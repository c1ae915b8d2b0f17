/**
 * Thin notebook display objects: a chart (Vega-Lite spec) and an HTML view. A bare instance at
 * the end of a Deno Jupyter cell renders inline through `Symbol.for("Jupyter.display")`.
 *
 * A chart's display bundle carries the Vega-Lite spec, the chart rendered as SVG and a
 * `text/plain` line: JupyterLab draws the spec, while viewers that run no scripts (GitHub,
 * nbviewer, VS Code without a Vega renderer) show the SVG, and a terminal the line.
 */
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
      // Loaded only here: node:path costs every process that imports hetfx ~15 ms.
      const { dirname } = await import("node:path");
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

  /** One line naming the chart, e.g. `Chart: Posterior predictive check: y (Vega-Lite)`. */
  toString(): string {
    const title = this.#spec.title;
    const text = typeof title === "string"
      ? title
      : title !== null && typeof title === "object" && !Array.isArray(title) &&
          typeof title.text === "string"
      ? title.text
      : "untitled";
    return `Chart: ${text} (Vega-Lite; chart.save("figure.png") writes it as an image)`;
  }

  /**
   * Jupyter rich display: the spec as Vega-Lite v5, the chart as SVG, and a text line. If the
   * SVG cannot be rendered the bundle still shows the spec, and the text line says why.
   */
  async [JUPYTER_DISPLAY](): Promise<Record<string, VegaLiteSpec | string>> {
    const bundle: Record<string, VegaLiteSpec | string> = {
      [VEGA_LITE_MIME]: this.#spec,
      "text/plain": this.toString(),
    };
    try {
      bundle["image/svg+xml"] = await this.toSVG();
    } catch (error) {
      bundle["text/plain"] += `; no SVG: ${(error as Error).message}`;
    }
    return bundle;
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
  readonly #text: string;

  /** `text`: the plain-text form for viewers without HTML (default: the HTML's text content). */
  constructor(html: string, text?: string) {
    this.#html = html;
    this.#text = text ?? htmlToText(html);
  }

  /** The HTML text. */
  toHTML(): string {
    return this.#html;
  }

  /** The plain-text form. */
  toText(): string {
    return this.#text;
  }

  /** Jupyter rich display: the HTML and its plain-text form. */
  [JUPYTER_DISPLAY](): Record<string, string> {
    return { "text/html": this.#html, "text/plain": this.#text };
  }
}

/** Text content of an HTML fragment: tags dropped, common entities decoded, blank runs folded. */
function htmlToText(html: string): string {
  return html.replace(/<(br|\/p|\/div|\/tr|\/h\d)\b[^>]*>/gi, "\n").replace(/<[^>]*>/g, " ")
    .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&").replace(/[ \t]+/g, " ").replace(/ *\n[\n ]*/g, "\n").trim();
}
