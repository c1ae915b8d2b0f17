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
  invert(r: number, d: number, x: number, N: number, m: number, K0: number): void;
  blocks(x: number, z: number, start: number, N: number, m: number, K0: number): void;
  solve(r: number, d: number, w: number, N: number, m: number, K0: number): number;
  assemble(a: number, r: number, N: number, invVar: number): void;
  dataQuadraticForm(a: number, w: number, N: number, m: number, K0: number): number;
}

/**
 * Factor, solves and inverse of an N × N precision whose leading m × m part is block diagonal
 * (K0 × K0 blocks); `start[i]` is the first position of position i's block of P⁻¹ entries wanted
 * (i alone where absent).
 *
 * @example
 * ```ts
 * import { CrossedKernel } from "./crossed_kernel.ts";
 * const kernel = CrossedKernel.create(2, 0, 1);
 * if (kernel) {
 *   kernel.r.set([4, 0, 2, 5]);
 *   console.assert(Math.abs(kernel.factor() - Math.log(16)) < 1e-12 && kernel.r[2] === 1);
 *   kernel.invert();
 *   console.assert(kernel.x[0] === 0.5 && kernel.x[1] === -0.25);
 * }
 * ```
 */
export class CrossedKernel {
  /** A = XᵀX (N × N, row-major, lower triangle read) for {@link assemble} and the data form. */
  readonly a: Float64Array;
  /** N × N row-major: write P's lower triangle, read R's after {@link factor}. */
  readonly r: Float64Array;
  /** R⁻¹ column by column after {@link invert}: x[j·N + i] = (R⁻¹)_ij. */
  readonly x: Float64Array;
  /** After {@link inverseBlocks}: z[i·N + b] = (P⁻¹)_ib for start[i] ≤ b ≤ i. */
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
    start: number;
  };
  private readonly N: number;
  private readonly m: number;
  private readonly K0: number;

  /** A kernel, or null where WebAssembly SIMD is unavailable or the instance cannot be made. */
  static create(
    N: number,
    m: number,
    K0: number,
    start?: Int32Array,
  ): CrossedKernel | null {
    const module = kernelModule(CROSSED_KERNEL_WASM);
    if (!module) return null;
    try {
      return new CrossedKernel(
        module,
        N,
        m,
        K0,
        start ?? Int32Array.from({ length: N }, (_, i) => i),
      );
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
    blockStart: Int32Array,
  ) {
    const bytes = Math.ceil((8 * N * N) / 16) * 16;
    const vector = Math.ceil((8 * N) / 16) * 16;
    let start = 0;
    const exports = kernelInstance<KernelExports>(module, "crossed kernel", (heapStart) => {
      start = heapStart;
      return start + 4 * bytes + 3 * vector;
    });
    this.exports = exports;
    this.N = N;
    this.m = m;
    this.K0 = K0;
    this.at = {
      a: start,
      r: start + bytes,
      x: start + 2 * bytes,
      z: start + 3 * bytes,
      w: start + 4 * bytes,
      d: start + 4 * bytes + vector,
      start: start + 4 * bytes + 2 * vector,
    };
    const memory = exports.memory;
    this.a = new Float64Array(memory.buffer, this.at.a, N * N);
    this.r = new Float64Array(memory.buffer, this.at.r, N * N);
    this.x = new Float64Array(memory.buffer, this.at.x, N * N);
    this.z = new Float64Array(memory.buffer, this.at.z, N * N);
    this.w = new Float64Array(memory.buffer, this.at.w, N);
    new Int32Array(memory.buffer, this.at.start, N).set(blockStart);
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
    this.exports.invert(this.at.r, this.at.d, this.at.x, this.N, this.m, this.K0);
  }

  /** R⁻¹ into x and P⁻¹'s entries within each block into z (after {@link factor}). */
  inverseBlocks(): void {
    this.exports.invert(this.at.r, this.at.d, this.at.x, this.N, this.m, this.K0);
    this.exports.blocks(this.at.x, this.at.z, this.at.start, this.N, this.m, this.K0);
  }

  /** Solves P w = c in place (c in {@link w}, after {@link factor}); returns cᵀP⁻¹c. */
  solve(): number {
    return this.exports.solve(this.at.r, this.at.d, this.at.w, this.N, this.m, this.K0);
  }
}
