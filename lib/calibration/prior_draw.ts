/**
 * Draws from the priors hetfx resolves at compile time, for simulation-based calibration: one
 * value per call, with the parameter class's lower bound (sd, sigma ≥ 0; nu ≥ 1) imposed by
 * rejection, as the model's truncated prior density is. Improper (flat) priors cannot be drawn
 * from, so SBC refuses them with the prior class named.
 */
import { HetfxError } from "../errors.ts";
import type { KeyedStream } from "../math/rng.ts";
import { formatPrior } from "../spec/priors.ts";
import type { PriorDistribution } from "../spec/model_spec.ts";
import { gamma } from "../math/variates.ts";

/**
 * One draw from `prior` restricted to values above `lower` (−Infinity: unrestricted).
 *
 * @example
 * ```ts
 * import { drawPrior } from "./prior_draw.ts";
 * import { KeyedStream } from "../math/rng.ts";
 * const x = drawPrior({ dist: "normal", mu: 0, sigma: 1 }, new KeyedStream(1, 0, 0), 0, "sd");
 * console.assert(x > 0);
 * ```
 */
export function drawPrior(
  prior: PriorDistribution,
  rng: KeyedStream,
  lower: number,
  what: string,
): number {
  for (let attempt = 0; attempt < 100000; attempt++) {
    const x = drawUnbounded(prior, rng, what);
    if (x > lower) return x;
  }
  throw new HetfxError(
    `Cannot draw ${what} from its prior ${formatPrior(prior)}: almost no prior mass lies above ` +
      `${lower}. Give a prior with mass above ${lower}.`,
  );
}

function drawUnbounded(prior: PriorDistribution, rng: KeyedStream, what: string): number {
  switch (prior.dist) {
    case "normal":
      return prior.mu + prior.sigma * rng.normal();
    case "student_t": {
      const chi2 = 2 * gamma(rng, prior.df / 2);
      return prior.mu + prior.sigma * rng.normal() / Math.sqrt(chi2 / prior.df);
    }
    case "cauchy":
      return prior.mu + prior.sigma * Math.tan(Math.PI * (rng.uniform() - 0.5));
    case "exponential":
      return -Math.log1p(-rng.uniform()) / prior.rate;
    case "gamma":
      return gamma(rng, prior.shape) / prior.rate;
    case "inv_gamma":
      return prior.scale / gamma(rng, prior.shape);
    case "flat":
    case "lkj":
      throw new HetfxError(
        `Cannot run simulation-based calibration: the prior of ${what} is ` +
          `${formatPrior(prior)}, which is improper, so parameters cannot be drawn from it. ` +
          `Give a proper prior, e.g. --prior "${priorClassOf(what)} ~ normal(0, 1)".`,
      );
  }
}

/**
 * The prior class of a parameter as drawPrior's callers name it ("Intercept", "b (x)",
 * "sd_g__treat", "sigma"): what a `--prior "class ~ …"` statement for it starts with.
 */
function priorClassOf(what: string): string {
  if (what.startsWith("b (")) return "b";
  if (what.startsWith("sd_")) return "sd";
  return what.split(" ")[0];
}

/**
 * Lower-triangular Cholesky factor (row-major K × K) of a correlation matrix drawn from
 * LKJ(η), by the canonical partial correlations of Lewandowski, Kurowicka & Joe (2009) as Stan's
 * `lkj_corr_cholesky_rng`: partial correlations (2·Beta(α, α) − 1) with α = η + (K − 2)/2 in
 * the first column, lowered by ½ per column.
 *
 * @example
 * ```ts
 * import { lkjCholesky } from "./prior_draw.ts";
 * import { KeyedStream } from "../math/rng.ts";
 * const L = lkjCholesky(2, 1, new KeyedStream(1, 0, 0));
 * console.assert(Math.abs(L[2] ** 2 + L[3] ** 2 - 1) < 1e-12);
 * ```
 */
export function lkjCholesky(K: number, eta: number, rng: KeyedStream): Float64Array {
  const L = new Float64Array(K * K);
  const acc = new Float64Array(K).fill(1);
  // Column i's partial correlations are 2·Beta(η + (K − 2 − i)/2, same) − 1, so that every
  // correlation's marginal is 2·Beta(η − 1 + K/2, same) − 1 (K = 2: Beta(η, η), uniform at η = 1).
  let alpha = eta + (K - 1) / 2;
  L[0] = 1;
  for (let i = 0; i < K - 1; i++) {
    alpha -= 0.5;
    for (let r = i + 1; r < K; r++) {
      const a = gamma(rng, alpha), b = gamma(rng, alpha);
      const cpc = 2 * (a / (a + b)) - 1;
      L[r * K + i] = cpc * Math.sqrt(acc[r]);
      acc[r] *= 1 - cpc * cpc;
    }
    L[(i + 1) * K + i + 1] = Math.sqrt(acc[i + 1]);
  }
  return L;
}
