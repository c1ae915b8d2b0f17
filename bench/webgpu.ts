/**
 * WebGPU vs CPU backends: wall time, ESS and ESS per second (not a test).
 *
 *   deno run -A bench/webgpu.ts [--budget 120] [--out bench/results/webgpu.json]
 *     [--models tomz_weeks,bernoulli_10000,…] [--gpu-chains 4,16,64] [--cpu-chains 4,64]
 *
 * Models: (a) the paper's Tomz & Weeks model (Gaussian, 1,200 rows → 100 cells); (b) a Bernoulli
 * model y ~ 1 + x1 + x2 + treat + (1 + treat | g) with 2 continuous covariates, 1,000 groups and
 * 10⁴ / 10⁵ / 10⁶ rows generated in memory (every row is its own pattern).
 * Chains ∈ {4, 16, 64, 512, 4096} on WebGPU (ChEES-HMC); the CPU backend (NUTS, 2 worker
 * threads) with 4 and 64 chains. Every configuration first measures the cost of one gradient
 * evaluation for all its chains (gradient_ms; on WebGPU also the likelihood dispatch alone and the
 * bytes it fetches, for a roofline comparison on real GPUs). Then the same budget rule for both
 * backends: the predicted time (gradient cost × iterations × an expected number of leapfrog
 * steps ÷ parallel workers) of the default run (warmup 150; draws 150 on the CPU,
 * clamp(4000 / chains, 10, 200) on WebGPU) is scaled down to the budget by shortening warmup and
 * draws together (to at least 40 warmup and 20 draws); a run predicted over twice the budget even
 * then is skipped with the prediction recorded. ESS: the smallest bulk ESS over the
 * population-level, scale, correlation and family parameters; ESS/s divides by the wall time
 * of the whole run (warmup included). A run still going after --timeout seconds (default 4 ×
 * budget) is stopped and recorded with how far it got. Both backends sample what fitModel
 * samples by default: sds of the plain non-centred term as signed scales
 * (lib/model/signed_scales.ts) and the Laplace start with its empirical-Bayes refinement; draws
 * are mapped back to log sds before the ESS. With --update the rows of the configurations run
 * replace those in the existing file and the others are kept (each row says when it was measured).
 */
import { parseArgs } from "node:util";
import { flagOptions, stringOptions } from "../cli/_args.ts";
import { loadTomzWeeks } from "../lib/data/datasets/tomz_weeks.ts";
import { tomzWeeksModel } from "../lib/spec/paper_models.ts";
import { compileModel } from "../lib/model/compile.ts";
import { CompiledModel } from "../lib/model/compiled_model.ts";
import type { CompiledData } from "../lib/model/compiled_data.ts";
import type { ChainDraws, SampleProgress } from "../lib/sampler/backend.ts";
import { SamplingCancelled } from "../lib/sampler/cancellation.ts";
import { sampleInWorkers } from "../lib/sampler/parallel.ts";
import { essBulk } from "../lib/diagnostics/ess.ts";
import { acquireGpu } from "../lib/webgpu/device.ts";
import { GpuModel } from "../lib/webgpu/gpu_model.ts";
import { WebGpuBackend } from "../lib/webgpu/webgpu_backend.ts";
import { continuousBernoulli } from "../tests/webgpu/_models.ts";
import { canonicalChainDraws, withSdScales } from "../lib/model/signed_scales.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    ...stringOptions("budget", "out", "models", "gpu-chains", "cpu-chains", "timeout"),
    ...flagOptions("quick", "update"),
  },
}).values;
const BUDGET_S = Number(args.budget ?? 120);
/** A run still going after this many seconds is stopped and recorded as such (no ESS). */
const TIMEOUT_S = Number(args.timeout ?? 4 * BUDGET_S);
const OUT = args.out ?? new URL("./results/webgpu.json", import.meta.url).pathname;
const WARMUP = 150;
const CPU_DRAWS = 150;
const MIN_WARMUP = 40;
const MIN_DRAWS = 20;
/**
 * Expected leapfrog steps per iteration, for the time prediction only (measured with signed
 * scales and the empirical-Bayes start: 21–39 on the CPU, 4.5–18 on WebGPU).
 */
const STEPS_GUESS = { cpu: 15, webgpu: 12 };

/**
 * Warmup and draws for a run whose default length (WARMUP, `draws`) is predicted to take
 * `predicted` seconds: both scaled by budget / predicted (never up), at least MIN_WARMUP and
 * MIN_DRAWS; null when even that is predicted over twice the budget.
 */
function fitBudget(
  predicted: number,
  draws: number,
): { warmup: number; draws: number; predicted: number } | null {
  const f = Math.min(1, BUDGET_S / predicted);
  const w = Math.max(MIN_WARMUP, Math.round(WARMUP * f));
  const d = Math.max(MIN_DRAWS, Math.round(draws * f));
  const scaled = (predicted * (w + d)) / (WARMUP + draws);
  return scaled > 2 * BUDGET_S ? null : { warmup: w, draws: d, predicted: scaled };
}

interface Row {
  model: string;
  rows: number;
  patterns: number;
  backend: "cpu" | "webgpu";
  chains: number;
  gradient_ms: number;
  gradient_ms_per_chain: number;
  /** WebGPU: the likelihood dispatch alone, the bytes its invocations fetch, and their rate. */
  likelihood_ms?: number;
  likelihood_bytes?: number;
  likelihood_gb_per_s?: number;
  /** WebGPU: invocation shape of the likelihood kernel. */
  chains_per_invocation?: number;
  planes?: number;
  predicted_s?: number;
  /** 1-minute load average before and after the run (the machine is shared). */
  load_before?: number;
  load_after?: number;
  warmup?: number;
  draws_per_chain?: number;
  wall_s?: number;
  min_ess_bulk?: number;
  ess_per_s?: number;
  step_size?: number;
  mean_leapfrog?: number;
  /** WebGPU: gradient evaluations per chain (warmup and sampling) and wall ms per evaluation. */
  gradient_evaluations?: number;
  wall_ms_per_gradient?: number;
  skipped?: string;
  budget_s?: number;
  /** ISO date of the run. */
  measured?: string;
}

function nonZ(data: CompiledData): number[] {
  const isZ = new Uint8Array(data.dim);
  for (const t of data.terms) isZ.fill(1, t.zOffset, t.zOffset + t.nGroups * t.coefNames.length);
  return Array.from({ length: data.dim }, (_, i) => i).filter((i) => !isZ[i]);
}

function minEss(data: CompiledData, chains: ChainDraws[]): number {
  let min = Infinity;
  for (const e of nonZ(data)) {
    const perChain = chains.map((c) =>
      Float64Array.from({ length: c.logDensity.length }, (_, d) => c.theta[d * data.dim + e])
    );
    const v = essBulk(perChain);
    if (Number.isFinite(v)) min = Math.min(min, v);
  }
  return min;
}

function cpuGradientMs(data: CompiledData): number {
  const model = new CompiledModel(data);
  const theta = new Float64Array(data.dim).fill(0.01);
  const g = new Float64Array(data.dim);
  const reps = Math.max(2, Math.min(50, Math.ceil(2e6 / Math.max(1, data.nRows))));
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) model.logDensityGradient(theta, g);
  return (performance.now() - t0) / reps;
}

const { gpu, reason } = await acquireGpu();
const adapter = gpu?.adapterName ?? null;
console.error(`adapter: ${adapter ?? reason}`);

interface GpuCost {
  gradient: number;
  likelihood: number;
  bytes: number;
  cpi: number;
  planes: number;
}

/** Best of a few timed batches (the machine is shared: the minimum is the least disturbed). */
async function gpuCost(data: CompiledData, chains: number): Promise<GpuCost> {
  const model = await GpuModel.create(gpu!, data, chains, { kernels: "evaluate" });
  try {
    const points = Array.from({ length: chains }, () => new Float64Array(data.dim).fill(0.01));
    await model.evaluate(points); // warm
    const work = Math.max(1, data.nRows) * chains;
    const reps = Math.max(1, Math.min(10, Math.ceil(2e7 / work)));
    const time = async (only: number) => {
      let best = Infinity;
      for (let t = 0; t < (work > 1e9 ? 1 : 3); t++) {
        const t0 = performance.now();
        model.submit((pass) => {
          for (let i = 0; i < reps; i++) model.encodeGradient(pass, 0, only);
        });
        await gpu!.guard(gpu!.device.queue.onSubmittedWorkDone());
        best = Math.min(best, (performance.now() - t0) / reps);
      }
      return best;
    };
    const L = model.layout;
    return {
      gradient: await time(-1),
      likelihood: L.cells ? NaN : await time(0),
      bytes: L.likelihoodBytes,
      cpi: L.chainsPerInvocation,
      planes: L.planes,
    };
  } finally {
    model.destroy();
  }
}

function load(): number {
  return Deno.loadavg()[0];
}

/** Progress on stderr every 10% and a stop after TIMEOUT_S; `done()` says how far it got. */
function runHooks(label: string) {
  let shown = 0;
  let fraction = 0;
  const t0 = performance.now();
  return {
    signal: AbortSignal.timeout(TIMEOUT_S * 1000),
    onProgress: (p: SampleProgress) => {
      fraction = p.done / p.total;
      if (fraction >= shown + 0.1) {
        shown = Math.floor(fraction * 10) / 10;
        const s = ((performance.now() - t0) / 1000).toFixed(0);
        console.error(`  ${label}: ${(100 * fraction).toFixed(0)}% (${p.phase}) after ${s} s`);
      }
    },
    stopped: () =>
      `stopped after the ${TIMEOUT_S} s timeout with ${(100 * fraction).toFixed(0)}% of the ` +
      "iterations done",
  };
}

async function runCpu(name: string, data: CompiledData, chains: number): Promise<Row> {
  const gradient = cpuGradientMs(data);
  const patterns = data.stats.kind === "patterns" ? data.stats.nPatterns : data.nCells;
  const row: Row = {
    model: name,
    rows: data.nRows,
    patterns,
    backend: "cpu",
    chains,
    gradient_ms: gradient * chains,
    gradient_ms_per_chain: gradient,
  };
  const workers = Math.min(chains, navigator.hardwareConcurrency ?? 1);
  const predicted = gradient * (WARMUP + CPU_DRAWS) * STEPS_GUESS.cpu * chains / workers / 1000;
  const plan = fitBudget(predicted, CPU_DRAWS);
  if (!plan) {
    row.skipped = `predicted ${predicted.toFixed(0)} s for the full run; over twice the ` +
      `budget ${BUDGET_S} s even at ${MIN_WARMUP} warmup + ${MIN_DRAWS} draws`;
    return row;
  }
  row.predicted_s = plan.predicted;
  row.load_before = load();
  const hooks = runHooks(`${name} cpu ${chains}`);
  const t0 = performance.now();
  const draws = await sampleInWorkers(
    {
      module: new URL("../lib/model/compiled_model.ts", import.meta.url).href,
      exportName: "modelFromData",
      args: data,
    },
    {
      chains,
      warmup: plan.warmup,
      draws: plan.draws,
      seed: 1,
      adaptDelta: 0.8,
      maxTreedepth: 10,
      metric: "diag",
      // fitModel's default, and what the WebGPU backend does by default.
      warmupStart: "laplace",
      workers,
    },
    { signal: hooks.signal, onProgress: hooks.onProgress },
  ).catch((error) => {
    if (error instanceof SamplingCancelled) return hooks.stopped();
    throw error;
  });
  if (typeof draws === "string") return { ...row, load_after: load(), skipped: draws };
  const wall = (performance.now() - t0) / 1000;
  const ess = minEss(data, draws.map((c) => canonicalChainDraws(data, c)));
  let steps = 0;
  for (const c of draws) for (const n of c.nLeapfrog) steps += n;
  return {
    ...row,
    load_after: load(),
    warmup: plan.warmup,
    draws_per_chain: plan.draws,
    wall_s: wall,
    min_ess_bulk: ess,
    ess_per_s: ess / wall,
    mean_leapfrog: steps / (chains * plan.draws),
  };
}

async function runGpu(name: string, data: CompiledData, chains: number): Promise<Row> {
  const patterns = data.stats.kind === "patterns" ? data.stats.nPatterns : data.nCells;
  const cost = await gpuCost(data, chains);
  const gradient = cost.gradient;
  const row: Row = {
    model: name,
    rows: data.nRows,
    patterns,
    backend: "webgpu",
    chains,
    gradient_ms: gradient,
    gradient_ms_per_chain: gradient / chains,
    likelihood_ms: cost.likelihood,
    likelihood_bytes: cost.bytes,
    likelihood_gb_per_s: cost.bytes / cost.likelihood / 1e6,
    chains_per_invocation: cost.cpi,
    planes: cost.planes,
  };
  const defaultDraws = Math.max(10, Math.min(200, Math.ceil(4000 / chains)));
  const predicted = gradient * (WARMUP + defaultDraws) * STEPS_GUESS.webgpu / 1000;
  const plan = fitBudget(predicted, defaultDraws);
  if (!plan) {
    row.skipped = `predicted ${predicted.toFixed(0)} s for the full run; over twice the ` +
      `budget ${BUDGET_S} s even at ${MIN_WARMUP} warmup + ${MIN_DRAWS} draws`;
    return row;
  }
  const draws = plan.draws;
  const memory = chains * draws * data.dim * 8;
  if (memory > 1.5e9) {
    row.skipped = `draws need ${(memory / 1e9).toFixed(1)} GB`;
    return row;
  }
  row.predicted_s = plan.predicted;
  row.load_before = load();
  const backend = new WebGpuBackend({ gpu: gpu! });
  const t0 = performance.now();
  const hooks = runHooks(`${name} webgpu ${chains}`);
  const out = await backend.sample(new CompiledModel(data), {
    chains,
    warmup: plan.warmup,
    draws,
    seed: 1,
    adaptDelta: 0.8,
    maxTreedepth: 10,
    metric: "diag",
    warmupStart: "laplace",
    signal: hooks.signal,
    onProgress: hooks.onProgress,
  }).catch((error) => {
    if (error instanceof SamplingCancelled) return hooks.stopped();
    throw error;
  });
  if (typeof out === "string") return { ...row, load_after: load(), skipped: out };
  const wall = (performance.now() - t0) / 1000;
  const ess = minEss(data, out.map((c) => canonicalChainDraws(data, c)));
  return {
    ...row,
    load_after: load(),
    warmup: plan.warmup,
    draws_per_chain: draws,
    wall_s: wall,
    min_ess_bulk: ess,
    ess_per_s: ess / wall,
    step_size: backend.lastRun?.stepSize,
    mean_leapfrog: backend.lastRun?.meanSteps,
    gradient_evaluations: backend.lastRun?.gradientEvaluations,
    wall_ms_per_gradient: (wall * 1000) / (backend.lastRun?.gradientEvaluations ?? NaN),
  };
}

const kept: Row[] = [];
if (args.update) {
  try {
    kept.push(...(JSON.parse(await Deno.readTextFile(OUT)).results as Row[]));
  } catch {
    // no earlier file: start afresh
  }
}
const rows: Row[] = [];
const record = async (r: Row) => {
  r.measured = new Date().toISOString().slice(0, 10);
  r.budget_s = BUDGET_S;
  const same = (o: Row) => o.model === r.model && o.backend === r.backend && o.chains === r.chains;
  const at = kept.findIndex(same);
  if (at >= 0) kept.splice(at, 1);
  rows.push(r);
  console.error(JSON.stringify(r));
  await write(); // after every configuration, so an interrupted run keeps its numbers
};
async function guarded(
  name: string,
  data: CompiledData,
  backend: "cpu" | "webgpu",
  chains: number,
): Promise<Row> {
  try {
    return await (backend === "cpu" ? runCpu(name, data, chains) : runGpu(name, data, chains));
  } catch (error) {
    return {
      model: name,
      rows: data.nRows,
      patterns: data.stats.kind === "patterns" ? data.stats.nPatterns : data.nCells,
      backend,
      chains,
      gradient_ms: NaN,
      gradient_ms_per_chain: NaN,
      skipped: `error: ${(error as Error).message}`,
    };
  }
}
const table = await loadTomzWeeks();
const models: [string, () => CompiledData][] = [
  ["tomz_weeks", () => withSdScales(compileModel(tomzWeeksModel(table).toJSON(), table), "auto")],
  ...[1e4, 1e5, 1e6].map((n) =>
    [
      `bernoulli_${n}`,
      () => withSdScales(continuousBernoulli(n, 1000, 7, { skewed: false }), "auto"),
    ] as [string, () => CompiledData]
  ),
];
const MODEL_ORDER = models.map(([name]) => name);
const list = (v: string | undefined, fallback: number[]) =>
  v === undefined ? fallback : v.split(",").filter((x) => x !== "").map(Number);
const gpuChains = list(args["gpu-chains"], args.quick ? [4, 64] : [4, 16, 64, 512, 4096]);
const cpuChains = list(args["cpu-chains"], [4, 64]);
const only = args.models?.split(",");
for (const [name, build] of models) {
  if (only && !only.includes(name)) continue;
  const data = build();
  for (const chains of cpuChains) await record(await guarded(name, data, "cpu", chains));
  if (gpu) {
    for (const chains of gpuChains) await record(await guarded(name, data, "webgpu", chains));
  }
}
console.error(`wrote ${OUT}`);
// A CPU run stopped by the timeout may leave a worker inside a long trajectory: do not wait.
Deno.exit(0);

async function write(): Promise<void> {
  await Deno.mkdir(new URL("./results/", import.meta.url), { recursive: true });
  await Deno.writeTextFile(
    OUT,
    JSON.stringify(
      {
        adapter,
        adapter_reason: reason,
        machine: `${navigator.hardwareConcurrency} logical CPUs (shared with other jobs)`,
        budget_s_per_config: BUDGET_S,
        default_warmup: WARMUP,
        note: "ESS = min bulk ESS over population-level/scale/correlation/family parameters, " +
          "ESS/s over the whole run's wall time (warmup included). Both backends: the default " +
          "run (warmup 150; draws 150 CPU, clamp(4000/chains, 10, 200) WebGPU) is shortened " +
          "to the budget (warmup ≥ 40, draws ≥ 20; recorded per row), skipped when predicted " +
          "over twice the budget. gradient_ms (all chains, best of 3 batches) is measured for " +
          "every configuration; load_before/after = 1-min load average (shared machine). " +
          "Sds of the non-centred term sampled as signed scales with the empirical-Bayes " +
          "start (fitModel's defaults); rows carry their budget_s and measured date.",
        results: [...kept, ...rows].sort((a, b) =>
          MODEL_ORDER.indexOf(a.model) - MODEL_ORDER.indexOf(b.model) ||
          a.backend.localeCompare(b.backend) || a.chains - b.chains
        ),
      },
      null,
      2,
    ) + "\n",
  );
}
