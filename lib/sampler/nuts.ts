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

/**
 * What runs transitions: {@link NutsWorkspace} or its WebAssembly twin (nuts_wasm.ts), which
 * gives the same draws.
 */
export interface NutsKernel {
  readonly dim: number;
  readonly maxTreedepth: number;
  transition(
    target: LogDensity,
    state: NutsState,
    params: NutsParams,
    rng: KeyedStream,
  ): { state: NutsState; info: NutsInfo };
}

/**
 * Refuses a transition whose tree depth exceeds the workspace's (its arrays are per depth).
 *
 * @example
 * ```ts
 * import { checkTreedepth } from "./nuts.ts";
 * checkTreedepth(10, 10); // no error
 * ```
 */
export function checkTreedepth(maxTreedepth: number, workspaceDepth: number): void {
  if (maxTreedepth > workspaceDepth) {
    throw new RangeError(
      `nutsStep: maxTreedepth ${maxTreedepth} exceeds the workspace's ${workspaceDepth}`,
    );
  }
}

/** Energy error above which a trajectory is declared divergent (Stan's max_deltaH). */
export const MAX_DELTA_H = 1000;

/** A trajectory end's position, gradient and log density (its momentum is the end's p array). */
class EndPoint {
  readonly q: Float64Array;
  readonly g: Float64Array;
  logp = 0;
  constructor(dim: number) {
    this.q = new Float64Array(dim);
    this.g = new Float64Array(dim);
  }
}

/**
 * A state that may be selected: position, gradient, log density and its Hamiltonian. When one
 * subtree's choice replaces another's, the two exchange arrays ({@link Proposal.swap}) instead of
 * copying: the replaced value is dead, and the other holder is overwritten before it is read.
 */
class Proposal {
  q: Float64Array;
  g: Float64Array;
  logp = 0;
  energy = 0;
  constructor(dim: number) {
    this.q = new Float64Array(dim);
    this.g = new Float64Array(dim);
  }
  /** Exchanges contents with `o` by reference. */
  swap(o: Proposal): void {
    const { q, g, logp, energy } = this;
    this.q = o.q;
    this.g = o.g;
    this.logp = o.logp;
    this.energy = o.energy;
    o.q = q;
    o.g = g;
    o.logp = logp;
    o.energy = energy;
  }
}

/**
 * buildTree's scratch for one depth: the final half's proposal and, from depth 2, the two halves'
 * inner boundary momenta and velocities and their momentum sums (a depth-1 tree's halves are
 * single states, its own two ends).
 */
class Level {
  readonly proposeFinal: Proposal;
  readonly pInitEnd: Float64Array;
  readonly pSharpInitEnd: Float64Array;
  readonly rhoInit: Float64Array;
  readonly pFinalBeg: Float64Array;
  readonly pSharpFinalBeg: Float64Array;
  readonly rhoFinal: Float64Array;
  constructor(dim: number, boundaryDim: number) {
    this.proposeFinal = new Proposal(dim);
    this.pInitEnd = new Float64Array(boundaryDim);
    this.pSharpInitEnd = new Float64Array(boundaryDim);
    this.rhoInit = new Float64Array(boundaryDim);
    this.pFinalBeg = new Float64Array(boundaryDim);
    this.pSharpFinalBeg = new Float64Array(boundaryDim);
    this.rhoFinal = new Float64Array(boundaryDim);
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
 *
 * Nothing is copied per leapfrog step: each step writes its state into the proposal of the
 * subtree it starts and its momentum and velocity into the boundary arrays its callers read, and
 * the next step integrates from those (see {@link NutsWorkspace.leaf}). The trajectory's boundary
 * momenta swap roles by reference at every doubling.
 */
export class NutsWorkspace implements NutsKernel {
  readonly dim: number;
  readonly maxTreedepth: number;
  private readonly zFwd: EndPoint;
  private readonly zBck: EndPoint;
  private readonly zSample: Proposal;
  private readonly zPropose: Proposal;
  private readonly levels: Level[];
  // Momenta and velocities at the trajectory's ends (FwdFwd, BckBck) and at the inner ends of the
  // old tree and the new subtree of the latest doubling (BckFwd, FwdBck); exchanged, not copied.
  private pFwdFwd: Float64Array;
  private pSharpFwdFwd: Float64Array;
  private pFwdBck: Float64Array;
  private pSharpFwdBck: Float64Array;
  private pBckFwd: Float64Array;
  private pSharpBckFwd: Float64Array;
  private pBckBck: Float64Array;
  private pSharpBckBck: Float64Array;
  private readonly rho: Float64Array;
  private readonly rhoSub: Float64Array;
  private readonly scratch: Float64Array;
  // The integrator's current state: position and gradient as the latest leapfrog step left them
  // (in a proposal's arrays, or a trajectory end's at the start of a doubling) and the momentum
  // (the boundary array that step wrote). Read, never written, by the next step.
  private q: Float64Array;
  private g: Float64Array;
  private p: Float64Array;
  private logp = 0;
  // The two U-turn sums of the latest two-step tree (see closingLeaf).
  private pairTurn0 = 0;
  private pairTurn1 = 0;
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
    this.zFwd = new EndPoint(dim);
    this.zBck = new EndPoint(dim);
    this.zSample = new Proposal(dim);
    this.zPropose = new Proposal(dim);
    this.levels = [];
    for (let d = 0; d < maxTreedepth; d++) {
      this.levels.push(new Level(d === 0 ? 0 : dim, d >= 2 ? dim : 0));
    }
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
    this.q = this.zFwd.q;
    this.g = this.zFwd.g;
    this.p = this.pFwdFwd;
  }

  /** Runs one transition; see {@link nutsStep}. */
  transition(
    target: LogDensity,
    state: NutsState,
    params: NutsParams,
    rng: KeyedStream,
  ): { state: NutsState; info: NutsInfo } {
    const { metric, stepSize, maxTreedepth } = params;
    checkTreedepth(maxTreedepth, this.maxTreedepth);
    this.target = target;
    this.rng = rng;
    this.metric = metric;
    for (const end of [this.zFwd, this.zBck]) {
      end.q.set(state.position);
      end.g.set(state.gradient);
      end.logp = state.logDensity;
    }
    const p0 = sampleMomentum(metric, rng, this.pFwdFwd);
    velocity(metric, p0, this.pSharpFwdFwd);
    this.pBckBck.set(p0);
    this.pSharpBckBck.set(this.pSharpFwdFwd);
    this.rho.set(p0);

    let logSumWeight = 0;
    this.h0 = -state.logDensity + kineticEnergy(p0, this.pSharpFwdFwd);
    const sample = this.zSample;
    sample.q.set(state.position);
    sample.g.set(state.gradient);
    sample.logp = state.logDensity;
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
        // The old forward end becomes the inner end of the old tree (BckFwd; its previous value
        // is dead); the new subtree writes its ends into FwdBck and the freed FwdFwd arrays.
        const p = this.pBckFwd, pSharp = this.pSharpBckFwd;
        this.pBckFwd = this.pFwdFwd;
        this.pSharpBckFwd = this.pSharpFwdFwd;
        this.pFwdFwd = p;
        this.pSharpFwdFwd = pSharp;
        this.startFrom(this.zFwd, this.pBckFwd, stepSize);
        valid = this.buildTree(
          depth,
          this.zPropose,
          this.pSharpFwdBck,
          this.pSharpFwdFwd,
          this.rhoSub,
          this.pFwdBck,
          this.pFwdFwd,
        );
        if (valid) this.endAt(this.zFwd);
        rhoBck = this.rho;
        rhoFwd = this.rhoSub;
      } else {
        // Mirror image: the old backward end becomes the old tree's inner end FwdBck.
        const p = this.pFwdBck, pSharp = this.pSharpFwdBck;
        this.pFwdBck = this.pBckBck;
        this.pSharpFwdBck = this.pSharpBckBck;
        this.pBckBck = p;
        this.pSharpBckBck = pSharp;
        this.startFrom(this.zBck, this.pFwdBck, -stepSize);
        valid = this.buildTree(
          depth,
          this.zPropose,
          this.pSharpBckFwd,
          this.pSharpBckBck,
          this.rhoSub,
          this.pBckFwd,
          this.pBckBck,
        );
        if (valid) this.endAt(this.zBck);
        rhoFwd = this.rho;
        rhoBck = this.rhoSub;
      }
      if (!valid) break;
      depth++;

      // Biased progressive sampling: prefer the new subtree.
      const subtreeWeight = this.subtreeLogWeight;
      if (subtreeWeight > logSumWeight) {
        this.zSample.swap(this.zPropose);
      } else if (rng.uniform() < Math.exp(subtreeWeight - logSumWeight)) {
        this.zSample.swap(this.zPropose);
      }
      logSumWeight = logSumExp(logSumWeight, subtreeWeight);

      // U-turn across the merged trajectory, then across its two halves extended by one state
      // (six sums Σ p♯·(ρ + ρ′) in one pass, each in the same order as its own loop would be),
      // and ρ ← ρ + ρ_sub (rhoBck and rhoFwd alias rho and rhoSub: read before the write).
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
        rho[i] = merged;
      }
      const persist = whole0 > 0 && whole1 > 0 && bck0 > 0 && bck1 > 0 && fwd0 > 0 && fwd1 > 0;
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

  /** Points the integrator at trajectory end `end` (momentum `p`), stepping by `signedStep`. */
  private startFrom(end: EndPoint, p: Float64Array, signedStep: number): void {
    this.q = end.q;
    this.g = end.g;
    this.p = p;
    this.logp = end.logp;
    this.signedStep = signedStep;
  }

  /**
   * Copies the integrator's state into trajectory end `end` (its momentum is already the new
   * subtree's end array): the proposal arrays that hold it are overwritten by the next doubling.
   */
  private endAt(end: EndPoint): void {
    end.q.set(this.q);
    end.g.set(this.g);
    end.logp = this.logp;
  }

  /**
   * Builds a subtree of 2^depth leapfrog steps from the integrator's state in the direction of
   * `this.signedStep`; leaves its log weight in `subtreeLogWeight`; returns its validity (no
   * divergence and no U-turn inside). Writes (not adds) the subtree's momentum sum into `rho`, its
   * selected state into `propose`, and its end momenta and velocities.
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
    if (depth === 0) {
      // Only a transition's first doubling builds a one-state subtree: both its ends and its
      // momentum sum are that state's.
      if (!this.leaf(propose, pSharpBeg, pBeg)) return false;
      pSharpEnd.set(pSharpBeg);
      pEnd.set(pBeg);
      rho.set(pBeg);
      return true;
    }
    if (depth === 1) return this.twoStepTree(propose, pSharpBeg, pSharpEnd, rho, pBeg, pEnd);

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
    this.sampleWithin(propose, level.proposeFinal, logWeightInit, this.subtreeLogWeight);

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
   * The depth-1 case of {@link buildTree}: two leapfrog steps. Each half is one state, so the
   * checks of each half extended by the other's first state are the whole tree's (the same sums
   * Σ p♯·(p_a + p_b), as floating-point addition commutes): two sums instead of six, computed by
   * the second step ({@link closingLeaf}), and the halves' boundaries are the tree's own ends.
   */
  private twoStepTree(
    propose: Proposal,
    pSharpBeg: Float64Array,
    pSharpEnd: Float64Array,
    rho: Float64Array,
    pBeg: Float64Array,
    pEnd: Float64Array,
  ): boolean {
    const proposeFinal = this.levels[1].proposeFinal;
    if (!this.leaf(propose, pSharpBeg, pBeg)) return false;
    const logWeightInit = this.subtreeLogWeight;
    if (!this.closingLeaf(proposeFinal, pSharpEnd, pEnd, pSharpBeg, pBeg, rho)) return false;
    this.sampleWithin(propose, proposeFinal, logWeightInit, this.subtreeLogWeight);
    return this.pairTurn0 > 0 && this.pairTurn1 > 0;
  }

  /**
   * Uniform progressive sampling inside a subtree: the final half's proposal replaces the init
   * half's with probability w_final / (w_init + w_final); leaves the merged log weight.
   */
  private sampleWithin(
    propose: Proposal,
    proposeFinal: Proposal,
    logWeightInit: number,
    logWeightFinal: number,
  ): void {
    const logWeight = logSumExp(logWeightInit, logWeightFinal);
    if (logWeightFinal > logWeight) {
      propose.swap(proposeFinal);
    } else if (this.rng!.uniform() < Math.exp(logWeightFinal - logWeight)) {
      propose.swap(proposeFinal);
    }
    this.subtreeLogWeight = logWeight;
  }

  /**
   * One leapfrog step from the integrator's state (a depth-0 subtree): the new position and
   * gradient are written into `propose`'s arrays, the new momentum into `pOut` and its velocity
   * into `pSharpOut` (the subtree's boundary arrays), and the integrator's state then points at
   * them. None of them is an array it reads, so the old state stays intact for whoever holds it:
   * a step that starts a final half writes into that level's proposeFinal and boundary arrays,
   * while the previous step's values sit in the init half's (or, for a doubling's first step, in
   * a trajectory end's own arrays). For a diagonal metric the integrator's and the bookkeeping's
   * passes are fused (the same arithmetic as {@link leapfrog}, {@link velocity} and
   * {@link kineticEnergy}).
   */
  private leaf(propose: Proposal, pSharpOut: Float64Array, pOut: Float64Array): boolean {
    const metric = this.metric!;
    if (metric.kind !== "diag") return this.denseLeaf(propose, pSharpOut, pOut);
    const m = metric.inverse;
    const half = 0.5 * this.signedStep;
    const logp = this.kickDrift(propose, pOut, m, half);
    const g = propose.g;
    let twice = 0;
    for (let i = 0; i < this.dim; i++) {
      const pi = pOut[i] + half * g[i];
      pOut[i] = pi;
      const v = m[i] * pi;
      twice += pi * v;
      pSharpOut[i] = v;
    }
    return this.record(propose, pOut, logp, 0.5 * twice);
  }

  /**
   * The second step of a two-step tree: {@link leaf}, also writing the tree's momentum sum
   * ρ = p_a + p_b into `rho` and leaving its two U-turn sums Σ p♯_a·ρ and Σ p♯_b·ρ in `pairTurn0`
   * and `pairTurn1`. With a diagonal metric they are computed in the step's last pass, where
   * their additions overlap the kinetic energy's (each sum is a chain of dependent additions).
   */
  private closingLeaf(
    propose: Proposal,
    pSharpOut: Float64Array,
    pOut: Float64Array,
    pSharpFirst: Float64Array,
    pFirst: Float64Array,
    rho: Float64Array,
  ): boolean {
    const metric = this.metric!;
    if (metric.kind !== "diag") {
      const valid = this.denseLeaf(propose, pSharpOut, pOut);
      let turn0 = 0, turn1 = 0;
      for (let i = 0; i < this.dim; i++) {
        const merged = pFirst[i] + pOut[i];
        rho[i] = merged;
        turn0 += pSharpFirst[i] * merged;
        turn1 += pSharpOut[i] * merged;
      }
      this.pairTurn0 = turn0;
      this.pairTurn1 = turn1;
      return valid;
    }
    const m = metric.inverse;
    const half = 0.5 * this.signedStep;
    const logp = this.kickDrift(propose, pOut, m, half);
    const g = propose.g;
    let twice = 0, turn0 = 0, turn1 = 0;
    for (let i = 0; i < this.dim; i++) {
      const pi = pOut[i] + half * g[i];
      const v = m[i] * pi;
      const merged = pFirst[i] + pi;
      pOut[i] = pi;
      pSharpOut[i] = v;
      rho[i] = merged;
      twice += pi * v;
      turn0 += pSharpFirst[i] * merged;
      turn1 += v * merged;
    }
    this.pairTurn0 = turn0;
    this.pairTurn1 = turn1;
    return this.record(propose, pOut, logp, 0.5 * twice);
  }

  /**
   * A diagonal-metric leapfrog step's first half kick and drift from the integrator's state, in
   * one pass (half-step momentum into `pOut`, new position into `propose.q`), then the gradient
   * into `propose.g`; returns the log density. The second half kick is the caller's last pass.
   */
  private kickDrift(propose: Proposal, pOut: Float64Array, m: Float64Array, half: number): number {
    const q = this.q, g = this.g, p = this.p;
    const qNew = propose.q;
    const eps = this.signedStep;
    for (let i = 0; i < this.dim; i++) {
      const pi = p[i] + half * g[i];
      pOut[i] = pi;
      qNew[i] = q[i] + eps * (m[i] * pi);
    }
    return this.target!.logDensityGradient(qNew, propose.g);
  }

  /** {@link leaf} for a dense metric: the generic integrator on copies of the state. */
  private denseLeaf(propose: Proposal, pSharpOut: Float64Array, pOut: Float64Array): boolean {
    const metric = this.metric!;
    propose.q.set(this.q);
    propose.g.set(this.g);
    pOut.set(this.p);
    const logp = leapfrog(
      this.target!,
      propose.q,
      pOut,
      propose.g,
      this.signedStep,
      metric,
      this.scratch,
    );
    velocity(metric, pOut, pSharpOut);
    return this.record(propose, pOut, logp, kineticEnergy(pOut, pSharpOut));
  }

  /**
   * Books a finished leapfrog step: the integrator's state moves to it, its Hamiltonian and
   * weight go into `propose` and the transition's statistics; returns false once divergent.
   */
  private record(propose: Proposal, p: Float64Array, logp: number, kinetic: number): boolean {
    this.q = propose.q;
    this.g = propose.g;
    this.p = p;
    this.logp = logp;
    this.nLeapfrog++;
    let h = -logp + kinetic;
    if (Number.isNaN(h)) h = Infinity;
    if (h - this.h0 > MAX_DELTA_H) this.divergent = true;
    const logWeight = this.h0 - h;
    this.subtreeLogWeight = logWeight;
    this.sumMetroProb += logWeight > 0 ? 1 : Math.exp(logWeight);
    propose.logp = logp;
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
  workspace: NutsKernel,
): { state: NutsState; info: NutsInfo } {
  return workspace.transition(target, state, params, rng);
}
