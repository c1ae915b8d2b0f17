/**
 * Shared fits for the posterior-analysis tests, each fitted once per test process:
 * - tomzFit(): the paper's Tomz & Weeks model, 2 chains × (300 warmup + 300 draws), seed 1;
 * - smallFit(): y ~ 1 + x + treat + (1 + treat | g) on 240 simulated rows in 4 groups.
 */
import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import { loadTomzWeeks } from "../../lib/data/datasets/tomz_weeks.ts";
import { tomzWeeksModel } from "../../lib/spec/paper_models.ts";
import { makeTable, type Table } from "../../lib/data/table.ts";
import { formula } from "../../lib/spec/formula.ts";
import type { Fit } from "../../lib/fit/mod.ts";
import { KeyedStream } from "../../lib/math/rng.ts";

let tomz: Promise<Fit> | undefined;
let small: Promise<Fit> | undefined;

export function tomzFit(): Promise<Fit> {
  tomz ??= loadTomzWeeks().then((t) =>
    tomzWeeksModel(t).fit({
      chains: 2,
      warmup: 300,
      draws: 300,
      seed: 1,
      adaptDelta: 0.95,
      progress: false,
    })
  );
  return tomz;
}

/** 240 rows: g in 1..4 (60 each), treat alternating, x ~ N(0,1), w in {1, 2, 3}. */
export function smallTable(): Table {
  const n = 240;
  const rng = new KeyedStream(7, 0, 0, 9);
  const g = new Float64Array(n), treat = new Float64Array(n), x = new Float64Array(n);
  const y = new Float64Array(n), w = new Float64Array(n);
  const effect = [0.5, 1, 1.5, 2];
  for (let i = 0; i < n; i++) {
    g[i] = (i % 4) + 1;
    treat[i] = Math.floor(i / 4) % 2;
    x[i] = rng.normal();
    w[i] = 1 + (i % 3);
    y[i] = 1 + 0.5 * x[i] + effect[i % 4] * treat[i] + 0.5 * rng.normal();
  }
  return makeTable({
    y: { kind: "number", values: y },
    x: { kind: "number", values: x },
    treat: { kind: "number", values: treat },
    g: { kind: "number", values: g },
    w: { kind: "number", values: w },
  });
}

/** smallFit()'s sampler options (for fits that must match it). */
export const SMALL_FIT_OPTIONS = {
  chains: 2,
  warmup: 200,
  draws: 200,
  seed: 3,
  adaptDelta: 0.95,
  progress: false,
} as const;

export function smallFit(): Promise<Fit> {
  small ??= formula("y ~ 1 + x + treat + (1 + treat | g)", smallTable()).fit(SMALL_FIT_OPTIONS);
  return small;
}
