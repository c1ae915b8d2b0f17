/**
 * The latent distributions of ordinal links: the logistic (logit) and standard normal (probit)
 * distribution functions F, their densities f, log F and the ratio f/F, each computed so that the
 * tails stay finite (P(y = k) of an extreme category).
 */
import { normalCdf, normalDensity } from "../math/normal_cdf.ts";

/** One latent distribution, symmetric about 0 (F(−x) = 1 − F(x)). */
export interface OrdinalLink {
  name: "logit" | "probit";
  /** F(x). */
  cdf(x: number): number;
  /** f(x) = F'(x). */
  density(x: number): number;
  /** log F(x), finite far into the lower tail. */
  logCdf(x: number): number;
  /** f(x)/F(x), finite far into the lower tail. */
  densityOverCdf(x: number): number;
}

const logistic = (x: number) => x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));

/**
 * The logit link: F(x) = 1/(1 + e^−x).
 *
 * @example
 * ```ts
 * import { LOGIT_LINK } from "./ordinal_links.ts";
 * console.assert(LOGIT_LINK.cdf(0) === 0.5 && LOGIT_LINK.density(0) === 0.25);
 * ```
 */
export const LOGIT_LINK: OrdinalLink = {
  name: "logit",
  cdf: logistic,
  density: (x) => logistic(x) * logistic(-x),
  // log F(x) = −log(1 + e^−x), stably.
  logCdf: (x) => x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x)),
  densityOverCdf: (x) => logistic(-x),
};

/** Below this Φ(x) underflows (x ≈ −37.5): log Φ and φ/Φ use the asymptotic Mills ratio. */
const PROBIT_TAIL = -37;

/**
 * The probit link: F = Φ, the standard normal distribution function.
 *
 * @example
 * ```ts
 * import { PROBIT_LINK } from "./ordinal_links.ts";
 * console.assert(PROBIT_LINK.cdf(0) === 0.5 && Number.isFinite(PROBIT_LINK.logCdf(-60)));
 * ```
 */
export const PROBIT_LINK: OrdinalLink = {
  name: "probit",
  cdf: normalCdf,
  density: normalDensity,
  // Φ(x) ≈ φ(x)/(−x)·(1 − 1/x²) below the tail limit.
  logCdf: (x) =>
    x > PROBIT_TAIL
      ? Math.log(normalCdf(x))
      : -0.5 * x * x - 0.5 * Math.log(2 * Math.PI) - Math.log(-x) + Math.log1p(-1 / (x * x)),
  densityOverCdf: (x) => x > PROBIT_TAIL ? normalDensity(x) / normalCdf(x) : -x / (1 - 1 / (x * x)),
};
