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
  cholesky(r: number, N: number, m: number, K0: number): number;
  invert(r: number, x: number, N: number, m: number, K0: number): void;
}

/**
 * Factor and inverse of an N × N precision whose leading m × m part is block diagonal
 * (K0 × K0 blocks).
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
  /** N × N row-major: write P's lower triangle, read R's after {@link factor}. */
  readonly r: Float64Array;
  /** R⁻¹ column by column after {@link invert}: x[j·N + i] = (R⁻¹)_ij. */
  readonly x: Float64Array;
  private readonly exports: KernelExports;
  private readonly at: { r: number; x: number };
  private readonly N: number;
  private readonly m: number;
  private readonly K0: number;

  /** A kernel, or null where WebAssembly SIMD is unavailable or the instance cannot be made. */
  static create(N: number, m: number, K0: number): CrossedKernel | null {
    const module = kernelModule(CROSSED_KERNEL_WASM);
    if (!module) return null;
    try {
      return new CrossedKernel(module, N, m, K0);
    } catch {
      // Instantiation or memory growth refused (e.g. a memory limit): JavaScript runs instead.
      return null;
    }
  }

  private constructor(module: WebAssembly.Module, N: number, m: number, K0: number) {
    const bytes = Math.ceil((8 * N * N) / 16) * 16;
    let start = 0;
    const exports = kernelInstance<KernelExports>(module, "crossed kernel", (heapStart) => {
      start = heapStart;
      return start + 2 * bytes;
    });
    this.exports = exports;
    this.N = N;
    this.m = m;
    this.K0 = K0;
    this.at = { r: start, x: start + bytes };
    const memory = exports.memory;
    this.r = new Float64Array(memory.buffer, this.at.r, N * N);
    this.x = new Float64Array(memory.buffer, this.at.x, N * N);
  }

  /** Factor r in place; log |P|, or NaN when P is not positive definite. */
  factor(): number {
    return this.exports.cholesky(this.at.r, this.N, this.m, this.K0);
  }

  /** R⁻¹ into x (after {@link factor}). */
  invert(): void {
    this.exports.invert(this.at.r, this.at.x, this.N, this.m, this.K0);
  }
}
