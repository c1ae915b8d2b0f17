/**
 * Small dense linear algebra on row-major n × n Float64Arrays, for the collapsed Gaussian
 * target (n ≤ a few hundred): Cholesky, triangular solves, triangular inverse.
 *
 * @module
 */

/**
 * In-place lower Cholesky factor: on return the lower triangle of `a` holds R with
 * A = R Rᵀ (the strict upper triangle is zeroed). Returns false when A is not positive definite.
 *
 * @example
 * ```ts
 * import { choleskyInPlace } from "./_dense.ts";
 * const a = Float64Array.from([4, 2, 2, 5]);
 * console.assert(choleskyInPlace(a, 2) && a[0] === 2 && a[2] === 1 && a[3] === 2);
 * ```
 */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = a[rj + j];
    for (let k = 0; k < j; k++) d -= a[rj + k] * a[rj + k];
    if (!(d > 0) || !Number.isFinite(d)) return false;
    const ljj = Math.sqrt(d);
    a[rj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= a[ri + k] * a[rj + k];
      a[ri + j] = s / ljj;
    }
    for (let k = j + 1; k < n; k++) a[rj + k] = 0;
  }
  return true;
}

/**
 * Solve R x = b in place (R lower triangular, row-major n × n).
 *
 * @example
 * ```ts
 * import { solveLower } from "./_dense.ts";
 * const x = solveLower(Float64Array.from([2, 0, 1, 1]), 2, Float64Array.from([2, 3]));
 * console.assert(x[0] === 1 && x[1] === 2);
 * ```
 */
export function solveLower(r: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = b[i];
    const ri = i * n;
    for (let k = 0; k < i; k++) s -= r[ri + k] * b[k];
    b[i] = s / r[ri + i];
  }
  return b;
}

/**
 * Solve Rᵀ x = b in place (R lower triangular, so Rᵀ is upper).
 *
 * @example
 * ```ts
 * import { solveLowerTransposed } from "./_dense.ts";
 * const x = solveLowerTransposed(Float64Array.from([2, 0, 1, 1]), 2, Float64Array.from([4, 2]));
 * console.assert(x[0] === 1 && x[1] === 2);
 * ```
 */
export function solveLowerTransposed(r: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= r[k * n + i] * b[k];
    b[i] = s / r[i * n + i];
  }
  return b;
}

/**
 * Inverse of a lower-triangular R into `out` (lower triangular; upper zeroed).
 *
 * @example
 * ```ts
 * import { invertLower } from "./_dense.ts";
 * const inv = invertLower(Float64Array.from([2, 0, 1, 1]), 2, new Float64Array(4));
 * console.assert(inv[0] === 0.5 && inv[2] === -0.5 && inv[3] === 1);
 * ```
 */
export function invertLower(r: Float64Array, n: number, out: Float64Array): Float64Array {
  out.fill(0);
  for (let j = 0; j < n; j++) {
    out[j * n + j] = 1 / r[j * n + j];
    for (let i = j + 1; i < n; i++) {
      let s = 0;
      const ri = i * n;
      for (let k = j; k < i; k++) s -= r[ri + k] * out[k * n + j];
      out[ri + j] = s / r[ri + i];
    }
  }
  return out;
}
