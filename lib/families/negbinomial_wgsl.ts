/**
 * The negbinomial family's WGSL: one pattern's log-likelihood (Stan's neg_binomial_2_log without
 * −log y!) and its partials in η and in u = log φ, in f32, as lib/families/negbinomial.ts's
 * `rowTerms` computes them in f64, arranged so that no two large numbers cancel anywhere in the
 * range the sampler meets (φ from 1e-2 to 1e8 and beyond, counts from 0 to ~1e6):
 *
 *   lp    = L + y η − (y + φ) log1p(μ/φ),  L = lgamma(y + φ) − lgamma(φ) − y log φ
 *   ∂lp/∂η = φ (y − μ) / (μ + φ)
 *   ∂lp/∂u = φ [ψ(y + φ) − ψ(φ)] − φ log1p(μ/φ) − ∂lp/∂η                    (μ > φ)
 *          = φ (r − log1p r) − A + (μ/φ) ∂lp/∂η,  r = μ/φ,                   (μ ≤ φ)
 *            A = y − φ [ψ(y + φ) − ψ(φ)]
 *
 * At a large shape the first form of ∂lp/∂u subtracts terms of size y and μ to leave one of size
 * (y − μ)²/φ; the second adds three terms of that size. L and A come without cancellation too:
 * exact sums for y < 16 (Σ log1p(k/φ), Σ k/(φ + k)); for y ≥ 16 and φ ≥ 16 the difference of
 * Stirling's series at y + φ and φ, written in t = y/φ through t − log1p t and
 * (1 + t) log1p t − t (series in z = t/(2 + t) for t ≤ 2, all terms positive); for y ≥ 16 and
 * φ < 16, where lgamma(φ) and y log φ are small, the plain difference of lgamma_ and digamma_.
 *
 * lavapipe stops an invocation's loops once all of them together have run 65,535 iterations, and
 * pattern_terms runs per pattern and chain, so nothing here loops: the small-count sums are 16
 * guarded steps written out (a 16-step loop would pass that budget in a 4,096-pattern chunk run
 * for 8 chains and cut the likelihood short).
 */
import type { FamilyWgsl } from "./family.ts";

/** Counts below this take the exact sums (written out, one guarded step per k). */
const SUM_BELOW = 16;

const SMALL_COUNT_STEPS = Array.from(
  { length: SUM_BELOW },
  (_, k) =>
    `    if (${k}.0 < y) { let i = 1.0 / (phi + ${k}.0); ` +
    `s += vec3<f32>(nb_log1p(${k}.0 / phi), phi * i, ${k}.0 * i); }`,
).join("\n");

/** 1/3 + w/5 + w²/7 + … + w¹⁰/23: 2 Σ_k z^(2k+1)/(2k+1) = log1p t is 2z (1 + z² S(z²)). */
const ODD_SERIES = Array.from({ length: 11 }, (_, k) => `1.0 / ${2 * k + 3}.0`)
  .reduceRight((inner, c) => inner === "" ? c : `${c} + w * (${inner})`, "");

const HELPERS = `
// (log1p t, t − log1p t, (1 + t) log1p t − t) for t ≥ 0, each to a few f32 ulps. For t ≤ 2 from
// z = t/(2 + t) ≤ ½: log1p t = 2z (1 + z² S), t − log1p t = 2z² (1/(1 − z) − z S),
// (1 + t) log1p t − t = 2z²/(1 − z) (1 + z (1 + z) S) with S = Σ_k z^(2k)/(2k + 3) to z²⁰
// (truncation < 2e-8 relative); no log near 1 and no cancellation. Above 2, from log(1 + t).
fn nb_log1p3(t: f32) -> vec3<f32> {
  if (t > 2.0) {
    let l = log(1.0 + t);
    return vec3<f32>(l, t - l, (1.0 + t) * l - t);
  }
  let z = t / (2.0 + t);
  let w = z * z;
  let s = ${ODD_SERIES};
  let a = 1.0 / (1.0 - z);
  return vec3<f32>(2.0 * z * (1.0 + w * s), 2.0 * w * (a - z * s), 2.0 * w * a * (1.0 + z * (1.0 + z) * s));
}

fn nb_log1p(t: f32) -> f32 {
  if (t > 2.0) {
    return log(1.0 + t);
  }
  let z = t / (2.0 + t);
  let w = z * z;
  return 2.0 * z * (1.0 + w * (${ODD_SERIES}));
}

// For a count y and shape φ: (L, P, A) = (lgamma(y + φ) − lgamma(φ) − y log φ,
// φ [ψ(y + φ) − ψ(φ)], y − φ [ψ(y + φ) − ψ(φ)]), P and A each computed directly (P + A = y).
fn nb_rising(y: f32, phi: f32) -> vec3<f32> {
  if (y < ${SUM_BELOW}.0) {
    // Σ_{k<y} (log1p(k/φ), φ/(φ + k), k/(φ + k)).
    var s = vec3<f32>(0.0);
${SMALL_COUNT_STEPS}
    return s;
  }
  if (phi < 16.0) {
    let p = phi * (digamma_(y + phi) - digamma_(phi));
    return vec3<f32>(lgamma_(y + phi) - lgamma_(phi) - y * log(phi), p, y - p);
  }
  // lgamma(x) = (x − ½) log x − x + ½ log 2π + 1/(12x) − 1/(360x³) + 1/(1260x⁵) at x = y + φ
  // and at φ: L = φ h(t) − ½ log1p t + Δtail with h(t) = (1 + t) log1p t − t.
  // ψ(x) = log x − 1/(2x) − 1/(12x²) + 1/(120x⁴) − 1/(252x⁶): P = φ log1p t + y/(2x) − Δ and
  // A = φ (t − log1p t) − y/(2x) + Δ, Δ = φ [(x⁻² − φ⁻²)/12 − (x⁻⁴ − φ⁻⁴)/120 + (x⁻⁶ − φ⁻⁶)/252].
  // At x, φ ≥ 16 the series' next terms are below 2e-9 of φ⁻¹ ≤ the smallest L or A.
  let x = y + phi;
  let t = y / phi;
  let m = nb_log1p3(t);
  let fx = 1.0 / (x * x);
  let fp = 1.0 / (phi * phi);
  let tail = (1.0 / 12.0 - fx * (1.0 / 360.0 - fx / 1260.0)) / x -
    (1.0 / 12.0 - fp * (1.0 / 360.0 - fp / 1260.0)) / phi;
  let d = phi * ((fx - fp) / 12.0 - (fx * fx - fp * fp) / 120.0 + (fx * fx * fx - fp * fp * fp) / 252.0);
  let half = 0.5 * y / x;
  return vec3<f32>(phi * m.z - 0.5 * m.x + tail, phi * m.x + half - d, phi * m.y - half + d);
}
`;

/**
 * Negative binomial WGSL (see the module comment): pattern_terms returns (lp, ∂lp/∂η, ∂lp/∂u, 0)
 * times the pattern's rows; family_finalize adds the shape's prior and the Jacobian of φ = e^u.
 *
 * @example
 * ```ts
 * import { NEGBINOMIAL_WGSL } from "./negbinomial_wgsl.ts";
 * console.assert(NEGBINOMIAL_WGSL.patternTerms.includes("fn pattern_terms("));
 * ```
 */
export const NEGBINOMIAL_WGSL: FamilyWgsl = {
  patternTerms: HELPERS + `
fn pattern_terms(eta: f32, y: f32, n: f32, ex: vec2<f32>) -> vec4<f32> {
  let phi = ex.x;
  let mu = exp(eta);
  let r = mu / phi;
  let rs = nb_rising(y, phi);
  let m = nb_log1p3(r);
  let lp = rs.x + y * (eta - m.x) - phi * m.x;
  let d_eta = (y - mu) * (phi / (mu + phi));
  var d_u: f32;
  if (mu <= phi) {
    d_u = phi * m.y - rs.z + r * d_eta;
  } else {
    d_u = rs.y - phi * m.x - d_eta;
  }
  return vec4<f32>(n * lp, n * d_eta, n * d_u, 0.0);
}
`,
  finalize: `
fn family_extras(c: u32) -> vec2<f32> {
  return vec2<f32>(exp(theta[at(SHAPE_OFF, c)]), 0.0);
}

// The shape's prior and the Jacobian of φ = exp(u).
fn family_finalize(c: u32, lik: f32, beta: ptr<function, array<f32, DA>>,
                   gbeta: ptr<function, array<f32, DA>>) -> f32 {
  let u = theta[at(SHAPE_OFF, c)];
  let phi = exp(u);
  let ps = prior(PRIOR_SHAPE, phi);
  set_grad(SHAPE_OFF, c, sum_partials(1u + D + KT, c) + ps.y * phi + 1.0);
  return lik + ps.x + u;
}
`,
  extraPartials: 1,
  gpuFields: (s) => [s.y, s.rows],
};
