/**
 * The one Backend interface every sampler implements. The CPU backend (NUTS) is the reference;
 * faster backends are tested against it.
 */
import type { LogDensity } from "./log_density.ts";

/** How warmup starts (see SampleSettings.warmupStart). */
export type WarmupStart = "stan" | "laplace";

/**
 * The settings of a run, without the callbacks; what `fit.info.options` records. Checked by
 * checkSampleSettings (sample_options.ts).
 */
export interface SampleSettings {
  chains: number;
  warmup: number;
  draws: number;
  seed: number;
  /** Target acceptance statistic for step-size adaptation, in (0, 1). */
  adaptDelta: number;
  /** NUTS maximum tree depth. */
  maxTreedepth: number;
  /** "diag" or "dense" mass matrix adaptation. */
  metric: "diag" | "dense";
  /**
   * How warmup starts: "stan" — at the initial point (uniform(−2, 2) unless the target says
   * otherwise) with a unit metric, as Stan; or "laplace" — climb from the initial point to near
   * the mode with L-BFGS, start at a draw from the diagonal Laplace approximation there, with its
   * inverse Hessian diagonal as the first metric (see laplace_metric.ts; the WebGPU backend's
   * version is lib/webgpu/laplace_start.ts). Stan's windows adapt the metric from the draws
   * either way. No backend defaults it: `fit()`'s default is in lib/fit/options.ts.
   */
  warmupStart: WarmupStart;
}

/** Options shared by every backend: the settings and the callbacks. */
export interface SampleOptions extends SampleSettings {
  /** Called now and then with progress; must be cheap. */
  onProgress?: (progress: SampleProgress) => void;
  /**
   * Aborting stops sampling promptly with a HetfxError (`SamplingCancelled` of cancellation.ts, message
   * "sampling cancelled").
   */
  signal?: AbortSignal;
  /**
   * On abort, attach the post-warmup draws completed so far to the SamplingCancelled error
   * (`partial`: every chain truncated to the same number of kept draws). CPU backend and worker
   * pool only; the WebGPU backend ignores it and throws without draws. Default false.
   */
  keepPartial?: boolean;
  /**
   * With metric "dense" and warmupStart "laplace" (CPU): the first metric is the Laplace
   * approximation's full covariance at the mode, not its diagonal, so warmup starts with the
   * posterior's correlations; for targets whose mode describes the posterior (no varying effects
   * sampled: `fit()` sets it where its pilot chose the dense metric). Default false.
   */
  denseStart?: boolean;
}

export interface SampleProgress {
  /** Iterations done, summed over chains (warmup + sampling). */
  done: number;
  /** Iterations to do, summed over chains. */
  total: number;
  divergences: number;
  phase: "warmup" | "sampling";
}

/** Raw draws of the unconstrained parameters and the sampler's per-iteration statistics. */
export interface ChainDraws {
  /** draws × dim, row-major: draw d's parameters at [d * dim, (d + 1) * dim). */
  theta: Float64Array;
  /** Per kept draw. */
  logDensity: Float64Array;
  acceptStat: Float64Array;
  stepSize: Float64Array;
  treeDepth: Int32Array;
  nLeapfrog: Int32Array;
  divergent: Uint8Array;
  /** Energy (Hamiltonian) per kept draw, for E-BFMI. */
  energy: Float64Array;
  /** Divergences during warmup (not counted in diagnostics, reported). */
  warmupDivergences: number;
  /**
   * Leapfrog steps (gradient evaluations) of the warmup's NUTS transitions, the Laplace start and
   * step-size searches not counted; absent where a backend does not count them.
   */
  warmupLeapfrog?: number;
  /**
   * Wall seconds this chain spent in warmup (initial point, Laplace start, step-size searches and
   * the adapting transitions) and in its kept transitions, timed inside the chain (its worker),
   * so chains waiting for each other do not count; absent where a backend does not time them.
   */
  warmupSeconds?: number;
  samplingSeconds?: number;
  /** The part of warmupSeconds before the first transition (initial point, Laplace start). */
  startSeconds?: number;
  /** Adapted step size and inverse metric (diagonal, or dense row-major dim × dim). */
  adaptedStepSize: number;
  inverseMetric: Float64Array;
}

/** A model the backends can run: a log density plus a way to draw initial values. */
export interface SamplerTarget extends LogDensity {
  /** Fill `theta` with an initial point; default is uniform(-2, 2) like Stan. */
  initialPoint?(uniform: () => number, theta: Float64Array): void;
  /**
   * Where the Laplace start's climb to the mode begins, given a chain's initial point (default:
   * the point itself). A hierarchical model starts it with its varying effects at their prior
   * mean: from uniform(−2, 2) effects the climb explains their noise away by driving the group
   * sds to ~0 (log sd ≈ −100), a plateau where it stalls.
   */
  climbStart?(initial: Float64Array): Float64Array;
  /**
   * After the Laplace start's climb: a better starting point than the climbed `mode`, and the
   * diagonal inverse metric of the coordinates the target can set itself (NaN for the others,
   * which the start takes from finite differences of the gradient); null to keep the mode.
   * CompiledModel: empirical-Bayes sds and effects of non-centred terms
   * (lib/model/empirical_bayes_start.ts).
   */
  refineStart?(mode: Float64Array): { position: Float64Array; inverseMetric: Float64Array } | null;
  /**
   * Coordinates the climb holds at their climbStart values (1 = held), because refineStart sets
   * them afterwards. CompiledModel: the sds, correlations and effects of the terms its
   * empirical-Bayes start covers, so that the climb fits the coefficients with those effects at
   * 0 in a few dozen gradients instead of hundreds.
   */
  climbFixed?(): Uint8Array | undefined;
}

/**
 * A sampler. `T` is what it needs of the model, as a type: the CPU backend runs any
 * SamplerTarget; the WebGPU backend needs the compiled model's data too (lib/webgpu/).
 */
export interface Backend<T extends SamplerTarget = SamplerTarget> {
  readonly name: "cpu" | "webgpu";
  sample(target: T, options: SampleOptions): Promise<ChainDraws[]>;
}

/**
 * Zero-filled ChainDraws for `draws` kept draws of a `dim`-dimensional target, with the adapted
 * step size (also filled into the per-draw step sizes) and inverse metric.
 *
 * @example
 * ```ts
 * import { allocateChainDraws } from "./backend.ts";
 * const c = allocateChainDraws(10, 3, 0.5, new Float64Array([1, 1, 1]));
 * console.assert(c.theta.length === 30 && c.stepSize[9] === 0.5);
 * ```
 */
export function allocateChainDraws(
  draws: number,
  dim: number,
  stepSize: number,
  inverseMetric: Float64Array,
): ChainDraws {
  return {
    theta: new Float64Array(draws * dim),
    logDensity: new Float64Array(draws),
    acceptStat: new Float64Array(draws),
    stepSize: new Float64Array(draws).fill(stepSize),
    treeDepth: new Int32Array(draws),
    nLeapfrog: new Int32Array(draws),
    divergent: new Uint8Array(draws),
    energy: new Float64Array(draws),
    warmupDivergences: 0,
    warmupLeapfrog: 0,
    adaptedStepSize: stepSize,
    inverseMetric: inverseMetric.slice(),
  };
}
