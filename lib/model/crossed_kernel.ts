/**
 * The Cholesky factor, solves and inverse level blocks of the crossed collapsed precision
 * (lib/model/crossed_precision.ts) in WebAssembly with f64x2 SIMD (source:
 * tools/wasm/crossed_kernel.ts; the module is lib/model/crossed_kernel_wasm.ts). The
 * JavaScript methods of CrossedPrecision stay the reference (tests compare the two) and the
 * fallback where WebAssembly SIMD is missing. Each kernel owns an instance and its memory, which
 * holds A, the factor, R⁻¹ and a vector: CrossedPrecision reads and writes them through views,
 * so nothing is copied per call but the vector. Every matrix is row-major with row stride
 * {@link CrossedKernel.stride} (N rounded up to a multiple of 4, plus 4: runs of 4 entries never
 * leave their row), and the factor is stored transposed (U = Rᵀ, column j of R contiguous).
 *
 * @module
 */
import { CROSSED_KERNEL_WASM } from "./crossed_kernel_wasm.ts";
import { kernelInstance, type KernelMemory, kernelModule } from "../math/_wasm.ts";

/** The module's exports: byte addresses, sizes and the structure (N, S, m, K0). */
interface KernelExports extends KernelMemory {
  assemble(a: number, r: number, N: number, S: number, invVar: number): void;
  dataQuadraticForm(a: number, w: number, N: number, S: number, m: number, K0: number): number;
  cholesky(r: number, d: number, N: number, S: number, m: number, K0: number): number;
  solve(r: number, d: number, w: number, N: number, S: number, m: number, K0: number): number;
  solveTransposed(
    r: number,
    d: number,
    w: number,
    N: number,
    S: number,
    m: number,
    K0: number,
  ): void;
  invert(r: number, d: number, x: number, N: number, S: number, m: number, K0: number): void;
  blocks(x: number, z: number, N: number, S: number, m: number, K0: number, bands: number): void;
}

/**
 * Factor, solves and inverse of an N × N precision whose leading m × m part is block diagonal
 * (K0 × K0 blocks), with the first `bands` diagonals of P⁻¹ (those of its level blocks when
 * bands is the largest K).
 *
 * @example
 * ```ts
 * import { CrossedKernel } from "./crossed_kernel.ts";
 * const kernel = CrossedKernel.create(2, 0, 1, 2);
 * if (kernel) {
 *   const S = kernel.stride;
 *   kernel.r.set([4, 2], 0); // P = [[4, 2], [2, 5]], upper triangle
 *   kernel.r[S + 1] = 5;
 *   console.assert(Math.abs(kernel.factor() - Math.log(16)) < 1e-12 && kernel.r[1] === 1);
 *   kernel.inverseBlocks(); // P⁻¹ = [[5, −2], [−2, 4]] / 16
 *   console.assert(kernel.z[0] === 5 / 16 && kernel.z[1] === 0.25 && kernel.z[S + 1] === -0.125);
 * }
 * ```
 */
export class CrossedKernel {
  /** A = XᵀX (N rows of stride S, upper triangle read) for {@link assemble} and the data form. */
  readonly a: Float64Array;
  /** N rows of stride S: P's upper triangle in; U = Rᵀ after {@link factor} (r[j·S + i] = R_ij). */
  readonly r: Float64Array;
  /** R⁻¹ row by row after {@link invert}: x[i·S + j] = (R⁻¹)_ij, j ≤ i. */
  readonly x: Float64Array;
  /** After {@link inverseBlocks}: z[d·S + a] = (P⁻¹)_{a, a−d} for d < bands. */
  readonly z: Float64Array;
  /** The vector {@link solve} and {@link solveTransposed} solve in place. */
  readonly w: Float64Array;
  /** Row stride S of every matrix. */
  readonly stride: number;
  private readonly exports: KernelExports;
  private readonly at: { a: number; r: number; x: number; z: number; w: number; d: number };
  private readonly N: number;
  private readonly m: number;
  private readonly K0: number;
  private readonly bands: number;

  /** A kernel, or null where WebAssembly SIMD is unavailable or the instance cannot be made. */
  static create(N: number, m: number, K0: number, bands = 1): CrossedKernel | null {
    const module = kernelModule(CROSSED_KERNEL_WASM);
    if (!module) return null;
    try {
      return new CrossedKernel(module, N, m, K0, bands);
    } catch {
      // Instantiation or memory growth refused (e.g. a memory limit): JavaScript runs instead.
      return null;
    }
  }

  private constructor(
    module: WebAssembly.Module,
    N: number,
    m: number,
    K0: number,
    bands: number,
  ) {
    const S = Math.ceil(N / 4) * 4 + 4;
    const matrix = 8 * N * S;
    const vector = Math.ceil((8 * N) / 16) * 16;
    let start = 0;
    const exports = kernelInstance<KernelExports>(module, "crossed kernel", (heapStart) => {
      start = heapStart;
      return start + 3 * matrix + 8 * bands * S + 2 * vector;
    });
    this.exports = exports;
    this.N = N;
    this.m = m;
    this.K0 = K0;
    this.bands = bands;
    this.stride = S;
    this.at = {
      a: start,
      r: start + matrix,
      x: start + 2 * matrix,
      z: start + 3 * matrix,
      w: start + 3 * matrix + 8 * bands * S,
      d: start + 3 * matrix + 8 * bands * S + vector,
    };
    // Fresh memory is zeroed: the padding and x's structural zeros, as the kernel needs.
    const memory = exports.memory;
    this.a = new Float64Array(memory.buffer, this.at.a, N * S);
    this.r = new Float64Array(memory.buffer, this.at.r, N * S);
    this.x = new Float64Array(memory.buffer, this.at.x, N * S);
    this.z = new Float64Array(memory.buffer, this.at.z, bands * S);
    this.w = new Float64Array(memory.buffer, this.at.w, N);
  }

  /** r's upper triangle = a's · invVar. */
  assemble(invVar: number): void {
    this.exports.assemble(this.at.a, this.at.r, this.N, this.stride, invVar);
  }

  /** wᵀ a w from a's upper triangle. */
  dataQuadraticForm(): number {
    const { N, stride: S, m, K0 } = this;
    return this.exports.dataQuadraticForm(this.at.a, this.at.w, N, S, m, K0);
  }

  /** Factor r in place; log |P|, or NaN when P is not positive definite. */
  factor(): number {
    return this.exports.cholesky(this.at.r, this.at.d, this.N, this.stride, this.m, this.K0);
  }

  /** Solves P w = c in place (c in {@link w}, after {@link factor}); returns cᵀP⁻¹c. */
  solve(): number {
    const { N, stride: S, m, K0 } = this;
    return this.exports.solve(this.at.r, this.at.d, this.at.w, N, S, m, K0);
  }

  /** Solves Rᵀ w = u in place (u in {@link w}, after {@link factor}). */
  solveTransposed(): void {
    const { N, stride: S, m, K0 } = this;
    this.exports.solveTransposed(this.at.r, this.at.d, this.at.w, N, S, m, K0);
  }

  /** R⁻¹ into x (after {@link factor}). */
  invert(): void {
    const { N, stride: S, m, K0 } = this;
    this.exports.invert(this.at.r, this.at.d, this.at.x, N, S, m, K0);
  }

  /** R⁻¹ into x and P⁻¹'s first bands diagonals into z (after {@link factor}). */
  inverseBlocks(): void {
    this.invert();
    const { N, stride: S, m, K0, bands } = this;
    this.exports.blocks(this.at.x, this.at.z, N, S, m, K0, bands);
  }
}
