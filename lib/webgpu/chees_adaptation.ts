/**
 * ChEES trajectory-length adaptation (Hoffman, Radul & Sountsov 2021, "An adaptive MCMC scheme
 * for setting trajectory lengths in Hamiltonian Monte Carlo", AISTATS): pure state updates.
 *
 * Each iteration uses the jittered length t_n = h_n · T with h_n from the van der Corput (Halton
 * base 2) sequence. Per chain m the gradient of the ChEES criterion
 * ¼ E[(‖θ' − E θ'‖² − ‖θ − E θ‖²)²] with respect to log T is estimated by
 * ĝ_m = t_n (‖θ'_m − θ̄'‖² − ‖θ_m − θ̄‖²)((θ'_m − θ̄')·p'_m) (computed on the GPU), and the
 * acceptance-weighted mean ĝ = Σ α_m ĝ_m / Σ α_m drives Adam on log T (β1 = 0, β2 = 0.95, as in
 * TensorFlow Probability's implementation). The value used after warmup is the Polyak average
 * of log T with weights t^−κ (κ = 0.75). When the metric changes, the average and Adam's
 * moments restart (cheesRestartAfterMetricChange).
 *
 * @module
 */

/** Adam and averaging constants. */
export interface CheesParams {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  averagingKappa: number;
}

export const DEFAULT_CHEES: CheesParams = {
  learningRate: 0.05,
  beta1: 0,
  beta2: 0.95,
  epsilon: 1e-8,
  averagingKappa: 0.75,
};

/** Adaptation state of the trajectory length T. */
export interface CheesState {
  readonly logT: number;
  readonly m: number;
  readonly v: number;
  readonly t: number;
  /** Averaged log T and the number of updates since the last restart. */
  readonly logTBar: number;
  readonly count: number;
}

/**
 * Starts adaptation at trajectory length `t0`.
 *
 * @example
 * ```ts
 * import { cheesInit } from "./chees_adaptation.ts";
 * console.assert(cheesInit(1).logT === 0);
 * ```
 */
export function cheesInit(t0: number): CheesState {
  const logT = Math.log(t0);
  return { logT, m: 0, v: 0, t: 0, logTBar: logT, count: 0 };
}

/**
 * One Adam step on log T from per-chain ChEES gradients and acceptance probabilities, then
 * clipping to [log minT, log maxT]. Returns the state unchanged when no chain accepted.
 *
 * @example
 * ```ts
 * import { cheesInit, cheesUpdate } from "./chees_adaptation.ts";
 * const s = cheesUpdate(cheesInit(1), [2, 2], [1, 1], 0.01, 100);
 * console.assert(s.logT > 0);
 * ```
 */
export function cheesUpdate(
  state: CheesState,
  gradients: ArrayLike<number>,
  acceptProbs: ArrayLike<number>,
  minT: number,
  maxT: number,
  params: CheesParams = DEFAULT_CHEES,
): CheesState {
  let num = 0;
  let den = 0;
  for (let i = 0; i < gradients.length; i++) {
    const a = acceptProbs[i];
    const g = gradients[i];
    if (a > 0 && Number.isFinite(g)) {
      num += a * g;
      den += a;
    }
  }
  if (!(den > 0)) return state;
  const g = num / den;
  const t = state.t + 1;
  const m = params.beta1 * state.m + (1 - params.beta1) * g;
  const v = params.beta2 * state.v + (1 - params.beta2) * g * g;
  const mHat = m / (1 - params.beta1 ** t);
  const vHat = v / (1 - params.beta2 ** t);
  let logT = state.logT + params.learningRate * mHat / (Math.sqrt(vHat) + params.epsilon);
  logT = Math.min(Math.max(logT, Math.log(minT)), Math.log(maxT));
  const count = state.count + 1;
  const w = count ** -params.averagingKappa;
  const logTBar = (1 - w) * state.logTBar + w * logT;
  return { logT, m, v, t, logTBar, count };
}

/**
 * Restarts after a metric change: the average of log T and Adam's moments; log T is kept. The
 * ChEES gradient is measured in the metric's preconditioned coordinates, so its scale changes
 * with the metric (by orders of magnitude early in warmup, when the first windows' variances are
 * far off). A squared-gradient average carried over from the previous metric then shrinks every
 * normalised step to ~0 until it decays (β2 = 0.95: a 10⁴-fold larger old gradient still
 * dominates after 100 iterations), which froze log T for whole windows.
 *
 * @example
 * ```ts
 * import { cheesInit, cheesRestartAfterMetricChange } from "./chees_adaptation.ts";
 * console.assert(cheesRestartAfterMetricChange(cheesInit(2)).count === 0);
 * ```
 */
export function cheesRestartAfterMetricChange(state: CheesState): CheesState {
  return { ...state, m: 0, v: 0, t: 0, logTBar: state.logT, count: 0 };
}

/**
 * The n-th (n ≥ 1) element of the van der Corput sequence in base 2, in (0, 1).
 *
 * @example
 * ```ts
 * import { halton } from "./chees_adaptation.ts";
 * console.assert(halton(1) === 0.5 && halton(2) === 0.25 && halton(3) === 0.75);
 * ```
 */
export function halton(n: number): number {
  let f = 1;
  let r = 0;
  let i = n;
  while (i > 0) {
    f /= 2;
    r += f * (i % 2);
    i = Math.floor(i / 2);
  }
  return r;
}

/**
 * Leapfrog steps for trajectory length t at step size ε: ⌈t/ε⌉ clipped to [1, maxSteps].
 *
 * @example
 * ```ts
 * import { leapfrogSteps } from "./chees_adaptation.ts";
 * console.assert(leapfrogSteps(1, 0.3, 100) === 4);
 * ```
 */
export function leapfrogSteps(t: number, stepSize: number, maxSteps: number): number {
  const n = Math.ceil(t / stepSize);
  return Number.isFinite(n) ? Math.min(Math.max(n, 1), maxSteps) : 1;
}

/**
 * The diagonal inverse metric from warmup-window sums of per-iteration cross-chain moments
 * (Σ mean, Σ mean², Σ variance over `iterations` iterations of `chains` chains): the law of
 * total variance, regularised toward 1e-3 like Stan with N = iterations × chains draws.
 *
 * @example
 * ```ts
 * import { windowVariance } from "./chees_adaptation.ts";
 * const v = windowVariance([0], [0], [20], 10, 100);
 * console.assert(Math.abs(v[0] - 2) < 0.01);
 * ```
 */
export function windowVariance(
  sumMean: ArrayLike<number>,
  sumMeanSq: ArrayLike<number>,
  sumVariance: ArrayLike<number>,
  iterations: number,
  chains: number,
): Float64Array {
  const out = new Float64Array(sumMean.length);
  const n = iterations * chains;
  for (let e = 0; e < out.length; e++) {
    const mean = sumMean[e] / iterations;
    const between = Math.max(0, sumMeanSq[e] / iterations - mean * mean);
    const variance = sumVariance[e] / iterations + between;
    const v = (n / (n + 5)) * variance + 1e-3 * (5 / (n + 5));
    out[e] = Number.isFinite(v) && v > 0 ? v : 1;
  }
  return out;
}
