/**
 * Convergence and sampler diagnostics matching the R package posterior: rank-normalised split
 * R-hat, bulk/tail ESS, MCSE, nested R-hat, E-BFMI, divergences and tree-depth hits.
 * Draws of one scalar are passed as `chains: Float64Array[]` (one array per chain).
 */
export { mean, median, quantile, sd, summarizeDraws, variance } from "./quantiles.ts";
export { normalQuantile } from "./normal_quantile.ts";
export { splitChains } from "./split_chains.ts";
export { fractionalRanks, rankNormalize } from "./rank_normalize.ts";
export { autocovariance } from "./autocovariance.ts";
export { rhat, rhatBasic, rhatOfChains, rhatParts } from "./rhat.ts";
export { essBasic, essBulk, essMean, essOfChains, essQuantile, essSd, essTail } from "./ess.ts";
export { convergenceStats } from "./convergence_stats.ts";
export type { ConvergenceStats } from "./convergence_stats.ts";
export { mcseMean, mcseQuantile, mcseSd } from "./mcse.ts";
export { ebfmi } from "./ebfmi.ts";
export { nestedRhat } from "./nested_rhat.ts";
export { samplerDiagnostics } from "./sampler.ts";
export type { SamplerDiagnostics } from "./sampler.ts";
