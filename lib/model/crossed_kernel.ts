/**
 * The Cholesky factor and triangular inverse of the crossed collapsed precision
 * (lib/model/crossed_precision.ts) in WebAssembly with f64x2 SIMD inner products (source:
 * tools/wasm/crossed_kernel.ts; the module is lib/model/crossed_kernel_wasm.ts). The
 * JavaScript methods of CrossedPrecision stay the reference (tests compare the two) and the
 * fallback where WebAssembly SIMD is missing. Each kernel owns an instance and its memory, which
 * holds R and R⁻¹: CrossedPrecision reads and writes them through the views {@link r} and
 * {@link x}, so nothing is copied per call.
 *
 * @module
 */
import { CROSSED_KERNEL_WASM } from "./crossed_kernel_wasm.ts";
import { kernelInstance, type KernelMemory, kernelModule } from "./_wasm.ts";

interface KernelExports extends KernelMemory {
  cholesky(r: number, d: number, N: number, m: number, K0: number): number;
  invert(r: number, d: number, x: number, N: number, S: number, m: number, K0: number): void;
  blocks(x: number, z: number, N: number, S: number, m: number, K0: number, bands: number): void;
  solve(r: number, d: number, w: number, N: number, m: number, K0: number): number;
  assemble(a: number, r: number, N: number, invVar: number): void;
  dataQuadraticForm(a: number, w: number, N: number, m: number, K0: number): number;
}

/**
 * Factor, solves and inverse of an N × N precision whose leading m × m part is block diagonal
 * (K0 × K0 blocks), with the first `bands` diagonals of P⁻¹ (those of its level blocks when
 * bands is the largest K).
 *
 * @example
 * ```ts
 * import { CrossedKernel } from "./crossed_kernel.ts";
 * const kernel = CrossedKernel.create(2, 0, 1);
 * if (kernel) {
 *   kernel.r.set([4, 0, 2, 5]);
 *   console.assert(Math.abs(kernel.factor() - Math.log(16)) < 1e-12 && kernel.r[2] === 1);
 *   kernel.invert();
 *   console.assert(kernel.x[0] === 0.5 && kernel.x[kernel.stride] === -0.25);
 * }
 * ```
 */
export class CrossedKernel {
  /** A = XᵀX (N × N, row-major, lower triangle read) for {@link assemble} and the data form. */
  readonly a: Float64Array;
  /** N × N row-major: write P's lower triangle, read R's after {@link factor}. */
  readonly r: Float64Array;
  /**
   * R⁻¹ row by row after {@link invert}: x[i·S + j] = (R⁻¹)_ij, j ≤ i, with the row stride
   * S = N rounded up to a multiple of 4 ({@link stride}).
   */
  readonly x: Float64Array;
  /** After {@link inverseBlocks}: z[d·S + a] = (P⁻¹)_{a, a−d} for d < bands. */
  readonly z: Float64Array;
  /** The vector {@link solve} solves in place. */
  readonly w: Float64Array;
  private readonly exports: KernelExports;
  private readonly at: {
    a: number;
    r: number;
    x: number;
    z: number;
    w: number;
    d: number;
  };
  private readonly bands: number;
  /** Row stride of {@link x} and {@link z}. */
  readonly stride: number;
  private readonly N: number;
  private readonly m: number;
  private readonly K0: number;

  /** A kernel, or null where WebAssembly SIMD is unavailable or the instance cannot be made. */
  static create(
    N: number,
    m: number,
    K0: number,
    bands = 1,
  ): CrossedKernel | null {
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
    const bytes = Math.ceil((8 * N * N) / 16) * 16;
    const vector = Math.ceil((8 * N) / 16) * 16;
    const S = Math.ceil(N / 4) * 4;
    let start = 0;
    const exports = kernelInstance<KernelExports>(module, "crossed kernel", (heapStart) => {
      start = heapStart;
      return start + 2 * bytes + 2 * vector + 8 * S * (N + bands);
    });
    this.exports = exports;
    this.N = N;
    this.m = m;
    this.K0 = K0;
    this.at = {
      a: start,
      r: start + bytes,
      w: start + 2 * bytes,
      d: start + 2 * bytes + vector,
      x: start + 2 * bytes + 2 * vector,
      z: start + 2 * bytes + 2 * vector + 8 * S * N,
    };
    this.bands = bands;
    this.stride = S;
    const memory = exports.memory;
    this.a = new Float64Array(memory.buffer, this.at.a, N * N);
    this.r = new Float64Array(memory.buffer, this.at.r, N * N);
    // Fresh memory: x starts zeroed, as invert needs.
    this.x = new Float64Array(memory.buffer, this.at.x, N * S);
    this.z = new Float64Array(memory.buffer, this.at.z, bands * S);
    this.w = new Float64Array(memory.buffer, this.at.w, N);
  }

  /** r's lower triangle = a's · invVar. */
  assemble(invVar: number): void {
    this.exports.assemble(this.at.a, this.at.r, this.N, invVar);
  }

  /** wᵀ a w from a's lower triangle. */
  dataQuadraticForm(): number {
    return this.exports.dataQuadraticForm(this.at.a, this.at.w, this.N, this.m, this.K0);
  }

  /** Factor r in place; log |P|, or NaN when P is not positive definite. */
  factor(): number {
    return this.exports.cholesky(this.at.r, this.at.d, this.N, this.m, this.K0);
  }

  /** R⁻¹ into x (after {@link factor}). */
  invert(): void {
    this.exports.invert(this.at.r, this.at.d, this.at.x, this.N, this.stride, this.m, this.K0);
  }

  /** R⁻¹ into x and P⁻¹'s first bands diagonals into z (after {@link factor}). */
  inverseBlocks(): void {
    this.exports.invert(this.at.r, this.at.d, this.at.x, this.N, this.stride, this.m, this.K0);
    const { N, stride: S, m, K0, bands } = this;
    this.exports.blocks(this.at.x, this.at.z, N, S, m, K0, bands);
  }

  /** Solves P w = c in place (c in {@link w}, after {@link factor}); returns cᵀP⁻¹c. */
  solve(): number {
    return this.exports.solve(this.at.r, this.at.d, this.at.w, this.N, this.m, this.K0);
  }
}
