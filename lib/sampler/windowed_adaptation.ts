/**
 * Stan's windowed warmup: a fast initial buffer (step size only), a series of doubling slow
 * windows in which the metric is estimated from the draws (Welford variance or covariance,
 * regularised toward 1e-3·I), and a terminal fast buffer (step size only). After each slow window
 * the metric is replaced, the step size re-found with Stan's heuristic and dual averaging
 * restarted with μ = log(10 ε).
 *
 * Schedule (Stan's windowed_adaptation): defaults init buffer 75, term buffer 50, base window 25.
 * When init + base + term > warmup (warmup < 150 by default) the stages shrink to
 * 15% / 75% / 10% of warmup (init = ⌊0.15 w⌋, term = ⌊0.1 w⌋, base = the rest: one slow window).
 * With warmup < 20 the metric is not adapted at all (step size still is). Each slow window is
 * twice the previous; a window whose successor would not fit is stretched to the end of the slow
 * phase.
 *
 * An informed start (a Laplace metric: `anchorDraws` > 0) is kept as a prior on the metric: every
 * slow window but the last estimates (n·S + n₀·M₀)/(n + n₀), M₀ the start's (co)variance counted
 * as n₀ = `anchorDraws` draws (PyMC's diagonal adaptation weighs its initial guess the same way),
 * instead of replacing it with an estimate from 25, 50, 100 draws. The last window's estimate,
 * the metric sampling uses, is Stan's.
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import { denseMetric, diagMetric, type Metric, unitMetric } from "./metric.ts";
import {
  dualAveragingFinal,
  dualAveragingInit,
  type DualAveragingState,
  dualAveragingUpdate,
} from "./step_size.ts";

/**
 * How many draws a Laplace start's metric counts as in the windows before the last
 * ({@link windowAdaptationInit}'s `anchorDraws`), for chains with a dense metric (the chain
 * runner). The crossed four-term Bernoulli benchmark (dense metric, Laplace diagonal start, seeds
 * 1–5, 4 × 1000 warmup iterations) took 83–89k warmup leapfrog steps with Stan's windows and
 * 72–75k with 100 (70–72k with 200), with the same sampling cost and ESS. Not with a diagonal
 * metric: on a negative binomial `(1 + treat | g)` model with sampled varying effects the Laplace
 * variances were up to 10× off, and the anchor gave divergences in 7 fits of 20 (Stan's windows: 1)
 * and 10% less ESS (bench/README.md, "Anchored windows").
 */
export const LAPLACE_ANCHOR_DRAWS = 100;

/** Stan's default buffer and window sizes. */
export const DEFAULT_WINDOWS = { initBuffer: 75, termBuffer: 50, baseWindow: 25 } as const;

/**
 * Fewest draws per dimension from which a dense window estimates the covariances; with fewer it
 * estimates only the variances (a diagonal metric for the next window). Stan estimates them from
 * any window and regularises only toward 1e-3·I, so a first window of 25 draws in d ≥ 25
 * dimensions gives a singular S whose null directions get variance ≈ 1e-4; with n draws just
 * above d, S's smallest eigenvalues are still about (1 − √(d/n))² of the true ones
 * (Marchenko–Pastur). Where the posterior's sd in such a direction is ≈ 1, NUTS needs trees
 * many times longer to cross it, and that window's draws are too poorly mixed to repair the next
 * estimate. Measured (dense metric, 4 × 1000 warmup iterations): the crossed Bernoulli benchmark
 * (bench/crossed_defaults.ts, seeds 1–2) took 238–245k warmup leapfrog steps with Stan's rule,
 * 52–53k with 3 draws per dimension (diagonal metric: 43–46k); a 26-predictor correlated
 * logistic regression (tests/fit/metric_choice_test.ts) 54k and 48k with the same sampling tree
 * depth. Only the metric changes, never the target: sampling stays exact.
 */
export const DENSE_DRAWS_PER_DIM = 3;

/** One slow window: warmup iterations [start, end] (0-based, inclusive). */
export interface SlowWindow {
  start: number;
  end: number;
}

/** The resolved warmup schedule. */
export interface AdaptationSchedule {
  numWarmup: number;
  initBuffer: number;
  termBuffer: number;
  baseWindow: number;
  /** Metric updates happen right after iteration `end` of each window. */
  windows: SlowWindow[];
}

/**
 * Stan's warmup schedule for `numWarmup` iterations (see the module docs for the shrinking rule).
 *
 * @example
 * ```ts
 * import { adaptationSchedule } from "./windowed_adaptation.ts";
 * const s = adaptationSchedule(1000);
 * console.assert(s.windows.length === 5 && s.windows[4].end === 949);
 * ```
 */
export function adaptationSchedule(
  numWarmup: number,
  sizes: { initBuffer: number; termBuffer: number; baseWindow: number } = DEFAULT_WINDOWS,
): AdaptationSchedule {
  if (numWarmup < 20) {
    return { numWarmup, initBuffer: numWarmup, termBuffer: 0, baseWindow: 0, windows: [] };
  }
  let { initBuffer, termBuffer, baseWindow } = sizes;
  if (initBuffer + baseWindow + termBuffer > numWarmup) {
    initBuffer = Math.floor(0.15 * numWarmup);
    termBuffer = Math.floor(0.1 * numWarmup);
    baseWindow = numWarmup - (initBuffer + termBuffer);
  }
  const lastEnd = numWarmup - termBuffer - 1;
  const windows: SlowWindow[] = [];
  let size = baseWindow;
  let nextEnd = initBuffer + size - 1;
  let start = initBuffer;
  for (let i = 0; i < numWarmup; i++) {
    if (i !== nextEnd) continue;
    windows.push({ start, end: i });
    start = i + 1;
    if (nextEnd === lastEnd) break;
    size *= 2;
    nextEnd = i + size;
    if (nextEnd !== lastEnd && nextEnd + 2 * size >= numWarmup - termBuffer) nextEnd = lastEnd;
  }
  return { numWarmup, initBuffer, termBuffer, baseWindow, windows };
}

/** Welford running mean and (co)variance of positions. */
export class WelfordEstimator {
  readonly dim: number;
  readonly dense: boolean;
  n = 0;
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;
  private readonly delta: Float64Array;

  constructor(dim: number, dense: boolean) {
    this.dim = dim;
    this.dense = dense;
    this.mean = new Float64Array(dim);
    this.m2 = new Float64Array(dense ? dim * dim : dim);
    this.delta = new Float64Array(dim);
  }

  /** Forgets all samples. */
  restart(): void {
    this.n = 0;
    this.mean.fill(0);
    this.m2.fill(0);
  }

  /** Adds one position. */
  add(x: Float64Array): void {
    const d = this.dim;
    this.n++;
    for (let i = 0; i < d; i++) {
      const delta = x[i] - this.mean[i];
      this.delta[i] = delta;
      this.mean[i] += delta / this.n;
    }
    if (this.dense) {
      for (let i = 0; i < d; i++) {
        const ri = x[i] - this.mean[i];
        for (let j = 0; j < d; j++) this.m2[i * d + j] += ri * this.delta[j];
      }
    } else {
      for (let i = 0; i < d; i++) this.m2[i] += (x[i] - this.mean[i]) * this.delta[i];
    }
  }

  /**
   * Stan's regularised estimate (n/(n+5))·S + 1e-3·(5/(n+5))·I, S the sample (co)variance with
   * denominator n − 1 (diagonal entries only when not dense; exactly symmetric when dense). A
   * dense estimate from fewer than {@link DENSE_DRAWS_PER_DIM}·dim draws takes its variances from
   * S and its correlations from `current` (the metric in use, d × d; none given or a diagonal one:
   * no covariances), so that a dense start (a Laplace covariance) keeps its correlations until a
   * window has draws enough to estimate them. With `anchor`, that estimate is averaged with the
   * anchor's (co)variance ({@link Anchor}) before the correlations are taken.
   */
  regularized(current?: Float64Array, anchor?: Anchor): Float64Array {
    const n = this.n;
    const d = this.dim;
    const out = new Float64Array(this.m2.length);
    const w = n / (n + 5);
    const shrink = 1e-3 * (5 / (n + 5));
    for (let k = 0; k < out.length; k++) out[k] = n > 1 ? w * (this.m2[k] / (n - 1)) : 0;
    if (anchor) this.blend(out, shrink, anchor);
    else for (let i = 0; i < d; i++) out[this.dense ? i * d + i : i] += shrink;
    if (this.dense) {
      // With draws enough, S's covariances: the Welford update is symmetric only up to rounding,
      // so the two triangles are averaged. Too few: see below.
      const covariances = n >= DENSE_DRAWS_PER_DIM * d;
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < i; j++) {
          // Too few draws: the current metric's correlations, with this window's variances.
          const s = covariances
            ? 0.5 * (out[i * d + j] + out[j * d + i])
            : current !== undefined
            ? current[i * d + j] / Math.sqrt(current[i * d + i] * current[j * d + j]) *
              Math.sqrt(out[i * d + i] * out[j * d + j])
            : 0;
          out[i * d + j] = s;
          out[j * d + i] = s;
        }
      }
    }
    for (let k = 0; k < out.length; k++) {
      if (!Number.isFinite(out[k])) {
        throw new HetfxError(
          "Cannot adapt the metric: numerical overflow in the variance estimate; the posterior " +
            "may be improper (check the priors)",
        );
      }
    }
    return out;
  }

  /**
   * Stan's estimate (S regularised: `out` holds w·S, `shrink` the 1e-3 weight) averaged with the
   * anchor's (co)variance as (n·E + n₀·M₀)/(n + n₀), in place. A diagonal anchor of a dense
   * estimate is a diagonal matrix: the covariances shrink by n/(n + n₀).
   */
  private blend(out: Float64Array, shrink: number, anchor: Anchor): void {
    const d = this.dim;
    const n = this.n;
    const n0 = anchor.draws;
    const m0 = anchor.inverse;
    const keep = n / (n + n0);
    const add = n0 / (n + n0);
    for (let k = 0; k < out.length; k++) out[k] *= keep;
    for (let i = 0; i < d; i++) {
      const ii = this.dense ? i * d + i : i;
      out[ii] += keep * shrink + add * (m0.length === d ? m0[i] : m0[i * d + i]);
    }
    if (!this.dense || m0.length === d) return;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) if (i !== j) out[i * d + j] += add * m0[i * d + j];
    }
  }
}

/** A start metric kept as a prior in the slow windows: its inverse, counted as `draws` draws. */
export interface Anchor {
  readonly inverse: Float64Array;
  readonly draws: number;
}

/** Warmup state wrapped around the NUTS kernel. */
export interface WindowAdaptationState {
  /** Warmup iterations completed. */
  readonly iteration: number;
  readonly schedule: AdaptationSchedule;
  readonly dualAveraging: DualAveragingState;
  /** Metric to use for the next transition. */
  readonly metric: Metric;
  /** Step size to use for the next transition. */
  readonly stepSize: number;
  /** Running estimator for the current slow window (updated in place; owned by this state). */
  readonly estimator: WelfordEstimator;
  /** The start metric kept as a prior in the slow windows before the last, or null. */
  readonly anchor: Anchor | null;
}

/**
 * Starts warmup with `initialMetric` (the unit metric by default). Like Stan, dual averaging's
 * μ = log(10 ε_nominal) uses the nominal initial step size (1 by default), while the first
 * transition uses `stepSize` (the result of findReasonableStepSize). With `anchorDraws` > 0 the
 * initial metric is kept as a prior in every slow window but the last (see the module doc): pass
 * it only for an informed start, such as a Laplace metric.
 *
 * @example
 * ```ts
 * import { windowAdaptationInit } from "./windowed_adaptation.ts";
 * const s = windowAdaptationInit(2, "diag", 1000, 0.5);
 * console.assert(s.stepSize === 0.5 && s.metric.kind === "diag");
 * ```
 */
export function windowAdaptationInit(
  dim: number,
  kind: "diag" | "dense",
  numWarmup: number,
  stepSize: number,
  nominalStepSize: number = 1,
  initialMetric: Metric = unitMetric(dim, kind),
  anchorDraws: number = 0,
): WindowAdaptationState {
  return {
    iteration: 0,
    schedule: adaptationSchedule(numWarmup),
    dualAveraging: { ...dualAveragingInit(nominalStepSize), stepSize },
    metric: initialMetric,
    stepSize,
    estimator: new WelfordEstimator(dim, kind === "dense"),
    anchor: anchorDraws > 0 ? { inverse: initialMetric.inverse.slice(), draws: anchorDraws } : null,
  };
}

/**
 * Learns from one warmup transition (Stan's adapt_*_e_nuts order): dual averaging on the
 * acceptance statistic; the position joins the metric estimate inside a slow window; at a
 * window's end the metric is replaced, `refindStepSize(stepSize, metric)` re-runs the step-size
 * heuristic from the current position, and dual averaging restarts with μ = log(10 ε).
 *
 * @example
 * ```ts
 * import { windowAdaptationInit, windowAdaptationUpdate } from "./windowed_adaptation.ts";
 * let s = windowAdaptationInit(1, "diag", 100, 1);
 * s = windowAdaptationUpdate(s, new Float64Array([0.3]), 0.9, 0.8, (e) => e);
 * console.assert(s.iteration === 1);
 * ```
 */
export function windowAdaptationUpdate(
  state: WindowAdaptationState,
  position: Float64Array,
  acceptStat: number,
  targetAccept: number,
  refindStepSize: (stepSize: number, metric: Metric) => number,
): WindowAdaptationState {
  const i = state.iteration;
  const { schedule, estimator } = state;
  let dualAveraging = dualAveragingUpdate(state.dualAveraging, acceptStat, targetAccept);
  let stepSize = dualAveraging.stepSize;
  let metric = state.metric;
  const inSlowPhase = i >= schedule.initBuffer &&
    i < schedule.numWarmup - schedule.termBuffer && schedule.windows.length > 0;
  if (inSlowPhase) estimator.add(position);
  if (schedule.windows.some((w) => w.end === i)) {
    const last = i === schedule.windows[schedule.windows.length - 1].end;
    const estimate = estimator.regularized(
      metric.kind === "dense" ? metric.inverse : undefined,
      last ? undefined : state.anchor ?? undefined,
    );
    metric = metric.kind === "diag" ? diagMetric(estimate) : denseMetric(estimate, estimator.dim);
    estimator.restart();
    stepSize = refindStepSize(stepSize, metric);
    dualAveraging = dualAveragingInit(stepSize);
  }
  return {
    iteration: i + 1,
    schedule,
    dualAveraging,
    metric,
    stepSize,
    estimator,
    anchor: state.anchor,
  };
}

/**
 * The tuned step size (exp of the averaged log step size) and metric for sampling.
 *
 * @example
 * ```ts
 * import { windowAdaptationFinal, windowAdaptationInit } from "./windowed_adaptation.ts";
 * console.assert(windowAdaptationFinal(windowAdaptationInit(1, "diag", 0, 0.7)).stepSize === 0.7);
 * ```
 */
export function windowAdaptationFinal(
  state: WindowAdaptationState,
): { stepSize: number; metric: Metric } {
  const stepSize = state.dualAveraging.counter > 0
    ? dualAveragingFinal(state.dualAveraging)
    : state.stepSize;
  return { stepSize, metric: state.metric };
}
