/**
 * The logistic likelihood shared by bernoulli and binomial: y·η − n·log(1 + e^η) per pattern,
 * computed stably on the CPU and in WGSL, plus its log-likelihood per row and pilot step.
 */
import type { FamilyWgsl, PilotSums, WorkingStep } from "./family.ts";
import { NO_PARAMETERS_WGSL } from "./no_parameters_wgsl.ts";
import { LogProduct } from "./log_product.ts";

/** 1 / (1 + e^−η). */
export function logistic(eta: number): number {
  return 1 / (1 + Math.exp(-eta));
}

/** |η| up to which a pattern takes the one-exponential path of {@link logitPatterns}. */
const DIRECT_ETA = 30;
const softplusSum = new LogProduct();

/**
 * Σ_p ySum_p·η_p − n_p·log(1 + e^η_p) with ∂/∂η_p into dEta, where n_p is `trials[p]`.
 * Where |η| ≤ 30 a pattern costs one exponential E = e^η: the probability is E/(1 + E) and the
 * factors 1 + E are multiplied up and their logarithm taken once per few hundred patterns
 * (LogProduct); beyond, the stable per-pattern form with e^−|η| and log1p.
 *
 * @example
 * ```ts
 * import { logitPatterns } from "./logit.ts";
 * const dEta = new Float64Array(1);
 * const lp = logitPatterns(new Float64Array([1]), new Float64Array([2]), new Float64Array([0]), dEta);
 * console.assert(Math.abs(lp + 2 * Math.log(2)) < 1e-12 && dEta[0] === 0);
 * ```
 */
export function logitPatterns(
  ySum: Float64Array,
  trials: Float64Array,
  eta: Float64Array,
  dEta: Float64Array,
): number {
  let lp = 0;
  softplusSum.reset();
  for (let p = 0; p < eta.length; p++) {
    const x = eta[p], n = trials[p], y = ySum[p];
    if (x <= DIRECT_ETA && x >= -DIRECT_ETA) {
      const E = Math.exp(x);
      const f = 1 + E;
      lp += y * x;
      softplusSum.add(f, n);
      dEta[p] = y - n * (E / f);
      continue;
    }
    // sum·η − n·log(1 + e^η), computed stably from one exponential e = exp(−|η|) (NaN lands here).
    const e = Math.exp(-Math.abs(x));
    const softplus = (x > 0 ? x : 0) + Math.log1p(e);
    lp += y * x - n * softplus;
    const prob = x > 0 ? 1 / (1 + e) : e / (1 + e);
    dEta[p] = y - n * prob;
  }
  return lp - softplusSum.total();
}

/** c + y·log p + (n − y)·log(1 − p) per draw of η, into `eta` (c: log C(n, y), or 0). */
export function logitPointwise(y: number, n: number, eta: Float64Array, c: number): void {
  for (let s = 0; s < eta.length; s++) {
    const e = eta[s];
    // log p = −log(1 + e^−η), log(1 − p) = −log(1 + e^η), computed stably.
    const logP = e > 0 ? -Math.log1p(Math.exp(-e)) : e - Math.log1p(Math.exp(e));
    const log1mP = logP - e;
    eta[s] = c + y * logP + (n - y) * log1mP;
  }
}

/** The pilot's IRLS step for a logit link: residual y − n·p and weight n·p(1 − p). */
export function logitWorkingStep(eta: number, row: PilotSums): WorkingStep {
  const p = 1 / (1 + Math.exp(-eta));
  return { resid: row.sum - row.weight * p, weight: row.weight * p * (1 - p), rss: 0, count: 0 };
}

/** WGSL of the logit pattern terms; the shader reads (ySum, n) per pattern. */
export const LOGIT_WGSL: Omit<FamilyWgsl, "gpuFields"> = {
  patternTerms: `
fn pattern_terms(eta: f32, y: f32, n: f32, ex: vec2<f32>) -> vec4<f32> {
  // y·η − n·log(1 + e^η) and y − n·sigmoid(η) from one exp and one division; e ∈ (0, 1], so
  // log(1 + e) has an absolute error of a few 1e-8 (relative to |lp| ≥ log 2 per row).
  let e = exp(-abs(eta));
  let inv = 1.0 / (1.0 + e);
  let sp = max(eta, 0.0) + log(1.0 + e);
  let prob = select(e * inv, inv, eta >= 0.0);
  return vec4<f32>(y * eta - n * sp, y - n * prob, 0.0, 0.0);
}
`,
  finalize: NO_PARAMETERS_WGSL,
  extraPartials: 0,
};
