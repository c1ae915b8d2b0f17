/**
 * A starting metric for warmup from a Laplace approximation: climb to (near) the mode with
 * L-BFGS, then take the diagonal of the Hessian there by central differences of the gradient.
 * Parameters of very different scales (population coefficients ~0.01, standardised varying
 * effects ~1) then start on a common footing, which removes most of the deep trees that a unit
 * metric costs in early warmup. Stan's windows still adapt the metric from the draws afterwards.
 */
import { type LogDensity, usablePoint } from "./log_density.ts";
import type { SamplerTarget } from "./backend.ts";
import type { NutsState } from "./nuts.ts";
import type { KeyedStream } from "../math/rng.ts";
import { choleskyLower } from "./metric.ts";

/** Most L-BFGS iterations; the point need not be the exact mode, only its neighbourhood. */
const MAX_ITERATIONS = 200;
const HISTORY = 6;
/**
 * Largest starting variance, the unit metric's: a nearly flat direction at the mode (a weakly
 * identified correlation, a tiny group) must not force tiny steps, so the Laplace start is never
 * wider than Stan's unit start in any coordinate.
 */
const MAX_INVERSE = 1;

/**
 * Maximise the log density from `start` with L-BFGS (backtracking Armijo line search), holding
 * the coordinates marked in `fixed` at their start. Returns the best point found (never worse
 * than `start`). A trial point is accepted only where both the log density and its gradient are
 * finite ({@link usablePoint}): a quasi-Newton step can overshoot by orders of magnitude, into a
 * region where a target's floating-point evaluation breaks down (a collapsed Gaussian at
 * σ ≈ e⁻²⁸ with an sd ≈ e²⁷⁹ returns a spurious log density of 1e259 with an infinite gradient);
 * such a point is no mode, and NUTS could never leave it.
 *
 * @example
 * ```ts
 * import { climbToMode } from "./laplace_metric.ts";
 * const target = { dim: 1, logDensityGradient: (q: Float64Array, g: Float64Array) => { g[0] = -(q[0] - 3); return -0.5 * (q[0] - 3) ** 2; } };
 * console.assert(Math.abs(climbToMode(target, new Float64Array([0]))[0] - 3) < 1e-6);
 * ```
 */
export function climbToMode(
  target: LogDensity,
  start: Float64Array,
  fixed?: Uint8Array,
): Float64Array {
  const dim = target.dim;
  // Coordinates held at their start: their gradient is zeroed, so no step moves them.
  const evaluate = (q: Float64Array, grad: Float64Array): number => {
    const value = target.logDensityGradient(q, grad);
    if (fixed) { for (let i = 0; i < dim; i++) if (fixed[i]) grad[i] = 0; }
    return value;
  };
  let x = Float64Array.from(start);
  let g = new Float64Array(dim);
  let f = evaluate(x, g);
  if (!usablePoint(f, g)) return x;
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const direction = new Float64Array(dim);
  const alpha = new Float64Array(HISTORY);
  const xNew = new Float64Array(dim);
  const gNew = new Float64Array(dim);
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    // Two-loop recursion on the ascent direction (gradient of log p).
    // Loops over the coordinates are small functions, not inner loops here: V8 optimises a
    // function as a whole, where an inner loop compiled on its own (OSR) is thrown away at every
    // exit to the outer loop (26 times in one cold climb on Tomz & Weeks).
    direction.set(g);
    for (let k = s.length - 1; k >= 0; k--) {
      alpha[k] = dot(s[k], direction) / dot(y[k], s[k]);
      addScaled(direction, -alpha[k], y[k]);
    }
    const scale = s.length
      ? dot(s[s.length - 1], y[s.length - 1]) / dot(y[y.length - 1], y[y.length - 1])
      : 1 / Math.max(1, Math.sqrt(dot(g, g)));
    scaleInPlace(direction, scale);
    for (let k = 0; k < s.length; k++) {
      const beta = dot(y[k], direction) / dot(y[k], s[k]);
      addScaled(direction, alpha[k] - beta, s[k]);
    }
    let slope = dot(direction, g);
    if (!(slope > 0)) {
      direction.set(g);
      slope = dot(g, g);
      s.length = 0;
      y.length = 0;
    }
    let step = 1;
    let fNew = -Infinity;
    for (let tries = 0; tries < 30; tries++) {
      stepFrom(xNew, x, step, direction);
      fNew = evaluate(xNew, gNew);
      if (usablePoint(fNew, gNew) && fNew >= f + 1e-4 * step * slope) break;
      step *= 0.5;
      fNew = -Infinity;
    }
    if (!Number.isFinite(fNew)) break;
    const sk = difference(xNew, x);
    const yk = difference(g, gNew); // gradient of −log p changes by −(gNew − g)
    const improvement = fNew - f;
    x = Float64Array.from(xNew);
    g = Float64Array.from(gNew);
    f = fNew;
    if (dot(sk, yk) > 1e-12) {
      s.push(sk);
      y.push(yk);
      if (s.length > HISTORY) (s.shift(), y.shift());
    }
    if (improvement < 1e-8 * Math.max(1, Math.abs(f))) break;
  }
  return x;
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** a += c·b. */
function addScaled(a: Float64Array, c: number, b: Float64Array): void {
  for (let i = 0; i < a.length; i++) a[i] += c * b[i];
}

/** a *= c. */
function scaleInPlace(a: Float64Array, c: number): void {
  for (let i = 0; i < a.length; i++) a[i] *= c;
}

/** out = x + step·d. */
function stepFrom(out: Float64Array, x: Float64Array, step: number, d: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = x[i] + step * d[i];
}

/** a − b, a new array. */
function difference(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
  return out;
}

/**
 * Diagonal inverse metric from the Laplace approximation near the mode reached from `start`:
 * 1 / (−∂²log p/∂θᵢ²), clamped to [1e-4, 1]; 1 where the curvature is not negative.
 *
 * @example
 * ```ts
 * import { laplaceInverseMetric } from "./laplace_metric.ts";
 * // N(0, 0.25): curvature −4, so the inverse metric is 0.25 (inside the clamp [1e-4, 1])
 * const target = { dim: 1, logDensityGradient: (q: Float64Array, g: Float64Array) => { g[0] = -4 * q[0]; return -2 * q[0] * q[0]; } };
 * console.assert(Math.abs(laplaceInverseMetric(target, new Float64Array([1]))[0] - 0.25) < 1e-4);
 * ```
 */
export function laplaceInverseMetric(target: LogDensity, start: Float64Array): Float64Array {
  return curvatureInverse(target, climbToMode(target, start));
}

/** 1 / curvature by central differences at `mode`, except where `known` (not NaN) says. */
function curvatureInverse(
  target: LogDensity,
  mode: Float64Array,
  known?: Float64Array,
): Float64Array {
  const dim = target.dim;
  const inverse = new Float64Array(dim).fill(1);
  const point = Float64Array.from(mode);
  const gPlus = new Float64Array(dim);
  const gMinus = new Float64Array(dim);
  for (let i = 0; i < dim; i++) {
    if (known !== undefined && !Number.isNaN(known[i])) {
      inverse[i] = known[i];
      continue;
    }
    const h = 1e-4 * Math.max(1, Math.abs(mode[i]));
    point[i] = mode[i] + h;
    const a = target.logDensityGradient(point, gPlus);
    point[i] = mode[i] - h;
    const b = target.logDensityGradient(point, gMinus);
    point[i] = mode[i];
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    const curvature = -(gPlus[i] - gMinus[i]) / (2 * h);
    if (curvature > 0 && Number.isFinite(curvature)) {
      inverse[i] = Math.min(MAX_INVERSE, Math.max(1e-4, 1 / curvature));
    }
  }
  return inverse;
}

/**
 * The Laplace start's point, shared by the CPU and WebGPU starts: L-BFGS from
 * `target.climbStart(initial)` (or `initial`) holding `target.climbFixed()`, then
 * `target.refineStart` (climbing the held coordinates too when it gives nothing). `known` is the
 * refinement's inverse metric (NaN where it leaves the curvature to finite differences).
 *
 * @example
 * ```ts ignore
 * const { mode, known } = climbAndRefine(target, starts[0]);
 * ```
 */
export function climbAndRefine(
  target: SamplerTarget,
  initial: Float64Array,
): { mode: Float64Array; known?: Float64Array } {
  const fixed = target.climbFixed?.();
  const climbed = climbToMode(target, target.climbStart?.(initial) ?? initial, fixed);
  const refined = target.refineStart?.(climbed) ?? null;
  if (refined !== null) return { mode: refined.position, known: refined.inverseMetric };
  // Nothing set what the climb held: let it climb those too.
  return { mode: fixed === undefined ? climbed : climbToMode(target, climbed) };
}

/**
 * Where warmup starts with `warmupStart: "laplace"`: climb to the mode from
 * `target.climbStart(initial)` (or `initial`), let `target.refineStart` move it and set part of
 * the metric (the rest by finite differences), then a draw mode + √(inverse metric)·z from the
 * diagonal Laplace approximation (z from `rng`, the chain's own stream, so chains differ), or the
 * mode itself when the draw's density or gradient is not finite (`initial` when the mode's is not
 * either); the inverse metric, and the mode (for {@link laplaceCovariance}).
 *
 * @example
 * ```ts
 * import { laplaceStart } from "./laplace_metric.ts";
 * import { KeyedStream } from "../math/rng.ts";
 * const target = { dim: 1, logDensityGradient: (q: Float64Array, g: Float64Array) => { g[0] = -q[0]; return -0.5 * q[0] * q[0]; } };
 * const g = new Float64Array(1);
 * const s = laplaceStart(target, { position: new Float64Array([5]), logDensity: target.logDensityGradient(new Float64Array([5]), g), gradient: g }, new KeyedStream(1, 0, 0));
 * console.assert(Math.abs(s.state.position[0]) < 5 && Math.abs(s.inverseMetric[0] - 1) < 1e-4);
 * ```
 */
export function laplaceStart(
  target: SamplerTarget,
  initial: NutsState,
  rng: KeyedStream,
): { state: NutsState; inverseMetric: Float64Array; mode: Float64Array } {
  const { mode, known } = climbAndRefine(target, initial.position);
  const inverseMetric = curvatureInverse(target, mode, known);
  const dim = target.dim;
  const position = new Float64Array(dim);
  for (let i = 0; i < dim; i++) position[i] = mode[i] + Math.sqrt(inverseMetric[i]) * rng.normal();
  const gradient = new Float64Array(dim);
  let logDensity = target.logDensityGradient(position, gradient);
  if (!usablePoint(logDensity, gradient)) {
    position.set(mode);
    logDensity = target.logDensityGradient(position, gradient);
  }
  if (!usablePoint(logDensity, gradient)) return { state: initial, inverseMetric, mode };
  return { state: { position, logDensity, gradient }, inverseMetric, mode };
}

/**
 * The Laplace approximation's covariance at `mode` (d × d, row-major): the inverse of minus the
 * Hessian, each column of the Hessian from central differences of the gradient (2·d gradients,
 * step `relativeStep`·max(1, |mode_i|); see {@link negativeHessian}), symmetrised. Null when a gradient is not finite or minus the Hessian is not positive definite.
 * A dense metric's start where the mode describes the posterior (SampleOptions `denseStart`).
 *
 * @example
 * ```ts
 * import { laplaceCovariance } from "./laplace_metric.ts";
 * // log p = −(q₀² + q₀q₁ + q₁²): −H = [[2, 1], [1, 2]], covariance [[2, −1], [−1, 2]] / 3.
 * const target = {
 *   dim: 2,
 *   logDensityGradient: (q: Float64Array, g: Float64Array) => {
 *     g[0] = -(2 * q[0] + q[1]);
 *     g[1] = -(q[0] + 2 * q[1]);
 *     return -(q[0] * q[0] + q[0] * q[1] + q[1] * q[1]);
 *   },
 * };
 * const c = laplaceCovariance(target, new Float64Array(2))!;
 * console.assert(Math.abs(c[0] - 2 / 3) < 1e-9 && Math.abs(c[1] + 1 / 3) < 1e-9);
 * ```
 */
export function laplaceCovariance(
  target: LogDensity,
  mode: Float64Array,
  relativeStep = 1e-4,
): Float64Array | null {
  const d = target.dim;
  const negH = negativeHessian(target, mode, relativeStep);
  if (!negH.every(Number.isFinite)) return null;
  const L = choleskyLower(negH, d);
  if (typeof L === "number") return null;
  // Column c of (−H)⁻¹: solve L y = e_c, then Lᵀ x = y.
  const out = new Float64Array(d * d);
  const y = new Float64Array(d);
  for (let c = 0; c < d; c++) {
    for (let i = 0; i < d; i++) {
      let t = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) t -= L[i * d + k] * y[k];
      y[i] = t / L[i * d + i];
    }
    for (let i = d - 1; i >= 0; i--) {
      let t = y[i];
      for (let k = i + 1; k < d; k++) t -= L[k * d + i] * out[k * d + c];
      out[i * d + c] = t / L[i * d + i];
    }
  }
  // Exactly symmetric: the lower triangle mirrored (the solves agree with it to rounding).
  for (let i = 0; i < d; i++) for (let c = i + 1; c < d; c++) out[i * d + c] = out[c * d + i];
  return out;
}

/**
 * Minus the Hessian of the log density at `mode` (d × d, row-major), column i from central
 * differences of the gradient with step `relativeStep`·max(1, |mode_i|), symmetrised (2·d
 * gradients). Entries are not finite where a gradient was not.
 *
 * @example
 * ```ts
 * import { negativeHessian } from "./laplace_metric.ts";
 * const target = { dim: 1, logDensityGradient: (q: Float64Array, g: Float64Array) => { g[0] = -3 * q[0]; return -1.5 * q[0] * q[0]; } };
 * console.assert(Math.abs(negativeHessian(target, new Float64Array(1), 1e-4)[0] - 3) < 1e-9);
 * ```
 */
export function negativeHessian(
  target: LogDensity,
  mode: Float64Array,
  relativeStep: number,
): Float64Array {
  const d = target.dim;
  const negH = new Float64Array(d * d);
  const point = Float64Array.from(mode);
  const gPlus = new Float64Array(d);
  const gMinus = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    const h = relativeStep * Math.max(1, Math.abs(mode[i]));
    point[i] = mode[i] + h;
    const a = target.logDensityGradient(point, gPlus);
    point[i] = mode[i] - h;
    const b = target.logDensityGradient(point, gMinus);
    point[i] = mode[i];
    if (!Number.isFinite(a) || !Number.isFinite(b)) gPlus.fill(NaN);
    for (let j = 0; j < d; j++) negH[j * d + i] = -(gPlus[j] - gMinus[j]) / (2 * h);
  }
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) {
      negH[i * d + j] = negH[j * d + i] = 0.5 * (negH[i * d + j] + negH[j * d + i]);
    }
  }
  return negH;
}
