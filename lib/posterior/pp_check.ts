/**
 * Posterior predictive check data (bayesplot `pp_check`): the observed outcome and a few
 * replicated data sets drawn from the posterior predictive distribution, as plain data for
 * density overlays (gaussian and student likelihoods, even on a 0/1 outcome as in a linear
 * probability model) or bar charts of counts per value (bernoulli, binomial, poisson).
 */
import { HetfxError } from "../errors.ts";
import { checkOptions, checkSeed, optionNames } from "../options.ts";
import { categoryLabels } from "../model/ordinal_outcome.ts";
import { outcomeValues } from "./outcome_values.ts";
import type { FitResult } from "./fit_result.ts";
import { LinearPredictor, trainingTable } from "./linear_predictor.ts";
import { responseFunction } from "./predict.ts";
import { familyOf } from "../families/mod.ts";

/** Options of {@link ppCheck}. */
export interface PpCheckOptions {
  /** Number of replicated data sets, taken evenly spaced over all draws. Default 50. */
  draws?: number;
  seed?: number;
}

/** Observed vs replicated outcomes. */
export interface PpCheckData {
  outcome: string;
  family: string;
  /** "density" for continuous outcomes, "bars" for discrete ones. */
  kind: "density" | "bars";
  y: number[];
  /** One replicated data set per selected draw (same length as y). */
  yrep: number[][];
  /** Index (chain-major) of the posterior draw behind each replicated data set. */
  drawIndex: number[];
  /**
   * For "bars": the values and the observed count of each, and each replicate's counts;
   * ordinal families: every category 1…K, with `labels` (the declared levels, or "1"…"K").
   */
  bars?: { values: number[]; observed: number[]; replicated: number[][]; labels?: string[] };
}

const PP_CHECK_OPTION_NAMES = optionNames<PpCheckOptions>({ draws: true, seed: true });

/**
 * Posterior predictive check data for the training rows.
 *
 * @example
 * ```ts ignore
 * const pp = ppCheck(fit, { draws: 50 }); // pp.y, pp.yrep[0..49]
 * ```
 */
export function ppCheck(fit: FitResult, options: PpCheckOptions = {}): PpCheckData {
  checkOptions(options, PP_CHECK_OPTION_NAMES, "Cannot run pp_check", { ndraws: "draws" });
  checkSeed(options.seed, "Cannot run pp_check");
  const table = trainingTable(fit, "posterior predictive checks");
  const y = { values: outcomeValues(fit, table, "Cannot run pp_check") };
  const lp = new LinearPredictor(fit, table);
  const S = lp.draws;
  const asked = options.draws ?? 50;
  if (typeof asked !== "number" || !Number.isInteger(asked) || asked < 1) {
    throw new HetfxError(
      `Cannot run pp_check: draws = ${String(asked)} must be a whole number ≥ 1 (at most ` +
        `${S}, the draws there are).`,
    );
  }
  const k = Math.min(asked, S);
  const drawIndex = Array.from({ length: k }, (_, j) => Math.floor((j * S) / k));
  const replicate = responseFunction(
    fit,
    table,
    "prediction",
    options.seed ?? fit.info.options.seed,
  );
  const yrep = drawIndex.map(() => new Array<number>(table.nRows));
  const eta = new Float64Array(S);
  for (let i = 0; i < table.nRows; i++) {
    lp.eta(i, eta);
    // Only the draws shown (50 of 4,000 by default) get a replicated outcome.
    replicate(i, eta, drawIndex);
    drawIndex.forEach((s, j) => (yrep[j][i] = eta[s]));
  }
  const observed = Array.from(y.values);
  const distinct = [...new Set(observed)].sort((a, b) => a - b);
  const kind = familyOf(fit.spec.family, fit.spec.link).discrete ? "bars" : "density";
  const out: PpCheckData = {
    outcome: fit.spec.outcome,
    family: fit.spec.family,
    kind,
    y: observed,
    yrep,
    drawIndex,
  };
  if (kind === "bars") {
    const thresholds = fit.data.thresholds;
    const labels = thresholds ? categoryLabels(thresholds) : undefined;
    const values = labels
      ? labels.map((_, k) => k + 1)
      : [...new Set([...distinct, ...yrep.flat()])].sort((a, b) => a - b);
    // One pass per series (a count per value); a pass per value was O(values × rows), slow for
    // counts of a wide range.
    const position = new Map(values.map((v, i) => [v, i]));
    const count = (xs: number[]) => {
      const counts = new Array<number>(values.length).fill(0);
      for (const x of xs) {
        const i = position.get(x);
        if (i !== undefined) counts[i]++;
      }
      return counts;
    };
    out.bars = {
      values,
      observed: count(observed),
      replicated: yrep.map(count),
      ...(labels ? { labels } : {}),
    };
  }
  return out;
}
