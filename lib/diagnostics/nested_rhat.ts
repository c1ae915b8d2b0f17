/**
 * Nested R-hat for many short chains grouped into superchains: Margossian, Hoffman, Sountsov,
 * Riou-Durand, Vehtari & Gelman (2023), "Nested R-hat: assessing the convergence of Markov
 * chain Monte Carlo when running many short chains", Bayesian Analysis (eqs. 15–19), as the R
 * package posterior's `rhat_nested()`.
 *
 *   nR̂ = sqrt(1 + B̂ / Ŵ), B̂ = var over superchains of the superchain means (K − 1 denominator),
 *   Ŵ = mean over superchains of (mean within-chain variance + variance of its chain means).
 */
import { HetfxError } from "../errors.ts";
import { checkChains, shouldReturnNaN } from "./_chains.ts";
import { mean, variance } from "./quantiles.ts";

/**
 * Nested R-hat with consecutive chains grouped into superchains of `superchainSize` chains
 * (chains 0..size−1 form superchain 0, and so on). NaN for non-finite or constant draws.
 *
 * @example
 * ```ts
 * import { nestedRhat } from "./nested_rhat.ts";
 * const chain = (shift: number, k: number) =>
 *   Float64Array.from({ length: 20 }, (_, i) => shift + Math.sin(i * 1.7 + k));
 * const chains = [chain(0, 0), chain(0, 1), chain(4, 2), chain(4, 3)];
 * console.assert(nestedRhat(chains, 2) > 1.5);
 * ```
 */
export function nestedRhat(chains: readonly Float64Array[], superchainSize: number): number {
  checkChains(chains, "nested R-hat");
  const m = chains.length;
  if (!Number.isInteger(superchainSize) || superchainSize < 1 || m % superchainSize !== 0) {
    throw new HetfxError(
      `Cannot compute nested R-hat: ${m} chains cannot be split into superchains of ${superchainSize}; ` +
        "pass a superchain size that divides the number of chains.",
    );
  }
  if (shouldReturnNaN(chains)) return NaN;
  const n = chains[0].length;
  const k = m / superchainSize;
  const chainMeans = chains.map((c) => mean(c));
  const chainVars = chains.map((c) => (n > 1 ? variance(c) : 0));
  const superMeans = new Float64Array(k);
  let withinSuper = 0;
  for (let s = 0; s < k; s++) {
    const members = chainMeans.slice(s * superchainSize, (s + 1) * superchainSize);
    superMeans[s] = mean(members); // equal chain lengths: mean of all draws in the superchain
    const betweenChain = superchainSize > 1 ? variance(members) : 0;
    const withinChain = n > 1
      ? mean(chainVars.slice(s * superchainSize, (s + 1) * superchainSize))
      : 0;
    withinSuper += (withinChain + betweenChain) / k;
  }
  const betweenSuper = variance(superMeans);
  return Math.sqrt(1 + betweenSuper / withinSuper);
}
