/**
 * An orthonormal change of basis over a term's J levels: Q = [1/√J · 1, H] with H the Helmert
 * contrasts (column i, i = 1…J−1: 1/√(i(i+1)) on levels 0…i−1, −i/√(i(i+1)) on level i, 0 after).
 * Rows of s = Qᵀ r are the level mean (scaled by √J) and J−1 orthonormal contrasts; since Q is
 * orthogonal, iid N(0, S) rows of r give iid N(0, S) rows of s, and the map has unit Jacobian.
 * Both directions cost O(J·K).
 */

/**
 * r = Q s for a J × K block (row-major), writing into `r` (must not alias `s`).
 *
 * @example
 * ```ts
 * import { contrastsToLevels } from "./level_contrasts.ts";
 * const r = new Float64Array(2);
 * contrastsToLevels(Float64Array.from([Math.SQRT2, 0]), 2, 1, r);
 * console.assert(Math.abs(r[0] - 1) < 1e-12 && Math.abs(r[1] - 1) < 1e-12);
 * ```
 */
export function contrastsToLevels(s: Float64Array, J: number, K: number, r: Float64Array): void {
  const c0 = 1 / Math.sqrt(J);
  for (let k = 0; k < K; k++) {
    // Suffix sum of s_i/√(i(i+1)) over i > j.
    let suffix = 0;
    for (let j = J - 1; j >= 0; j--) {
      let v = c0 * s[k] + suffix;
      if (j > 0) {
        const h = 1 / Math.sqrt(j * (j + 1));
        v -= j * h * s[j * K + k];
        suffix += h * s[j * K + k];
      }
      r[j * K + k] = v;
    }
  }
}

/**
 * s = Qᵀ r for a J × K block (the inverse of {@link contrastsToLevels}, and its transpose, so it
 * also carries gradients back from r to s), writing into `s` (must not alias `r`).
 *
 * @example
 * ```ts
 * import { levelsToContrasts } from "./level_contrasts.ts";
 * const s = new Float64Array(2);
 * levelsToContrasts(Float64Array.from([1, 1]), 2, 1, s);
 * console.assert(Math.abs(s[0] - Math.SQRT2) < 1e-12 && Math.abs(s[1]) < 1e-12);
 * ```
 */
export function levelsToContrasts(r: Float64Array, J: number, K: number, s: Float64Array): void {
  const c0 = 1 / Math.sqrt(J);
  for (let k = 0; k < K; k++) {
    let prefix = 0;
    let total = 0;
    for (let j = 0; j < J; j++) {
      const v = r[j * K + k];
      if (j > 0) s[j * K + k] = (prefix - j * v) / Math.sqrt(j * (j + 1));
      prefix += v;
      total += v;
    }
    s[k] = c0 * total;
  }
}
