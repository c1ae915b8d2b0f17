/**
 * The solves of the auto parameterisation's pilot (lib/model/auto_parameterization.ts): its
 * penalised Hessian over [β, every level effect], factored with β moved last. One term's level
 * effects then form a block-diagonal leading part (each level's K × K block) and only β's last
 * rows are dense, an envelope the Cholesky factor keeps: the factor and its inverse cost about
 * N·nb·K and N²·nb instead of N³/6 and N³/3 (Tomz & Weeks: N = 215, nb = 14), paid at the start
 * of every fit with an "auto" parameterisation, cold (before V8 has compiled the loops).
 * Crossed terms couple levels across terms and fill more of the envelope; the result is the same.
 *
 * @module
 */
import {
  choleskyInPlace,
  envelope,
  invertLower,
  solveLower,
  solveLowerTransposed,
} from "./_dense.ts";

/**
 * A reusable factorisation of N × N matrices over [β (nb), level effects] in the order
 * [level effects, β].
 *
 * @example
 * ```ts
 * import { PilotFactor } from "./pilot_factor.ts";
 * // one coefficient β (index 0) coupled to two uncoupled level effects (1, 2)
 * const H = Float64Array.from([6, 2, 3, 2, 4, 0, 3, 0, 9]);
 * const f = new PilotFactor(3, 1);
 * console.assert(f.factor(H) && f.position.join() === "2,0,1");
 * const x = f.solve(Float64Array.from([11, 6, 12])); // H·(1, 1, 1)
 * console.assert(x.every((v) => Math.abs(v - 1) < 1e-12));
 * ```
 */
export class PilotFactor {
  readonly N: number;
  /** Each coefficient's row in the factor: the level effects first, β last. */
  readonly position: Int32Array;
  private readonly R: Float64Array;
  private readonly first: Int32Array;

  constructor(N: number, nb: number) {
    this.N = N;
    this.position = Int32Array.from({ length: N }, (_, i) => (i < nb ? N - nb + i : i - nb));
    this.R = new Float64Array(N * N);
    this.first = new Int32Array(N);
  }

  /** Factors H (original order, both triangles); false when H is not positive definite. */
  factor(H: Float64Array): boolean {
    // Every field read before the loops: a field first read after a loop V8 compiled on its
    // own (OSR) has no type feedback there and throws that code away.
    const { N, position, R, first } = this;
    for (let i = 0; i < N; i++) {
      const row = position[i] * N;
      for (let j = 0; j < N; j++) R[row + position[j]] = H[i * N + j];
    }
    envelope(R, N, first);
    return choleskyInPlace(R, N, first);
  }

  /** H⁻¹ g in the original order, from the last {@link factor}. */
  solve(g: Float64Array): Float64Array {
    const { N, position, R } = this;
    const b = new Float64Array(N);
    for (let i = 0; i < N; i++) b[position[i]] = g[i];
    solveLowerTransposed(R, N, solveLower(R, N, b));
    return Float64Array.from({ length: N }, (_, i) => b[position[i]]);
  }

  /**
   * L⁻¹ of the last factor (H = P L Lᵀ Pᵀ), rows and columns by {@link position}: H⁻¹'s entry
   * (a, b) is Σ_m L⁻¹[m, position[a]] L⁻¹[m, position[b]].
   */
  inverseFactor(): Float64Array {
    return invertLower(this.R, this.N, new Float64Array(this.N * this.N), this.first);
  }
}
