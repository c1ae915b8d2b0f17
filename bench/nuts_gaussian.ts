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
 * @module
 */
import type { SamplerTarget } from "../lib/sampler/backend.ts";
import { CpuBackend } from "../lib/sampler/cpu_backend.ts";
import { column, ess } from "../tests/sampler/fixtures/stats.ts";
import { gaussianTarget } from "../tests/sampler/fixtures/targets.ts";

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
