/**
 * The Gaussian normal equations over the stacked coefficients [β, every level effect of every
 * term], assembled from the per-cell sufficient statistics (no rows are read).
 */
import type { CompiledData } from "./compiled_data.ts";

/**
 * XᵀX (N × N, row-major) and Xᵀy (N) over [β, levels]: β first (intercept, then the population
 * columns), then term t's levels from `termOffset[t]` on, level j's K coefficients at
 * `termOffset[t] + j·K`. N is the total number of coefficients.
 *
 * @example
 * ```ts ignore
 * const { xtx, xty } = gaussianNormalEquations(data, [P], P + J * K);
 * ```
 */
export function gaussianNormalEquations(
  data: CompiledData,
  termOffset: readonly number[],
  N: number,
): { xtx: Float64Array; xty: Float64Array } {
  const s = data.stats;
  if (s.kind !== "cells") throw new Error("normal equations need Gaussian cell statistics");
  const nb = (data.hasIntercept ? 1 : 0) + data.nFixed;
  const D = data.columnNames.length;
  const kTotal = data.kTotal;
  const T = data.terms.length;
  const xtx = new Float64Array(N * N);
  const xty = new Float64Array(N);
  for (let a = 0; a < nb; a++) {
    xty[a] = s.h[a];
    for (let b = 0; b < nb; b++) xtx[a * N + b] = s.G[a * D + b];
  }
  const index = new Int32Array(kTotal);
  for (let c = 0; c < data.nCells; c++) {
    let kBase = 0;
    for (let t = 0; t < T; t++) {
      const K = data.terms[t].coefNames.length;
      const j = data.cellGroups[c * T + t];
      for (let k = 0; k < K; k++) index[kBase + k] = termOffset[t] + j * K + k;
      kBase += K;
    }
    for (let k = 0; k < kTotal; k++) {
      const ik = index[k];
      xty[ik] += s.e[c * kTotal + k];
      for (let a = 0; a < nb; a++) {
        const v = s.B[(c * D + a) * kTotal + k];
        xtx[a * N + ik] += v;
        xtx[ik * N + a] += v;
      }
      for (let l = 0; l < kTotal; l++) {
        xtx[ik * N + index[l]] += s.C[(c * kTotal + k) * kTotal + l];
      }
    }
  }
  return { xtx, xty };
}

/**
 * The normal equations of a model with one grouping term (J levels, K coefficients each) in
 * blocks, from the cell statistics: XᵀX and Xᵀy over the population columns, and per level j
 * Z_jᵀX_j, Z_jᵀZ_j and Z_jᵀy. Shared by the one-term collapsed algebra
 * (lib/model/arrowhead_precision.ts) and the level-collapsed target.
 */
export interface OneTermNormalEquations {
  nBeta: number;
  J: number;
  K: number;
  /** n_β × n_β and n_β. */
  xtx: Float64Array;
  xty: Float64Array;
  /** Level-major: row j·K + k is Z_jᵀX_j's row k (J·K × n_β). */
  ztx: Float64Array;
  /** J × K × K and J·K. */
  ztz: Float64Array;
  zty: Float64Array;
}

/**
 * {@link OneTermNormalEquations} of `data` (which must have Gaussian statistics and one term).
 *
 * @example
 * ```ts ignore
 * const { xtx, ztx, ztz } = oneTermNormalEquations(data);
 * ```
 */
export function oneTermNormalEquations(data: CompiledData): OneTermNormalEquations {
  const s = data.stats;
  if (s.kind !== "cells") throw new Error("normal equations need Gaussian cell statistics");
  if (data.terms.length !== 1) throw new Error("one-term normal equations need one term");
  const nb = (data.hasIntercept ? 1 : 0) + data.nFixed;
  const K = data.terms[0].coefNames.length;
  const J = data.terms[0].nGroups;
  const D = data.columnNames.length;
  const xtx = new Float64Array(nb * nb);
  const xty = new Float64Array(nb);
  for (let a = 0; a < nb; a++) {
    xty[a] = s.h[a];
    for (let b = 0; b < nb; b++) xtx[a * nb + b] = s.G[a * D + b];
  }
  const ztx = new Float64Array(J * K * nb);
  const ztz = new Float64Array(J * K * K);
  const zty = new Float64Array(J * K);
  for (let c = 0; c < data.nCells; c++) {
    const j = data.cellGroups[c];
    for (let k = 0; k < K; k++) {
      zty[j * K + k] += s.e[c * K + k];
      for (let a = 0; a < nb; a++) ztx[(j * K + k) * nb + a] += s.B[(c * D + a) * K + k];
      for (let l = 0; l < K; l++) ztz[j * K * K + k * K + l] += s.C[(c * K + k) * K + l];
    }
  }
  return { nBeta: nb, J, K, xtx, xty, ztx, ztz, zty };
}
