/**
 * The standard normal distribution function Φ and its complement to near double precision, for
 * the probit link: a Taylor series of erf near 0 and a continued fraction for erfc beyond, to ~1e-14,
 * so that log Φ stays finite and accurate far into the lower tail.
 */

const SQRT_HALF = Math.SQRT1_2;
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** erf(x) for |x| < 1 by its Maclaurin series (relative error ~1e-16). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 100; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * sum;
}

/** erfc(x) for x ≥ 1 by the continued fraction (modified Lentz), relative error ~1e-15. */
function erfcFraction(x: number): number {
  // erfc(x) = exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))).
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 2000; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? tiny : d;
    c = x + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

/** erfc(x) for every real x. */
function erfc(x: number): number {
  if (x >= 1) return erfcFraction(x);
  if (x <= -1) return 2 - erfcFraction(-x);
  return 1 - erfSeries(x);
}

/**
 * Φ(x), the standard normal distribution function.
 *
 * @example
 * ```ts
 * import { normalCdf } from "./normal_cdf.ts";
 * console.assert(normalCdf(0) === 0.5 && Math.abs(normalCdf(1.959963984540054) - 0.975) < 1e-14);
 * ```
 */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x * SQRT_HALF);
}

/**
 * φ(x), the standard normal density.
 *
 * @example
 * ```ts
 * import { normalDensity } from "./normal_cdf.ts";
 * console.assert(Math.abs(normalDensity(0) - 0.3989422804014327) < 1e-15);
 * ```
 */
export function normalDensity(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}
