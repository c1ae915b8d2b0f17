/**
 * Outcome simulation for SBC: one outcome per row given the linear predictor η, the family's
 * parameters and (families with trials) the trials, drawn by the family's `predictiveDraw`.
 */
import type { KeyedStream } from "../math/rng.ts";
import type { Family } from "../spec/model_spec.ts";
import { familyOf } from "../families/mod.ts";

/** A draw's family parameters by name (sigma, nu, …); names the family lacks are ignored. */
export type OutcomeParameters = Readonly<Record<string, number>>;

/**
 * Simulates one outcome per row from η through the family's inverse link and predictive draw;
 * ordinal families cut η at the thresholds `ordinal.tau` under `ordinal.link` (default: the
 * family's default link).
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
  ordinal: { link?: string; tau?: ArrayLike<number> | null } = {},
): Float64Array {
  const f = familyOf(family, ordinal.link);
  // The parameters' values, then (ordinal families) the thresholds, as ParameterDraws of one draw.
  const values = f.parameters.map((p) => Float64Array.of(aux[p.name]));
  for (const t of Array.from(ordinal.tau ?? [])) values.push(Float64Array.of(t));
  const y = new Float64Array(eta.length);
  for (let i = 0; i < eta.length; i++) {
    y[i] = f.predictiveDraw(f.inverseLink(eta[i]), trials ? trials[i] : 1, values, 0, rng);
  }
  return y;
}
