/**
 * Least squares with HC2 robust standard errors, by the QR decomposition of the design (ml-matrix's
 * Householder QR), never the normal equations: forming XᵀX squares the condition number, so a
 * cubic in x ≈ 1000 (κ(X) ≈ 10⁸, κ(XᵀX) ≈ 10¹⁵) loses most of its digits that way.
 *
 * With X = QR (Q: n × p with orthonormal columns, R: p × p upper triangular):
 * β = R⁻¹Qᵀy, leverages hᵢᵢ = ‖Qᵢ‖², and the HC2 covariance
 * (XᵀX)⁻¹ Xᵀ diag(eᵢ² / (1 − hᵢᵢ)) X (XᵀX)⁻¹ = R⁻¹ Qᵀ diag(eᵢ² / (1 − hᵢᵢ)) Q R⁻ᵀ.
 * A row of leverage 1 has no HC2 term (0/0): see `OlsFit.fullLeverage` and `hc2Variance`.
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
  /**
   * HC2 standard errors; NaN for a coefficient that a row of leverage 1 moves (see
   * `fullLeverage`): its variance is not estimable.
   */
  se: Float64Array;
  /** Rows in the fit: with weights, those of positive weight. */
  n: number;
  /**
   * For each row of leverage 1 (hᵢᵢ > 1 − √ε, sandwich's threshold), (XᵀX)⁻¹xᵢ: how its outcome
   * moves β. Such a row fits itself (eᵢ = 0, 1 − hᵢᵢ = 0), so HC2's eᵢ²/(1 − hᵢᵢ) is 0/0: `vcov`
   * counts it as 0, as sandwich does (with a warning), and a combination cᵀβ with
   * cᵀ(XᵀX)⁻¹xᵢ ≠ 0 has no HC2 variance ({@link hc2Variance} gives NaN). Example: a cell of a
   * fully interacted model with one treated row, whose effect's variance needs that row's.
   */
  fullLeverage: Float64Array[];
}

/** sandwich's threshold for a hat value of 1: 1 − √ε (R's sqrt(.Machine$double.eps)). */
const FULL_LEVERAGE = 1 - Math.sqrt(Number.EPSILON);

/** A combination's loading on a full-leverage row below this fraction of ‖c‖·‖v‖ is taken as 0. */
const LOADING_TOLERANCE = 1e-8;

/**
 * The HC2 variance of cᵀβ, cᵀ V c; NaN when a row of leverage 1 moves cᵀβ (its variance is then
 * not estimable, see {@link OlsFit.fullLeverage}).
 *
 * @example
 * ```ts
 * import { hc2Variance, olsHc2Qr } from "./ols_hc2.ts";
 * const one = new Float64Array(5).fill(1);
 * // The last row alone is treated: its arm's mean is that row's value, of unknown variance.
 * const t = Float64Array.from([0, 0, 0, 0, 1]);
 * const fit = olsHc2Qr([one, t], Float64Array.from([1, 2, 3, 4, 9]), ["1", "t"]);
 * console.assert(Number.isNaN(hc2Variance(fit, Float64Array.from([0, 1]))));
 * console.assert(Math.abs(hc2Variance(fit, Float64Array.from([1, 0])) - 5 / 12) < 1e-12);
 * ```
 */
export function hc2Variance(fit: OlsFit, c: ArrayLike<number>): number {
  const p = fit.names.length;
  if (c.length !== p) throw new Error(`hc2Variance: ${c.length} weights for ${p} coefficients`);
  if (fit.fullLeverage.some((v) => loads(c, v))) return NaN;
  let variance = 0;
  for (let j = 0; j < p; j++) {
    if (c[j] === 0) continue;
    for (let k = 0; k < p; k++) variance += c[j] * fit.vcov[j * p + k] * c[k];
  }
  return variance;
}

/** Whether cᵀv is non-zero beyond rounding. */
function loads(c: ArrayLike<number>, v: Float64Array): boolean {
  let dot = 0, cc = 0, vv = 0;
  for (let j = 0; j < v.length; j++) (dot += c[j] * v[j]), (cc += c[j] * c[j]), (vv += v[j] * v[j]);
  return Math.abs(dot) > LOADING_TOLERANCE * Math.sqrt(cc * vv);
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
  const fullLeverage: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    // Fitted values as Q Qᵀy, not Xβ: on an ill-conditioned design Xβ cancels large terms.
    let fitted = 0, h = 0;
    for (let j = 0; j < p; j++) {
      qi[j] = Q.get(i, j);
      h += qi[j] * qi[j];
      fitted += qi[j] * qty[j];
    }
    if (h > FULL_LEVERAGE) {
      // The row fits itself: eᵢ²/(1 − hᵢᵢ) is rounding over rounding. Counted as 0 (sandwich);
      // (XᵀX)⁻¹xᵢ = R⁻¹qᵢ kept to tell which combinations it leaves without a variance.
      fullLeverage.push(
        Float64Array.from({ length: p }, (_, j) => {
          let s = 0;
          for (let k = j; k < p; k++) s += rInv[j * p + k] * qi[k];
          return s;
        }),
      );
      continue;
    }
    const e = y[i] - fitted;
    const w = (e * e) / (1 - h);
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
  const fit = { names, coef, vcov, se: new Float64Array(p), n, fullLeverage };
  for (let j = 0; j < p; j++) {
    const unit = new Float64Array(p);
    unit[j] = 1;
    fit.se[j] = Math.sqrt(hc2Variance(fit, unit));
  }
  return fit;
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
