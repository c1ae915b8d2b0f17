/**
 * The draws a family's functions read besides η (`ParameterDraws`): its parameters (sigma, nu,
 * …) by name, then an ordinal family's thresholds `b_Intercept[1]` … `b_Intercept[K−1]`.
 */
import type { Family, ParameterDraws } from "../families/mod.ts";
import type { FitResult } from "./fit_result.ts";
import { thresholdName } from "../families/ordered_thresholds.ts";

/**
 * The fit's draws of `family`'s parameters and thresholds, in the order the family reads them.
 *
 * @example
 * ```ts
 * import { familyDraws } from "./family_draws.ts";
 * console.assert(typeof familyDraws === "function");
 * ```
 */
export function familyDraws(fit: FitResult, family: Family): ParameterDraws {
  const count = fit.data.thresholds?.count ?? 0;
  return [
    ...family.parameters.map((p) => fit.named.values.get(p.name)!),
    ...Array.from({ length: count }, (_, k) => fit.named.values.get(thresholdName(k))!),
  ];
}
