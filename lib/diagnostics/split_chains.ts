/**
 * Splitting chains in half, as posterior's `split_chains()`: each chain of n draws becomes two
 * chains of floor(n/2) draws; for odd n the middle draw is dropped.
 */

/**
 * Each chain's first and second halves as separate chains (a chain of one draw stays whole).
 *
 * @example
 * ```ts
 * import { splitChains } from "./split_chains.ts";
 * const halves = splitChains([new Float64Array([1, 2, 3, 4, 5])]);
 * console.assert(halves.length === 2 && halves[0][1] === 2 && halves[1][0] === 4);
 * ```
 */
export function splitChains(chains: readonly Float64Array[]): Float64Array[] {
  if (chains.length === 0 || chains[0].length <= 1) return chains.map((c) => c.slice());
  const n = chains[0].length;
  const half = Math.floor(n / 2);
  const secondStart = n - half; // skips the middle draw when n is odd
  const out: Float64Array[] = [];
  for (const chain of chains) out.push(chain.slice(0, half));
  for (const chain of chains) out.push(chain.slice(secondStart));
  return out;
}
