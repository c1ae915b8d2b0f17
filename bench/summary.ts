/**
 * What reading a fit costs after sampling: `fit.summary()` (the first call builds the named
 * draws of every quantity, then mean, sd, quantiles, R-hat, bulk- and tail-ESS of each, r_*
 * included), `fit.groupEffects()` (the same per group effect), `fit.loo()` (PSIS-LOO per row)
 * and `fit.ppCheck()` (50 replicated data sets), on the paper's Tomz & Weeks model (221
 * quantities, 100 group effects, 1,200 rows) and the Bush & Prather appendix model. Each model
 * in a fresh process, as a script's one fit: the summaries' code is then cold, as in the CLI;
 * then a second fit in the same process (a notebook's refit: the code compiled).
 *
 *     deno run -A bench/summary.ts
 *
 * Writes bench/results/summary.json. Not a test: nothing here asserts timing.
 *
 * @module
 */
import "../lib/fit/mod.ts"; // adds .fit() to the model builders
import { loadBushPrather } from "../lib/data/datasets/bush_prather.ts";
import { loadTomzWeeks } from "../lib/data/datasets/tomz_weeks.ts";
import type { HierBuilder } from "../lib/spec/hier.ts";
import { PAPER_SAMPLER, tomzWeeksModel } from "../lib/spec/paper_models.ts";
import { bushPratherAppendixModel } from "./cpu_models.ts";
import { writeResults } from "./_scale_common.ts";

/** Fresh processes per model: the cold numbers vary with the machine's moment. */
const ROUNDS = 3;

/** Milliseconds of `fit.summary()` and `fit.groupEffects()` after one fit of `builder`. */
async function timeSummaries(builder: HierBuilder, seed: number) {
  const fit = await builder.fit({ ...PAPER_SAMPLER, seed, progress: false });
  let started = performance.now();
  const quantities = fit.summary({ varying: true }).length;
  const summaryMs = performance.now() - started;
  started = performance.now();
  const groups = fit.groupEffects().length;
  const groupEffectsMs = performance.now() - started;
  started = performance.now();
  fit.loo();
  const looMs = performance.now() - started;
  started = performance.now();
  fit.ppCheck();
  const ppCheckMs = performance.now() - started;
  return {
    quantities,
    groups,
    summary_ms: Math.round(summaryMs),
    group_effects_ms: Math.round(groupEffectsMs),
    loo_ms: Math.round(looMs),
    pp_check_ms: Math.round(ppCheckMs),
  };
}

const MODELS: [string, () => Promise<HierBuilder>][] = [
  ["Tomz & Weeks, the paper's model", async () => tomzWeeksModel(await loadTomzWeeks())],
  ["Bush & Prather appendix", async () => bushPratherAppendixModel(await loadBushPrather())],
];

if (import.meta.main) {
  const only = Deno.args[0];
  if (only !== undefined) {
    // One model in this process: the first fit's summaries cold, the second's warm.
    const builder = await MODELS[Number(only)][1]();
    const cold = await timeSummaries(builder, 1);
    const warm = await timeSummaries(builder, 2);
    console.log(JSON.stringify({ cold, warm }));
    Deno.exit(0);
  }
  const results = [];
  for (const [m, [name]] of MODELS.entries()) {
    const rounds: { cold: Record<string, number>; warm: Record<string, number> }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", new URL(import.meta.url).pathname, String(m)],
        stderr: "inherit",
      }).output();
      if (!out.success) Deno.exit(out.code);
      rounds.push(JSON.parse(new TextDecoder().decode(out.stdout)));
    }
    results.push({ model: name, rounds });
    const show = (f: string) =>
      `cold ${rounds.map((x) => x.cold[f]).join(", ")}, warm ${
        rounds.map((x) => x.warm[f]).join(", ")
      }`;
    console.log(
      `${name} (${rounds[0].cold.quantities} quantities, ${rounds[0].cold.groups} groups), ms: ` +
        `summary() ${show("summary_ms")}; groupEffects() ${show("group_effects_ms")}; ` +
        `loo() ${show("loo_ms")}; ppCheck() ${show("pp_check_ms")}`,
    );
  }
  await writeResults("summary.json", { results });
}
