/**
 * Covariance coordinates of a correlated two-coefficient term in a collapsed target: instead of
 * (log sd₀, log sd₁, atanh ρ), the regression of one coefficient's effects (r, the "radius")
 * on the other's (f): r = κ·f + e·z, with κ = ρ·sd_r/sd_f and e = sd_r·√(1 − ρ²) > 0, and the
 * point holds (log sd_f, log e, κ) — the covariance's Cholesky factor with f ordered first is
 * [[sd_f, 0], [κ·sd_f, e]]. Write b = κ·sd_f = sd_r·ρ and c = e: (b, c) is sd_r's Cartesian
 * form, sd_r = √(b² + c²).
 *
 * Why: when sd_r's posterior reaches toward 0 (a coefficient whose effects the data find
 * absent), the data fix the regression κ and bound the residual sd e, a smooth blob near the
 * origin of (b, c), which the polar coordinates (log sd_r, atanh ρ) turn into a funnel: as
 * sd_r → 0 the angle ρ spreads to ±1 over a shrinking radius. NUTS's rare divergences at brms
 * defaults sat exactly there (an Intercept sd at its 0.3% quantile with ρ = −1.000). κ rather
 * than b, because b = κ·sd_f would couple to sd_f's often wide posterior (few levels).
 *
 * The priors stay on (sd_f, sd_r, ρ): with ρ = b/s, s = √(b² + c²), the density in
 * (log sd_f, log c, b) is p(sd_f)·sd_f · p(s) · p_lkj(ρ) · c²/s² (|∂(s, ρ)/∂(b, c)| = c/s²);
 * lkj(η) for K = 2 is (1 − ρ²)^(η−1) = (c/s)^(2η−2), so the log of the ρ and Jacobian part is
 * 2η (log c − log s); and κ = b/sd_f adds log sd_f.
 *
 * @module
 */

/** Where a pair term's coordinates are: `x[sd + f]` = log sd_f, `x[sd + r]` = log e, `x[cor]` = κ. */
export interface PairCoordinates {
  /** Offset of the two sd coordinates. */
  sd: number;
  /** Offset of b (the correlation's place). */
  cor: number;
  /** Index (0 or 1) of the coefficient whose sd is the radius. */
  radius: number;
}

/** What {@link pairForward} computes. */
export interface PairValues {
  /** sd₀, sd₁ in coefficient order. */
  sd: Float64Array;
  /** ρ and √(1 − ρ²) (computed as c/s, exact near ρ = ±1). */
  rho: number;
  rhoComplement: number;
}

/**
 * sd's and ρ of a pair term from its coordinates in `x` into `out`; returns the log prior of
 * (sd_f, sd_r, ρ) in these coordinates with the Jacobian, given the sd priors' log densities
 * `logPriorSd(k, sd)` and lkj's η. With `gradient`, adds that log density's gradient, using
 * `priorSlope(k, sd)` = d log p(sd)/d sd.
 *
 * @example
 * ```ts
 * import { pairForward } from "./pair_covariance.ts";
 * // log sd₀ = 0, log e = log 0.6, κ = 0.8: sd₁ = 1 and ρ = 0.8.
 * const out = { sd: new Float64Array(2), rho: 0, rhoComplement: 0 };
 * const x = Float64Array.of(0, Math.log(0.6), 0.8);
 * pairForward(x, { sd: 0, cor: 2, radius: 1 }, 1, () => 0, () => 0, out, null);
 * console.assert(Math.abs(out.sd[1] - 1) < 1e-12 && Math.abs(out.rho - 0.8) < 1e-12);
 * ```
 */
export function pairForward(
  x: Float64Array,
  at: PairCoordinates,
  eta: number,
  logPriorSd: (k: number, sd: number) => number,
  priorSlope: (k: number, sd: number) => number,
  out: PairValues,
  gradient: Float64Array | null,
): number {
  const f = 1 - at.radius;
  const logSdF = x[at.sd + f];
  const logC = x[at.sd + at.radius];
  const sdF = Math.exp(logSdF);
  const b = x[at.cor] * sdF;
  const c = Math.exp(logC);
  const s = Math.hypot(b, c);
  out.sd[f] = sdF;
  out.sd[at.radius] = s;
  out.rho = b / s;
  out.rhoComplement = c / s;
  const lp = logPriorSd(f, sdF) + 2 * logSdF + logPriorSd(at.radius, s) +
    2 * eta * (logC - Math.log(s));
  if (gradient) {
    // d/ds of log p(s) − 2η log s, then s's derivatives: ds/db = b/s, ds/dlog c = c²/s.
    const gs = priorSlope(at.radius, s) - 2 * eta / s;
    addChained(x, at, sdF, gs * b / s, priorSlope(f, sdF) * sdF + 2, gradient);
    gradient[at.sd + at.radius] += gs * c * c / s + 2 * eta;
  }
  return lp;
}

/** Add a gradient (∂/∂b `gB`, ∂/∂log sd_f `gF` at fixed b) in the coordinates (κ, log sd_f). */
function addChained(
  x: Float64Array,
  at: PairCoordinates,
  sdF: number,
  gB: number,
  gF: number,
  gradient: Float64Array,
): void {
  // b = κ·sd_f: ∂b/∂κ = sd_f, ∂b/∂log sd_f = b.
  gradient[at.cor] += gB * sdF;
  gradient[at.sd + 1 - at.radius] += gF + gB * x[at.cor] * sdF;
}

/**
 * Chain a function's gradient with respect to (log sd₀, log sd₁) (`gLogSd`, coefficient order),
 * ρ (`gRho`) and √(1 − ρ²) (`gComp`) into the pair coordinates, added to `gradient`; `values`
 * from {@link pairForward} at the same point.
 *
 * @example
 * ```ts ignore
 * pairBackward(x, at, values, gLogSd, gRho, gComp, gradient);
 * ```
 */
export function pairBackward(
  x: Float64Array,
  at: PairCoordinates,
  values: PairValues,
  gLogSd: ArrayLike<number>,
  gRho: number,
  gComp: number,
  gradient: Float64Array,
): void {
  const f = 1 - at.radius;
  const sdF = values.sd[f];
  const b = x[at.cor] * sdF;
  const c = Math.exp(x[at.sd + at.radius]);
  const s = values.sd[at.radius];
  const s3 = s * s * s;
  const gr = gLogSd[at.radius];
  // log s, ρ = b/s and c/s as functions of b and c (see the module doc).
  const gB = gr * b / (s * s) + gRho * c * c / s3 - gComp * c * b / s3;
  addChained(x, at, sdF, gB, gLogSd[f], gradient);
  gradient[at.sd + at.radius] += c * (gr * c / (s * s) - gRho * b * c / s3 + gComp * b * b / s3);
}

/**
 * The usual coordinates of a pair term: [log sd₀, log sd₁, atanh ρ], atanh ρ computed as
 * sign(b)·log((s + |b|)/c) so that it stays finite where ρ rounds to ±1.
 *
 * @example
 * ```ts
 * import { pairToStandard } from "./pair_covariance.ts";
 * const [l0, l1, y] = pairToStandard(Float64Array.of(0, Math.log(0.6), 0.8), { sd: 0, cor: 2, radius: 1 });
 * console.assert(l0 === 0 && Math.abs(l1) < 1e-12 && Math.abs(Math.tanh(y) - 0.8) < 1e-12);
 * ```
 */
export function pairToStandard(x: Float64Array, at: PairCoordinates): [number, number, number] {
  const f = 1 - at.radius;
  const logC = x[at.sd + at.radius];
  const b = x[at.cor] * Math.exp(x[at.sd + f]);
  const c = Math.exp(logC);
  const s = Math.hypot(b, c);
  const y = Math.sign(b) * (Math.log(s + Math.abs(b)) - logC);
  const logSd = [0, 0];
  logSd[f] = x[at.sd + f];
  logSd[at.radius] = Math.log(s);
  return [logSd[0], logSd[1], y];
}

/**
 * The inverse of {@link pairToStandard}: pair coordinates [x₀, x₁, κ] (in the layout's order:
 * the two sd places, then κ) from log sd₀, log sd₁ and atanh ρ.
 *
 * @example
 * ```ts
 * import { pairFromStandard } from "./pair_covariance.ts";
 * const [lf, lc, kappa] = pairFromStandard(0, 0, Math.atanh(0.8), 1);
 * console.assert(lf === 0 && Math.abs(Math.exp(lc) - 0.6) < 1e-12 && Math.abs(kappa - 0.8) < 1e-12);
 * ```
 */
export function pairFromStandard(
  logSd0: number,
  logSd1: number,
  y: number,
  radius: number,
): [number, number, number] {
  const logSd = [logSd0, logSd1];
  const f = 1 - radius;
  // κ = ρ·sd_r/sd_f; e = sd_r·√(1 − tanh² y) = sd_r/cosh y.
  const out: [number, number, number] = [0, 0, Math.tanh(y) * Math.exp(logSd[radius] - logSd[f])];
  out[f] = logSd[f];
  out[radius] = logSd[radius] - Math.log(Math.cosh(y));
  return out;
}
