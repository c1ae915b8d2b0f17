/**
 * Family-specific outcome simulation for SBC: y given the linear predictor η, the family's
 * auxiliary parameters and (binomial) the trials. Kept in one file so that a family registry
 * can take it over.
 */
import type { KeyedStream } from "../math/rng.ts";
import type { Family } from "../spec/model_spec.ts";
import { gamma, poisson } from "../math/variates.ts";

/** Auxiliary parameters of a draw (NaN where the family has none). */
export interface OutcomeParameters {
  sigma: number;
  nu: number;
  /** negbinomial's shape φ (NaN for other families). */
  shape?: number;
}

/**
 * Simulates one outcome per row from η (identity link for gaussian/student, logit for
 * bernoulli/binomial, log for poisson and negbinomial).
 *
 * @example
 * ```ts
 * import { simulateOutcome } from "./simulate_outcome.ts";
 * import { KeyedStream } from "../math/rng.ts";
 * const y = simulateOutcome("bernoulli", Float64Array.of(50, -50), { sigma: NaN, nu: NaN },
 *   null, new KeyedStream(1, 0, 0));
 * console.assert(y[0] === 1 && y[1] === 0);
 * ```
 */
export function simulateOutcome(
  family: Family,
  eta: Float64Array,
  aux: OutcomeParameters,
  trials: Float64Array | null,
  rng: KeyedStream,
): Float64Array {
  const y = new Float64Array(eta.length);
  for (let i = 0; i < eta.length; i++) {
    const e = eta[i];
    switch (family) {
      case "gaussian":
        y[i] = e + aux.sigma * rng.normal();
        break;
      case "student": {
        const chi2 = 2 * gamma(rng, aux.nu / 2);
        y[i] = e + aux.sigma * rng.normal() / Math.sqrt(chi2 / aux.nu);
        break;
      }
      case "bernoulli":
      case "binomial": {
        const p = 1 / (1 + Math.exp(-e));
        const n = trials ? trials[i] : 1;
        let k = 0;
        for (let t = 0; t < n; t++) if (rng.uniform() < p) k++;
        y[i] = k;
        break;
      }
      case "poisson":
        y[i] = poisson(rng, Math.exp(e));
        break;
      case "negbinomial": {
        // The gamma–Poisson mixture with mean exp(η) and Var = μ + μ²/φ.
        const phi = aux.shape!;
        y[i] = poisson(rng, gamma(rng, phi) * Math.exp(e) / phi);
        break;
      }
    }
  }
  return y;
}
