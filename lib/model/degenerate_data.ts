/**
 * Data that no sampler can fit well, diagnosed before sampling: an outcome without variation, an
 * outcome on a scale float64 cannot resolve (variance 1e-24, values scaled by 1e12), counts so
 * large that the posterior is needle-thin, and (quasi-)separation in bernoulli/binomial models,
 * where a predictor splits the rows into all-events and all-non-events, so that with a flat
 * prior its coefficient has no finite estimate. Each is refused (HetfxError) or returned as a
 * warning with the reason and the fix, instead of surfacing after sampling as poor diagnostics.
 * The family-specific parts are two small functions, easy to move into a family registry.
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import { formatValue } from "../data/table.ts";
import type { Family, PriorDistribution } from "../spec/model_spec.ts";

const FAIL = "Cannot build model";
/** Outcome sds beyond these are refused: float64 and the sampler's step sizes break down. */
const SD_REFUSE_LOW = 1e-10;
const SD_REFUSE_HIGH = 1e10;
/** Outcome sds beyond these get a "rescale" warning. */
const SD_WARN_LOW = 1e-6;
const SD_WARN_HIGH = 1e6;
/** The sd relative to the mean below which the variation is at float64 rounding level. */
const RELATIVE_REFUSE = 1e-10;
/** Poisson counts above these are refused / warned of. */
const COUNT_REFUSE = 1e8;
const COUNT_WARN = 1e6;

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
  const n = y.length;
  if (n === 0) return [];
  if (family === "bernoulli" || family === "binomial") {
    const all = (f: (i: number) => boolean) => {
      for (let i = 0; i < n; i++) if (!f(i)) return false;
      return true;
    };
    const none = all((i) => y[i] === 0);
    const every = all((i) => y[i] === (trials ? trials[i] : 1));
    if (none || every) {
      throw new HetfxError(
        `${FAIL}: outcome "${outcome}" is ${none ? "0 (no event)" : "an event"} in every row, ` +
          `so the ${family} model has no finite estimate of the intercept (perfect separation); ` +
          `a model needs rows with and without the event.`,
      );
    }
    return [];
  }
  if (family === "poisson" || family === "negbinomial") {
    let max = 0;
    for (let i = 0; i < n; i++) if (y[i] > max) max = y[i];
    if (max === 0) {
      throw new HetfxError(
        `${FAIL}: outcome "${outcome}" is 0 in every row, so the ${family} model has no finite ` +
          `estimate of the intercept (log of a zero rate); a model needs some non-zero counts.`,
      );
    }
    // Overdispersed counts keep wide posteriors: the large-count advice is Poisson's alone.
    if (family === "negbinomial") return [];
    const advice = `the posterior of every coefficient is extremely narrow (sd about ` +
      `1/√count) and sampling is slow and fragile; model a rate instead (e.g. a gaussian model ` +
      `of log(${outcome}), or counts in larger units)`;
    if (max > COUNT_REFUSE) {
      throw new HetfxError(
        `${FAIL}: outcome "${outcome}" has counts up to ${formatValue(max)}: ${advice}.`,
      );
    }
    return max > COUNT_WARN
      ? [`Outcome "${outcome}" has counts up to ${formatValue(max)}: ${advice}.`]
      : [];
  }
  let constant = true;
  for (let i = 1; i < n && constant; i++) constant = y[i] === y[0];
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i] / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (y[i] - mean) ** 2;
  const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  if (constant) {
    throw new HetfxError(
      `${FAIL}: outcome "${outcome}" has the same value (${formatValue(y[0])}) in every row: ` +
        `there is no variation to model. Check the outcome column or the rows you filtered.`,
    );
  }
  // An sd that overflows (values near 1e200) is left to the sampler's initial-point diagnosis,
  // which names the non-finite likelihood.
  if (!Number.isFinite(sd)) return [];
  const power = Math.round(Math.log10(sd));
  const rescale = `rescale y: model "${outcome}" ${power > 0 ? "divided" : "multiplied"} by ` +
    `1e${Math.abs(power)} (a new column), so that its sd is near 1`;
  if (sd < RELATIVE_REFUSE * Math.abs(mean)) {
    throw new HetfxError(
      `${FAIL}: outcome "${outcome}" varies by only ${formatValue(sd)} (sd) around ` +
        `${formatValue(mean)}, below float64 precision for such values; subtract a constant ` +
        `(e.g. ${formatValue(mean)}) and ${rescale}.`,
    );
  }
  if (sd < SD_REFUSE_LOW || sd > SD_REFUSE_HIGH) {
    throw new HetfxError(
      `${FAIL}: outcome "${outcome}" has sd ${formatValue(sd)}, a scale the sampler cannot ` +
        `adapt to (step sizes and priors are set on the outcome's scale); ${rescale}.`,
    );
  }
  if (sd < SD_WARN_LOW || sd > SD_WARN_HIGH) {
    return [
      `Outcome "${outcome}" has sd ${formatValue(sd)}: sampling works best on outcomes of ` +
      `moderate scale; ${rescale}.`,
    ];
  }
  return [];
}

/** A population-level design column (uncentred) and its coefficient's prior. */
export interface SeparationColumn {
  name: string;
  values: Float64Array;
  prior: PriorDistribution;
}

/**
 * (Quasi-)separation in a bernoulli/binomial model, one predictor at a time: a 0/1 column
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
  if (family !== "bernoulli" && family !== "binomial") return [];
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
