/**
 * Random variates beyond the uniform and normal of lib/math/rng.ts: Gamma and Poisson draws
 * from a KeyedStream (posterior predictive draws).
 */
import type { KeyedStream } from "./rng.ts";

/**
 * Gamma(shape, 1) by Marsaglia & Tsang (2000), with the shape < 1 boost; a non-finite shape
 * is returned as it is.
 *
 * @example
 * ```ts
 * import { gamma } from "./variates.ts";
 * import { KeyedStream } from "./rng.ts";
 * console.assert(gamma(new KeyedStream(1, 0, 0, 0), 2) > 0);
 * ```
 */
export function gamma(rng: KeyedStream, shape: number): number {
  // Infinity and NaN as themselves: the rejection loop below would never accept.
  if (!Number.isFinite(shape)) return shape;
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

/**
 * Poisson(λ) by inversion for λ ≤ 30, else via Gamma/binomial splitting (Knuth); a non-finite
 * λ (Infinity, NaN) is returned as it is.
 *
 * @example
 * ```ts
 * import { poisson } from "./variates.ts";
 * import { KeyedStream } from "./rng.ts";
 * console.assert(Number.isInteger(poisson(new KeyedStream(1, 0, 0, 0), 3)));
 * ```
 */
export function poisson(rng: KeyedStream, lambda: number): number {
  // λ = exp(η) overflows to Infinity for η > 709: Infinity (and NaN) as themselves, where the
  // splitting loop would never end (and NaN would read as a count of 0).
  if (!Number.isFinite(lambda)) return lambda;
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

/** Up to this many trials a binomial draw sums Bernoullis (one uniform each). */
const BERNOULLI_TRIALS = 64;

/**
 * Binomial(n, p): n Bernoulli uniforms for n ≤ 64, else Knuth's splitting by the order
 * statistic X ~ Beta(a, n + 1 − a), a = 1 + ⌊n/2⌋ (two gamma draws): the uniforms below X are
 * uniform on (0, X), those above on (X, 1), so the count below p is a binomial of about half
 * the trials, O(log n) draws in all instead of n.
 *
 * @example
 * ```ts
 * import { binomial } from "./variates.ts";
 * import { KeyedStream } from "./rng.ts";
 * const k = binomial(new KeyedStream(1, 0, 0, 0), 1e6, 0.3);
 * console.assert(Number.isInteger(k) && Math.abs(k - 3e5) < 5000);
 * ```
 */
export function binomial(rng: KeyedStream, n: number, p: number): number {
  let k = 0;
  while (n > BERNOULLI_TRIALS) {
    const a = 1 + Math.floor(n / 2);
    const b = n + 1 - a;
    const ga = gamma(rng, a);
    const x = ga / (ga + gamma(rng, b));
    if (x >= p) {
      // The a − 1 uniforms below X hold every one below p.
      n = a - 1;
      p /= x;
    } else {
      // The a uniforms up to X are below p; the b − 1 above X are uniform on (X, 1).
      k += a;
      n = b - 1;
      p = (p - x) / (1 - x);
    }
  }
  for (let t = 0; t < n; t++) if (rng.uniform() < p) k++;
  return k;
}
