/**
 * Effective sample sizes as in the R package posterior (Vehtari, Gelman, Simpson, Carpenter &
 * Bürkner 2021, "Rank-normalization, folding, and localization: an improved R-hat", Bayesian
 * Analysis 16(2)): per-chain FFT autocovariances combined across chains, Geyer's initial
 * positive sequence, Geyer's initial monotone sequence, the antithetic end correction, and the
 * bound ESS ≤ S·log10(S).
 *
 * Input: draws of one scalar as `chains` (one Float64Array per chain, equal lengths).
 * NaN is returned where posterior returns NA: a non-finite draw, all draws equal, or fewer
 * than 3 draws per (split) chain.
 */
import { HetfxError } from "../errors.ts";
import { autocovariance } from "./autocovariance.ts";
import { checkChains, mapChains, pool, shouldReturnNaN } from "./_chains.ts";
import { mean, quantileSorted, sorted, variance } from "./quantiles.ts";
import { rankNormalize } from "./rank_normalize.ts";
import { splitChains } from "./split_chains.ts";

/** Fewest draws per (split) chain from which ESS is computed, as posterior's `ess_basic()`. */
export const MIN_ESS_CHAIN_DRAWS = 3;

/**
 * posterior's internal `.ess()`: ESS of the given (already split or transformed) chains,
 * without splitting them again. The chains' mean autocovariances are summed directly, lag by
 * lag, as far as Geyer's sequence reads them (a few lags for a well-mixing chain); only when
 * it reads past {@link DIRECT_LAGS} lags are all lags taken by FFT (autocovariance.ts), whose
 * cost does not grow with the lags read. Both give Σᵢ (xᵢ − x̄)(xᵢ₊ₜ − x̄)/n up to rounding;
 * `directLags` 0 takes the FFT at once (the tests compare the two).
 */
export function essOfChains(
  chains: readonly Float64Array[],
  directLags: number = DIRECT_LAGS,
): number {
  const m = chains.length;
  const n = m === 0 ? 0 : chains[0].length;
  if (n < MIN_ESS_CHAIN_DRAWS || shouldReturnNaN(chains)) return NaN;

  const chainMeans = new Float64Array(m);
  for (let c = 0; c < m; c++) chainMeans[c] = mean(chains[c]);
  const direct = new DirectAutocovariance(chains);
  // Lags 4, 8, 16, 32, …: below 16, capped at n, so that a chain shorter than 16 draws is
  // summed over all its lags directly, as a start at min(n, 16) did.
  for (let lags = Math.min(n, FIRST_LAGS); lags <= Math.min(n, directLags);) {
    const ess = geyerEss(direct.means(lags), chainMeans, n);
    if (ess >= 0) return ess;
    if (lags === n) break;
    lags = lags < 16 ? Math.min(2 * lags, n) : 2 * lags;
  }
  const acovMeans = new Float64Array(n);
  for (let c = 0; c < m; c++) {
    const ac = autocovariance(chains[c]);
    for (let t = 0; t < n; t++) acovMeans[t] += ac[t] / m;
  }
  return geyerEss(acovMeans, chainMeans, n);
}

/** The most lags summed directly before the FFT takes over (about its cost at n = 500). */
const DIRECT_LAGS = 128;

/**
 * The lags summed first. Geyer's sequence stops at lag 3 for a chain that mixes well (most
 * quantities of a fit), and the estimate does not depend on how many lags were summed beyond
 * those it reads, so starting small and doubling only adds the lags a chain needs.
 */
const FIRST_LAGS = 4;

/** The chains' mean autocovariance at lags 0, 1, …, summed directly and kept as it grows. */
class DirectAutocovariance {
  private readonly centred: Float64Array[];
  private acov = new Float64Array(0);

  constructor(chains: readonly Float64Array[]) {
    // Centred by the plain mean Σx/n, as autocovariance() centres.
    this.centred = chains.map((x) => {
      let sum = 0;
      for (let i = 0; i < x.length; i++) sum += x[i];
      const mu = sum / x.length;
      const d = new Float64Array(x.length);
      for (let i = 0; i < x.length; i++) d[i] = x[i] - mu;
      return d;
    });
  }

  /** Lags 0..lags−1 of Σ_c acov_c / m (the lags already summed are not summed again). */
  means(lags: number): Float64Array {
    const done = this.acov.length;
    if (lags <= done) return this.acov;
    const acov = new Float64Array(lags);
    acov.set(this.acov);
    const m = this.centred.length;
    for (const d of this.centred) addLagProducts(d, done, lags, m, acov);
    this.acov = acov;
    return acov;
  }
}

/**
 * acov[t] += (Σᵢ dᵢ dᵢ₊ₜ) / n / m for lags t = from … to − 1, four lags per pass over d (four
 * sums side by side, each still added up in order of i, so each is the sum a loop of its own
 * would give, to the last bit). A function of its own, so that V8 optimises it as one rather
 * than as a loop inside {@link DirectAutocovariance.means}.
 */
function addLagProducts(
  d: Float64Array,
  from: number,
  to: number,
  m: number,
  acov: Float64Array,
): void {
  const n = d.length;
  let t = from;
  for (; t + 3 < to; t += 4) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    // Rows every lag reaches, then the few that only the shorter lags do.
    const common = n - t - 3;
    let i = 0;
    for (; i < common; i++) {
      const x = d[i];
      s0 += x * d[i + t];
      s1 += x * d[i + t + 1];
      s2 += x * d[i + t + 2];
      s3 += x * d[i + t + 3];
    }
    for (; i < n - t - 2; i++) {
      const x = d[i];
      s0 += x * d[i + t];
      s1 += x * d[i + t + 1];
      s2 += x * d[i + t + 2];
    }
    for (; i < n - t - 1; i++) {
      s0 += d[i] * d[i + t];
      s1 += d[i] * d[i + t + 1];
    }
    for (; i < n - t; i++) s0 += d[i] * d[i + t];
    acov[t] += s0 / n / m;
    acov[t + 1] += s1 / n / m;
    acov[t + 2] += s2 / n / m;
    acov[t + 3] += s3 / n / m;
  }
  for (; t < to; t++) {
    let s = 0;
    for (let i = 0; i + t < n; i++) s += d[i] * d[i + t];
    acov[t] += s / n / m;
  }
}

/**
 * Geyer's estimate from the mean autocovariances (lags 0..L−1 of n) and the chain means; −1
 * when the initial positive sequence reads past lag L − 1 (L < n: more lags are needed).
 */
function geyerEss(acovMeans: Float64Array, chainMeans: Float64Array, n: number): number {
  const m = chainMeans.length;
  const L = acovMeans.length;
  const meanVar = (acovMeans[0] * n) / (n - 1); // mean within-chain variance W
  let varPlus = (meanVar * (n - 1)) / n;
  if (m > 1) varPlus += variance(chainMeans);

  // Geyer's initial positive sequence on sums of adjacent autocorrelation pairs.
  const rho = new Float64Array(L);
  let t = 0;
  let rhoEven = 1;
  rho[0] = rhoEven;
  let rhoOdd = 1 - (meanVar - acovMeans[1]) / varPlus;
  rho[1] = rhoOdd;
  while (t < n - 5 && !Number.isNaN(rhoEven + rhoOdd) && rhoEven + rhoOdd > 0) {
    t += 2;
    if (t + 1 >= L) return -1;
    rhoEven = 1 - (meanVar - acovMeans[t]) / varPlus;
    rhoOdd = 1 - (meanVar - acovMeans[t + 1]) / varPlus;
    if (rhoEven + rhoOdd >= 0) {
      rho[t] = rhoEven;
      rho[t + 1] = rhoOdd;
    }
  }
  const maxT = t;
  // Kept for the improved (antithetic-aware) estimate below.
  if (rhoEven > 0) rho[maxT] = rhoEven;

  // Geyer's initial monotone sequence.
  t = 0;
  while (t <= maxT - 4) {
    t += 2;
    if (rho[t] + rho[t + 1] > rho[t - 2] + rho[t - 1]) {
      rho[t] = (rho[t - 2] + rho[t - 1]) / 2;
      rho[t + 1] = rho[t];
    }
  }

  const total = m * n;
  // tau = −1 + 2·Σ_{k<maxT} ρ_k + ρ_maxT. (posterior sums rho[1:max_t] in R, which for
  // max_t = 0 is the single element rho[1]; mirrored here.)
  let sum = 0;
  if (maxT === 0) sum = rho[0];
  else for (let k = 0; k < maxT; k++) sum += rho[k];
  let tau = -1 + 2 * sum + rho[maxT];
  const tauBound = 1 / Math.log10(total);
  if (tau < tauBound) tau = tauBound;
  return total / tau;
}

/**
 * Basic ESS (Gelman et al. 2013 with Vehtari et al. 2021's changes) on split chains by default,
 * as posterior's `ess_basic()`; `{ split: false }` uses the chains as they are.
 *
 * @example
 * ```ts
 * import { essBasic } from "./ess.ts";
 * const chain = (k: number) => Float64Array.from({ length: 100 }, (_, i) => Math.sin(i * 1.3 + k));
 * console.assert(essBasic([chain(0), chain(1)]) > 0);
 * ```
 */
export function essBasic(
  chains: readonly Float64Array[],
  options: { split?: boolean } = {},
): number {
  checkChains(chains, "the effective sample size");
  return essOfChains(options.split === false ? chains : splitChains(chains));
}

/**
 * ESS for the mean: the basic ESS on split chains (posterior's `ess_mean()`).
 *
 * @example
 * ```ts
 * import { essMean } from "./ess.ts";
 * const chain = Float64Array.from({ length: 200 }, (_, i) => Math.cos(i * 2.1));
 * console.assert(essMean([chain]) > 0);
 * ```
 */
export function essMean(chains: readonly Float64Array[]): number {
  return essBasic(chains);
}

/**
 * Bulk-ESS: ESS of the rank-normalised split chains (posterior's `ess_bulk()`).
 *
 * @example
 * ```ts
 * import { essBulk } from "./ess.ts";
 * const chain = (k: number) => Float64Array.from({ length: 100 }, (_, i) => Math.sin(i * 1.3 + k));
 * console.assert(essBulk([chain(0), chain(2)]) > 0);
 * ```
 */
export function essBulk(chains: readonly Float64Array[]): number {
  checkChains(chains, "bulk-ESS");
  if (shouldReturnNaN(chains)) return NaN;
  return essOfChains(rankNormalize(splitChains(chains)));
}

/**
 * ESS for the `prob` quantile: ESS of the split indicator chains I(x ≤ q̂), q̂ the type-7
 * quantile of all draws (posterior's `ess_quantile()`; prob = 1 uses (S − 0.5)/S).
 *
 * @example
 * ```ts
 * import { essQuantile } from "./ess.ts";
 * const chain = Float64Array.from({ length: 400 }, (_, i) => Math.sin(i * 0.7) + Math.cos(i * 1.9));
 * console.assert(essQuantile([chain], 0.5) > 0);
 * ```
 */
export function essQuantile(chains: readonly Float64Array[], prob: number): number {
  checkChains(chains, "the quantile ESS");
  if (!(prob >= 0 && prob <= 1)) {
    throw new HetfxError(`Cannot compute the quantile ESS: prob ${prob} is not between 0 and 1.`);
  }
  if (shouldReturnNaN(chains)) return NaN;
  const all = pool(chains);
  const p = prob === 1 ? (all.length - 0.5) / all.length : prob;
  const q = quantileSorted(sorted(all), p);
  return essOfChains(splitChains(mapChains(chains, (v) => (v <= q ? 1 : 0))));
}

/**
 * Tail-ESS: the smaller of the ESS for the 5% and 95% quantiles (posterior's `ess_tail()`).
 *
 * @example
 * ```ts
 * import { essTail } from "./ess.ts";
 * const chain = Float64Array.from({ length: 400 }, (_, i) => Math.sin(i * 0.7) + Math.cos(i * 1.9));
 * console.assert(essTail([chain]) > 0);
 * ```
 */
export function essTail(chains: readonly Float64Array[]): number {
  const q05 = essQuantile(chains, 0.05);
  const q95 = essQuantile(chains, 0.95);
  return Number.isNaN(q05) || Number.isNaN(q95) ? NaN : Math.min(q05, q95);
}

/**
 * ESS for the standard deviation: ESS of (x − mean)² on split chains, as posterior's `ess_sd()`
 * since stan-dev/posterior PR #388 (Dec 2024; before it used |x − mean|).
 *
 * @example
 * ```ts
 * import { essSd } from "./ess.ts";
 * const chain = Float64Array.from({ length: 400 }, (_, i) => Math.sin(i * 0.7) + Math.cos(i * 1.9));
 * console.assert(essSd([chain]) > 0);
 * ```
 */
export function essSd(chains: readonly Float64Array[]): number {
  checkChains(chains, "the sd ESS");
  if (shouldReturnNaN(chains)) return NaN;
  const m = mean(pool(chains));
  return essOfChains(splitChains(mapChains(chains, (v) => (v - m) * (v - m))));
}
