/**
 * A fit as the JSON result of the command line and `fit.toJSON()`: spec, backend, timing,
 * parameterisation, diagnostics, warnings, parameters, group effects and their spread.
 *
 * @module
 */
import { categoryLabels } from "../model/ordinal_outcome.ts";
import { familyOf } from "../families/mod.ts";
import type { FitResult } from "./fit_result.ts";
import { namesContrasts } from "../spec/treatment_coding.ts";
import type { EffectSpread, GroupEffect } from "./types.ts";

/**
 * One group effect as the JSON shows it (its draws and parts left out); `named`: with its
 * contrast (every coding but 0/1, whose entries name none).
 */
function groupEffectJSON(g: GroupEffect, named: boolean): Record<string, unknown> {
  return {
    term: g.term,
    group: g.group,
    levels: g.levels,
    ...(named && g.contrast !== undefined ? { contrast: g.contrast } : {}),
    n: g.n,
    mean: g.mean,
    sd: g.sd,
    "q2.5": g["q2.5"],
    q50: g.q50,
    "q97.5": g["q97.5"],
    rhat: g.rhat,
    ess_bulk: g.ess_bulk,
  };
}

/**
 * The JSON result of a fit (what `fit.toJSON()` returns).
 *
 * @example
 * ```ts ignore
 * const json = JSON.stringify(fitToJSON(fit));
 * ```
 */
export function fitToJSON(fit: FitResult): Record<string, unknown> {
  const hasEffects = fit.data.treatment !== null;
  const named = namesContrasts(fit.data.contrasts.map((c) => c.name));
  const spreads = hasEffects ? fit.effectSpreads().map((s) => spreadJSON(s, named)) : [];
  const family = familyOf(fit.spec.family, fit.spec.link);
  return {
    spec: fit.spec,
    backend: fit.info.backend,
    adapter: fit.info.adapter,
    backend_reason: fit.info.backendReason,
    ...(fit.info.cancelled ? { cancelled: true } : {}),
    ...(fit.info.nestedRhat ? { nested_rhat: fit.info.nestedRhat, webgpu: fit.info.webgpu } : {}),
    timing: fit.info.timing,
    parameterization: fit.info.parameterization,
    diagnostics: fit.diagnostics(),
    warnings: fit.warnings(),
    parameters: fit.summary(),
    group_effects: hasEffects ? fit.groupEffects().map((g) => groupEffectJSON(g, named)) : [],
    // An ordinal family's group effects are on the latent scale, not the outcome's: say so.
    ...(family.thresholds ? { group_effects_scale: family.linkScale } : {}),
    // An ordinal outcome's categories: value k (b_Intercept[k] lies between k and k + 1), label.
    ...(fit.data.thresholds
      ? {
        categories: categoryLabels(fit.data.thresholds).map((label, k) => ({
          value: k + 1,
          label,
        })),
      }
      : {}),
    // The first contrast's spread: the only one unless the treatment is a factor.
    effect_spread: spreads[0] ?? null,
    // Other codings than 0/1 say what they compare (a 0/1 treatment's JSON is as it was).
    ...(fit.data.contrasts.every((c) => c.kind === "binary") ? {} : {
      treatment_contrasts: fit.data.contrasts.map(({ name, kind, high, low }) => ({
        name,
        kind,
        high,
        low,
      })),
      effect_spreads: spreads,
    }),
  };
}

function spreadJSON(spread: EffectSpread, named: boolean): Record<string, unknown> {
  return {
    ...(named && spread.contrast !== undefined ? { contrast: spread.contrast } : {}),
    sd_all_draws: spread.sd_all_draws,
    min: groupEffectJSON(spread.min, named),
    median: groupEffectJSON(spread.median, named),
    max: groupEffectJSON(spread.max, named),
  };
}
