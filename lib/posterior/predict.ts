/**
 * Predictions from a fit for arbitrary rows, with brms semantics:
 * - `type: "expectation"` (default): the expected outcome (brms `posterior_epred`) on the
 *   response scale — identity for gaussian/student, inverse logit for bernoulli (a probability),
 *   trials × inverse logit for binomial, exp for poisson — or η itself with `scale: "link"`
 *   (brms `posterior_linpred`);
 * - `type: "prediction"`: posterior predictive draws of new outcomes (brms `posterior_predict`),
 *   from the counter RNG keyed by (seed, draw, row, stream 17), so the same seed gives the same
 *   draws in any order.
 */
import { HetfxError } from "../errors.ts";
import { checkOptions, optionNames } from "../options.ts";
import { getColumn, type Table } from "../data/table.ts";
import type { Family } from "../spec/model_spec.ts";
import { KeyedStream } from "../math/rng.ts";
import { summarizeDraws } from "../diagnostics/quantiles.ts";
import type { FitResult } from "./fit_result.ts";
import type { DrawSummary } from "./types.ts";
import {
  LinearPredictor,
  type LinearPredictorOptions,
  PosteriorStreams,
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
  switch (family) {
    case "bernoulli":
    case "binomial":
      return (eta) => 1 / (1 + Math.exp(-eta));
    case "poisson":
      return Math.exp;
    default:
      return (eta) => eta;
  }
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
  const response = responseFunction(fit, table, type, options.seed ?? fit.info.options.seed);
  const out: RowPrediction[] = [];
  for (let i = 0; i < lp.nRows; i++) {
    const draws = lp.eta(i, new Float64Array(lp.draws));
    if (scale === "response") response(i, draws);
    out.push({ row: i, ...summarizeDraws(draws), draws });
  }
  return out;
}

/**
 * In-place map from η draws of row `row` to the response scale (expectation or a predictive
 * draw). Exposed for effects, poststratification and pp_check.
 */
export function responseFunction(
  fit: FitResult,
  table: Table,
  type: "expectation" | "prediction",
  seed: number,
): (row: number, eta: Float64Array) => void {
  const family = fit.spec.family;
  const inv = inverseLink(family);
  const trials = family === "binomial" && fit.spec.trials
    ? (getColumn(table, fit.spec.trials, "Cannot predict") as { values?: Float64Array }).values
    : undefined;
  if (family === "binomial" && trials === undefined) {
    throw new HetfxError(
      `Cannot predict: a binomial model needs the numeric trials column "${fit.spec.trials}".`,
    );
  }
  if (type === "expectation") {
    return (row, eta) => {
      const m = trials ? trials[row] : 1;
      for (let s = 0; s < eta.length; s++) eta[s] = m * inv(eta[s]);
    };
  }
  const sigma = fit.named.values.get("sigma");
  const nu = fit.named.values.get("nu");
  const rng = new KeyedStream(seed, 0, 0, PosteriorStreams.prediction);
  return (row, eta) => {
    for (let s = 0; s < eta.length; s++) {
      rng.reset(seed, s, row, PosteriorStreams.prediction);
      const mu = inv(eta[s]);
      switch (family) {
        case "gaussian":
          eta[s] = mu + sigma![s] * rng.normal();
          break;
        case "student":
          eta[s] = mu + sigma![s] * rng.normal() / Math.sqrt(gamma(rng, nu![s] / 2) * 2 / nu![s]);
          break;
        case "bernoulli":
          eta[s] = rng.uniform() < mu ? 1 : 0;
          break;
        case "binomial": {
          let k = 0;
          for (let t = 0; t < trials![row]; t++) if (rng.uniform() < mu) k++;
          eta[s] = k;
          break;
        }
        case "poisson":
          eta[s] = poisson(rng, mu);
          break;
      }
    }
  };
}

/** Gamma(shape, 1) by Marsaglia & Tsang (2000), with the shape < 1 boost. */
export function gamma(rng: KeyedStream, shape: number): number {
  if (shape < 1) return gamma(rng, shape + 1) * Math.pow(rng.uniform(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number, v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.uniform();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Poisson(λ) by inversion for λ ≤ 30, else via Gamma/binomial splitting (Knuth). */
export function poisson(rng: KeyedStream, lambda: number): number {
  let k = 0;
  while (lambda > 30) {
    const m = Math.floor(lambda * 7 / 8);
    const x = gamma(rng, m);
    if (x > lambda) {
      // Binomial(m − 1, λ / x) by summing Bernoullis.
      let b = 0;
      for (let i = 0; i < m - 1; i++) if (rng.uniform() < lambda / x) b++;
      return k + b;
    }
    k += m;
    lambda -= x;
  }
  let p = Math.exp(-lambda);
  let cdf = p;
  const u = rng.uniform();
  let j = 0;
  while (u > cdf && j < 1000) {
    j++;
    p *= lambda / j;
    cdf += p;
  }
  return k + j;
}
