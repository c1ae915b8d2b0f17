/**
 * The collapsed Gaussian precision P = A/σ² + Λ0 of crossed terms, factored with the block
 * structure the dense algebra ignores: within one grouping term, rows of different levels never
 * share a cell, so that term's part of P is block diagonal (a K × K block per level). Ordering
 * the term with the most level effects first, P = [[D, Bᵀ], [B, C]] with D block diagonal, the
 * lower Cholesky factor R keeps D's pattern (its leading m × m part is block diagonal, no
 * fill-in) and so does R⁻¹. The factor and the diagonal blocks of P⁻¹ that the gradient needs
 * then skip every product with those structural zeros: for the Bush & Prather appendix model
 * (dim(γ) = 29, a 7-level term first) about half the flops of {@link DensePrecision}, with
 * R⁻¹ stored column by column so that every inner loop runs over contiguous memory, and no
 * allocation per call. The WebAssembly kernel (lib/model/crossed_kernel.ts), used wherever SIMD
 * exists, skips the same zeros with the factor stored transposed and R⁻¹ formed row by row, runs
 * of 4 entries accumulated in registers; the JavaScript methods here are its reference. The
 * results equal the dense algebra's to rounding (tests/model/crossed_precision_test.ts).
 *
 * @module
 */
import type { CompiledData } from "./compiled_data.ts";
import { type GammaLayout, termEnd } from "./coefficient_precision.ts";
import { DensePrecision } from "./dense_precision.ts";
import { solveLower, solveLowerTransposed } from "./_dense.ts";
import { CrossedKernel } from "./crossed_kernel.ts";

/** Σ_{k < n} a[ai + k]·b[bi + k]: every inner product of the factor and the inverse. */
function dot(a: Float64Array, ai: number, b: Float64Array, bi: number, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += a[ai + k] * b[bi + k];
  return s;
}

/**
 * Which term leads the ordering: the one with the most level effects whose part of A is block
 * diagonal over its levels (checked, not assumed), or −1 when no term has more than one level.
 */
function leadingTerm(A: Float64Array, layout: GammaLayout, Ks: readonly number[]): number {
  const N = layout.dim;
  let best = -1;
  let bestSize = 0;
  Ks.forEach((K, t) => {
    const start = layout.termOffsets[t];
    const end = termEnd(layout, t);
    if (end - start <= K || end - start <= bestSize) return;
    for (let i = start; i < end; i++) {
      const level = Math.floor((i - start) / K);
      for (let j = start; j < end; j++) {
        if (Math.floor((j - start) / K) !== level && A[i * N + j] !== 0) return;
      }
    }
    best = t;
    bestSize = end - start;
  });
  return best;
}

/**
 * P over γ permuted so that the largest block-diagonal term comes first, factored exploiting
 * that block structure; same interface and numbers as {@link DensePrecision}.
 *
 * @example
 * ```ts ignore
 * const precision = new CrossedPrecision(data, layout, priorPrecision);
 * if (precision.factor(1 / sigma ** 2, termPrecisions)) precision.inverseBlocks(betaVar, blocks);
 * ```
 */
export class CrossedPrecision extends DensePrecision {
  /** perm[i]: the γ index at position i of the factored order. */
  private readonly perm: Int32Array;
  /** A in the factored order. */
  private readonly Ap: Float64Array;
  /** Size and block size of the leading block-diagonal part (m = 0: none). */
  readonly m: number;
  private readonly K0: number;
  /** Positions of β and of each term's first level effect in the factored order. */
  private readonly betaAt: Int32Array;
  private readonly termAt: Int32Array;
  /**
   * The factor R (lower triangle), R⁻¹ column by column (XT[j·N + i] = (R⁻¹)_ij), a vector. With
   * the WebAssembly kernel, A, the factor and the solved vector live in its memory (views), and
   * it assembles, factors, solves and forms P⁻¹'s level blocks (XT is then unused).
   */
  private readonly kernel: CrossedKernel | null;
  private readonly Rp: Float64Array;
  /**
   * R_ij (i ≥ j) is Rp[i·rowStep + j·colStep]: row-major (N, 1) in JavaScript, transposed with
   * the kernel's row stride S, (1, S), in WebAssembly (lib/model/crossed_kernel.ts).
   */
  private readonly rowStep: number;
  private readonly colStep: number;
  private readonly XT: Float64Array;
  private readonly w: Float64Array;
  /** Each term's number of levels J, and log |P| of the last factor. */
  private readonly levels: Int32Array;
  private logDet = NaN;

  /** `wasm: false` runs the JavaScript factor and inverse (the reference) even where SIMD exists. */
  constructor(
    data: CompiledData,
    layout: GammaLayout,
    priorPrecision: Float64Array,
    options: { wasm?: boolean } = {},
  ) {
    super(data, layout, priorPrecision);
    const N = this.dim;
    const Ks = this.Ks;
    const lead = leadingTerm(this.A, layout, Ks);
    const segments: [number, number][] = []; // [start in γ, length] in the factored order
    if (lead >= 0) {
      segments.push([layout.termOffsets[lead], termEnd(layout, lead) - layout.termOffsets[lead]]);
    }
    segments.push([0, layout.nBeta]);
    Ks.forEach((_, t) => {
      if (t !== lead) {
        segments.push([layout.termOffsets[t], termEnd(layout, t) - layout.termOffsets[t]]);
      }
    });
    this.perm = new Int32Array(N);
    const position = new Int32Array(N);
    let at = 0;
    for (const [start, length] of segments) {
      for (let i = 0; i < length; i++, at++) {
        this.perm[at] = start + i;
        position[start + i] = at;
      }
    }
    this.m = lead >= 0 ? segments[0][1] : 0;
    this.K0 = lead >= 0 ? Ks[lead] : 1;
    this.betaAt = Int32Array.from({ length: layout.nBeta }, (_, p) => position[p]);
    this.termAt = Int32Array.from(layout.termOffsets, (o) => position[o]);
    this.Ap = new Float64Array(N * N);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) this.Ap[i * N + j] = this.A[this.perm[i] * N + this.perm[j]];
    }
    // P⁻¹'s diagonals up to the largest K hold every level block the gradient reads.
    this.kernel = options.wasm === false
      ? null
      : CrossedKernel.create(N, this.m, this.K0, Math.max(1, ...Ks));
    if (this.kernel) {
      const S = this.kernel.stride;
      for (let i = 0; i < N; i++) this.kernel.a.set(this.Ap.subarray(i * N, i * N + N), i * S);
    }
    this.Rp = this.kernel?.r ?? new Float64Array(N * N);
    this.rowStep = this.kernel ? 1 : N;
    this.colStep = this.kernel ? this.kernel.stride : 1;
    this.XT = new Float64Array(this.kernel ? 0 : N * N);
    this.w = new Float64Array(N);
    this.levels = Int32Array.from(data.terms, (t) => t.nGroups);
  }

  /** Whether the WebAssembly kernel factors and inverts (false: the JavaScript reference). */
  get usesWasm(): boolean {
    return this.kernel !== null;
  }

  override factor(invVar: number, termPrecisions: readonly Float64Array[]): boolean {
    const N = this.dim;
    const R = this.Rp;
    const Ap = this.Ap;
    // Only one triangle (lower in JavaScript, upper in the kernel: R's storage): the factor,
    // solves and inverse never read the other.
    if (this.kernel) this.kernel.assemble(invVar);
    else {
      for (let i = 0; i < N; i++) {
        for (let j = i * N, end = i * N + i; j <= end; j++) R[j] = Ap[j] * invVar;
      }
    }
    const rs = this.rowStep;
    const cs = this.colStep;
    for (let p = 0; p < this.betaAt.length; p++) {
      R[this.betaAt[p] * (rs + cs)] += this.prior[p];
    }
    for (let t = 0; t < this.Ks.length; t++) {
      const K = this.Ks[t];
      const Q = termPrecisions[t];
      for (let j = 0, base = this.termAt[t]; j < this.levels[t]; j++, base += K) {
        for (let a = 0; a < K; a++) {
          for (let b = 0; b <= a; b++) R[(base + a) * rs + (base + b) * cs] += Q[a * K + b];
        }
      }
    }
    return this.cholesky();
  }

  /**
   * In-place lower Cholesky of this.Rp: in a column j of the leading block-diagonal part, only
   * j's own level block and the rows from m on are non-zero, and the inner products start at
   * j's block (R's rows there are zero before it).
   */
  private cholesky(): boolean {
    if (this.kernel) {
      this.logDet = this.kernel.factor();
      return !Number.isNaN(this.logDet);
    }
    const N = this.dim;
    const m = this.m;
    const K0 = this.K0;
    const R = this.Rp;
    // log |P| = Σ log d_j, as logs of partial products (one log per ~10 columns, not per column).
    let logDet = 0;
    let product = 1;
    for (let j = 0; j < N; j++) {
      const rj = j * N;
      const k0 = j < m ? j - (j % K0) : 0;
      const d = R[rj + j] - dot(R, rj + k0, R, rj + k0, j - k0);
      if (!(d > 0) || !Number.isFinite(d)) return false;
      product *= d;
      if (product > 1e100 || product < 1e-100) {
        logDet += Math.log(product);
        product = 1;
      }
      const ljj = Math.sqrt(d);
      R[rj + j] = ljj;
      // Rows below j: j's level block, then from m on (leading part), or all (trailing part).
      const headEnd = j < m ? k0 + K0 : -1;
      for (let i = j + 1 === headEnd ? m : j + 1; i < N; i = i + 1 === headEnd ? m : i + 1) {
        const ri = i * N;
        R[ri + j] = (R[ri + j] - dot(R, ri + k0, R, rj + k0, j - k0)) / ljj;
      }
    }
    this.logDet = logDet + Math.log(product);
    return true;
  }

  override logDeterminant(): number {
    return this.logDet;
  }

  override solve(c: Float64Array): number {
    const N = this.dim;
    if (this.kernel) {
      const w = this.kernel.w;
      for (let i = 0; i < N; i++) w[i] = c[this.perm[i]];
      const quad = this.kernel.solve();
      for (let i = 0; i < N; i++) c[this.perm[i]] = w[i];
      return quad;
    }
    const w = this.w;
    for (let i = 0; i < N; i++) w[i] = c[this.perm[i]];
    solveLower(this.Rp, N, w);
    let quad = 0;
    for (let i = 0; i < N; i++) quad += w[i] * w[i];
    solveLowerTransposed(this.Rp, N, w);
    for (let i = 0; i < N; i++) c[this.perm[i]] = w[i];
    return quad;
  }

  /**
   * R⁻¹ into this.XT column by column: column j solves R x = e_j from row j on; in the leading
   * part only j's level block and the rows from m on are non-zero.
   */
  private invertFactor(): void {
    const N = this.dim;
    const m = this.m;
    const R = this.Rp;
    const X = this.XT;
    for (let j = 0; j < N; j++) {
      const xj = j * N;
      X[xj + j] = 1 / R[j * N + j];
      // Non-zero rows of column j: as in the factor, j's level block then from m on.
      const blockEnd = j < m ? j - (j % this.K0) + this.K0 : N;
      for (let i = j + 1; i < blockEnd; i++) {
        X[xj + i] = -dot(R, i * N + j, X, xj + j, i - j) / R[i * N + i];
      }
      if (blockEnd === N) continue;
      for (let i = m; i < N; i++) {
        const ri = i * N;
        const s = dot(R, ri + j, X, xj + j, blockEnd - j) + dot(R, ri + m, X, xj + m, i - m);
        X[xj + i] = -s / R[ri + i];
      }
    }
  }

  /** (P⁻¹)_ab in the factored order, a and b in one level block: Σ_{r ≥ max(a,b)} X_ra X_rb. */
  private inverseEntry(a: number, b: number): number {
    const N = this.dim;
    const X = this.XT;
    const xa = a * N;
    const xb = b * N;
    const m = this.m;
    const from = a > b ? a : b;
    const blockEnd = from < m ? from - (from % this.K0) + this.K0 : N;
    let s = 0;
    for (let r = from; r < blockEnd; r++) s += X[xa + r] * X[xb + r];
    if (blockEnd < N) { for (let r = m; r < N; r++) s += X[xa + r] * X[xb + r]; }
    return s;
  }

  override inverseBlocks(betaVariance: Float64Array, termBlocks: readonly Float64Array[]): void {
    // The kernel leaves P⁻¹'s diagonals in z[d·S + a] = (P⁻¹)_{a, a−d}; JavaScript forms R⁻¹ and
    // each entry from it.
    const z = this.kernel?.z ?? null;
    const S = this.kernel?.stride ?? 0;
    if (this.kernel) this.kernel.inverseBlocks();
    else this.invertFactor();
    for (let p = 0; p < this.betaAt.length; p++) {
      const at = this.betaAt[p];
      betaVariance[p] = z ? z[at] : this.inverseEntry(at, at);
    }
    for (let t = 0; t < this.Ks.length; t++) {
      const K = this.Ks[t];
      const out = termBlocks[t];
      const J = out.length / (K * K);
      for (let j = 0, base = this.termAt[t]; j < J; j++, base += K) {
        for (let a = 0; a < K; a++) {
          for (let b = 0; b <= a; b++) {
            out[j * K * K + a * K + b] = out[j * K * K + b * K + a] = z
              ? z[(a - b) * S + base + a]
              : this.inverseEntry(base + a, base + b);
          }
        }
      }
    }
  }

  override colourNoise(z: Float64Array): void {
    // x = Πᵀ R⁻ᵀ z: N(0, P⁻¹) for standard-normal z in any order.
    const w = this.kernel?.w ?? this.w;
    w.set(z);
    if (this.kernel) this.kernel.solveTransposed();
    else solveLowerTransposed(this.Rp, this.dim, w);
    for (let i = 0; i < this.dim; i++) z[this.perm[i]] = w[i];
  }

  override dataQuadraticForm(x: Float64Array): number {
    // xᵀAx from A's lower triangle in the factored order, skipping the leading term's zeros.
    const N = this.dim;
    if (this.kernel) {
      const w = this.kernel.w;
      for (let i = 0; i < N; i++) w[i] = x[this.perm[i]];
      return this.kernel.dataQuadraticForm();
    }
    const w = this.w;
    for (let i = 0; i < N; i++) w[i] = x[this.perm[i]];
    let quad = 0;
    for (let i = 0; i < N; i++) {
      const k0 = i < this.m ? i - (i % this.K0) : 0;
      const ri = i * N;
      quad += w[i] * (this.Ap[ri + i] * w[i] + 2 * dot(this.Ap, ri + k0, w, k0, i - k0));
    }
    return quad;
  }

  override quadraticForm(x: Float64Array): number {
    // |Rᵀ Π x|².
    const N = this.dim;
    let quad = 0;
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let k = i; k < N; k++) {
        s += this.Rp[k * this.rowStep + i * this.colStep] * x[this.perm[k]];
      }
      quad += s * s;
    }
    return quad;
  }
}
