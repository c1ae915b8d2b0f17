/**
 * Data-centred contrasts: θ holds v with s = m* + √V v, where N(m*, V) is a contrast's prior
 * N(m, c²) times a pilot fit's Gaussian approximation N(ŝ, 1/I) of its likelihood, so v is close
 * to N(0, 1) at every sd (non-centred where the data say little, centred where they dominate).
 * The map is exact whatever the pilot got wrong. Derivation:
 * docs/ARCHITECTURE.md#data-centring. "auto" now centres whole rows jointly
 * (joint_data_centring.ts); this coefficient-by-coefficient map remains for comparison.
 *
 * @module
 */
import { contrastsToLevels, levelsToContrasts } from "./level_contrasts.ts";
import { choleskyInPlace } from "./_dense.ts";

/**
 * Per row and coefficient of a term's block of θ (J × K, row-major; with contrasts, row 0 is the
 * level mean and stays non-centred): the data's information I and estimate ŝ.
 */
export interface DataCentring {
  information: Float64Array;
  estimate: Float64Array;
  /**
   * When set, each row is centred jointly (joint_data_centring.ts) with this K × K information
   * per row (J × K × K, row-major; `information` is then its diagonal), not coefficient by
   * coefficient.
   */
  jointInformation?: Float64Array;
}

/**
 * s = m* + √V v (docs/ARCHITECTURE.md#data-centring).
 *
 * @example
 * ```ts
 * import { dataCentredValue } from "./data_centring.ts";
 * console.assert(dataCentredValue(1, 0, 2, 0, 5) === 2); // I = 0: non-centred, s = m + c v
 * ```
 */
export function dataCentredValue(
  v: number,
  m: number,
  c: number,
  information: number,
  estimate: number,
): number {
  const ic2 = information * c * c;
  const g = 1 + ic2;
  return (m + ic2 * estimate) / g + (c * v) / Math.sqrt(g);
}

/**
 * The inverse of {@link dataCentredValue}: v for the value s.
 *
 * @example
 * ```ts
 * import { dataCentredStandardised, dataCentredValue } from "./data_centring.ts";
 * const s = dataCentredValue(0.7, 0.1, 0.5, 400, 0.3);
 * console.assert(Math.abs(dataCentredStandardised(s, 0.1, 0.5, 400, 0.3) - 0.7) < 1e-12);
 * ```
 */
export function dataCentredStandardised(
  s: number,
  m: number,
  c: number,
  information: number,
  estimate: number,
): number {
  const ic2 = information * c * c;
  const g = 1 + ic2;
  return ((s - (m + ic2 * estimate) / g) * Math.sqrt(g)) / c;
}

/**
 * −½ log(1 + I c²): the term one data-centred value adds to the log density besides −½u².
 *
 * @example
 * ```ts
 * import { dataCentringLogJacobian } from "./data_centring.ts";
 * console.assert(dataCentringLogJacobian(3, 0) === 0);
 * ```
 */
export function dataCentringLogJacobian(c: number, information: number): number {
  return -0.5 * Math.log1p(information * c * c);
}

/**
 * Reverse pass of one data-centred value: given the adjoints sBar of s and uBar of
 * u = (s − m)/c, and the log Jacobian's own dependence on c, writes [vBar, mBar, cBar] to `out`.
 *
 * @example
 * ```ts
 * import { dataCentringBackward } from "./data_centring.ts";
 * const out = new Float64Array(3);
 * dataCentringBackward(1, 0, 2, 0, 0, 1, 0, out); // I = 0: s = m + c v
 * console.assert(out[0] === 2 && out[1] === 1 && out[2] === 1);
 * ```
 */
export function dataCentringBackward(
  v: number,
  m: number,
  c: number,
  information: number,
  estimate: number,
  sBar: number,
  uBar: number,
  out: Float64Array,
): void {
  const offset = dataCentredValue(v, m, c, information, estimate) - m; // s − m = c u
  const g = 1 + information * c * c;
  const root = Math.sqrt(g);
  // s as a function of (v, m, c); u = (s − m)/c adds uBar/c to s's adjoint.
  const t = sBar + uBar / c;
  out[0] = (t * c) / root;
  out[1] = t / g - uBar / c;
  out[2] = t * ((2 * information * c * (estimate - m)) / (g * g) + v / (g * root)) -
    (uBar * offset) / (c * c) - (information * c) / g;
}

/**
 * The data-centring numbers of a term's θ block from a pilot fit's per-level estimates and
 * information (J × K each): with contrasts, ŝ = Qᵀ r̂ and each contrast's information
 * Σ_j Q_ji² I_j (levels of a term share no rows, so their information is block diagonal; row 0,
 * the level mean, gets 0: it stays non-centred); without, the levels' own numbers. Given each
 * level's K × K information block (`levelBlocks`, J × K × K), also the rows' K × K information
 * for joint centring (`jointInformation`, the same sums), whose diagonal is then `information`.
 *
 * @example
 * ```ts
 * import { dataCentringFromLevels } from "./data_centring.ts";
 * const dc = dataCentringFromLevels(Float64Array.of(1, 3), Float64Array.of(10, 10), 2, 1, true);
 * console.assert(Math.abs(dc.estimate[1] + Math.SQRT2) < 1e-12 && Math.abs(dc.information[1] - 10) < 1e-12);
 * ```
 */
export function dataCentringFromLevels(
  levelEstimate: Float64Array,
  levelInformation: Float64Array,
  J: number,
  K: number,
  contrasts: boolean,
  levelBlocks?: Float64Array,
): DataCentring {
  if (!contrasts) {
    const joint = levelBlocks?.slice();
    for (let j = 0; joint && j < J; j++) {
      keepPositiveSemidefinite(joint.subarray(j * K * K, (j + 1) * K * K), K);
    }
    return {
      information: levelInformation.slice(),
      estimate: levelEstimate.slice(),
      ...(joint ? { jointInformation: joint } : {}),
    };
  }
  const estimate = new Float64Array(J * K);
  levelsToContrasts(levelEstimate, J, K, estimate);
  estimate.fill(0, 0, K);
  const information = new Float64Array(J * K);
  const joint = levelBlocks ? new Float64Array(J * K * K) : undefined;
  const unit = new Float64Array(J);
  const column = new Float64Array(J);
  for (let i = 1; i < J; i++) {
    unit.fill(0);
    unit[i] = 1;
    contrastsToLevels(unit, J, 1, column);
    for (let k = 0; k < K; k++) {
      let sum = 0;
      for (let j = 0; j < J; j++) sum += column[j] * column[j] * levelInformation[j * K + k];
      information[i * K + k] = sum;
    }
    if (joint && levelBlocks) {
      for (let e = 0; e < K * K; e++) {
        let sum = 0;
        for (let j = 0; j < J; j++) sum += column[j] * column[j] * levelBlocks[j * K * K + e];
        joint[i * K * K + e] = sum;
      }
      for (let k = 0; k < K; k++) information[i * K + k] = joint[i * K * K + k * K + k];
      keepPositiveSemidefinite(joint.subarray(i * K * K, (i + 1) * K * K), K);
    }
  }
  return { information, estimate, ...(joint ? { jointInformation: joint } : {}) };
}

/**
 * The joint map needs I + Cᵀ I_j C positive definite for every C, so I_j positive semi-definite:
 * sums of likelihood curvature blocks are, up to rounding; a block that is not (a pilot with a
 * negative working weight) keeps only its diagonal (the row still goes through the joint map, with
 * a diagonal I_j).
 */
function keepPositiveSemidefinite(block: Float64Array, K: number): void {
  let trace = 0;
  for (let k = 0; k < K; k++) trace += Math.max(block[k * K + k], 0);
  const test = block.slice();
  for (let k = 0; k < K; k++) test[k * K + k] += 1e-9 * trace + 1e-300;
  if (choleskyInPlace(test, K)) return;
  for (let a = 0; a < K; a++) {
    for (let b = 0; b < K; b++) if (a !== b) block[a * K + b] = 0;
  }
}
