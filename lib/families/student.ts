/** The student family: Student-t outcomes with scale sigma and degrees of freedom nu. */
import { continuousVariation } from "./outcome_variation.ts";
import { gaussianPilotSums, gaussianWorkingStep } from "./gaussian_pilot.ts";
import type { Family, FamilyParameter } from "./family.ts";
import { digamma, logGamma } from "../math/special.ts";
import { gamma } from "../math/variates.ts";

const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);

/** brms's sigma: residual scale, default prior student_t(3, 0, scale). */
export const SIGMA: FamilyParameter = {
  name: "sigma",
  lower: 0,
  description: "residual sd, default student_t(3, 0, max(2.5, mad(y)))",
  defaultPrior: (scale) => ({ dist: "student_t", df: 3, mu: 0, sigma: scale }),
};

/** brms's nu: degrees of freedom (> 1), default prior gamma(2, 0.1). */
export const NU: FamilyParameter = {
  name: "nu",
  lower: 1,
  description: "degrees of freedom (> 1), default gamma(2, 0.1)",
  defaultPrior: () => ({ dist: "gamma", shape: 2, rate: 0.1 }),
};

/**
 * What gaussian and student share: identity link, any finite outcome, pattern statistics that
 * keep outcome values apart, variation checked on the values.
 *
 * @example
 * ```ts
 * import { CONTINUOUS_OUTCOME } from "./student.ts";
 * console.assert(CONTINUOUS_OUTCOME.inverseLink(0.5) === 0.5 && !CONTINUOUS_OUTCOME.discrete);
 * ```
 */
export const CONTINUOUS_OUTCOME: Pick<
  Family,
  | "link"
  | "linkScale"
  | "inverseLink"
  | "needsTrials"
  | "discrete"
  | "patternsKeepOutcome"
  | "outcomeAdvice"
  | "checkOutcome"
  | "checkVariation"
  | "separable"
  | "expectedValue"
  | "priorOutcome"
  | "pilotSums"
  | "workingStep"
> = {
  link: "identity",
  linkScale: "in outcome units",
  inverseLink: (eta) => eta,
  needsTrials: false,
  discrete: false,
  patternsKeepOutcome: true,
  outcomeAdvice: "the measured values",
  checkOutcome: () => null,
  checkVariation: (outcome, y) => continuousVariation(outcome, y),
  separable: false,
  expectedValue: (eta) => 1 * eta,
  priorOutcome: (y) => y,
  // The pilot treats pattern rows as Gaussian: `rows` identical rows with outcome y.
  pilotSums: gaussianPilotSums,
  workingStep: gaussianWorkingStep,
};

/**
 * Student-t outcomes (brms `student()`): y ~ t_ν(η, σ); patterns keep outcome values apart.
 *
 * @example
 * ```ts
 * import { student } from "./student.ts";
 * console.assert(student.parameters.map((p) => p.name).join() === "sigma,nu");
 * ```
 */
export const student: Family = {
  name: "student",
  brms: "student",
  ...CONTINUOUS_OUTCOME,
  parameters: [SIGMA, NU],
  compression: "patterns",
  collapsible: false,
  patternLogLikelihood: (stats, eta, extra, dEta, gradExtra) => {
    const sigma = Math.exp(extra[0]);
    const nu = 1 + Math.exp(extra[1]);
    const nuConst = logGamma((nu + 1) / 2) - logGamma(nu / 2) - 0.5 * Math.log(nu) - LOG_SQRT_PI;
    const dConst = 0.5 * digamma((nu + 1) / 2) - 0.5 * digamma(nu / 2) - 0.5 / nu;
    const y = stats.y, rows = stats.rows;
    let lp = 0;
    let gLogSigma = 0;
    let gNu = 0;
    for (let p = 0; p < eta.length; p++) {
      const weight = rows[p];
      const zres = (y[p] - eta[p]) / sigma;
      const t = 1 + (zres * zres) / nu;
      lp += weight * (nuConst - Math.log(sigma) - 0.5 * (nu + 1) * Math.log(t));
      dEta[p] = (weight * (nu + 1) * zres) / (sigma * nu * t);
      gLogSigma += weight * (-1 + ((nu + 1) * zres * zres) / (nu * t));
      gNu += weight *
        (dConst - 0.5 * Math.log(t) + (0.5 * (nu + 1) * zres * zres) / (nu * nu * t));
    }
    gradExtra[0] += gLogSigma;
    gradExtra[1] += gNu * (nu - 1);
    return lp;
  },
  pointwiseLogLikelihood: (y, _n, eta, [sigma, nu]) => {
    for (let s = 0; s < eta.length; s++) {
      const v = nu[s];
      const z = (y - eta[s]) / sigma[s];
      eta[s] = logGamma((v + 1) / 2) - logGamma(v / 2) - 0.5 * Math.log(v * Math.PI) -
        Math.log(sigma[s]) - ((v + 1) / 2) * Math.log1p((z * z) / v);
    }
  },
  predictiveDraw: (mu, _n, [sigma, nu], s, rng) =>
    mu + sigma[s] * rng.normal() / Math.sqrt(gamma(rng, nu[s] / 2) * 2 / nu[s]),
  wgsl: {
    patternTerms: `
fn pattern_terms(eta: f32, y: f32, n: f32, ex: vec2<f32>) -> vec4<f32> {
  let sigma = ex.x;
  let nu = ex.y;
  let z = (y - eta) / sigma;
  let tt = 1.0 + z * z / nu;
  let lt = log(tt);
  return vec4<f32>(
    -n * 0.5 * (nu + 1.0) * lt,
    n * (nu + 1.0) * z / (sigma * nu * tt),
    n * (nu + 1.0) * z * z / (nu * tt),
    n * (-0.5 * lt + 0.5 * (nu + 1.0) * z * z / (nu * nu * tt)),
  );
}
`,
    finalize: `
fn family_extras(c: u32) -> vec2<f32> {
  return vec2<f32>(exp(theta[at(SIGMA_OFF, c)]), 1.0 + exp(theta[at(NU_OFF, c)]));
}

// The log σ and ν normalisers of every row, the priors of σ and ν and their Jacobians.
fn family_finalize(c: u32, lik: f32, beta: ptr<function, array<f32, DA>>,
                   gbeta: ptr<function, array<f32, DA>>) -> f32 {
  let n_rows = modelF[F_N];
  let log_sigma = theta[at(SIGMA_OFF, c)];
  let sigma = exp(log_sigma);
  let u = theta[at(NU_OFF, c)];
  let nu = 1.0 + exp(u);
  let nu_const = lgamma_(0.5 * (nu + 1.0)) - lgamma_(0.5 * nu) - 0.5 * log(nu) - 0.5723649429247001;
  let d_const = 0.5 * digamma_(0.5 * (nu + 1.0)) - 0.5 * digamma_(0.5 * nu) - 0.5 / nu;
  var lp = 0.0;
  lp += lik + n_rows * (nu_const - log_sigma);
  let ps = prior(PRIOR_SIGMA, sigma);
  lp += ps.x + log_sigma;
  set_grad(SIGMA_OFF, c, sum_partials(1u + D + KT, c) - n_rows + ps.y * sigma + 1.0);
  let pn = prior(PRIOR_NU, nu);
  lp += pn.x + u;
  set_grad(NU_OFF, c, (sum_partials(2u + D + KT, c) + n_rows * d_const) * (nu - 1.0) + pn.y * exp(u) + 1.0);
  return lp;
}
`,
    extraPartials: 2,
    gpuFields: (s) => [s.y, s.rows],
  },
};
