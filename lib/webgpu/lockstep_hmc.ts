/**
 * HMC transitions for all chains of a {@link GpuModel} in lockstep: one command buffer per
 * transition — begin (momentum from Philox, first half step), `steps` × the three gradient
 * dispatches with the leapfrog update fused, then the Metropolis step and the ChEES statistics
 * (chees.wgsl). All chains share the step size and number of steps; randomness is keyed by
 * (seed, chain, iteration, stream) exactly as lib/math/rng.ts.
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import type { GpuModel } from "./gpu_model.ts";
import { NSCAL, S } from "./layout.ts";

/** One lockstep transition. */
export interface TransitionParams {
  iteration: number;
  seed: number;
  /** Counter word c2 (lib/math/rng.ts Streams; 0 for transitions). */
  stream: number;
  stepSize: number;
  steps: number;
  /** Jittered trajectory length t_n (scales the ChEES gradient); default steps × stepSize. */
  trajectoryLength?: number;
  /** Record the resulting state in this draw slot (see GpuModel.drawSlots). */
  slot?: number;
  /** Reject every proposal (step-size trials leave the chains where they are). */
  rejectAll?: boolean;
  /** Accumulate the warmup window statistics after the transition. */
  window?: boolean;
}

/** Per-chain results of a transition (chain order). */
export interface TransitionStats {
  acceptProb: Float32Array;
  accepted: Float32Array;
  divergent: Float32Array;
  /** Per-chain ChEES gradient terms (0 for chains with acceptance probability 0). */
  chees: Float32Array;
  logDensity: Float32Array;
  energy: Float32Array;
}

/**
 * Lockstep HMC over a GpuModel.
 *
 * @example
 * ```ts ignore
 * const hmc = new LockstepHmc(model);
 * await hmc.initialize(points);
 * hmc.transition({ iteration: 0, seed: 1, stream: 0, stepSize: 0.1, steps: 10 });
 * const stats = await hmc.readStats();
 * ```
 */
export class LockstepHmc {
  readonly model: GpuModel;

  constructor(model: GpuModel) {
    this.model = model;
  }

  get chains(): number {
    return this.model.layout.chains;
  }

  get dim(): number {
    return this.model.layout.dim;
  }

  /** Sets the chains' positions (one array per chain) and evaluates lp and gradient there. */
  async initialize(points: readonly ArrayLike<number>[]): Promise<Float64Array> {
    const { lp, grad } = await this.model.evaluate(points);
    for (let c = 0; c < lp.length; c++) {
      if (!grad[c].every(Number.isFinite)) lp[c] = -Infinity;
    }
    return lp;
  }

  /** Sets the diagonal inverse metric (shared by all chains). */
  setInverseMetric(inverse: ArrayLike<number>): void {
    if (inverse.length !== this.dim) throw new HetfxError("inverse metric has the wrong length");
    this.model.upload("dimbuf", Float32Array.from(inverse));
  }

  /** Zeroes the warmup window sums. */
  resetWindow(): void {
    this.model.upload("dimbuf", new Float32Array(3 * this.dim), 3 * this.dim * 4);
  }

  /** Reads the window sums: per element Σ mean, Σ mean², Σ variance over the window. */
  async readWindow(): Promise<
    { mean: Float32Array; meanSq: Float32Array; variance: Float32Array }
  > {
    const d = this.dim;
    const w = await this.model.read("dimbuf", 3 * d * 4, 3 * d * 4);
    return { mean: w.subarray(0, d), meanSq: w.subarray(d, 2 * d), variance: w.subarray(2 * d) };
  }

  /** Encodes and submits one transition (does not wait). */
  transition(p: TransitionParams): void {
    if (!(p.steps >= 1) || !Number.isInteger(p.steps)) {
      throw new HetfxError(`Cannot take ${p.steps} leapfrog steps`);
    }
    const m = this.model;
    m.writeControl({
      eps: p.stepSize,
      tn: p.trajectoryLength ?? p.steps * p.stepSize,
      iteration: p.iteration,
      seed: p.seed,
      stream: p.stream,
      slot: p.slot ?? -1,
      rejectAll: p.rejectAll ?? false,
    });
    m.submit((pass) => {
      m.encodeChees(pass, "begin");
      for (let s = 1; s <= p.steps; s++) m.encodeGradient(pass, s < p.steps ? 1 : 2);
      m.encodeChees(pass, "finish");
      m.encodeChees(pass, "means");
      m.encodeChees(pass, "cheesStat");
      if (p.window) m.encodeChees(pass, "window");
    });
  }

  /** Per-chain statistics of the last transition. */
  async readStats(): Promise<TransitionStats> {
    const n = this.chains;
    const s = await this.model.read("scal", 0, NSCAL * n * 4);
    const slot = (k: number) => s.slice(k * n, (k + 1) * n);
    return {
      acceptProb: slot(S.alpha),
      accepted: slot(S.accepted),
      divergent: slot(S.divergent),
      chees: slot(S.chees),
      logDensity: slot(S.lp),
      energy: slot(S.energy),
    };
  }

  /** Current positions, one Float64Array per chain. */
  async readPositions(): Promise<Float64Array[]> {
    const { dim, chains } = this;
    const q = await this.model.read("theta", 0, dim * chains * 4);
    return Array.from({ length: chains }, (_, c) => {
      const out = new Float64Array(dim);
      for (let e = 0; e < dim; e++) out[e] = q[e * chains + c];
      return out;
    });
  }

  /** Draw slots [0, count): positions (slot-major, then chain-minor) and lp/accept/energy/div. */
  async readDraws(count: number): Promise<{ theta: Float32Array; stats: Float32Array }> {
    const { dim, chains } = this;
    const theta = await this.model.read("draws", 0, count * dim * chains * 4);
    const stats = await this.model.read("dstats", 0, count * 4 * chains * 4);
    return { theta, stats };
  }
}
