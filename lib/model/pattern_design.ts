/**
 * The linear predictor of the compressed patterns and its reverse pass, the hot loops of a
 * non-Gaussian gradient: η_p = w_p·β + (w_pÂ)·ρ_cell(p) forward, and back ∂/∂β = Σ_p g_p w_p and
 * ∂/∂ρ_c = Σ_{p in c} g_p (w_pÂ).
 *
 * Design columns are mostly (centred) indicators and their interactions: each takes a few values,
 * one of them (its mode m_a) in most patterns. The columns are held sparse around their modes,
 * w_pa = m_a + v_pa with v_pa ≠ 0 listed per column (column-major), so
 *
 *   w_p·β = Σ_a m_a β_a + Σ_{a, listed} v_pa β_a,   Σ_p g_p w_pa = m_a Σ_p g_p + Σ_{p listed} g_p v_pa,
 *
 * which costs the listed entries (about 40% of P·D on the Tomz & Weeks design) instead of P·D.
 * A design with more listed entries than half of P·D keeps the dense row-major loops.
 *
 * @module
 */
import type { PatternStats } from "../families/compressed_stats.ts";

/** Above this share of listed entries the dense loops are used. */
const SPARSE_SHARE = 0.5;

/**
 * The patterns' design, sparse around each column's mode or dense.
 *
 * @example
 * ```ts
 * import { PatternDesign } from "./pattern_design.ts";
 * // two patterns in one cell, D = 2 columns, K = 1 varying coefficient
 * const stats = { nPatterns: 2, cell: new Int32Array([0, 0]),
 *   w: new Float64Array([1, 2, 1, -1]), wA: new Float64Array([1, 1]) };
 * const design = new PatternDesign(stats, 2, 1);
 * const eta = new Float64Array(2);
 * design.forward(new Float64Array([0.5, 1]), new Float64Array([0.1]), eta);
 * console.assert(Math.abs(eta[0] - 2.6) < 1e-15 && Math.abs(eta[1] + 0.4) < 1e-15);
 * const gradBeta = new Float64Array(2), gradRho = new Float64Array(1);
 * design.backward(new Float64Array([1, 1]), gradBeta, gradRho);
 * console.assert(gradBeta[0] === 2 && gradBeta[1] === 1 && gradRho[0] === 2);
 * ```
 */
export class PatternDesign {
  /** True when the columns are held sparse around their modes. */
  readonly sparse: boolean;
  /** Patterns, columns and varying coefficients per cell. */
  readonly P: number;
  readonly D: number;
  readonly K: number;
  /** Each pattern's cell, its row-major design w (P × D) and w·Â (P × K). */
  readonly cell: Int32Array;
  readonly w: Float64Array;
  readonly wA: Float64Array;
  /**
   * Each column's mode m_a, and its listed entries start[a] … start[a + 1] − 1 (rows and
   * values v_pa = w_pa − m_a; empty when dense). Read by lib/model/pattern_kernel.ts.
   */
  readonly mode: Float64Array;
  readonly start: Int32Array;
  readonly row: Int32Array;
  readonly value: Float64Array;

  constructor(
    stats: Pick<PatternStats, "nPatterns" | "cell" | "w" | "wA">,
    D: number,
    K: number,
  ) {
    const P = stats.nPatterns;
    this.P = P;
    this.D = D;
    this.K = K;
    this.cell = stats.cell;
    this.w = stats.w;
    this.wA = stats.wA;
    this.mode = new Float64Array(D);
    this.start = new Int32Array(D + 1);
    let listed = 0;
    for (let a = 0; a < D; a++) {
      const counts = new Map<number, number>();
      for (let p = 0; p < P; p++) {
        const v = stats.w[p * D + a];
        counts.set(v, (counts.get(v) ?? 0) + 1);
      }
      let best = 0;
      for (const [v, n] of counts) if (n > best) (best = n), (this.mode[a] = v);
      listed += P - best;
      this.start[a + 1] = listed;
    }
    this.sparse = listed <= SPARSE_SHARE * P * D;
    this.row = new Int32Array(this.sparse ? listed : 0);
    this.value = new Float64Array(this.sparse ? listed : 0);
    if (!this.sparse) return;
    for (let a = 0, i = 0; a < D; a++) {
      for (let p = 0; p < P; p++) {
        const v = stats.w[p * D + a];
        if (v === this.mode[a]) continue;
        this.row[i] = p;
        this.value[i++] = v - this.mode[a];
      }
    }
  }

  /** η_p = w_p·β + (w_pÂ)·ρ_cell(p) into `eta` (ρ: nCells × K). */
  forward(beta: Float64Array, rho: Float64Array, eta: Float64Array): void {
    const { P, D, K, wA, cell } = this;
    let base = 0;
    if (this.sparse) { for (let a = 0; a < D; a++) base += this.mode[a] * beta[a]; }
    for (let p = 0; p < P; p++) {
      const r0 = cell[p] * K, aBase = p * K;
      let e = this.sparse ? base : this.denseRow(p, beta);
      if (K === 2) e += wA[aBase] * rho[r0] + wA[aBase + 1] * rho[r0 + 1];
      else for (let k = 0; k < K; k++) e += wA[aBase + k] * rho[r0 + k];
      eta[p] = e;
    }
    if (!this.sparse) return;
    const { start, row, value } = this;
    for (let a = 0; a < D; a++) {
      const b = beta[a];
      for (let i = start[a]; i < start[a + 1]; i++) eta[row[i]] += value[i] * b;
    }
  }

  /** Adds Σ_p g_p w_p into gradBeta and Σ_{p in c} g_p (w_pÂ) into gradRho's cell c. */
  backward(g: Float64Array, gradBeta: Float64Array, gradRho: Float64Array): void {
    const { P, D, K, wA, cell } = this;
    let total = 0;
    for (let p = 0; p < P; p++) {
      const r0 = cell[p] * K, aBase = p * K, gp = g[p];
      total += gp;
      if (K === 2) {
        gradRho[r0] += gp * wA[aBase];
        gradRho[r0 + 1] += gp * wA[aBase + 1];
      } else for (let k = 0; k < K; k++) gradRho[r0 + k] += gp * wA[aBase + k];
      if (!this.sparse) this.denseGradient(p, gp, gradBeta);
    }
    if (!this.sparse) return;
    const { start, row, value, mode } = this;
    for (let a = 0; a < D; a++) {
      let s = 0;
      for (let i = start[a]; i < start[a + 1]; i++) s += value[i] * g[row[i]];
      gradBeta[a] += mode[a] * total + s;
    }
  }

  private denseRow(p: number, beta: Float64Array): number {
    const { D, w } = this;
    let e = 0;
    for (let a = 0, i = p * D; a < D; a++, i++) e += w[i] * beta[a];
    return e;
  }

  private denseGradient(p: number, gp: number, gradBeta: Float64Array): void {
    const { D, w } = this;
    for (let a = 0, i = p * D; a < D; a++, i++) gradBeta[a] += gp * w[i];
  }
}
