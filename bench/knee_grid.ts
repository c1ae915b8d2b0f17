/**
 * One point of the sd-knee grid (issue 20; lib/model/sd_knee.ts, SD_KNEE_SETTINGS): the crossed
 * Gaussian of crossed_defaults.ts at brms's defaults (adapt_delta 0.8, 4 × (1000 + 1000)) at 3k
 * rows, seeds 1–5, and 100k rows, seeds 1–20, and Bush & Prather collapsed (paper priors, seed 1).
 * Chains run on this thread (workers: 1) so that the settings reach the target; leapfrog counts,
 * divergences and ESS are those of the default threaded fit. Prints one JSON line per fit and a
 * summary line. Not a test: nothing here asserts.
 *
 *   deno run -A bench/knee_grid.ts --shape gauss --bend 0.5 --level 0.5 [--seeds100k 1,2,3]
 */
import "../lib/fit/mod.ts"; // adds .fit() to the model builders
import { formula } from "../lib/spec/formula.ts";
import { loadBushPrather } from "../lib/data/datasets/bush_prather.ts";
import { PAPER_SAMPLER } from "../lib/spec/paper_models.ts";
import { bushPratherAppendixModel, CROSSED_FORMULA, crossedTable } from "./cpu_models.ts";
import { SD_KNEE_SETTINGS } from "../lib/model/sd_knee.ts";
import type { HierBuilder } from "../lib/spec/hier.ts";

const arg = (name: string) => {
  const at = Deno.args.indexOf(name);
  return at >= 0 ? Deno.args[at + 1] : undefined;
};
const list = (s: string) => s.split(",").map(Number);
const shape = arg("--shape") ?? "gauss";
if (shape !== "gauss" && shape !== "hinge") throw new Error("--shape takes gauss or hinge");
SD_KNEE_SETTINGS.shape = shape;
SD_KNEE_SETTINGS.bend = Number(arg("--bend") ?? 1);
SD_KNEE_SETTINGS.level = Number(arg("--level") ?? 0);
const seeds3k = list(arg("--seeds3k") ?? "1,2,3,4,5");
const seeds100k = list(arg("--seeds100k") ?? "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20");

interface Row {
  what: string;
  seed: number;
  divergences: number;
  min_ess_bulk: number;
  steps: number;
}

async function one(what: string, seed: number, builder: HierBuilder, adaptDelta: number) {
  const fit = await builder.fit({
    ...PAPER_SAMPLER,
    adaptDelta,
    seed,
    progress: false,
    workers: 1,
  });
  const d = fit.diagnostics();
  const steps = fit.chains.reduce(
    (s, c) => s + (c.warmupLeapfrog ?? 0) + c.nLeapfrog.reduce((a, b) => a + b, 0),
    0,
  );
  const row: Row = {
    what,
    seed,
    divergences: d.divergences,
    min_ess_bulk: Math.round(d.min_ess_bulk),
    steps,
  };
  console.log(JSON.stringify(row));
  return row;
}

const rows: Row[] = [];
for (const [size, seeds] of [[3000, seeds3k], [100000, seeds100k]] as const) {
  for (const seed of seeds) {
    const table = crossedTable(size, "gaussian", seed);
    rows.push(
      await one(`${size}`, seed, formula(CROSSED_FORMULA, table, { family: "gaussian" }), 0.8),
    );
  }
}
rows.push(await one("bp", 1, bushPratherAppendixModel(await loadBushPrather()), 0.95));

const pick = (what: string, seeds?: number[]) =>
  rows.filter((r) => r.what === what && (seeds === undefined || seeds.includes(r.seed)));
const mean = (r: Row[]) => r.reduce((s, x) => s + x.steps, 0) / Math.max(r.length, 1);
const first5 = [1, 2, 3, 4, 5];
const small = pick("3000");
const large5 = pick("100000", first5);
const largeRest = pick("100000").filter((r) => !first5.includes(r.seed));
const bp = pick("bp")[0];
console.log(JSON.stringify({
  settings: { ...SD_KNEE_SETTINGS },
  div3k: small.map((r) => r.divergences).join(","),
  div100k_1_5: large5.map((r) => r.divergences).join(","),
  divergent_fits_100k_rest: `${
    largeRest.filter((r) => r.divergences > 0).length
  }/${largeRest.length}`,
  steps3k: Math.round(mean(small)),
  steps100k: Math.round(mean(large5)),
  ratio: Math.round(1000 * mean(large5) / mean(small)) / 1000,
  min_ess: Math.min(...small.map((r) => r.min_ess_bulk), ...large5.map((r) => r.min_ess_bulk)),
  bp_steps: bp.steps,
  bp_ess: bp.min_ess_bulk,
}));
