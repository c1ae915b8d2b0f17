/**
 * R's weighted least squares with sandwich's HC2 (fixtures/wls_hc2_reference.R, R 4.2.2,
 * sandwich 3.0.2): `ols`, one weighted lm; `compare`, the three-method table's OLS, interaction
 * and subgroup columns on a weighted data set with rows of weight 0.
 */

/** One weighted lm: its design, outcome, weights, coefficients and HC2 covariance. */
export interface WeightedOls {
  names: string[];
  columns: number[][];
  y: number[];
  w: number[];
  coef: number[];
  vcov_hc2: number[];
}

/** The weighted comparison's data and R's columns for each group. */
export interface WeightedComparison {
  formula: string;
  y: number[];
  treat: number[];
  g: string[];
  x: number[];
  w: number[];
  zero_weight_rows: number[];
  ols_names: string[];
  ols_coef: number[];
  ols_se: number[];
  groups: string[];
  interaction_estimate: number[];
  interaction_se: number[];
  subgroup_estimate: number[];
  subgroup_se: number[];
}

/** Both parts of fixtures/wls_hc2_reference.json. */
export const WLS_REFERENCE = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/wls_hc2_reference.json", import.meta.url)),
) as { ols: WeightedOls; compare: WeightedComparison };
