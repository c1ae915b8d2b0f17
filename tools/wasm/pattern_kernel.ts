// AssemblyScript source (not a Deno module) of lib/model/pattern_kernel_wasm.ts, built by
// `deno task build-wasm` (tools/build_wasm.ts). It is one gradient of the logit pattern
// likelihoods in one call: the patterns' linear predictor η (lib/model/pattern_design.ts), the
// Bernoulli/binomial logit sum (lib/families/logit.ts logitPatterns) or the cumulative logit sum
// (lib/families/cumulative_logit_patterns.ts, with logit_category_terms.ts in the tails) with
// ∂/∂η, and the reverse pass into β, the cells' effects and the thresholds. The sums run in the
// same order as the JavaScript, which stays the reference and the fallback: tests compare the
// two. Math.exp here is AssemblyScript's table-driven exp (error < 0.52 ulp).
//
// Memory: a header of u32 slots at heapStart() (the SLOT_ constants), then the arrays it points
// to, placed by lib/model/pattern_kernel.ts. Data (cell … n) is written once; β, ρ and τ before
// each call; η, ∂/∂η and the gradients are written by the call (gradients overwritten).

const SLOT_P = 0; // patterns
const SLOT_D = 1; // design columns
const SLOT_K = 2; // varying coefficients per cell
const SLOT_NT = 3; // thresholds (cumulative)
const SLOT_SPARSE = 4; // 1: columns sparse around their modes; 0: dense row-major w
const SLOT_NRHO = 5; // nCells × K
const SLOT_CELL = 6; // i32 P
const SLOT_WA = 7; // P × K
const SLOT_MODE = 8; // D
const SLOT_START = 9; // i32 D + 1
const SLOT_ROW = 10; // i32 listed
const SLOT_VALUE = 11; // listed
const SLOT_W = 12; // P × D (dense only)
const SLOT_Y = 13; // P: ySum (logit) or the category 1…K (cumulative)
const SLOT_N = 14; // P: trials (logit) or rows (cumulative)
const SLOT_BETA = 15; // D
const SLOT_RHO = 16; // nRho
const SLOT_TAU = 17; // NT
const SLOT_ETA = 18; // P
const SLOT_DETA = 19; // P
const SLOT_GBETA = 20; // D
const SLOT_GRHO = 21; // nRho
const SLOT_GTAU = 22; // NT
const SLOT_EXPTAU = 23; // NT
const SLOT_EXPNEGTAU = 24; // NT
const SLOT_LOGGAP = 25; // NT + 1
const SLOT_GAPQ = 26; // NT + 1

/** |η| (and |τ|) up to which a pattern takes the one-exponential path. */
const DIRECT: f64 = 30;
/** LogProduct (lib/families/log_product.ts): own logarithm above this, renormalise past that. */
const MAX_FACTOR: f64 = 1e30;
const RENORMALISE: f64 = 1e150;

/** First free byte after the module's static data (16-aligned): where the header goes. */
export function heapStart(): usize {
  return (__heap_base + 15) & ~15;
}

function slot(s: i32): usize {
  return <usize> load<u32>(heapStart() + (<usize> s << 2));
}

function f(at: usize, i: i32): f64 {
  return load<f64>(at + (<usize> i << 3));
}

function setF(at: usize, i: i32, v: f64): void {
  store<f64>(at + (<usize> i << 3), v);
}

function addF(at: usize, i: i32, v: f64): void {
  const a = at + (<usize> i << 3);
  store<f64>(a, load<f64>(a) + v);
}

function int(at: usize, i: i32): i32 {
  return load<i32>(at + (<usize> i << 2));
}

/** The running product and log sum of Σ n·log f (LogProduct). */
let product: f64 = 1;
let logSum: f64 = 0;

function addFactor(fac: f64, n: f64): void {
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

/** η_p = w_p·β + (w_pÂ)·ρ_cell(p) (PatternDesign.forward). */
function forward(): void {
  const P = <i32> slot(SLOT_P), D = <i32> slot(SLOT_D), K = <i32> slot(SLOT_K);
  const sparse = slot(SLOT_SPARSE) != 0;
  const cell = slot(SLOT_CELL), wA = slot(SLOT_WA), beta = slot(SLOT_BETA), rho = slot(SLOT_RHO);
  const eta = slot(SLOT_ETA), w = slot(SLOT_W), mode = slot(SLOT_MODE);
  let base = 0.0;
  if (sparse) { for (let a = 0; a < D; a++) base += f(mode, a) * f(beta, a); }
  for (let p = 0; p < P; p++) {
    const r0 = int(cell, p) * K, aBase = p * K;
    let e = base;
    if (!sparse) {
      e = 0;
      for (let a = 0, i = p * D; a < D; a++, i++) e += f(w, i) * f(beta, a);
    }
    if (K == 2) e += f(wA, aBase) * f(rho, r0) + f(wA, aBase + 1) * f(rho, r0 + 1);
    else for (let k = 0; k < K; k++) e += f(wA, aBase + k) * f(rho, r0 + k);
    setF(eta, p, e);
  }
  if (!sparse) return;
  const start = slot(SLOT_START), row = slot(SLOT_ROW), value = slot(SLOT_VALUE);
  for (let a = 0; a < D; a++) {
    const b = f(beta, a);
    const end = int(start, a + 1);
    for (let i = int(start, a); i < end; i++) addF(eta, int(row, i), f(value, i) * b);
  }
}

/** ∂/∂β = Σ_p g_p w_p and ∂/∂ρ_c = Σ_{p in c} g_p (w_pÂ) (PatternDesign.backward), overwritten. */
function backward(): void {
  const P = <i32> slot(SLOT_P), D = <i32> slot(SLOT_D), K = <i32> slot(SLOT_K);
  const sparse = slot(SLOT_SPARSE) != 0;
  const cell = slot(SLOT_CELL), wA = slot(SLOT_WA), g = slot(SLOT_DETA), w = slot(SLOT_W);
  const gradBeta = slot(SLOT_GBETA), gradRho = slot(SLOT_GRHO);
  memory.fill(gradBeta, 0, <usize> D << 3);
  memory.fill(gradRho, 0, <usize> slot(SLOT_NRHO) << 3);
  let total = 0.0;
  for (let p = 0; p < P; p++) {
    const r0 = int(cell, p) * K, aBase = p * K, gp = f(g, p);
    total += gp;
    if (K == 2) {
      addF(gradRho, r0, gp * f(wA, aBase));
      addF(gradRho, r0 + 1, gp * f(wA, aBase + 1));
    } else for (let k = 0; k < K; k++) addF(gradRho, r0 + k, gp * f(wA, aBase + k));
    if (!sparse) { for (let a = 0, i = p * D; a < D; a++, i++) addF(gradBeta, a, gp * f(w, i)); }
  }
  if (!sparse) return;
  const start = slot(SLOT_START), row = slot(SLOT_ROW), value = slot(SLOT_VALUE);
  const mode = slot(SLOT_MODE);
  for (let a = 0; a < D; a++) {
    let s = 0.0;
    const end = int(start, a + 1);
    for (let i = int(start, a); i < end; i++) s += f(value, i) * f(g, int(row, i));
    addF(gradBeta, a, f(mode, a) * total + s);
  }
}

/** Σ_p y_p·η_p − n_p·log(1 + e^η_p) with ∂/∂η (logitPatterns). */
function logitSum(): f64 {
  const P = <i32> slot(SLOT_P);
  const eta = slot(SLOT_ETA), dEta = slot(SLOT_DETA), ySum = slot(SLOT_Y), trials = slot(SLOT_N);
  let lp = 0.0;
  product = 1;
  logSum = 0;
  for (let p = 0; p < P; p++) {
    const x = f(eta, p), n = f(trials, p), y = f(ySum, p);
    if (x <= DIRECT && x >= -DIRECT) {
      const E = Math.exp(x);
      const fac = 1 + E;
      lp += y * x;
      addFactor(fac, n);
      setF(dEta, p, y - n * (E / fac));
      continue;
    }
    const e = Math.exp(-Math.abs(x));
    const softplus = (x > 0 ? x : 0) + Math.log1p(e);
    lp += y * x - n * softplus;
    const prob = x > 0 ? 1 / (1 + e) : e / (1 + e);
    setF(dEta, p, y - n * prob);
  }
  return lp - (logSum + Math.log(product));
}

/** The per-threshold tables of cumulativeLogitPatterns; false when a |τ| exceeds DIRECT. */
function thresholdTables(): bool {
  const nt = <i32> slot(SLOT_NT), tau = slot(SLOT_TAU);
  const expTau = slot(SLOT_EXPTAU), expNegTau = slot(SLOT_EXPNEGTAU);
  const logGap = slot(SLOT_LOGGAP), gapQ = slot(SLOT_GAPQ);
  for (let k = 0; k < nt; k++) {
    const t = f(tau, k);
    if (!(t <= DIRECT && t >= -DIRECT)) return false;
    setF(expTau, k, Math.exp(t));
    setF(expNegTau, k, Math.exp(-t));
  }
  for (let k = 2; k <= nt; k++) {
    const d = f(tau, k - 1) - f(tau, k - 2);
    const em1 = Math.expm1(d);
    setF(logGap, k - 1, d < 0.6931471805599453 ? Math.log(-Math.expm1(-d)) : Math.log(em1) - d);
    setF(gapQ, k - 1, 1 / em1);
  }
  return true;
}

/** log F(x) = −log(1 + e^−x), given e = e^−|x| (logit_category_terms.ts). */
function logLogistic(x: f64, e: f64): f64 {
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

/** Σ_p n_p·log P(y_p | η_p, τ) with ∂/∂η and ∂/∂τ (cumulativeLogitPatterns), ∂/∂τ overwritten. */
function cumulativeSum(): f64 {
  const P = <i32> slot(SLOT_P), nt = <i32> slot(SLOT_NT);
  const eta = slot(SLOT_ETA), dEta = slot(SLOT_DETA), cat = slot(SLOT_Y), rows = slot(SLOT_N);
  const tau = slot(SLOT_TAU), gradTau = slot(SLOT_GTAU);
  const expTau = slot(SLOT_EXPTAU), expNegTau = slot(SLOT_EXPNEGTAU);
  const logGap = slot(SLOT_LOGGAP), gapQ = slot(SLOT_GAPQ);
  memory.fill(gradTau, 0, <usize> nt << 3);
  const direct = thresholdTables();
  product = 1;
  logSum = 0;
  let lp = 0.0;
  for (let p = 0; p < P; p++) {
    const k = <i32> f(cat, p), n = f(rows, p), x = f(eta, p);
    if (!direct || !(x <= DIRECT && x >= -DIRECT)) {
      lp += n * categoryTerms(k, x, tau, nt);
      setF(dEta, p, -n * (dUpperOut + dLowerOut));
      if (k <= nt) addF(gradTau, k - 1, n * dUpperOut);
      if (k > 1) addF(gradTau, k - 2, n * dLowerOut);
      continue;
    }
    const E = Math.exp(x);
    if (k == 1) {
      const A = E * f(expNegTau, 0);
      const fac = 1 + A;
      const dUpper = A / fac;
      addFactor(fac, n);
      setF(dEta, p, -n * dUpper);
      addF(gradTau, 0, n * dUpper);
    } else if (k == nt + 1) {
      const B = f(expTau, nt - 1) / E;
      const fac = 1 + B;
      const dLower = -B / fac;
      addFactor(fac, n);
      setF(dEta, p, -n * dLower);
      addF(gradTau, nt - 1, n * dLower);
    } else {
      const A = E * f(expNegTau, k - 1);
      const B = f(expTau, k - 2) / E;
      const fa = 1 + A, fb = 1 + B;
      const q = f(gapQ, k - 1);
      lp += n * f(logGap, k - 1);
      addFactor(fa * fb, n);
      setF(dEta, p, -n * (A / fa - B / fb));
      addF(gradTau, k - 1, n * (A / fa + q));
      addF(gradTau, k - 2, n * (-B / fb - q));
    }
  }
  return lp - (logSum + Math.log(product));
}

/** One Bernoulli/binomial logit gradient: η, the log-likelihood (returned), ∂/∂β and ∂/∂ρ. */
export function logitGradient(): f64 {
  forward();
  const lp = logitSum();
  backward();
  return lp;
}

/** One cumulative logit gradient: as {@link logitGradient} plus ∂/∂τ. */
export function cumulativeGradient(): f64 {
  forward();
  const lp = cumulativeSum();
  backward();
  return lp;
}

/** The kernel's e^x, exported for tests to compare with Math.exp. */
export function exp(x: f64): f64 {
  return Math.exp(x);
}
