/**
 * Internal helpers shared by the diagnostics: input checks and the "constant or non-finite"
 * test that makes posterior's diagnostics return NA.
 */
import { HetfxError } from "../errors.ts";

/** Throws a HetfxError unless `chains` is a non-empty list of equal-length arrays. */
export function checkChains(chains: readonly Float64Array[], what: string): void {
  if (chains.length === 0) {
    throw new HetfxError(`Cannot compute ${what}: no chains were given; pass one array per chain.`);
  }
  const n = chains[0].length;
  for (let c = 1; c < chains.length; c++) {
    if (chains[c].length !== n) {
      throw new HetfxError(
        `Cannot compute ${what}: chains have different lengths (${n} and ${
          chains[c].length
        }); pass chains with equal numbers of draws.`,
      );
    }
  }
}

/**
 * True when posterior would return NA: any draw is NaN or infinite, or all draws are equal
 * (range below machine epsilon, as posterior's `is_constant()`).
 */
export function shouldReturnNaN(chains: readonly Float64Array[]): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  let count = 0;
  for (const chain of chains) {
    for (let i = 0; i < chain.length; i++) {
      const v = chain[i];
      if (!Number.isFinite(v)) return true;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      count++;
    }
  }
  return count === 0 || Math.abs(hi - lo) < Number.EPSILON;
}

/** All draws of all chains in one array, chain after chain. */
export function pool(chains: readonly Float64Array[]): Float64Array {
  let total = 0;
  for (const chain of chains) total += chain.length;
  const out = new Float64Array(total);
  let offset = 0;
  for (const chain of chains) {
    out.set(chain, offset);
    offset += chain.length;
  }
  return out;
}

/** Applies `f` to every draw, keeping the chain structure. */
export function mapChains(
  chains: readonly Float64Array[],
  f: (value: number) => number,
): Float64Array[] {
  // A plain loop: Float64Array.prototype.map's generic path is several times slower.
  return chains.map((chain) => {
    const out = new Float64Array(chain.length);
    for (let i = 0; i < chain.length; i++) out[i] = f(chain[i]);
    return out;
  });
}
