/**
 * A log-sd coordinate with a compressed left tail: the collapsed target may sample an sd through
 * v with log sd = κ(v), by default the hinge
 *
 *   κ(v) = v − c·s(x),   x = k − v,   s = softplus (log(1 + eˣ)),   c = 4.
 *
 * κ is the identity right of the knee k (x ≪ 0) and has slope 1 + c left of it; κ′ = 1 + c·σ(x)
 * (σ the logistic function) lies in [1, 1 + c], so κ is a smooth increasing bijection of the real
 * line and the density of v is the density of log sd times κ′(v) (the Jacobian, exact). Where the
 * likelihood stops depending on an sd as it shrinks (few levels, or effects the data cannot tell
 * from 0), the posterior of log sd has an exponential left tail (its density ∝ sd there) far
 * longer than its data-determined right side: NUTS's step is set by the narrow side and its
 * trajectories must cross the long one. In v that tail is 1 + c times shorter (density ∝
 * e^((1 + c)v)), while the slope cap keeps the walls that data put on an sd inside the bent part
 * no steeper than 1 + c times. {@link SD_KNEE_SETTINGS} also offers, for experiments
 * (bench/knee_grid.ts), the bend κ(v) = v − c·s(x)²/2 (a Gaussian left tail) and other knee
 * places. See docs/ARCHITECTURE.md#a-knee-in-the-log-sd-coordinate.
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
 * console.assert(sdKnee(40, 0) === 40 && sdKneeSlope[0] === 1); // the identity far right
 * // Far left of the knee the slope is 1 + 4: log sd ≈ 5v (knee 0).
 * console.assert(Math.abs(sdKnee(-40, 0) - 5 * -40) < 1e-9 && Math.abs(sdKneeSlope[0] - 5) < 1e-9);
 * ```
 */
export function sdKnee(v: number, k: number): number {
  const x = k - v;
  // softplus and the logistic function without overflow on either side.
  const e = Math.exp(-Math.abs(x));
  const s = x > 0 ? x + Math.log1p(e) : Math.log1p(e);
  const logistic = x > 0 ? 1 / (1 + e) : e / (1 + e);
  const c = SD_KNEE_SETTINGS.bend;
  if (SD_KNEE_SETTINGS.shape === "hinge") {
    sdKneeSlope[0] = 1 + c * logistic;
    sdKneeSlope[1] = -c * logistic * (1 - logistic);
    return v - c * s;
  }
  sdKneeSlope[0] = 1 + c * s * logistic;
  sdKneeSlope[1] = -c * (logistic * logistic + s * logistic * (1 - logistic));
  return v - 0.5 * c * s * s;
}

/**
 * The knee's shape and place, module-wide. `shape` "hinge" (default): κ = v − bend·s; "gauss":
 * κ = v − bend·s²/2. `level`: CollapsedGaussian's knees move down by level·log √(n/J) (n rows, J
 * levels; 1 puts them at a level mean's standard error). The defaults (hinge, bend 4, level 1.5)
 * are the best point of bench/README.md's grid ("Knee shape × placement grid"). Read where a
 * target is built and evaluated, so a change reaches fits on this thread only (`workers: 1`), not
 * sampler workers; for experiments (bench/knee_grid.ts). κ stays exact (the Jacobian follows the
 * shape).
 *
 * @example
 * ```ts
 * import { SD_KNEE_SETTINGS, sdKnee } from "./sd_knee.ts";
 * const saved = { ...SD_KNEE_SETTINGS };
 * Object.assign(SD_KNEE_SETTINGS, { shape: "gauss", bend: 1 });
 * console.assert(Math.abs(sdKnee(-20, 0) - (-20 - 200)) < 1e-6); // v − (k − v)²/2 far left
 * Object.assign(SD_KNEE_SETTINGS, saved);
 * ```
 */
export const SD_KNEE_SETTINGS: { shape: "gauss" | "hinge"; bend: number; level: number } = {
  shape: "hinge",
  bend: 4,
  level: 1.5,
};

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
