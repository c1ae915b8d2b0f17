/** The negbinomial family: overdispersed counts, log link, brms's shape parameter. */
import type { Family, FamilyParameter } from "./family.ts";
import { digamma, logGamma } from "../math/special.ts";
import { gamma, poisson as poissonDraw } from "../math/variates.ts";
import { LOG_COUNT_OUTCOME, LOG_COUNT_PILOT } from "./poisson.ts";
import { countVariation } from "./outcome_variation.ts";
import { NEGBINOMIAL_WGSL } from "./negbinomial_wgsl.ts";

/**
 * brms's shape φ of `negbinomial()`: Var[y] = μ + μ²/φ, default prior inv_gamma(0.4, 0.3) (brms ≥
 * 2.21, #1614; gamma(0.01, 0.01) before).
 */
export const SHAPE: FamilyParameter = {
  name: "shape",
  lower: 0,
  description: "shape φ (Var = μ + μ²/φ), default inv_gamma(0.4, 0.3)",
  defaultPrior: () => ({ dist: "inv_gamma", shape: 0.4, scale: 0.3 }),
};

/** Counts below this use exact sums for lgamma(y + φ) − lgamma(φ) (no cancellation at large φ). */
const SUM_BELOW = 64;

/**
 * From this shape on, lgamma(y + φ) − lgamma(φ) of a count y ≥ SUM_BELOW comes from Stirling's
 * series rather than the difference of two lgammas, which cancels as φ grows: at φ = 1e10 two
 * values near 2.2e11 differ by about 2,300 and the difference lost 4e-5 (at 1e12, 4e-3).
 */
const STIRLING_FROM = 100;

/** Stirling's series lgamma(x) − [(x − ½) log x − x + ½ log 2π] to x⁻⁷ (error < 1e-21 at x ≥ 100). */
function stirlingTail(x: number): number {
  const f = 1 / (x * x);
  return (1 / 12 - f * (1 / 360 - f * (1 / 1260 - f / 1680))) / x;
}

/**
 * lgamma(y + φ) − lgamma(φ) − y log φ and digamma(y + φ) − digamma(φ) for a count y: the
 * first without its y log φ, so that the caller's y log φ − y log(μ + φ) is −y log1p(μ/φ)
 * and no large terms cancel, whatever φ.
 */
function risingLog(y: number, phi: number): [number, number] {
  if (y < SUM_BELOW) {
    let lg = 0, dg = 0;
    for (let k = 0; k < y; k++) lg += Math.log1p(k / phi), dg += 1 / (phi + k);
    return [lg, dg];
  }
  if (phi < STIRLING_FROM) {
    return [
      logGamma(y + phi) - logGamma(phi) - y * Math.log(phi),
      digamma(y + phi) - digamma(phi),
    ];
  }
  // lgamma(x) = (x − ½) log x − x + ½ log 2π + tail(x), at x = φ + y and x = φ, less y log φ;
  // ψ(x) = log x − 1/(2x) − 1/(12x²) + 1/(120x⁴) − 1/(252x⁶) + …, differenced term by term.
  const x = phi + y;
  const l1p = Math.log1p(y / phi);
  const lg = (x - 0.5) * l1p - y + stirlingTail(x) - stirlingTail(phi);
  const power = (n: number) => 1 / x ** n - 1 / phi ** n;
  const dg = l1p + 0.5 * y / (x * phi) - power(2) / 12 + power(4) / 120 - power(6) / 252;
  return [lg, dg];
}

/**
 * One row's log-likelihood without −log y! (Stan's neg_binomial_2_log), its derivative in η and
 * in φ. Written with log1p(μ/φ) so that large φ (near-Poisson) loses no precision:
 * lgamma(y + φ) − lgamma(φ) + φ log φ − (y + φ) log(μ + φ) + y η
 * = [lgamma(y + φ) − lgamma(φ) − y log φ] + y η − (y + φ) log1p(μ/φ).
 */
function rowTerms(y: number, eta: number, phi: number) {
  const mu = Math.exp(eta);
  const l1p = Math.log1p(mu / phi);
  const [lg, dg] = risingLog(y, phi);
  return {
    lp: lg + y * eta - (y + phi) * l1p,
    dEta: y - (y + phi) * mu / (mu + phi),
    dPhi: dg - l1p + (mu - y) / (mu + phi),
  };
}

/**
 * Negative binomial counts (brms `negbinomial()`): y ~ NB(μ = exp(η), φ), the gamma–Poisson
 * mixture with mean μ and variance μ + μ²/φ. The likelihood is not linear in y, so patterns
 * keep outcome values apart.
 *
 * @example
 * ```ts
 * import { negbinomial } from "./negbinomial.ts";
 * console.assert(negbinomial.parameters[0].name === "shape" && negbinomial.expectedValue(0, NaN) === 1);
 * ```
 */
export const negbinomial: Family = {
  name: "negbinomial",
  brms: "negbinomial",
  ...LOG_COUNT_OUTCOME,
  linkScale: "on the log-mean scale",
  parameters: [SHAPE],
  patternsKeepOutcome: true,
  checkVariation: (outcome, y) => countVariation("negbinomial", outcome, y, true),
  patternLogLikelihood: (stats, eta, extra, dEta, gradExtra) => {
    const phi = Math.exp(extra[0]);
    const y = stats.y, rows = stats.rows;
    let lp = 0;
    let gPhi = 0;
    for (let p = 0; p < eta.length; p++) {
      const t = rowTerms(y[p], eta[p], phi);
      lp += rows[p] * t.lp;
      dEta[p] = rows[p] * t.dEta;
      gPhi += rows[p] * t.dPhi;
    }
    gradExtra[0] += gPhi * phi; // ∂/∂u with φ = exp(u)
    return lp;
  },
  pointwiseLogLikelihood: (y, _n, eta, [phi]) => {
    const c = logGamma(y + 1);
    for (let s = 0; s < eta.length; s++) eta[s] = rowTerms(y, eta[s], phi[s]).lp - c;
  },
  expectedValue: (eta) => 1 * Math.exp(eta),
  // The gamma–Poisson mixture: λ ~ Gamma(φ, rate φ/μ), y ~ Poisson(λ).
  predictiveDraw: (mu, _n, [phi], s, rng) => poissonDraw(rng, gamma(rng, phi[s]) * mu / phi[s]),
  // Default priors on log y, as poisson; the pilot treats the counts as Poisson (φ → ∞): it
  // only picks a parameterisation, and overdispersion merely overstates a level's information.
  ...LOG_COUNT_PILOT,
  // No cancellation at any shape: see negbinomial_wgsl.ts.
  wgsl: NEGBINOMIAL_WGSL,
};
