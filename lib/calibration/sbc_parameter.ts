/** One parameter's result in simulation-based calibration (lib/calibration/sbc.ts). */
import type { EcdfBands } from "./ecdf_bands.ts";

/** One parameter's calibration. */
export interface SbcParameter {
  name: string;
  ranks: number[];
  histogram: number[];
  /** p-value of the chi-square test of uniform ranks. */
  p_uniform: number;
  /**
   * p_uniform adjusted by Holm for the run's parameters tested together (sbc() sets it): with
   * many parameters some p_uniform fall below 0.05 by chance alone; this one does so for a
   * calibrated model with probability ≤ 0.05 across all of them.
   */
  p_uniform_holm?: number;
  ecdf_in_bands: boolean;
  bands: EcdfBands;
}
