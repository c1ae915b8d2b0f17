/** The binomial family: y successes out of a trials column, logit link. */
import { eventVariation } from "./outcome_variation.ts";
import { mustBe } from "./outcome_message.ts";
import type { Family } from "./family.ts";
import { logGamma } from "../math/special.ts";
import { binomial as binomialDraw } from "../math/variates.ts";
import { logistic, LOGIT_WGSL, logitPatterns, logitPointwise, logitWorkingStep } from "./logit.ts";

/**
 * Binomial outcomes (brms `binomial()` with `y | trials(n)`): y ~ Binomial(n, logistic(η)).
 *
 * @example
 * ```ts
 * import { binomial } from "./binomial.ts";
 * console.assert(binomial.checkOutcome(3, 2, { family: "binomial", outcome: "y", row: 0 }) !== null && binomial.expectedValue(0, 4) === 2);
 * ```
 */
export const binomial: Family = {
  name: "binomial",
  brms: "binomial",
  link: "logit",
  linkScale: "on the log-odds scale",
  inverseLink: logistic,
  parameters: [],
  needsTrials: true,
  discrete: true,
  compression: "patterns",
  patternsKeepOutcome: false,
  collapsible: false,
  outcomeAdvice: "the number of successes",
  checkOutcome: (y, n, where) => {
    if (y < 0 || !Number.isInteger(y)) return mustBe("a non-negative integer count", y, where);
    if (!Number.isInteger(n) || n < 1) {
      return `trials column "${where.trials}" must hold positive integers, ` +
        `but row ${where.row} has ${n}.`;
    }
    if (y > n) {
      return `row ${where.row} has ${y} successes in "${where.outcome}" but only ${n} ` +
        `trials in "${where.trials}".`;
    }
    return null;
  },
  checkVariation: (outcome, y, trials) => eventVariation("binomial", outcome, y, trials),
  separable: true,
  wasmPatterns: { likelihood: "logit", fields: (s) => [s.ySum, s.trialSum] },
  patternLogLikelihood: (stats, eta, _extra, dEta) =>
    logitPatterns(stats.ySum, stats.trialSum, eta, dEta),
  pointwiseLogLikelihood: (y, n, eta) =>
    logitPointwise(y, n, eta, logGamma(n + 1) - logGamma(y + 1) - logGamma(n - y + 1)),
  expectedValue: (eta, n) => n * logistic(eta),
  predictiveDraw: (mu, n, _extra, _s, rng) => binomialDraw(rng, n, mu),
  priorOutcome: () => null,
  pilotSums: (s, p) => ({ sum: s.ySum[p], weight: s.trialSum[p], sumSq: 0 }),
  workingStep: (eta, sums) => logitWorkingStep(eta, sums),
  wgsl: { ...LOGIT_WGSL, gpuFields: (s) => [s.ySum, s.trialSum] },
};
