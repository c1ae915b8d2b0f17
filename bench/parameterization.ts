/**
 * Sampler geometry of the crossed Bernoulli benchmark (bench/cpu_models.ts: 4 terms of 2–3
 * levels, 72 covariate patterns) under each parameterisation: work counts that do not depend on
 * machine load (gradient evaluations in warmup and sampling, leapfrog steps per draw, min bulk
 * ESS per 1,000 gradients), divergences, and wall time on one thread. 4 chains × (1000 warmup +
 * 1000 draws), adapt_delta 0.95, diagonal metric, seeds 1 and 2.
 * Writes bench/results/parameterization.json. Not a test: nothing here asserts anything.
 *
 *   deno run -A bench/parameterization.ts
 */
import { compileModel } from "../lib/model/compile.ts";
import type { Parameterization } from "../lib/model/auto_parameterization.ts";
import { CompiledModel } from "../lib/model/compiled_model.ts";
import { CpuBackend } from "../lib/sampler/cpu_backend.ts";
import { Fit, type FitInfo } from "../lib/posterior/fit.ts";
import { crossedModel, crossedTable } from "./cpu_models.ts";

interface Row {
  rows: number;
  parameterization: string;
  seed: number;
  gradients: number;
  warmup_gradients: number;
  leapfrog_per_draw: number;
  divergences: number;
  min_ess_bulk: number;
  min_ess_tail: number;
  max_rhat: number;
  ess_per_1000_gradients: number;
  wall_s_one_thread: number;
  noncentering: Record<string, number[]>;
}

async function measure(rows: number, parameterization: Parameterization, seed: number) {
  const table = crossedTable(rows, "bernoulli");
  const spec = crossedModel(table, "bernoulli").toJSON();
  const data = compileModel(spec, table, { parameterization });
  const model = new CompiledModel(data);
  let gradients = 0;
  const target = {
    dim: model.dim,
    logDensityGradient: (q: Float64Array, g: Float64Array) => {
      gradients++;
      return model.logDensityGradient(q, g);
    },
  };
  const options = {
    chains: 4,
    warmup: 1000,
    draws: 1000,
    seed,
    adaptDelta: 0.95,
    maxTreedepth: 10,
    metric: "diag" as const,
    warmupStart: "laplace" as const,
  };
  const start = performance.now();
  const chains = await new CpuBackend().sample(target, options);
  const wall = (performance.now() - start) / 1000;
  const info = { options, parameterization: [] } as unknown as FitInfo;
  const d = new Fit(spec, data, chains, info, table).diagnostics();
  let leapfrog = 0;
  for (const c of chains) for (const n of c.nLeapfrog) leapfrog += n;
  const row: Row = {
    rows,
    parameterization: String(parameterization),
    seed,
    gradients,
    warmup_gradients: gradients - leapfrog,
    leapfrog_per_draw: leapfrog / (options.chains * options.draws),
    divergences: d.divergences,
    min_ess_bulk: d.min_ess_bulk,
    min_ess_tail: d.min_ess_tail,
    max_rhat: d.max_rhat,
    ess_per_1000_gradients: (1000 * d.min_ess_bulk) / gradients,
    wall_s_one_thread: wall,
    noncentering: Object.fromEntries(data.terms.map((t) => [t.group, t.noncentering])),
  };
  console.log(
    `${rows} rows, ${row.parameterization}, seed ${seed}: ${gradients} gradients ` +
      `(${row.leapfrog_per_draw.toFixed(1)} per draw), ${d.divergences} divergences, ` +
      `min bulk ESS ${Math.round(d.min_ess_bulk)} (${row.ess_per_1000_gradients.toFixed(2)} ` +
      `per 1,000 gradients), ${wall.toFixed(1)} s`,
  );
  return row;
}

if (import.meta.main) {
  const results: Row[] = [];
  const load = () => Deno.loadavg()[0];
  const loadBefore = load();
  for (const rows of [3000, 100000]) {
    for (const p of ["noncentered", "centered", "auto"] as const) {
      for (const seed of p === "centered" ? [1] : [1, 2]) {
        results.push(await measure(rows, p, seed));
      }
    }
  }
  const out = {
    benchmark: "parameterization",
    date: new Date().toISOString(),
    machine: { cores: navigator.hardwareConcurrency, deno: Deno.version.deno, os: Deno.build.os },
    load_average_1min: { before: loadBefore, after: load() },
    note: "Crossed Bernoulli model of bench/cpu_models.ts; chains one after another on one " +
      "thread. Gradient counts include the Laplace warmup start. Wall times depend on machine " +
      "load; the work counts do not.",
    results,
  };
  await Deno.mkdir("bench/results", { recursive: true });
  await Deno.writeTextFile(
    "bench/results/parameterization.json",
    JSON.stringify(out, null, 2) + "\n",
  );
  console.log("Wrote bench/results/parameterization.json");
}
