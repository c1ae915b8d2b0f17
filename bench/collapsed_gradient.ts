/**
 * Microbenchmark of the collapsed crossed Gaussian gradient (issue 20): the Bush & Prather
 * appendix model's collapsed target (bench/cpu_models.ts), µs per logDensityGradient call at a
 * fixed point, min over many repeats once compiled, and the mean over the first 5,000 calls of a
 * fresh process (run with `nice`; the numbers depend on the machine's load).
 *
 *   deno run -A bench/collapsed_gradient.ts
 */
import { loadBushPrather } from "../lib/data/datasets/bush_prather.ts";
import { compileModel } from "../lib/model/compile.ts";
import { collapsedTargetFromData } from "../lib/model/collapsed_target.ts";
import { bushPratherAppendixModel } from "./cpu_models.ts";

const table = await loadBushPrather();
const data = compileModel(bushPratherAppendixModel(table).toJSON(), table);
const target = collapsedTargetFromData(data);
const phi = Float64Array.from({ length: target.dim }, (_, i) => 0.1 * Math.sin(i + 1) - 0.3);
const gradient = new Float64Array(target.dim);
let sink = 0;
// Cold: the first 5,000 calls in a fresh process (V8 still compiling, as in a worker's first chain).
const t0 = performance.now();
for (let i = 0; i < 5000; i++) sink += target.logDensityGradient(phi, gradient);
const cold = (performance.now() - t0) * 1000 / 5000;
for (let i = 0; i < 20000; i++) sink += target.logDensityGradient(phi, gradient);
let best = Infinity;
for (let rep = 0; rep < 200; rep++) {
  const calls = 300;
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) sink += target.logDensityGradient(phi, gradient);
  best = Math.min(best, (performance.now() - t0) * 1000 / calls);
}
const dimGamma = (target as unknown as { gammaDim?: number }).gammaDim;
console.log(
  JSON.stringify({
    dim_phi: target.dim,
    dim_gamma: dimGamma,
    us_per_gradient: +best.toFixed(2),
    us_per_gradient_first_5000: +cold.toFixed(2),
    sink: Number.isFinite(sink),
  }),
);
