/**
 * Step-size tuning as in Stan: Nesterov dual averaging of log ε toward a target mean acceptance
 * statistic (Hoffman & Gelman 2014, Stan's stepsize_adaptation), and Stan's `init_stepsize`
 * doubling/halving heuristic for a reasonable starting step size.
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import { type LogDensity, usablePoint } from "./log_density.ts";
import { kineticEnergy, leapfrog } from "./leapfrog.ts";
import { type Metric, sampleMomentum, velocity } from "./metric.ts";
import type { KeyedStream } from "../math/rng.ts";
import type { NutsState } from "./nuts.ts";

/** Dual-averaging constants (Stan's defaults). */
export interface DualAveragingParams {
  gamma: number;
  t0: number;
  kappa: number;
}

export const DEFAULT_DUAL_AVERAGING: DualAveragingParams = { gamma: 0.05, t0: 10, kappa: 0.75 };

/** Dual-averaging state; `stepSize` is the step to use next, `finalStepSize()` the averaged one. */
export interface DualAveragingState {
  readonly counter: number;
  readonly sBar: number;
  readonly xBar: number;
  /** Shrinkage target for log ε. */
  readonly mu: number;
  readonly stepSize: number;
}

/**
 * Starts (or restarts) dual averaging with μ = log(10 ε0); `stepSize` starts at ε0.
 *
 * @example
 * ```ts
 * import { dualAveragingInit } from "./step_size.ts";
 * console.assert(dualAveragingInit(1).mu === Math.log(10));
 * ```
 */
export function dualAveragingInit(stepSize0: number): DualAveragingState {
  return { counter: 0, sBar: 0, xBar: 0, mu: Math.log(10 * stepSize0), stepSize: stepSize0 };
}

/**
 * One dual-averaging update with the transition's acceptance statistic (clipped at 1):
 * η = 1/(t + t0), s̄ ← (1−η)s̄ + η(δ − α), x = μ − s̄√t/γ, x̄ ← (1 − t^−κ)x̄ + t^−κ x, ε = eˣ.
 *
 * @example
 * ```ts
 * import { dualAveragingInit, dualAveragingUpdate } from "./step_size.ts";
 * const s = dualAveragingUpdate(dualAveragingInit(1), 0.2, 0.8);
 * console.assert(s.stepSize < 10);
 * ```
 */
export function dualAveragingUpdate(
  state: DualAveragingState,
  acceptStat: number,
  targetAccept: number,
  params: DualAveragingParams = DEFAULT_DUAL_AVERAGING,
): DualAveragingState {
  const counter = state.counter + 1;
  const alpha = acceptStat > 1 ? 1 : acceptStat;
  const eta = 1 / (counter + params.t0);
  const sBar = (1 - eta) * state.sBar + eta * (targetAccept - alpha);
  const x = state.mu - (sBar * Math.sqrt(counter)) / params.gamma;
  const xEta = Math.pow(counter, -params.kappa);
  const xBar = (1 - xEta) * state.xBar + xEta * x;
  return { counter, sBar, xBar, mu: state.mu, stepSize: Math.exp(x) };
}

/**
 * The adapted step size exp(x̄) used after warmup.
 *
 * @example
 * ```ts
 * import { dualAveragingFinal, dualAveragingInit, dualAveragingUpdate } from "./step_size.ts";
 * console.assert(dualAveragingFinal(dualAveragingUpdate(dualAveragingInit(1), 0.9, 0.8)) > 0);
 * ```
 */
export function dualAveragingFinal(state: DualAveragingState): number {
  return Math.exp(state.xBar);
}

/** Scratch arrays for {@link findReasonableStepSize} (length dim each). */
export interface StepSizeScratch {
  q: Float64Array;
  p: Float64Array;
  g: Float64Array;
  pSharp: Float64Array;
}

/**
 * Allocates scratch for {@link findReasonableStepSize}.
 *
 * @example
 * ```ts
 * import { createStepSizeScratch } from "./step_size.ts";
 * console.assert(createStepSizeScratch(2).q.length === 2);
 * ```
 */
export function createStepSizeScratch(dim: number): StepSizeScratch {
  return {
    q: new Float64Array(dim),
    p: new Float64Array(dim),
    g: new Float64Array(dim),
    pSharp: new Float64Array(dim),
  };
}

function energyChange(
  target: LogDensity,
  state: NutsState,
  stepSize: number,
  metric: Metric,
  rng: KeyedStream,
  s: StepSizeScratch,
): number {
  s.q.set(state.position);
  s.g.set(state.gradient);
  sampleMomentum(metric, rng, s.p);
  const h0 = -state.logDensity + kineticEnergy(s.p, velocity(metric, s.p, s.pSharp));
  const logp = leapfrog(target, s.q, s.p, s.g, stepSize, metric, s.pSharp);
  let h = -logp + kineticEnergy(s.p, velocity(metric, s.p, s.pSharp));
  if (Number.isNaN(h)) h = Infinity;
  return h0 - h;
}

/**
 * Stan's init_stepsize: from `stepSize`, take one leapfrog step with a fresh momentum; if the
 * acceptance exp(ΔH) is above 0.8 keep doubling, otherwise keep halving, until it crosses 0.8.
 * Returns `stepSize` unchanged when it is 0, NaN or above 1e7. Throws HetfxError when the step
 * size runs off to 1e7 (improper posterior) or 0, or when `state`'s log density or gradient is
 * not finite.
 *
 * @example
 * ```ts
 * import { findReasonableStepSize } from "./step_size.ts";
 * import { unitMetric } from "./metric.ts";
 * import { KeyedStream } from "../math/rng.ts";
 * const target = { dim: 1, logDensityGradient: (q: Float64Array, g: Float64Array) => { g[0] = -q[0]; return -0.5 * q[0] * q[0]; } };
 * const state = { position: new Float64Array([0]), logDensity: 0, gradient: new Float64Array([0]) };
 * const eps = findReasonableStepSize(target, state, 1, unitMetric(1, "diag"), new KeyedStream(1, 0, 0, 2));
 * console.assert(eps > 0);
 * ```
 */
export function findReasonableStepSize(
  target: LogDensity,
  state: NutsState,
  stepSize: number,
  metric: Metric,
  rng: KeyedStream,
  scratch: StepSizeScratch = createStepSizeScratch(target.dim),
): number {
  let eps = stepSize;
  if (eps === 0 || eps > 1e7 || Number.isNaN(eps)) return eps;
  // From a point with a non-finite gradient every leapfrog step is NaN, and halving would run
  // the step size down to 0: say what is wrong instead.
  if (!usablePoint(state.logDensity, state.gradient)) {
    throw new HetfxError(
      "Cannot tune the step size: the log density or its gradient is not finite at the chain's " +
        "current point; the log density may overflow there or its gradient be wrong",
    );
  }
  const log08 = Math.log(0.8);
  const direction = energyChange(target, state, eps, metric, rng, scratch) > log08 ? 1 : -1;
  for (;;) {
    const deltaH = energyChange(target, state, eps, metric, rng, scratch);
    if (direction === 1 && !(deltaH > log08)) break;
    if (direction === -1 && !(deltaH < log08)) break;
    eps = direction === 1 ? 2 * eps : 0.5 * eps;
    if (eps > 1e7) {
      throw new HetfxError(
        "Cannot tune the step size: it grew past 1e7, so the posterior is probably improper; " +
          "check the priors",
      );
    }
    if (eps === 0) {
      throw new HetfxError(
        "Cannot tune the step size: no acceptably small step size exists; the log density " +
          "may be discontinuous or its gradient wrong",
      );
    }
  }
  return eps;
}
