/**
 * The gaussian family: y ~ N(η, σ). The model keeps per-cell sufficient statistics
 * (GaussianStats; lib/model/compile.ts) and evaluates the likelihood as a quadratic form in
 * lib/model/compiled_model.ts, so the varying effects can also be integrated out (collapsed
 * samplers). The pattern log-likelihood below serves patterns that keep outcome values apart.
 */
import type { Family } from "./family.ts";
import { CONTINUOUS_OUTCOME, SIGMA } from "./student.ts";

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Gaussian outcomes (brms `gaussian()`), identity link.
 *
 * @example
 * ```ts
 * import { gaussian } from "./gaussian.ts";
 * console.assert(gaussian.collapsible && gaussian.parameters[0].name === "sigma");
 * ```
 */
export const gaussian: Family = {
  name: "gaussian",
  brms: "gaussian",
  ...CONTINUOUS_OUTCOME,
  parameters: [SIGMA],
  compression: "cells",
  collapsible: true,
  patternLogLikelihood: (stats, eta, extra, dEta, gradExtra) => {
    // Σ rows·(−log σ − z²/2), z = (y − η)/σ, without the −½log 2π per row.
    const logSigma = extra[0];
    const invVar = Math.exp(-2 * logSigma);
    const y = stats.y, rows = stats.rows;
    let n = 0;
    let rss = 0;
    for (let p = 0; p < eta.length; p++) {
      const r = y[p] - eta[p];
      n += rows[p];
      rss += rows[p] * r * r;
      dEta[p] = rows[p] * r * invVar;
    }
    gradExtra[0] += -n + rss * invVar;
    return -n * logSigma - 0.5 * rss * invVar;
  },
  pointwiseLogLikelihood: (y, _n, eta, [sigma]) => {
    for (let s = 0; s < eta.length; s++) {
      const z = (y - eta[s]) / sigma[s];
      eta[s] = -HALF_LOG_2PI - Math.log(sigma[s]) - 0.5 * z * z;
    }
  },
  predictiveDraw: (mu, _n, [sigma], s, rng) => mu + sigma[s] * rng.normal(),
  wgsl: {
    // The cell kernel (gaussian_cells in lib/webgpu/log_density.wgsl) computes the likelihood;
    // pattern_terms is the per-row Gaussian term, for patterns that keep outcomes apart.
    patternTerms: `
fn pattern_terms(eta: f32, y: f32, n: f32, ex: vec2<f32>) -> vec4<f32> {
  let r = y - eta;
  return vec4<f32>(-0.5 * n * r * r * ex.x, n * r * ex.x, n * r * r * ex.x, 0.0);
}
`,
    finalize: `
fn family_extras(c: u32) -> vec2<f32> {
  return vec2<f32>(exp(-2.0 * theta[at(SIGMA_OFF, c)]), 1.0);
}

// The cells' residual sum of squares from the centred sufficient statistics (lik: the cells'
// part), σ's prior and Jacobian.
fn family_finalize(c: u32, lik: f32, beta: ptr<function, array<f32, DA>>,
                   gbeta: ptr<function, array<f32, DA>>) -> f32 {
  let n_rows = modelF[F_N];
  let log_sigma = theta[at(SIGMA_OFF, c)];
  let inv_var = exp(-2.0 * log_sigma);
  var quad = 0.0;
  var lin = 0.0;
  for (var a = 0u; a < D; a++) {
    let da = (*beta)[a] - modelF[F_BHAT + a];
    var gd = 0.0;
    for (var b = 0u; b < D; b++) {
      gd += modelF[F_G + a * D + b] * ((*beta)[b] - modelF[F_BHAT + b]);
    }
    quad += da * gd;
    lin += da * modelF[F_DELTA + a];
    (*gbeta)[a] += (modelF[F_DELTA + a] - gd) * inv_var;
  }
  let rss = modelF[F_RSS0] + quad - 2.0 * lin + lik;
  var lp = 0.0;
  lp += -n_rows * log_sigma - 0.5 * rss * inv_var;
  let ps = prior(PRIOR_SIGMA, exp(log_sigma));
  lp += ps.x + log_sigma;
  set_grad(SIGMA_OFF, c, -n_rows + rss * inv_var + ps.y * exp(log_sigma) + 1.0);
  return lp;
}
`,
    extraPartials: 0,
    gpuFields: (s) => [s.y, s.rows],
  },
};
