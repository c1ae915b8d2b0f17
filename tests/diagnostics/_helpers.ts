/** Test helpers: a seeded PRNG, normal draws, AR(1) chains, and the fixture reader. */

import { seeded } from "../_seeded.ts";

/** Seeded uniform(0, 1) generator (tests/_seeded.ts). */
export const uniformGenerator = seeded;

/** Standard normal generator by Box–Muller on a seeded uniform stream. */
export function normalGenerator(seed: number): () => number {
  const u = uniformGenerator(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u1 = u();
    while (u1 === 0) u1 = u();
    const r = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u();
    spare = r * Math.sin(angle);
    return r * Math.cos(angle);
  };
}

/** `chains` iid normal(mean, scale) chains of `n` draws. */
export function iidChains(
  seed: number,
  chains: number,
  n: number,
  mean = 0,
  scale = 1,
): Float64Array[] {
  const z = normalGenerator(seed);
  return Array.from(
    { length: chains },
    () => Float64Array.from({ length: n }, () => mean + scale * z()),
  );
}

/** Stationary AR(1) chains x_t = ρ x_{t−1} + sqrt(1 − ρ²) ε_t with unit marginal variance. */
export function ar1Chains(seed: number, chains: number, n: number, rho: number): Float64Array[] {
  const z = normalGenerator(seed);
  const innovation = Math.sqrt(1 - rho * rho);
  return Array.from({ length: chains }, () => {
    const x = new Float64Array(n);
    x[0] = z();
    for (let t = 1; t < n; t++) x[t] = rho * x[t - 1] + innovation * z();
    return x;
  });
}

/** The four theta chains of tests/diagnostics/fixtures/bern_theta.csv. */
export function bernTheta(): Float64Array[] {
  const url = new URL("./fixtures/bern_theta.csv", import.meta.url);
  const rows = Deno.readTextFileSync(url).trim().split("\n").slice(1);
  return [0, 1, 2, 3].map((c) => Float64Array.from(rows, (row) => Number(row.split(",")[c])));
}

/** lp__ of the bernoulli example rebuilt from theta and rounded to 6 significant digits. */
export function bernLp(theta: Float64Array[]): Float64Array[] {
  return theta.map((chain) =>
    chain.map((t) => Number((3 * Math.log(t) + 9 * Math.log1p(-t)).toPrecision(6)))
  );
}

/** Asserts |actual − expected| ≤ tolerance with a readable message. */
export function assertClose(actual: number, expected: number, tolerance: number, what = ""): void {
  if (!(Math.abs(actual - expected) <= tolerance)) {
    throw new Error(`${what}: expected ${expected} ± ${tolerance}, got ${actual}`);
  }
}
