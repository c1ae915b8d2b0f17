/**
 * A small fitted model shared by the post-fit reliability tests: gaussian, a 0/1 treatment whose
 * effect varies over a text grouping factor `g` (levels "alpha", "beta", "gamma", "delta") and a
 * second text grouping factor `h` (intercept only), a text control `f`. Simulated with a fixed
 * seed; fitted once per test process.
 */
import { makeTable, type Table } from "../../lib/data/table.ts";
import { formula } from "../../lib/spec/formula.ts";
import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import type { Fit } from "../../lib/fit/mod.ts";
import { seeded } from "../_seeded.ts";

export const GROUPS = ["alpha", "beta", "gamma", "delta"];
/** The true treatment effect in each group of `g`. */
export const GROUP_EFFECTS = [0.2, 0.4, 0.6, 0.8];
/** Rows per group of `g`: unequal, so sample shares differ from equal weights. */
export const GROUP_ROWS = [20, 40, 60, 80];

export function textGroupTable(): Table {
  const u = seeded(11);
  const g: number[] = [], h: number[] = [], f: number[] = [];
  const y: number[] = [], treat: number[] = [];
  GROUPS.forEach((_, j) => {
    for (let i = 0; i < GROUP_ROWS[j]; i++) {
      const t = i % 2;
      const noise = Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
      g.push(j), h.push(i % 3), f.push(i % 2 === 0 ? (i % 4 === 0 ? 0 : 1) : (i % 3 === 0 ? 0 : 1));
      treat.push(t);
      y.push(1 + 0.3 * (i % 3) + GROUP_EFFECTS[j] * t + 0.4 * noise);
    }
  });
  return makeTable({
    y: { kind: "number", values: Float64Array.from(y) },
    treat: { kind: "number", values: Float64Array.from(treat) },
    f: { kind: "factor", codes: Int32Array.from(f), levels: ["lo", "hi"] },
    g: { kind: "factor", codes: Int32Array.from(g), levels: [...GROUPS] },
    h: { kind: "factor", codes: Int32Array.from(h), levels: ["p", "q", "r"] },
  });
}

let memo: Promise<Fit> | undefined;

/** y ~ 1 + f + treat + (1 + treat | g) + (1 | h), 2 chains × 300 draws, seed 7. */
export function textGroupFit(): Promise<Fit> {
  memo ??= formula("y ~ 1 + f + treat + (1 + treat | g) + (1 | h)", textGroupTable()).fit({
    chains: 2,
    warmup: 300,
    draws: 300,
    seed: 7,
    adaptDelta: 0.95,
    progress: false,
  });
  return memo;
}
