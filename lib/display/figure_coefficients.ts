/**
 * Paper Figure 1: the coefficients of the heterogeneous-effects (λ) equation, each as a posterior
 * median with its 95% credible interval, against a zero line.
 */
import type { SlopeCoefficient } from "../posterior/types.ts";
import { HetfxError } from "../errors.ts";
import { cleanLevel } from "../spec/term_coding.ts";
import { type JsonValue, VEGA_LITE_SCHEMA, type VegaLiteSpec } from "./vega_lite_spec.ts";

/** Options of {@link coefficientPlotSpec}. */
export interface CoefficientPlotOptions {
  /** Chart title; default "Predictors of the treatment effect". */
  title?: string;
  /** A line under the title, e.g. what unit of the treatment the coefficients are per. */
  subtitle?: string;
  /** x-axis title; default "Coefficient (posterior median, 95% interval)", with `scale`. */
  xTitle?: string;
  /** The scale the coefficients are on, e.g. "on the log-odds scale": named in the x title. */
  scale?: string;
  /** Plot width in pixels; default 420. */
  width?: number;
  /**
   * The levels of each factor column: a label's part that names a level as brms's coefficient
   * names clean it ("age_bin3349") is shown with the level as the data write it
   * ("age_bin (33,49]").
   */
  levels?: Readonly<Record<string, readonly string[]>>;
}

/**
 * `label` ("treat × age_bin3349") with each part that is a factor column and a cleaned level of
 * it, and nothing else, written as the column and the level ("treat × age_bin (33,49]").
 */
function readableLabel(
  label: string,
  levels: Readonly<Record<string, readonly string[]>>,
): string {
  return label.split(" × ").map((part) => {
    const found = Object.entries(levels).flatMap(([column, list]) =>
      list.filter((l) => column + cleanLevel(l) === part).map((l) => `${column} ${l}`)
    );
    return found.length === 1 ? found[0] : part;
  }).join(" × ");
}

/**
 * Vega-Lite spec of a coefficient plot (paper Figure 1): one row per coefficient in the order
 * given, labelled by `label`; a point at the posterior median (q50), a horizontal bar from q2.5
 * to q97.5, and a dashed vertical rule at zero.
 *
 * @example
 * ```ts
 * import { coefficientPlotSpec } from "./figure_coefficients.ts";
 * const spec = coefficientPlotSpec([
 *   { name: "b_alliance", label: "Alliance", predictor: "(treatment)",
 *     mean: 0.2, sd: 0.05, "q2.5": 0.1, q50: 0.2, "q97.5": 0.3 },
 * ]);
 * console.assert(Array.isArray(spec.layer));
 * ```
 */
export function coefficientPlotSpec(
  coefs: SlopeCoefficient[],
  options: CoefficientPlotOptions = {},
): VegaLiteSpec {
  if (coefs.length === 0) {
    throw new HetfxError("Cannot plot coefficients: the list of slope coefficients is empty.");
  }
  const labels = coefs.map((c) => readableLabel(c.label, options.levels ?? {}));
  const values: JsonValue[] = coefs.map((c, i) => ({
    order: i,
    name: c.name,
    label: labels[i],
    predictor: c.predictor,
    mean: c.mean,
    sd: c.sd,
    median: c.q50,
    lower: c["q2.5"],
    upper: c["q97.5"],
  }));
  // Room for the longest label as Vega measures text without a canvas (0.8 em a character),
  // so that "treat × w2_vote_hill" is not cut to "treat × w2_vote_hi…".
  const longest = Math.max(...labels.map((l) => l.length));
  const y = {
    field: "label",
    type: "nominal",
    sort: null,
    title: null,
    axis: { labelFontSize: 12, labelLimit: Math.max(260, Math.ceil(0.8 * 12 * longest) + 1) },
  };
  const tooltip: JsonValue[] = [
    { field: "name", type: "nominal", title: "parameter" },
    { field: "median", type: "quantitative", format: ".3f" },
    { field: "lower", type: "quantitative", title: "q2.5", format: ".3f" },
    { field: "upper", type: "quantitative", title: "q97.5", format: ".3f" },
  ];
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: options.subtitle === undefined
      ? options.title ?? "Predictors of the treatment effect"
      : { text: options.title ?? "Predictors of the treatment effect", subtitle: options.subtitle },
    width: options.width ?? 420,
    height: { step: 32 },
    data: { values },
    layer: [
      {
        mark: { type: "rule", strokeWidth: 2.5, color: "#4c78a8" },
        encoding: {
          y,
          x: {
            field: "lower",
            type: "quantitative",
            title: options.xTitle ??
              `Coefficient (${
                options.scale === undefined ? "" : `${options.scale}; `
              }posterior median, 95% interval)`,
          },
          x2: { field: "upper" },
          tooltip,
        },
      },
      {
        mark: { type: "point", filled: true, size: 80, color: "#1f3b5c", opacity: 1 },
        encoding: { y, x: { field: "median", type: "quantitative" }, tooltip },
      },
      {
        data: { values: [{ zero: 0 }] },
        mark: { type: "rule", color: "#888888", strokeDash: [4, 4] },
        encoding: { x: { field: "zero", type: "quantitative" } },
      },
    ],
    config: { axis: { titleFontSize: 12 }, title: { fontSize: 14 } },
  };
}
