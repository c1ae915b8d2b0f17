/** Simulated ordinal data for the cumulative family's posterior and recovery tests. */
import { makeTable, type Table } from "../../lib/data/table.ts";
import { KeyedStream } from "../../lib/math/rng.ts";

/** The true thresholds (K = 4 categories). */
export const TAU = [-1, 0.3, 1.8];
const J = 6;

/**
 * n rows: treat 0/1, group g (J = 6 levels, intercepts ~ N(0, sd²)), y ∈ 1…4 cut from a latent
 * logistic (or, with `probit`, standard normal) outcome at TAU.
 */
export function ordinalTable(
  n: number,
  seed: number,
  options: { bTreat?: number; sd?: number; probit?: boolean } = {},
): Table {
  const { bTreat = 0.9, sd = 0.5, probit = false } = options;
  const rng = new KeyedStream(seed, 0, 0, 0);
  const u = Array.from({ length: J }, () => sd * rng.normal());
  const y = new Float64Array(n), treat = new Float64Array(n), g = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    treat[i] = i % 2;
    g[i] = Math.floor(i / 2) % J;
    const v = rng.uniform();
    const noise = probit ? rng.normal() : Math.log(v / (1 - v));
    const z = bTreat * treat[i] + u[g[i]] + noise;
    y[i] = 1 + TAU.filter((t) => z > t).length;
  }
  return makeTable({
    y: { kind: "number", values: y },
    treat: { kind: "number", values: treat },
    g: { kind: "factor", codes: g, levels: Array.from({ length: J }, (_, j) => `g${j}`) },
  });
}
