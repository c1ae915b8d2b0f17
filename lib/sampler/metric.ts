/**
 * Euclidean metrics for HMC: a diagonal or dense inverse metric M⁻¹ (the adapted posterior
 * covariance), with the operations the integrator and NUTS need. Momentum p ~ N(0, M); kinetic
 * energy ½ pᵀM⁻¹p; velocity ("sharp momentum") p♯ = M⁻¹p.
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import type { KeyedStream } from "../math/rng.ts";

/** Diagonal inverse metric. */
export interface DiagMetric {
  readonly kind: "diag";
  /** Diagonal of M⁻¹ (length dim). */
  readonly inverse: Float64Array;
  /** 1 / sqrt(inverse), used to draw momenta. */
  readonly momentumScale: Float64Array;
}

/** Dense inverse metric with its lower Cholesky factor L (M⁻¹ = L Lᵀ), both row-major dim × dim. */
export interface DenseMetric {
  readonly kind: "dense";
  readonly inverse: Float64Array;
  readonly cholesky: Float64Array;
}

export type Metric = DiagMetric | DenseMetric;

/**
 * A diagonal metric from the diagonal of M⁻¹ (all entries must be finite and positive).
 *
 * @example
 * ```ts
 * import { diagMetric } from "./metric.ts";
 * const m = diagMetric(new Float64Array([1, 4]));
 * console.assert(m.momentumScale[1] === 0.5);
 * ```
 */
export function diagMetric(inverse: Float64Array): DiagMetric {
  const scale = new Float64Array(inverse.length);
  for (let i = 0; i < inverse.length; i++) {
    const v = inverse[i];
    if (!(v > 0) || !Number.isFinite(v)) {
      throw new HetfxError(
        `Cannot use inverse metric: diagonal entry ${i} is ${v}; it must be finite and positive`,
      );
    }
    scale[i] = 1 / Math.sqrt(v);
  }
  return { kind: "diag", inverse: inverse.slice(), momentumScale: scale };
}

/**
 * The lower Cholesky factor L (L Lᵀ = a) of a symmetric positive definite `dim` × `dim` matrix
 * (row-major; only its lower triangle is read), or the row at which it fails: a matrix that is not
 * positive definite in floating point.
 *
 * @example
 * ```ts
 * import { choleskyLower } from "./metric.ts";
 * const l = choleskyLower(new Float64Array([4, 2, 2, 2]), 2) as Float64Array;
 * console.assert(l[0] === 2 && l[2] === 1 && l[3] === 1);
 * console.assert(choleskyLower(new Float64Array([1, 2, 2, 1]), 2) === 1);
 * ```
 */
export function choleskyLower(a: Float64Array, dim: number): Float64Array | number {
  const l = new Float64Array(dim * dim);
  for (let j = 0; j < dim; j++) {
    let d = a[j * dim + j];
    for (let k = 0; k < j; k++) d -= l[j * dim + k] * l[j * dim + k];
    if (!(d > 0) || !Number.isFinite(d)) return j;
    const ljj = Math.sqrt(d);
    l[j * dim + j] = ljj;
    for (let i = j + 1; i < dim; i++) {
      let s = a[i * dim + j];
      for (let k = 0; k < j; k++) s -= l[i * dim + k] * l[j * dim + k];
      l[i * dim + j] = s / ljj;
    }
  }
  return l;
}

/**
 * A dense metric from M⁻¹ (row-major, symmetric positive definite); computes its Cholesky factor.
 *
 * @example
 * ```ts
 * import { denseMetric } from "./metric.ts";
 * const m = denseMetric(new Float64Array([4, 2, 2, 2]), 2);
 * console.assert(m.cholesky[0] === 2);
 * ```
 */
export function denseMetric(inverse: Float64Array, dim: number): DenseMetric {
  if (inverse.length !== dim * dim) {
    throw new HetfxError(
      `Cannot use dense inverse metric: expected ${dim * dim} entries, got ${inverse.length}`,
    );
  }
  const l = choleskyLower(inverse, dim);
  if (typeof l === "number") {
    throw new HetfxError(
      "Cannot use dense inverse metric: it is not positive definite (Cholesky failed at " +
        `row ${l})`,
    );
  }
  return { kind: "dense", inverse: inverse.slice(), cholesky: l };
}

/**
 * The unit metric (identity) of the given kind.
 *
 * @example
 * ```ts
 * import { unitMetric } from "./metric.ts";
 * console.assert(unitMetric(3, "diag").inverse[2] === 1);
 * ```
 */
export function unitMetric(dim: number, kind: "diag" | "dense"): Metric {
  if (kind === "diag") return diagMetric(new Float64Array(dim).fill(1));
  const eye = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) eye[i * dim + i] = 1;
  return denseMetric(eye, dim);
}

/**
 * Writes p♯ = M⁻¹p into `out` (must not alias `p`).
 *
 * @example
 * ```ts
 * import { diagMetric, velocity } from "./metric.ts";
 * const v = velocity(diagMetric(new Float64Array([2])), new Float64Array([3]), new Float64Array(1));
 * console.assert(v[0] === 6);
 * ```
 */
export function velocity(metric: Metric, p: Float64Array, out: Float64Array): Float64Array {
  const n = p.length;
  const m = metric.inverse;
  if (metric.kind === "diag") {
    for (let i = 0; i < n; i++) out[i] = m[i] * p[i];
  } else {
    for (let i = 0; i < n; i++) {
      let s = 0;
      const row = i * n;
      for (let j = 0; j < n; j++) s += m[row + j] * p[j];
      out[i] = s;
    }
  }
  return out;
}

/**
 * Draws p ~ N(0, M) into `out` from `rng` (dim normals; dense: solves Lᵀp = z like Stan).
 *
 * @example
 * ```ts
 * import { sampleMomentum, unitMetric } from "./metric.ts";
 * import { KeyedStream } from "../math/rng.ts";
 * const p = sampleMomentum(unitMetric(2, "diag"), new KeyedStream(1, 0, 0), new Float64Array(2));
 * console.assert(p.every(Number.isFinite));
 * ```
 */
export function sampleMomentum(metric: Metric, rng: KeyedStream, out: Float64Array): Float64Array {
  const n = out.length;
  // fillNormals gives exactly the normals repeated rng.normal() would, a Box–Muller pair per
  // Philox block without a call per value (this draw is about a quarter of NUTS's own work per
  // leapfrog step at d ≈ 200).
  rng.fillNormals(out);
  if (metric.kind === "diag") {
    const s = metric.momentumScale;
    for (let i = 0; i < n; i++) out[i] = out[i] * s[i];
    return out;
  }
  // Back substitution with U = Lᵀ: U[i][j] = L[j][i].
  const l = metric.cholesky;
  for (let i = n - 1; i >= 0; i--) {
    let s = out[i];
    for (let j = i + 1; j < n; j++) s -= l[j * n + i] * out[j];
    out[i] = s / l[i * n + i];
  }
  return out;
}
