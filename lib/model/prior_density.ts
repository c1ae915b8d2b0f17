/**
 * Log densities (up to constants) of the scalar priors and their derivatives.
 * Bounds come from the parameter class: sd, sigma and nu are positive, so a normal prior on an
 * sd is brms's half-normal (the truncation constant does not depend on parameters).
 */
import type { PriorDistribution } from "../spec/model_spec.ts";

/** Where priorLogDensityInto writes the derivative (avoids allocating in the hot loop). */
export const priorDerivative = new Float64Array(1);

/**
 * Log density of `dist` at `x` (constants dropped); its derivative goes to priorDerivative[0].
 * The allocation-free twin of priorLogDensity, for the log-density hot loop.
 */
export function priorLogDensityInto(dist: PriorDistribution, x: number): number {
  switch (dist.dist) {
    case "normal": {
      const z = (x - dist.mu) / dist.sigma;
      priorDerivative[0] = -z / dist.sigma;
      return -0.5 * z * z;
    }
    case "flat":
      priorDerivative[0] = 0;
      return 0;
    case "student_t":
    case "cauchy": {
      // brms's default sigma prior: no tuple per call (see studentT below).
      const df = dist.dist === "cauchy" ? 1 : dist.df;
      const d = x - dist.mu;
      const scaled = df * dist.sigma * dist.sigma;
      priorDerivative[0] = (-(df + 1) * d) / (scaled + d * d);
      return -0.5 * (df + 1) * Math.log1p((d * d) / scaled);
    }
    default: {
      const [lp, d] = priorLogDensity(dist, x);
      priorDerivative[0] = d;
      return lp;
    }
  }
}

/**
 * Log density of `dist` at `x` (constants dropped) and its derivative with respect to `x`.
 *
 * @example
 * ```ts
 * import { priorLogDensity } from "./prior_density.ts";
 * const [lp, d] = priorLogDensity({ dist: "normal", mu: 0, sigma: 2 }, 1);
 * console.assert(lp === -0.125 && d === -0.25);
 * ```
 */
export function priorLogDensity(dist: PriorDistribution, x: number): [number, number] {
  switch (dist.dist) {
    case "normal": {
      const z = (x - dist.mu) / dist.sigma;
      return [-0.5 * z * z, -z / dist.sigma];
    }
    case "student_t":
      return studentT(dist.df, dist.mu, dist.sigma, x);
    case "cauchy":
      return studentT(1, dist.mu, dist.sigma, x);
    case "exponential":
      return [-dist.rate * x, -dist.rate];
    case "gamma":
      return [(dist.shape - 1) * Math.log(x) - dist.rate * x, (dist.shape - 1) / x - dist.rate];
    case "inv_gamma":
      return [
        -(dist.shape + 1) * Math.log(x) - dist.scale / x,
        (dist.scale / x - (dist.shape + 1)) / x,
      ];
    case "flat":
      return [0, 0];
    case "lkj":
      throw new Error("priorLogDensity: lkj is a prior on correlation matrices, not on a scalar");
  }
}

function studentT(df: number, mu: number, sigma: number, x: number): [number, number] {
  const d = x - mu;
  const s2 = sigma * sigma;
  return [
    -0.5 * (df + 1) * Math.log1p((d * d) / (df * s2)),
    (-(df + 1) * d) / (df * s2 + d * d),
  ];
}

/**
 * A scalar prior as the compiled kernels read it (the WGSL's prior table, lib/webgpu/layout.ts,
 * and the WebAssembly level target, lib/model/level_kernel.ts): four numbers {kind, a, b, c},
 * kind 0 flat, 1 normal(μ, σ), 2 student_t(ν, μ, σ) (Cauchy: ν = 1), 3 exponential(λ),
 * 4 gamma(α, β), 5 inv_gamma(α, β); null for lkj, a prior on correlation matrices.
 *
 * @example
 * ```ts
 * import { encodePrior } from "./prior_density.ts";
 * console.assert(encodePrior({ dist: "cauchy", mu: 0, sigma: 2 })!.join() === "2,1,0,2");
 * console.assert(encodePrior({ dist: "lkj", eta: 1 }) === null);
 * ```
 */
export function encodePrior(p: PriorDistribution): number[] | null {
  switch (p.dist) {
    case "flat":
      return [0, 0, 0, 0];
    case "normal":
      return [1, p.mu, p.sigma, 0];
    case "student_t":
      return [2, p.df, p.mu, p.sigma];
    case "cauchy":
      return [2, 1, p.mu, p.sigma];
    case "exponential":
      return [3, p.rate, 0, 0];
    case "gamma":
      return [4, p.shape, p.rate, 0];
    case "inv_gamma":
      return [5, p.shape, p.scale, 0];
    case "lkj":
      return null;
  }
}
