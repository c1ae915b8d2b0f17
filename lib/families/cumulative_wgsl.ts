/**
 * The cumulative family's WGSL (logit and probit): one pattern's log P(y = k | η, τ) and its
 * partials in η and in the two thresholds around k, as lib/families/cumulative.ts's
 * `categoryTerms` computes them in f64 (same branches, so the tails stay finite); the pattern
 * loop routes the threshold partials to one slot per threshold, and `family_finalize` adds the
 * thresholds' priors, the Jacobian Σ_{k≥2} u_k and the chain rule from τ to u
 * (lib/families/ordered_thresholds.ts).
 */
import type { FamilyWgsl } from "./family.ts";

/** F, f, log F and f/F of the latent logistic distribution, in f32. */
const LOGIT_LINK_WGSL = `
fn ord_cdf(x: f32) -> f32 {
  return sigmoid(x);
}
fn ord_density(x: f32) -> f32 {
  return sigmoid(x) * sigmoid(-x);
}
fn ord_log_cdf(x: f32) -> f32 {
  return -softplus(-x);
}
fn ord_density_over_cdf(x: f32) -> f32 {
  return sigmoid(-x);
}
`;

/**
 * Φ, φ, log Φ and φ/Φ in f32. log Φ(x) for x < 0 from erfc's Chebyshev fit (Numerical Recipes'
 * erfcc, relative error < 1.2e-7 everywhere), written as log erfc so the lower tail never
 * underflows; φ/Φ = exp(log φ − log Φ).
 */
const PROBIT_LINK_WGSL = `
fn ord_log_erfc(z: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.5 * z);
  return log(t) - z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
    t * (-0.82215223 + t * 0.17087277))))))));
}
fn ord_log_cdf(x: f32) -> f32 {
  let lt = -0.6931471805599453 + ord_log_erfc(abs(x) * 0.7071067811865476);
  return select(lt, log1p_(-exp(lt)), x > 0.0);
}
fn ord_cdf(x: f32) -> f32 {
  return exp(ord_log_cdf(x));
}
fn ord_density(x: f32) -> f32 {
  return 0.3989422804014327 * exp(-0.5 * x * x);
}
fn ord_density_over_cdf(x: f32) -> f32 {
  return exp(-0.5 * x * x - 0.9189385332046727 - ord_log_cdf(x));
}
`;

/** pattern_terms and the threshold plumbing, shared by both links. */
const CUMULATIVE_TERMS_WGSL = `
// ex = (τ_{k−1}, τ_k) of the pattern's category k = y (unused ends for k = 1 and k = K).
// Returns n·(log P, ∂/∂η, ∂/∂τ_k, ∂/∂τ_{k−1}).
fn pattern_terms(eta: f32, y: f32, n: f32, ex: vec2<f32>) -> vec4<f32> {
  let a = ex.y - eta;
  let b = ex.x - eta;
  var lp = 0.0;
  var du = 0.0;
  var dl = 0.0;
  if (y < 1.5) {
    lp = ord_log_cdf(a);
    du = ord_density_over_cdf(a);
  } else if (y > f32(NTH) + 0.5) {
    lp = ord_log_cdf(-b);
    dl = -ord_density_over_cdf(-b);
  } else if (b > 0.0) {
    let r = exp(ord_log_cdf(-a) - ord_log_cdf(-b));
    lp = ord_log_cdf(-b) + log1p_(-r);
    du = ord_density_over_cdf(-a) * r / (1.0 - r);
    dl = -ord_density_over_cdf(-b) / (1.0 - r);
  } else if (a <= 0.0) {
    let r = exp(ord_log_cdf(b) - ord_log_cdf(a));
    lp = ord_log_cdf(a) + log1p_(-r);
    du = ord_density_over_cdf(a) / (1.0 - r);
    dl = -ord_density_over_cdf(b) * r / (1.0 - r);
  } else {
    let p = ord_cdf(a) - ord_cdf(b);
    lp = log(p);
    du = ord_density(a) / p;
    dl = -ord_density(b) / p;
  }
  return vec4<f32>(n * lp, -n * (du + dl), n * du, n * dl);
}
`;

const CUMULATIVE_FINALIZE_WGSL = `
fn family_extras(c: u32) -> vec2<f32> {
  return vec2<f32>(1.0, 1.0);
}

// τ_1 = u_1, τ_k = τ_{k−1} + exp(u_k).
fn family_thresholds(c: u32, tau: ptr<function, array<f32, NTHA>>) {
  var t = theta[at(TH_OFF, c)];
  (*tau)[0] = t;
  for (var k = 1u; k < NTH; k++) {
    t += exp(theta[at(TH_OFF + k, c)]);
    (*tau)[k] = t;
  }
}

// (τ_{k−1}, τ_k) around category k = y, clamped at the ends (pattern_terms ignores them there).
fn pattern_extras(tau: ptr<function, array<f32, NTHA>>, y: f32) -> vec2<f32> {
  let k = u32(y + 0.5);
  return vec2<f32>((*tau)[max(k, 2u) - 2u], (*tau)[min(k, NTH) - 1u]);
}

// The thresholds' priors on τ, the Jacobian Σ_{k≥2} u_k, and ∂/∂u from ∂/∂τ:
// ∂/∂u_1 = Σ_k ∂/∂τ_k, ∂/∂u_j = exp(u_j)·Σ_{k≥j} ∂/∂τ_k (+ 1 from the Jacobian).
fn family_finalize(c: u32, lik: f32, beta: ptr<function, array<f32, DA>>,
                   gbeta: ptr<function, array<f32, DA>>) -> f32 {
  var tau: array<f32, NTHA>;
  family_thresholds(c, &tau);
  var gt: array<f32, NTHA>;
  var lp = lik;
  for (var k = 0u; k < NTH; k++) {
    let pr = prior(PRIOR_TH + k, tau[k]);
    lp += pr.x;
    gt[k] = sum_partials(1u + D + KT + k, c) + pr.y;
    if (k > 0u) {
      lp += theta[at(TH_OFF + k, c)];
    }
  }
  var tail = 0.0;
  for (var k = NTH - 1u; k >= 1u; k--) {
    tail += gt[k];
    set_grad(TH_OFF + k, c, exp(theta[at(TH_OFF + k, c)]) * tail + 1.0);
  }
  set_grad(TH_OFF, c, tail + gt[0]);
  return lp;
}
`;

/**
 * The cumulative family's WGSL for one link: K − 1 threshold partials, partial i summing
 * ∂/∂τ_i of the patterns in categories i + 1 (upper threshold) and i + 2 (lower).
 *
 * @example
 * ```ts
 * import { cumulativeWgsl } from "./cumulative_wgsl.ts";
 * const w = cumulativeWgsl("probit");
 * console.assert(typeof w.extraPartials === "function" && w.extraPartials(3) === 3);
 * console.assert(w.partialTerm!(0).includes("ys == 1.0"));
 * ```
 */
export function cumulativeWgsl(link: "logit" | "probit"): FamilyWgsl {
  return {
    patternTerms: (link === "logit" ? LOGIT_LINK_WGSL : PROBIT_LINK_WGSL) + CUMULATIVE_TERMS_WGSL,
    finalize: CUMULATIVE_FINALIZE_WGSL,
    extraPartials: (thresholds) => thresholds,
    partialTerm: (i) => `select(0.0, r.z, ys == ${i + 1}.0) + select(0.0, r.w, ys == ${i + 2}.0)`,
    thresholdExtras: true,
    gpuFields: (s) => [s.y, s.rows],
  };
}
