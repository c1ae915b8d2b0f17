/**
 * The collapsed Gaussian precision P = A/σ² + Λ0 as one dense matrix with a dense Cholesky
 * factor: any number of (crossed) grouping terms, O(dim(γ)³) per factorisation.
 *
 * @module
 */
import type { CompiledData } from "./compiled_data.ts";
import { type CoefficientPrecision, type GammaLayout, termEnd } from "./coefficient_precision.ts";
import { choleskyInPlace, invertLower, solveLower, solveLowerTransposed } from "./_dense.ts";
import { gaussianNormalEquations } from "./normal_equations.ts";

/**
 * Dense P over γ with its lower Cholesky factor R (P = R Rᵀ).
 *
 * @example
 * ```ts ignore
 * const precision = new DensePrecision(data, layout, priorPrecision);
 * if (precision.factor(1 / sigma ** 2, [sigmaInverse])) precision.solve(c);
 * ```
 */
export class DensePrecision implements CoefficientPrecision {
  readonly dim: number;
  readonly dataVector: Float64Array;
  protected readonly layout: GammaLayout;
  protected readonly Ks: number[];
  /** A = XᵀX over γ (N × N, row-major), and the prior precisions of β. */
  protected readonly A: Float64Array;
  protected readonly prior: Float64Array;
  private readonly R: Float64Array;
  private readonly Rinv: Float64Array;

  constructor(data: CompiledData, layout: GammaLayout, priorPrecision: Float64Array) {
    const N = layout.dim;
    this.dim = N;
    this.layout = layout;
    this.Ks = data.terms.map((t) => t.coefNames.length);
    const { xtx, xty } = gaussianNormalEquations(data, layout.termOffsets, N);
    this.A = xtx;
    this.dataVector = xty;
    this.prior = priorPrecision;
    this.R = new Float64Array(N * N);
    this.Rinv = new Float64Array(N * N);
  }

  factor(invVar: number, termPrecisions: readonly Float64Array[]): boolean {
    const N = this.dim;
    const R = this.R;
    for (let i = 0; i < N * N; i++) R[i] = this.A[i] * invVar;
    for (let p = 0; p < this.layout.nBeta; p++) R[p * N + p] += this.prior[p];
    for (let t = 0; t < this.Ks.length; t++) {
      const K = this.Ks[t];
      const Q = termPrecisions[t];
      const start = this.layout.termOffsets[t];
      const end = termEnd(this.layout, t);
      for (let base = start; base < end; base += K) {
        for (let a = 0; a < K; a++) {
          for (let b = 0; b < K; b++) R[(base + a) * N + base + b] += Q[a * K + b];
        }
      }
    }
    return choleskyInPlace(R, N);
  }

  logDeterminant(): number {
    let logDet = 0;
    for (let i = 0; i < this.dim; i++) logDet += 2 * Math.log(this.R[i * this.dim + i]);
    return logDet;
  }

  solve(c: Float64Array): number {
    solveLower(this.R, this.dim, c);
    let quad = 0;
    for (let i = 0; i < this.dim; i++) quad += c[i] * c[i];
    solveLowerTransposed(this.R, this.dim, c);
    return quad;
  }

  inverseBlocks(betaVariance: Float64Array, termBlocks: readonly Float64Array[]): void {
    const N = this.dim;
    const Rinv = invertLower(this.R, N, this.Rinv);
    // P⁻¹ = R⁻ᵀ R⁻¹: (P⁻¹)_ab = Σ_{m ≥ max(a, b)} Rinv_ma Rinv_mb.
    const entry = (a: number, b: number) => {
      let s = 0;
      for (let m = Math.max(a, b); m < N; m++) s += Rinv[m * N + a] * Rinv[m * N + b];
      return s;
    };
    for (let p = 0; p < this.layout.nBeta; p++) betaVariance[p] = entry(p, p);
    for (let t = 0; t < this.Ks.length; t++) {
      const K = this.Ks[t];
      const out = termBlocks[t];
      const start = this.layout.termOffsets[t];
      const J = out.length / (K * K);
      for (let j = 0; j < J; j++) {
        const base = start + j * K;
        for (let a = 0; a < K; a++) {
          for (let b = 0; b <= a; b++) {
            const s = entry(base + a, base + b);
            out[j * K * K + a * K + b] = out[j * K * K + b * K + a] = s;
          }
        }
      }
    }
  }

  colourNoise(z: Float64Array): void {
    solveLowerTransposed(this.R, this.dim, z);
  }

  quadraticForm(x: Float64Array): number {
    // |Rᵀx|².
    const N = this.dim;
    let quad = 0;
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let k = i; k < N; k++) s += this.R[k * N + i] * x[k];
      quad += s * s;
    }
    return quad;
  }

  dataQuadraticForm(x: Float64Array): number {
    const N = this.dim;
    let quad = 0;
    for (let a = 0; a < N; a++) {
      let s = 0;
      for (let b = 0; b < N; b++) s += this.A[a * N + b] * x[b];
      quad += x[a] * s;
    }
    return quad;
  }
}
