// AssemblyScript source (not a Deno module) of lib/sampler/nuts_kernel_wasm.ts, built by
// `deno task build-wasm` (tools/build_wasm.ts) with the memory imported, so that its size is set
// once, when the caller makes it, and never grows. It is one NUTS transition of
// lib/sampler/nuts.ts (NutsWorkspace.transition) with the same arithmetic in the same order, so
// that both give the same draws bit for bit, and the same random stream (lib/math/rng.ts's
// KeyedStream, continued here from the state the caller writes); the log density and gradient,
// and exp, log1p, log, sin and cos come from imported JavaScript functions (V8's Math, not this
// compiler's, whose last bits can differ). nuts.ts stays the reference: tests compare the two.
// Why: compiled WebAssembly runs near full speed from its first call, where V8 has to compile the
// JavaScript sampler again in every worker (docs/ARCHITECTURE.md, "WebAssembly on the sampling
// path").
//
// Memory from `ws` (setup), each array `dim` f64 ("a slot"), in this order:
//   0 1    the forward trajectory end's position and gradient (the caller writes the start
//          state here before a transition)
//   2 3    the backward end's position and gradient
//   4..7   the momenta and velocities p, p♯ at the trajectory's four boundaries, and
//   8..11  (exchanged by reference)
//   12 13  ρ and the new subtree's ρ
//   14     scratch (the dense leapfrog's M⁻¹p)
//   15..   per depth d < maxDepth, 8 slots: the final half's proposal (position, gradient), the
//          init half's end p, p♯ and ρ, the final half's beginning p, p♯ and ρ
//   then   4 proposal slots (the transition's selected state and the new subtree's), the inverse
//          metric (dim, or dim × dim row-major when dense), the momentum's scale (dim: 1/√ of the
//          diagonal) or the metric's Cholesky factor (dim × dim), 8 f64 of results
//          (resultAddress()), the random stream's state (rngAddress(): 12 u32 and a f64, as
//          lib/math/rng.ts's KeyedStream.saveState writes it) and the proposal records:
//          {position address i32, gradient address i32, log density f64, energy f64}, 24 bytes
//          each: the sample, the subtree's proposal, then one per depth. A record's arrays change
//          owner by swapping addresses, never by copying.

// Imported from the module "nuts_kernel" (the compiler names imports after the file).
/** log π(q) and its gradient into g (addresses of dim f64). */
declare function logDensityGradient(q: usize, g: usize): f64;
/** V8's Math.exp, log1p, log, sin and cos. */
declare function hostExp(x: f64): f64;
declare function hostLog1p(x: f64): f64;
declare function hostLog(x: f64): f64;
declare function hostSin(x: f64): f64;
declare function hostCos(x: f64): f64;

/** Energy error above which a trajectory is declared divergent (Stan's max_deltaH). */
const MAX_DELTA_H: f64 = 1000;
const RECORD: usize = 24;

let dim: i32 = 0;
let slotBytes: usize = 0;
let fwdQ: usize = 0;
let fwdG: usize = 0;
let fwdLogp: f64 = 0;
let bckQ: usize = 0;
let bckG: usize = 0;
let bckLogp: f64 = 0;
let pFwdFwd: usize = 0;
let pSharpFwdFwd: usize = 0;
let pFwdBck: usize = 0;
let pSharpFwdBck: usize = 0;
let pBckFwd: usize = 0;
let pSharpBckFwd: usize = 0;
let pBckBck: usize = 0;
let pSharpBckBck: usize = 0;
let rhoAll: usize = 0;
let rhoSubtree: usize = 0;
let scratch: usize = 0;
let levels: usize = 0;
let metric: usize = 0;
let momentumFactor: usize = 0;
let result: usize = 0;
let rng: usize = 0;
let records: usize = 0;
// The integrator's current state (see nuts.ts): position, gradient, momentum, log density.
let curQ: usize = 0;
let curG: usize = 0;
let curP: usize = 0;
let curLogp: f64 = 0;
let pairTurn0: f64 = 0;
let pairTurn1: f64 = 0;
let dense: i32 = 0;
let signedStep: f64 = 0;
let h0: f64 = 0;
let nLeapfrog: i32 = 0;
let sumMetroProb: f64 = 0;
let divergent: bool = false;
let subtreeLogWeight: f64 = -Infinity;

/** First free byte after the module's static data (16-aligned): where the workspace goes. */
export function heapStart(): usize {
  return (__heap_base + 15) & ~15;
}

/**
 * Bytes of the workspace for `n` parameters, tree depth up to `depth`, a dense metric or not, as
 * an f64: exact where the count passes 2³² (usize arithmetic would wrap to a small number, and the
 * caller would make a memory that setup's addresses overrun); the caller refuses such sizes.
 */
export function workspaceBytes(n: i32, depth: i32, isDense: i32): f64 {
  const slot = 8 * <f64> n;
  const metricBytes = isDense ? slot * <f64> n : slot;
  return slot * <f64> (15 + 8 * depth + 4) + 2 * metricBytes + 64 + 56 +
    <f64> RECORD * <f64> (2 + depth);
}

/** Lays the workspace out from `ws` (see the header); `isDense` fixes the metric's kind. */
export function setup(ws: usize, n: i32, depth: i32, isDense: i32): void {
  dim = n;
  dense = isDense;
  slotBytes = <usize> n << 3;
  fwdQ = ws;
  fwdG = slot(1);
  bckQ = slot(2);
  bckG = slot(3);
  pFwdFwd = slot(4);
  pSharpFwdFwd = slot(5);
  pFwdBck = slot(6);
  pSharpFwdBck = slot(7);
  pBckFwd = slot(8);
  pSharpBckFwd = slot(9);
  pBckBck = slot(10);
  pSharpBckBck = slot(11);
  rhoAll = slot(12);
  rhoSubtree = slot(13);
  scratch = slot(14);
  levels = slot(15);
  const proposals = slot(15 + 8 * depth);
  metric = proposals + 4 * slotBytes;
  momentumFactor = metric + (isDense ? slotBytes * <usize> n : slotBytes);
  result = momentumFactor + (isDense ? slotBytes * <usize> n : slotBytes);
  rng = result + 64;
  records = rng + 56;
  setRecord(sampleRecord(), proposals, proposals + slotBytes);
  setRecord(proposeRecord(), proposals + 2 * slotBytes, proposals + 3 * slotBytes);
  for (let d = 0; d < depth; d++) {
    setRecord(levelRecord(d), levelSlot(d, 0), levelSlot(d, 1));
  }
  curQ = fwdQ;
  curG = fwdG;
  curP = pFwdFwd;
}

function slot(k: i32): usize {
  return fwdQ + <usize> k * slotBytes;
}

function levelSlot(d: i32, k: i32): usize {
  return levels + <usize> (8 * d + k) * slotBytes;
}

function sampleRecord(): usize {
  return records;
}

function proposeRecord(): usize {
  return records + RECORD;
}

function levelRecord(d: i32): usize {
  return records + RECORD * <usize> (2 + d);
}

function setRecord(r: usize, q: usize, g: usize): void {
  store<u32>(r, <u32> q);
  store<u32>(r, <u32> g, 4);
  store<f64>(r, 0, 8);
  store<f64>(r, 0, 16);
}

function recordQ(r: usize): usize {
  return <usize> load<u32>(r);
}

function recordG(r: usize): usize {
  return <usize> load<u32>(r, 4);
}

/** Exchanges two proposal records' contents (nuts.ts's Proposal.swap). */
function swapRecords(a: usize, b: usize): void {
  const q = load<u32>(a);
  const g = load<u32>(a, 4);
  const logp = load<f64>(a, 8);
  const energy = load<f64>(a, 16);
  store<u32>(a, load<u32>(b));
  store<u32>(a, load<u32>(b, 4), 4);
  store<f64>(a, load<f64>(b, 8), 8);
  store<f64>(a, load<f64>(b, 16), 16);
  store<u32>(b, q);
  store<u32>(b, g, 4);
  store<f64>(b, logp, 8);
  store<f64>(b, energy, 16);
}

/** Where the caller writes the inverse metric. */
export function metricAddress(): usize {
  return metric;
}

/** Where the caller writes the momentum's scale (diagonal) or the metric's Cholesky factor. */
export function momentumFactorAddress(): usize {
  return momentumFactor;
}

/** Where the caller writes the random stream's state before a transition and reads it after. */
export function rngAddress(): usize {
  return rng;
}

/**
 * The results of the last transition: acceptance statistic, leapfrog steps, divergent (0/1),
 * the selected state's energy and log density, and its position's and gradient's addresses.
 */
export function resultAddress(): usize {
  return result;
}

function copy(to: usize, from: usize): void {
  memory.copy(to, from, slotBytes);
}

function at(base: usize, i: i32): usize {
  return base + (<usize> i << 3);
}

/** out = M⁻¹p (out must not alias p): metric.ts's velocity. */
function velocity(p: usize, out: usize): void {
  const n = dim;
  if (!dense) {
    for (let i = 0; i < n; i++) {
      store<f64>(at(out, i), load<f64>(at(metric, i)) * load<f64>(at(p, i)));
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    let s = 0.0;
    const row = metric + <usize> i * slotBytes;
    for (let j = 0; j < n; j++) s += load<f64>(at(row, j)) * load<f64>(at(p, j));
    store<f64>(at(out, i), s);
  }
}

/** ½ pᵀp♯: leapfrog.ts's kineticEnergy. */
function kinetic(p: usize, pSharp: usize): f64 {
  let s = 0.0;
  for (let i = 0; i < dim; i++) s += load<f64>(at(p, i)) * load<f64>(at(pSharp, i));
  return 0.5 * s;
}

function logSumExp(a: f64, b: f64): f64 {
  if (a == -Infinity) return b;
  if (b == -Infinity) return a;
  return a > b ? a + hostLog1p(hostExp(b - a)) : b + hostLog1p(hostExp(a - b));
}

// The random stream: lib/math/rng.ts's KeyedStream (Philox4x32-10, uniforms from 52 bits of a
// word pair, Box–Muller normals), its state at rngAddress(): k0 k1 c0 c1 c2 block used hasSpare
// words[4] as u32, then the kept normal as f64.
const M0: u64 = 0xd2511f53;
const M1: u64 = 0xcd9e8d57;
const W0: u32 = 0x9e3779b9;
const W1: u32 = 0xbb67ae85;
const TWO26: f64 = 67108864;
const INV_TWO52: f64 = 1 / 4503599627370496;
const TWO_PI: f64 = 2 * Math.PI;

function word(i: i32): u32 {
  return load<u32>(rng + (<usize> i << 2));
}

function setWord(i: i32, v: u32): void {
  store<u32>(rng + (<usize> i << 2), v);
}

/** The next Philox block of the stream into its words (rng.ts's philox4x32), block + 1. */
function nextBlock(): void {
  let x0 = word(2), x1 = word(3), x2 = word(4), x3 = word(5);
  let key0 = word(0), key1 = word(1);
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      key0 += W0;
      key1 += W1;
    }
    const p0 = M0 * <u64> x0;
    const p1 = M1 * <u64> x2;
    x0 = <u32> (p1 >> 32) ^ x1 ^ key0;
    x1 = <u32> p1;
    x2 = <u32> (p0 >> 32) ^ x3 ^ key1;
    x3 = <u32> p0;
  }
  setWord(8, x0);
  setWord(9, x1);
  setWord(10, x2);
  setWord(11, x3);
  setWord(5, word(5) + 1);
}

function toUniform(a: u32, b: u32): f64 {
  return (<f64> (a >>> 6) * TWO26 + <f64> (b >>> 6) + 0.5) * INV_TWO52;
}

/** KeyedStream.uniform. */
function uniform(): f64 {
  let used = word(6);
  if (used == 2) {
    nextBlock();
    used = 0;
  }
  setWord(6, used + 1);
  const i = 8 + 2 * <i32> used;
  return toUniform(word(i), word(i + 1));
}

/** KeyedStream.normal. */
function normal(): f64 {
  const spareAt = rng + 48;
  if (word(7) == 1) {
    setWord(7, 0);
    return load<f64>(spareAt);
  }
  const u1 = uniform();
  const u2 = uniform();
  const r = Math.sqrt(-2 * hostLog(u1));
  const angle = TWO_PI * u2;
  store<f64>(spareAt, r * hostSin(angle));
  setWord(7, 1);
  return r * hostCos(angle);
}

/** KeyedStream.fillNormals into `dim` f64 at `out`. */
function fillNormals(out: usize): void {
  let i = 0;
  if (word(7) == 1 && dim > 0) store<f64>(at(out, i++), normal());
  while (i + 1 < dim && word(6) == 2) {
    nextBlock();
    const r = Math.sqrt(-2 * hostLog(toUniform(word(8), word(9))));
    const angle = TWO_PI * toUniform(word(10), word(11));
    store<f64>(at(out, i++), r * hostCos(angle));
    store<f64>(at(out, i++), r * hostSin(angle));
  }
  for (; i < dim; i++) store<f64>(at(out, i), normal());
}

/** metric.ts's sampleMomentum: p ~ N(0, M) into `out`. */
function sampleMomentum(out: usize): void {
  fillNormals(out);
  const n = dim;
  if (!dense) {
    for (let i = 0; i < n; i++) {
      store<f64>(at(out, i), load<f64>(at(out, i)) * load<f64>(at(momentumFactor, i)));
    }
    return;
  }
  // Back substitution with U = Lᵀ: U[i][j] = L[j][i].
  for (let i = n - 1; i >= 0; i--) {
    let s = load<f64>(at(out, i));
    for (let j = i + 1; j < n; j++) {
      s -= load<f64>(at(momentumFactor + <usize> j * slotBytes, i)) * load<f64>(at(out, j));
    }
    store<f64>(at(out, i), s / load<f64>(at(momentumFactor + <usize> i * slotBytes, i)));
  }
}

/**
 * One transition from the state the caller wrote into slots 0 and 1 (log density `logp0`): draws
 * the momentum p₀ from the stream at rngAddress() (then the direction and selection uniforms, as
 * nuts.ts does); returns the tree depth and fills resultAddress().
 */
export function transition(logp0: f64, stepSize: f64, maxTreedepth: i32): i32 {
  sampleMomentum(pFwdFwd);
  copy(bckQ, fwdQ);
  copy(bckG, fwdG);
  fwdLogp = logp0;
  bckLogp = logp0;
  velocity(pFwdFwd, pSharpFwdFwd);
  copy(pBckBck, pFwdFwd);
  copy(pSharpBckBck, pSharpFwdFwd);
  copy(rhoAll, pFwdFwd);

  let logSumWeight = 0.0;
  h0 = -logp0 + kinetic(pFwdFwd, pSharpFwdFwd);
  const sample = sampleRecord();
  const propose = proposeRecord();
  copy(recordQ(sample), fwdQ);
  copy(recordG(sample), fwdG);
  store<f64>(sample, logp0, 8);
  store<f64>(sample, h0, 16);
  nLeapfrog = 0;
  sumMetroProb = 0;
  divergent = false;
  let depth = 0;

  while (depth < maxTreedepth) {
    let rhoFwd: usize;
    let rhoBck: usize;
    let valid: bool;
    if (uniform() > 0.5) {
      const p = pBckFwd;
      const pSharp = pSharpBckFwd;
      pBckFwd = pFwdFwd;
      pSharpBckFwd = pSharpFwdFwd;
      pFwdFwd = p;
      pSharpFwdFwd = pSharp;
      curQ = fwdQ;
      curG = fwdG;
      curP = pBckFwd;
      curLogp = fwdLogp;
      signedStep = stepSize;
      valid = buildTree(depth, propose, pSharpFwdBck, pSharpFwdFwd, rhoSubtree, pFwdBck, pFwdFwd);
      if (valid) {
        copy(fwdQ, curQ);
        copy(fwdG, curG);
        fwdLogp = curLogp;
      }
      rhoBck = rhoAll;
      rhoFwd = rhoSubtree;
    } else {
      const p = pFwdBck;
      const pSharp = pSharpFwdBck;
      pFwdBck = pBckBck;
      pSharpFwdBck = pSharpBckBck;
      pBckBck = p;
      pSharpBckBck = pSharp;
      curQ = bckQ;
      curG = bckG;
      curP = pFwdBck;
      curLogp = bckLogp;
      signedStep = -stepSize;
      valid = buildTree(depth, propose, pSharpBckFwd, pSharpBckBck, rhoSubtree, pBckFwd, pBckBck);
      if (valid) {
        copy(bckQ, curQ);
        copy(bckG, curG);
        bckLogp = curLogp;
      }
      rhoFwd = rhoAll;
      rhoBck = rhoSubtree;
    }
    if (!valid) break;
    depth++;

    // Biased progressive sampling: prefer the new subtree.
    const subtreeWeight = subtreeLogWeight;
    if (subtreeWeight > logSumWeight) {
      swapRecords(sample, propose);
    } else if (uniform() < hostExp(subtreeWeight - logSumWeight)) {
      swapRecords(sample, propose);
    }
    logSumWeight = logSumExp(logSumWeight, subtreeWeight);

    let whole0 = 0.0, whole1 = 0.0, bck0 = 0.0, bck1 = 0.0, fwd0 = 0.0, fwd1 = 0.0;
    for (let i = 0; i < dim; i++) {
      const merged = load<f64>(at(rhoAll, i)) + load<f64>(at(rhoSubtree, i));
      whole0 += load<f64>(at(pSharpBckBck, i)) * merged;
      whole1 += load<f64>(at(pSharpFwdFwd, i)) * merged;
      const bck = load<f64>(at(rhoBck, i)) + load<f64>(at(pFwdBck, i));
      bck0 += load<f64>(at(pSharpBckBck, i)) * bck;
      bck1 += load<f64>(at(pSharpFwdBck, i)) * bck;
      const fwd = load<f64>(at(rhoFwd, i)) + load<f64>(at(pBckFwd, i));
      fwd0 += load<f64>(at(pSharpBckFwd, i)) * fwd;
      fwd1 += load<f64>(at(pSharpFwdFwd, i)) * fwd;
      store<f64>(at(rhoAll, i), merged);
    }
    const persist = whole0 > 0 && whole1 > 0 && bck0 > 0 && bck1 > 0 && fwd0 > 0 && fwd1 > 0;
    if (!persist) break;
  }

  store<f64>(result, nLeapfrog > 0 ? sumMetroProb / <f64> nLeapfrog : 0);
  store<f64>(result, <f64> nLeapfrog, 8);
  store<f64>(result, divergent ? 1 : 0, 16);
  store<f64>(result, load<f64>(sample, 16), 24);
  store<f64>(result, load<f64>(sample, 8), 32);
  store<f64>(result, <f64> recordQ(sample), 40);
  store<f64>(result, <f64> recordG(sample), 48);
  return depth;
}

/** nuts.ts's buildTree: a subtree of 2^depth steps from the integrator's state. */
function buildTree(
  depth: i32,
  propose: usize,
  pSharpBeg: usize,
  pSharpEnd: usize,
  rho: usize,
  pBeg: usize,
  pEnd: usize,
): bool {
  if (depth == 0) {
    if (!leaf(propose, pSharpBeg, pBeg)) return false;
    copy(pSharpEnd, pSharpBeg);
    copy(pEnd, pBeg);
    copy(rho, pBeg);
    return true;
  }
  if (depth == 1) return twoStepTree(propose, pSharpBeg, pSharpEnd, rho, pBeg, pEnd);

  const proposeFinal = levelRecord(depth);
  const pInitEnd = levelSlot(depth, 2);
  const pSharpInitEnd = levelSlot(depth, 3);
  const rhoInit = levelSlot(depth, 4);
  const pFinalBeg = levelSlot(depth, 5);
  const pSharpFinalBeg = levelSlot(depth, 6);
  const rhoFinal = levelSlot(depth, 7);
  if (!buildTree(depth - 1, propose, pSharpBeg, pSharpInitEnd, rhoInit, pBeg, pInitEnd)) {
    return false;
  }
  const logWeightInit = subtreeLogWeight;
  if (!buildTree(depth - 1, proposeFinal, pSharpFinalBeg, pSharpEnd, rhoFinal, pFinalBeg, pEnd)) {
    return false;
  }
  sampleWithin(propose, proposeFinal, logWeightInit, subtreeLogWeight);

  let whole0 = 0.0, whole1 = 0.0, init0 = 0.0, init1 = 0.0, final0 = 0.0, final1 = 0.0;
  for (let i = 0; i < dim; i++) {
    const ri = load<f64>(at(rhoInit, i));
    const rf = load<f64>(at(rhoFinal, i));
    const merged = ri + rf;
    store<f64>(at(rho, i), merged);
    whole0 += load<f64>(at(pSharpBeg, i)) * merged;
    whole1 += load<f64>(at(pSharpEnd, i)) * merged;
    const init = ri + load<f64>(at(pFinalBeg, i));
    init0 += load<f64>(at(pSharpBeg, i)) * init;
    init1 += load<f64>(at(pSharpFinalBeg, i)) * init;
    const fin = rf + load<f64>(at(pInitEnd, i));
    final0 += load<f64>(at(pSharpInitEnd, i)) * fin;
    final1 += load<f64>(at(pSharpEnd, i)) * fin;
  }
  return whole0 > 0 && whole1 > 0 && init0 > 0 && init1 > 0 && final0 > 0 && final1 > 0;
}

/** nuts.ts's twoStepTree. */
function twoStepTree(
  propose: usize,
  pSharpBeg: usize,
  pSharpEnd: usize,
  rho: usize,
  pBeg: usize,
  pEnd: usize,
): bool {
  const proposeFinal = levelRecord(1);
  if (!leaf(propose, pSharpBeg, pBeg)) return false;
  const logWeightInit = subtreeLogWeight;
  if (!closingLeaf(proposeFinal, pSharpEnd, pEnd, pSharpBeg, pBeg, rho)) return false;
  sampleWithin(propose, proposeFinal, logWeightInit, subtreeLogWeight);
  return pairTurn0 > 0 && pairTurn1 > 0;
}

/** nuts.ts's sampleWithin: uniform progressive sampling inside a subtree. */
function sampleWithin(
  propose: usize,
  proposeFinal: usize,
  logWeightInit: f64,
  logWeightFinal: f64,
): void {
  const logWeight = logSumExp(logWeightInit, logWeightFinal);
  if (logWeightFinal > logWeight) {
    swapRecords(propose, proposeFinal);
  } else if (uniform() < hostExp(logWeightFinal - logWeight)) {
    swapRecords(propose, proposeFinal);
  }
  subtreeLogWeight = logWeight;
}

/** nuts.ts's leaf: one leapfrog step into `propose`, `pOut` and `pSharpOut`. */
function leaf(propose: usize, pSharpOut: usize, pOut: usize): bool {
  if (dense) return denseLeaf(propose, pSharpOut, pOut);
  const half = 0.5 * signedStep;
  const logp = kickDrift(propose, pOut, half);
  const g = recordG(propose);
  let twice = 0.0;
  for (let i = 0; i < dim; i++) {
    const pi = load<f64>(at(pOut, i)) + half * load<f64>(at(g, i));
    store<f64>(at(pOut, i), pi);
    const v = load<f64>(at(metric, i)) * pi;
    twice += pi * v;
    store<f64>(at(pSharpOut, i), v);
  }
  return record(propose, pOut, logp, 0.5 * twice);
}

/** nuts.ts's closingLeaf: the second step of a two-step tree, with its two U-turn sums. */
function closingLeaf(
  propose: usize,
  pSharpOut: usize,
  pOut: usize,
  pSharpFirst: usize,
  pFirst: usize,
  rho: usize,
): bool {
  if (dense) {
    const valid = denseLeaf(propose, pSharpOut, pOut);
    let turn0 = 0.0, turn1 = 0.0;
    for (let i = 0; i < dim; i++) {
      const merged = load<f64>(at(pFirst, i)) + load<f64>(at(pOut, i));
      store<f64>(at(rho, i), merged);
      turn0 += load<f64>(at(pSharpFirst, i)) * merged;
      turn1 += load<f64>(at(pSharpOut, i)) * merged;
    }
    pairTurn0 = turn0;
    pairTurn1 = turn1;
    return valid;
  }
  const half = 0.5 * signedStep;
  const logp = kickDrift(propose, pOut, half);
  const g = recordG(propose);
  let twice = 0.0, turn0 = 0.0, turn1 = 0.0;
  for (let i = 0; i < dim; i++) {
    const pi = load<f64>(at(pOut, i)) + half * load<f64>(at(g, i));
    const v = load<f64>(at(metric, i)) * pi;
    const merged = load<f64>(at(pFirst, i)) + pi;
    store<f64>(at(pOut, i), pi);
    store<f64>(at(pSharpOut, i), v);
    store<f64>(at(rho, i), merged);
    twice += pi * v;
    turn0 += load<f64>(at(pSharpFirst, i)) * merged;
    turn1 += v * merged;
  }
  pairTurn0 = turn0;
  pairTurn1 = turn1;
  return record(propose, pOut, logp, 0.5 * twice);
}

/** nuts.ts's kickDrift: half kick and drift in one pass, then the gradient at the new position. */
function kickDrift(propose: usize, pOut: usize, half: f64): f64 {
  const q = curQ, g = curG, p = curP;
  const qNew = recordQ(propose);
  const eps = signedStep;
  for (let i = 0; i < dim; i++) {
    const pi = load<f64>(at(p, i)) + half * load<f64>(at(g, i));
    store<f64>(at(pOut, i), pi);
    store<f64>(at(qNew, i), load<f64>(at(q, i)) + eps * (load<f64>(at(metric, i)) * pi));
  }
  return logDensityGradient(qNew, recordG(propose));
}

/** nuts.ts's denseLeaf: leapfrog.ts's leapfrog on copies of the state. */
function denseLeaf(propose: usize, pSharpOut: usize, pOut: usize): bool {
  const q = recordQ(propose);
  const g = recordG(propose);
  copy(q, curQ);
  copy(g, curG);
  copy(pOut, curP);
  const half = 0.5 * signedStep;
  for (let i = 0; i < dim; i++) {
    store<f64>(at(pOut, i), load<f64>(at(pOut, i)) + half * load<f64>(at(g, i)));
  }
  velocity(pOut, scratch);
  for (let i = 0; i < dim; i++) {
    store<f64>(at(q, i), load<f64>(at(q, i)) + signedStep * load<f64>(at(scratch, i)));
  }
  const logp = logDensityGradient(q, g);
  for (let i = 0; i < dim; i++) {
    store<f64>(at(pOut, i), load<f64>(at(pOut, i)) + half * load<f64>(at(g, i)));
  }
  velocity(pOut, pSharpOut);
  return record(propose, pOut, logp, kinetic(pOut, pSharpOut));
}

/** nuts.ts's record: books a finished leapfrog step; false once divergent. */
function record(propose: usize, p: usize, logp: f64, kineticEnergy: f64): bool {
  curQ = recordQ(propose);
  curG = recordG(propose);
  curP = p;
  curLogp = logp;
  nLeapfrog++;
  let h = -logp + kineticEnergy;
  if (isNaN(h)) h = Infinity;
  if (h - h0 > MAX_DELTA_H) divergent = true;
  const logWeight = h0 - h;
  subtreeLogWeight = logWeight;
  sumMetroProb += logWeight > 0 ? 1 : hostExp(logWeight);
  store<f64>(propose, logp, 8);
  store<f64>(propose, h, 16);
  return !divergent;
}
