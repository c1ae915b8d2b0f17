/** One parameter's result in simulation-based calibration (lib/calibration/sbc.ts). */
import type { EcdfBands } from "./ecdf_bands.ts";

/** One parameter's calibration. */
export interface SbcParameter {
  name: string;
  ranks: number[];
  histogram: number[];
  /** p-value of the chi-square test of uniform ranks. */
  p_uniform: number;
  ecdf_in_bands: boolean;
  bands: EcdfBands;
}
