/**
 * The patterns' linear predictor through two small tables, where the design allows: η_p =
 * A[a_p] + B[b_p]. A holds, for each distinct combination of a pattern's cell, its w·Â row and
 * the columns that are functions of those two (found from the data, not from column names: in a
 * (1 + x | g) model, the columns constant within groups and their interactions with x), that part
 * of η: Σ_{a ∈ A} w_pa β_a + (w_pÂ)·ρ_cell. B holds the other columns' part for each distinct
 * combination of their values (an experiment's factors). The reverse pass sums ∂/∂η into the two
 * tables, then ∂/∂β and ∂/∂ρ from the tables' rows. On a factorial design with group-level
 * moderators this costs about 2P + |A|·(columns + K) + |B|·columns instead of P·D (Tomz & Weeks:
 * 1,009 patterns × 16 columns become ~200 + 32 table rows). The split is exact for any
 * partition of the columns; {@link PatternSplit.create} returns null where it would not save
 * enough, and PatternDesign (lib/model/pattern_design.ts) is used instead.
 *
 * @module
 */
import type { PatternStats } from "../families/compressed_stats.ts";

/** The split is used when its work is below this share of P·D. */
const WORTH = 0.5;

/** Each pattern's row index in a table and the rows' first patterns. */
interface Rows {
  index: Int32Array;
  first: number[];
}

/**
 * Distinct rows of the P × m values `value(p, i)`, or null as soon as there are more than
 * `limit` (a design of mostly distinct rows gives up early, also when one column alone has more
 * distinct values). Each column's values are first
 * numbered (a Map compares as SameValueZero: −0 is 0, NaN is NaN), then a row's numbers make one
 * key: a number in mixed radix, or their join where that could pass 2^53.
 */
function distinctRows(
  P: number,
  m: number,
  value: (p: number, i: number) => number,
  limit: number,
): Rows | null {
  const codes = new Int32Array(P * m);
  const radices: number[] = [];
  for (let i = 0; i < m; i++) {
    const numbers = new Map<number, number>();
    for (let p = 0; p < P; p++) {
      const v = value(p, i);
      let c = numbers.get(v);
      if (c === undefined) {
        // More distinct values than rows allowed: so many distinct rows too (early, as above).
        if (numbers.size >= limit) return null;
        numbers.set(v, c = numbers.size);
      }
      codes[p * m + i] = c;
    }
    radices.push(numbers.size);
  }
  const numeric = radices.reduce((a, b) => a * b, 1) <= Number.MAX_SAFE_INTEGER;
  const index = new Int32Array(P);
  const first: number[] = [];
  const seen = new Map<number | string, number>();
  for (let p = 0; p < P; p++) {
    const key = numeric
      ? rowNumber(codes, p * m, radices)
      : codes.subarray(p * m, p * m + m).join();
    let r = seen.get(key);
    if (r === undefined) {
      if (first.length >= limit) return null;
      r = first.length;
      seen.set(key, r);
      first.push(p);
    }
    index[p] = r;
  }
  return { index, first };
}

/** The codes from `at` as one number in mixed radix (the first most significant). */
function rowNumber(codes: Int32Array, at: number, radices: number[]): number {
  let key = 0;
  for (let i = 0; i < radices.length; i++) key = key * radices[i] + codes[at + i];
  return key;
}

/**
 * η through the group-level table A and the within-group table B (see the module header).
 *
 * @example
 * ```ts
 * import { PatternSplit } from "./pattern_split.ts";
 * // 8 patterns: 2 cells × 4 values of a within-cell factor; columns: intercept, the factor
 * const cell = new Int32Array([0, 0, 0, 0, 1, 1, 1, 1]);
 * const x = [0, 1, 2, 3, 0, 1, 2, 3];
 * const stats = { nPatterns: 8, cell, w: Float64Array.from(x.flatMap((v) => [1, v])),
 *   wA: new Float64Array(8).fill(1) };
 * // worth 2: so small a design saves nothing, but the split is exact all the same
 * const split = PatternSplit.create(stats, 2, 1, 2)!;
 * console.assert(split.nA === 2 && split.nB === 4);
 * const eta = new Float64Array(8);
 * split.forward(new Float64Array([0.5, 2]), new Float64Array([0.1, -0.1]), eta);
 * console.assert(Math.abs(eta[3] - 6.6) < 1e-15 && Math.abs(eta[4] - 0.4) < 1e-15);
 * ```
 */
export class PatternSplit {
  /** Patterns, columns, varying coefficients per cell; the two tables' row counts. */
  readonly P: number;
  readonly D: number;
  readonly K: number;
  readonly nA: number;
  readonly nB: number;
  /** Each pattern's row in A and in B (read by lib/model/pattern_kernel.ts, as the tables). */
  readonly aOf: Int32Array;
  readonly bOf: Int32Array;
  /**
   * The columns of each table, A's rows' cells and w·Â rows, and the tables' design values
   * column by column, each column padded with a 0 to an even number of rows (for the kernel's
   * f64x2 loops).
   */
  readonly colsA: Int32Array;
  readonly colsB: Int32Array;
  readonly cellA: Int32Array;
  readonly wAA: Float64Array;
  readonly wTableA: Float64Array;
  readonly wTableB: Float64Array;
  /** The tables' η parts, then their ∂/∂η sums. */
  private readonly etaA: Float64Array;
  private readonly etaB: Float64Array;

  /**
   * The split of `stats`' design (P × D, K varying coefficients per cell), or null where its work
   * exceeds `worth` times P·D (the kernel's η pass runs over every entry of the design).
   */
  static create(
    stats: Pick<PatternStats, "nPatterns" | "cell" | "w" | "wA">,
    D: number,
    K: number,
    worth = WORTH,
  ): PatternSplit | null {
    const P = stats.nPatterns;
    // The work the split may take besides its 2P gather and scatter.
    const budget = worth * P * D - 2 * P;
    if (P === 0 || budget <= 0) return null;
    const { cell, w, wA } = stats;
    // A's key: the cell and the w·Â row.
    const base = distinctRows(
      P,
      1 + K,
      (p, i) => (i === 0 ? cell[p] : wA[p * K + i - 1]),
      budget / Math.max(1, K),
    );
    if (!base) return null;
    // A column joins A when it is constant within each (cell, w·Â) row.
    const colsA: number[] = [];
    const colsB: number[] = [];
    for (let a = 0; a < D; a++) {
      let constant = true;
      for (let p = 0; p < P && constant; p++) {
        constant = w[p * D + a] === w[base.first[base.index[p]] * D + a];
      }
      (constant ? colsA : colsB).push(a);
    }
    const left = budget - base.first.length * (colsA.length + K);
    if (left < 0) return null;
    const b = distinctRows(
      P,
      colsB.length,
      (p, i) => w[p * D + colsB[i]],
      colsB.length === 0 ? 1 : left / colsB.length,
    );
    if (!b) return null;
    return new PatternSplit(stats, D, K, base, b, Int32Array.from(colsA), Int32Array.from(colsB));
  }

  private constructor(
    stats: Pick<PatternStats, "nPatterns" | "cell" | "w" | "wA">,
    D: number,
    K: number,
    a: Rows,
    b: Rows,
    colsA: Int32Array,
    colsB: Int32Array,
  ) {
    this.P = stats.nPatterns;
    this.D = D;
    this.K = K;
    this.nA = a.first.length;
    this.nB = b.first.length;
    this.aOf = a.index;
    this.bOf = b.index;
    this.colsA = colsA;
    this.colsB = colsB;
    this.cellA = Int32Array.from(a.first, (p) => stats.cell[p]);
    this.wAA = new Float64Array(this.nA * K);
    const sA = (this.nA + 1) & ~1, sB = (this.nB + 1) & ~1;
    this.wTableA = new Float64Array(sA * colsA.length);
    this.wTableB = new Float64Array(sB * colsB.length);
    a.first.forEach((p, i) => {
      for (let k = 0; k < K; k++) this.wAA[i * K + k] = stats.wA[p * K + k];
      colsA.forEach((c, j) => (this.wTableA[j * sA + i] = stats.w[p * D + c]));
    });
    b.first.forEach((p, i) => {
      colsB.forEach((c, j) => (this.wTableB[j * sB + i] = stats.w[p * D + c]));
    });
    this.etaA = new Float64Array(sA);
    this.etaB = new Float64Array(sB);
  }

  /** η_p = w_p·β + (w_pÂ)·ρ_cell(p) into `eta` (ρ: nCells × K). */
  forward(beta: Float64Array, rho: Float64Array, eta: Float64Array): void {
    const { K, colsA, colsB, wTableA, wTableB, wAA, cellA, etaA, etaB, aOf, bOf } = this;
    const dA = colsA.length, dB = colsB.length, sA = etaA.length, sB = etaB.length;
    for (let i = 0; i < this.nA; i++) {
      let e = 0;
      for (let j = 0; j < dA; j++) e += wTableA[j * sA + i] * beta[colsA[j]];
      const r0 = cellA[i] * K, o = i * K;
      if (K === 2) e += wAA[o] * rho[r0] + wAA[o + 1] * rho[r0 + 1];
      else for (let k = 0; k < K; k++) e += wAA[o + k] * rho[r0 + k];
      etaA[i] = e;
    }
    for (let i = 0; i < this.nB; i++) {
      let e = 0;
      for (let j = 0; j < dB; j++) e += wTableB[j * sB + i] * beta[colsB[j]];
      etaB[i] = e;
    }
    for (let p = 0; p < this.P; p++) eta[p] = etaA[aOf[p]] + etaB[bOf[p]];
  }

  /** Adds Σ_p g_p w_p into gradBeta and Σ_{p in c} g_p (w_pÂ) into gradRho's cell c. */
  backward(g: Float64Array, gradBeta: Float64Array, gradRho: Float64Array): void {
    const { K, colsA, colsB, wTableA, wTableB, wAA, cellA, etaA: gA, etaB: gB, aOf, bOf } = this;
    const dA = colsA.length, dB = colsB.length, sA = gA.length, sB = gB.length;
    gA.fill(0);
    gB.fill(0);
    for (let p = 0; p < this.P; p++) {
      const gp = g[p];
      gA[aOf[p]] += gp;
      gB[bOf[p]] += gp;
    }
    for (let i = 0; i < this.nA; i++) {
      const gi = gA[i];
      for (let j = 0; j < dA; j++) gradBeta[colsA[j]] += gi * wTableA[j * sA + i];
      const r0 = cellA[i] * K, o = i * K;
      if (K === 2) {
        gradRho[r0] += gi * wAA[o];
        gradRho[r0 + 1] += gi * wAA[o + 1];
      } else for (let k = 0; k < K; k++) gradRho[r0 + k] += gi * wAA[o + k];
    }
    for (let i = 0; i < this.nB; i++) {
      const gi = gB[i];
      for (let j = 0; j < dB; j++) gradBeta[colsB[j]] += gi * wTableB[j * sB + i];
    }
  }
}
