// AssemblyScript source (not a Deno module) of lib/model/level_kernel_wasm.ts, built by
// `deno task build-wasm` (tools/build_wasm.ts). It is the K = 2 level loop of the level-collapsed
// Gaussian target (lib/model/level_collapsed_gaussian.ts: levelScores, levelsOfTwo and the β
// gradient of the level terms) fused into one pass over the levels, with f64x2 SIMD for the
// products with Z_jᵀX_j. The JavaScript loop stays the reference: tests compare the two.
//
// Memory layout, all f64 at byte offsets the caller chooses past heapStart():
//   arb  R × nbPad, row-major (R = 2J rows Z_jᵀX_j, columns padded with 0 to an even nbPad)
//   e    R                         Z_jᵀy
//   arr  J × 4                     Z_jᵀZ_j (row-major 2 × 2)
//   beta nbPad                     β (padding 0)
//   mu   R       (out)             μ_j = D_j⁻¹ c_j
//   grad nbPad   (out, overwritten) −Σ_j X_jᵀZ_j μ_j / σ²
//   out  6       (out)             Σ_j ½ c_jᵀμ_j − ½ log|D_j|, Σ_j tr(Z_jᵀZ_j E[r_j r_jᵀ]) − 2 μ_jᵀc_j σ²,
//                                  M = Σ_j E[r_j r_jᵀ] as m00, m01, m11, and Σ_j c_jᵀμ_j

/** First free byte after the module's static data (16-aligned): where the caller's arrays go. */
export function heapStart(): usize {
  return (__heap_base + 15) & ~15;
}

/**
 * The level loop at β (in `beta`) for D_j = Z_jᵀZ_j / σ² + Q, Q = [[q00, q01], [q01, q11]]
 * (Σ⁻¹). Returns 1, or 0 when a D_j is not positive definite (outputs then partial).
 */
export function levels(
  J: i32,
  nbPad: i32,
  arb: usize,
  e: usize,
  arr: usize,
  beta: usize,
  mu: usize,
  grad: usize,
  out: usize,
  q00: f64,
  q01: f64,
  q11: f64,
  invVar: f64,
): i32 {
  const rowBytes = <usize> nbPad << 3;
  for (let p = 0; p < nbPad; p += 2) v128.store(grad + (<usize> p << 3), f64x2.splat(0));
  let quadSum = 0.0;
  let logDet = 0.0;
  let detProduct = 1.0;
  let trace = 0.0;
  let m00 = 0.0;
  let m01 = 0.0;
  let m11 = 0.0;
  for (let j = 0; j < J; j++) {
    const row0 = arb + <usize> (2 * j) * rowBytes;
    const row1 = row0 + rowBytes;
    // c_j = Z_jᵀ(y − Xβ) / σ².
    let s0 = f64x2.splat(0);
    let s1 = f64x2.splat(0);
    for (let p = 0; p < nbPad; p += 2) {
      const offset = <usize> p << 3;
      const b = v128.load(beta + offset);
      s0 = f64x2.add(s0, f64x2.mul(v128.load(row0 + offset), b));
      s1 = f64x2.add(s1, f64x2.mul(v128.load(row1 + offset), b));
    }
    const eAt = e + (<usize> (2 * j) << 3);
    const c0 = (load<f64>(eAt) - (f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1))) *
      invVar;
    const c1 = (load<f64>(eAt, 8) - (f64x2.extract_lane(s1, 0) + f64x2.extract_lane(s1, 1))) *
      invVar;
    // D_j, its inverse and determinant (multiplied up, logged in batches as in levelsOfTwo).
    const a = arr + (<usize> (4 * j) << 3);
    const z00 = load<f64>(a);
    const z01 = load<f64>(a, 8);
    const z11 = load<f64>(a, 24);
    const d00 = z00 * invVar + q00;
    const d01 = z01 * invVar + q01;
    const d11 = z11 * invVar + q11;
    const det = d00 * d11 - d01 * d01;
    if (!(d00 > 0) || !(det > 0)) return 0;
    detProduct *= det;
    if (detProduct > 1e150 || detProduct < 1e-150) {
      logDet += Math.log(detProduct);
      detProduct = 1;
    }
    const inv = 1 / det;
    const i00 = d11 * inv;
    const i01 = -d01 * inv;
    const i11 = d00 * inv;
    const u0 = i00 * c0 + i01 * c1;
    const u1 = i01 * c0 + i11 * c1;
    const muAt = mu + (<usize> (2 * j) << 3);
    store<f64>(muAt, u0);
    store<f64>(muAt, u1, 8);
    quadSum += u0 * c0 + u1 * c1;
    const t00 = u0 * u0 + i00;
    const t01 = u0 * u1 + i01;
    const t11 = u1 * u1 + i11;
    m00 += t00;
    m01 += t01;
    m11 += t11;
    trace += z00 * t00 + 2 * z01 * t01 + z11 * t11;
    // grad −= X_jᵀZ_j μ_j / σ².
    const w0 = f64x2.splat(u0 * invVar);
    const w1 = f64x2.splat(u1 * invVar);
    for (let p = 0; p < nbPad; p += 2) {
      const offset = <usize> p << 3;
      const g = v128.load(grad + offset);
      const step = f64x2.add(
        f64x2.mul(v128.load(row0 + offset), w0),
        f64x2.mul(v128.load(row1 + offset), w1),
      );
      v128.store(grad + offset, f64x2.sub(g, step));
    }
  }
  logDet += Math.log(detProduct);
  store<f64>(out, 0.5 * quadSum - 0.5 * logDet);
  store<f64>(out, trace - (2 * quadSum) / invVar, 8);
  store<f64>(out, m00, 16);
  store<f64>(out, m01, 24);
  store<f64>(out, m11, 32);
  store<f64>(out, quadSum, 40);
  return 1;
}

// ---------------------------------------------------------------------------------------------
// The whole log density and gradient of the level-collapsed Gaussian target for K = 2
// (LevelCollapsedGaussian.logDensityGradient with levelPrecisionForward/Backward,
// choleskyCorrForward/Backward and the priors of lib/model/prior_density.ts), with the same
// arithmetic in the same order as that JavaScript, and V8's exp, log, log1p and tanh imported,
// so the two give the same values bit for bit (the level loop above is the one the JavaScript
// already calls). Set up once by `configure`; every array at a byte offset the caller chose:
//   x, g       the sampled point and its gradient (dim = nb + 2 + nCor + 1)
//   whitening  L_S (nb × nb lower), betaHat (nb), abb = XᵀX (nb × nb), h = Xᵀy (nb), gBeta (nb)
//   priors     (nb + 3) × 4: the β priors, the two sd priors, σ's, each {code, p1, p2, p3}
//              (lib/model/prior_density.ts's encodePrior):
//              0 flat, 1 normal(μ, σ), 2 student_t(ν, μ, σ) (Cauchy is ν = 1), 3 exponential(λ),
//              4 gamma(α, β), 5 inv_gamma(α, β)
//   work       40 f64 of scratch (see below); result 2 f64: log p(y | β, φ) and Σ_j c_jᵀμ_j
// Imported from the module "level_kernel" (the compiler names imports after the file).
declare function hostExp(x: f64): f64;
declare function hostLog(x: f64): f64;
declare function hostLog1p(x: f64): f64;
declare function hostTanh(x: f64): f64;

const MIN_QUADRATIC_FORM: f64 = 1e-12;
const LN2: f64 = 0.6931471805599453;

let tNb: i32 = 0;
let tNbPad: i32 = 0;
let tJ: i32 = 0;
let tPhiCor: i32 = -1;
let tPhiSigma: i32 = 0;
let tSigned0: bool = false;
let tSigned1: bool = false;
let tEta: f64 = 1;
let tYty: f64 = 0;
let tN: f64 = 0;
let tX: usize = 0;
let tG: usize = 0;
let tWhitening: usize = 0;
let tBetaHat: usize = 0;
let tAbb: usize = 0;
let tH: usize = 0;
let tGBeta: usize = 0;
let tPriors: usize = 0;
let tResult: usize = 0;
// The level loop's arrays (see `levels`).
let tArb: usize = 0;
let tE: usize = 0;
let tArr: usize = 0;
let tBeta: usize = 0;
let tMu: usize = 0;
let tGrad: usize = 0;
let tOut: usize = 0;
// Work (K = 2): sd (2), then L, Linv, Q, M, V, X, gradL (2 × 2 each), w and sech (3 each).
let wSd: usize = 0;
let wL: usize = 0;
let wLinv: usize = 0;
let wQ: usize = 0;
let wM: usize = 0;
let wV: usize = 0;
let wX: usize = 0;
let wGradL: usize = 0;
let wW: usize = 0;
let wSech: usize = 0;
// log |Σ⁻¹| of the last precisionForward (work.logDetQ).
let tLogDetQ: f64 = 0;
// The prior derivative of the last `prior` call (prior_density.ts's priorDerivative[0]).
let priorDerivative: f64 = 0;

/** Sets the target's sizes, constants and array offsets (see the comment above). */
export function configure(
  nb: i32,
  nbPad: i32,
  J: i32,
  correlated: i32,
  signed0: i32,
  signed1: i32,
  eta: f64,
  yty: f64,
  n: f64,
  x: usize,
  g: usize,
  whitening: usize,
  betaHat: usize,
  abb: usize,
  h: usize,
  gBeta: usize,
  priors: usize,
  work: usize,
  result: usize,
  arb: usize,
  e: usize,
  arr: usize,
  beta: usize,
  mu: usize,
  grad: usize,
  out: usize,
): void {
  tNb = nb;
  tNbPad = nbPad;
  tJ = J;
  tPhiCor = correlated ? nb + 2 : -1;
  tPhiSigma = nb + 2 + (correlated ? 1 : 0);
  tSigned0 = signed0 != 0;
  tSigned1 = signed1 != 0;
  tEta = eta;
  tYty = yty;
  tN = n;
  tX = x;
  tG = g;
  tWhitening = whitening;
  tBetaHat = betaHat;
  tAbb = abb;
  tH = h;
  tGBeta = gBeta;
  tPriors = priors;
  tResult = result;
  tArb = arb;
  tE = e;
  tArr = arr;
  tBeta = beta;
  tMu = mu;
  tGrad = grad;
  tOut = out;
  wSd = work;
  wL = work + 16;
  wLinv = wL + 32;
  wQ = wLinv + 32;
  wM = wQ + 32;
  wV = wM + 32;
  wX = wV + 32;
  wGradL = wX + 32;
  wW = wGradL + 32;
  wSech = wW + 24;
}

function f(base: usize, i: i32): f64 {
  return load<f64>(base + (<usize> i << 3));
}

function setF(base: usize, i: i32, v: f64): void {
  store<f64>(base + (<usize> i << 3), v);
}

function addF(base: usize, i: i32, v: f64): void {
  const at = base + (<usize> i << 3);
  store<f64>(at, load<f64>(at) + v);
}

/** prior_density.ts's priorLogDensityInto for prior row `k`; the derivative in priorDerivative. */
function prior(k: i32, x: f64): f64 {
  const row = tPriors + (<usize> k << 5);
  const code = <i32> load<f64>(row);
  const p1 = load<f64>(row, 8);
  const p2 = load<f64>(row, 16);
  const p3 = load<f64>(row, 24);
  if (code == 0) {
    priorDerivative = 0;
    return 0;
  }
  if (code == 1) {
    const z = (x - p1) / p2;
    priorDerivative = -z / p2;
    return -0.5 * z * z;
  }
  if (code == 2) {
    const d = x - p2;
    const scaled = p1 * p3 * p3;
    priorDerivative = (-(p1 + 1) * d) / (scaled + d * d);
    return -0.5 * (p1 + 1) * hostLog1p((d * d) / scaled);
  }
  if (code == 3) {
    priorDerivative = -p1;
    return -p1 * x;
  }
  if (code == 4) {
    priorDerivative = (p1 - 1) / x - p2;
    return (p1 - 1) * hostLog(x) - p2 * x;
  }
  priorDerivative = (p2 / x - (p1 + 1)) / x;
  return -(p1 + 1) * hostLog(x) - p2 / x;
}

function signOf(v: f64): f64 {
  return v > 0 ? 1 : v < 0 ? -1 : v;
}

function logCosh(y: f64): f64 {
  const a = Math.abs(y);
  return a + hostLog1p(hostExp(-2 * a)) - LN2;
}

/** level_covariance.ts's levelPrecisionForward for K = 2, with the gradient. */
function precisionForward(x: usize, gradient: usize): f64 {
  let lp = 0.0;
  let logDetQ = 0.0;
  const phiSd = tNb;
  for (let k = 0; k < 2; k++) {
    const v = f(x, phiSd + k);
    if (k == 0 ? tSigned0 : tSigned1) {
      setF(wSd, k, v);
      lp += prior(tNb + k, Math.abs(v));
      addF(gradient, phiSd + k, signOf(v) * priorDerivative);
      logDetQ -= 2 * hostLog(Math.abs(v));
    } else {
      const sd = hostExp(v);
      setF(wSd, k, sd);
      lp += prior(tNb + k, sd) + v;
      addF(gradient, phiSd + k, priorDerivative * sd + 1);
      logDetQ -= 2 * v;
    }
  }
  if (tPhiCor >= 0) {
    lp += corrForward(x, tPhiCor);
    logDetQ -= 2 * hostLog(f(wL, 3));
    // invertLower (lib/model/_dense.ts) of L = [[1, 0], [L10, L11]].
    setF(wLinv, 0, 1 / f(wL, 0));
    setF(wLinv, 1, 0);
    setF(wLinv, 2, -(f(wL, 2) * f(wLinv, 0)) / f(wL, 3));
    setF(wLinv, 3, 1 / f(wL, 3));
  } else {
    setF(wL, 0, 1);
    setF(wL, 1, 0);
    setF(wL, 2, 0);
    setF(wL, 3, 1);
    setF(wLinv, 0, 1);
    setF(wLinv, 1, 0);
    setF(wLinv, 2, 0);
    setF(wLinv, 3, 1);
  }
  for (let a = 0; a < 2; a++) {
    for (let b = 0; b < 2; b++) {
      let q = 0.0;
      for (let m = a > b ? a : b; m < 2; m++) q += f(wLinv, m * 2 + a) * f(wLinv, m * 2 + b);
      setF(wQ, a * 2 + b, q / (f(wSd, a) * f(wSd, b)));
    }
  }
  tLogDetQ = logDetQ;
  return lp;
}

/** cholesky_corr.ts's choleskyCorrForward for K = 2 (one correlation real at `offset`). */
function corrForward(y: usize, offset: i32): f64 {
  setF(wL, 0, 1);
  setF(wL, 1, 0);
  setF(wL, 2, 0);
  setF(wL, 3, 0);
  let lp = 0.0;
  let w = 1.0;
  let logW = 0.0;
  const v = f(y, offset);
  const logSech = -logCosh(v);
  lp += 2 * logSech;
  setF(wL, 2, hostTanh(v) * w);
  logW += logSech;
  w = hostExp(logW);
  setF(wL, 3, w);
  lp += (2 - 1 - 1 + 2 * tEta - 2) * logW;
  return lp;
}

/** cholesky_corr.ts's choleskyCorrBackward for K = 2. */
function corrBackward(y: usize, gradY: usize, offset: i32): void {
  setF(wW, 0, 1);
  const sech = hostExp(-logCosh(f(y, offset)));
  setF(wSech, 0, sech);
  setF(wW, 1, f(wW, 0) * sech);
  const c = 2 - 1 - 1 + 2 * tEta - 2;
  const suffix = f(wGradL, 3) * f(wL, 3);
  const t = hostTanh(f(y, offset));
  addF(gradY, offset, f(wGradL, 2) * sech * sech * f(wW, 0) - t * (suffix + 2 + (1 - 1 - 0) + c));
}

/** level_covariance.ts's levelPrecisionBackward for K = 2. */
function precisionBackward(x: usize, gradient: usize): void {
  const J = <f64> tJ;
  for (let a = 0; a < 2; a++) {
    for (let b = 0; b < 2; b++) {
      let s = 0.0;
      for (let m = 0; m <= a; m++) s += (f(wLinv, a * 2 + m) * f(wM, m * 2 + b)) / f(wSd, m);
      setF(wV, a * 2 + b, s / f(wSd, b));
    }
  }
  for (let a = 0; a < 2; a++) {
    let s = 0.0;
    for (let m = a; m < 2; m++) s += f(wLinv, m * 2 + a) * f(wV, m * 2 + a);
    const signed = a == 0 ? tSigned0 : tSigned1;
    addF(gradient, tNb + a, signed ? (s - J) / f(wSd, a) : (s - J) * 1);
  }
  if (tPhiCor < 0) return;
  for (let a = 0; a < 2; a++) {
    for (let b = 0; b < 2; b++) {
      let s = 0.0;
      for (let m = 0; m <= b; m++) s += f(wV, a * 2 + m) * f(wLinv, b * 2 + m);
      setF(wX, a * 2 + b, s);
    }
  }
  for (let i = 0; i < 4; i++) setF(wGradL, i, 0);
  for (let a = 0; a < 2; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0.0;
      for (let m = a; m < 2; m++) s += f(wLinv, m * 2 + a) * f(wX, m * 2 + b);
      setF(wGradL, a * 2 + b, s);
    }
    addF(wGradL, a * 2 + a, -(J / f(wL, a * 2 + a)));
  }
  corrBackward(x, gradient, tPhiCor);
}

/**
 * LevelCollapsedGaussian.logDensityGradient at x (configure's `x`) into g; returns the log
 * density (−∞ outside the support) and leaves log p(y | β, φ) and Σ_j c_jᵀμ_j in `result`.
 */
export function gradient(): f64 {
  const nb = tNb;
  const x = tX;
  const g = tG;
  const dim = tPhiSigma + 1;
  for (let i = 0; i < dim; i++) setF(g, i, 0);
  setF(tResult, 0, NaN);
  // β = betaHat + L_S⁻ᵀ ξ (betaFromWhitened; solveLowerTransposed of lib/model/_dense.ts).
  const beta = tBeta;
  for (let p = 0; p < nb; p++) setF(beta, p, f(x, p));
  for (let i = nb - 1; i >= 0; i--) {
    let s = f(beta, i);
    for (let k = i + 1; k < nb; k++) s -= f(tWhitening, k * nb + i) * f(beta, k);
    setF(beta, i, s / f(tWhitening, i * nb + i));
  }
  for (let p = 0; p < nb; p++) setF(beta, p, f(beta, p) + f(tBetaHat, p));

  let lp = 0.0;
  for (let p = 0; p < nb; p++) {
    lp += prior(p, f(beta, p));
    setF(tGBeta, p, priorDerivative);
  }
  lp += precisionForward(x, g);
  const logDetQ = tLogDetQ;
  const u = f(x, tPhiSigma);
  const sigma = hostExp(u);
  lp += prior(nb + 2, sigma) + u;
  addF(g, tPhiSigma, priorDerivative * sigma + 1);
  if (!isFinite(lp)) return -Infinity;

  const invVar = hostExp(-2 * u);
  let rss = tYty;
  for (let a = 0; a < nb; a++) {
    let ab = 0.0;
    for (let b = 0; b < nb; b++) ab += f(tAbb, a * nb + b) * f(beta, b);
    rss += f(beta, a) * (ab - 2 * f(tH, a));
    addF(tGBeta, a, (f(tH, a) - ab) * invVar);
  }
  let ll = -tN * u - 0.5 * rss * invVar + 0.5 * <f64> tJ * logDetQ;

  if (
    !levels(
      tJ,
      tNbPad,
      tArb,
      tE,
      tArr,
      beta,
      tMu,
      tGrad,
      tOut,
      f(wQ, 0),
      f(wQ, 1),
      f(wQ, 3),
      invVar,
    )
  ) return -Infinity;
  setF(wM, 0, f(tOut, 2));
  setF(wM, 1, f(tOut, 3));
  setF(wM, 2, f(tOut, 3));
  setF(wM, 3, f(tOut, 4));
  const levelLogLikelihood = f(tOut, 0);
  const levelExpectedRss = f(tOut, 1);
  const levelQuadSum = f(tOut, 5);
  for (let p = 0; p < nb; p++) addF(tGBeta, p, f(tGrad, p));
  const scaledRss = rss * invVar;
  if (!(scaledRss - levelQuadSum >= MIN_QUADRATIC_FORM * scaledRss)) return -Infinity;
  ll += levelLogLikelihood;
  const expectedRss = rss + levelExpectedRss;
  precisionBackward(x, g);
  addF(g, tPhiSigma, -tN + expectedRss * invVar);
  setF(tResult, 0, ll);
  setF(tResult, 1, levelQuadSum);
  // ∂/∂ξ = L_S⁻¹ ∂/∂β (solveLower of lib/model/_dense.ts).
  for (let i = 0; i < nb; i++) {
    let s = f(tGBeta, i);
    for (let k = 0; k < i; k++) s -= f(tWhitening, i * nb + k) * f(tGBeta, k);
    setF(tGBeta, i, s / f(tWhitening, i * nb + i));
  }
  for (let p = 0; p < nb; p++) setF(g, p, f(tGBeta, p));
  const total = lp + ll;
  return isFinite(total) ? total : -Infinity;
}
