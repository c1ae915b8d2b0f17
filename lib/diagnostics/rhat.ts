/**
 * Potential scale reduction R-hat: the classic (basic) split R-hat of Gelman et al. (2013) and
 * the rank-normalised split R-hat of Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021),
 * "Rank-normalization, folding, and localization: an improved R-hat for assessing convergence
 * of MCMC", Bayesian Analysis 16(2), 667–718 — as the R package posterior's `rhat_basic()` and
 * `rhat()`.
 *
 * Input: draws of one scalar as `chains` (one Float64Array per chain, equal lengths). NaN is
 * returned where posterior returns NA: a non-finite draw or all draws equal.
 */
import { checkChains, mapChains, pool, shouldReturnNaN } from "./_chains.ts";
import { mean, median, variance } from "./quantiles.ts";
import { rankNormalize } from "./rank_normalize.ts";
import { splitChains } from "./split_chains.ts";

/**
 * posterior's internal `.rhat()`: sqrt((B/W + n − 1)/n) for the chains as given, where
 * B = n·var(chain means) and W = mean of within-chain variances (n − 1 denominators).
 */
export function rhatOfChains(chains: readonly Float64Array[]): number {
  if (shouldReturnNaN(chains)) return NaN;
  const m = chains.length;
  const n = chains[0].length;
  const means = new Float64Array(m);
  let within = 0;
  for (let c = 0; c < m; c++) {
    means[c] = mean(chains[c]);
    within += variance(chains[c]) / m;
  }
  const between = n * variance(means);
  return Math.sqrt((between / within + n - 1) / n);
}

/**
 * Basic R-hat on split chains (default) or on the chains as given (`{ split: false }`),
 * as posterior's `rhat_basic()`.
 *
 * @example
 * ```ts
 * import { rhatBasic } from "./rhat.ts";
 * const a = Float64Array.from({ length: 50 }, (_, i) => Math.sin(i));
 * const b = Float64Array.from({ length: 50 }, (_, i) => 5 + Math.sin(i));
 * console.assert(rhatBasic([a, b]) > 2);
 * ```
 */
export function rhatBasic(
  chains: readonly Float64Array[],
  options: { split?: boolean } = {},
): number {
  checkChains(chains, "R-hat");
  return rhatOfChains(options.split === false ? chains : splitChains(chains));
}

/**
 * The two parts of the rank-normalised R-hat: `bulk` (rank-normalised split R-hat) and `tail`
 * (the same on draws folded around the median, |x − median|).
 *
 * @example
 * ```ts
 * import { rhatParts } from "./rhat.ts";
 * const a = Float64Array.from({ length: 50 }, (_, i) => Math.sin(i));
 * const b = Float64Array.from({ length: 50 }, (_, i) => 3 * Math.sin(i + 1));
 * const { bulk, tail } = rhatParts([a, b]);
 * console.assert(tail > bulk);
 * ```
 */
export function rhatParts(chains: readonly Float64Array[]): { bulk: number; tail: number } {
  checkChains(chains, "R-hat");
  if (shouldReturnNaN(chains)) return { bulk: NaN, tail: NaN };
  const bulk = rhatOfChains(rankNormalize(splitChains(chains)));
  const med = median(pool(chains));
  const folded = mapChains(chains, (v) => Math.abs(v - med));
  const tail = rhatOfChains(rankNormalize(splitChains(folded)));
  return { bulk, tail };
}

/**
 * Rank-normalised split R-hat: the larger of the bulk and folded (tail) R-hat, as posterior's
 * `rhat()`. Values above 1.01 indicate chains that have not mixed.
 *
 * @example
 * ```ts
 * import { rhat } from "./rhat.ts";
 * const a = Float64Array.from({ length: 50 }, (_, i) => Math.sin(i));
 * const b = Float64Array.from({ length: 50 }, (_, i) => 5 + Math.sin(i));
 * console.assert(rhat([a, b]) > 1.5);
 * ```
 */
export function rhat(chains: readonly Float64Array[]): number {
  const { bulk, tail } = rhatParts(chains);
  return Number.isNaN(bulk) || Number.isNaN(tail) ? NaN : Math.max(bulk, tail);
}
