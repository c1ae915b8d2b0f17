/**
 * One No-U-Turn transition, as in Stan (≥ 2.26) base_nuts: multinomial sampling of the trajectory
 * (biased progressive sampling when merging a new subtree into the trajectory, uniform progressive
 * sampling inside subtrees), the generalised U-turn criterion on p♯ (Betancourt 2017) with Stan's
 * extra checks across the two halves of every merged tree, divergence when H − H0 > 1000, and a
 * maximum tree depth.
 *
 * Kernel style: {@link nutsStep} is a function of (state, parameters, random stream); the
 * workspace only holds scratch arrays (allocated once per chain, reused by every leapfrog), never
 * state that survives a call.
 *
 * @module
 */
import type { LogDensity } from "./log_density.ts";
import { kineticEnergy, leapfrog } from "./leapfrog.ts";
import { type Metric, sampleMomentum, velocity } from "./metric.ts";
import type { KeyedStream } from "../math/rng.ts";

/** A position with its log density and gradient. */
export interface NutsState {
  readonly position: Float64Array;
  readonly logDensity: number;
  readonly gradient: Float64Array;
}

/** Per-transition statistics (Stan's sampler params). */
export interface NutsInfo {
  /** Mean Metropolis acceptance probability over all leapfrog states of the trajectory. */
  acceptStat: number;
  treeDepth: number;
  nLeapfrog: number;
  divergent: boolean;
  /** Hamiltonian at the selected state. */
  energy: number;
}

/** Tuning of one transition. */
export interface NutsParams {
  stepSize: number;
  metric: Metric;
  maxTreedepth: number;
}

/** Energy error above which a trajectory is declared divergent (Stan's max_deltaH). */
export const MAX_DELTA_H = 1000;

class PhasePoint {
  readonly q: Float64Array;
  readonly p: Float64Array;
  readonly g: Float64Array;
  logp = 0;
  constructor(dim: number) {
    this.q = new Float64Array(dim);
    this.p = new Float64Array(dim);
    this.g = new Float64Array(dim);
  }
  copyFrom(o: PhasePoint): void {
    this.q.set(o.q);
    this.p.set(o.p);
    this.g.set(o.g);
    this.logp = o.logp;
  }
}

/** A state that may be selected: position, gradient, log density and its Hamiltonian. */
class Proposal {
  readonly q: Float64Array;
  readonly g: Float64Array;
  logp = 0;
  energy = 0;
  constructor(dim: number) {
    this.q = new Float64Array(dim);
    this.g = new Float64Array(dim);
  }
  copyFrom(o: Proposal): void {
    this.q.set(o.q);
    this.g.set(o.g);
    this.logp = o.logp;
    this.energy = o.energy;
  }
}

class Level {
  readonly proposeFinal: Proposal;
  readonly pInitEnd: Float64Array;
  readonly pSharpInitEnd: Float64Array;
  readonly rhoInit: Float64Array;
  readonly pFinalBeg: Float64Array;
  readonly pSharpFinalBeg: Float64Array;
  readonly rhoFinal: Float64Array;
  constructor(dim: number) {
    this.proposeFinal = new Proposal(dim);
    this.pInitEnd = new Float64Array(dim);
    this.pSharpInitEnd = new Float64Array(dim);
    this.rhoInit = new Float64Array(dim);
    this.pFinalBeg = new Float64Array(dim);
    this.pSharpFinalBeg = new Float64Array(dim);
    this.rhoFinal = new Float64Array(dim);
  }
}

function logSumExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/**
 * Scratch memory for {@link nutsStep}: every array one transition needs, allocated once for a
 * given dimension and maximum tree depth. Not shareable between concurrent transitions.
 */
export class NutsWorkspace {
  readonly dim: number;
  readonly maxTreedepth: number;
  private readonly z: PhasePoint;
  private readonly zFwd: PhasePoint;
  private readonly zBck: PhasePoint;
  private readonly zSample: Proposal;
  private readonly zPropose: Proposal;
  private readonly levels: Level[];
  private readonly pFwdFwd: Float64Array;
  private readonly pSharpFwdFwd: Float64Array;
  private readonly pFwdBck: Float64Array;
  private readonly pSharpFwdBck: Float64Array;
  private readonly pBckFwd: Float64Array;
  private readonly pSharpBckFwd: Float64Array;
  private readonly pBckBck: Float64Array;
  private readonly pSharpBckBck: Float64Array;
  private readonly rho: Float64Array;
  private readonly rhoSub: Float64Array;
  private readonly scratch: Float64Array;
  // Per-transition context, reset at the start of every call of `transition`.
  private target: LogDensity | null = null;
  private rng: KeyedStream | null = null;
  private metric: Metric | null = null;
  private signedStep = 0;
  private h0 = 0;
  private nLeapfrog = 0;
  private sumMetroProb = 0;
  private divergent = false;
  private subtreeLogWeight = -Infinity;

  constructor(dim: number, maxTreedepth: number) {
    this.dim = dim;
    this.maxTreedepth = maxTreedepth;
    this.z = new PhasePoint(dim);
    this.zFwd = new PhasePoint(dim);
    this.zBck = new PhasePoint(dim);
    this.zSample = new Proposal(dim);
    this.zPropose = new Proposal(dim);
    this.levels = [];
    for (let d = 0; d < maxTreedepth; d++) this.levels.push(new Level(d === 0 ? 0 : dim));
    const v = () => new Float64Array(dim);
    this.pFwdFwd = v();
    this.pSharpFwdFwd = v();
    this.pFwdBck = v();
    this.pSharpFwdBck = v();
    this.pBckFwd = v();
    this.pSharpBckFwd = v();
    this.pBckBck = v();
    this.pSharpBckBck = v();
    this.rho = v();
    this.rhoSub = v();
    this.scratch = v();
  }

  /** Runs one transition; see {@link nutsStep}. */
  transition(
    target: LogDensity,
    state: NutsState,
    params: NutsParams,
    rng: KeyedStream,
  ): { state: NutsState; info: NutsInfo } {
    const { metric, stepSize, maxTreedepth } = params;
    if (maxTreedepth > this.maxTreedepth) {
      throw new RangeError(
        `nutsStep: maxTreedepth ${maxTreedepth} exceeds the workspace's ${this.maxTreedepth}`,
      );
    }
    this.target = target;
    this.rng = rng;
    this.metric = metric;
    const z = this.z;
    z.q.set(state.position);
    z.g.set(state.gradient);
    z.logp = state.logDensity;
    sampleMomentum(metric, rng, z.p);
    velocity(metric, z.p, this.pSharpFwdFwd);
    this.zFwd.copyFrom(z);
    this.zBck.copyFrom(z);
    this.pSharpFwdBck.set(this.pSharpFwdFwd);
    this.pSharpBckFwd.set(this.pSharpFwdFwd);
    this.pSharpBckBck.set(this.pSharpFwdFwd);
    this.pFwdFwd.set(z.p);
    this.pFwdBck.set(z.p);
    this.pBckFwd.set(z.p);
    this.pBckBck.set(z.p);
    this.rho.set(z.p);

    let logSumWeight = 0;
    this.h0 = -z.logp + kineticEnergy(z.p, this.pSharpFwdFwd);
    const sample = this.zSample;
    sample.q.set(z.q);
    sample.g.set(z.g);
    sample.logp = z.logp;
    sample.energy = this.h0;
    this.nLeapfrog = 0;
    this.sumMetroProb = 0;
    this.divergent = false;
    let depth = 0;

    while (depth < maxTreedepth) {
      let rhoFwd: Float64Array;
      let rhoBck: Float64Array;
      let valid: boolean;
      if (rng.uniform() > 0.5) {
        z.copyFrom(this.zFwd);
        this.pBckFwd.set(this.pFwdFwd);
        this.pSharpBckFwd.set(this.pSharpFwdFwd);
        this.signedStep = stepSize;
        valid = this.buildTree(
          depth,
          this.zPropose,
          this.pSharpFwdBck,
          this.pSharpFwdFwd,
          this.rhoSub,
          this.pFwdBck,
          this.pFwdFwd,
        );
        this.zFwd.copyFrom(z);
        rhoBck = this.rho;
        rhoFwd = this.rhoSub;
      } else {
        z.copyFrom(this.zBck);
        this.pFwdBck.set(this.pBckBck);
        this.pSharpFwdBck.set(this.pSharpBckBck);
        this.signedStep = -stepSize;
        valid = this.buildTree(
          depth,
          this.zPropose,
          this.pSharpBckFwd,
          this.pSharpBckBck,
          this.rhoSub,
          this.pBckFwd,
          this.pBckBck,
        );
        this.zBck.copyFrom(z);
        rhoFwd = this.rho;
        rhoBck = this.rhoSub;
      }
      if (!valid) break;
      depth++;

      // Biased progressive sampling: prefer the new subtree.
      const subtreeWeight = this.subtreeLogWeight;
      if (subtreeWeight > logSumWeight) {
        this.zSample.copyFrom(this.zPropose);
      } else if (rng.uniform() < Math.exp(subtreeWeight - logSumWeight)) {
        this.zSample.copyFrom(this.zPropose);
      }
      logSumWeight = logSumExp(logSumWeight, subtreeWeight);

      // U-turn across the merged trajectory, then across its two halves extended by one state
      // (six sums Σ p♯·(ρ + ρ′) in one pass, each in the same order as its own loop would be).
      const rho = this.rho, rhoSub = this.rhoSub;
      const pSharpBckBck = this.pSharpBckBck, pSharpFwdFwd = this.pSharpFwdFwd;
      const pSharpFwdBck = this.pSharpFwdBck, pSharpBckFwd = this.pSharpBckFwd;
      const pFwdBck = this.pFwdBck, pBckFwd = this.pBckFwd;
      let whole0 = 0, whole1 = 0, bck0 = 0, bck1 = 0, fwd0 = 0, fwd1 = 0;
      for (let i = 0; i < this.dim; i++) {
        const merged = rho[i] + rhoSub[i];
        whole0 += pSharpBckBck[i] * merged;
        whole1 += pSharpFwdFwd[i] * merged;
        const bck = rhoBck[i] + pFwdBck[i];
        bck0 += pSharpBckBck[i] * bck;
        bck1 += pSharpFwdBck[i] * bck;
        const fwd = rhoFwd[i] + pBckFwd[i];
        fwd0 += pSharpBckFwd[i] * fwd;
        fwd1 += pSharpFwdFwd[i] * fwd;
      }
      const persist = whole0 > 0 && whole1 > 0 && bck0 > 0 && bck1 > 0 && fwd0 > 0 && fwd1 > 0;
      for (let i = 0; i < this.dim; i++) rho[i] += rhoSub[i];
      if (!persist) break;
    }

    const s = this.zSample;
    const info: NutsInfo = {
      acceptStat: this.nLeapfrog > 0 ? this.sumMetroProb / this.nLeapfrog : 0,
      treeDepth: depth,
      nLeapfrog: this.nLeapfrog,
      divergent: this.divergent,
      energy: s.energy,
    };
    this.target = null;
    this.rng = null;
    this.metric = null;
    return {
      state: { position: s.q.slice(), logDensity: s.logp, gradient: s.g.slice() },
      info,
    };
  }

  /**
   * Builds a subtree of 2^depth leapfrog steps from `this.z` in the direction of
   * `this.signedStep`; leaves its log weight in `subtreeLogWeight`; returns its validity
   * (no divergence and no U-turn inside). Writes (not adds) the subtree's momentum sum into
   * `rho`, its selected state into `propose`, and its end momenta and velocities.
   */
  private buildTree(
    depth: number,
    propose: Proposal,
    pSharpBeg: Float64Array,
    pSharpEnd: Float64Array,
    rho: Float64Array,
    pBeg: Float64Array,
    pEnd: Float64Array,
  ): boolean {
    if (depth === 0) return this.leaf(propose, pSharpBeg, pSharpEnd, rho, pBeg, pEnd);

    const level = this.levels[depth];
    if (
      !this.buildTree(
        depth - 1,
        propose,
        pSharpBeg,
        level.pSharpInitEnd,
        level.rhoInit,
        pBeg,
        level.pInitEnd,
      )
    ) return false;
    const logWeightInit = this.subtreeLogWeight;

    if (
      !this.buildTree(
        depth - 1,
        level.proposeFinal,
        level.pSharpFinalBeg,
        pSharpEnd,
        level.rhoFinal,
        level.pFinalBeg,
        pEnd,
      )
    ) return false;
    const logWeightFinal = this.subtreeLogWeight;

    // Uniform progressive sampling inside the subtree.
    const logWeight = logSumExp(logWeightInit, logWeightFinal);
    if (logWeightFinal > logWeight) {
      propose.copyFrom(level.proposeFinal);
    } else if (this.rng!.uniform() < Math.exp(logWeightFinal - logWeight)) {
      propose.copyFrom(level.proposeFinal);
    }
    this.subtreeLogWeight = logWeight;

    // ρ = ρ_init + ρ_final and the six U-turn sums of the merged subtree in one pass (each sum
    // in the same order as its own loop would be).
    const { rhoInit, rhoFinal, pFinalBeg, pSharpFinalBeg, pInitEnd, pSharpInitEnd } = level;
    let whole0 = 0, whole1 = 0, init0 = 0, init1 = 0, final0 = 0, final1 = 0;
    for (let i = 0; i < this.dim; i++) {
      const ri = rhoInit[i], rf = rhoFinal[i];
      const merged = ri + rf;
      rho[i] = merged;
      whole0 += pSharpBeg[i] * merged;
      whole1 += pSharpEnd[i] * merged;
      const init = ri + pFinalBeg[i];
      init0 += pSharpBeg[i] * init;
      init1 += pSharpFinalBeg[i] * init;
      const fin = rf + pInitEnd[i];
      final0 += pSharpInitEnd[i] * fin;
      final1 += pSharpEnd[i] * fin;
    }
    return whole0 > 0 && whole1 > 0 && init0 > 0 && init1 > 0 && final0 > 0 && final1 > 0;
  }

  /**
   * One leapfrog step from `this.z` (a depth-0 subtree): the new state becomes `propose`, its
   * momentum is written to `rho`, `pBeg` and `pEnd`, its velocity to both p♯ ends. For a
   * diagonal metric the integrator's and the bookkeeping's passes are fused (the same
   * arithmetic as {@link leapfrog}, {@link velocity} and {@link kineticEnergy}).
   */
  private leaf(
    propose: Proposal,
    pSharpBeg: Float64Array,
    pSharpEnd: Float64Array,
    rho: Float64Array,
    pBeg: Float64Array,
    pEnd: Float64Array,
  ): boolean {
    const z = this.z;
    const { q, p, g } = z;
    const metric = this.metric!;
    const n = this.dim;
    let kinetic: number;
    if (metric.kind === "diag") {
      const m = metric.inverse;
      const eps = this.signedStep;
      const half = 0.5 * eps;
      for (let i = 0; i < n; i++) {
        const pi = p[i] + half * g[i];
        p[i] = pi;
        q[i] += eps * (m[i] * pi);
      }
      z.logp = this.target!.logDensityGradient(q, g);
      let twice = 0;
      for (let i = 0; i < n; i++) {
        const pi = p[i] + half * g[i];
        p[i] = pi;
        const v = m[i] * pi;
        twice += pi * v;
        pSharpBeg[i] = v;
        pSharpEnd[i] = v;
        pBeg[i] = pi;
        pEnd[i] = pi;
        rho[i] = pi;
      }
      kinetic = 0.5 * twice;
    } else {
      z.logp = leapfrog(this.target!, q, p, g, this.signedStep, metric, this.scratch);
      velocity(metric, p, pSharpBeg);
      kinetic = kineticEnergy(p, pSharpBeg);
      pSharpEnd.set(pSharpBeg);
      pBeg.set(p);
      pEnd.set(p);
      rho.set(p);
    }
    this.nLeapfrog++;
    let h = -z.logp + kinetic;
    if (Number.isNaN(h)) h = Infinity;
    if (h - this.h0 > MAX_DELTA_H) this.divergent = true;
    const logWeight = this.h0 - h;
    this.subtreeLogWeight = logWeight;
    this.sumMetroProb += logWeight > 0 ? 1 : Math.exp(logWeight);
    propose.q.set(q);
    propose.g.set(g);
    propose.logp = z.logp;
    propose.energy = h;
    return !this.divergent;
  }
}

/**
 * Scratch space for NUTS transitions of a `dim`-dimensional target with tree depth up to
 * `maxTreedepth`; create one per chain.
 *
 * @example
 * ```ts
 * import { createNutsWorkspace } from "./nuts.ts";
 * const ws = createNutsWorkspace(3, 10);
 * console.assert(ws.dim === 3);
 * ```
 */
export function createNutsWorkspace(dim: number, maxTreedepth: number): NutsWorkspace {
  return new NutsWorkspace(dim, maxTreedepth);
}

/**
 * One NUTS transition from `state`: draws a momentum from `rng`, builds the trajectory, returns
 * the selected state (fresh arrays; the input is not modified) and the transition's statistics.
 * All randomness comes from `rng` (momentum first, then direction and selection uniforms).
 *
 * @example
 * ```ts
 * import { createNutsWorkspace, nutsStep } from "./nuts.ts";
 * import { unitMetric } from "./metric.ts";
 * import { KeyedStream } from "../math/rng.ts";
 * const target = { dim: 1, logDensityGradient: (q: Float64Array, g: Float64Array) => { g[0] = -q[0]; return -0.5 * q[0] * q[0]; } };
 * const state = { position: new Float64Array([0.5]), logDensity: -0.125, gradient: new Float64Array([-0.5]) };
 * const { info } = nutsStep(target, state, { stepSize: 0.5, metric: unitMetric(1, "diag"), maxTreedepth: 10 },
 *   new KeyedStream(1, 0, 0), createNutsWorkspace(1, 10));
 * console.assert(info.nLeapfrog >= 1 && !info.divergent);
 * ```
 */
export function nutsStep(
  target: LogDensity,
  state: NutsState,
  params: NutsParams,
  rng: KeyedStream,
  workspace: NutsWorkspace,
): { state: NutsState; info: NutsInfo } {
  return workspace.transition(target, state, params, rng);
}
