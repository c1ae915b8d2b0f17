/**
 * The block-arrowhead precision of a one-term collapsed Gaussian model, P = A/σ² + Λ0 over
 * γ = [β, r_1 … r_J]: factored level by level with a Schur complement on β, in
 * O(J·K·n_β² + n_β³), with the diagonal blocks of P⁻¹ formed without P⁻¹ (derivation in
 * docs/ARCHITECTURE.md, "Collapsed inference"). The level-by-β blocks are stored β-major (row p
 * of Wᵀ holds every level's entries for β_p), so the O(J·K·n_β²) work runs as long contiguous
 * dot products and axpys.
 *
 * @module
 */
import type { CompiledData } from "./compiled_data.ts";
import { oneTermNormalEquations } from "./normal_equations.ts";
import type { CoefficientPrecision } from "./coefficient_precision.ts";
import { choleskyInPlace, invertLower, solveLower, solveLowerTransposed } from "./_dense.ts";

/**
 * Block-arrowhead P for a model with exactly one grouping term (γ laid out β first, then level
 * j's K coefficients at n_β + j·K, as in the collapsed target).
 *
 * @example
 * ```ts ignore
 * const precision = new ArrowheadPrecision(data, priorPrecision);
 * if (precision.factor(1 / sigma ** 2, [sigmaInverse])) precision.solve(c);
 * ```
 */
export class ArrowheadPrecision implements CoefficientPrecision {
  readonly dim: number;
  readonly dataVector: Float64Array;
  private readonly nb: number;
  private readonly J: number;
  private readonly K: number;
  /** J·K: the length of a β-major row. */
  private readonly JK: number;
  private readonly prior: Float64Array;
  /** Data blocks (times σ²): A_ββ (n_β²), A_βr β-major (n_β × J·K), A_jj (J × K²). */
  private readonly Abb: Float64Array;
  private readonly AbrT: Float64Array;
  private readonly Arr: Float64Array;
  /** Factor blocks: L_j (J × K²), Wᵀ β-major (n_β × J·K), L_S (n_β²) and L_S⁻¹. */
  private readonly L: Float64Array;
  private readonly Wt: Float64Array;
  private readonly LS: Float64Array;
  private readonly LSinv: Float64Array;
  /** Scratch: U = L_S⁻¹ Wᵀ (n_β × J·K), I + U_jᵀ U_j (J × K²), K × K, J·K. */
  private readonly U: Float64Array;
  private readonly M: Float64Array;
  private readonly Linv: Float64Array;
  private readonly levelScratch: Float64Array;

  constructor(data: CompiledData, priorPrecision: Float64Array) {
    const { nBeta: nb, J, K, xtx, xty, ztx, ztz, zty } = oneTermNormalEquations(data);
    const JK = J * K;
    this.nb = nb;
    this.J = J;
    this.K = K;
    this.JK = JK;
    this.dim = nb + JK;
    this.prior = priorPrecision;
    this.Abb = xtx;
    this.Arr = ztz;
    this.AbrT = new Float64Array(nb * JK);
    for (let r = 0; r < JK; r++) {
      for (let a = 0; a < nb; a++) this.AbrT[a * JK + r] = ztx[r * nb + a];
    }
    this.dataVector = new Float64Array(this.dim);
    this.dataVector.set(xty);
    this.dataVector.set(zty, nb);
    this.L = new Float64Array(J * K * K);
    this.Wt = new Float64Array(nb * JK);
    this.LS = new Float64Array(nb * nb);
    this.LSinv = new Float64Array(nb * nb);
    this.U = new Float64Array(nb * JK);
    this.M = new Float64Array(J * K * K);
    this.Linv = new Float64Array(K * K);
    this.levelScratch = new Float64Array(JK);
  }

  factor(invVar: number, termPrecisions: readonly Float64Array[]): boolean {
    const { nb, J, K, JK, L, Wt, LS, Arr, AbrT } = this;
    const Q = termPrecisions[0];
    // L_j: Cholesky of D_j = A_jj/σ² + Σ⁻¹.
    const KK = K * K;
    for (let j = 0; j < J; j++) {
      const Lj = L.subarray(j * KK, (j + 1) * KK);
      for (let i = 0; i < KK; i++) Lj[i] = Arr[j * KK + i] * invVar + Q[i];
      if (!choleskyInPlace(Lj, K)) return false;
    }
    // Row p of Wᵀ: W_j[·, p] = L_j⁻¹ (A_jβ[·, p]/σ²) for every level j.
    for (let p = 0; p < nb; p++) levelSolvesOfRow(Wt, AbrT, L, p * JK, J, K, invVar);
    // S = A_ββ/σ² + Λ_β − W Wᵀ (over β), then L_S.
    for (let a = 0; a < nb; a++) {
      const ra = a * JK;
      for (let b = 0; b <= a; b++) {
        const rb = b * JK;
        const dot = dotAt(Wt, ra, Wt, rb, JK);
        const v = this.Abb[a * nb + b] * invVar - dot + (a === b ? this.prior[a] : 0);
        LS[a * nb + b] = v;
        LS[b * nb + a] = v;
      }
    }
    return choleskyInPlace(LS, nb);
  }

  logDeterminant(): number {
    const { nb, J, K, L, LS } = this;
    let logDet = 0;
    for (let j = 0; j < J; j++) {
      for (let k = 0; k < K; k++) logDet += 2 * Math.log(L[j * K * K + k * K + k]);
    }
    for (let p = 0; p < nb; p++) logDet += 2 * Math.log(LS[p * nb + p]);
    return logDet;
  }

  solve(c: Float64Array): number {
    const { nb, J, K, JK, L, Wt } = this;
    let quad = 0;
    // Forward: z_j = L_j⁻¹ c_j (in place); z_β = L_S⁻¹ (c_β − W z_r).
    for (let j = 0; j < J; j++) {
      const r0 = nb + j * K;
      const l0 = j * K * K;
      for (let k = 0; k < K; k++) {
        let x = c[r0 + k];
        for (let i = 0; i < k; i++) x -= L[l0 + k * K + i] * c[r0 + i];
        x /= L[l0 + k * K + k];
        c[r0 + k] = x;
        quad += x * x;
      }
    }
    for (let p = 0; p < nb; p++) {
      c[p] -= dotAt(Wt, p * JK, c, nb, JK);
    }
    const beta = c.subarray(0, nb);
    solveLower(this.LS, nb, beta);
    for (let p = 0; p < nb; p++) quad += beta[p] * beta[p];
    this.backSubstitute(c);
    return quad;
  }

  /** Overwrite z with R⁻ᵀz: x_β = L_S⁻ᵀ z_β, then x_j = L_j⁻ᵀ (z_j − W_j x_β). */
  private backSubstitute(z: Float64Array): void {
    const { nb, J, K, JK, L, Wt } = this;
    solveLowerTransposed(this.LS, nb, z.subarray(0, nb));
    for (let p = 0; p < nb; p++) {
      addScaledAt(z, nb, -z[p], Wt, p * JK, JK);
    }
    for (let j = 0; j < J; j++) {
      const r0 = nb + j * K;
      const l0 = j * K * K;
      for (let k = K - 1; k >= 0; k--) {
        let x = z[r0 + k];
        for (let i = k + 1; i < K; i++) x -= L[l0 + i * K + k] * z[r0 + i];
        z[r0 + k] = x / L[l0 + k * K + k];
      }
    }
  }

  inverseBlocks(betaVariance: Float64Array, termBlocks: readonly Float64Array[]): void {
    const { nb, J, K, JK, L, Wt, U, M, Linv } = this;
    const LSinv = invertLower(this.LS, nb, this.LSinv);
    for (let p = 0; p < nb; p++) betaVariance[p] = columnSquares(LSinv, nb, p);
    // U = L_S⁻¹ Wᵀ, row by row; M_j = I + U_jᵀ U_j accumulated over U's rows.
    U.fill(0);
    M.fill(0);
    for (let j = 0; j < J; j++) {
      for (let k = 0; k < K; k++) M[j * K * K + k * K + k] = 1;
    }
    for (let m = 0; m < nb; m++) {
      const um = m * JK;
      for (let p = 0; p <= m; p++) addScaledAt(U, um, LSinv[m * nb + p], Wt, p * JK, JK);
      addLevelGrams(M, U, um, J, K);
    }
    const out = termBlocks[0];
    for (let j = 0; j < J; j++) {
      const l0 = j * K * K;
      // block = L_j⁻ᵀ M_j L_j⁻¹ (M_j's lower triangle is filled).
      invertLower(L.subarray(l0, l0 + K * K), K, Linv);
      sandwichBlock(out, M, Linv, l0, K);
    }
  }

  /** A copy of L_S, the Cholesky factor of β's marginal posterior precision S (n_β × n_β). */
  betaCholesky(): Float64Array {
    return this.LS.slice();
  }

  colourNoise(z: Float64Array): void {
    this.backSubstitute(z);
  }

  quadraticForm(x: Float64Array): number {
    // |Rᵀx|²: level rows L_jᵀ x_j + W_j x_β, β rows L_Sᵀ x_β.
    const { nb, J, K, JK, L, Wt, LS } = this;
    const t = this.levelScratch.fill(0);
    for (let p = 0; p < nb; p++) {
      for (let r = 0; r < JK; r++) t[r] += Wt[p * JK + r] * x[p];
    }
    let quad = 0;
    for (let j = 0; j < J; j++) {
      const r0 = nb + j * K;
      for (let k = 0; k < K; k++) {
        let s = t[j * K + k];
        for (let i = k; i < K; i++) s += L[j * K * K + i * K + k] * x[r0 + i];
        quad += s * s;
      }
    }
    for (let p = 0; p < nb; p++) {
      let s = 0;
      for (let i = p; i < nb; i++) s += LS[i * nb + p] * x[i];
      quad += s * s;
    }
    return quad;
  }

  dataQuadraticForm(x: Float64Array): number {
    const { nb, J, K, JK } = this;
    let quad = 0;
    for (let a = 0; a < nb; a++) {
      let s = 0;
      for (let b = 0; b < nb; b++) s += this.Abb[a * nb + b] * x[b];
      let cross = 0;
      for (let r = 0; r < JK; r++) cross += this.AbrT[a * JK + r] * x[nb + r];
      quad += x[a] * (s + 2 * cross);
    }
    for (let j = 0; j < J; j++) {
      const r0 = nb + j * K;
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let l = 0; l < K; l++) s += this.Arr[j * K * K + k * K + l] * x[r0 + l];
        quad += s * x[r0 + k];
      }
    }
    return quad;
  }
}

// The loops over a whole row of W (JK long) are small functions of their own. Inlined, V8
// compiled them on-stack and threw the compiled loop away at every exit (59 deoptimisations in one
// cold Tomz & Weeks fit), and `factor`'s compiled code, made before its row loop had run, left it
// at that loop on every call (15 times in a row).

/** Row `row` of Wᵀ: for each level j, W_j[·, p] = L_j⁻¹ (A_jβ[·, p]/σ²) by forward substitution. */
function levelSolvesOfRow(
  Wt: Float64Array,
  AbrT: Float64Array,
  L: Float64Array,
  row: number,
  J: number,
  K: number,
  invVar: number,
): void {
  for (let j = 0; j < J; j++) {
    const l0 = j * K * K;
    const r0 = row + j * K;
    for (let k = 0; k < K; k++) {
      let x = AbrT[r0 + k] * invVar;
      for (let i = 0; i < k; i++) x -= L[l0 + k * K + i] * Wt[r0 + i];
      Wt[r0 + k] = x / L[l0 + k * K + k];
    }
  }
}

/** Σ_r x[xi + r]·y[yi + r] over r < n, in order. */
function dotAt(x: Float64Array, xi: number, y: Float64Array, yi: number, n: number): number {
  let dot = 0;
  for (let r = 0; r < n; r++) dot += x[xi + r] * y[yi + r];
  return dot;
}

/** y[yi + r] += f·x[xi + r] for r < n. */
function addScaledAt(
  y: Float64Array,
  yi: number,
  f: number,
  x: Float64Array,
  xi: number,
  n: number,
): void {
  for (let r = 0; r < n; r++) y[yi + r] += f * x[xi + r];
}

/** Σ_{m ≥ p} A[m, p]² for lower-triangular A (n × n): column p's sum of squares. */
function columnSquares(A: Float64Array, n: number, p: number): number {
  let s = 0;
  for (let m = p; m < n; m++) s += A[m * n + p] * A[m * n + p];
  return s;
}

/** M_j += u_j u_jᵀ (lower triangles) for every level j of U's row starting at `um`. */
function addLevelGrams(M: Float64Array, U: Float64Array, um: number, J: number, K: number): void {
  for (let j = 0; j < J; j++) {
    const u0 = um + j * K;
    const m0 = j * K * K;
    for (let a = 0; a < K; a++) {
      const ua = U[u0 + a];
      for (let b = 0; b <= a; b++) M[m0 + a * K + b] += ua * U[u0 + b];
    }
  }
}

/** out_j = L_j⁻ᵀ M_j L_j⁻¹ (symmetric; M_j's lower triangle filled) at offset `l0`, `Linv` = L_j⁻¹. */
function sandwichBlock(
  out: Float64Array,
  M: Float64Array,
  Linv: Float64Array,
  l0: number,
  K: number,
): void {
  for (let a = 0; a < K; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let m = a; m < K; m++) {
        let t = 0;
        for (let n = b; n < K; n++) {
          t += (m >= n ? M[l0 + m * K + n] : M[l0 + n * K + m]) * Linv[n * K + b];
        }
        s += Linv[m * K + a] * t;
      }
      out[l0 + a * K + b] = out[l0 + b * K + a] = s;
    }
  }
}
