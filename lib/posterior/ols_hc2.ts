/**
 * Least squares with HC2 robust standard errors, by the QR decomposition of the design (ml-matrix's
 * Householder QR), never the normal equations: forming XᵀX squares the condition number, so a
 * cubic in x ≈ 1000 (κ(X) ≈ 10⁸, κ(XᵀX) ≈ 10¹⁵) loses most of its digits that way.
 *
 * With X = QR (Q: n × p with orthonormal columns, R: p × p upper triangular):
 * β = R⁻¹Qᵀy, leverages hᵢᵢ = ‖Qᵢ‖², and the HC2 covariance
 * (XᵀX)⁻¹ Xᵀ diag(eᵢ² / (1 − hᵢᵢ)) X (XᵀX)⁻¹ = R⁻¹ Qᵀ diag(eᵢ² / (1 − hᵢᵢ)) Q R⁻ᵀ.
 *
 * Weighted least squares (R's `lm(weights = w)`) is OLS on √wᵢ·yᵢ and √wᵢ·xᵢ, and its HC2
 * covariance, as sandwich::vcovHC(type = "HC2") computes it for a weighted lm (estfun wᵢeᵢxᵢ,
 * hat values of the weighted design), is the HC2 covariance of that transformed regression:
 * meat Σ wᵢ²eᵢ² / (1 − hᵢᵢ) xᵢxᵢᵀ with hᵢᵢ = wᵢ xᵢᵀ(XᵀWX)⁻¹xᵢ. Rows of weight 0 are left out
 * before the QR, as lm.wfit leaves them out; weights of 1 give the unweighted fit bit for bit
 * (√1·x = x).
 *
 * This module imports ml-matrix statically; compare.ts loads it with a dynamic import, so that
 * `import "mod.ts"` does not pay for ml-matrix.
 */
import { Matrix, QrDecomposition } from "ml-matrix";
import { HetfxError } from "../errors.ts";

/** An OLS (or weighted least-squares) fit with HC2 standard errors. */
export interface OlsFit {
  names: string[];
  coef: Float64Array;
  /** HC2 covariance, p × p row-major. */
  vcov: Float64Array;
  se: Float64Array;
  /** Rows in the fit: with weights, those of positive weight. */
  n: number;
}

/**
 * A column whose part orthogonal to the columns before it (|Rⱼⱼ|) is below this fraction of its
 * own norm marks the design as rank deficient: the criterion and tolerance of R's `lm` (LINPACK
 * dqrdc2, tol = 1e-7).
 */
const RANK_TOLERANCE = 1e-7;

/**
 * OLS by QR with HC2 robust covariance. `columns` are the columns of X (include a column of
 * ones for an intercept); a rank-deficient design throws a HetfxError naming the columns.
 * With `weights` (finite, non-negative, one per row): weighted least squares as R's
 * `lm(weights = w)`, HC2 as sandwich's for that fit; rows of weight 0 are left out.
 *
 * @example
 * ```ts
 * import { olsHc2Qr } from "./ols_hc2.ts";
 * const x = Float64Array.from([0, 0, 1, 1]);
 * const fit = olsHc2Qr([new Float64Array(4).fill(1), x], Float64Array.from([1, 2, 4, 6]), ["1", "x"]);
 * console.assert(Math.abs(fit.coef[1] - 3.5) < 1e-12);
 * ```
 */
export function olsHc2Qr(
  columns: Float64Array[],
  y: Float64Array,
  names: string[],
  weights?: Float64Array,
): OlsFit {
  if (weights !== undefined) {
    ({ columns, y } = weightedRows(columns, y, weights));
  }
  const n = y.length;
  const p = columns.length;
  if (n <= p) {
    const rows = weights === undefined ? "rows" : "rows of positive weight";
    throw new HetfxError(`Cannot fit OLS: ${n} ${rows} for ${p} coefficients.`);
  }
  const X = new Matrix(n, p);
  for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) X.set(i, j, columns[j][i]);
  const qr = new QrDecomposition(X);
  const R = qr.upperTriangularMatrix;
  const Q = qr.orthogonalMatrix; // n × p
  for (let j = 0; j < p; j++) {
    const norm = Math.hypot(...columns[j]);
    if (!(Math.abs(R.get(j, j)) > RANK_TOLERANCE * norm)) {
      throw new HetfxError(
        `Cannot fit OLS: the design (${names.join(", ")}) is singular: column "${names[j]}" ` +
          "is (nearly) a linear combination of the columns before it.",
      );
    }
  }
  const rInv = upperTriangularInverse(R, p);
  // β = R⁻¹ Qᵀ y.
  const qty = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += Q.get(i, j) * y[i];
    qty[j] = s;
  }
  const coef = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let k = j; k < p; k++) s += rInv[j * p + k] * qty[k];
    coef[j] = s;
  }
  // Meat in the Q basis: Qᵀ diag(wᵢ) Q with wᵢ = eᵢ² / (1 − hᵢᵢ).
  const meat = new Float64Array(p * p);
  const qi = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    // Fitted values as Q Qᵀy, not Xβ: on an ill-conditioned design Xβ cancels large terms.
    let fitted = 0, h = 0;
    for (let j = 0; j < p; j++) {
      qi[j] = Q.get(i, j);
      h += qi[j] * qi[j];
      fitted += qi[j] * qty[j];
    }
    const e = y[i] - fitted;
    const w = (e * e) / (1 - h);
    if (!Number.isFinite(w)) continue; // leverage 1: the row fits itself; HC2 undefined → 0
    for (let j = 0; j < p; j++) {
      for (let k = 0; k < p; k++) meat[j * p + k] += w * qi[j] * qi[k];
    }
  }
  // V = R⁻¹ meat R⁻ᵀ.
  const left = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    for (let k = 0; k < p; k++) {
      let s = 0;
      for (let m = j; m < p; m++) s += rInv[j * p + m] * meat[m * p + k];
      left[j * p + k] = s;
    }
  }
  const vcov = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    for (let k = 0; k < p; k++) {
      let s = 0;
      for (let m = k; m < p; m++) s += left[j * p + m] * rInv[k * p + m];
      vcov[j * p + k] = s;
    }
  }
  const se = Float64Array.from({ length: p }, (_, j) => Math.sqrt(vcov[j * p + j]));
  return { names, coef, vcov, se, n };
}

/**
 * The rows of positive weight, each multiplied by √w: weighted least squares on them is OLS.
 * A weight of 1 leaves its row's values as they are (√1 = 1, 1·v = v).
 */
function weightedRows(
  columns: Float64Array[],
  y: Float64Array,
  weights: Float64Array,
): { columns: Float64Array[]; y: Float64Array } {
  if (weights.length !== y.length) {
    throw new HetfxError(`Cannot fit OLS: ${weights.length} weights for ${y.length} rows.`);
  }
  const kept: number[] = [];
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (!(Number.isFinite(w) && w >= 0)) {
      throw new HetfxError(
        `Cannot fit OLS: weights must be finite and non-negative, but row ${i + 1} has ${w}.`,
      );
    }
    if (w > 0) kept.push(i);
  }
  const root = Float64Array.from(kept, (i) => Math.sqrt(weights[i]));
  const scaled = (v: Float64Array) => Float64Array.from(kept, (i, k) => root[k] * v[i]);
  return { columns: columns.map(scaled), y: scaled(y) };
}

/** The inverse of an upper-triangular p × p matrix by back substitution, row-major. */
function upperTriangularInverse(R: Matrix, p: number): Float64Array {
  const inv = new Float64Array(p * p);
  for (let col = 0; col < p; col++) {
    for (let row = col; row >= 0; row--) {
      let s = row === col ? 1 : 0;
      for (let k = row + 1; k <= col; k++) s -= R.get(row, k) * inv[k * p + col];
      inv[row * p + col] = s / R.get(row, row);
    }
  }
  return inv;
}
