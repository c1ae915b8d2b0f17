/**
 * What "the treatment effect" means for each coding of the treatment column:
 *
 * - numeric with values 0 and 1: the contrast 1 − 0 (the slope);
 * - numeric with two other values (−1/+1, 1/2): the contrast high − low, i.e. slope × (high − low);
 * - numeric with more than two values: the slope, per unit of the treatment;
 * - a factor of K levels: K − 1 contrasts, each level against a reference level (R's first level
 *   unless `reference` names another), as brms's treatment contrasts.
 *
 * Each contrast says, per design column, how much the column changes when the treatment moves from
 * `low` to `high` (`treatmentPartChange`); lib/model/design.ts multiplies that into interactions.
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import { formatValue, getColumn, type Table } from "../data/table.ts";

/** How the treatment column is coded. */
export type TreatmentKind = "binary" | "two-valued" | "continuous" | "factor";

/** One effect of the treatment: a contrast between two values, or a per-unit slope. */
export interface TreatmentContrast {
  /** Its name in summaries and JSON: "1 - 0", "1 - -1", "high - control", "per unit of dose". */
  name: string;
  kind: TreatmentKind;
  /** The values compared (numbers as text for numeric treatments); for a slope, "" and "". */
  high: string;
  low: string;
  /** Numeric treatments: high − low (1 for a slope). Factors: NaN. */
  difference: number;
  /** Factors: the level codes compared; −1 for numeric treatments. */
  highCode: number;
  lowCode: number;
}

/**
 * The contrasts of `treatment` in `table`: one for a numeric treatment, K − 1 for a factor of K
 * levels (against `reference`, default the first level). A HetfxError when the reference is not
 * a level, or is given for a numeric treatment with more than two values.
 *
 * @example
 * ```ts
 * import { treatmentContrasts } from "./treatment_coding.ts";
 * import { makeTable } from "../data/table.ts";
 * const t = makeTable({
 *   pm: { kind: "number", values: new Float64Array([-1, 1, 1]) },
 *   arm: { kind: "factor", codes: new Int32Array([0, 1, 2]), levels: ["a", "b", "control"] },
 * });
 * console.assert(treatmentContrasts(t, "pm")[0].name === "1 - -1");
 * const arms = treatmentContrasts(t, "arm", "control").map((c) => c.name);
 * console.assert(arms.join() === "a - control,b - control");
 * ```
 */
export function treatmentContrasts(
  table: Table,
  treatment: string,
  reference?: string,
): TreatmentContrast[] {
  const column = getColumn(table, treatment);
  if (column.kind === "factor") {
    const levels = column.levels;
    const ref = reference === undefined ? 0 : levels.indexOf(reference);
    if (ref < 0) {
      throw new HetfxError(
        `Cannot build model: the treatment's reference "${reference}" is not a level of ` +
          `"${treatment}" (levels: ${levels.join(", ")}); name one of them.`,
      );
    }
    return levels.flatMap((level, k) =>
      k === ref ? [] : [{
        name: `${level} - ${levels[ref]}`,
        kind: "factor" as const,
        high: level,
        low: levels[ref],
        difference: NaN,
        highCode: k,
        lowCode: ref,
      }]
    );
  }
  const distinct = twoDistinct(column.values);
  if (distinct.length === 2) {
    const [low, high] = distinct;
    if (
      reference !== undefined && reference !== formatValue(low) && reference !== formatValue(high)
    ) {
      throw new HetfxError(
        `Cannot build model: the treatment's reference "${reference}" is not a value of ` +
          `"${treatment}" (values: ${formatValue(low)}, ${formatValue(high)}); name one of them.`,
      );
    }
    // The reference, when given, is the low side of the contrast.
    const [lo, hi] = reference === formatValue(high) ? [high, low] : [low, high];
    return [{
      name: `${formatValue(hi)} - ${formatValue(lo)}`,
      kind: lo === 0 && hi === 1 ? "binary" : "two-valued",
      high: formatValue(hi),
      low: formatValue(lo),
      difference: hi - lo,
      highCode: -1,
      lowCode: -1,
    }];
  }
  if (reference !== undefined) {
    const takes = ["no value", "a single value"][distinct.length] ?? "more than two values";
    throw new HetfxError(
      `Cannot build model: a reference ("${reference}") needs a factor or two-valued ` +
        `treatment, but "${treatment}" takes ${takes} (a per-unit slope); drop the reference, or make the treatment a factor (--factor / ` +
        "asFactor).",
    );
  }
  return [{
    name: `per unit of ${treatment}`,
    kind: "continuous",
    high: "",
    low: "",
    difference: 1,
    highCode: -1,
    lowCode: -1,
  }];
}

/**
 * The distinct non-missing values of `values`, ascending, when there are at most two (−0 read
 * as 0, as a Set reads it); else three of them: one pass that stops at the third.
 */
function twoDistinct(values: Float64Array): number[] {
  let a = NaN;
  let b = NaN;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v || v === a || v === b) continue;
    if (a !== a) a = v + 0;
    else if (b !== b) b = v + 0;
    else return [a, b, v];
  }
  if (a !== a) return [];
  if (b !== b) return [a];
  return a < b ? [a, b] : [b, a];
}

/**
 * How much the treatment's part of a design column changes under `contrast`: for a numeric
 * treatment (which enters linearly) high − low; for a factor, the change of the indicator of
 * `level` (the column's level code): +1 at the high level, −1 at the low one, else 0.
 *
 * @example
 * ```ts
 * import { treatmentPartChange } from "./treatment_coding.ts";
 * const c = { name: "b - a", kind: "factor" as const, high: "b", low: "a", difference: NaN,
 *   highCode: 1, lowCode: 0 };
 * console.assert(treatmentPartChange(c, 1) === 1 && treatmentPartChange(c, 2) === 0);
 * ```
 */
export function treatmentPartChange(contrast: TreatmentContrast, level: number): number {
  if (contrast.kind !== "factor") return contrast.difference;
  return (level === contrast.highCode ? 1 : 0) - (level === contrast.lowCode ? 1 : 0);
}

/**
 * Whether results name each entry's contrast: always, except where the treatment's one contrast
 * is 1 − 0 (a 0/1 treatment's JSON and text name none, docs/treatments.md). A factor's
 * "1 - 0" beside "2 - 0" (levels 0, 1, 2) is named like its other contrasts.
 *
 * @example
 * ```ts
 * import { namesContrasts } from "./treatment_coding.ts";
 * console.assert(!namesContrasts(["1 - 0"]) && namesContrasts(["1 - 0", "2 - 0"]));
 * ```
 */
export function namesContrasts(names: Iterable<string | undefined>): boolean {
  const distinct = new Set(names);
  distinct.delete(undefined);
  return distinct.size > 1 || (distinct.size === 1 && !distinct.has("1 - 0"));
}

/**
 * A contrast as titles and text read it: "1 vs -1", "b vs control" ("1 - -1" and "b - control"
 * stay its name, which results and `{ contrast }` use); a slope's "per unit of dose" as it is.
 *
 * @example
 * ```ts
 * import { contrastText } from "./treatment_coding.ts";
 * const c = { name: "1 - -1", kind: "two-valued" as const, high: "1", low: "-1", difference: 2,
 *   highCode: -1, lowCode: -1 };
 * console.assert(contrastText(c) === "1 vs -1");
 * ```
 */
export function contrastText(contrast: TreatmentContrast): string {
  return contrast.kind === "continuous" ? contrast.name : `${contrast.high} vs ${contrast.low}`;
}

/**
 * How titles and summaries name the effect: "treat" for a 0/1 treatment (no contrast named),
 * "pm (1 vs -1)", "arm (b vs control)", "dose, per unit" for the other codings.
 *
 * @example
 * ```ts
 * import { describeContrast } from "./treatment_coding.ts";
 * const c = { name: "1 - -1", kind: "two-valued" as const, high: "1", low: "-1", difference: 2,
 *   highCode: -1, lowCode: -1 };
 * console.assert(describeContrast("pm", c) === "pm (1 vs -1)");
 * ```
 */
export function describeContrast(treatment: string, contrast: TreatmentContrast): string {
  if (contrast.kind === "binary") return treatment;
  if (contrast.kind === "continuous") return `${treatment}, per unit`;
  return `${treatment} (${contrastText(contrast)})`;
}
