/**
 * Which correlated two-coefficient terms of a fully collapsed Gaussian target get the Cartesian
 * pair coordinates (lib/model/pair_covariance.ts), and with which coefficient as the radius.
 *
 * The rule: at the mode φ̂ of the collapsed target in the usual coordinates (normal stand-ins
 * for the β priors, as lib/model/level_collapsed_gaussian.ts's collapsedModeSummary), measure for
 * each sd how far the log density (in sd, without the log Jacobian) falls from φ̂ to an sd e⁻⁸
 * times smaller. Where it falls by less than {@link SIGNED_SCALE_MAX_DROP}, the posterior reaches
 * sd = 0, and (log sd, atanh ρ) would be polar coordinates around a blob that touches the
 * origin (a funnel in ρ): that sd becomes the radius (the one with the smaller fall if both
 * qualify). Where neither does, both sds are away from 0 and the usual coordinates are better:
 * Cartesian ones would bend a well-identified sd into a banana (measured: 20× the leapfrog
 * steps on the crossed bench model with every term in Cartesian form).
 *
 * @module
 */
import { climbToMode } from "../sampler/laplace_metric.ts";
import type { CompiledData } from "./compiled_data.ts";
import { CollapsedGaussian } from "./collapsed_gaussian.ts";
import { normalStandIn, SIGNED_SCALE_MAX_DROP } from "./level_collapsed_gaussian.ts";

/**
 * How {@link pairRadii} chooses: "auto" (the rule above), "off" (usual coordinates everywhere),
 * or 0 / 1 (that coefficient the radius in every eligible term). A setting so that the bench can
 * compare.
 */
export const PAIR_SETTINGS: { radius: "auto" | "off" | 0 | 1 } = { radius: "auto" };

/**
 * Per term of `data`, the radius coefficient of the pair coordinates, or null for the usual
 * coordinates (terms that are not correlated two-coefficient terms, or whose sds stay away from
 * 0). One climb of the collapsed target (tens of milliseconds), done once per fit.
 *
 * @example
 * ```ts ignore
 * new CollapsedGaussian(data, { pairRadii: pairRadii(data) });
 * ```
 */
export function pairRadii(data: CompiledData): (number | null)[] {
  const eligible = data.terms.map((t) => t.correlated && t.coefNames.length === 2);
  const setting = PAIR_SETTINGS.radius;
  if (setting === "off" || !eligible.some((e) => e)) return eligible.map(() => null);
  if (setting !== "auto") return eligible.map((e) => e ? setting : null);
  const standIn: CompiledData = {
    ...data,
    interceptPrior: normalStandIn(data.interceptPrior),
    bPriors: data.bPriors.map(normalStandIn),
  };
  const collapsed = new CollapsedGaussian(standIn);
  const gradient = new Float64Array(collapsed.dim);
  const phiHat = climbToMode(collapsed, new Float64Array(collapsed.dim));
  const atMode = collapsed.logDensityGradient(phiHat, gradient);
  if (!Number.isFinite(atMode)) return eligible.map(() => null);
  return collapsed.layout.terms.map((lay, t) => {
    if (!eligible[t]) return null;
    // φ holds log sd_k (its density carries + log sd_k, taken off here).
    const drops = [0, 1].map((k) => {
      const near = Float64Array.from(phiHat);
      near[lay.phiSd + k] -= 8;
      const drop = atMode - phiHat[lay.phiSd + k] -
        (collapsed.logDensityGradient(near, gradient) - near[lay.phiSd + k]);
      return Number.isNaN(drop) ? Infinity : drop;
    });
    const k = drops[0] <= drops[1] ? 0 : 1;
    return drops[k] < SIGNED_SCALE_MAX_DROP ? k : null;
  });
}
