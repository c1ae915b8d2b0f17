/**
 * Micro-benchmark (not a test): NUTS on a 200-d standard Gaussian with the CPU backend (diag
 * metric), and on a 50-d one with the dense metric (O(d²) per leapfrog; in 200-d Stan's dense
 * warmup, whose first windows estimate a 200 × 200 covariance from 25 draws, drives the step
 * size down and the trees to the depth limit, so it takes minutes); then a 219-d one at
 * adapt_delta 0.95, the size and setting of the Tomz & Weeks logit and ordinal models (issue
 * 19): the leapfrog steps per draw that even a perfectly conditioned posterior of that size
 * needs. Writes bench/results/nuts_gaussian.json with gradient evaluations per second (sampler included, and
 * the bare target for comparison), iterations per second and ESS per second.
 *
 *     deno run --allow-read --allow-write bench/nuts_gaussian.ts
 *
 * `--kernel` instead times NUTS's own work per leapfrog step, nothing else: bare transitions at a
 * fixed step size 0.12 on a 219-d standard Gaussian with the unit diagonal metric (trees of depth
 * 5, 31 steps, like the Tomz & Weeks models), CPU time per step (the fastest of many repeats, so
 * other processes on a shared machine distort it less) less the target's own gradient. Prints;
 * writes nothing.
 *
 * @module
 */
import type { SamplerTarget } from "../lib/sampler/backend.ts";
import { CpuBackend } from "../lib/sampler/cpu_backend.ts";
import { column, ess } from "../tests/sampler/fixtures/stats.ts";
import { gaussianTarget } from "../tests/sampler/fixtures/targets.ts";
import { createNutsWorkspace, type NutsState, nutsStep } from "../lib/sampler/nuts.ts";
import { unitMetric } from "../lib/sampler/metric.ts";
import { KeyedStream } from "../lib/math/rng.ts";
import process from "node:process";

/** CPU microseconds per unit of work (`run` returns how many it did), fastest of `repeats`. */
function cpuMicrosPerUnit(run: () => number, repeats: number): number {
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const start = process.cpuUsage();
    const units = run();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / units);
  }
  return best;
}

/** NUTS's own CPU time per leapfrog step at the Tomz & Weeks models' size (`--kernel`). */
function kernelCost(): Record<string, number> {
  const d = 219;
  const target = gaussianTarget(new Array(d).fill(1));
  const params = { stepSize: 0.12, metric: unitMetric(d, "diag"), maxTreedepth: 10 };
  const workspace = createNutsWorkspace(d, 10);
  const rng = new KeyedStream(1, 0, 0);
  const q0 = new Float64Array(d).fill(0.3);
  const g0 = new Float64Array(d);
  let state: NutsState = {
    position: q0,
    logDensity: target.logDensityGradient(q0, g0),
    gradient: g0,
  };
  let transitions = 0;
  let steps = 0;
  const perStep = cpuMicrosPerUnit(() => {
    let n = 0;
    for (let i = 0; i < 100; i++, transitions++) {
      rng.reset(1, 0, transitions, 0);
      const result = nutsStep(target, state, params, rng, workspace);
      state = result.state;
      n += result.info.nLeapfrog;
    }
    steps += n;
    return n;
  }, 60);
  const gradient = cpuMicrosPerUnit(() => {
    for (let i = 0; i < 2000; i++) target.logDensityGradient(q0, g0);
    return 2000;
  }, 60);
  return {
    dim: d,
    step_size: params.stepSize,
    leapfrog_per_transition: steps / transitions,
    us_per_leapfrog: perStep,
    us_per_gradient: gradient,
    nuts_own_us_per_leapfrog: perStep - gradient,
  };
}

if (Deno.args.includes("--kernel")) {
  console.log(
    JSON.stringify({ benchmark: "nuts_kernel", deno: Deno.version.deno, ...kernelCost() }),
  );
  Deno.exit(0);
}

const dim = 200;
const denseDim = 50;
const chains = 4;
const warmup = 1000;
const draws = 1000;

function counted(target: SamplerTarget): SamplerTarget & { calls: number } {
  const wrapped = {
    dim: target.dim,
    calls: 0,
    logDensityGradient(theta: Float64Array, gradient: Float64Array): number {
      wrapped.calls++;
      return target.logDensityGradient(theta, gradient);
    },
  };
  return wrapped;
}

// Bare gradient throughput of the target (the floor the sampler's overhead sits on).
const bare = gaussianTarget(new Array(dim).fill(1));
const q = new Float64Array(dim).fill(0.1);
const g = new Float64Array(dim);
let sink = 0;
const bareN = 200_000;
let t = performance.now();
for (let i = 0; i < bareN; i++) sink += bare.logDensityGradient(q, g);
const bareSeconds = (performance.now() - t) / 1000;

const results: Record<string, unknown>[] = [];
const RUNS = [
  { metric: "diag", dim, adaptDelta: 0.8 },
  { metric: "dense", dim: denseDim, adaptDelta: 0.8 },
  { metric: "diag", dim: 219, adaptDelta: 0.95 },
] as const;
for (const { metric, dim: d, adaptDelta } of RUNS) {
  const target = counted(gaussianTarget(new Array(d).fill(1)));
  t = performance.now();
  const out = await new CpuBackend().sample(target, {
    chains,
    warmup,
    draws,
    seed: 1,
    adaptDelta,
    maxTreedepth: 10,
    metric,
    warmupStart: "stan",
  });
  const seconds = (performance.now() - t) / 1000;
  const samplingLeapfrogs = out.reduce((a, c) => a + c.nLeapfrog.reduce((s, n) => s + n, 0), 0);
  const samplingShare = samplingLeapfrogs / target.calls;
  let minEss = Infinity;
  let sumEss = 0;
  for (let j = 0; j < d; j++) {
    const e = ess(column(out, d, j));
    minEss = Math.min(minEss, e);
    sumEss += e;
  }
  results.push({
    metric,
    dim: d,
    adapt_delta: adaptDelta,
    seconds,
    gradient_evals: target.calls,
    gradient_evals_per_s: target.calls / seconds,
    iterations_per_s: (chains * (warmup + draws)) / seconds,
    mean_leapfrog_per_draw: samplingLeapfrogs / (chains * draws),
    adapted_step_size: out.map((c) => c.adaptedStepSize),
    min_ess: minEss,
    mean_ess: sumEss / d,
    // Sampling-phase time estimated from its share of gradient evaluations.
    min_ess_per_s: minEss / (seconds * samplingShare),
  });
}

const report = {
  benchmark: "nuts_gaussian",
  date: new Date().toISOString(),
  deno: Deno.version.deno,
  dim,
  chains,
  warmup,
  draws,
  bare_gradient_evals_per_s: bareN / bareSeconds,
  runs: results,
  _sink: sink === 0 ? 0 : 1,
};
await Deno.mkdir(new URL("./results/", import.meta.url), { recursive: true });
await Deno.writeTextFile(
  new URL("./results/nuts_gaussian.json", import.meta.url),
  JSON.stringify(report, null, 2) + "\n",
);
console.log(JSON.stringify(report, null, 2));
