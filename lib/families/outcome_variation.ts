/**
 * Outcome checks before sampling, one per kind of outcome (`Family.checkVariation`): event
 * outcomes need rows with and without the event, counts need a non-zero and not astronomically
 * large count, continuous outcomes need variation on a scale float64 and the sampler resolve.
 * Each refuses (HetfxError) or returns warnings naming the column and the fix.
 */
import { HetfxError } from "../errors.ts";
import { formatValue } from "../data/table.ts";

const FAIL = "Cannot build model";
/** Outcome sds beyond these are refused: float64 and the sampler's step sizes break down. */
const SD_REFUSE_LOW = 1e-10;
const SD_REFUSE_HIGH = 1e10;
/** Outcome sds beyond these get a "rescale" warning. */
const SD_WARN_LOW = 1e-6;
const SD_WARN_HIGH = 1e6;
/** The sd relative to the mean below which the variation is at float64 rounding level. */
const RELATIVE_REFUSE = 1e-10;
/**
 * The sd relative to the mean below which an outcome is warned of: NUTS's start no longer
 * reaches the intercept (a 1e4 ± 0.8 outcome left every chain stuck) and the Gaussian sums
 * Σy² − (Σy)²/n keep only ~(sd/mean)²/1e-16 of the variation.
 */
const RELATIVE_WARN = 1e-4;
/** Counts above these are refused / warned of. */
const COUNT_REFUSE = 1e8;
const COUNT_WARN = 1e6;

/**
 * Event outcomes (y events out of `trials`, or of 1 without trials): refused when every row
 * has the event or none has, since then the intercept has no finite estimate.
 *
 * @example
 * ```ts
 * import { eventVariation } from "./outcome_variation.ts";
 * let message = "";
 * try { eventVariation("bernoulli", "y", Float64Array.of(1, 1), null); } catch (e) { message = String(e); }
 * console.assert(message.includes("separation"));
 * ```
 */
export function eventVariation(
  family: string,
  outcome: string,
  y: Float64Array,
  trials: Float64Array | null,
): string[] {
  const n = y.length;
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

/**
 * Count outcomes: refused when every count is 0 or some count exceeds 1e8; a warning above 1e6.
 *
 * @example
 * ```ts
 * import { countVariation } from "./outcome_variation.ts";
 * console.assert(countVariation("poisson", "y", Float64Array.of(0, 2e6)).length === 1);
 * ```
 */
export function countVariation(
  family: string,
  outcome: string,
  y: Float64Array,
  overdispersed = false,
): string[] {
  let max = 0;
  for (let i = 0; i < y.length; i++) if (y[i] > max) max = y[i];
  if (max === 0) {
    throw new HetfxError(
      `${FAIL}: outcome "${outcome}" is 0 in every row, so the ${family} model has no finite ` +
        `estimate of the intercept (log of a zero rate); a model needs some non-zero counts.`,
    );
  }
  // Overdispersed counts keep wide posteriors: the large-count advice is Poisson's alone.
  if (overdispersed) return [];
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

/**
 * Continuous outcomes: refused when constant, when the variation is below float64 resolution
 * for the values' size, or when the sd is beyond 1e±10; a "rescale" warning beyond 1e±6.
 *
 * @example
 * ```ts
 * import { continuousVariation } from "./outcome_variation.ts";
 * console.assert(continuousVariation("y", Float64Array.of(1, 2, 4)).length === 0);
 * ```
 */
export function continuousVariation(outcome: string, y: Float64Array): string[] {
  const n = y.length;
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
  return continuousScale(outcome, mean, sd);
}

/**
 * {@link continuousVariation} from an outcome's moments — n rows, Σy and Σy² — as aggregated
 * data give them (lib/model/aggregate.ts). Variation below what the sums resolve (a sum of
 * squared deviations under 10⁻¹² of Σy², where Σy² − (Σy)²/n cancels to rounding) counts as
 * none: refused, naming the outcome.
 *
 * @example
 * ```ts
 * import { continuousVariationFromMoments } from "./outcome_variation.ts";
 * console.assert(continuousVariationFromMoments("y", 3, 7, 21).length === 0);
 * let message = "";
 * try { continuousVariationFromMoments("y", 3, 6, 12); } catch (e) { message = String(e); }
 * console.assert(message.includes("no variation"));
 * ```
 */
export function continuousVariationFromMoments(
  outcome: string,
  n: number,
  sum: number,
  sumSquares: number,
): string[] {
  const mean = sum / n;
  const ss = sumSquares - sum * mean;
  if (!(ss > 1e-12 * sumSquares)) {
    throw new HetfxError(
      `${FAIL}: outcome "${outcome}" has no variation the aggregate's sums resolve ` +
        `(Σy = ${formatValue(sum)}, Σy² = ${formatValue(sumSquares)} over ${n} rows; every ` +
        `row near ${formatValue(mean)}). Check the outcome column, or subtract a constant ` +
        `before aggregating.`,
    );
  }
  return continuousScale(outcome, mean, n > 1 ? Math.sqrt(ss / (n - 1)) : 0);
}

/** The scale checks of a varying continuous outcome with this mean and sd. */
function continuousScale(outcome: string, mean: number, sd: number): string[] {
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
  const warnings: string[] = [];
  if (sd < RELATIVE_WARN * Math.abs(mean)) {
    warnings.push(
      `Outcome "${outcome}" varies by only ${formatValue(sd)} (sd) around ` +
        `${formatValue(mean)}: so far from 0 for its spread, NUTS may not reach the intercept ` +
        `(chains stuck, R-hat far above 1) and a Gaussian model's sums of squares lose ` +
        `precision; subtract a constant (e.g. ${formatValue(mean)}) from "${outcome}" (a new ` +
        `column).`,
    );
  }
  if (sd < SD_WARN_LOW || sd > SD_WARN_HIGH) {
    warnings.push(
      `Outcome "${outcome}" has sd ${formatValue(sd)}: sampling works best on outcomes of ` +
        `moderate scale; ${rescale}.`,
    );
  }
  return warnings;
}
