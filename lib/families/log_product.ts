/**
 * Σ n·log f over many factors f ≥ 1 with one logarithm per few hundred factors: the factors are
 * multiplied into a running product whose logarithm is taken when it grows past 1e150. The logit
 * likelihoods' −n·log(1 + e^x) terms are summed this way (lib/families/logit.ts,
 * cumulative_logit_patterns.ts), which leaves one exponential per pattern. The product of N
 * factors carries a relative rounding error of about N·2⁻⁵³, so the sum's absolute error stays
 * near 1e-13 for thousands of factors.
 *
 * @module
 */

/** Factors above this bound, or with a count other than 1 or 2, get their own logarithm. */
const MAX_FACTOR = 1e30;
/** The running product's logarithm is taken past this: with factors² ≤ 1e60 it never overflows. */
const RENORMALISE = 1e150;

/**
 * An accumulator of Σ n·log f (f ≥ 1, n ≥ 0).
 *
 * @example
 * ```ts
 * import { LogProduct } from "./log_product.ts";
 * const acc = new LogProduct();
 * acc.add(2, 1);
 * acc.add(3, 2);
 * acc.add(5, 0.5);
 * console.assert(Math.abs(acc.total() - (Math.log(2) + 2 * Math.log(3) + 0.5 * Math.log(5))) < 1e-15);
 * ```
 */
export class LogProduct {
  private product = 1;
  private sum = 0;

  /** Start a new sum. */
  reset(): void {
    this.product = 1;
    this.sum = 0;
  }

  /** Adds n·log f. */
  add(f: number, n: number): void {
    if (f > MAX_FACTOR || (n !== 1 && n !== 2)) {
      this.sum += n * Math.log(f);
      return;
    }
    this.product *= n === 1 ? f : f * f;
    if (this.product > RENORMALISE) {
      this.sum += Math.log(this.product);
      this.product = 1;
    }
  }

  /** Σ n·log f of the factors added since the last reset. */
  total(): number {
    return this.sum + Math.log(this.product);
  }
}
