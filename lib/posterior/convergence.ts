/**
 * Whether a fit can be trusted: its sampler diagnostics over all parameters, and the warnings a
 * user must read, each with what to try.
 *
 * @module
 */
import { samplerDiagnostics } from "../diagnostics/sampler.ts";
import { MIN_ESS_CHAIN_DRAWS } from "../diagnostics/ess.ts";
import type { FitDiagnostics, FitResult } from "./fit_result.ts";

/**
 * Divergences, the largest R-hat, the smallest bulk/tail ESS (non-finite values skipped; see
 * {@link convergenceWarnings}), tree-depth hits and the smallest E-BFMI.
 *
 * @example
 * ```ts ignore
 * const d = fitDiagnostics(fit);
 * ```
 */
export function fitDiagnostics(fit: FitResult): FitDiagnostics {
  const params = fit.summary();
  const sampler = samplerDiagnostics(fit.chains, fit.info.options.maxTreedepth);
  const finite = (xs: number[]) => xs.filter((x) => Number.isFinite(x));
  const checked = params.filter((p) => p.name !== "lp__");
  return {
    divergences: sampler.divergences,
    max_rhat: Math.max(...finite(checked.map((p) => p.rhat))),
    min_ess_bulk: Math.min(...finite(checked.map((p) => p.ess_bulk))),
    min_ess_tail: Math.min(...finite(checked.map((p) => p.ess_tail))),
    max_treedepth_hits: sampler.maxTreedepthHits,
    ebfmi_min: sampler.ebfmiMin,
  };
}

/**
 * The warning of a fit built from a cancelled run.
 *
 * @example
 * ```ts
 * import { partialResultWarning } from "./convergence.ts";
 * console.assert(partialResultWarning(40, 1000, 4).startsWith("Partial result"));
 * ```
 */
export function partialResultWarning(kept: number, asked: number, chains: number): string {
  return `Partial result: sampling was cancelled, so each of the ${chains} chains keeps only ` +
    `its first ${kept} of ${asked} post-warmup draws; estimates and diagnostics use these ` +
    "draws only. Run the fit to the end for the full result.";
}

/**
 * Every warning of a fit: "Partial result" first when sampling was cancelled (keepPartial), the
 * data warnings found while compiling (one-row groups, groups all or never treated, too many
 * parameters), then {@link convergenceWarnings}.
 *
 * @example
 * ```ts ignore
 * for (const w of fitWarnings(fit)) console.warn(w);
 * ```
 */
export function fitWarnings(fit: FitResult): string[] {
  const named = fit.named;
  const partial = fit.info.cancelled
    ? [partialResultWarning(named.drawsPerChain, fit.info.options.draws, named.chains)]
    : [];
  return [...partial, ...(fit.data.warnings ?? []), ...fit.convergenceWarnings()];
}

/** Fewest draws per chain from which ESS is computed: each half of a split chain needs its own. */
const MIN_DRAWS_FOR_DIAGNOSTICS = 2 * MIN_ESS_CHAIN_DRAWS;

/**
 * Sampler warnings (R-hat/ESS not computable, divergences, R-hat or nested R-hat, ESS, tree
 * depth, E-BFMI), each saying what to try. Empty when all checks pass.
 *
 * @example
 * ```ts ignore
 * const ok = convergenceWarnings(fit).length === 0;
 * ```
 */
export function convergenceWarnings(fit: FitResult): string[] {
  const d = fit.diagnostics();
  const out: string[] = [];
  const total = fit.named.chains * fit.named.drawsPerChain;
  // diagnostics() skips non-finite R-hat/ESS; never let a stuck parameter pass as converged.
  const unknown = fit.summary().filter((p) =>
    p.name !== "lp__" &&
    !(Number.isFinite(p.rhat) && Number.isFinite(p.ess_bulk) && Number.isFinite(p.ess_tail))
  ).map((p) => p.name);
  const few = fit.named.drawsPerChain < MIN_DRAWS_FOR_DIAGNOSTICS;
  // With draws enough, a parameter's R-hat/ESS is missing because its draws are not all finite
  // (the model overflows there) or because they do not vary.
  const nonFinite = few ? [] : unknown.filter((name) => fit.draws(name).some((v) => !isFinite(v)));
  const stuck = unknown.filter((name) => !nonFinite.includes(name));
  const listed = (names: string[]) =>
    `${names.slice(0, 5).join(", ")}${names.length > 5 ? ` and ${names.length - 5} more` : ""}`;
  if (nonFinite.length > 0) {
    out.push(
      `R-hat/ESS cannot be computed for ${listed(nonFinite)}: some of their draws are NaN or ` +
        "infinite (the model overflows there). Check the model and priors (scales and " +
        "predictors on very different scales, improper priors).",
    );
  }
  if (stuck.length > 0) {
    out.push(
      `R-hat/ESS cannot be computed for ${listed(stuck)}: ` +
        (few
          ? `${fit.named.drawsPerChain} draws per chain are too few (split R-hat halves each ` +
            `chain). Run at least ${MIN_DRAWS_FOR_DIAGNOSTICS} draws, better hundreds.`
          : "their draws do not vary (stuck chains?). Run more warmup and draws, and check the " +
            "model and priors."),
    );
  }
  if (d.divergences > 0) {
    out.push(
      `${d.divergences} of ${total} transitions after warmup were divergent: the posterior may be ` +
        "biased. Raise adaptDelta (e.g. 0.99), or reparameterise / use stronger priors.",
    );
  }
  // Many short chains (WebGPU) are judged by nested R-hat (Margossian et al. 2023): classic
  // R-hat over 100-draw chains flags transient noise that pooling across chains removes.
  const nested = fit.info.nestedRhat;
  if (nested !== undefined) {
    if (!(nested.max <= 1.01)) {
      out.push(
        `Largest nested R-hat is ${nested.max.toFixed(3)} (> 1.01, superchains of ` +
          `${nested.superchainSize}): the chains have not forgotten their starts. ` +
          "Run more warmup, and check the model.",
      );
    }
  } else if (d.max_rhat > 1.01) {
    out.push(
      `Largest R-hat is ${d.max_rhat.toFixed(3)} (> 1.01): chains have not mixed. ` +
        "Run more warmup and draws, and check the model.",
    );
  }
  // 100 per chain as in the posterior package, capped at 400 in all (Vehtari et al. 2021's
  // guideline), so that hundreds of GPU chains are not asked for tens of thousands.
  const essTarget = 100 * Math.min(fit.named.chains, 4);
  if (d.min_ess_bulk < essTarget || d.min_ess_tail < essTarget) {
    out.push(
      `Smallest bulk/tail ESS is ${Math.round(d.min_ess_bulk)}/${Math.round(d.min_ess_tail)} ` +
        `(< ${essTarget}): means and intervals are unreliable. Run more draws.`,
    );
  }
  if (d.max_treedepth_hits > 0) {
    out.push(
      `${d.max_treedepth_hits} transitions hit the maximum tree depth ` +
        `${fit.info.options.maxTreedepth}: raise maxTreedepth or reparameterise.`,
    );
  }
  if (d.ebfmi_min < 0.3) {
    out.push(
      `E-BFMI as low as ${d.ebfmi_min.toFixed(2)} (< 0.3): the sampler explores the energy ` +
        "poorly; consider reparameterising.",
    );
  }
  return out;
}
