/**
 * Student-t and Cauchy priors on population-level coefficients as scale mixtures of normals,
 * so that a collapsed Gaussian target can still integrate those coefficients out exactly:
 *
 *   β ~ student_t(ν, m, s)  ⇔  β | λ ~ N(m, s²/λ),  λ ~ Gamma(ν/2, rate ν/2)   (Cauchy: ν = 1)
 *
 * The target samples u = log λ per such coefficient beside the hyperparameters; given u the
 * coefficient has a normal prior of precision λ/s², so it joins the coefficients integrated out
 * (brms's default student_t Intercept then no longer funnels against the group sds, as it does
 * when sampled directly). The hyperprior of u with its Jacobian is (ν/2)u − (ν/2)e^u; the
 * gradient of the marginal likelihood in u is, by Fisher's identity,
 * ½ − ½ (λ/s²)((μ − m)² + V), μ and V the posterior mean and variance of β given the point.
 * See docs/ARCHITECTURE.md#partial-collapse-sampled-coefficients.
 *
 * @module
 */
import type { PriorDistribution } from "../spec/model_spec.ts";

/** Whether `prior` is a normal scale mixture the collapsed target integrates out with a latent λ. */
export function isScaleMixture(prior: PriorDistribution): boolean {
  return prior.dist === "student_t" || prior.dist === "cauchy";
}

/**
 * The latent precisions λ of a set of coefficients with student_t or Cauchy priors.
 *
 * @example
 * ```ts
 * import { ScaleMixturePriors } from "./scale_mixture_priors.ts";
 * const m = new ScaleMixturePriors([0], [{ dist: "student_t", df: 3, mu: 0, sigma: 2.5 }], 4);
 * const prec = new Float64Array(1);
 * const lp = m.setPrecisions(new Float64Array([0, 0, 0, 0, 0]), prec, null);
 * console.assert(prec[0] === 1 / 6.25 && lp === -1.5);
 * ```
 */
export class ScaleMixturePriors {
  /** Indices in β (= in γ) of the coefficients. */
  readonly indices: readonly number[];
  /** Offset of their log λ in the sampled point. */
  readonly offset: number;
  private readonly df: Float64Array;
  private readonly loc: Float64Array;
  private readonly scale: Float64Array;

  constructor(indices: readonly number[], priors: readonly PriorDistribution[], offset: number) {
    this.indices = indices;
    this.offset = offset;
    this.df = new Float64Array(indices.length);
    this.loc = new Float64Array(indices.length);
    this.scale = new Float64Array(indices.length);
    priors.forEach((p, k) => {
      if (p.dist === "student_t") {
        this.df[k] = p.df;
        this.loc[k] = p.mu;
        this.scale[k] = p.sigma;
      } else if (p.dist === "cauchy") {
        this.df[k] = 1;
        this.loc[k] = p.mu;
        this.scale[k] = p.sigma;
      } else {
        throw new Error(`scale mixture: ${p.dist} is not a normal scale mixture`);
      }
    });
  }

  /** Number of latent precisions. */
  get count(): number {
    return this.indices.length;
  }

  /** The prior means m of the coefficients (written into `mean0` over β). */
  setMeans(mean0: Float64Array): void {
    this.indices.forEach((i, k) => (mean0[i] = this.loc[k]));
  }

  /** Σ log(λ/s²) and Σ (λ/s²) m² from the last {@link setPrecisions}. */
  logDet = 0;
  quad = 0;

  /**
   * Write λ/s² into `prec0` (over β) from the point; returns the hyperprior's log density with
   * its Jacobian, leaves Σ log(λ/s²) in {@link logDet} and Σ (λ/s²) m² in {@link quad} (fields,
   * so that a gradient allocates nothing), and adds the hyperprior's gradient when given.
   */
  setPrecisions(
    point: Float64Array,
    prec0: Float64Array,
    gradient: Float64Array | null,
  ): number {
    let lp = 0;
    let logDet = 0;
    let quad = 0;
    for (let k = 0; k < this.indices.length; k++) {
      const u = point[this.offset + k];
      const lambda = Math.exp(u);
      const half = 0.5 * this.df[k];
      lp += half * u - half * lambda;
      if (gradient) gradient[this.offset + k] += half - half * lambda;
      const p = lambda / (this.scale[k] * this.scale[k]);
      prec0[this.indices[k]] = p;
      logDet += Math.log(p);
      quad += p * this.loc[k] * this.loc[k];
    }
    this.logDet = logDet;
    this.quad = quad;
    return lp;
  }

  /**
   * Add ∂ log p(y | point)/∂u = ½ − ½ (λ/s²)((μ − m)² + V) from the posterior means `mu` and
   * variances `variance` of β (after the precisions were set).
   */
  addGradient(
    prec0: Float64Array,
    mu: Float64Array,
    variance: Float64Array,
    gradient: Float64Array,
  ): void {
    for (let k = 0; k < this.indices.length; k++) {
      const i = this.indices[k];
      const d = mu[i] - this.loc[k];
      gradient[this.offset + k] += 0.5 - 0.5 * prec0[i] * (d * d + variance[i]);
    }
  }
}
