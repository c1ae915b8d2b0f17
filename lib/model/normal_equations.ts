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
  if (s.kind !== "gaussian") throw new Error("normal equations need Gaussian cell statistics");
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
