/**
 * The two-sided quantile of Student's t distribution (R's `qt(1 − α/2, df)`), for confidence
 * intervals estimate ± t·SE. From the Beta distribution: P(|T| > t) = I_x(df/2, 1/2) with
 * x = df / (df + t²), so t = √(df·(1 − x)/x) with x the α-quantile of Beta(df/2, 1/2).
 */
import { betaQuantile } from "./_beta_quantile.ts";
import { normalQuantile } from "./normal_quantile.ts";

/** Above this many degrees of freedom t and the normal quantile agree to ~1e-8. */
const NORMAL_DF = 1e8;

/**
 * The t quantile with `df` degrees of freedom (any real df > 0) that leaves `1 − level` in the two
 * tails together: `level` 0.95 gives R's qt(0.975, df). NaN for df ≤ 0 or NaN.
 *
 * @example
 * ```ts
 * import { tQuantile } from "./student_t_quantile.ts";
 * console.assert(Math.abs(tQuantile(0.95, 8) - 2.3060041352041658) < 1e-12);
 * ```
 */
export function tQuantile(level: number, df: number): number {
  if (!(df > 0) || !(level > 0 && level < 1)) return NaN;
  if (df > NORMAL_DF) return normalQuantile(1 - (1 - level) / 2);
  const x = betaQuantile(1 - level, df / 2, 0.5);
  return Math.sqrt((df * (1 - x)) / x);
}
