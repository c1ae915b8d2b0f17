/**
 * Simulation-based calibration at full size (issue 22): the paper's Tomz & Weeks model (1,200
 * rows, 100 groups, the paper's priors and sampler settings) on the shipped data's design, 200
 * simulations, in parallel workers. Records time per fit, total time, warnings_share and, per
 * parameter, p_uniform and ecdf_in_bands in bench/results/sbc.json. Not a test: nothing here
 * asserts a time; a parameter outside its bands is reported, not hidden.
 *
 *   deno run -A bench/sbc.ts                       (200 simulations; writes the results file)
 *   deno run -A bench/sbc.ts --sims 5              (a quick run: prints, writes nothing)
 *   deno run -A bench/sbc.ts --workers 4 --seed 2  (worker count and seed; default cores and 1)
 *   deno run -A bench/sbc.ts --sims 100 --method nuts --warmup 300 --draws 300
 *                                                  (another inference path, smaller fits)
 *   deno run -A bench/sbc.ts --sims 3 --workers 1 --backend webgpu --chains 16 --warmup 150 \
 *     --draws 50                                   (sequential WebGPU fits, against the CPU with
 *                                                   the same --sims/--workers: see bench/README.md)
 *
 * Besides wall time it prints the process's CPU time (worker threads and lavapipe's threads
 * included), which a shared machine's load does not inflate the way it does wall time.
 */
import { parseArgs } from "node:util";
import { stringOptions } from "../cli/_args.ts";
import process from "node:process";
import { loadTomzWeeks } from "../lib/data/datasets/tomz_weeks.ts";
import { PAPER_SAMPLER, tomzWeeksModel } from "../lib/spec/paper_models.ts";
import { sbc } from "../lib/calibration/sbc.ts";

const FULL = 200;
const args = parseArgs({
  args: Deno.args,
  options: {
    ...stringOptions(
      "sims",
      "workers",
      "seed",
      "backend",
      "chains",
      "warmup",
      "draws",
      "method",
    ),
  },
}).values;
const sims = Number(args.sims ?? FULL);
const workers = Number(args.workers ?? navigator.hardwareConcurrency ?? 1);
const seed = Number(args.seed ?? 1);

const table = await loadTomzWeeks();
const spec = tomzWeeksModel(table).toJSON();
const backend = (args.backend ?? "cpu") as "cpu" | "webgpu";
const fitOptions = {
  ...PAPER_SAMPLER,
  chains: Number(args.chains ?? PAPER_SAMPLER.chains),
  warmup: Number(args.warmup ?? PAPER_SAMPLER.warmup),
  draws: Number(args.draws ?? PAPER_SAMPLER.draws),
  backend,
  ...(args.method ? { method: args.method as "auto" | "nuts" | "collapsed" } : {}),
};
const full = sims === FULL && backend === "cpu" && args.chains === undefined &&
  args.warmup === undefined && args.draws === undefined && args.method === undefined;
const cpuStart = process.cpuUsage();
console.log(
  `SBC of the paper's Tomz & Weeks model: ${table.nRows} rows, ${sims} simulations, ` +
    `${workers} workers, fits of ${fitOptions.chains} chains × (${fitOptions.warmup} + ` +
    `${fitOptions.draws}), adaptDelta ${fitOptions.adaptDelta}`,
);
const result = await sbc(spec, table, {
  sims,
  seed,
  workers,
  fit: fitOptions,
  onProgress: (done, total) =>
    Deno.stderr.writeSync(new TextEncoder().encode(`\rSBC ${done}/${total}`)),
});
console.error("");
const cpu = process.cpuUsage(cpuStart);
const cpuS = (cpu.user + cpu.system) / 1e6;
const perFit = result.time_s / sims;
console.log(
  `${sims} simulations in ${result.time_s.toFixed(1)} s (${perFit.toFixed(2)} s per fit ` +
    `over ${workers} workers; ${(perFit * workers).toFixed(2)} s of one worker per fit); ` +
    `${(100 * result.warnings_share).toFixed(0)}% of fits had warnings; CPU time ` +
    `${cpuS.toFixed(1)} s (${(cpuS / sims).toFixed(2)} s per fit).`,
);
for (const p of result.parameters) {
  console.log(
    `${p.name.padEnd(48)} p_uniform ${p.p_uniform.toFixed(3)}  ECDF ${
      p.ecdf_in_bands ? "inside" : "OUTSIDE"
    } bands`,
  );
}
const out = {
  measured: new Date().toISOString(),
  deno: Deno.version.deno,
  cores: navigator.hardwareConcurrency,
  model: "Tomz & Weeks, the paper's model and priors",
  rows: table.nRows,
  fit: fitOptions,
  seed,
  workers,
  sims,
  time_s: result.time_s,
  time_per_fit_s: perFit,
  worker_time_per_fit_s: perFit * workers,
  cpu_time_s: cpuS,
  cpu_time_per_fit_s: cpuS / sims,
  warnings_share: result.warnings_share,
  parameters: result.parameters.map((p) => ({
    name: p.name,
    p_uniform: p.p_uniform,
    ecdf_in_bands: p.ecdf_in_bands,
    histogram: p.histogram,
  })),
};
if (full) {
  await Deno.writeTextFile("bench/results/sbc.json", JSON.stringify(out, null, 2) + "\n");
  console.log("wrote bench/results/sbc.json");
} else {
  console.log("(not the full run: bench/results/sbc.json not written)");
}
