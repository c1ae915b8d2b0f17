/**
 * A term's varying effects r (J × K, group-major) from its block of θ and back, however θ holds
 * them (CompiledTerm's `noncentering`, `contrasts`, `meanInBeta`, `dataCentring`): what the
 * draws mean whatever the sampler ran on. The log density and its gradient live in
 * compiled_model.ts.
 */
import type { CompiledData, CompiledTerm } from "./compiled_data.ts";
import { contrastsToLevels, levelsToContrasts } from "./level_contrasts.ts";
import { dataCentredStandardised, dataCentredValue } from "./data_centring.ts";
import { jointCentredRow, jointStandardised, jointWork } from "./joint_data_centring.ts";

/**
 * Fill `r` (J·K) from θ given the term's sd (K) and correlation Cholesky factor L (K × K,
 * row-major; ignored when the term is uncorrelated). `scratch` (J·K) is used for "contrasts".
 *
 * @example
 * ```ts
 * import { varyingEffectsFromTheta } from "./varying_effects.ts";
 * const term = { nGroups: 1, coefNames: ["Intercept"], correlated: false, zOffset: 0,
 *   noncentering: [1], contrasts: false } as never;
 * const r = new Float64Array(1);
 * varyingEffectsFromTheta(term, Float64Array.of(2), Float64Array.of(0.5), Float64Array.of(1), r, new Float64Array(1));
 * console.assert(r[0] === 1);
 * ```
 */
export function varyingEffectsFromTheta(
  term: CompiledTerm,
  theta: Float64Array,
  sd: Float64Array,
  L: Float64Array,
  r: Float64Array,
  scratch: Float64Array,
): void {
  const K = term.coefNames.length;
  const J = term.nGroups;
  const rotated = term.contrasts;
  const s = rotated ? scratch : r;
  const dc = term.dataCentring;
  const u = new Float64Array(K);
  const joint = dc?.jointInformation ? jointRows(term, sd, L) : null;
  for (let j = 0; j < J; j++) {
    const z = term.zOffset + j * K;
    const mixed = !rotated || j > 0;
    if (mixed && joint) {
      jointCentredRow(
        theta.subarray(z, z + K),
        joint.C,
        joint.information(j),
        dc!.estimate.subarray(j * K, j * K + K),
        joint.work,
        s.subarray(j * K, j * K + K),
        u,
      );
      continue;
    }
    for (let a = 0; a < K; a++) {
      const { m, c } = conditional(term, sd, L, u, a);
      const i = j * K + a;
      let sa: number;
      if (mixed && dc) {
        sa = dataCentredValue(theta[z + a], m, c, dc.information[i], dc.estimate[i]);
      } else {
        // λ = 1 (non-centred, the common case) spares a Math.pow per draw and group.
        const lambda = mixed ? term.noncentering[a] : 1;
        sa = lambda * m + (lambda === 1 ? c : Math.pow(c, lambda)) * theta[z + a];
      }
      s[i] = sa;
      u[a] = (sa - m) / c;
    }
  }
  if (rotated) contrastsToLevels(s, J, K, r);
}

/**
 * The inverse of {@link varyingEffectsFromTheta}: write the term's block of θ for effects `r`.
 *
 * @example
 * ```ts
 * import { thetaFromVaryingEffects } from "./varying_effects.ts";
 * const term = { nGroups: 1, coefNames: ["Intercept"], correlated: false, zOffset: 0,
 *   noncentering: [1], contrasts: false } as never;
 * const theta = new Float64Array(1);
 * thetaFromVaryingEffects(term, Float64Array.of(1), Float64Array.of(0.5), Float64Array.of(1), theta, new Float64Array(1));
 * console.assert(theta[0] === 2);
 * ```
 */
export function thetaFromVaryingEffects(
  term: CompiledTerm,
  r: Float64Array,
  sd: Float64Array,
  L: Float64Array,
  theta: Float64Array,
  scratch: Float64Array,
): void {
  const K = term.coefNames.length;
  const J = term.nGroups;
  let s = r;
  if (term.contrasts) {
    levelsToContrasts(r, J, K, scratch);
    s = scratch;
  }
  const dc = term.dataCentring;
  const u = new Float64Array(K);
  const joint = dc?.jointInformation ? jointRows(term, sd, L) : null;
  for (let j = 0; j < J; j++) {
    const z = term.zOffset + j * K;
    const mixed = !term.contrasts || j > 0;
    if (mixed && joint) {
      jointStandardised(
        s.subarray(j * K, j * K + K),
        joint.C,
        joint.information(j),
        dc!.estimate.subarray(j * K, j * K + K),
        joint.work,
        u,
      );
      theta.set(u, z);
      continue;
    }
    for (let a = 0; a < K; a++) {
      const { m, c } = conditional(term, sd, L, u, a);
      const i = j * K + a;
      const lambda = mixed ? term.noncentering[a] : 1;
      const sa = s[i];
      u[a] = (sa - m) / c;
      if (mixed && dc) {
        theta[z + a] = dataCentredStandardised(sa, m, c, dc.information[i], dc.estimate[i]);
      } else {
        // λ = 1 (non-centred, the common case) is u itself.
        theta[z + a] = lambda === 1 ? u[a] : (sa - lambda * m) / Math.pow(c, lambda);
      }
    }
  }
}

/** A jointly data-centred term's C = diag(sd) L, each row's information and scratch. */
function jointRows(term: CompiledTerm, sd: Float64Array, L: Float64Array) {
  const K = term.coefNames.length;
  const C = new Float64Array(K * K);
  for (let a = 0; a < K; a++) {
    for (let b = 0; b <= a; b++) {
      C[a * K + b] = term.correlated ? sd[a] * L[a * K + b] : a === b ? sd[a] : 0;
    }
  }
  const info = term.dataCentring!.jointInformation!;
  return {
    C,
    information: (j: number) => info.subarray(j * K * K, (j + 1) * K * K),
    work: jointWork(K),
  };
}

/** Mean m and scale c of coefficient a of a row given its earlier standardised ones `u`. */
function conditional(
  term: CompiledTerm,
  sd: Float64Array,
  L: Float64Array,
  u: Float64Array,
  a: number,
): { m: number; c: number } {
  const K = term.coefNames.length;
  if (!term.correlated) return { m: 0, c: sd[a] };
  let m = 0;
  for (let b = 0; b < a; b++) m += L[a * K + b] * u[b];
  return { m: sd[a] * m, c: sd[a] * L[a * K + a] };
}

/**
 * The mean over levels of a J × K block, into `mean` (K).
 *
 * @example
 * ```ts
 * import { levelMean } from "./varying_effects.ts";
 * const m = new Float64Array(1);
 * levelMean(Float64Array.of(1, 3), 2, 1, m);
 * console.assert(m[0] === 2);
 * ```
 */
export function levelMean(r: Float64Array, J: number, K: number, mean: Float64Array): void {
  mean.fill(0);
  for (let j = 0; j < J; j++) for (let k = 0; k < K; k++) mean[k] += r[j * K + k];
  for (let k = 0; k < K; k++) mean[k] /= J;
}

/**
 * The population-level coefficients β (D, design-column order; 0 for columns without a
 * coefficient) from θ and every term's varying effects `rs`: θ's coefficients less Â r̄ for the
 * terms whose level mean θ holds in them (`meanInBeta`). `mean` is K-sized scratch (K ≥ every
 * term's K).
 *
 * @example
 * ```ts ignore
 * coefficientsFromTheta(data, theta, rs, beta, new Float64Array(8));
 * ```
 */
export function coefficientsFromTheta(
  data: CompiledData,
  theta: Float64Array,
  rs: readonly Float64Array[],
  beta: Float64Array,
  mean: Float64Array,
): void {
  beta.fill(0);
  const first = data.hasIntercept ? 1 : 0;
  if (data.hasIntercept) beta[0] = theta[data.interceptOffset];
  for (let p = 0; p < data.nFixed; p++) beta[first + p] = theta[data.bOffset + p];
  data.terms.forEach((term, t) => {
    if (!term.meanInBeta) return;
    levelMean(rs[t], term.nGroups, term.coefNames.length, mean);
    const { mapColumn, mapCoef, mapWeight } = term;
    for (let e = 0; e < mapColumn.length; e++) {
      beta[mapColumn[e]] -= mapWeight[e] * mean[mapCoef[e]];
    }
  });
}

/**
 * The inverse of {@link coefficientsFromTheta}: write θ's population-level coefficients for
 * coefficients `beta` and varying effects `rs`.
 *
 * @example
 * ```ts ignore
 * thetaFromCoefficients(data, beta, rs, theta, new Float64Array(8));
 * ```
 */
export function thetaFromCoefficients(
  data: CompiledData,
  beta: Float64Array,
  rs: readonly Float64Array[],
  theta: Float64Array,
  mean: Float64Array,
): void {
  const shifted = beta.slice();
  data.terms.forEach((term, t) => {
    if (!term.meanInBeta) return;
    levelMean(rs[t], term.nGroups, term.coefNames.length, mean);
    const { mapColumn, mapCoef, mapWeight } = term;
    for (let e = 0; e < mapColumn.length; e++) {
      shifted[mapColumn[e]] += mapWeight[e] * mean[mapCoef[e]];
    }
  });
  const first = data.hasIntercept ? 1 : 0;
  if (data.hasIntercept) theta[data.interceptOffset] = shifted[0];
  for (let p = 0; p < data.nFixed; p++) theta[data.bOffset + p] = shifted[first + p];
}
