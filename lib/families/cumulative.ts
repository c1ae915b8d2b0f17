/**
 * The cumulative family (brms `cumulative()`): ordinal outcomes 1…K with P(y ≤ k) = F(τ_k − η),
 * thresholds τ_1 < … < τ_{K−1} in place of the population intercept, links logit and probit.
 * Patterns keep outcome values apart, so a pattern is a covariate pattern and one category
 * with `rows` its (Float64) count.
 */
import { HetfxError } from "../errors.ts";
import type { Family, ParameterDraws } from "./family.ts";
import { mustBe } from "./outcome_message.ts";
import { gaussianPilotSums, gaussianWorkingStep } from "./gaussian_pilot.ts";
import { addThresholdGradient, thresholdsFromUnconstrained } from "./ordered_thresholds.ts";
import { cumulativeWgsl } from "./cumulative_wgsl.ts";
import { LOGIT_LINK, type OrdinalLink, PROBIT_LINK } from "./ordinal_links.ts";
import { logitCategoryTerms } from "./logit_category_terms.ts";
import { cumulativeLogitPatterns } from "./cumulative_logit_patterns.ts";

/** log P(y = k | η, τ) and its partials in the upper and lower threshold (a = τ_k − η, b = τ_{k−1} − η). */
interface CategoryTerms {
  lp: number;
  /** ∂ log P / ∂τ_k (0 for k = K). */
  dUpper: number;
  /** ∂ log P / ∂τ_{k−1} (0 for k = 1). */
  dLower: number;
}

/** log P(y = k) and its threshold partials; τ holds K − 1 thresholds, k ∈ 1…K. */
export function categoryTerms(
  link: OrdinalLink,
  k: number,
  eta: number,
  tau: ArrayLike<number>,
  out: CategoryTerms,
): void {
  // The logit link has a closed form with half the transcendental calls (the hot loop).
  if (link.name === "logit") return logitCategoryTerms(k, eta, tau, out);
  const K = tau.length + 1;
  if (k === 1) {
    const a = tau[0] - eta;
    out.lp = link.logCdf(a);
    out.dUpper = link.densityOverCdf(a);
    out.dLower = 0;
  } else if (k === K) {
    // 1 − F(b) = F(−b), symmetric F.
    const b = tau[K - 2] - eta;
    out.lp = link.logCdf(-b);
    out.dUpper = 0;
    out.dLower = -link.densityOverCdf(-b);
  } else {
    const a = tau[k - 1] - eta;
    const b = tau[k - 2] - eta;
    if (b > 0) {
      // Both above 0: P = F(−b) − F(−a) from the upper tails, in logs (r = F(−a)/F(−b)).
      const r = Math.exp(link.logCdf(-a) - link.logCdf(-b));
      out.lp = link.logCdf(-b) + Math.log1p(-r);
      out.dUpper = link.densityOverCdf(-a) * r / (1 - r);
      out.dLower = -link.densityOverCdf(-b) / (1 - r);
    } else if (a <= 0) {
      // Both below 0: P = F(a) − F(b) in logs (r = F(b)/F(a)), finite far into the tail.
      const r = Math.exp(link.logCdf(b) - link.logCdf(a));
      out.lp = link.logCdf(a) + Math.log1p(-r);
      out.dUpper = link.densityOverCdf(a) / (1 - r);
      out.dLower = -link.densityOverCdf(b) * r / (1 - r);
    } else {
      // b ≤ 0 < a: P ≥ F(a) − ½, no cancellation.
      const p = link.cdf(a) - link.cdf(b);
      out.lp = Math.log(p);
      out.dUpper = link.density(a) / p;
      out.dLower = -link.density(b) / p;
    }
  }
}

/** P(y = k) for k = 1…K into `out` at η and draw s's thresholds. */
function probabilities(
  link: OrdinalLink,
  eta: number,
  tau: ParameterDraws,
  s: number,
  out: Float64Array,
): void {
  let below = 0;
  for (let k = 0; k < tau.length; k++) {
    const cdf = link.cdf(tau[k][s] - eta);
    out[k] = cdf - below;
    below = cdf;
  }
  out[tau.length] = 1 - below;
}

/** At most this many missing categories are listed in a message (then their count). */
const LIST_MISSING = 10;

/** K from the outcome: every value of 1…max(y) observed, max(y) ≥ 2. */
function categories(y: Float64Array, outcome: string): number {
  let K = 0;
  for (const v of y) K = Math.max(K, v);
  // The values are whole numbers ≥ 1 (checkOutcome): all of 1…K are there iff K are distinct.
  // A set, not a flag per category: a stray code like 1e12 must not allocate K flags.
  const seen = new Set(y);
  if (K < 2) {
    throw new HetfxError(
      `Cannot build model: outcome "${outcome}" has a single category (${K}); a cumulative ` +
        `model needs at least two of the categories 1, 2, …, K.`,
    );
  }
  if (seen.size < K) {
    const missing = [];
    for (let k = 1; k <= K && missing.length < LIST_MISSING; k++) {
      if (!seen.has(k)) missing.push(k);
    }
    const count = K - seen.size;
    const more = count > missing.length ? `, … (${count} missing in all)` : "";
    throw new HetfxError(
      `Cannot build model: outcome "${outcome}" takes values up to ${K} but never ` +
        `${missing.join(", ")}${more}; a cumulative model needs every category 1…${K} observed ` +
        `(recode the categories to consecutive integers 1, 2, …).`,
    );
  }
  return K;
}

function cumulativeFamily(link: OrdinalLink): Family {
  const terms: CategoryTerms = { lp: 0, dUpper: 0, dLower: 0 };
  let tau = new Float64Array(0);
  let gradTau = new Float64Array(0);
  return {
    name: "cumulative",
    brms: "cumulative",
    link: link.name,
    linkScale: `on the latent (${link.name}) scale`,
    // η is a latent mean: predictiveDraw receives it unchanged and cuts it at the thresholds.
    inverseLink: (eta) => eta,
    parameters: [],
    needsTrials: false,
    discrete: true,
    compression: "patterns",
    patternsKeepOutcome: true,
    collapsible: false,
    outcomeAdvice: "the categories as integers 1, 2, …, K, or declare their order with " +
      '`levels: ["low", "mid", "high"]` (CLI: --levels y=low,mid,high)',
    checkOutcome: (y, _n, where) =>
      y >= 1 && Number.isInteger(y) ? null : mustBe("a category 1, 2, …, K", y, where),
    checkVariation: (outcome, y) => {
      for (let i = 1; i < y.length; i++) if (y[i] !== y[0]) return [];
      throw new HetfxError(
        `Cannot build model: outcome "${outcome}" is category ${y[0]} in every row; an ` +
          `ordinal model needs at least two observed categories.`,
      );
    },
    // Complete separation of an ordinal outcome is not diagnosed (yet): brms does not either.
    separable: false,
    thresholds: { categories },
    ...(link.name === "logit"
      ? { wasmPatterns: { likelihood: "cumulativeLogit", fields: (s) => [s.y, s.rows] } }
      : {}),
    patternLogLikelihood: (stats, eta, extra, dEta, gradExtra) => {
      const nt = extra.length;
      if (tau.length !== nt) tau = new Float64Array(nt), gradTau = new Float64Array(nt);
      thresholdsFromUnconstrained(extra, 0, tau);
      gradTau.fill(0);
      // The logit link: one exponential per pattern (cumulative_logit_patterns.ts).
      if (link.name === "logit") {
        const lp = cumulativeLogitPatterns(stats, eta, tau, dEta, gradTau);
        addThresholdGradient(gradTau, tau, gradExtra, 0);
        return lp;
      }
      const y = stats.y, rows = stats.rows;
      let lp = 0;
      for (let p = 0; p < eta.length; p++) {
        const k = y[p], n = rows[p];
        categoryTerms(link, k, eta[p], tau, terms);
        lp += n * terms.lp;
        dEta[p] = -n * (terms.dUpper + terms.dLower);
        if (k < nt + 1) gradTau[k - 1] += n * terms.dUpper;
        if (k > 1) gradTau[k - 2] += n * terms.dLower;
      }
      addThresholdGradient(gradTau, tau, gradExtra, 0);
      return lp;
    },
    pointwiseLogLikelihood: (y, _n, eta, extra) => {
      const t = new Float64Array(extra.length);
      for (let s = 0; s < eta.length; s++) {
        for (let k = 0; k < t.length; k++) t[k] = extra[k][s];
        categoryTerms(link, y, eta[s], t, terms);
        eta[s] = terms.lp;
      }
    },
    // E[y] = Σ k·P(y = k) = 1 + Σ_k P(y > k).
    expectedValue: (eta, _n, extra, s) => {
      if (extra === undefined || s === undefined) {
        throw new Error("cumulative: expectedValue needs the threshold draws");
      }
      let e = 1;
      for (let k = 0; k < extra.length; k++) e += 1 - link.cdf(extra[k][s] - eta);
      return e;
    },
    categoryProbabilities: (eta, extra, s, out) => probabilities(link, eta, extra, s, out),
    predictiveDraw: (eta, _n, extra, s, rng) => {
      const u = rng.uniform();
      for (let k = 0; k < extra.length; k++) if (u < link.cdf(extra[k][s] - eta)) return k + 1;
      return extra.length + 1;
    },
    priorOutcome: () => null,
    // The pilot treats the categories as Gaussian outcomes: only relative group information
    // matters to the parameterisation it chooses.
    pilotSums: gaussianPilotSums,
    workingStep: gaussianWorkingStep,
    // One threshold partial per τ_k, routed by the pattern's category (cumulative_wgsl.ts).
    wgsl: cumulativeWgsl(link.name),
  };
}

/**
 * Ordinal outcomes with the logit link (brms `cumulative("logit")`, the default).
 *
 * @example
 * ```ts
 * import { cumulative } from "./cumulative.ts";
 * const tau = [new Float64Array([-1]), new Float64Array([1])]; // one draw, K = 3
 * console.assert(Math.abs(cumulative.expectedValue(0, NaN, tau, 0) - 2) < 1e-12);
 * ```
 */
export const cumulative: Family = cumulativeFamily(LOGIT_LINK);

/**
 * Ordinal outcomes with the probit link (brms `cumulative("probit")`).
 *
 * @example
 * ```ts
 * import { cumulativeProbit } from "./cumulative.ts";
 * console.assert(cumulativeProbit.link === "probit" && cumulativeProbit.name === "cumulative");
 * ```
 */
export const cumulativeProbit: Family = cumulativeFamily(PROBIT_LINK);
