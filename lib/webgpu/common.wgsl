// Helpers shared by the hetfx kernels. The host (kernels.ts) compiles every module as
//   header (layout.ts: constants NC, DIM, D, …, term tables T_*, buffer bindings) + this file
//   + rng.wgsl + the kernel file.
// Every loop below is bounded by a small constant (K ≤ KMAX, 8 recurrence steps), never by data.

struct Control {
  eps: f32,
  // Jittered trajectory length of this iteration (ChEES gradient).
  tn: f32,
  iteration: u32,
  seed_lo: u32,
  seed_hi: u32,
  stream: u32,
  // Draw slot to record this iteration into, or NONE.
  slot: u32,
  // Bit 0: reject every proposal (step-size trials).
  flags: u32,
}

const NONE: u32 = 0xffffffffu;
const KMAX2: u32 = KMAX * KMAX;
const KMAX1: u32 = KMAX + 1u;
// Inner length of blocked loops over data-sized ranges (outer × inner, both far below 65,535).
const BLOCK: u32 = 4096u;
const LOG4: f32 = 1.3862943611198906;
const HALF_LOG_2PI: f32 = 0.9189385332046728;

fn neg_inf() -> f32 {
  return bitcast<f32>(0xff800000u);
}

fn is_finite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

// Index of element e of chain c in a chain-minor buffer.
fn at(e: u32, c: u32) -> u32 {
  return e * NC + c;
}

fn log1p_(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0) {
    return x;
  }
  return log(u) * (x / (u - 1.0));
}

// log(1 + e^x) without overflow.
fn softplus(x: f32) -> f32 {
  return max(x, 0.0) + log1p_(exp(-abs(x)));
}

fn sigmoid(x: f32) -> f32 {
  if (x >= 0.0) {
    return 1.0 / (1.0 + exp(-x));
  }
  let e = exp(x);
  return e / (1.0 + e);
}

// tanh without inf/inf for large |y|.
fn tanh_(y: f32) -> f32 {
  let e = exp(-2.0 * abs(y));
  return sign(y) * (1.0 - e) / (1.0 + e);
}

// log(1 − tanh(y)²) = log 4 − 2 log(e^y + e^−y), stable for any y.
fn log1m_tanh2(y: f32) -> f32 {
  let a = abs(y);
  return LOG4 - 2.0 * (a + log1p_(exp(-2.0 * a)));
}

// lgamma_ and digamma_ run per pattern (negbinomial), so their recurrences are written out
// without a loop: lavapipe stops an invocation's loops once all of them together have run
// 65,535 iterations, and a loop here would spend up to 8 of that budget per pattern and chain.

// One recurrence step of lgamma_ on (x, shift): below 7, shift −= log x and x += 1.
fn lgamma_step(s: vec2<f32>) -> vec2<f32> {
  if (s.x < 7.0) {
    return vec2<f32>(s.x + 1.0, s.y - log(s.x));
  }
  return s;
}

// log Γ(x), x > 0: recurrence up to x ≥ 7 (at most 8 steps), then Stirling's series.
fn lgamma_(x0: f32) -> f32 {
  var s = lgamma_step(lgamma_step(lgamma_step(lgamma_step(vec2<f32>(x0, 0.0)))));
  s = lgamma_step(lgamma_step(lgamma_step(lgamma_step(s))));
  let x = s.x;
  let r = 1.0 / x;
  let r2 = r * r;
  let series = r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 / 1260.0));
  return s.y + (x - 0.5) * log(x) - x + HALF_LOG_2PI + series;
}

// One recurrence step of digamma_ on (x, result): below 6, result −= 1/x and x += 1.
fn digamma_step(s: vec2<f32>) -> vec2<f32> {
  if (s.x < 6.0) {
    return vec2<f32>(s.x + 1.0, s.y - 1.0 / s.x);
  }
  return s;
}

// ψ(x), x > 0: recurrence up to x ≥ 6 (at most 8 steps), then the asymptotic series (as
// lib/math/special.ts).
fn digamma_(x0: f32) -> f32 {
  var s = digamma_step(digamma_step(digamma_step(digamma_step(vec2<f32>(x0, 0.0)))));
  s = digamma_step(digamma_step(digamma_step(digamma_step(s))));
  let x = s.x;
  let f = 1.0 / (x * x);
  return s.y + log(x) - 0.5 / x -
    f * (1.0 / 12.0 - f * (1.0 / 120.0 - f * (1.0 / 252.0 - f * (1.0 / 240.0 - f / 132.0))));
}

// Prior slot (layout.ts encodePrior): (log density up to a constant, derivative) at x.
fn prior(slot: u32, x: f32) -> vec2<f32> {
  let b = F_PRIOR + 4u * slot;
  let kind = u32(modelF[b]);
  let p1 = modelF[b + 1u];
  let p2 = modelF[b + 2u];
  let p3 = modelF[b + 3u];
  switch kind {
    case 1u: {
      let z = (x - p1) / p2;
      return vec2<f32>(-0.5 * z * z, -z / p2);
    }
    case 2u: {
      let d = x - p2;
      let s2 = p3 * p3;
      return vec2<f32>(-0.5 * (p1 + 1.0) * log1p_(d * d / (p1 * s2)), -(p1 + 1.0) * d / (p1 * s2 + d * d));
    }
    case 3u: {
      return vec2<f32>(-p1 * x, -p1);
    }
    case 4u: {
      return vec2<f32>((p1 - 1.0) * log(x) - p2 * x, (p1 - 1.0) / x - p2);
    }
    case 5u: {
      return vec2<f32>(-(p1 + 1.0) * log(x) - p2 / x, (p2 / x - (p1 + 1.0)) / x);
    }
    default: {
      return vec2<f32>(0.0, 0.0);
    }
  }
}

// β of chain c: θ's leading NB entries, zero for the varying-only columns.
fn load_beta(c: u32, beta: ptr<function, array<f32, DA>>) {
  for (var a = 0u; a < D; a++) {
    var v = 0.0;
    if (a < NB) {
      v = theta[at(a, c)];
    }
    (*beta)[a] = v;
  }
}

// sd and the Cholesky factor L (row-major KMAX × KMAX) of term t for chain c, as
// lib/model/cholesky_corr.ts; returns log |Jacobian| + LKJ log density (0 when uncorrelated).
fn signed_sd(t: u32, k: u32) -> bool {
  return ((T_SIGNED[t] >> k) & 1u) == 1u;
}

fn term_transform(
  t: u32,
  c: u32,
  sd: ptr<function, array<f32, KMAX>>,
  L: ptr<function, array<f32, KMAX2>>,
) -> f32 {
  let K = T_K[t];
  for (var k = 0u; k < KMAX; k++) {
    var v = 0.0;
    if (k < K) {
      // A signed scale u is used as is (sd = |u|, r = u (L z)_k), else sd = exp(log sd).
      let x = theta[at(T_LOGSD[t] + k, c)];
      v = select(exp(x), x, signed_sd(t, k));
    }
    (*sd)[k] = v;
  }
  for (var i = 0u; i < KMAX2; i++) {
    (*L)[i] = 0.0;
  }
  for (var i = 0u; i < K; i++) {
    (*L)[i * KMAX + i] = 1.0;
  }
  if (T_CORR[t] == 0u) {
    return 0.0;
  }
  let eta = T_ETA[t];
  var lp = 0.0;
  var p = T_COR[t];
  for (var i = 1u; i < K; i++) {
    var sumsq = 0.0;
    for (var j = 0u; j < i; j++) {
      let y = theta[at(p, c)];
      p += 1u;
      let z = tanh_(y);
      lp += log1m_tanh2(y);
      let w = sqrt(max(1.0 - sumsq, 0.0));
      if (j > 0u) {
        lp += log(w);
      }
      let v = z * w;
      (*L)[i * KMAX + j] = v;
      sumsq += v * v;
    }
    let diag = sqrt(max(1.0 - sumsq, 0.0));
    (*L)[i * KMAX + i] = diag;
    lp += (f32(K) - f32(i) - 1.0 + 2.0 * eta - 2.0) * log(diag);
  }
  return lp;
}

// Gradient w.r.t. the correlation reals of F(L) + log Jacobian + LKJ, given dF/dL in gL
// (lib/model/cholesky_corr.ts choleskyCorrBackward); written to gy (K(K−1)/2 entries).
fn chol_backward(
  t: u32,
  c: u32,
  L: ptr<function, array<f32, KMAX2>>,
  gL: ptr<function, array<f32, KMAX2>>,
  gy: ptr<function, array<f32, KMAX2>>,
) {
  let K = T_K[t];
  let eta = T_ETA[t];
  for (var i = 0u; i < KMAX2; i++) {
    (*gy)[i] = 0.0;
  }
  var row_start = 0u;
  for (var i = 1u; i < K; i++) {
    let diag = (*L)[i * KMAX + i];
    var s: array<f32, KMAX1>;
    s[0] = 0.0;
    for (var j = 0u; j < i; j++) {
      let v = (*L)[i * KMAX + j];
      s[j + 1u] = s[j] + v * v;
    }
    let g_diag = (*gL)[i * KMAX + i] + (f32(K) - f32(i) - 1.0 + 2.0 * eta - 2.0) / diag;
    var g_s = g_diag * -0.5 / diag;
    for (var jj = i; jj > 0u; jj--) {
      let j = jj - 1u;
      let value = (*L)[i * KMAX + j];
      let w = sqrt(max(1.0 - s[j], 0.0));
      var z = 0.0;
      if (w > 0.0) {
        z = value / w;
      }
      let g_value = (*gL)[i * KMAX + j] + g_s * 2.0 * value;
      let g_z = g_value * w;
      var g_w = g_value * z;
      if (j > 0u) {
        g_w += 1.0 / w;
        g_s += g_w * -0.5 / w;
      }
      let p = row_start + j;
      let zt = tanh_(theta[at(T_COR[t] + p, c)]);
      (*gy)[p] += g_z * (1.0 - zt * zt) - 2.0 * zt;
    }
    row_start += i;
  }
}

// Varying effects ρ of `cell` for chain c, all terms stacked: r = sd ∘ (L z_group), or r = θ's
// block itself for centred terms (lib/model/compiled_model.ts centredPrior).
fn cell_rho(cell: u32, c: u32, rho: ptr<function, array<f32, KTA>>) {
  for (var t = 0u; t < NT; t++) {
    var sd: array<f32, KMAX>;
    var L: array<f32, KMAX2>;
    _ = term_transform(t, c, &sd, &L);
    let K = T_K[t];
    let g = idx[IDX_CELLGROUP + cell * NT + t];
    let z0 = T_Z[t] + g * K;
    if (T_CENT[t] == 1u) {
      // Centred: θ holds r itself.
      for (var a = 0u; a < K; a++) {
        (*rho)[T_KOFF[t] + a] = theta[at(z0 + a, c)];
      }
      continue;
    }
    for (var a = 0u; a < K; a++) {
      var u = 0.0;
      for (var b = 0u; b <= a; b++) {
        u += L[a * KMAX + b] * theta[at(z0 + b, c)];
      }
      (*rho)[T_KOFF[t] + a] = sd[a] * u;
    }
  }
}
