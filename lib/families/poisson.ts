/** The poisson family: counts, log link. */
import { countVariation } from "./outcome_variation.ts";
import { mustBe } from "./outcome_message.ts";
import type { Family } from "./family.ts";
import { sumAndRows } from "./compressed_stats.ts";
import { logGamma } from "../math/special.ts";
import { poisson as poissonDraw } from "../math/variates.ts";
import { NO_PARAMETERS_WGSL } from "./no_parameters_wgsl.ts";

/**
 * What poisson and negbinomial share: brms's default priors centred on log y (0.1 standing in
 * for 0) and the Poisson pilot step (score Σy − n·μ, Fisher weight n·μ; negbinomial's as φ → ∞).
 *
 * @example
 * ```ts
 * import { LOG_COUNT_PILOT } from "./poisson.ts";
 * console.assert(LOG_COUNT_PILOT.workingStep(0, { sum: 3, weight: 2, sumSq: 0 }, 1).resid === 1);
 * ```
 */
export const LOG_COUNT_PILOT: Pick<Family, "priorOutcome" | "pilotSums" | "workingStep"> = {
  priorOutcome: (y) => Array.from(y, (v) => Math.log(v === 0 ? 0.1 : v)),
  pilotSums: (s, p) => ({ sum: s.ySum[p], weight: s.rows[p], sumSq: 0 }),
  workingStep: (eta, row) => {
    const mu = row.weight * Math.exp(eta);
    return { resid: row.sum - mu, weight: mu, rss: 0, count: 0 };
  },
};

/**
 * What poisson and negbinomial's outcomes share: log link, non-negative integer counts checked
 * row by row, patterns as the compression, a linear predictor that does not separate.
 *
 * @example
 * ```ts
 * import { LOG_COUNT_OUTCOME } from "./poisson.ts";
 * console.assert(LOG_COUNT_OUTCOME.checkOutcome(-1, NaN, { family: "poisson", outcome: "y", row: 1 }) !== null);
 * ```
 */
export const LOG_COUNT_OUTCOME: Pick<
  Family,
  | "link"
  | "inverseLink"
  | "needsTrials"
  | "discrete"
  | "compression"
  | "collapsible"
  | "outcomeAdvice"
  | "checkOutcome"
  | "separable"
> = {
  link: "log",
  inverseLink: Math.exp,
  needsTrials: false,
  discrete: true,
  compression: "patterns",
  collapsible: false,
  outcomeAdvice: "the counts",
  checkOutcome: (y, _n, where) =>
    y < 0 || !Number.isInteger(y) ? mustBe("a non-negative integer count", y, where) : null,
  separable: false,
};

/**
 * Poisson counts (brms `poisson()`): y ~ Poisson(exp(η)).
 *
 * @example
 * ```ts
 * import { poisson } from "./poisson.ts";
 * console.assert(poisson.checkOutcome(1.5, NaN, { family: "poisson", outcome: "y", row: 0 }) !== null && poisson.expectedValue(0, NaN) === 1);
 * ```
 */
export const poisson: Family = {
  name: "poisson",
  brms: "poisson",
  ...LOG_COUNT_OUTCOME,
  linkScale: "on the log-rate scale",
  parameters: [],
  patternsKeepOutcome: false,
  checkVariation: (outcome, y) => countVariation("poisson", outcome, y),
  patternLogLikelihood: (stats, eta, _extra, dEta) => {
    const sum = stats.ySum, rows = stats.rows;
    let lp = 0;
    for (let p = 0; p < eta.length; p++) {
      const mu = Math.exp(eta[p]);
      lp += sum[p] * eta[p] - rows[p] * mu;
      dEta[p] = sum[p] - rows[p] * mu;
    }
    return lp;
  },
  pointwiseLogLikelihood: (y, _n, eta) => {
    const c = logGamma(y + 1);
    for (let s = 0; s < eta.length; s++) eta[s] = y * eta[s] - Math.exp(eta[s]) - c;
  },
  expectedValue: (eta) => 1 * Math.exp(eta),
  predictiveDraw: (mu, _n, _extra, _s, rng) => poissonDraw(rng, mu),
  ...LOG_COUNT_PILOT,
  wgsl: {
    patternTerms: `
fn pattern_terms(eta: f32, y: f32, n: f32, ex: vec2<f32>) -> vec4<f32> {
  let mu = exp(eta);
  return vec4<f32>(y * eta - n * mu, y - n * mu, 0.0, 0.0);
}
`,
    finalize: NO_PARAMETERS_WGSL,
    extraPartials: 0,
    gpuFields: sumAndRows,
  },
};
