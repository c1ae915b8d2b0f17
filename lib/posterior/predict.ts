/**
 * Predictions from a fit for arbitrary rows, with brms semantics:
 * - `type: "expectation"` (default): the expected outcome (brms `posterior_epred`) on the
 *   response scale — identity for gaussian/student, inverse logit for bernoulli (a probability),
 *   trials × inverse logit for binomial, exp for poisson and negbinomial; for cumulative, one
 *   number per draw, E[y] = Σ k·P(y = k) over the category numbers 1…K, where brms's
 *   `posterior_epred` gives the K probabilities P(y = k) (here {@link categoryProbabilityFunction};
 *   effects' `{ category: k }` contrasts them)
 *   — or η itself with `scale: "link"` (brms `posterior_linpred`; cumulative: the latent mean,
 *   without the thresholds);
 * - `type: "prediction"`: posterior predictive draws of new outcomes (brms `posterior_predict`),
 *   from the counter RNG keyed by (seed, draw, row, stream 17), so the same seed gives the same
 *   draws in any order.
 */
import { familyDraws } from "./family_draws.ts";
import { HetfxError } from "../errors.ts";
import { checkOptions, optionNames } from "../options.ts";
import { getColumn, rowNumber, type Table } from "../data/table.ts";
import type { Family } from "../spec/model_spec.ts";
import { familyOf } from "../families/mod.ts";
import { KeyedStream } from "../math/rng.ts";
import { summarizeDraws } from "../diagnostics/quantiles.ts";
import type { FitResult } from "./fit_result.ts";
import type { DrawSummary } from "./types.ts";
import {
  LinearPredictor,
  type LinearPredictorOptions,
  PosteriorStreams,
  PREDICT_CALLER,
  type PredictionCaller,
  trainingTable,
} from "./linear_predictor.ts";

/** Options of {@link predict}. */
export interface PredictOptions extends LinearPredictorOptions {
  /** "response" (default): the outcome scale; "link": the linear predictor. */
  scale?: "response" | "link";
  /** "expectation" (default): E[y | draw]; "prediction": a new outcome per draw. */
  type?: "expectation" | "prediction";
}

/** Draws and summary of one row's prediction. */
export interface RowPrediction extends DrawSummary {
  row: number;
  draws: Float64Array;
}

/** Inverse link of a family (canonical links: identity, logit, log). */
export function inverseLink(family: Family): (eta: number) => number {
  return familyOf(family).inverseLink;
}

const PREDICT_OPTION_NAMES = optionNames<PredictOptions>({
  scale: true,
  type: true,
  allowNewLevels: true,
  seed: true,
});

/**
 * Posterior predictions for the rows of `newdata` (default: the training rows).
 *
 * @example
 * ```ts ignore
 * const rows = predict(fit, newdata, { scale: "response" });
 * rows[0].mean; // posterior mean of row 1's expected outcome
 * ```
 */
export function predict(
  fit: FitResult,
  newdata?: Table,
  options: PredictOptions = {},
): RowPrediction[] {
  checkOptions(options, PREDICT_OPTION_NAMES, "Cannot predict");
  const scale = options.scale ?? "response";
  const type = options.type ?? "expectation";
  if (scale !== "response" && scale !== "link") {
    throw new HetfxError(`Cannot predict: scale "${scale}" must be "response" or "link".`);
  }
  if (type !== "expectation" && type !== "prediction") {
    throw new HetfxError(`Cannot predict: type "${type}" must be "expectation" or "prediction".`);
  }
  if (type === "prediction" && scale === "link") {
    throw new HetfxError('Cannot predict: type "prediction" is on the response scale only.');
  }
  const table = newdata ?? trainingTable(fit, "predictions");
  const lp = new LinearPredictor(fit, table, options);
  // The link scale is η alone: it needs no trials column.
  const response = scale === "response"
    ? responseFunction(fit, table, type, options.seed ?? fit.info.options.seed)
    : null;
  const out: RowPrediction[] = [];
  for (let i = 0; i < lp.nRows; i++) {
    const draws = lp.eta(i, new Float64Array(lp.draws));
    response?.(i, draws);
    out.push({ row: i, ...summarizeDraws(draws), draws });
  }
  return out;
}

/**
 * In-place map from η draws of row `row` to the response scale (expectation or a predictive
 * draw); with `only`, of those draws (indices into η) alone, each the value it has when all are
 * mapped. Exposed for effects, poststratification and pp_check. `meanTrials`: the table's
 * trials are means over the data rows a row stands for (an aggregated fit's key rows), so an
 * expectation takes any trials ≥ 1 (E[y] = trials × p is linear in them), not only counts.
 */
export function responseFunction(
  fit: FitResult,
  table: Table,
  type: "expectation" | "prediction",
  seed: number,
  meanTrials = false,
  caller: PredictionCaller = PREDICT_CALLER,
): (row: number, eta: Float64Array, only?: readonly number[]) => void {
  const { context, rows } = caller;
  const family = familyOf(fit.spec.family, fit.spec.link);
  const inv = family.inverseLink;
  if (family.needsTrials && fit.spec.trials && table.columns[fit.spec.trials] === undefined) {
    throw new HetfxError(
      `${context}: ${rows} has no trials column "${fit.spec.trials}"; a ${family.name} ` +
        `model's outcome on the response scale counts successes out of the trials, so add the ` +
        `column (whole numbers ≥ 1), or ask for scale: "link".`,
    );
  }
  const trials = family.needsTrials && fit.spec.trials
    ? (getColumn(table, fit.spec.trials, context) as { values?: Float64Array }).values
    : undefined;
  if (family.needsTrials && trials === undefined) {
    throw new HetfxError(
      `${context}: a ${family.name} model needs the numeric trials column "${fit.spec.trials}".`,
    );
  }
  // Trials count draws of the outcome: a whole number ≥ 1 in every row, as in the fit's rows
  // (means of such, ≥ 1, where the rows are an aggregate's keys).
  const whole = !(meanTrials && type === "expectation");
  const badTrials = trials?.findIndex((m) => !((!whole || Number.isInteger(m)) && m >= 1)) ?? -1;
  if (badTrials >= 0) {
    const value = trials![badTrials];
    throw new HetfxError(
      `${context}: the trials column "${fit.spec.trials}" ${
        Number.isNaN(value) ? "is missing" : `holds ${value}`
      } in row ${
        rowNumber(table, badTrials)
      }; trials must be whole numbers ≥ 1, as in the data fitted.`,
    );
  }
  const extra = familyDraws(fit, family);
  if (type === "expectation") {
    return (row, eta, only) => {
      const m = trials ? trials[row] : 1;
      const n = only ? only.length : eta.length;
      for (let j = 0; j < n; j++) {
        const s = only ? only[j] : j;
        eta[s] = family.expectedValue(eta[s], m, extra, s);
      }
    };
  }
  const rng = new KeyedStream(seed, 0, 0, PosteriorStreams.prediction);
  return (row, eta, only) => {
    const m = trials ? trials[row] : 1;
    const n = only ? only.length : eta.length;
    for (let j = 0; j < n; j++) {
      // Keyed by (draw, row): a draw's value is the same whichever other draws are asked for.
      const s = only ? only[j] : j;
      rng.reset(seed, s, row, PosteriorStreams.prediction);
      eta[s] = family.predictiveDraw(inv(eta[s]), m, extra, s, rng);
    }
  };
}

/**
 * In-place map from η draws to P(from ≤ y ≤ to | draw) for an ordinal family (categories
 * 1…K): the probability of one category (from = to) or of a range such as y ≥ 4.
 *
 * @example
 * ```ts ignore
 * const atLeast4 = categoryProbabilityFunction(fit, 4, 5); // P(y ≥ 4) on a 1–5 scale
 * ```
 */
export function categoryProbabilityFunction(
  fit: FitResult,
  from: number,
  to: number,
): (row: number, eta: Float64Array) => void {
  const family = familyOf(fit.spec.family, fit.spec.link);
  if (family.categoryProbabilities === undefined) throw new Error("not an ordinal family");
  const extra = familyDraws(fit, family);
  const probs = new Float64Array(extra.length - family.parameters.length + 1);
  return (_row, eta) => {
    for (let s = 0; s < eta.length; s++) {
      family.categoryProbabilities!(eta[s], extra, s, probs);
      let p = 0;
      for (let k = from; k <= to; k++) p += probs[k - 1];
      eta[s] = p;
    }
  };
}
