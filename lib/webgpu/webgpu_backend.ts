/**
 * The WebGPU backend: many chains advanced in lockstep by ChEES-HMC on the GPU.
 *
 * Warmup (all chains together):
 * - initial points uniform(−2, 2) from each chain's init stream, as the CPU backend, retried per
 *   chain (try number = iteration word) until the log density and gradient are finite;
 * - step size: Stan's init_stepsize heuristic on the mean one-step acceptance across chains, then
 *   dual averaging (lib/sampler/step_size.ts) on the mean acceptance probability across chains;
 * - trajectory length: ChEES with Adam (chees_adaptation.ts), jittered by the Halton sequence;
 * - diagonal metric: the cross-chain variance pooled over doubling windows (Stan's schedule,
 *   lib/sampler/windowed_adaptation.ts, with 10% / 3% / 10% buffers and base window); after each
 *   window the step size is re-found and dual averaging and the trajectory-length average
 *   restart.
 * Sampling: fixed step size exp(x̄) and trajectory length T̄, jittered per iteration; every
 * `thin`-th state of each chain is kept.
 *
 * Random numbers: transition i of chain c uses KeyedStream(seed, c, i, Streams.nuts) — dim normals
 * for the momentum, then one uniform for the Metropolis step (lockstep_hmc.ts).
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import type { CompiledData } from "../model/compiled_data.ts";
import {
  allocateChainDraws,
  type Backend,
  type ChainDraws,
  type SampleOptions,
  type SamplerTarget,
} from "../sampler/backend.ts";
import { SamplingCancelled } from "../sampler/cancellation.ts";
import { KeyedStream, Streams } from "../math/rng.ts";
import { checkWholeOption, validateSampleOptions } from "../sampler/sample_options.ts";
import {
  dualAveragingFinal,
  dualAveragingInit,
  type DualAveragingState,
  dualAveragingUpdate,
} from "../sampler/step_size.ts";
import { adaptationSchedule } from "../sampler/windowed_adaptation.ts";
import {
  cheesInit,
  cheesRestartAfterMetricChange,
  type CheesState,
  cheesUpdate,
  halton,
  leapfrogSteps,
  windowVariance,
} from "./chees_adaptation.ts";
import { acquireGpu, type AdapterProvider, type GpuContext } from "./device.ts";
import { GpuModel } from "./gpu_model.ts";
import { laplaceStartGpu } from "./laplace_start.ts";
import { LockstepHmc } from "./lockstep_hmc.ts";

/** Options of the WebGPU backend. */
export interface WebGpuBackendOptions {
  /** A device to use (default: acquired on first use). */
  gpu?: GpuContext;
  /** Adapter provider for acquisition (tests inject one returning null). */
  provider?: AdapterProvider;
  /** Keep every `thin`-th state of each chain (default 1). */
  thin?: number;
  /** Largest number of patterns per likelihood chunk (default 4096). */
  chunkSize?: number;
  /** Called after every warmup iteration with the adaptation's state (diagnostics, benchmarks). */
  onWarmupIteration?: (trace: WarmupTrace) => void;
}

/** The adaptation's state after one warmup iteration (see WebGpuBackendOptions.onWarmupIteration). */
export interface WarmupTrace {
  iteration: number;
  /** Step size and jittered trajectory length used by this iteration, and its leapfrog steps. */
  stepSize: number;
  trajectoryLength: number;
  steps: number;
  /** log T after the ChEES update, and the acceptance-weighted mean ChEES gradient ĝ. */
  logT: number;
  cheesGradient: number;
  /** Mean and harmonic mean of the chains' acceptance probabilities. */
  meanAccept: number;
  harmonicAccept: number;
  divergences: number;
  /** Smallest and largest element of the inverse metric in use. */
  metricMin: number;
  metricMax: number;
}

/** What the last run did (for fit.info and benchmarks). */
export interface WebGpuRunInfo {
  adapter: string;
  stepSize: number;
  trajectoryLength: number;
  /** Mean leapfrog steps per sampling iteration. */
  meanSteps: number;
  /** Gradient evaluations per chain, warmup and sampling. */
  gradientEvaluations: number;
  warmupDivergences: number;
}

/**
 * What the WebGPU backend runs: a SamplerTarget together with the compiled data its shaders are
 * laid out from (a CompiledModel is one).
 */
export interface GpuTarget extends SamplerTarget {
  readonly data: CompiledData;
}

function cancelled(): SamplingCancelled {
  return new SamplingCancelled();
}

/**
 * ChEES-HMC on WebGPU. An abort rejects with a SamplingCancelled without partial draws, even
 * with `keepPartial` (the draws wait on the GPU in slots; not kept on cancellation).
 *
 * @example
 * ```ts ignore
 * const backend = new WebGpuBackend();
 * const chains = await backend.sample(new CompiledModel(data), { chains: 256, warmup: 500,
 *   draws: 100, seed: 1, adaptDelta: 0.8, maxTreedepth: 10, metric: "diag", warmupStart: "stan" });
 * ```
 */
export class WebGpuBackend implements Backend<GpuTarget> {
  readonly name = "webgpu" as const;
  readonly options: WebGpuBackendOptions;
  lastRun: WebGpuRunInfo | null = null;
  #gpu: GpuContext | null;

  constructor(options: WebGpuBackendOptions = {}) {
    this.options = options;
    this.#gpu = options.gpu ?? null;
  }

  /** The device, acquiring it on first use; HetfxError when there is no adapter. */
  async gpu(): Promise<GpuContext> {
    if (this.#gpu && !this.#gpu.lost) return this.#gpu;
    const { gpu, reason } = await acquireGpu({ provider: this.options.provider });
    if (!gpu) throw new HetfxError(`Cannot sample on WebGPU: ${reason}. Use backend "cpu".`);
    this.#gpu = gpu;
    return gpu;
  }

  async sample(target: GpuTarget, options: SampleOptions): Promise<ChainDraws[]> {
    validateSampleOptions(options);
    const data = target.data;
    checkWholeOption("thin", this.options.thin, 1, "Cannot sample");
    const thin = this.options.thin ?? 1;
    const gpu = await this.gpu();
    const model = await GpuModel.create(gpu, data, options.chains, {
      chunkSize: this.options.chunkSize,
    });
    try {
      return await this.#run(target, model, options, thin);
    } finally {
      model.destroy();
    }
  }

  async #run(
    target: SamplerTarget,
    model: GpuModel,
    options: SampleOptions,
    thin: number,
  ): Promise<ChainDraws[]> {
    const { chains, warmup, draws, seed, signal, onProgress } = options;
    const hmc = new LockstepHmc(model);
    const dim = model.layout.dim;
    const maxSteps = 2 ** Math.min(options.maxTreedepth, 16) - 1;
    if (signal?.aborted) throw cancelled();

    // Initial points: uniform(−2, 2) per chain; then, with warmupStart "laplace", the Laplace
    // start (laplace_start.ts): chain 0 climbs to near the mode on the CPU, the diagonal
    // curvature there comes from finite differences batched across the GPU chains, and every
    // chain starts at a draw from that Laplace approximation with it as the first metric.
    const starts = await initialize(hmc, target, seed);
    let inverse: Float64Array = new Float64Array(dim).fill(1);
    if (options.warmupStart === "laplace") {
      inverse = await laplaceStartGpu(hmc, target, starts, seed);
    }
    hmc.setInverseMetric(inverse);

    const totalIterations = (warmup + draws * thin) * chains;
    const report = (done: number, divergences: number, phase: "warmup" | "sampling") =>
      onProgress?.({ done: done * chains, total: totalIterations, divergences, phase });
    const adapted = await this.#warmup(hmc, options, inverse, maxSteps, report);
    const { stepSize, trajectory } = adapted;

    // Sampling.
    const out: ChainDraws[] = Array.from(
      { length: chains },
      () => allocateChainDraws(draws, dim, stepSize, adapted.inverse),
    );
    out[0].warmupDivergences = adapted.divergences;
    const slots = model.drawSlots;
    let pending: number[] = []; // nLeapfrog of the draws waiting in slots
    let kept = 0;
    let samplingSteps = 0;
    let divergences = 0;
    const flush = async () => {
      if (pending.length === 0) return;
      const { theta, stats } = await hmc.readDraws(pending.length);
      divergences += copyDraws(out, dim, kept, pending, theta, stats);
      kept += pending.length;
      pending = [];
    };
    for (let i = 0; i < draws * thin; i++) {
      if (signal?.aborted) throw cancelled();
      const iteration = warmup + i;
      const tn = halton(iteration + 1) * trajectory;
      const steps = leapfrogSteps(tn, stepSize, maxSteps);
      samplingSteps += steps;
      const keep = (i + 1) % thin === 0;
      hmc.transition({
        iteration,
        seed,
        stream: Streams.nuts,
        stepSize,
        steps,
        trajectoryLength: tn,
        slot: keep ? pending.length : -1,
      });
      if (keep) pending.push(steps);
      if (pending.length === slots) await flush();
      if ((i + 1) % 10 === 0) {
        await gpu(model).guard(model.ctx.device.queue.onSubmittedWorkDone());
        report(warmup + i + 1, divergences, "sampling");
      }
    }
    await flush();
    report(warmup + draws * thin, divergences, "sampling");
    this.lastRun = {
      adapter: model.ctx.adapterName,
      stepSize,
      trajectoryLength: trajectory,
      meanSteps: samplingSteps / Math.max(1, draws * thin),
      gradientEvaluations: adapted.gradients + samplingSteps,
      warmupDivergences: adapted.divergences,
    };
    return out;
  }

  /**
   * Warmup of all chains together: dual averaging of the step size, ChEES trajectory length,
   * and the diagonal metric from the cross-chain variance of each window (after which the step
   * size is re-found and both averages restart).
   */
  async #warmup(
    hmc: LockstepHmc,
    options: SampleOptions,
    initialInverse: Float64Array,
    maxSteps: number,
    report: (done: number, divergences: number, phase: "warmup") => void,
  ): Promise<WarmupResult> {
    const { chains, warmup, seed, adaptDelta, signal } = options;
    let inverse = initialInverse;
    const stepSearch = stepSizeSearch(hmc, seed);
    let stepSize = await stepSearch(1);
    let da: DualAveragingState = dualAveragingInit(stepSize);
    let chees: CheesState = cheesInit(4 * stepSize);
    // Many chains estimate the variance well from short windows, so the windows start small
    // (3% of warmup, doubling) after a 10% initial buffer; 10% terminal buffer.
    const schedule = adaptationSchedule(warmup, {
      initBuffer: Math.floor(0.1 * warmup),
      termBuffer: Math.floor(0.1 * warmup),
      baseWindow: Math.max(5, Math.floor(0.03 * warmup)),
    });
    let windowIndex = 0;
    let gradients = 0;
    let divergences = 0;
    for (let it = 0; it < warmup; it++) {
      if (signal?.aborted) throw cancelled();
      const window = schedule.windows[windowIndex];
      const inWindow = window !== undefined && it >= window.start && it <= window.end;
      if (inWindow && it === window.start) hmc.resetWindow();
      const tn = halton(it + 1) * Math.exp(chees.logT);
      const steps = leapfrogSteps(tn, stepSize, maxSteps);
      gradients += steps;
      hmc.transition({
        iteration: it,
        seed,
        stream: Streams.nuts,
        stepSize,
        steps,
        trajectoryLength: tn,
        window: inWindow,
      });
      const stats = await hmc.readStats();
      const alpha = clean(stats.acceptProb);
      for (const d of stats.divergent) if (d > 0.5) divergences++;
      da = dualAveragingUpdate(da, mean(alpha), adaptDelta);
      chees = cheesUpdate(chees, stats.chees, alpha, stepSize, stepSize * maxSteps);
      if (this.options.onWarmupIteration) {
        this.options.onWarmupIteration({
          iteration: it,
          stepSize,
          trajectoryLength: tn,
          steps,
          logT: chees.logT,
          cheesGradient: weightedMean(stats.chees, alpha),
          meanAccept: mean(alpha),
          harmonicAccept: alpha.length / alpha.reduce((s, a) => s + 1 / Math.max(a, 1e-300), 0),
          divergences: stats.divergent.reduce((s, d) => s + (d > 0.5 ? 1 : 0), 0),
          metricMin: Math.min(...inverse),
          metricMax: Math.max(...inverse),
        });
      }
      stepSize = da.stepSize;
      if (inWindow && it === window.end) {
        const w = await hmc.readWindow();
        inverse = windowVariance(
          w.mean,
          w.meanSq,
          w.variance,
          window.end - window.start + 1,
          chains,
        );
        hmc.setInverseMetric(inverse);
        stepSize = await stepSearch(stepSize);
        da = dualAveragingInit(stepSize);
        chees = cheesRestartAfterMetricChange(chees);
        windowIndex++;
      }
      if ((it + 1) % 10 === 0 || it === warmup - 1) report(it + 1, 0, "warmup");
    }
    return {
      stepSize: warmup > 0 ? dualAveragingFinal(da) : stepSize,
      trajectory: Math.exp(chees.logTBar),
      inverse,
      gradients,
      divergences,
    };
  }
}

/** What warmup adapted: step size, trajectory length and inverse metric; its cost. */
interface WarmupResult {
  stepSize: number;
  trajectory: number;
  inverse: Float64Array;
  /** Leapfrog steps (gradient evaluations) and divergent transitions over all chains. */
  gradients: number;
  divergences: number;
}

/**
 * Stan's init_stepsize heuristic on the mean one-step acceptance across chains: double (or
 * halve) ε until the acceptance crosses 0.8. Each probe is a rejected one-step transition with
 * its own iteration number of the step-size stream, counted across calls.
 */
function stepSizeSearch(hmc: LockstepHmc, seed: number): (eps: number) => Promise<number> {
  let trials = 0;
  const meanAccept = async (e: number) => {
    hmc.transition({
      iteration: trials++,
      seed,
      stream: Streams.stepSize,
      stepSize: e,
      steps: 1,
      rejectAll: true,
    });
    return mean(clean((await hmc.readStats()).acceptProb));
  };
  return async (eps: number) => {
    const up = (await meanAccept(eps)) > 0.8;
    for (let k = 0; k < 60; k++) {
      const next = up ? 2 * eps : 0.5 * eps;
      const a = await meanAccept(next);
      if (up ? !(a > 0.8) : a > 0.8) return up ? eps : next;
      eps = next;
    }
    if (!(eps > 1e-12 && eps < 1e12)) {
      throw new HetfxError(
        "Cannot tune the step size on WebGPU: no step size gives a reasonable acceptance; " +
          "check the priors (the posterior may be improper).",
      );
    }
    return eps;
  };
}

/**
 * Copies the draws read back from the GPU's slots (chain-minor θ and 4 stats per draw) into
 * each chain's draws from index `kept`; returns the number of divergent ones.
 */
function copyDraws(
  out: ChainDraws[],
  dim: number,
  kept: number,
  pending: readonly number[],
  theta: Float32Array,
  stats: Float32Array,
): number {
  const chains = out.length;
  let divergences = 0;
  for (let s = 0; s < pending.length; s++) {
    const d = kept + s;
    for (let c = 0; c < chains; c++) {
      const o = out[c];
      for (let e = 0; e < dim; e++) o.theta[d * dim + e] = theta[(s * dim + e) * chains + c];
      o.logDensity[d] = stats[(s * 4) * chains + c];
      o.acceptStat[d] = stats[(s * 4 + 1) * chains + c];
      o.energy[d] = stats[(s * 4 + 2) * chains + c];
      o.divergent[d] = stats[(s * 4 + 3) * chains + c] > 0.5 ? 1 : 0;
      o.nLeapfrog[d] = pending[s];
      divergences += o.divergent[d];
    }
  }
  return divergences;
}

function gpu(model: GpuModel): GpuContext {
  return model.ctx;
}

function clean(values: Float32Array): Float64Array {
  return Float64Array.from(values, (v) => (Number.isFinite(v) ? v : 0));
}

function weightedMean(values: ArrayLike<number>, weights: ArrayLike<number>): number {
  let s = 0;
  let w = 0;
  for (let i = 0; i < values.length; i++) {
    if (weights[i] > 0 && Number.isFinite(values[i])) {
      s += weights[i] * values[i];
      w += weights[i];
    }
  }
  return w > 0 ? s / w : NaN;
}

function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return values.length ? s / values.length : 0;
}

/** Finite initial points for every chain, retried per chain like findInitialPoint (≤ 100). */
async function initialize(
  hmc: LockstepHmc,
  target: SamplerTarget,
  seed: number,
): Promise<Float64Array[]> {
  const { chains, dim } = hmc;
  const attempt = new Int32Array(chains);
  const points = Array.from({ length: chains }, () => new Float64Array(dim));
  const draw = (c: number) => {
    const rng = new KeyedStream(seed, c, attempt[c], Streams.init);
    if (target.initialPoint) target.initialPoint(() => rng.uniform(), points[c]);
    else for (let e = 0; e < dim; e++) points[c][e] = 4 * rng.uniform() - 2;
  };
  for (let c = 0; c < chains; c++) draw(c);
  for (let round = 0; round < 100; round++) {
    const lp = await hmc.initialize(points);
    const bad = [];
    for (let c = 0; c < chains; c++) if (!Number.isFinite(lp[c])) bad.push(c);
    if (bad.length === 0) return points;
    for (const c of bad) {
      attempt[c]++;
      draw(c);
    }
  }
  throw new HetfxError(
    "could not find a finite initial point after 100 tries on WebGPU; check priors and data",
  );
}
