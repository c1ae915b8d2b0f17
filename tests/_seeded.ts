/**
 * The one seeded uniform generator for test data and benchmark data (mulberry32). Samplers use the
 * counter-based Philox of lib/math/rng.ts; this is only for simulating inputs.
 *
 * @example
 * ```ts
 * import { seeded } from "./_seeded.ts";
 * const u = seeded(1);
 * console.assert(u() === seeded(1)());
 * ```
 */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
