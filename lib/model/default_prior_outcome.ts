/**
 * Whether a model leaves a prior to a default that uses the outcome's median and MAD: brms's
 * Intercept student_t(3, median, scale), the sd's student_t(3, 0, scale) and the family
 * parameters whose default depends on the scale (gaussian and student sigma). When every such
 * prior is given, the aggregate needs no `y_median`/`y_mad` and the SQL computes no median (the
 * median holds every row in the engine). The rules mirror compileModel's resolvePrior calls.
 */
import { brmsCoefName } from "../spec/brms_names.ts";
import type { ModelSpec, PriorSpec } from "../spec/model_spec.ts";
import { familyOf } from "../families/mod.ts";
import { usesOutcomeScale } from "../families/default_priors.ts";

/** A prior of class `cls` that applies to the whole class (no coef), for `group` or all. */
function classWide(priors: readonly PriorSpec[], cls: string, group?: string): boolean {
  return priors.some((p) =>
    p.class === cls && p.coef === undefined && (p.group === undefined || p.group === group)
  );
}

/**
 * True when a default prior the model uses needs the outcome's median or MAD (so the data's
 * median and MAD must be computed); `isFactor(v)` says whether variable v is categorical. A
 * group term whose factor slopes have only per-coefficient sd priors counts as needing them
 * (its coefficient names depend on the factor's levels).
 *
 * @example
 * ```ts
 * import { defaultPriorsUseOutcome } from "./default_prior_outcome.ts";
 * const spec = { hetfx: 1 as const, outcome: "y", family: "gaussian" as const, intercept: true,
 *   treatment: null, terms: ["x"], groupTerms: [], priors: [] };
 * console.assert(defaultPriorsUseOutcome(spec, () => false));
 * const given = [
 *   { class: "Intercept" as const, prior: { dist: "normal" as const, mu: 0, sigma: 5 } },
 *   { class: "sigma" as const, prior: { dist: "exponential" as const, rate: 1 } },
 * ];
 * console.assert(!defaultPriorsUseOutcome({ ...spec, priors: given }, () => false));
 * ```
 */
export function defaultPriorsUseOutcome(
  spec: ModelSpec,
  isFactor: (v: string) => boolean,
): boolean {
  const family = familyOf(spec.family, spec.link);
  if (family.priorOutcome(new Float64Array([1, 2])) === null) return false;
  const priors = spec.priors;
  // The population intercept (ordinal families' thresholds use fixed defaults).
  if (spec.intercept && family.thresholds === undefined && !classWide(priors, "Intercept")) {
    return true;
  }
  for (const g of spec.groupTerms) {
    if (classWide(priors, "sd", g.group)) continue;
    const numeric = g.slopes.every((s) =>
      s.split(":").every((v) => v !== spec.treatment && !isFactor(v))
    );
    const coefs = [...(g.intercept ? ["Intercept"] : []), ...g.slopes];
    const each = coefs.every((coef) =>
      priors.some((p) =>
        p.class === "sd" && (p.coef === coef || p.coef === brmsCoefName(coef)) &&
        (p.group === undefined || p.group === g.group)
      )
    );
    if (!numeric || !each) return true;
  }
  // A family parameter's default that changes with the scale uses the MAD.
  return family.parameters.some((p) =>
    usesOutcomeScale(p) &&
    !priors.some((q) => q.class === p.name && q.coef === undefined && q.group === undefined)
  );
}
