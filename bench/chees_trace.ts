/**
 * ChEES warmup trace on the WebGPU backend (not a test): per warmup iteration the step size, the
 * jittered trajectory length, leapfrog steps, log T, the ChEES gradient, mean and harmonic-mean
 * acceptance and the inverse metric's range; then the run's step size, trajectory, work counts and
 * the smallest bulk ESS (population-level, scale, correlation parameters).
 *
 *   deno run -A bench/chees_trace.ts [--rows 100000] [--groups 1000] [--chains 64]
 *     [--warmup 150] [--draws 60] [--start laplace|uniform] [--every 1] [--seed 1]
 */
import { parseArgs } from "node:util";
import { stringOptions } from "../cli/_args.ts";
import { CompiledModel } from "../lib/model/compiled_model.ts";
import type { CompiledData } from "../lib/model/compiled_data.ts";
import type { ChainDraws } from "../lib/sampler/backend.ts";
import { essBulk } from "../lib/diagnostics/ess.ts";
import { rhat } from "../lib/diagnostics/rhat.ts";
import { WebGpuBackend } from "../lib/webgpu/webgpu_backend.ts";
import { continuousBernoulli } from "../tests/webgpu/_models.ts";

const a = parseArgs({
  args: Deno.args,
  options: {
    ...stringOptions("rows", "groups", "chains", "warmup", "draws", "start", "every", "seed"),
  },
}).values;
const rows = Number(a.rows ?? 1e5);
const groups = Number(a.groups ?? 1000);
const chains = Number(a.chains ?? 64);
const warmup = Number(a.warmup ?? 150);
const draws = Number(a.draws ?? 60);
const every = Number(a.every ?? 1);
const seed = Number(a.seed ?? 1);
const start = (a.start ?? "laplace") as "laplace" | "uniform";

/** Smallest bulk ESS over the parameters that are not standardised group effects. */
function minEss(
  data: CompiledData,
  out: ChainDraws[],
): { ess: number; name: string; rhat: number } {
  const isZ = new Uint8Array(data.dim);
  for (const t of data.terms) isZ.fill(1, t.zOffset, t.zOffset + t.nGroups * t.coefNames.length);
  let best = { ess: Infinity, name: "", rhat: 0 };
  for (let e = 0; e < data.dim; e++) {
    if (isZ[e]) continue;
    const perChain = out.map((c) =>
      Float64Array.from({ length: c.logDensity.length }, (_, d) => c.theta[d * data.dim + e])
    );
    const v = essBulk(perChain);
    if (Number.isFinite(v) && v < best.ess) best = { ...best, ess: v, name: `θ[${e}]` };
    best.rhat = Math.max(best.rhat, rhat(perChain));
  }
  return best;
}

const data = continuousBernoulli(rows, groups, 7, { skewed: false });
const f = (x: number, d = 3) => Number.isFinite(x) ? x.toPrecision(d) : String(x);
console.log(
  `rows ${rows} groups ${groups} dim ${data.dim} chains ${chains} warmup ${warmup} ` +
    `draws ${draws} start ${start} load ${Deno.loadavg()[0].toFixed(2)}`,
);
console.log("it\teps\tt_n\tsteps\tlogT\tĝ\tmeanα\tharmα\tdiv\tmetric[min,max]");
const backend = new WebGpuBackend({
  onWarmupIteration: (t) => {
    if (t.iteration % every !== 0 && t.iteration !== warmup - 1) return;
    console.log(
      [
        t.iteration,
        f(t.stepSize),
        f(t.trajectoryLength),
        t.steps,
        f(t.logT),
        f(t.cheesGradient),
        f(t.meanAccept, 2),
        f(t.harmonicAccept, 2),
        t.divergences,
        `[${f(t.metricMin, 2)}, ${f(t.metricMax, 2)}]`,
      ].join("\t"),
    );
  },
});
const t0 = performance.now();
const out = await backend.sample(new CompiledModel(data), {
  chains,
  warmup,
  draws,
  seed,
  adaptDelta: 0.8,
  maxTreedepth: 10,
  metric: "diag",
  warmupStart: start === "uniform" ? "stan" : "laplace",
});
const wall = (performance.now() - t0) / 1000;
const info = backend.lastRun!;
const { ess, name, rhat: maxRhat } = minEss(data, out);
let div = 0;
for (const c of out) for (const d of c.divergent) div += d;
const stuck = out.filter((c) => c.acceptStat.reduce((s, x) => s + x, 0) < 0.1 * draws).length;
console.log(
  `stepSize ${f(info.stepSize)} T ${f(info.trajectoryLength)} meanSteps ${f(info.meanSteps)} ` +
    `gradients/chain ${info.gradientEvaluations} (sampling ${f(info.meanSteps * draws)}) ` +
    `divergences ${div} stuck chains ${stuck} max R-hat ${f(maxRhat)} minESS ${
      f(ess)
    } (${name}) ESS/gradient ${f(ess / info.gradientEvaluations)} wall ${wall.toFixed(1)} s load ${
      Deno.loadavg()[0].toFixed(2)
    }`,
);
