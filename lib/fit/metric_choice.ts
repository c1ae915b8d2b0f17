/**
 * `metric: "auto"` (the default): a diagonal or a dense metric for NUTS, chosen from a pilot.
 * A diagonal metric rescales each coordinate but leaves their posterior correlations: NUTS then
 * needs about √κ leapfrog steps per independent draw, κ the condition number of the posterior
 * correlation matrix (the ratio of its longest to shortest axis, squared), and saturates tree
 * depth 10 once √κ approaches 2¹⁰. A dense metric removes the correlations at O(dim²) per step.
 * The pilot is a Laplace approximation of the sampled target: a climb to the mode and the
 * Hessian there by central differences of the gradient (2·dim gradients). It applies where the
 * sampled point is a smooth, roughly Gaussian posterior — a model without varying effects, or
 * the fully collapsed target whose sampled coefficients (non-conjugate priors) sit beside the
 * scales; where varying effects are sampled the joint mode describes a funnel badly, and the
 * level-collapsed target already samples its coefficients whitened, so those keep the diagonal —
 * except where every term is jointly data-centred (no funnel left): dense, without a pilot.
 *
 * @module
 */
import type { CompiledData } from "../model/compiled_data.ts";
import { CompiledModel } from "../model/compiled_model.ts";
import { CollapsedGaussian } from "../model/collapsed_gaussian.ts";
import { levelCollapses } from "../model/collapsed_target.ts";
import type { LogDensity } from "../sampler/log_density.ts";
import { climbToMode, laplaceCovariance } from "../sampler/laplace_metric.ts";
import { findInitialPoint } from "../sampler/chain_runner.ts";
import type { InferenceMethod } from "../posterior/fit_result.ts";

/** Condition number of the pilot's posterior correlations from which auto picks dense (√κ = 10). */
export const DENSE_CONDITION = 100;
/** Largest sampled dimension auto considers for a dense metric (O(dim²) per leapfrog step). */
export const DENSE_MAX_DIM = 120;

/**
 * Every term jointly data-centred (lib/model/joint_data_centring.ts): the contrasts are sampled
 * as whitened residuals with posterior sd ≈ 1 and no funnel, so what is left is the geometry of
 * the sds, correlations and population-level coefficients, whose posterior correlations (a
 * term's two log sds, a correlation and its sds) a diagonal metric keeps. A dense metric, whose
 * warmup shrinks early windows toward the diagonal (lib/sampler/windowed_adaptation.ts), adapts
 * to them at about the diagonal's warmup cost: the crossed four-term Bernoulli benchmark at
 * brms's default priors has 0 divergences at seeds 1–5 with 3k and 100k rows instead of up to 1
 * per 4,000 transitions (bench/README.md). No pilot: the joint mode describes the sds badly.
 */
const JOINTLY_CENTRED: MetricChoice = {
  metric: "dense",
  reason: "auto: dense, every varying effect is jointly data-centred (no funnel); a dense metric " +
    "adapts to the correlations among the sds, correlations and coefficients",
};

/** The metric NUTS adapts, and why (fit.info.metric, fit.info.metricReason). */
export interface MetricChoice {
  metric: "diag" | "dense";
  reason: string;
  /**
   * Start warmup's dense metric from the Laplace covariance at the mode (SampleOptions
   * `denseStart`): where the pilot found the posterior's correlations there.
   */
  denseStart?: boolean;
}

/**
 * Resolve the requested metric for a fit of `data` with `method` ("diag"/"dense" as given).
 *
 * @example
 * ```ts ignore
 * const { metric, reason } = chooseMetric("auto", plan.sampled, "nuts", 1);
 * ```
 */
export function chooseMetric(
  requested: "auto" | "diag" | "dense",
  data: CompiledData,
  method: InferenceMethod,
  seed: number,
): MetricChoice {
  if (requested !== "auto") return { metric: requested, reason: `metric "${requested}" requested` };
  let target: LogDensity;
  if (method === "collapsed") {
    if (levelCollapses(data)) {
      return {
        metric: "diag",
        reason: "auto: diagonal, the level-collapsed target samples its coefficients whitened",
      };
    }
    target = new CollapsedGaussian(data);
  } else {
    const joint = data.terms.length > 0 &&
      data.terms.every((t) => t.dataCentring?.jointInformation !== undefined);
    if (joint && data.dim <= DENSE_MAX_DIM) return JOINTLY_CENTRED;
    if (data.terms.length > 0 && !joint) {
      return {
        metric: "diag",
        reason: "auto: diagonal, since varying effects are sampled (a pilot at the joint mode " +
          "does not describe their funnel)",
      };
    }
    target = new CompiledModel(data);
  }
  if (target.dim < 2) return { metric: "diag", reason: "auto: diagonal, one sampled parameter" };
  if (target.dim > DENSE_MAX_DIM) {
    return {
      metric: "diag",
      reason: `auto: diagonal, ${target.dim} sampled parameters exceed the ${DENSE_MAX_DIM} ` +
        "up to which a dense metric is considered",
    };
  }
  let kappa: number | null;
  try {
    kappa = pilotCorrelationCondition(target, seed);
  } catch {
    // No finite initial point: sampling reports it, explained in terms of the model.
    kappa = null;
  }
  if (kappa === null) {
    return {
      metric: "diag",
      reason: "auto: diagonal, the pilot found no mode with a negative-definite curvature",
    };
  }
  const k = kappa.toPrecision(3);
  return kappa >= DENSE_CONDITION
    ? {
      metric: "dense",
      reason: `auto: dense, the pilot's posterior correlations have condition number ${k} ` +
        `(≥ ${DENSE_CONDITION}): a diagonal metric would need about √${k} times more leapfrog ` +
        "steps per draw, up to saturating the tree depth; warmup starts from the Laplace " +
        "covariance at the mode",
      denseStart: true,
    }
    : {
      metric: "diag",
      reason: `auto: diagonal, the pilot's posterior correlations have condition number ${k} ` +
        `(< ${DENSE_CONDITION})`,
    };
}

/**
 * Condition number of the posterior correlation matrix of a Laplace approximation of `target`
 * (climbed from chain 0's initial point for `seed`), or null when −H is not positive definite.
 *
 * @example
 * ```ts
 * import { pilotCorrelationCondition } from "./metric_choice.ts";
 * // A bivariate normal with correlation 0.9: κ = (1 + 0.9) / (1 − 0.9) = 19.
 * const r = 0.9;
 * const target = { dim: 2, logDensityGradient: (q: Float64Array, g: Float64Array) => {
 *   const c = 1 / (1 - r * r);
 *   g[0] = -c * (q[0] - r * q[1]); g[1] = -c * (q[1] - r * q[0]);
 *   return -0.5 * c * (q[0] ** 2 - 2 * r * q[0] * q[1] + q[1] ** 2);
 * } };
 * console.assert(Math.abs(pilotCorrelationCondition(target, 1)! - 19) < 1e-3);
 * ```
 */
export function pilotCorrelationCondition(target: LogDensity, seed: number): number | null {
  const dim = target.dim;
  const mode = climbToMode(target, findInitialPoint(target, seed, 0).position);
  // Σ = (−H)⁻¹ at the mode, then its correlation matrix.
  const corr = laplaceCovariance(target, mode, 1e-5);
  if (corr === null) return null;
  const sd = Float64Array.from({ length: dim }, (_, i) => Math.sqrt(corr[i * dim + i]));
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j < dim; j++) corr[i * dim + j] /= sd[i] * sd[j];
  }
  const eigen = symmetricEigenvalues(corr, dim);
  const min = Math.min(...eigen);
  return min > 0 ? Math.max(...eigen) / min : null;
}

/** Eigenvalues of a symmetric n × n matrix (cyclic Jacobi rotations; `a` is overwritten). */
function symmetricEigenvalues(a: Float64Array, n: number): number[] {
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          // Columns p and q, then rows p and q: a ← Jᵀ a J.
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Array.from({ length: n }, (_, i) => a[i * n + i]);
}
