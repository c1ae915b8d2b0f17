/**
 * Energy Bayesian fraction of missing information (E-BFMI) of Betancourt (2016), "Diagnosing
 * suboptimal cotangent disintegrations in Hamiltonian Monte Carlo", arXiv:1604.00695, and
 * Betancourt (2018), arXiv:1701.02434 §6.1: per chain,
 *
 *   E-BFMI = mean_{n=2..N} (Eₙ − Eₙ₋₁)² / var(E),
 *
 * the mean of the N − 1 squared successive differences over the sample variance (n − 1
 * denominator), as ArviZ's `bfmi()` (numpy `diff(...)**2 .mean()` over `var(ddof=1)`) and
 * MCMCDiagnosticTools.jl's `bfmi()`. (PyStan 2's check_energy divided the sum by N and used
 * the n-denominator variance; the two differ by a factor (N−1)²/N², negligible for N ≥ 100.)
 * Values below 0.3 suggest the momentum resampling explores the energy distribution poorly.
 */
import { variance } from "./quantiles.ts";

/**
 * E-BFMI of one chain's energies (NaN with fewer than 2 energies or constant energy).
 *
 * @example
 * ```ts
 * import { ebfmi } from "./ebfmi.ts";
 * // Alternating energies: mean squared difference 4, sample variance 4/3, so E-BFMI = 3.
 * console.assert(Math.abs(ebfmi(new Float64Array([0, 2, 0, 2])) - 3) < 1e-12);
 * ```
 */
export function ebfmi(energy: ArrayLike<number>): number {
  const n = energy.length;
  if (n < 2) return NaN;
  let squares = 0;
  for (let i = 1; i < n; i++) {
    const d = energy[i] - energy[i - 1];
    squares += d * d;
  }
  const v = variance(energy);
  if (!(v > 0)) return NaN;
  return squares / (n - 1) / v;
}
