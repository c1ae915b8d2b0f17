/**
 * A declared category order for an ordinal outcome (R's ordered factor, brms's
 * `factor(y, levels = …, ordered = TRUE)`): `levels: ["disagree", "neutral", "agree"]` makes
 * the rows' values (text, or numbers written as text) categories 1, 2, 3 in that order.
 *
 * Levels declared but never observed are dropped, as brms does by default
 * (`drop_unused_levels = TRUE`: R's model frame drops a factor's unused levels), so K is the
 * number of observed declared levels and the thresholds stay identified by the data; the fit
 * warns which levels were dropped.
 */
import { HetfxError, showValue } from "../errors.ts";
import { getColumn, isMissing, labelAt, rowNumber, type Table } from "../data/table.ts";
import { FAMILY_ROLES, type ModelSpec } from "./model_spec.ts";

const FAIL = "Cannot build model";

/**
 * The declared levels as strings, checked: at least two, none repeated, each a non-empty text
 * (numbers are written as text: 3 → "3"). A HetfxError names the problem.
 *
 * @example
 * ```ts
 * import { checkLevelList } from "./outcome_levels.ts";
 * console.assert(checkLevelList(["low", "mid", 3]).join() === "low,mid,3");
 * try { checkLevelList(["a", "a"]); } catch (e) { console.assert(String(e).includes('"a"')); }
 * ```
 */
export function checkLevelList(levels: unknown): string[] {
  if (!Array.isArray(levels)) {
    throw new HetfxError(
      `${FAIL}: the outcome's levels must be a list of category labels in order, like ` +
        `["disagree", "neutral", "agree"], got ${showValue(levels)}.`,
    );
  }
  const out = levels.map((l) => {
    if (typeof l === "number" && Number.isFinite(l)) return String(l);
    if (typeof l !== "string" || l.trim() === "") {
      throw new HetfxError(
        `${FAIL}: every outcome level must be a non-empty label (text or number), got ` +
          `${showValue(l)} in [${levels.map((x) => showValue(x)).join(", ")}].`,
      );
    }
    return l;
  });
  if (out.length < 2) {
    throw new HetfxError(
      `${FAIL}: an ordinal outcome needs at least two levels, got ${out.length} ` +
        `(${out.map((l) => `"${l}"`).join(", ") || "none"}).`,
    );
  }
  const seen = new Set<string>();
  for (const l of out) {
    if (seen.has(l)) {
      throw new HetfxError(
        `${FAIL}: the outcome level "${l}" is declared twice; list each category once, in ` +
          `order from lowest to highest.`,
      );
    }
    seen.add(l);
  }
  return out;
}

/**
 * Checks `spec.outcomeLevels` (when present) against the family: only families with ordered
 * thresholds (cumulative) take a declared category order.
 *
 * @example
 * ```ts
 * import { checkOutcomeLevels } from "./outcome_levels.ts";
 * const spec = { hetfx: 1 as const, outcome: "y", family: "bernoulli" as const, intercept: true,
 *   treatment: null, terms: [], groupTerms: [], priors: [], outcomeLevels: ["a", "b"] };
 * try { checkOutcomeLevels(spec); } catch (e) { console.assert(String(e).includes("cumulative")); }
 * ```
 */
export function checkOutcomeLevels(spec: ModelSpec): void {
  if (spec.outcomeLevels === undefined) return;
  if (!("thresholds" in FAMILY_ROLES[spec.family])) {
    throw new HetfxError(
      `${FAIL}: levels (a declared category order of "${spec.outcome}") apply to ordinal ` +
        `families (cumulative), not ${spec.family}; drop the levels, or use family "cumulative".`,
    );
  }
  checkLevelList(spec.outcomeLevels);
}

/** The outcome as categories 1…K of the declared order, with the levels kept and dropped. */
export interface DeclaredOutcome {
  /** Each row's category 1…K among the observed levels (in declared order). */
  y: Float64Array;
  /** The K observed levels, in declared order: category k is `labels[k − 1]`. */
  labels: string[];
  /** Declared levels no row has (dropped, as brms's drop_unused_levels). */
  unused: string[];
}

/**
 * Maps each row's value of the outcome column to its position among the declared `levels`,
 * dropping levels no row has (brms's default). A value not declared is refused naming the
 * column, the row and the value; missing values must be handled before (requireComplete).
 *
 * @example
 * ```ts
 * import { declaredOutcome } from "./outcome_levels.ts";
 * import { makeTable } from "../data/table.ts";
 * const t = makeTable({
 *   y: { kind: "factor", codes: new Int32Array([0, 1, 0]), levels: ["agree", "disagree"] },
 * });
 * const d = declaredOutcome(t, "y", ["disagree", "neutral", "agree"]);
 * console.assert(d.y.join() === "2,1,2" && d.labels.join() === "disagree,agree");
 * console.assert(d.unused.join() === "neutral");
 * ```
 */
export function declaredOutcome(
  table: Table,
  outcome: string,
  levels: readonly string[],
): DeclaredOutcome {
  const column = getColumn(table, outcome, FAIL);
  // Levels as text, as the rows are read (a hand-written spec may hold numbers: [1, 2, 3]).
  levels = checkLevelList(levels);
  const position = new Map(levels.map((l, k) => [l, k]));
  const declared = new Int32Array(table.nRows);
  const seen = new Uint8Array(levels.length);
  for (let i = 0; i < table.nRows; i++) {
    const value = labelAt(column, i);
    const k = isMissing(column, i) ? undefined : position.get(value);
    if (k === undefined) {
      const list = levels.map((l) => `"${l}"`).join(", ");
      throw new HetfxError(
        `${FAIL}: outcome "${outcome}" has "${value}" in row ${
          rowNumber(table, i)
        }, which is not one of its ` +
          `declared levels (${list}); add it to the levels in its place, or recode the row.`,
      );
    }
    declared[i] = k;
    seen[k] = 1;
  }
  // Observed levels renumbered 1…K in declared order.
  const renumber = new Int32Array(levels.length);
  const labels: string[] = [];
  const unused: string[] = [];
  levels.forEach((l, k) => {
    if (seen[k]) renumber[k] = labels.push(l);
    else unused.push(l);
  });
  if (labels.length < 2) {
    throw new HetfxError(
      `${FAIL}: outcome "${outcome}" is "${labels[0]}" in every row; an ordinal model needs at ` +
        `least two observed categories.`,
    );
  }
  const y = new Float64Array(table.nRows);
  for (let i = 0; i < y.length; i++) y[i] = renumber[declared[i]];
  return { y, labels, unused };
}
