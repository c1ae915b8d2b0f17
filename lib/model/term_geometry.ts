/**
 * How θ holds each term's varying effects (CompiledTerm's `noncentering`, `contrasts`,
 * `meanInBeta`, `dataCentring`), set on compiled data without recompiling: the layout of θ is the same for
 * every choice, only the meaning of each term's block (and of the population-level
 * coefficients, with `meanInBeta`) changes.
 */
import { HetfxError } from "../errors.ts";
import type { CompiledData, CompiledTerm } from "./compiled_data.ts";
import type { DataCentring } from "./data_centring.ts";

/** One term's parameterisation. */
export interface TermGeometry {
  /** Per coefficient: 1 non-centred, 0 centred, in between partially centred (λ). */
  noncentering: number[];
  /** θ holds the level mean (non-centred) and J−1 Helmert contrasts instead of the levels. */
  contrasts: boolean;
  /** θ's population-level coefficients hold β + Â r̄ (see {@link canMoveMeanIntoBeta}). */
  meanInBeta: boolean;
  /** Hold the rows relative to the data instead of through `noncentering` (data_centring.ts). */
  dataCentring?: DataCentring;
}

/**
 * Whether every design column a term's coefficients map into has a population-level
 * coefficient in θ (an intercept or a `b`), so that the term's level mean can be moved into
 * them. A varying slope without its fixed slope cannot.
 */
export function canMoveMeanIntoBeta(data: CompiledData, term: CompiledTerm): boolean {
  const parameterised = (data.hasIntercept ? 1 : 0) + data.nFixed;
  return term.mapColumn.every((c) => c < parameterised);
}

/**
 * A copy of `data` whose terms use `geometries` (one per term).
 *
 * @example
 * ```ts ignore
 * const centred = withTermGeometry(data, data.terms.map((t) => ({
 *   noncentering: t.coefNames.map(() => 0), contrasts: true, meanInBeta: true,
 * })));
 * ```
 */
export function withTermGeometry(
  data: CompiledData,
  geometries: readonly TermGeometry[],
): CompiledData {
  if (geometries.length !== data.terms.length) {
    throw new HetfxError(
      `Cannot set the parameterisation: ${geometries.length} choices for ${data.terms.length} terms.`,
    );
  }
  const terms = data.terms.map((term, t) => {
    const g = geometries[t];
    if (
      g.noncentering.length !== term.coefNames.length ||
      !g.noncentering.every((l) => l >= 0 && l <= 1)
    ) {
      throw new HetfxError(
        `Cannot set the parameterisation of term ${term.group}: need ${term.coefNames.length} ` +
          `non-centring weights in [0, 1], got [${g.noncentering.join(", ")}].`,
      );
    }
    if (g.meanInBeta && !canMoveMeanIntoBeta(data, term)) {
      throw new HetfxError(
        `Cannot set the parameterisation of term ${term.group}: its level mean cannot move into ` +
          "the population-level coefficients (a varying coefficient has no fixed counterpart).",
      );
    }
    const size = term.nGroups * term.coefNames.length;
    const dc = g.dataCentring;
    if (
      dc && !(dc.information.length === size && dc.estimate.length === size &&
        dc.information.every((i) => i >= 0 && Number.isFinite(i)) &&
        dc.estimate.every(Number.isFinite))
    ) {
      throw new HetfxError(
        `Cannot set the parameterisation of term ${term.group}: data centring needs ${size} ` +
          "finite estimates and informations ≥ 0 (one per level and coefficient).",
      );
    }
    const K = term.coefNames.length;
    if (
      dc?.jointInformation &&
      !(dc.jointInformation.length === size * K && dc.jointInformation.every(Number.isFinite))
    ) {
      throw new HetfxError(
        `Cannot set the parameterisation of term ${term.group}: joint data centring needs ` +
          `${size * K} finite informations (a ${K} × ${K} matrix per level).`,
      );
    }
    const { dataCentring: _previous, ...rest } = term;
    return {
      ...rest,
      noncentering: [...g.noncentering],
      contrasts: g.contrasts,
      meanInBeta: g.meanInBeta,
      ...(dc ? { dataCentring: dc } : {}),
    };
  });
  return { ...data, terms };
}
