/**
 * An empirical-Bayes start for plain non-centred terms (r_j = diag(sd) L z_j): after the Laplace
 * climb (which holds these terms), each level's Newton estimate from the likelihood, the
 * marginal-likelihood sd of those estimates, and the effects and their inverse metric at their
 * conditional means and variances given it. Steps and formulas:
 * docs/ARCHITECTURE.md#empirical-bayes-start.
 *
 * @module
 */
import type { LogDensity } from "../sampler/log_density.ts";
import type { CompiledData, CompiledTerm } from "./compiled_data.ts";
import { corrParamCount } from "./cholesky_corr.ts";
import { plainEffectsAt, plainNonCentred } from "./signed_scales.ts";
import { invertSymmetricPositive } from "./_dense.ts";

/** Range of a starting variance, as in the Laplace start (lib/sampler/laplace_metric.ts). */
const MAX_INVERSE = 1;
const MIN_INVERSE = 1e-4;
/** Largest starting sd: e², the top of Stan's uniform(−2, 2) inits for log sd. */
const MAX_START_SD = Math.exp(2);
/** Backfitting sweeps over the covered terms when there are several. */
const SWEEPS = 2;
/** Step of the central differences of the score in r (r's of order 0.01–1). */
const H = 1e-3;

/** True when the empirical-Bayes start covers the term. */
export function empiricalBayesSuits(term: CompiledTerm): boolean {
  return plainNonCentred(term) && !term.meanInBeta && term.nGroups >= 2;
}

/**
 * The empirical-Bayes start from the climbed point `mode`: the new point and the diagonal inverse
 * metric of the coordinates it sets (NaN for the others: the population-level coefficients,
 * family parameters and every coordinate of terms it does not cover), or null when it covers no
 * term or a density it needs is not finite.
 *
 * @example
 * ```ts ignore
 * const start = empiricalBayesStart(model, data, mode);
 * ```
 */
export function empiricalBayesStart(
  model: LogDensity,
  data: CompiledData,
  mode: Float64Array,
): { position: Float64Array; inverseMetric: Float64Array } | null {
  const position = Float64Array.from(mode);
  const inverseMetric = new Float64Array(data.dim).fill(NaN);
  const gradient = new Float64Array(data.dim);
  const terms = data.terms.filter(empiricalBayesSuits);
  let covered = false;
  // Backfitting: each term's levels are estimated with the other terms' effects at their
  // current start, so crossed or nested terms do not each absorb the variation they share.
  for (let sweep = 0; sweep < (terms.length > 1 ? SWEEPS : 1); sweep++) {
    for (const term of terms) {
      const done = refineTerm(model, term, position, inverseMetric, gradient);
      if (done === null) return null;
      covered ||= done;
    }
  }
  if (!covered) return null;
  return Number.isFinite(model.logDensityGradient(position, gradient))
    ? { position, inverseMetric }
    : null;
}

/**
 * Steps 1–4 for one term, reading the other terms from `position` and writing this term's sds,
 * correlations (0), effects and their inverse metric there; false when no coefficient had an
 * informative level, null when a density was not finite.
 */
function refineTerm(
  model: LogDensity,
  term: CompiledTerm,
  position: Float64Array,
  inverseMetric: Float64Array,
  gradient: Float64Array,
): boolean | null {
  const K = term.coefNames.length;
  const J = term.nGroups;
  const z0 = term.zOffset;
  // The probe point: sd 1, L = I, z = r, so that z_jk moves r_jk alone.
  const r = plainEffectsAt(term, position);
  const probe = Float64Array.from(position);
  for (let k = 0; k < K; k++) probe[term.logSdOffset + k] = term.signedSd?.[k] ? 1 : 0;
  if (term.correlated) probe.fill(0, term.corOffset, term.corOffset + corrParamCount(K));
  probe.set(r, z0);
  // ∂lp/∂z_jk = g_jk − z_jk (the N(0, 1) prior on z): the likelihood's score is ∂lp/∂z + z.
  if (!Number.isFinite(model.logDensityGradient(probe, gradient))) return null;
  const score = new Float64Array(J * K);
  for (let i = 0; i < J * K; i++) score[i] = gradient[z0 + i] + probe[z0 + i];
  // Each level's K × K information: column k from moving every level's r_jk by ±H.
  const information = new Float64Array(J * K * K);
  const plus = new Float64Array(J * K);
  for (let k = 0; k < K; k++) {
    for (const sign of [1, -1]) {
      for (let j = 0; j < J; j++) probe[z0 + j * K + k] = r[j * K + k] + sign * H;
      if (!Number.isFinite(model.logDensityGradient(probe, gradient))) return null;
      for (let i = 0; i < J * K; i++) {
        const s = gradient[z0 + i] + probe[z0 + i];
        if (sign > 0) plus[i] = s;
        else information[i * K + k] = -(plus[i] - s) / (2 * H);
      }
      for (let j = 0; j < J; j++) probe[z0 + j * K + k] = r[j * K + k];
    }
  }
  const { estimate, variance } = levelEstimates(r, score, information, J, K);
  let covered = false;
  for (let k = 0; k < K; k++) {
    const estimateK = Float64Array.from({ length: J }, (_, j) => estimate[j * K + k]);
    const varianceK = Float64Array.from({ length: J }, (_, j) => variance[j * K + k]);
    const { tau2, weightSum } = marginalTau2(estimateK, varianceK);
    if (!(weightSum > 0)) continue;
    const tau = Math.min(MAX_START_SD, Math.sqrt(Math.max(tau2, Math.sqrt(2 / weightSum))));
    const signed = term.signedSd?.[k] ?? false;
    const at = term.logSdOffset + k;
    position[at] = signed ? tau : Math.log(tau);
    const varTau = 1 / (2 * tau * tau * sumWeights(varianceK, tau * tau));
    inverseMetric[at] = clampInverse(signed ? varTau : varTau / (tau * tau));
    for (let j = 0; j < J; j++) {
      const i = z0 + j * K + k;
      const v = varianceK[j];
      position[i] = Number.isFinite(v) ? estimateK[j] * tau / (tau * tau + v) : 0;
      inverseMetric[i] = clampInverse(Number.isFinite(v) ? v / (v + tau * tau) : 1);
    }
    covered = true;
  }
  if (term.correlated) position.fill(0, term.corOffset, term.corOffset + corrParamCount(K));
  return covered;
}

/**
 * One Newton step per level, r̂_j = r_j + I_j⁻¹ g_j with variances (I_j⁻¹)_kk; where I_j is not
 * positive definite (a level with one arm of a 0/1 slope), coefficient by coefficient with
 * I_kk > 0; v = ∞ (no information) where even that fails.
 */
function levelEstimates(
  r: Float64Array,
  score: Float64Array,
  information: Float64Array,
  J: number,
  K: number,
): { estimate: Float64Array; variance: Float64Array } {
  const estimate = new Float64Array(J * K);
  const variance = new Float64Array(J * K).fill(Infinity);
  const block = new Float64Array(K * K);
  const inverse = new Float64Array(K * K);
  const scratch = new Float64Array(K * K);
  for (let j = 0; j < J; j++) {
    for (let a = 0; a < K; a++) {
      for (let b = 0; b < K; b++) {
        block[a * K + b] = 0.5 *
          (information[(j * K + a) * K + b] + information[(j * K + b) * K + a]);
      }
    }
    const joint = Number.isFinite(invertSymmetricPositive(block, K, inverse, scratch));
    for (let a = 0; a < K; a++) {
      const i = j * K + a;
      if (joint) {
        let step = 0;
        for (let b = 0; b < K; b++) step += inverse[a * K + b] * score[j * K + b];
        estimate[i] = r[i] + step;
        variance[i] = inverse[a * K + a];
      } else {
        const info = block[a * K + a];
        if (!(info > 0 && Number.isFinite(info))) continue;
        estimate[i] = r[i] + score[i] / info;
        variance[i] = 1 / info;
      }
    }
  }
  return { estimate, variance };
}

/** The Laplace start's range for a starting inverse metric entry. */
function clampInverse(v: number): number {
  return Math.min(MAX_INVERSE, Math.max(MIN_INVERSE, v));
}

/** Σ_j (v_j + τ²)⁻² over the levels with finite v_j. */
function sumWeights(variance: Float64Array, tau2: number): number {
  let w = 0;
  for (const v of variance) if (Number.isFinite(v)) w += 1 / ((v + tau2) * (v + tau2));
  return w;
}

/**
 * The marginal-likelihood τ² of estimates r̂_j ~ N(0, v_j + τ²) by fixed-point iteration from the
 * moment estimate, floored at 0, and Σ w_j at the result.
 */
export function marginalTau2(
  estimate: Float64Array,
  variance: Float64Array,
): { tau2: number; weightSum: number } {
  let n = 0, moment = 0;
  for (let j = 0; j < estimate.length; j++) {
    if (!Number.isFinite(variance[j])) continue;
    moment += estimate[j] * estimate[j] - variance[j];
    n++;
  }
  if (n === 0) return { tau2: 0, weightSum: 0 };
  let tau2 = Math.max(0, moment / n);
  for (let iteration = 0; iteration < 50; iteration++) {
    let num = 0, den = 0;
    for (let j = 0; j < estimate.length; j++) {
      const v = variance[j];
      if (!Number.isFinite(v)) continue;
      const w = 1 / ((v + tau2) * (v + tau2));
      num += w * (estimate[j] * estimate[j] - v);
      den += w;
    }
    const next = Math.max(0, num / den);
    const done = Math.abs(next - tau2) <= 1e-10 * Math.max(tau2, 1e-12);
    tau2 = next;
    if (done) break;
  }
  return { tau2, weightSum: sumWeights(variance, tau2) };
}
