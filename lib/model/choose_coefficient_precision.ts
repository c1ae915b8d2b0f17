/** Chooses the coefficient-precision algebra for a collapsed Gaussian model. */
import type { CompiledData } from "./compiled_data.ts";
import { ArrowheadPrecision } from "./arrowhead_precision.ts";
import type { CoefficientPrecision, GammaLayout } from "./coefficient_precision.ts";
import { CrossedPrecision } from "./crossed_precision.ts";

/**
 * The cheapest exact algebra for `data`: block-arrowhead for one grouping term, otherwise a
 * dense factor that skips the block-diagonal part of the largest term (lib/model/crossed_precision.ts).
 *
 * @example
 * ```ts ignore
 * const precision = coefficientPrecision(data, { nBeta: 3, termOffsets: [3], dim: 3 + J * K });
 * ```
 */
export function coefficientPrecision(
  data: CompiledData,
  layout: GammaLayout,
  priorPrecision: Float64Array,
): CoefficientPrecision {
  return data.terms.length === 1
    ? new ArrowheadPrecision(data, priorPrecision)
    : new CrossedPrecision(data, layout, priorPrecision);
}
