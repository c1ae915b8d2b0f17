/**
 * Cholesky factors of correlation matrices from unconstrained reals, as Stan does it:
 * y → canonical partial correlations z = tanh(y) → lower-triangular L with unit-length rows.
 * Also the LKJ prior on L (Stan's lkj_corr_cholesky) and the log Jacobian, with the gradient
 * of their sum and of any downstream function of L back to y. The remaining length of a row
 * is computed as a product of sech y's, not √(1 − Σ L²), so that everything stays finite and
 * exact where tanh y rounds to ±1: a prior-dominated ρ has a sech² tail in y that a NUTS
 * trajectory can cross, and a −∞ there is a false divergence.
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
    // w_j = √(1 − Σ_{m<j} L_im²) = Π_{m<j} sech y_m: a product, exact where tanh y rounds to
    // ±1 (|y| ≳ 19), where 1 − tanh² y would be 0 and the log density −∞ (a false divergence).
    let w = 1;
    let logW = 0;
    for (let j = 0; j < i; j++) {
      const v = y[p++];
      const logSech = -logCosh(v);
      lp += 2 * logSech; // dz/dy = 1 − tanh² y = sech² y
      if (j > 0) lp += logW; // dL/dz = w_j
      L[i * k + j] = Math.tanh(v) * w;
      logW += logSech;
      w = Math.exp(logW);
    }
    L[i * k + i] = w;
    // LKJ on the Cholesky factor: (K − i − 1 + 2η − 2) log L_ii for 0-based row i ≥ 1.
    lp += (k - i - 1 + 2 * eta - 2) * logW;
  }
  return lp;
}

/** log cosh y without overflow: |y| + log1p(e^(−2|y|)) − log 2. */
function logCosh(y: number): number {
  const a = Math.abs(y);
  return a + Math.log1p(Math.exp(-2 * a)) - Math.LN2;
}

/** Per row, the w_j of {@link choleskyCorrForward} for {@link choleskyCorrBackward} (grown as needed). */
let wScratch = new Float64Array(8);
/** Per row, sech y_j for {@link choleskyCorrBackward} (grown with wScratch). */
let sechScratch = new Float64Array(8);

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
  if (wScratch.length < k + 1) {
    wScratch = new Float64Array(k + 1);
    sechScratch = new Float64Array(k + 1);
  }
  const w = wScratch;
  for (let i = 1; i < k; i++) {
    // L_ij = tanh(y_j)·w_j, L_ii = w_i, w_j = Π_{m<j} sech y_m, d log sech y/dy = −tanh y; the
    // log density adds Σ_j 2 log sech y_j + Σ_{1≤j<i} log w_j + c_i log w_i.
    // w and sech y_j (kept, not recomputed below: three transcendental calls per j).
    const sechs = sechScratch;
    w[0] = 1;
    for (let j = 0; j < i; j++) {
      sechs[j] = Math.exp(-logCosh(y[rowStart + j]));
      w[j + 1] = w[j] * sechs[j];
    }
    const c = k - i - 1 + 2 * eta - 2;
    // suffix = Σ_{j<m<i} G_im L_im + G_ii L_ii: F's derivative along log w_{j+1}.
    let suffix = gradL[i * k + i] * L[i * k + i];
    for (let j = i - 1; j >= 0; j--) {
      const p = rowStart + j;
      const t = Math.tanh(y[p]);
      const sech = sechs[j];
      gradY[p] += gradL[i * k + j] * sech * sech * w[j] - t * (suffix + 2 + (i - 1 - j) + c);
      suffix += gradL[i * k + j] * L[i * k + j];
    }
    rowStart += i;
  }
}
