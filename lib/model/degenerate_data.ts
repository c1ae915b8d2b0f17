/**
 * Data that no sampler can fit well, diagnosed before sampling: an outcome without variation or
 * on an unusable scale (the family's `checkVariation`, lib/families/outcome_variation.ts), and
 * (quasi-)separation in families with event outcomes, where a predictor splits the rows into
 * all-events and all-non-events, so that with a flat prior its coefficient has no finite
 * estimate. Each is refused (HetfxError) or returned as a warning with the reason and the fix,
 * instead of surfacing after sampling as poor diagnostics.
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import { formatValue } from "../data/table.ts";
import type { Family, PriorDistribution } from "../spec/model_spec.ts";
import { familyOf } from "../families/mod.ts";

const FAIL = "Cannot build model";

/**
 * Refuse an outcome without variation or on an unusable scale; return warnings for a scale
 * that works but samples poorly. `trials` is the binomial trials column.
 *
 * @example
 * ```ts
 * import { checkOutcomeVariation } from "./degenerate_data.ts";
 * let message = "";
 * try { checkOutcomeVariation("gaussian", "y", Float64Array.of(2e12, 3e12, 5e12), null); }
 * catch (e) { message = String(e); }
 * console.assert(message.includes("rescale"));
 * ```
 */
export function checkOutcomeVariation(
  family: Family,
  outcome: string,
  y: Float64Array,
  trials: Float64Array | null,
): string[] {
  if (y.length === 0) return [];
  return familyOf(family).checkVariation(outcome, y, trials);
}

/** A population-level design column (uncentred) and its coefficient's prior. */
export interface SeparationColumn {
  name: string;
  values: Float64Array;
  prior: PriorDistribution;
}

/**
 * (Quasi-)separation in a model of events (`Family.separable`), one predictor at a time: a 0/1 column
 * whose rows at 1 (or at 0) are all events or all non-events, or a numeric column with a
 * threshold that splits events from non-events. With a flat prior the coefficient has no
 * finite estimate: refused, suggesting a prior; with a proper prior, a warning that the prior
 * alone bounds it. Other families: nothing to check.
 *
 * @example
 * ```ts
 * import { checkSeparation } from "./degenerate_data.ts";
 * const x = Float64Array.of(0, 0, 1, 1), y = Float64Array.of(0, 0, 1, 1);
 * let message = "";
 * try { checkSeparation("bernoulli", "y", y, null, [{ name: "x", values: x, prior: { dist: "flat" } }]); }
 * catch (e) { message = String(e); }
 * console.assert(message.includes('"x"') && message.includes("separation"));
 * ```
 */
export function checkSeparation(
  family: Family,
  outcome: string,
  y: Float64Array,
  trials: Float64Array | null,
  columns: readonly SeparationColumn[],
): string[] {
  if (!familyOf(family).separable) return [];
  const n = y.length;
  // Per row: −1 no event (y = 0), +1 all events (y = trials), 0 both.
  const side = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    const top = trials ? trials[i] : 1;
    side[i] = y[i] === 0 ? -1 : y[i] === top ? 1 : 0;
  }
  const warnings: string[] = [];
  for (const column of columns) {
    const found = separates(column.values, side);
    if (found === null) continue;
    const what = `predictor "${column.name}" separates the outcome "${outcome}": ${found.reason}`;
    // Rows at 0 of a 0/1 column are the intercept's: its proper default prior bounds it, and
    // the coefficient through it, so that case is a warning whatever the coefficient's prior.
    if (column.prior.dist === "flat" && found.unbounded) {
      throw new HetfxError(
        `${FAIL}: ${what}, so with a flat prior its coefficient has no finite estimate ` +
          `(perfect separation). Give it a proper prior, e.g. "b ~ normal(0, 2.5)" ` +
          `(--prior "b[${column.name}] ~ normal(0, 2.5)"), or remove it.`,
      );
    }
    warnings.push(
      `${what[0].toUpperCase()}${what.slice(1)}; its coefficient is bounded only by its prior ` +
        `(perfect separation).`,
    );
  }
  return warnings;
}

/** Why `x` separates the rows' sides (and whether a flat prior leaves it unbounded), or null. */
function separates(
  x: Float64Array,
  side: Int8Array,
): { reason: string; unbounded: boolean } | null {
  const n = x.length;
  let binary = true;
  for (let i = 0; i < n && binary; i++) binary = x[i] === 0 || x[i] === 1;
  if (binary) {
    for (const at of [1, 0]) {
      let seen = 0;
      let sum = 0;
      let mixed = false;
      for (let i = 0; i < n; i++) {
        if (x[i] !== at) continue;
        seen++;
        if (side[i] === 0) mixed = true;
        sum += side[i];
      }
      if (seen > 0 && !mixed && Math.abs(sum) === seen && seen < n) {
        return {
          reason: `every row where it is ${at} has ${sum > 0 ? "the event" : "no event"}`,
          unbounded: at === 1,
        };
      }
    }
    return null;
  }
  // Numeric: all events above all non-events (or below), touching at most at one value.
  let maxNo = -Infinity, minNo = Infinity, maxYes = -Infinity, minYes = Infinity;
  for (let i = 0; i < n; i++) {
    if (side[i] === 0) return null;
    if (side[i] < 0) (maxNo = Math.max(maxNo, x[i])), (minNo = Math.min(minNo, x[i]));
    else (maxYes = Math.max(maxYes, x[i])), (minYes = Math.min(minYes, x[i]));
  }
  if (!Number.isFinite(maxNo) || !Number.isFinite(maxYes)) return null;
  if (maxNo < minYes) {
    return {
      reason: `every row with it above ${formatValue(maxNo)} has the event and none below`,
      unbounded: true,
    };
  }
  if (maxYes < minNo) {
    return {
      reason: `every row with it below ${formatValue(minNo)} has the event and none above`,
      unbounded: true,
    };
  }
  return null;
}
