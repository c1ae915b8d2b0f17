/**
 * Prior draws of an ordinal family's thresholds τ_1 < … < τ_{K−1} for simulation-based
 * calibration. The model's prior on the ordered vector is the product of the thresholds'
 * marginal priors restricted to the ordered region (as brms's, whose `ordered` Intercept has a
 * prior on each element). When every threshold has the same prior, sorting K − 1 independent
 * draws gives exactly that restricted distribution (the order statistics of i.i.d. draws have
 * density (K − 1)!·Πp(τ_k) on the ordered region); when they differ, independent draws are
 * repeated until they come out ordered (rejection: exact, since the target is the product
 * density restricted to a region).
 */
import { HetfxError } from "../errors.ts";
import type { KeyedStream } from "../math/rng.ts";
import type { PriorDistribution } from "../spec/model_spec.ts";
import { formatPrior } from "../spec/priors.ts";
import { thresholdName } from "../families/ordered_thresholds.ts";
import { drawPrior } from "./prior_draw.ts";

/** Rejection attempts before differing threshold priors are refused as (nearly) disjoint. */
const MAX_ATTEMPTS = 100_000;
/** Simulated data sets per SBC simulation before a missing category is refused as the rule. */
const MAX_REDRAWS = 1000;

/**
 * One draw of the K − 1 ordered thresholds from their priors (one prior per threshold).
 *
 * @example
 * ```ts
 * import { drawThresholds } from "./threshold_draw.ts";
 * import { KeyedStream } from "../math/rng.ts";
 * const prior = { dist: "student_t", df: 3, mu: 0, sigma: 2.5 } as const;
 * const tau = drawThresholds([prior, prior, prior], new KeyedStream(1, 0, 0));
 * console.assert(tau.length === 3 && tau[0] < tau[1] && tau[1] < tau[2]);
 * ```
 */
export function drawThresholds(
  priors: readonly PriorDistribution[],
  rng: KeyedStream,
): Float64Array {
  const tau = new Float64Array(priors.length);
  const same = priors.every((p) => JSON.stringify(p) === JSON.stringify(priors[0]));
  for (let attempt = 0; attempt < (same ? 1 : MAX_ATTEMPTS); attempt++) {
    priors.forEach((p, k) => (tau[k] = drawPrior(p, rng, -Infinity, thresholdName(k))));
    if (same) return tau.sort();
    let ordered = true;
    for (let k = 1; k < tau.length && ordered; k++) ordered = tau[k] > tau[k - 1];
    if (ordered) return tau;
  }
  throw new HetfxError(
    `Cannot run sbc: the thresholds' priors (${priors.map(formatPrior).join(", ")}) put almost ` +
      `no mass on ordered values τ_1 < … < τ_${priors.length}, so their prior cannot be drawn ` +
      `from. Give the thresholds one common prior (prior class Intercept).`,
  );
}

/**
 * Whether simulated outcomes `y` take every category 1…K (a fit needs them all to have K − 1
 * thresholds). `attempt` counts the data sets drawn for this simulation: after
 * {@link MAX_REDRAWS} without every category, a HetfxError says the priors put almost no mass
 * on data sets with all K categories.
 *
 * @example
 * ```ts
 * import { hasEveryCategory } from "./threshold_draw.ts";
 * console.assert(hasEveryCategory(Float64Array.of(1, 3, 2), 3, 1));
 * console.assert(!hasEveryCategory(Float64Array.of(1, 3, 3), 3, 1));
 * ```
 */
export function hasEveryCategory(y: Float64Array, K: number, attempt: number): boolean {
  const seen = new Uint8Array(K + 1);
  for (const v of y) seen[v] = 1;
  if (seen.subarray(1).every((v) => v === 1)) return true;
  if (attempt >= MAX_REDRAWS) {
    throw new HetfxError(
      `Cannot run sbc: ${MAX_REDRAWS} data sets simulated from the prior in a row each missed ` +
        `one of the ${K} categories, which a fit needs observed. Give the thresholds and ` +
        `coefficients tighter priors, or use a design with more rows.`,
    );
  }
  return false;
}
