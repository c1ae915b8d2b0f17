/**
 * What a thread's first chain pays for V8's compilation: chain 0 of a model run three times in a
 * row on this one thread, in one process, with the fit's own target and chain settings (the
 * paper's Tomz & Weeks model and the Bush & Prather appendix model, both collapsed; 1000 warmup
 * iterations, 1000 draws, adapt_delta 0.95). The three runs take the same leapfrog steps, so
 * their difference in time is the cost of running code that V8 has not yet compiled: the first
 * run's excess over the later ones. Per run: the warmup start (Laplace climb) in ms, the warmup
 * and sampling ms, their ratio, leapfrog steps, and the ms elapsed at warmup iterations 50, 100,
 * 200, 500 and 1000.
 *
 *     deno run -A bench/cold_chain.ts
 *
 * Writes bench/results/cold_chain.json. Not a test: nothing here asserts timing.
 *
 * @module
 */
import { loadBushPrather } from "../lib/data/datasets/bush_prather.ts";
import { loadTomzWeeks } from "../lib/data/datasets/tomz_weeks.ts";
import { resolveFitOptions } from "../lib/fit/options.ts";
import { compileForFit, planFit } from "../lib/fit/plan.ts";
import { collapsedTargetFromData } from "../lib/model/collapsed_target.ts";
import { runChain } from "../lib/sampler/chain_runner.ts";
import type { HierBuilder } from "../lib/spec/hier.ts";
import { PAPER_SAMPLER, tomzWeeksModel } from "../lib/spec/paper_models.ts";
import { bushPratherAppendixModel } from "./cpu_models.ts";
import { writeResults } from "./_scale_common.ts";

/** Warmup iterations at which the elapsed time is recorded. */
const MARKS = [50, 100, 200, 500, 1000];

/** One run of chain 0 of `builder`'s fit on this thread. */
async function runChainZero(builder: HierBuilder) {
  const options = resolveFitOptions({ ...PAPER_SAMPLER, seed: 1 });
  const plan = await planFit(compileForFit(builder.toJSON(), builder.table, options), options);
  if (plan.method.method !== "collapsed") throw new Error("expected a collapsed fit");
  const target = collapsedTargetFromData(plan.data);
  const elapsed = new Map<number, number>();
  let done = 0;
  const started = performance.now();
  const chain = await runChain(
    target,
    0,
    { ...options.settings, metric: plan.metric.metric, denseStart: plan.metric.denseStart },
    {
      onIterations: (count) => {
        done += count;
        elapsed.set(done, performance.now() - started);
      },
    },
  );
  const warmupMs = chain.warmupSeconds! * 1000;
  const samplingMs = chain.samplingSeconds! * 1000;
  return {
    start_ms: round(chain.startSeconds! * 1000),
    warmup_ms: round(warmupMs),
    sampling_ms: round(samplingMs),
    ratio: round(warmupMs / samplingMs, 2),
    leapfrog: {
      warmup: chain.warmupLeapfrog,
      sampling: chain.nLeapfrog.reduce((s, n) => s + n, 0),
    },
    // Progress comes every 50 iterations, so each mark is exact.
    ms_at_iteration: Object.fromEntries(MARKS.map((m) => [m, round(elapsed.get(m) ?? NaN)])),
  };
}

function round(x: number, digits = 1): number {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}

if (import.meta.main) {
  const models: [string, () => Promise<HierBuilder>][] = [
    ["Tomz & Weeks, the paper's model", async () => tomzWeeksModel(await loadTomzWeeks())],
    ["Bush & Prather appendix", async () => bushPratherAppendixModel(await loadBushPrather())],
  ];
  const results = [];
  // Each model in a process of its own: its first run is then cold.
  const only = Deno.args[0];
  if (only !== undefined) {
    const [name, make] = models[Number(only)];
    const builder = await make();
    const runs = [];
    for (let r = 0; r < 3; r++) runs.push(await runChainZero(builder));
    console.log(JSON.stringify({ model: name, runs }));
    Deno.exit(0);
  }
  for (let m = 0; m < models.length; m++) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(import.meta.url).pathname, String(m)],
      stderr: "inherit",
    }).output();
    if (!out.success) Deno.exit(out.code);
    const result = JSON.parse(new TextDecoder().decode(out.stdout));
    results.push(result);
    for (const [i, run] of result.runs.entries()) {
      console.log(
        `${result.model}, run ${i + 1}: start ${run.start_ms} ms, warmup ${run.warmup_ms} ms, ` +
          `sampling ${run.sampling_ms} ms (ratio ${run.ratio}); ms at warmup iterations ` +
          Object.entries(run.ms_at_iteration).map(([k, v]) => `${k}: ${v}`).join(", "),
      );
    }
  }
  await writeResults("cold_chain.json", { results });
}
