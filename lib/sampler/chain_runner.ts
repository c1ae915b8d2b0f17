/**
 * One chain from start to finish: initial point, Stan-style windowed warmup around the NUTS
 * kernel, then the kept draws. Used by {@link CpuBackend} and by the worker pool, so a chain's
 * draws do not depend on where it runs. All randomness is keyed by (seed, chain, iteration,
 * stream) — see rng.ts for the stream ids.
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import { allocateChainDraws, type ChainDraws, type SamplerTarget } from "./backend.ts";
import { SamplingCancelled, truncateChain } from "./cancellation.ts";
import { laplaceCovariance, laplaceStart } from "./laplace_metric.ts";
import { usablePoint } from "./log_density.ts";
import { denseMetric, diagMetric, type Metric, unitMetric } from "./metric.ts";
import { createNutsWorkspace, type NutsState, nutsStep } from "./nuts.ts";
import { createWasmNutsWorkspace } from "./nuts_wasm.ts";
import { KeyedStream, Streams } from "../math/rng.ts";
import type { ChainOptions } from "./sample_options.ts";
import { createStepSizeScratch, findReasonableStepSize } from "./step_size.ts";
import {
  LAPLACE_ANCHOR_DRAWS,
  windowAdaptationFinal,
  windowAdaptationInit,
  windowAdaptationUpdate,
} from "./windowed_adaptation.ts";

/** Iterations between progress reports. */
export const PROGRESS_EVERY = 50;
/** Iterations between yields to the event loop (so an abort is seen)… */
export const YIELD_EVERY = 100;
/**
 * …or milliseconds, whichever comes first: a chain on the main thread (parallel.ts runs chains
 * there too) then leaves the event loop free often enough for workers' messages, progress
 * displays and aborts, however slow an iteration.
 */
export const YIELD_MS = 25;
/** Initial-point attempts before giving up. */
export const MAX_INIT_TRIES = 100;

/** Callbacks of a running chain. */
export interface ChainHooks {
  /**
   * Called every {@link PROGRESS_EVERY} iterations and at the end of the chain with the number of
   * iterations since the previous call, the new post-warmup divergences among them, and the phase
   * the chain is in.
   */
  onIterations?: (count: number, divergences: number, phase: "warmup" | "sampling") => void;
  signal?: AbortSignal;
}

/** The abort error, carrying this chain's draws kept so far (its first `done - warmup`). */
function cancelled(out?: ChainDraws, done = 0, warmup = 0): SamplingCancelled {
  return new SamplingCancelled(out ? [truncateChain(out, Math.max(0, done - warmup))] : null);
}

/**
 * Let queued events (an abort, a worker's cancel message) run: a MessageChannel round trip, a
 * macrotask like setTimeout(0) but without its timer clamp (~0.1 ms against ~2.3 ms here; a
 * 2,000-iteration chain yields at least 20 times).
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
    channel.port2.close();
  });
}

/**
 * A finite initial point: `target.initialPoint` or uniform(−2, 2), from the chain's init stream
 * (iteration = try number), retried up to 100 times.
 *
 * @example
 * ```ts
 * import { findInitialPoint } from "./chain_runner.ts";
 * const target = { dim: 2, logDensityGradient: (q: Float64Array, g: Float64Array) => { g.set(q.map((x) => -x)); return -0.5 * (q[0] ** 2 + q[1] ** 2); } };
 * const s = findInitialPoint(target, 1, 0);
 * console.assert(Math.abs(s.position[0]) < 2);
 * ```
 */
export function findInitialPoint(target: SamplerTarget, seed: number, chain: number): NutsState {
  const dim = target.dim;
  const rng = new KeyedStream(seed, chain, 0, Streams.init);
  const uniform = () => rng.uniform();
  const position = new Float64Array(dim);
  const gradient = new Float64Array(dim);
  for (let attempt = 0; attempt < MAX_INIT_TRIES; attempt++) {
    rng.reset(seed, chain, attempt, Streams.init);
    if (target.initialPoint) target.initialPoint(uniform, position);
    else for (let i = 0; i < dim; i++) position[i] = 4 * rng.uniform() - 2;
    const logDensity = target.logDensityGradient(position, gradient);
    if (usablePoint(logDensity, gradient)) {
      return { position, logDensity, gradient };
    }
  }
  throw new HetfxError(
    `could not find a finite initial point after ${MAX_INIT_TRIES} tries; check priors and data`,
  );
}

/** A diagonal inverse metric as a metric of the requested kind. */
function asMetric(inverse: Float64Array, kind: "diag" | "dense"): Metric {
  if (kind === "diag") return diagMetric(inverse);
  const dim = inverse.length;
  const full = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) full[i * dim + i] = inverse[i];
  return denseMetric(full, dim);
}

/**
 * Where warmup starts: a finite initial point ({@link findInitialPoint}), moved to the Laplace
 * approximation's mode with its inverse metric when `warmupStart` is "laplace".
 */
function warmupStart(
  target: SamplerTarget,
  chain: number,
  options: ChainOptions,
): { state: NutsState; startMetric: Metric } {
  const state = findInitialPoint(target, options.seed, chain);
  if (options.warmupStart !== "laplace") {
    return { state, startMetric: unitMetric(target.dim, options.metric) };
  }
  const start = laplaceStart(
    target,
    state,
    new KeyedStream(options.seed, chain, MAX_INIT_TRIES, Streams.init),
  );
  if (options.metric === "dense" && options.denseStart) {
    const covariance = laplaceCovariance(target, start.mode);
    if (covariance !== null) {
      try {
        return { state: start.state, startMetric: denseMetric(covariance, target.dim) };
      } catch {
        // Not positive definite in floating point: the diagonal start below.
      }
    }
  }
  return { state: start.state, startMetric: asMetric(start.inverseMetric, options.metric) };
}

/** Store kept draw `d`: the position, its log density and the sampler's statistics. */
function recordDraw(
  out: ChainDraws,
  d: number,
  state: NutsState,
  info: ReturnType<typeof nutsStep>["info"],
  stepSize: number,
): void {
  out.theta.set(state.position, d * state.position.length);
  out.logDensity[d] = state.logDensity;
  out.acceptStat[d] = info.acceptStat;
  out.stepSize[d] = stepSize;
  out.treeDepth[d] = info.treeDepth;
  out.nLeapfrog[d] = info.nLeapfrog;
  out.divergent[d] = info.divergent ? 1 : 0;
  out.energy[d] = info.energy;
}

/**
 * Runs chain `chain` of `target`: warmup with adaptation, then `options.draws` kept draws.
 * An abort of `hooks.signal` rejects with a {@link SamplingCancelled} whose `partial` holds this
 * chain's post-warmup draws completed so far (one chain, possibly 0 draws).
 *
 * @example
 * ```ts
 * import { runChain } from "./chain_runner.ts";
 * const target = { dim: 1, logDensityGradient: (q: Float64Array, g: Float64Array) => { g[0] = -q[0]; return -0.5 * q[0] * q[0]; } };
 * const draws = await runChain(target, 0, { warmup: 50, draws: 20, seed: 1, adaptDelta: 0.8, maxTreedepth: 10, metric: "diag", warmupStart: "stan" });
 * console.assert(draws.theta.length === 20);
 * ```
 */
export async function runChain(
  target: SamplerTarget,
  chain: number,
  options: ChainOptions,
  hooks: ChainHooks = {},
): Promise<ChainDraws> {
  const { warmup, draws, seed, adaptDelta, maxTreedepth } = options;
  const { signal, onIterations } = hooks;
  const dim = target.dim;
  if (signal?.aborted) throw cancelled();
  const started = performance.now();

  let { state, startMetric } = warmupStart(target, chain, options);
  // The WebAssembly transition where it can run (the same draws, no JIT warm-up), else nuts.ts's.
  const workspace = createWasmNutsWorkspace(dim, maxTreedepth, options.metric) ??
    createNutsWorkspace(dim, maxTreedepth);
  const scratch = createStepSizeScratch(dim);
  const stepRng = new KeyedStream(seed, chain, 0, Streams.stepSize);
  const nutsRng = new KeyedStream(seed, chain, 0, Streams.nuts);

  const initialStep = findReasonableStepSize(target, state, 1, startMetric, stepRng, scratch);
  // A dense metric's Laplace start is an informed one (auto picks dense where the posterior is
  // near-Gaussian or has no funnel): its short windows refine it instead of replacing it. A
  // diagonal one keeps Stan's windows: where varying effects are sampled the mode's scales can be
  // 10× off, and anchoring to them cost ESS and gave divergences (windowed_adaptation.ts).
  let adaptation = windowAdaptationInit(
    dim,
    options.metric,
    warmup,
    initialStep,
    1,
    startMetric,
    options.warmupStart === "laplace" && options.metric === "dense" ? LAPLACE_ANCHOR_DRAWS : 0,
  );
  let { stepSize, metric } = warmup > 0
    ? { stepSize: adaptation.stepSize, metric: adaptation.metric }
    : windowAdaptationFinal(adaptation);

  const out: ChainDraws = allocateChainDraws(draws, dim, stepSize, metric.inverse);
  out.startSeconds = (performance.now() - started) / 1000;
  let warmupEnded = performance.now();
  if (warmup === 0) out.warmupSeconds = (warmupEnded - started) / 1000;

  let sinceReport = 0;
  let divergencesSinceReport = 0;
  let lastYield = performance.now();
  const total = warmup + draws;
  for (let it = 0; it < total; it++) {
    if (signal?.aborted) throw cancelled(out, it, warmup);
    nutsRng.reset(seed, chain, it, Streams.nuts);
    const result = nutsStep(target, state, { stepSize, metric, maxTreedepth }, nutsRng, workspace);
    state = result.state;
    const info = result.info;
    if (it < warmup) {
      if (info.divergent) out.warmupDivergences++;
      out.warmupLeapfrog = (out.warmupLeapfrog ?? 0) + info.nLeapfrog;
      const current = state;
      adaptation = windowAdaptationUpdate(
        adaptation,
        state.position,
        info.acceptStat,
        adaptDelta,
        (eps, m) =>
          findReasonableStepSize(
            target,
            current,
            eps,
            m,
            stepRng.reset(seed, chain, it, Streams.stepSize),
            scratch,
          ),
      );
      stepSize = adaptation.stepSize;
      metric = adaptation.metric;
      if (it === warmup - 1) {
        ({ stepSize, metric } = windowAdaptationFinal(adaptation));
        out.adaptedStepSize = stepSize;
        out.inverseMetric = metric.inverse.slice();
        warmupEnded = performance.now();
        out.warmupSeconds = (warmupEnded - started) / 1000;
      }
    } else {
      recordDraw(out, it - warmup, state, info, stepSize);
      if (info.divergent) divergencesSinceReport++;
    }
    sinceReport++;
    const done = it + 1;
    if (onIterations && (done % PROGRESS_EVERY === 0 || done === total)) {
      onIterations(sinceReport, divergencesSinceReport, done <= warmup ? "warmup" : "sampling");
      sinceReport = 0;
      divergencesSinceReport = 0;
    }
    if (done % YIELD_EVERY === 0 || performance.now() - lastYield > YIELD_MS) {
      await yieldToEventLoop();
      lastYield = performance.now();
      if (signal?.aborted) throw cancelled(out, done, warmup);
    }
  }
  out.samplingSeconds = (performance.now() - warmupEnded) / 1000;
  return out;
}
