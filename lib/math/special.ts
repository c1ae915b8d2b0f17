/** Special functions the likelihoods need, for x > 0: log Γ (to ~1e-13) and digamma (~1e-11). */

const LANCZOS = [
  0.99999999999980993,
  676.5203681218851,
  -1259.1392167224028,
  771.32342877765313,
  -176.61502916214059,
  12.507343278686905,
  -0.13857109526572012,
  9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/**
 * log Γ(x) for x > 0 (Lanczos, g = 7).
 *
 * @example
 * ```ts
 * import { logGamma } from "./special.ts";
 * console.assert(Math.abs(logGamma(5) - Math.log(24)) < 1e-12);
 * ```
 */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = LANCZOS[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * digamma ψ(x) for x > 0 (recurrence to x ≥ 6, then the asymptotic series).
 *
 * @example
 * ```ts
 * import { digamma } from "./special.ts";
 * // the asymptotic series is good to about 1e-11
 * console.assert(Math.abs(digamma(1) + 0.5772156649015329) < 1e-10);
 * ```
 */
export function digamma(x: number): number {
  let result = 0;
  while (x < 6) {
    result -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  return result + Math.log(x) - 0.5 / x -
    f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))));
}
