/**
 * Monte Carlo standard errors as in the R package posterior (Vehtari et al. 2021): for the
 * mean, for a quantile, and for the standard deviation.
 *
 * Input: draws of one scalar as `chains` (one Float64Array per chain, equal lengths).
 */
import { betaQuantile } from "./_beta_quantile.ts";
import { checkChains, pool, shouldReturnNaN } from "./_chains.ts";
import { essMean, essOfChains, essQuantile } from "./ess.ts";
import { mean, sd, sorted } from "./quantiles.ts";
import { splitChains } from "./split_chains.ts";

/**
 * MCSE of the mean: sd(all draws) / sqrt(ESS for the mean) (posterior's `mcse_mean()`).
 *
 * @example
 * ```ts
 * import { mcseMean } from "./mcse.ts";
 * const chain = Float64Array.from({ length: 400 }, (_, i) => Math.sin(i * 0.7) + Math.cos(i * 1.9));
 * console.assert(mcseMean([chain]) > 0);
 * ```
 */
export function mcseMean(chains: readonly Float64Array[]): number {
  checkChains(chains, "the MCSE of the mean");
  return sd(pool(chains)) / Math.sqrt(essMean(chains));
}

/**
 * MCSE of the `prob` quantile (posterior's `mcse_quantile()`): the half-width of the ±1 sd
 * interval of the quantile's position, from Beta(ESS·p + 1, ESS·(1 − p) + 1) quantiles at
 * 0.1586553 and 0.8413447, read off the sorted draws.
 *
 * @example
 * ```ts
 * import { mcseQuantile } from "./mcse.ts";
 * const chain = Float64Array.from({ length: 400 }, (_, i) => Math.sin(i * 0.7) + Math.cos(i * 1.9));
 * console.assert(mcseQuantile([chain], 0.5) > 0);
 * ```
 */
export function mcseQuantile(chains: readonly Float64Array[], prob: number): number {
  const ess = essQuantile(chains, prob);
  if (Number.isNaN(ess)) return NaN;
  const a1 = betaQuantile(0.1586553, ess * prob + 1, ess * (1 - prob) + 1);
  const a2 = betaQuantile(0.8413447, ess * prob + 1, ess * (1 - prob) + 1);
  const s = sorted(pool(chains));
  const total = s.length;
  const th1 = s[Math.max(Math.floor(a1 * total), 1) - 1];
  const th2 = s[Math.min(Math.ceil(a2 * total), total) - 1];
  return (th2 - th1) / 2;
}

/**
 * MCSE of the standard deviation (posterior's `mcse_sd()`): the variance of the variance by
 * Kenney & Keeping (1951, p. 141) with the ESS of the squared centred draws (posterior PR #266,
 * 2023; earlier versions used the ESS of |x − mean|), then a first-order Taylor step from
 * variance to sd.
 *
 * @example
 * ```ts
 * import { mcseSd } from "./mcse.ts";
 * const chain = Float64Array.from({ length: 400 }, (_, i) => Math.sin(i * 0.7) + Math.cos(i * 1.9));
 * console.assert(mcseSd([chain]) > 0);
 * ```
 */
export function mcseSd(chains: readonly Float64Array[]): number {
  checkChains(chains, "the MCSE of the sd");
  if (shouldReturnNaN(chains)) return NaN;
  const m = mean(pool(chains));
  const squared = chains.map((chain) => chain.map((v) => (v - m) * (v - m)));
  const ess = essOfChains(splitChains(squared));
  const sq = pool(squared);
  const expectedVar = mean(sq);
  const fourth = mean(sq.map((v) => v * v));
  const varVar = (fourth - expectedVar * expectedVar) / ess;
  return Math.sqrt(varVar / expectedVar / 4);
}
