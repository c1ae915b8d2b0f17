/**
 * Simultaneous confidence bands for the ECDF of SBC ranks (Säilynoja, Bürkner & Vehtari 2022,
 * "Graphical test for discrete uniformity and its applications in goodness-of-fit evaluation
 * and multiple sample comparison", Statistics and Computing 32:32), by their simulation method
 * as bayesplot's `adjust_gamma_simulate`: for uniform samples of size N, the per-point level
 * γ is the α quantile over simulations of 2·min_i min(F(Nê_i), 1 − F(Nê_i − 1)), F the
 * Binomial(N, z_i) CDF at the K − 1 interior points z_i = i/K; the bands are the
 * Binomial(N, z_i) quantiles at γ/2 and 1 − γ/2, so that the whole ECDF stays inside with
 * probability 1 − α. Ranks r ∈ {0…L} become fractional values (r + 1)/(L + 1) with K = L + 1,
 * whose ECDF at z_i is exactly the discrete uniform CDF.
 */
import { KeyedStream } from "../math/rng.ts";

/** ECDF of ranks, its simultaneous bands, and whether it stays inside them. */
export interface EcdfBands {
  /** Interior evaluation points i/K. */
  z: number[];
  /** ECDF of the fractional ranks at z. */
  ecdf: number[];
  lower: number[];
  upper: number[];
  /** The adjusted per-point level γ. */
  gamma: number;
  inBands: boolean;
}

/** Binomial(N, p) CDF at 0…N (pmf by the stable recurrence in log space). */
function binomialCdf(N: number, p: number): Float64Array {
  const cdf = new Float64Array(N + 1);
  const lp = Math.log(p), lq = Math.log1p(-p);
  let logPmf = N * lq;
  let acc = 0;
  for (let k = 0; k <= N; k++) {
    if (k > 0) logPmf += Math.log((N - k + 1) / k) + lp - lq;
    acc += Math.exp(logPmf);
    cdf[k] = Math.min(1, acc);
  }
  return cdf;
}

/**
 * The ECDF of `ranks` (each in 0…maxRank) with (1 − alpha) simultaneous bands; `sims` uniform
 * samples estimate γ (deterministic by `seed`).
 *
 * @example
 * ```ts
 * import { ecdfBands } from "./ecdf_bands.ts";
 * const even = Array.from({ length: 100 }, (_, i) => i % 20);
 * console.assert(ecdfBands(even, 19).inBands);
 * console.assert(!ecdfBands(even.map(() => 0), 19).inBands);
 * ```
 */
export function ecdfBands(
  ranks: readonly number[],
  maxRank: number,
  options: { alpha?: number; sims?: number; seed?: number } = {},
): EcdfBands {
  const alpha = options.alpha ?? 0.05;
  const M = options.sims ?? 1000;
  const N = ranks.length;
  const K = Math.min(maxRank + 1, Math.max(2, N));
  const z = Array.from({ length: K - 1 }, (_, i) => (i + 1) / K);
  const cdfs = z.map((p) => binomialCdf(N, p));
  const tail = (i: number, count: number) => {
    const F = cdfs[i];
    const below = F[count];
    const above = 1 - (count > 0 ? F[count - 1] : 0);
    return 2 * Math.min(below, above);
  };
  const rng = new KeyedStream(options.seed ?? 1, 0, 0, 0);
  const gammas = new Float64Array(M);
  const u = new Float64Array(N);
  for (let m = 0; m < M; m++) {
    rng.fillUniforms(u).sort();
    let g = Infinity, j = 0;
    for (let i = 0; i < z.length; i++) {
      while (j < N && u[j] <= z[i]) j++;
      g = Math.min(g, tail(i, j));
    }
    gammas[m] = g;
  }
  gammas.sort();
  const gamma = gammas[Math.max(0, Math.floor(alpha * M) - 1)];
  const quantile = (F: Float64Array, q: number) => {
    let k = 0;
    while (k < N && F[k] < q) k++;
    return k;
  };
  const lower = cdfs.map((F) => quantile(F, gamma / 2) / N);
  const upper = cdfs.map((F) => quantile(F, 1 - gamma / 2) / N);
  // Fractional rank (r + 1)/(maxRank + 1) ≤ i/K counts ranks r < i·(maxRank + 1)/K.
  const sorted = [...ranks].sort((a, b) => a - b);
  let j = 0;
  const ecdf = z.map((zi) => {
    while (j < N && (sorted[j] + 1) / (maxRank + 1) <= zi + 1e-12) j++;
    return j / N;
  });
  const inBands = ecdf.every((e, i) => e >= lower[i] && e <= upper[i]);
  return { z, ecdf, lower, upper, gamma, inBands };
}
