/**
 * Small dense linear algebra on row-major n × n Float64Arrays, for the collapsed Gaussian
 * target (n ≤ a few hundred): Cholesky, triangular solves, triangular inverse.
 *
 * @module
 */

/**
 * In-place lower Cholesky factor: on return the lower triangle of `a` holds R with
 * A = R Rᵀ (the strict upper triangle is zeroed). Returns false when A is not positive definite.
 * With `first` (each row's first non-zero column in A's lower triangle: its envelope, which the
 * factor keeps) the sums skip the products of the zeros before it, the same sums in the same
 * order otherwise: the factor is bit for bit the dense one, at a cost that follows the envelope
 * (a block-diagonal matrix with dense last rows costs about its dense rows only).
 *
 * @example
 * ```ts
 * import { choleskyInPlace } from "./_dense.ts";
 * const a = Float64Array.from([4, 2, 2, 5]);
 * console.assert(choleskyInPlace(a, 2) && a[0] === 2 && a[2] === 1 && a[3] === 2);
 * const b = Float64Array.from([4, 0, 2, 0, 9, 3, 2, 3, 6]); // rows 0, 1 uncoupled
 * console.assert(choleskyInPlace(b, 3, Int32Array.from([0, 1, 0])) && b[3] === 0 && b[7] === 1);
 * ```
 */
export function choleskyInPlace(a: Float64Array, n: number, first?: Int32Array): boolean {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    const fj = first ? first[j] : 0;
    let d = a[rj + j];
    for (let k = fj; k < j; k++) d -= a[rj + k] * a[rj + k];
    if (!(d > 0) || !Number.isFinite(d)) return false;
    const ljj = Math.sqrt(d);
    a[rj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      const fi = first ? first[i] : 0;
      if (fi > j) continue; // outside row i's envelope: stays 0
      let s = a[ri + j];
      for (let k = Math.max(fi, fj); k < j; k++) s -= a[ri + k] * a[rj + k];
      a[ri + j] = s / ljj;
    }
    for (let k = j + 1; k < n; k++) a[rj + k] = 0;
  }
  return true;
}

/**
 * Each row's first non-zero column in the lower triangle of the n × n row-major `a` (the
 * envelope {@link choleskyInPlace} and {@link invertLower} may skip to; i for a row with no
 * non-zero left of its diagonal), into `first` when given.
 *
 * @example
 * ```ts
 * import { envelope } from "./_dense.ts";
 * console.assert(envelope(Float64Array.from([4, 0, 2, 0, 9, 3, 2, 3, 6]), 3).join() === "0,1,0");
 * ```
 */
export function envelope(
  a: Float64Array,
  n: number,
  first: Int32Array = new Int32Array(n),
): Int32Array {
  for (let i = 0; i < n; i++) {
    let j = 0;
    while (j < i && a[i * n + j] === 0) j++;
    first[i] = j;
  }
  return first;
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
 * Inverse of a lower-triangular R into `out` (lower triangular; upper zeroed). With `first`
 * (R's envelope, see {@link choleskyInPlace}) the sums skip R's zeros: the same result.
 *
 * @example
 * ```ts
 * import { invertLower } from "./_dense.ts";
 * const inv = invertLower(Float64Array.from([2, 0, 1, 1]), 2, new Float64Array(4));
 * console.assert(inv[0] === 0.5 && inv[2] === -0.5 && inv[3] === 1);
 * ```
 */
export function invertLower(
  r: Float64Array,
  n: number,
  out: Float64Array,
  first?: Int32Array,
): Float64Array {
  out.fill(0);
  for (let j = 0; j < n; j++) {
    out[j * n + j] = 1 / r[j * n + j];
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      const from = first ? Math.max(j, first[i]) : j;
      out[ri + j] = -rowTimesColumn(r, ri, out, n, j, from, i) / r[ri + i];
    }
  }
  return out;
}

/**
 * Σ_{k = from}^{to − 1} r[ri + k]·out[k·n + j], summed as invertLower's negative running sum
 * was (0 − a − b … = −(a + b + …) exactly). A function of its own, so that V8 compiles it whole
 * rather than as an inner loop it discards at every exit (most are empty with an envelope).
 */
function rowTimesColumn(
  r: Float64Array,
  ri: number,
  out: Float64Array,
  n: number,
  j: number,
  from: number,
  to: number,
): number {
  let s = 0;
  for (let k = from; k < to; k++) s += r[ri + k] * out[k * n + j];
  return s;
}

/**
 * Inverse of a symmetric positive-definite K × K matrix `a` into `out` (row-major, both
 * triangles); returns log|a|, or NaN when `a` is not positive definite. K = 1 and 2 in closed
 * form (the common varying intercept and intercept + slope), otherwise through a Cholesky
 * factor in `scratch` (K × K).
 *
 * @example
 * ```ts
 * import { invertSymmetricPositive } from "./_dense.ts";
 * const out = new Float64Array(4);
 * const logDet = invertSymmetricPositive(Float64Array.from([2, 1, 1, 2]), 2, out, new Float64Array(4));
 * console.assert(Math.abs(logDet - Math.log(3)) < 1e-15 && Math.abs(out[1] + 1 / 3) < 1e-15);
 * ```
 */
export function invertSymmetricPositive(
  a: Float64Array,
  K: number,
  out: Float64Array,
  scratch: Float64Array,
): number {
  if (K === 1) {
    if (!(a[0] > 0) || !Number.isFinite(a[0])) return NaN;
    out[0] = 1 / a[0];
    return Math.log(a[0]);
  }
  if (K === 2) {
    const det = a[0] * a[3] - a[1] * a[1];
    if (!(a[0] > 0) || !(det > 0) || !Number.isFinite(det)) return NaN;
    out[0] = a[3] / det;
    out[1] = out[2] = -a[1] / det;
    out[3] = a[0] / det;
    return Math.log(det);
  }
  scratch.set(a.subarray(0, K * K));
  if (!choleskyInPlace(scratch, K)) return NaN;
  let logDet = 0;
  for (let k = 0; k < K; k++) logDet += 2 * Math.log(scratch[k * K + k]);
  invertLower(scratch, K, out);
  scratch.set(out.subarray(0, K * K)); // L⁻¹; then a⁻¹ = L⁻ᵀ L⁻¹
  for (let i = 0; i < K; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let m = i; m < K; m++) s += scratch[m * K + i] * scratch[m * K + j];
      out[i * K + j] = out[j * K + i] = s;
    }
  }
  return logDet;
}
