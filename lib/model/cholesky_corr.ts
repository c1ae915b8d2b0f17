/**
 * Cholesky factors of correlation matrices from unconstrained reals, as Stan does it:
 * y → canonical partial correlations z = tanh(y) → lower-triangular L with unit-length rows.
 * Also the LKJ prior on L (Stan's lkj_corr_cholesky) and the log Jacobian, with the gradient
 * of their sum and of any downstream function of L back to y.
 */

/** Number of unconstrained reals for a K × K correlation matrix. */
export function corrParamCount(k: number): number {
  return (k * (k - 1)) / 2;
}

/**
 * The reals of D Ω D for D = diag(flip) (each ±1), in place: with L's rows scaled by D and its
 * columns by D, DLD is again a Cholesky factor with unit-length rows, and each canonical partial
 * correlation (i, j) — so each real, tanh being odd — is multiplied by flip_i flip_j. `y` holds
 * the K(K−1)/2 reals from index `offset`, row by row as in {@link choleskyCorrForward}.
 *
 * @example
 * ```ts
 * import { reflectCorrelationReals } from "./cholesky_corr.ts";
 * const y = Float64Array.of(0.5, -0.2, 0.3); // (1,0), (2,0), (2,1)
 * reflectCorrelationReals(y, 3, [1, -1, 1]);
 * console.assert(y[0] === -0.5 && y[1] === -0.2 && y[2] === -0.3);
 * ```
 */
export function reflectCorrelationReals(
  y: Float64Array,
  k: number,
  flip: ArrayLike<number>,
  offset = 0,
): void {
  let p = offset;
  for (let i = 1; i < k; i++) {
    for (let j = 0; j < i; j++) y[p++] *= flip[i] * flip[j];
  }
}

/**
 * Fill `L` (K × K row-major, lower triangle used) from `y` (K(K−1)/2 reals from index `offset`,
 * row by row: (1,0), (2,0), (2,1), …). Returns log |Jacobian| + LKJ(eta) log density of L.
 *
 * @example
 * ```ts
 * import { choleskyCorrForward } from "./cholesky_corr.ts";
 * const L = new Float64Array(4);
 * choleskyCorrForward(new Float64Array([0]), 2, 1, L);
 * console.assert(L[0] === 1 && L[2] === 0 && L[3] === 1);
 * ```
 */
export function choleskyCorrForward(
  y: Float64Array,
  k: number,
  eta: number,
  L: Float64Array,
  offset = 0,
): number {
  L.fill(0);
  L[0] = 1;
  let lp = 0;
  let p = offset;
  for (let i = 1; i < k; i++) {
    let sumSq = 0;
    for (let j = 0; j < i; j++) {
      const z = Math.tanh(y[p++]);
      lp += Math.log1p(-z * z); // dz/dy
      const w = Math.sqrt(1 - sumSq);
      if (j > 0) lp += Math.log(w); // dL/dz
      const value = z * w;
      L[i * k + j] = value;
      sumSq += value * value;
    }
    const diag = Math.sqrt(Math.max(1 - sumSq, 0));
    L[i * k + i] = diag;
    // LKJ on the Cholesky factor: (K − i − 1 + 2η − 2) log L_ii for 0-based row i ≥ 1.
    lp += (k - i - 1 + 2 * eta - 2) * Math.log(diag);
  }
  return lp;
}

/** Running sums of squares of one row of L for {@link choleskyCorrBackward} (grown as needed). */
let sumsScratch = new Float64Array(8);

/**
 * Back-propagate: given dF/dL in `gradL` (K × K, lower triangle), add to `gradY` the gradient
 * of F(L(y)) + logJacobian(y) + LKJ(L(y)) with respect to y (both read from `offset` on).
 */
export function choleskyCorrBackward(
  y: Float64Array,
  k: number,
  eta: number,
  L: Float64Array,
  gradL: Float64Array,
  gradY: Float64Array,
  offset = 0,
): void {
  let rowStart = offset;
  if (sumsScratch.length < k + 1) sumsScratch = new Float64Array(k + 1);
  const s = sumsScratch;
  for (let i = 1; i < k; i++) {
    const diag = L[i * k + i];
    // Recompute the running sums of squares s_j before column j.
    s[0] = 0;
    for (let j = 0; j < i; j++) s[j + 1] = s[j] + L[i * k + j] * L[i * k + j];
    const gDiag = gradL[i * k + i] + (k - i - 1 + 2 * eta - 2) / diag;
    let gS = (gDiag * -0.5) / diag; // d/ds_i of sqrt(1 − s_i)
    for (let j = i - 1; j >= 0; j--) {
      const value = L[i * k + j];
      const w = Math.sqrt(1 - s[j]);
      const z = w > 0 ? value / w : 0;
      const gValue = gradL[i * k + j] + gS * 2 * value;
      const gZ = gValue * w;
      let gW = gValue * z;
      if (j > 0) {
        gW += 1 / w;
        gS += (gW * -0.5) / w;
      }
      const p = rowStart + j;
      const zt = Math.tanh(y[p]);
      gradY[p] += gZ * (1 - zt * zt) - 2 * zt;
    }
    rowStart += i;
  }
}
