/**
 * A term's varying effects r (J × K, group-major) from its block of θ and back, for every
 * {@link TermParameterization}: what the draws mean whatever the sampler ran on. The log
 * density and its gradient live in compiled_model.ts.
 */
import type { CompiledTerm } from "./compiled_data.ts";
import { contrastsToLevels, levelsToContrasts } from "./level_contrasts.ts";

/** Rows 0…split−1 of a term's block are non-centred, rows split…J−1 centred. */
export function firstCentredRow(term: CompiledTerm): number {
  switch (term.parameterization) {
    case "noncentered":
      return term.nGroups;
    case "centered":
      return 0;
    case "contrasts":
      return 1;
  }
}

/**
 * Fill `r` (J·K) from θ given the term's sd (K) and correlation Cholesky factor L (K × K,
 * row-major; ignored when the term is uncorrelated). `scratch` (J·K) is used for "contrasts".
 *
 * @example
 * ```ts
 * import { varyingEffectsFromTheta } from "./varying_effects.ts";
 * const term = { nGroups: 1, coefNames: ["Intercept"], correlated: false, zOffset: 0,
 *   parameterization: "noncentered" } as never;
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
  const rotated = term.parameterization === "contrasts";
  const s = rotated ? scratch : r;
  const split = firstCentredRow(term);
  for (let j = 0; j < J; j++) {
    const z = term.zOffset + j * K;
    for (let a = 0; a < K; a++) {
      if (j >= split) {
        s[j * K + a] = theta[z + a];
        continue;
      }
      let u = theta[z + a];
      if (term.correlated) {
        u = 0;
        for (let m = 0; m <= a; m++) u += L[a * K + m] * theta[z + m];
      }
      s[j * K + a] = sd[a] * u;
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
 *   parameterization: "noncentered" } as never;
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
  if (term.parameterization === "contrasts") {
    levelsToContrasts(r, J, K, scratch);
    s = scratch;
  }
  const split = firstCentredRow(term);
  for (let j = 0; j < J; j++) {
    const z = term.zOffset + j * K;
    for (let a = 0; a < K; a++) {
      if (j >= split) {
        theta[z + a] = s[j * K + a];
        continue;
      }
      // z = L⁻¹ (s / sd), forward substitution.
      let v = s[j * K + a] / sd[a];
      if (term.correlated) {
        for (let b = 0; b < a; b++) v -= L[a * K + b] * theta[z + b];
        v /= L[a * K + a];
      }
      theta[z + a] = v;
    }
  }
}
