/**
 * Sampler geometry of the crossed Bernoulli benchmark (bench/cpu_models.ts: 4 terms of 2–3
 * levels, 72 covariate patterns) under each parameterisation (non-centred, centred, the auto
 * rule with partial-centring weights as before data-centring, and auto), sd scales as fit()
 * chooses them: work counts that do not depend on
 * machine load (gradient evaluations in warmup and sampling, leapfrog steps per draw, min bulk
 * ESS per 1,000 gradients), divergences, and wall time on one thread. 4 chains × (1000 warmup +
 * 1000 draws), adapt_delta 0.95, diagonal metric, seeds 1 and 2.
 * Writes bench/results/parameterization.json. Not a test: nothing here asserts anything.
 *
 *   deno run -A bench/parameterization.ts
 */
import { compileModel } from "../lib/model/compile.ts";
import { autoParameterization, type Parameterization } from "../lib/model/auto_parameterization.ts";
import type { CompiledData } from "../lib/model/compiled_data.ts";
import { canonicalChainDraws, withSdScales } from "../lib/model/signed_scales.ts";
import { withTermGeometry } from "../lib/model/term_geometry.ts";
import type { ModelSpec } from "../lib/spec/model_spec.ts";
import type { Table } from "../lib/data/table.ts";
import { CompiledModel } from "../lib/model/compiled_model.ts";
import type { SamplerTarget } from "../lib/sampler/backend.ts";
import { CpuBackend } from "../lib/sampler/cpu_backend.ts";
import { Fit, type FitInfo } from "../lib/fit/mod.ts";
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
  /** Terms whose contrasts were data-centred (lib/model/data_centring.ts). */
  data_centring: string[];
}

/**
 * The compiled model for one configuration: a parameterisation, or "auto-partial λ", the auto
 * rule's choice with its data-centred terms held by the rule's partial-centring weights λ
 * instead (what "auto" did before data-centring).
 */
function compileFor(spec: ModelSpec, table: Table, configuration: Configuration): CompiledData {
  if (configuration !== "auto-partial λ") {
    return compileModel(spec, table, { parameterization: configuration });
  }
  const plain = compileModel(spec, table);
  const partial = autoParameterization(plain).map((c) =>
    c.dataCentring ? { noncentering: c.lambda, contrasts: true, meanInBeta: true } : c
  );
  return withTermGeometry(plain, partial);
}

type Configuration = Parameterization | "auto-partial λ";

async function measure(rows: number, parameterization: Configuration, seed: number) {
  const table = crossedTable(rows, "bernoulli");
  const spec = crossedModel(table, "bernoulli").toJSON();
  const data = compileFor(spec, table, parameterization);
  // Sd scales as fit() chooses them; draws mapped back to log sds as fit() does.
  const sampled = withSdScales(data, "auto");
  const model = new CompiledModel(sampled);
  let gradients = 0;
  // The model itself (its Laplace-start hooks included, as fit() uses them) with every
  // gradient counted.
  const target: SamplerTarget = Object.assign(Object.create(model) as CompiledModel, {
    logDensityGradient: (q: Float64Array, g: Float64Array) => {
      gradients++;
      return model.logDensityGradient(q, g);
    },
  });
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
  const chains = (await new CpuBackend().sample(target, options)).map((c) =>
    canonicalChainDraws(sampled, c)
  );
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
    data_centring: data.terms.filter((t) => t.dataCentring).map((t) => t.group),
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
    for (const p of ["noncentered", "centered", "auto-partial λ", "auto"] as const) {
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
      "load; the work counts do not. 'auto-partial λ': the auto rule's terms held by its " +
      "partial-centring weights instead of data-centring (the rule before data-centring).",
    results,
  };
  await Deno.mkdir("bench/results", { recursive: true });
  await Deno.writeTextFile(
    "bench/results/parameterization.json",
    JSON.stringify(out, null, 2) + "\n",
  );
  console.log("Wrote bench/results/parameterization.json");
}
