/**
 * A log-sd coordinate with a Gaussian left tail: the collapsed target may sample an sd through v
 * with log sd = κ(v), where
 *
 *   κ(v) = v − s(x)²/2,   x = k − v,   s = softplus (log(1 + eˣ)).
 *
 * κ is the identity right of the knee k (x ≪ 0) and bends to v − (k − v)²/2 left of it; κ′ =
 * 1 + s(x)·σ(x) ≥ 1 (σ the logistic function), so κ is a smooth increasing bijection of the real
 * line and the density of v is the density of log sd times κ′(v) (the Jacobian, exact). Where the
 * likelihood stops depending on an sd as it shrinks (few levels, or effects the data cannot tell
 * from 0), the posterior of log sd has an exponential left tail (its density ∝ sd there) far
 * longer than its data-determined right side: NUTS's step is set by the narrow side and its
 * trajectories must cross the long one. In v that tail becomes Gaussian, e^κ(v) ≈ e^(−(k − v)²/2).
 * See docs/ARCHITECTURE.md#a-knee-in-the-log-sd-coordinate.
 *
 * @module
 */

/** Where {@link sdKnee} writes κ′(v) and κ″(v) (no allocation per call). */
export const sdKneeSlope = new Float64Array(2);

/**
 * log sd = κ(v) for the knee `k`; κ′(v) and κ″(v) go to sdKneeSlope[0] and [1].
 *
 * @example
 * ```ts
 * import { sdKnee, sdKneeSlope } from "./sd_knee.ts";
 * console.assert(Math.abs(sdKnee(10, 0) - 10) < 1e-8 && Math.abs(sdKneeSlope[0] - 1) < 1e-8);
 * console.assert(Math.abs(sdKnee(-20, 0) - (-20 - 200)) < 1e-6); // v − (k − v)²/2 far left
 * ```
 */
export function sdKnee(v: number, k: number): number {
  const x = k - v;
  // softplus and the logistic function without overflow on either side.
  const e = Math.exp(-Math.abs(x));
  const s = x > 0 ? x + Math.log1p(e) : Math.log1p(e);
  const logistic = x > 0 ? 1 / (1 + e) : e / (1 + e);
  sdKneeSlope[0] = 1 + s * logistic;
  sdKneeSlope[1] = -(logistic * logistic + s * logistic * (1 - logistic));
  return v - 0.5 * s * s;
}

/**
 * The knee of an sd's coordinate: the log of the sd's natural scale, sd(y)/sd(x) for a
 * coefficient whose predictor column has sd `xSd` (1 for an intercept), so that the posterior
 * bulk of a group sd, typically below it, sits in the bent part and the identity part keeps the
 * right tail. A knee a unit or two either side of the bulk samples as well (bench/README.md).
 *
 * @example
 * ```ts
 * import { sdKneeAt } from "./sd_knee.ts";
 * console.assert(sdKneeAt(2, 0.5) === Math.log(4));
 * ```
 */
export function sdKneeAt(ySd: number, xSd: number): number {
  const scale = ySd / xSd;
  return Number.isFinite(scale) && scale > 0 ? Math.log(scale) : 0;
}
