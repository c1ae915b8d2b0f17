// deno-fmt-ignore-file
// AssemblyScript source (not a Deno module) of lib/model/pattern_kernel_wasm.ts, built by
// `deno task build-wasm` (tools/build_wasm.ts). It is one gradient of the logit pattern
// likelihoods in one call: the patterns' linear predictor η (lib/model/pattern_design.ts), the
// Bernoulli/binomial logit sum (lib/families/logit.ts logitPatterns) or the cumulative logit sum
// (lib/families/cumulative_logit_patterns.ts, with logit_category_terms.ts in the tails) with
// ∂/∂η, and the reverse pass into β, the cells' effects and the thresholds. The JavaScript stays
// the reference and the fallback: tests compare the two to 1e-12 relative (the sums here run in
// another order, two patterns per f64x2 where that helps). η comes from the dense rows (f64x2,
// two patterns at a time: no unpredictable loop bounds), ∂/∂β from the columns' listed entries
// when PatternDesign holds them sparse; or, where the design splits (lib/model/pattern_split.ts),
// η = A[a_p] + B[b_p] from two small tables and the reverse pass through them. e^η for |η| ≤ 30
// is the f64x2 exp2x (about 1 ulp), the tails keep the closed forms with AssemblyScript's
// Math.exp and log1p. With the split and max|A| + max|B| ≤ 30, e^η_p = e^A[a_p]·e^B[b_p] from the
// tables' exponentials (~200 instead of one per pattern; about 2 ulp).
//
// Memory: a header of u32 slots at heapStart() (the SLOT_ constants), then the arrays it points
// to, placed by lib/model/pattern_kernel.ts. The data (cell … n) is written once; β, ρ and τ
// before each call; ∂/∂η (first holding η) and the gradients are written by the call.

const SLOT_P = 0; // patterns
const SLOT_D = 1; // design columns (Dp: padded to an even number)
const SLOT_K = 2; // varying coefficients per cell
const SLOT_NT = 3; // thresholds (cumulative)
const SLOT_SPARSE = 4; // 1: ∂/∂β from the columns' listed entries; 0: from the dense rows
const SLOT_NRHO = 5; // nCells × K
const SLOT_CELL = 6; // i32 P
const SLOT_WA = 7; // P × K
const SLOT_MODE = 8; // D
const SLOT_START = 9; // i32 D + 1
const SLOT_ROW = 10; // i32 listed
const SLOT_VALUE = 11; // listed
const SLOT_W = 12; // P × Dp row-major, zero padded
const SLOT_Y = 13; // P: ySum (logit) or the category 1…K (cumulative)
const SLOT_N = 14; // P: trials (logit) or rows (cumulative)
const SLOT_BETA = 15; // Dp, zero padded
const SLOT_RHO = 16; // nRho
const SLOT_TAU = 17; // NT
const SLOT_DETA = 18; // P
const SLOT_GBETA = 19; // Dp
const SLOT_GRHO = 20; // nRho
const SLOT_GTAU = 21; // NT + 2: ∂/∂τ_k at index k (1 … NT), the ends unused
const SLOT_EXPTAU = 22; // NT + 2, by category (thresholdTables)
const SLOT_EXPNEGTAU = 23; // NT + 2
const SLOT_LOGGAP = 24; // NT + 2
const SLOT_GAPQ = 25; // NT + 2
// The split design (lib/model/pattern_split.ts), used when SLOT_NA > 0: η_p = A[a_p] + B[b_p].
const SLOT_AOF = 26; // i32 P: each pattern's row of A
const SLOT_BOF = 27; // i32 P: … and of B
const SLOT_COLSA = 28; // i32 dA: A's columns of the design
const SLOT_COLSB = 29; // i32 dB
const SLOT_CELLA = 30; // i32 nA: A's rows' cells
const SLOT_WAA = 31; // nA × K: A's rows' w·Â
const SLOT_TABLEA = 32; // nA × dA
const SLOT_TABLEB = 33; // nB × dB
const SLOT_ETAA = 34; // nA: A's part of η, then its ∂/∂η sums
const SLOT_ETAB = 35; // nB
const SLOT_NA = 36;
const SLOT_NB = 37;
const SLOT_DA = 38;
const SLOT_DB = 39;
// The split's exponentials (used when every |A| + |B| stays within DIRECT): e^η_p = e^A · e^B.
const SLOT_EXPA = 40; // nA (padded): e^A
const SLOT_EXPB = 41; // nB: e^B
const SLOT_INVA = 42; // nA: e^−A (cumulative)
const SLOT_INVB = 43; // nB: e^−B (cumulative)
const SLOT_YA = 44; // nA: Σ y over each row's patterns (logit), so Σ_p y_p η_p = Σ y_A A + Σ y_B B
const SLOT_YB = 45; // nB
// Each table row's patterns (indices into the kernel's pattern order): i32 rows + 1 starts, P.
const SLOT_ASTART = 46;
const SLOT_ALIST = 47;
const SLOT_BSTART = 48;
const SLOT_BLIST = 49;
// Runs of patterns sharing a category (cumulative; 0 for logit) and a count class (1: n = 1,
// 2: n = 2, 3: any other n), the split's patterns ordered by them: i32 4 × runs (start, end,
// category, class), and the number of runs.
const SLOT_RUNS = 50;
const SLOT_NRUNS = 51;

/** |η| (and |τ|) up to which a pattern takes the one-exponential path. */
const DIRECT: f64 = 30;
/** LogProduct (lib/families/log_product.ts): own logarithm above this, renormalise past that. */
const MAX_FACTOR: f64 = 1e30;
const RENORMALISE: f64 = 1e150;

/** First free byte after the module's static data (16-aligned): where the header goes. */
export function heapStart(): usize {
  return (__heap_base + 15) & ~15;
}

@inline function slot(s: i32): usize {
  return <usize> load<u32>(heapStart() + (<usize> s << 2));
}

@inline function f(at: usize, i: i32): f64 {
  return load<f64>(at + (<usize> i << 3));
}

@inline function setF(at: usize, i: i32, v: f64): void {
  store<f64>(at + (<usize> i << 3), v);
}

@inline function addF(at: usize, i: i32, v: f64): void {
  const a = at + (<usize> i << 3);
  store<f64>(a, load<f64>(a) + v);
}

@inline function int(at: usize, i: i32): i32 {
  return load<i32>(at + (<usize> i << 2));
}

/** Taylor coefficients 1/n! of e^r, n = 2 … 13 (|r| ≤ ln 2 / 2: truncation below 1e-17). */
const C2: f64 = 1.0 / 2;
const C3: f64 = 1.0 / 6;
const C4: f64 = 1.0 / 24;
const C5: f64 = 1.0 / 120;
const C6: f64 = 1.0 / 720;
const C7: f64 = 1.0 / 5040;
const C8: f64 = 1.0 / 40320;
const C9: f64 = 1.0 / 362880;
const C10: f64 = 1.0 / 3628800;
const C11: f64 = 1.0 / 39916800;
const C12: f64 = 1.0 / 479001600;
const C13: f64 = 1.0 / 6227020800;
/** ln 2 in two parts (fdlibm): k·LN2_HI is exact for |k| < 2^20. */
const LN2_HI: f64 = 6.93147180369123816490e-1;
const LN2_LO: f64 = 1.90821492927058770002e-10;

/**
 * e^x in both lanes for |x| ≤ DIRECT (callers clamp): x = k ln 2 + r with k = round(x / ln 2),
 * e^r by its Taylor polynomial and 2^k from k's exponent bits. Within about 1 ulp.
 */
@inline function exp2x(x: v128): v128 {
  const k = f64x2.nearest(f64x2.mul(x, f64x2.splat(1.4426950408889634)));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(k, f64x2.splat(LN2_HI))), f64x2.mul(k, f64x2.splat(LN2_LO)));
  // Estrin's scheme: a short dependency chain, so that consecutive patterns overlap.
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const r8 = f64x2.mul(r4, r4);
  const p01 = f64x2.add(f64x2.splat(1), r);
  const p23 = f64x2.add(f64x2.splat(C2), f64x2.mul(r, f64x2.splat(C3)));
  const p45 = f64x2.add(f64x2.splat(C4), f64x2.mul(r, f64x2.splat(C5)));
  const p67 = f64x2.add(f64x2.splat(C6), f64x2.mul(r, f64x2.splat(C7)));
  const p89 = f64x2.add(f64x2.splat(C8), f64x2.mul(r, f64x2.splat(C9)));
  const p1011 = f64x2.add(f64x2.splat(C10), f64x2.mul(r, f64x2.splat(C11)));
  const p1213 = f64x2.add(f64x2.splat(C12), f64x2.mul(r, f64x2.splat(C13)));
  const p0to3 = f64x2.add(p01, f64x2.mul(r2, p23));
  const p4to7 = f64x2.add(p45, f64x2.mul(r2, p67));
  const p8to11 = f64x2.add(p89, f64x2.mul(r2, p1011));
  const p0to7 = f64x2.add(p0to3, f64x2.mul(r4, p4to7));
  const p8to13 = f64x2.add(p8to11, f64x2.mul(r4, p1213));
  const q = f64x2.add(p0to7, f64x2.mul(r8, p8to13));
  const bits = i64x2.shl(i64x2.add(i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(k)), i64x2.splat(1023)), 52);
  return f64x2.mul(q, bits);
}

/** The running product and log sum of Σ n·log f (LogProduct). */
let product: f64 = 1;
let logSum: f64 = 0;

@inline function addFactor(fac: f64, n: f64): void {
  if (fac > MAX_FACTOR || (n != 1 && n != 2)) {
    logSum += n * Math.log(fac);
    return;
  }
  product *= n == 1 ? fac : fac * fac;
  if (product > RENORMALISE) {
    logSum += Math.log(product);
    product = 1;
  }
}

/** The pattern loop's inputs, read from the header at the start of each call. */
/** Two lanes of the running product: factors f^n with n = 1 or 2 (|η| ≤ DIRECT keeps f < 1e30). */
let productPair: v128 = f64x2.splat(1);

/**
 * `product` times (1 + …)^n per lane (n = 1 or 2; other counts add n·log f to logSum), returned
 * renormalised: the loops keep the running product in a local (a register), not in productPair,
 * whose global would put a store and a load on every pair's dependency chain.
 */
@inline function multiplyPair(product: v128, fac: v128, n: v128): v128 {
  const one = f64x2.splat(1);
  const n1 = f64x2.eq(n, one), n2 = f64x2.eq(n, f64x2.splat(2));
  const next = f64x2.mul(
    product,
    v128.bitselect(fac, v128.bitselect(f64x2.mul(fac, fac), one, n2), n1),
  );
  if (!v128.all_true<i64>(v128.or(n1, n2))) {
    if (!i64x2.extract_lane(n1, 0) && !i64x2.extract_lane(n2, 0)) {
      logSum += f64x2.extract_lane(n, 0) * Math.log(f64x2.extract_lane(fac, 0));
    }
    if (!i64x2.extract_lane(n1, 1) && !i64x2.extract_lane(n2, 1)) {
      logSum += f64x2.extract_lane(n, 1) * Math.log(f64x2.extract_lane(fac, 1));
    }
  }
  if (v128.any_true(f64x2.gt(next, f64x2.splat(RENORMALISE)))) {
    logSum += Math.log(f64x2.extract_lane(next, 0)) + Math.log(f64x2.extract_lane(next, 1));
    return one;
  }
  return next;
}

/** Starts a sum of n·log f (both products and logSum). */
function resetFactors(): void {
  product = 1;
  productPair = f64x2.splat(1);
  logSum = 0;
}

/** Σ n·log f of the factors since resetFactors. */
function factorsTotal(): f64 {
  return logSum + Math.log(product) + Math.log(f64x2.extract_lane(productPair, 0)) +
    Math.log(f64x2.extract_lane(productPair, 1));
}

let P = 0;
let D = 0;
let Dp = 0;
let K = 0;
let sparse = false;
let cell: usize = 0;
let wA: usize = 0;
let w: usize = 0;
let beta: usize = 0;
let rho: usize = 0;
let gradRho: usize = 0;
let gradBeta: usize = 0;
let nA = 0;

/** Reads the header and zeroes the gradients. */
function begin(): void {
  P = <i32> slot(SLOT_P);
  D = <i32> slot(SLOT_D);
  Dp = (D + 1) & ~1;
  K = <i32> slot(SLOT_K);
  sparse = slot(SLOT_SPARSE) != 0;
  cell = slot(SLOT_CELL);
  wA = slot(SLOT_WA);
  w = slot(SLOT_W);
  beta = slot(SLOT_BETA);
  rho = slot(SLOT_RHO);
  gradRho = slot(SLOT_GRHO);
  gradBeta = slot(SLOT_GBETA);
  nA = <i32> slot(SLOT_NA);
  memory.fill(gradBeta, 0, <usize> Dp << 3);
  memory.fill(gradRho, 0, <usize> slot(SLOT_NRHO) << 3);
}

/** (w_pÂ)·ρ_cell(p): the cell effects' part of η_p. */
@inline function cellPart(p: i32): f64 {
  const r0 = int(cell, p) * K, aBase = p * K;
  if (K == 2) return f(wA, aBase) * f(rho, r0) + f(wA, aBase + 1) * f(rho, r0 + 1);
  let e = 0.0;
  for (let k = 0; k < K; k++) e += f(wA, aBase + k) * f(rho, r0 + k);
  return e;
}

/** η_p = w_p·β + (w_pÂ)·ρ_cell(p) into `out`, two rows at a time (two independent f64x2 sums). */
function etaPass(out: usize): void {
  const rowBytes = <usize> Dp << 3;
  let p = 0;
  for (; p + 1 < P; p += 2) {
    const row0 = w + <usize> p * rowBytes, row1 = row0 + rowBytes;
    let acc0 = f64x2.splat(0);
    let acc1 = f64x2.splat(0);
    for (let a = 0; a < Dp; a += 2) {
      const o = <usize> a << 3;
      const b = v128.load(beta + o);
      acc0 = f64x2.add(acc0, f64x2.mul(v128.load(row0 + o), b));
      acc1 = f64x2.add(acc1, f64x2.mul(v128.load(row1 + o), b));
    }
    setF(out, p, f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1) + cellPart(p));
    setF(out, p + 1, f64x2.extract_lane(acc1, 0) + f64x2.extract_lane(acc1, 1) + cellPart(p + 1));
  }
  if (p < P) {
    const row = w + <usize> p * rowBytes;
    let e = 0.0;
    for (let a = 0; a < Dp; a++) e += f(row, a) * f(beta, a);
    setF(out, p, e + cellPart(p));
  }
}

/**
 * The split's two tables (PatternSplit.forward, the same sums in the same order): A's rows
 * Σ_j w β + (w·Â)·ρ_cell, B's rows Σ_j w β. The tables are stored column by column, each padded
 * to an even number of rows: two rows per f64x2.
 */
function splitTables(): void {
  const dA = <i32> slot(SLOT_DA), dB = <i32> slot(SLOT_DB), nB = <i32> slot(SLOT_NB);
  const etaA = slot(SLOT_ETAA), etaB = slot(SLOT_ETAB);
  tableTimesBeta(slot(SLOT_TABLEA), slot(SLOT_COLSA), dA, (nA + 1) & ~1, etaA);
  tableTimesBeta(slot(SLOT_TABLEB), slot(SLOT_COLSB), dB, (nB + 1) & ~1, etaB);
  const cellA = slot(SLOT_CELLA), wAA = slot(SLOT_WAA);
  for (let i = 0; i < nA; i++) {
    const r0 = int(cellA, i) * K, ok = i * K;
    if (K == 2) addF(etaA, i, f(wAA, ok) * f(rho, r0) + f(wAA, ok + 1) * f(rho, r0 + 1));
    else for (let k = 0; k < K; k++) addF(etaA, i, f(wAA, ok + k) * f(rho, r0 + k));
  }
}

/** η_p = A[a_p] + B[b_p] into `out`, from the split's tables. */
function splitEta(out: usize): void {
  const etaA = slot(SLOT_ETAA), etaB = slot(SLOT_ETAB), aOf = slot(SLOT_AOF), bOf = slot(SLOT_BOF);
  for (let p = 0; p < P; p++) setF(out, p, f(etaA, int(aOf, p)) + f(etaB, int(bOf, p)));
}

/**
 * The largest |x| of a table's entries (`rows`: even, the padding 0), two per f64x2 (pmax: one
 * instruction; a NaN entry may be passed over, but then e^NaN makes the log-likelihood NaN, as
 * the per-pattern path would).
 */
function maxAbs(table: usize, rows: i32): f64 {
  let m = f64x2.splat(0);
  for (let o: usize = 0; o < (<usize> rows << 3); o += 16) {
    m = f64x2.pmax(m, f64x2.abs(v128.load(table + o)));
  }
  return Math.max(f64x2.extract_lane(m, 0), f64x2.extract_lane(m, 1));
}

/**
 * Whether every pattern's η = A[a] + B[b] lies within ±DIRECT because max|A| + max|B| does; then
 * e^A and e^B (and with `inverse` e^−A and e^−B) are tabled, so that the pattern loops take
 * e^η_p = e^A[a_p]·e^B[b_p] (about 2 ulp) from ~200 exponentials instead of one per pattern.
 */
function splitExponentials(inverse: bool): bool {
  const nB = <i32> slot(SLOT_NB);
  const etaA = slot(SLOT_ETAA), etaB = slot(SLOT_ETAB);
  if (!(maxAbs(etaA, (nA + 1) & ~1) + maxAbs(etaB, (nB + 1) & ~1) <= DIRECT)) return false;
  expTable(etaA, (nA + 1) & ~1, slot(SLOT_EXPA), slot(SLOT_INVA), inverse);
  expTable(etaB, (nB + 1) & ~1, slot(SLOT_EXPB), slot(SLOT_INVB), inverse);
  return true;
}

/** out = e^x over `rows` entries (an even number, |x| ≤ DIRECT), and inv = 1/out with `inverse`. */
function expTable(x: usize, rows: i32, out: usize, inv: usize, inverse: bool): void {
  for (let o: usize = 0; o < (<usize> rows << 3); o += 16) {
    const e = exp2x(v128.load(x + o));
    v128.store(out + o, e);
    if (inverse) v128.store(inv + o, f64x2.div(f64x2.splat(1), e));
  }
}

/** A table's entries at rows i0 and i1 as two lanes. */
@inline function gather(table: usize, i0: i32, i1: i32): v128 {
  return f64x2.replace_lane(f64x2.splat(f(table, i0)), 1, f(table, i1));
}

/** e^η of patterns p and p + 1 from the split's exponentials (e^A or e^−A tables). */
@inline function splitExpPair(tableA: usize, tableB: usize, aOf: usize, bOf: usize, p: i32): v128 {
  return f64x2.mul(
    gather(tableA, int(aOf, p), int(aOf, p + 1)),
    gather(tableB, int(bOf, p), int(bOf, p + 1)),
  );
}

/**
 * out (rows) = Σ_j table column j · β_cols[j], from 0, two columns per pass over out (half the
 * loads and stores of out), column pairs in order.
 */
function tableTimesBeta(table: usize, cols: usize, d: i32, rows: i32, out: usize): void {
  memory.fill(out, 0, <usize> rows << 3);
  const bytes = <usize> rows << 3;
  let j = 0;
  for (; j + 1 < d; j += 2) {
    const b0 = f64x2.splat(f(beta, int(cols, j))), b1 = f64x2.splat(f(beta, int(cols, j + 1)));
    const col0 = table + <usize> j * bytes, col1 = col0 + bytes;
    for (let o: usize = 0; o < bytes; o += 16) {
      const partial = f64x2.add(v128.load(out + o), f64x2.mul(v128.load(col0 + o), b0));
      v128.store(out + o, f64x2.add(partial, f64x2.mul(v128.load(col1 + o), b1)));
    }
  }
  if (j < d) {
    const b = f64x2.splat(f(beta, int(cols, j)));
    const col = table + <usize> j * bytes;
    for (let o: usize = 0; o < bytes; o += 16) {
      v128.store(out + o, f64x2.add(v128.load(out + o), f64x2.mul(v128.load(col + o), b)));
    }
  }
}

/**
 * gradBeta_cols[j] += Σ_i g_i · table column j: two rows per lane pair, in two accumulators (each
 * a chain of adds half as long: the sum is bound by the add's latency, not by its throughput).
 */
function tableBackward(table: usize, cols: usize, d: i32, rows: i32, g: usize): void {
  const bytes = <usize> rows << 3;
  for (let j = 0; j < d; j++) {
    const col = table + <usize> j * bytes;
    let acc0 = f64x2.splat(0);
    let acc1 = f64x2.splat(0);
    let o: usize = 0;
    for (; o + 16 < bytes; o += 32) {
      acc0 = f64x2.add(acc0, f64x2.mul(v128.load(g + o), v128.load(col + o)));
      acc1 = f64x2.add(acc1, f64x2.mul(v128.load(g + o + 16), v128.load(col + o + 16)));
    }
    if (o < bytes) acc0 = f64x2.add(acc0, f64x2.mul(v128.load(g + o), v128.load(col + o)));
    const acc = f64x2.add(acc0, acc1);
    addF(gradBeta, int(cols, j), f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1));
  }
}

/**
 * out[i] = Σ g_p over table row i's patterns (start, list: the rows' pattern lists), two partial
 * sums per row: short independent dependency chains, where a scatter into the row's slot would
 * chain through memory whenever consecutive patterns share a row.
 */
function rowSums(g: usize, start: usize, list: usize, rows: i32, out: usize): void {
  for (let i = 0; i < rows; i++) {
    let s0 = 0.0;
    let s1 = 0.0;
    let j = int(start, i);
    const end = int(start, i + 1);
    for (; j + 1 < end; j += 2) {
      s0 += f(g, int(list, j));
      s1 += f(g, int(list, j + 1));
    }
    if (j < end) s0 += f(g, int(list, j));
    setF(out, i, s0 + s1);
  }
}

/** The reverse pass through the split's tables (PatternSplit.backward, sums in another order). */
function splitBackward(g: usize): void {
  const nB = <i32> slot(SLOT_NB);
  const gA = slot(SLOT_ETAA), gB = slot(SLOT_ETAB);
  const cellA = slot(SLOT_CELLA), wAA = slot(SLOT_WAA);
  const rowsA = (nA + 1) & ~1, rowsB = (nB + 1) & ~1;
  memory.fill(gA, 0, <usize> rowsA << 3);
  memory.fill(gB, 0, <usize> rowsB << 3);
  rowSums(g, slot(SLOT_ASTART), slot(SLOT_ALIST), nA, gA);
  rowSums(g, slot(SLOT_BSTART), slot(SLOT_BLIST), nB, gB);
  tableBackward(slot(SLOT_TABLEA), slot(SLOT_COLSA), <i32> slot(SLOT_DA), rowsA, gA);
  tableBackward(slot(SLOT_TABLEB), slot(SLOT_COLSB), <i32> slot(SLOT_DB), rowsB, gB);
  for (let i = 0; i < nA; i++) {
    const gi = f(gA, i);
    const r0 = int(cellA, i) * K, ok = i * K;
    if (K == 2) {
      addF(gradRho, r0, gi * f(wAA, ok));
      addF(gradRho, r0 + 1, gi * f(wAA, ok + 1));
    } else for (let k = 0; k < K; k++) addF(gradRho, r0 + k, gi * f(wAA, ok + k));
  }
}

/** Adds g_p (w_pÂ) into the cell's ∂/∂ρ (and g_p w_p into ∂/∂β when dense). */
@inline function cellBackward(p: i32, gp: f64): void {
  const r0 = int(cell, p) * K, aBase = p * K;
  if (K == 2) {
    addF(gradRho, r0, gp * f(wA, aBase));
    addF(gradRho, r0 + 1, gp * f(wA, aBase + 1));
  } else for (let k = 0; k < K; k++) addF(gradRho, r0 + k, gp * f(wA, aBase + k));
  if (sparse) return;
  const row = w + (<usize> (p * Dp) << 3);
  const g = f64x2.splat(gp);
  for (let a = 0; a < Dp; a += 2) {
    const o = <usize> a << 3;
    v128.store(gradBeta + o, f64x2.add(v128.load(gradBeta + o), f64x2.mul(g, v128.load(row + o))));
  }
}

/** ∂/∂β_a = m_a Σ_p g_p + Σ_{p listed} g_p v_pa (sparse; PatternDesign.backward's order). */
function betaBackward(total: f64): void {
  if (!sparse) return;
  const g = slot(SLOT_DETA), start = slot(SLOT_START), row = slot(SLOT_ROW);
  const value = slot(SLOT_VALUE), mode = slot(SLOT_MODE);
  for (let a = 0; a < D; a++) {
    let s = 0.0;
    const end = int(start, a + 1);
    for (let i = int(start, a); i < end; i++) s += f(value, i) * f(g, int(row, i));
    addF(gradBeta, a, f(mode, a) * total + s);
  }
}

/** Whether both lanes of η lie within ±DIRECT (the pair's one-exponential path). */
@inline function bothDirect(x: v128): bool {
  return v128.all_true<i64>(
    v128.and(f64x2.ge(x, f64x2.splat(-DIRECT)), f64x2.le(x, f64x2.splat(DIRECT))),
  );
}

/** A sum's end: lp plus both lanes of lpv less Σ n·log f, after the reverse pass of ∂/∂η. */
function finish(lp: f64, lpv: v128, dEta: usize): f64 {
  const lik = lp + f64x2.extract_lane(lpv, 0) + f64x2.extract_lane(lpv, 1) - factorsTotal();
  backward(dEta);
  return lik;
}

/** lp and ∂/∂η of one pattern (logitPatterns' two paths), the product or log sum updated. */
let lpOne: f64 = 0;

function logitOne(x: f64, y: f64, n: f64): f64 {
  if (x <= DIRECT && x >= -DIRECT) {
    const E = f64x2.extract_lane(exp2x(f64x2.splat(x)), 0);
    const fac = 1 + E;
    lpOne = y * x;
    addFactor(fac, n);
    return y - n * (E / fac);
  }
  const e = Math.exp(-Math.abs(x));
  const softplus = (x > 0 ? x : 0) + Math.log1p(e);
  lpOne = y * x - n * softplus;
  const prob = x > 0 ? 1 / (1 + e) : e / (1 + e);
  return y - n * prob;
}

/**
 * Σ_p y_p·η_p − n_p·log(1 + e^η_p) (logitPatterns) with ∂/∂η_p, two patterns at a time where
 * both have |η| ≤ DIRECT: one f64x2 exponential, the factors (1 + e^η)^n multiplied up per lane
 * (n = 1 or 2; other counts take their own logarithm); then the reverse pass.
 */
function logitSum(): f64 {
  const dEta = slot(SLOT_DETA), ySum = slot(SLOT_Y), trials = slot(SLOT_N);
  resetFactors();
  let prod = f64x2.splat(1);
  let lpv = f64x2.splat(0);
  let lp = 0.0;
  let p = 0;
  for (; p + 1 < P; p += 2) {
    const o = <usize> p << 3;
    const x = v128.load(dEta + o), y = v128.load(ySum + o), n = v128.load(trials + o);
    if (!bothDirect(x)) {
      const g0 = logitOne(f64x2.extract_lane(x, 0), f64x2.extract_lane(y, 0), f64x2.extract_lane(n, 0));
      lp += lpOne;
      const g1 = logitOne(f64x2.extract_lane(x, 1), f64x2.extract_lane(y, 1), f64x2.extract_lane(n, 1));
      lp += lpOne;
      setF(dEta, p, g0);
      setF(dEta, p + 1, g1);
      continue;
    }
    const e = exp2x(x);
    const fac = f64x2.add(f64x2.splat(1), e);
    lpv = f64x2.add(lpv, f64x2.mul(y, x));
    v128.store(dEta + o, f64x2.sub(y, f64x2.mul(n, f64x2.div(e, fac))));
    prod = multiplyPair(prod, fac, n);
  }
  if (p < P) {
    const g = logitOne(f(dEta, p), f(ySum, p), f(trials, p));
    lp += lpOne;
    setF(dEta, p, g);
  }
  productPair = prod;
  return finish(lp, lpv, dEta);
}

/**
 * logitSum where every η_p = A[a_p] + B[b_p] is within ±DIRECT (splitExponentials): e^η_p from
 * the tabled e^A·e^B, Σ_p y_p η_p from the tables' y sums, and the patterns taken in runs of one
 * count class (n = 1: the product takes (1 + e^η); n = 2: its square; else n·log(1 + e^η) each);
 * then the reverse pass.
 */
function logitSplitSum(): f64 {
  const dEta = slot(SLOT_DETA), ySum = slot(SLOT_Y), trials = slot(SLOT_N);
  const expA = slot(SLOT_EXPA), expB = slot(SLOT_EXPB), aOf = slot(SLOT_AOF), bOf = slot(SLOT_BOF);
  const runs = slot(SLOT_RUNS), nRuns = <i32> slot(SLOT_NRUNS);
  const lp = dotTable(slot(SLOT_ETAA), slot(SLOT_YA), nA) +
    dotTable(slot(SLOT_ETAB), slot(SLOT_YB), <i32> slot(SLOT_NB));
  resetFactors();
  let prod = f64x2.splat(1);
  const one = f64x2.splat(1);
  for (let r = 0; r < nRuns; r++) {
    const end = int(runs, 4 * r + 1), counts = int(runs, 4 * r + 3);
    let p = int(runs, 4 * r);
    for (; p + 1 < end; p += 2) {
      const o = <usize> p << 3;
      const e = splitExpPair(expA, expB, aOf, bOf, p);
      const fac = f64x2.add(one, e);
      const n = v128.load(trials + o);
      v128.store(dEta + o, f64x2.sub(v128.load(ySum + o), f64x2.mul(n, f64x2.div(e, fac))));
      prod = multiplyRun(prod, fac, n, counts);
    }
    if (p < end) {
      const e = f(expA, int(aOf, p)) * f(expB, int(bOf, p));
      const fac = 1 + e, n = f(trials, p);
      addFactor(fac, n);
      setF(dEta, p, f(ySum, p) - n * (e / fac));
    }
  }
  productPair = prod;
  return finish(lp, f64x2.splat(0), dEta);
}

/**
 * `product` times fac^n per lane in a run of count class `counts` (1: n = 1, 2: n = 2; 3: n·log fac
 * into logSum instead), renormalised past RENORMALISE.
 */
@inline function multiplyRun(product: v128, fac: v128, n: v128, counts: i32): v128 {
  if (counts == 3) {
    logSum += f64x2.extract_lane(n, 0) * Math.log(f64x2.extract_lane(fac, 0)) +
      f64x2.extract_lane(n, 1) * Math.log(f64x2.extract_lane(fac, 1));
    return product;
  }
  const next = f64x2.mul(product, counts == 1 ? fac : f64x2.mul(fac, fac));
  if (v128.any_true(f64x2.gt(next, f64x2.splat(RENORMALISE)))) {
    logSum += Math.log(f64x2.extract_lane(next, 0)) + Math.log(f64x2.extract_lane(next, 1));
    return f64x2.splat(1);
  }
  return next;
}

/** Σ_i x_i·y_i over a table's n rows. */
function dotTable(x: usize, y: usize, n: i32): f64 {
  let s = 0.0;
  for (let i = 0; i < n; i++) s += f(x, i) * f(y, i);
  return s;
}

/** The reverse pass of ∂/∂η (in g): the cells' ∂/∂ρ, then ∂/∂β. */
function backward(g: usize): void {
  if (nA > 0) {
    splitBackward(g);
    return;
  }
  let total = 0.0;
  for (let p = 0; p < P; p++) {
    const gp = f(g, p);
    total += gp;
    cellBackward(p, gp);
  }
  betaBackward(total);
}

/**
 * The per-category tables of cumulativeLogitPatterns, indexed by the category k = 1 … K (K = NT + 1):
 * e^−τ_k (0 for k = K), e^τ_{k−1} (0 for k = 1), log(1 − e^(τ_{k−1} − τ_k)) and
 * q_k = 1/(e^(τ_k − τ_{k−1}) − 1) (0 for k = 1 and K), so that every category takes one formula.
 * False when a |τ| exceeds DIRECT.
 */
function thresholdTables(): bool {
  const nt = <i32> slot(SLOT_NT), tau = slot(SLOT_TAU);
  const lowPos = slot(SLOT_EXPTAU), upNeg = slot(SLOT_EXPNEGTAU);
  const logGap = slot(SLOT_LOGGAP), gapQ = slot(SLOT_GAPQ);
  for (let k = 0; k < nt; k++) {
    const t = f(tau, k);
    if (!(t <= DIRECT && t >= -DIRECT)) return false;
    setF(lowPos, k + 2, Math.exp(t));
    setF(upNeg, k + 1, Math.exp(-t));
  }
  setF(lowPos, 1, 0);
  setF(upNeg, nt + 1, 0);
  setF(logGap, 1, 0);
  setF(gapQ, 1, 0);
  setF(logGap, nt + 1, 0);
  setF(gapQ, nt + 1, 0);
  for (let k = 2; k <= nt; k++) {
    const d = f(tau, k - 1) - f(tau, k - 2);
    const em1 = Math.expm1(d);
    setF(logGap, k, d < 0.6931471805599453 ? Math.log(-Math.expm1(-d)) : Math.log(em1) - d);
    setF(gapQ, k, 1 / em1);
  }
  return true;
}

/** log F(x) = −log(1 + e^−x), given e = e^−|x| (logit_category_terms.ts). */
@inline function logLogistic(x: f64, e: f64): f64 {
  return x >= 0 ? -Math.log1p(e) : x - Math.log1p(e);
}

/** The closed-form category terms (logitCategoryTerms): lp, then dUpper and dLower in globals. */
let dUpperOut: f64 = 0;
let dLowerOut: f64 = 0;

function categoryTerms(k: i32, eta: f64, tau: usize, nt: i32): f64 {
  if (k == 1) {
    const a = f(tau, 0) - eta;
    const e = Math.exp(-Math.abs(a));
    dUpperOut = a >= 0 ? e / (1 + e) : 1 / (1 + e);
    dLowerOut = 0;
    return logLogistic(a, e);
  }
  if (k == nt + 1) {
    const b = f(tau, nt - 1) - eta;
    const e = Math.exp(-Math.abs(b));
    dUpperOut = 0;
    dLowerOut = -(b >= 0 ? 1 / (1 + e) : e / (1 + e));
    return logLogistic(-b, e);
  }
  const a = f(tau, k - 1) - eta;
  const b = f(tau, k - 2) - eta;
  const ea = Math.exp(-Math.abs(a));
  const eb = Math.exp(-Math.abs(b));
  const d = a - b;
  const em1 = Math.expm1(d);
  const gap = d < 0.6931471805599453 ? Math.log(-Math.expm1(-d)) : Math.log(em1) - d;
  const q = 1 / em1;
  dUpperOut = (a >= 0 ? ea / (1 + ea) : 1 / (1 + ea)) + q;
  dLowerOut = -(b >= 0 ? 1 / (1 + eb) : eb / (1 + eb)) - q;
  return logLogistic(a, ea) + logLogistic(-b, eb) + gap;
}

/**
 * log P(y = k | η, τ)·n of one pattern into lpOne, its threshold partials added into ∂/∂τ (held
 * with a slot either side: index k is τ_k) and ∂/∂η returned; `direct`: every |τ| ≤ DIRECT.
 */
function cumulativeOne(x: f64, k: i32, n: f64, direct: bool): f64 {
  const gradTau = slot(SLOT_GTAU);
  if (!direct || !(x <= DIRECT && x >= -DIRECT)) {
    lpOne = n * categoryTerms(k, x, slot(SLOT_TAU), <i32> slot(SLOT_NT));
    addF(gradTau, k, n * dUpperOut);
    addF(gradTau, k - 1, n * dLowerOut);
    return -n * (dUpperOut + dLowerOut);
  }
  const E = f64x2.extract_lane(exp2x(f64x2.splat(x)), 0);
  const A = E * f(slot(SLOT_EXPNEGTAU), k), B = f(slot(SLOT_EXPTAU), k) / E;
  const fa = 1 + A, fb = 1 + B;
  const ra = A / fa, rb = B / fb, q = f(slot(SLOT_GAPQ), k);
  lpOne = n * f(slot(SLOT_LOGGAP), k);
  addFactor(fa * fb, n);
  addF(gradTau, k, n * (ra + q));
  addF(gradTau, k - 1, n * (-rb - q));
  return -n * (ra - rb); // −n·(dUpper + dLower) without q's cancellation
}

/** Adds a run's ∂/∂τ sums (both lanes) into category k's slots; nothing for k = 0. */
@inline function flushRun(gradTau: usize, k: i32, up: v128, down: v128): void {
  if (k == 0) return;
  addF(gradTau, k, f64x2.extract_lane(up, 0) + f64x2.extract_lane(up, 1));
  addF(gradTau, k - 1, f64x2.extract_lane(down, 0) + f64x2.extract_lane(down, 1));
}

/** A table's entries of categories k0 and k1 as two lanes. */
@inline function pair(table: usize, k0: i32, k1: i32): v128 {
  return f64x2.replace_lane(f64x2.splat(f(table, k0)), 1, f(table, k1));
}

/**
 * Σ_p n_p·log P(y_p | η_p, τ) (cumulativeLogitPatterns) with ∂/∂τ and ∂/∂η_p, two patterns at a
 * time where both have |η| ≤ DIRECT (and every |τ| ≤ DIRECT): with A = e^(η − τ_k),
 * B = e^(τ_{k−1} − η), log P = log(1 − e^(τ_{k−1} − τ_k)) − log((1 + A)(1 + B)); then the reverse
 * pass. `direct`: thresholdTables found every |τ| ≤ DIRECT (∂/∂τ zeroed beforehand).
 */
function cumulativeSum(direct: bool): f64 {
  const dEta = slot(SLOT_DETA), cat = slot(SLOT_Y), rows = slot(SLOT_N);
  const gradTau = slot(SLOT_GTAU);
  const lowPos = slot(SLOT_EXPTAU), upNeg = slot(SLOT_EXPNEGTAU);
  const logGap = slot(SLOT_LOGGAP), gapQ = slot(SLOT_GAPQ);
  const one = f64x2.splat(1);
  let lpv = f64x2.splat(0);
  let lp = 0.0;
  resetFactors();
  let prod = f64x2.splat(1);
  let tableK0 = 0, tableK1 = 0; // the categories of the table pairs below (0: none yet)
  let upNegPair = f64x2.splat(0), lowPosPair = f64x2.splat(0);
  let gapQPair = f64x2.splat(0), logGapPair = f64x2.splat(0);
  let runK = 0; // the current run's category (0: none)
  let runUp = f64x2.splat(0);
  let runDown = f64x2.splat(0);
  let p = 0;
  for (; p + 1 < P; p += 2) {
    const o = <usize> p << 3;
    const x = v128.load(dEta + o), n = v128.load(rows + o);
    const k0 = <i32> f(cat, p), k1 = <i32> f(cat, p + 1);
    if (!direct || !bothDirect(x)) {
      const g0 = cumulativeOne(f64x2.extract_lane(x, 0), k0, f64x2.extract_lane(n, 0), direct);
      lp += lpOne;
      const g1 = cumulativeOne(f64x2.extract_lane(x, 1), k1, f64x2.extract_lane(n, 1), direct);
      lp += lpOne;
      setF(dEta, p, g0);
      setF(dEta, p + 1, g1);
      continue;
    }
    if (k0 != tableK0 || k1 != tableK1) {
      // The categories' table entries as lanes, kept while the categories stay (sorted runs).
      tableK0 = k0;
      tableK1 = k1;
      upNegPair = pair(upNeg, k0, k1);
      lowPosPair = pair(lowPos, k0, k1);
      gapQPair = pair(gapQ, k0, k1);
      logGapPair = pair(logGap, k0, k1);
    }
    const E = exp2x(x);
    const A = f64x2.mul(E, upNegPair);
    const B = f64x2.mul(f64x2.div(one, E), lowPosPair);
    const fa = f64x2.add(one, A), fb = f64x2.add(one, B);
    // A/(1 + A) and B/(1 + B) from one division of the pair's factor (1 + A)(1 + B).
    const factor = f64x2.mul(fa, fb), inverse = f64x2.div(one, factor);
    const ra = f64x2.mul(f64x2.mul(A, fb), inverse), rb = f64x2.mul(f64x2.mul(B, fa), inverse);
    const q = gapQPair;
    lpv = f64x2.add(lpv, f64x2.mul(n, logGapPair));
    prod = multiplyPair(prod, factor, n);
    v128.store(dEta + o, f64x2.neg(f64x2.mul(n, f64x2.sub(ra, rb))));
    const up = f64x2.mul(n, f64x2.add(ra, q)), down = f64x2.neg(f64x2.mul(n, f64x2.add(rb, q)));
    // A run of pairs in one category sums its ∂/∂τ in registers (patterns sorted by category
    // make nearly every pair one): no load-add-store chain through the few slots of gradTau.
    if (k0 == k1 && k0 == runK) {
      runUp = f64x2.add(runUp, up);
      runDown = f64x2.add(runDown, down);
      continue;
    }
    flushRun(gradTau, runK, runUp, runDown);
    if (k0 == k1) {
      runK = k0;
      runUp = up;
      runDown = down;
      continue;
    }
    runK = 0;
    addF(gradTau, k0, f64x2.extract_lane(up, 0));
    addF(gradTau, k0 - 1, f64x2.extract_lane(down, 0));
    addF(gradTau, k1, f64x2.extract_lane(up, 1));
    addF(gradTau, k1 - 1, f64x2.extract_lane(down, 1));
  }
  flushRun(gradTau, runK, runUp, runDown);
  if (p < P) {
    const g = cumulativeOne(f(dEta, p), <i32> f(cat, p), f(rows, p), direct);
    lp += lpOne;
    setF(dEta, p, g);
  }
  productPair = prod;
  return finish(lp, lpv, dEta);
}

/**
 * cumulativeSum where every η_p = A[a_p] + B[b_p] and every τ lie within ±DIRECT: e^η_p and e^−η_p
 * from the split's tabled exponentials, the patterns taken in runs of one category k and count
 * class (lib/model/pattern_kernel.ts orders them so), each run's table entries held as constants
 * and its ∂/∂τ summed in registers: ∂/∂τ_k gains Σ n·A/(1 + A) + q_k·N, ∂/∂τ_{k−1} loses
 * Σ n·B/(1 + B) + q_k·N and lp gains log-gap_k·N, N the run's rows; then the reverse pass.
 */
function cumulativeSplitSum(): f64 {
  const dEta = slot(SLOT_DETA), rows = slot(SLOT_N), gradTau = slot(SLOT_GTAU);
  const lowPos = slot(SLOT_EXPTAU), upNeg = slot(SLOT_EXPNEGTAU);
  const logGap = slot(SLOT_LOGGAP), gapQ = slot(SLOT_GAPQ);
  const expA = slot(SLOT_EXPA), expB = slot(SLOT_EXPB), aOf = slot(SLOT_AOF), bOf = slot(SLOT_BOF);
  const invA = slot(SLOT_INVA), invB = slot(SLOT_INVB), etaA = slot(SLOT_ETAA), etaB = slot(SLOT_ETAB);
  const runs = slot(SLOT_RUNS), nRuns = <i32> slot(SLOT_NRUNS);
  const one = f64x2.splat(1);
  let lp = 0.0;
  resetFactors();
  let prod = f64x2.splat(1);
  for (let r = 0; r < nRuns; r++) {
    const end = int(runs, 4 * r + 1), k = int(runs, 4 * r + 2), counts = int(runs, 4 * r + 3);
    const up = f64x2.splat(f(upNeg, k)), low = f64x2.splat(f(lowPos, k));
    let sumA = f64x2.splat(0), sumB = f64x2.splat(0), sumN = f64x2.splat(0);
    let p = int(runs, 4 * r);
    for (; p + 1 < end; p += 2) {
      const o = <usize> p << 3;
      const A = f64x2.mul(splitExpPair(expA, expB, aOf, bOf, p), up);
      const B = f64x2.mul(splitExpPair(invA, invB, aOf, bOf, p), low);
      const fa = f64x2.add(one, A), fb = f64x2.add(one, B);
      // A/(1 + A) and B/(1 + B) from one division of the pair's factor (1 + A)(1 + B).
      const factor = f64x2.mul(fa, fb), inverse = f64x2.div(one, factor);
      const n = v128.load(rows + o);
      const nra = f64x2.mul(n, f64x2.mul(f64x2.mul(A, fb), inverse));
      const nrb = f64x2.mul(n, f64x2.mul(f64x2.mul(B, fa), inverse));
      sumA = f64x2.add(sumA, nra);
      sumB = f64x2.add(sumB, nrb);
      sumN = f64x2.add(sumN, n);
      v128.store(dEta + o, f64x2.sub(nrb, nra));
      prod = multiplyRun(prod, factor, n, counts);
    }
    const N = f64x2.extract_lane(sumN, 0) + f64x2.extract_lane(sumN, 1);
    const q = f(gapQ, k) * N;
    addF(gradTau, k, f64x2.extract_lane(sumA, 0) + f64x2.extract_lane(sumA, 1) + q);
    addF(gradTau, k - 1, -(f64x2.extract_lane(sumB, 0) + f64x2.extract_lane(sumB, 1) + q));
    lp += f(logGap, k) * N;
    if (p < end) {
      const x = f(etaA, int(aOf, p)) + f(etaB, int(bOf, p));
      setF(dEta, p, cumulativeOne(x, k, f(rows, p), true));
      lp += lpOne;
    }
  }
  productPair = prod;
  return finish(lp, f64x2.splat(0), dEta);
}

/** One Bernoulli/binomial logit gradient: the log-likelihood (returned), ∂/∂β and ∂/∂ρ. */
export function logitGradient(): f64 {
  begin();
  if (nA > 0) {
    splitTables();
    if (splitExponentials(false)) return logitSplitSum();
    splitEta(slot(SLOT_DETA));
  } else etaPass(slot(SLOT_DETA));
  return logitSum();
}

/** One cumulative logit gradient: as {@link logitGradient} plus ∂/∂τ. */
export function cumulativeGradient(): f64 {
  begin();
  memory.fill(slot(SLOT_GTAU), 0, <usize> (<i32> slot(SLOT_NT) + 2) << 3);
  const direct = thresholdTables();
  if (nA > 0) {
    splitTables();
    if (direct && splitExponentials(true)) return cumulativeSplitSum();
    splitEta(slot(SLOT_DETA));
  } else etaPass(slot(SLOT_DETA));
  return cumulativeSum(direct);
}

/** The kernel's e^x (|x| ≤ DIRECT), exported for tests to compare with Math.exp. */
export function exp(x: f64): f64 {
  return f64x2.extract_lane(exp2x(f64x2.splat(x)), 0);
}
