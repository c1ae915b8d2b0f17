/**
 * Joint data-centring of a row of contrasts: θ holds v (K) with s = C u, where C = diag(sd) L is
 * the Cholesky factor of the row's prior covariance Σ and u = μ + P⁻ᵀ v, N(μ, M⁻¹) the posterior
 * of the standardised row u = C⁻¹ s under its N(0, I) prior times a pilot's Gaussian
 * approximation N(ŝ, I_j⁻¹) of the likelihood: M = I + Cᵀ I_j C = P Pᵀ, μ = M⁻¹ Cᵀ I_j ŝ. So
 * s = m* + R v with R Rᵀ = V = (Σ⁻¹ + I_j)⁻¹, the whole row at once (the coefficient-by-coefficient
 * map of data_centring.ts conditions each coefficient on the earlier ones, which leaves a thin
 * ridge when a correlation nears ±1). In u the map never divides by C, so it stays well scaled as
 * Σ degenerates, and M's eigenvalues are ≥ 1. The log density of v is
 * −½ uᵀu − Σ_k log P_kk (the prior's −log|C| cancels the map's log|C|). Exact whatever the pilot
 * got wrong. docs/ARCHITECTURE.md#data-centring.
 *
 * @module
 */

/** Scratch arrays for one row of size K (reused across rows and calls). */
export interface JointWork {
  K: number;
  /** Cᵀ I_j (K × K, row-major). */
  ci: Float64Array;
  /** P, the Cholesky factor of M (K × K lower, row-major). */
  P: Float64Array;
  /** y = P⁻¹ Cᵀ I_j ŝ. */
  y: Float64Array;
  /** u = P⁻ᵀ (y + v). */
  u: Float64Array;
  t0: Float64Array;
  t1: Float64Array;
  t2: Float64Array;
  dP: Float64Array;
  dM: Float64Array;
  X: Float64Array;
  Y: Float64Array;
}

/**
 * Scratch for rows of K coefficients.
 *
 * @example
 * ```ts
 * import { jointWork } from "./joint_data_centring.ts";
 * console.assert(jointWork(2).P.length === 4);
 * ```
 */
export function jointWork(K: number): JointWork {
  const kk = () => new Float64Array(K * K);
  const k = () => new Float64Array(K);
  return {
    K,
    ci: kk(),
    P: kk(),
    y: k(),
    u: k(),
    t0: k(),
    t1: k(),
    t2: k(),
    dP: kk(),
    dM: kk(),
    X: kk(),
    Y: kk(),
  };
}

/**
 * The forward map of one row: writes s (K) and u (K, the standardised row C⁻¹ s) and returns
 * the row's log density −½ uᵀu − Σ log P_kk. `C` is K × K lower (row-major), `information` the
 * row's K × K information I_j, `estimate` ŝ (K). Leaves P, y and u in `work` for
 * {@link jointCentringBackward}.
 *
 * @example
 * ```ts
 * import { jointCentredRow, jointWork } from "./joint_data_centring.ts";
 * // No information: s = C v (non-centred), log density −½ vᵀv.
 * const s = new Float64Array(1), u = new Float64Array(1);
 * const lp = jointCentredRow(Float64Array.of(2), Float64Array.of(3), Float64Array.of(0),
 *   Float64Array.of(1), jointWork(1), s, u);
 * console.assert(s[0] === 6 && lp === -2);
 * ```
 */
export function jointCentredRow(
  v: ArrayLike<number>,
  C: ArrayLike<number>,
  information: ArrayLike<number>,
  estimate: ArrayLike<number>,
  work: JointWork,
  s: Float64Array,
  u: Float64Array,
): number {
  const { K, P, y } = work;
  factor(C, information, estimate, work);
  // u = P⁻ᵀ (y + v).
  for (let a = 0; a < K; a++) work.t0[a] = y[a] + v[a];
  backSubstitute(P, K, work.t0, work.u);
  let lp = 0;
  for (let a = 0; a < K; a++) {
    u[a] = work.u[a];
    lp -= 0.5 * u[a] * u[a] + Math.log(P[a * K + a]);
    let sa = 0;
    for (let b = 0; b <= a; b++) sa += C[a * K + b] * work.u[b];
    s[a] = sa;
  }
  return lp;
}

/**
 * The inverse of {@link jointCentredRow}: v (into `v`) for the row s.
 *
 * @example
 * ```ts
 * import { jointCentredRow, jointStandardised, jointWork } from "./joint_data_centring.ts";
 * const C = Float64Array.of(0.5, 0, 0.2, 0.3), I = Float64Array.of(40, 5, 5, 20);
 * const e = Float64Array.of(0.3, -0.2), w = jointWork(2);
 * const s = new Float64Array(2), u = new Float64Array(2), v = new Float64Array(2);
 * jointCentredRow(Float64Array.of(0.7, -1.1), C, I, e, w, s, u);
 * jointStandardised(s, C, I, e, w, v);
 * console.assert(Math.abs(v[0] - 0.7) < 1e-12 && Math.abs(v[1] + 1.1) < 1e-12);
 * ```
 */
export function jointStandardised(
  s: ArrayLike<number>,
  C: ArrayLike<number>,
  information: ArrayLike<number>,
  estimate: ArrayLike<number>,
  work: JointWork,
  v: Float64Array,
): void {
  const { K, P, y } = work;
  factor(C, information, estimate, work);
  // u = C⁻¹ s (forward substitution), then v = Pᵀ u − y.
  for (let a = 0; a < K; a++) {
    let r = s[a];
    for (let b = 0; b < a; b++) r -= C[a * K + b] * work.u[b];
    work.u[a] = r / C[a * K + a];
  }
  for (let a = 0; a < K; a++) {
    let w = 0;
    for (let b = a; b < K; b++) w += P[b * K + a] * work.u[b];
    v[a] = w - y[a];
  }
}

/**
 * Reverse pass of {@link jointCentredRow} (call it right after, with the same arguments): for
 * f = sBarᵀ s + (the row's log density), adds ∂f/∂v to `vBar` (K) and ∂f/∂C_ab to `cBar`
 * (K × K, lower entries; only the diagonal when `diagonalOnly`, as for an uncorrelated term).
 *
 * @example
 * ```ts
 * import { jointCentredRow, jointCentringBackward, jointWork } from "./joint_data_centring.ts";
 * // No information, K = 1: f = sBar·c v − ½v², so ∂f/∂v = sBar c − v, ∂f/∂c = sBar v.
 * const w = jointWork(1), s = new Float64Array(1), u = new Float64Array(1);
 * const args = [Float64Array.of(2), Float64Array.of(3), Float64Array.of(0), Float64Array.of(1)] as const;
 * jointCentredRow(...args, w, s, u);
 * const vBar = new Float64Array(1), cBar = new Float64Array(1);
 * jointCentringBackward(...args, w, Float64Array.of(1), vBar, cBar, false);
 * console.assert(vBar[0] === 1 && cBar[0] === 2);
 * ```
 */
export function jointCentringBackward(
  _v: ArrayLike<number>,
  C: ArrayLike<number>,
  information: ArrayLike<number>,
  estimate: ArrayLike<number>,
  work: JointWork,
  sBar: ArrayLike<number>,
  vBar: Float64Array,
  cBar: Float64Array,
  diagonalOnly: boolean,
): void {
  const { K, ci, P, y, u, t0, t1, t2, dP, dM } = work;
  // ∂f/∂v = P⁻¹ (Cᵀ sBar − u): u = P⁻ᵀ(y + v) and s = C u.
  for (let a = 0; a < K; a++) {
    let g = -u[a];
    for (let b = a; b < K; b++) g += C[b * K + a] * sBar[b];
    t0[a] = g;
  }
  forwardSubstitute(P, K, t0, t1);
  for (let a = 0; a < K; a++) vBar[a] += t1[a];
  // ∂f/∂C_ab by forward mode, one direction Ċ = e_a e_bᵀ at a time (K is small).
  for (let a = 0; a < K; a++) {
    for (let b = diagonalOnly ? a : 0; b <= a; b++) {
      // Ṁ = ĊᵀI C + CᵀI Ċ: (ĊᵀI C)_pq = δ_pb (I C)_aq, with (I C)_aq = (Cᵀ I)_qa = ci[q·K + a].
      dM.fill(0);
      for (let q = 0; q < K; q++) {
        const x = ci[q * K + a];
        dM[b * K + q] += x;
        dM[q * K + b] += x;
      }
      // Ṗ = P Φ(P⁻¹ Ṁ P⁻ᵀ), Φ: lower triangle with the diagonal halved.
      choleskyTangent(work);
      // ẏ = P⁻¹ (ḃ − Ṗ y), ḃ = Ċᵀ I ŝ: (ḃ)_p = δ_pb (I ŝ)_a.
      let ie = 0;
      for (let q = 0; q < K; q++) ie += information[a * K + q] * estimate[q];
      for (let p = 0; p < K; p++) {
        let r = p === b ? ie : 0;
        for (let q = 0; q <= p; q++) r -= dP[p * K + q] * y[q];
        t0[p] = r;
      }
      forwardSubstitute(P, K, t0, t1); // t1 = ẏ (= ẇ)
      // u̇ = P⁻ᵀ (ẇ − Ṗᵀ u).
      for (let p = 0; p < K; p++) {
        let r = t1[p];
        for (let q = p; q < K; q++) r -= dP[q * K + p] * u[q];
        t0[p] = r;
      }
      backSubstitute(P, K, t0, t2); // t2 = u̇
      // ṡ = Ċ u + C u̇; l̇ = −uᵀu̇ − Σ Ṗ_kk / P_kk.
      let d = sBar[a] * u[b];
      for (let p = 0; p < K; p++) {
        let sp = 0;
        for (let q = 0; q <= p; q++) sp += C[p * K + q] * t2[q];
        d += sBar[p] * sp - u[p] * t2[p] - dP[p * K + p] / P[p * K + p];
      }
      cBar[a * K + b] += d;
    }
  }
}

/** P = chol(I + Cᵀ I_j C) and y = P⁻¹ Cᵀ I_j ŝ into `work` (ci holds Cᵀ I_j). */
function factor(
  C: ArrayLike<number>,
  information: ArrayLike<number>,
  estimate: ArrayLike<number>,
  work: JointWork,
): void {
  const { K, ci, P, y, t0 } = work;
  // ci = Cᵀ I (C lower: (Cᵀ)_pq = C_qp, nonzero for q ≥ p).
  for (let p = 0; p < K; p++) {
    for (let q = 0; q < K; q++) {
      let x = 0;
      for (let r = p; r < K; r++) x += C[r * K + p] * information[r * K + q];
      ci[p * K + q] = x;
    }
  }
  // M = I + ci C (lower triangle), factored in place into P.
  for (let p = 0; p < K; p++) {
    for (let q = 0; q <= p; q++) {
      let x = p === q ? 1 : 0;
      for (let r = q; r < K; r++) x += ci[p * K + r] * C[r * K + q];
      P[p * K + q] = x;
    }
    for (let q = p + 1; q < K; q++) P[p * K + q] = 0;
  }
  for (let p = 0; p < K; p++) {
    for (let q = 0; q <= p; q++) {
      let x = P[p * K + q];
      for (let r = 0; r < q; r++) x -= P[p * K + r] * P[q * K + r];
      // M ⪰ I, so the pivot is ≥ 1 up to rounding.
      P[p * K + q] = p === q ? Math.sqrt(Math.max(x, 1e-300)) : x / P[q * K + q];
    }
  }
  for (let p = 0; p < K; p++) {
    let x = 0;
    for (let q = 0; q < K; q++) x += ci[p * K + q] * estimate[q];
    t0[p] = x;
  }
  forwardSubstitute(P, K, t0, y);
}

/** out = P⁻¹ b (P lower). */
function forwardSubstitute(P: Float64Array, K: number, b: Float64Array, out: Float64Array): void {
  for (let p = 0; p < K; p++) {
    let x = b[p];
    for (let q = 0; q < p; q++) x -= P[p * K + q] * out[q];
    out[p] = x / P[p * K + p];
  }
}

/** out = P⁻ᵀ b (P lower). */
function backSubstitute(P: Float64Array, K: number, b: Float64Array, out: Float64Array): void {
  for (let p = K - 1; p >= 0; p--) {
    let x = b[p];
    for (let q = p + 1; q < K; q++) x -= P[q * K + p] * out[q];
    out[p] = x / P[p * K + p];
  }
}

/**
 * The tangent of the Cholesky factor: dP = P Φ(P⁻¹ dM P⁻ᵀ) (dM symmetric; Φ keeps the lower
 * triangle and halves the diagonal), from work.dM into work.dP (t0, t1, X, Y scratch).
 */
function choleskyTangent(work: JointWork): void {
  const { K, P, dM, dP, X, Y, t0: a, t1: b } = work;
  // X = P⁻¹ dM column by column; Y = X P⁻ᵀ, whose row p is P⁻¹ applied to X's row p.
  for (let q = 0; q < K; q++) {
    for (let p = 0; p < K; p++) a[p] = dM[p * K + q];
    forwardSubstitute(P, K, a, b);
    for (let p = 0; p < K; p++) X[p * K + q] = b[p];
  }
  for (let p = 0; p < K; p++) {
    for (let q = 0; q < K; q++) a[q] = X[p * K + q];
    forwardSubstitute(P, K, a, b);
    // Φ(Y): the lower triangle, the diagonal halved.
    for (let q = 0; q < K; q++) Y[p * K + q] = q < p ? b[q] : q === p ? 0.5 * b[q] : 0;
  }
  for (let p = 0; p < K; p++) {
    for (let q = 0; q < K; q++) {
      let x = 0;
      for (let r = q; r <= p; r++) x += P[p * K + r] * Y[r * K + q];
      dP[p * K + q] = q <= p ? x : 0;
    }
  }
}
