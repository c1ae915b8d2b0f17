/** The bernoulli family: y ∈ {0, 1}, logit link. */
import { eventVariation } from "./outcome_variation.ts";
import { mustBe } from "./outcome_message.ts";
import type { Family } from "./family.ts";
import { sumAndRows } from "./compressed_stats.ts";
import { logistic, LOGIT_WGSL, logitPatterns, logitPointwise, logitWorkingStep } from "./logit.ts";

/**
 * Bernoulli outcomes (brms `bernoulli()`): P(y = 1) = logistic(η).
 *
 * @example
 * ```ts
 * import { bernoulli } from "./bernoulli.ts";
 * console.assert(bernoulli.checkOutcome(2, NaN, { family: "bernoulli", outcome: "y", row: 0 }) !== null && bernoulli.expectedValue(0, NaN) === 0.5);
 * ```
 */
export const bernoulli: Family = {
  name: "bernoulli",
  brms: "bernoulli",
  link: "logit",
  linkScale: "on the log-odds scale",
  inverseLink: logistic,
  parameters: [],
  needsTrials: false,
  discrete: true,
  compression: "patterns",
  patternsKeepOutcome: false,
  collapsible: false,
  outcomeAdvice: "1 for the event, 0 otherwise",
  checkOutcome: (y, _n, where) => y === 0 || y === 1 ? null : mustBe("0 or 1", y, where),
  checkVariation: (outcome, y, trials) => eventVariation("bernoulli", outcome, y, trials),
  separable: true,
  wasmPatterns: { likelihood: "logit", fields: (s) => [s.ySum, s.rows] },
  patternLogLikelihood: (stats, eta, _extra, dEta) =>
    logitPatterns(stats.ySum, stats.rows, eta, dEta),
  pointwiseLogLikelihood: (y, _trials, eta) => logitPointwise(y, 1, eta, 0),
  expectedValue: (eta) => 1 * logistic(eta),
  predictiveDraw: (mu, _trials, _extra, _s, rng) => rng.uniform() < mu ? 1 : 0,
  priorOutcome: () => null,
  pilotSums: (s, p) => ({ sum: s.ySum[p], weight: s.rows[p], sumSq: 0 }),
  workingStep: (eta, sums) => logitWorkingStep(eta, sums),
  wgsl: { ...LOGIT_WGSL, gpuFields: sumAndRows },
};
