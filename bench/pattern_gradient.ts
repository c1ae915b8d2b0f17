/**
 * Microbenchmark of the logit pattern gradients (issues 19 and 20): the Tomz & Weeks model as
 * Bernoulli `force` and as cumulative logit `pref` (bench/cpu_models.ts's priors), µs per
 * logDensityGradient call at a fixed point with the WebAssembly pattern kernel and with the
 * JavaScript reference ({ wasm: false }), alternating the two in one process, min over many
 * repeats once compiled (run with `nice`; the numbers depend on the machine's load).
 *
 *   deno run -A bench/pattern_gradient.ts
 */
import { loadTomzWeeks } from "../lib/data/datasets/tomz_weeks.ts";
import { compileModel } from "../lib/model/compile.ts";
import { CompiledModel } from "../lib/model/compiled_model.ts";
import { TOMZ_WEEKS_FORMULA, tomzWeeksOrdinalModel } from "../lib/spec/paper_models.ts";
import { formula, halfNormal, lkj, normal, studentT } from "../mod.ts";

const tw = await loadTomzWeeks();
const models = {
  tomz_weeks_bernoulli_force: formula(TOMZ_WEEKS_FORMULA, tw, { family: "bernoulli" }).priors({
    Intercept: studentT(3, 0, 2.5),
    b: normal(0, 1),
    sd: halfNormal(0, 1),
    cor: lkj(1),
  }),
  tomz_weeks_ordinal_pref: tomzWeeksOrdinalModel(tw),
};
let sink = 0;
for (const [name, builder] of Object.entries(models)) {
  const data = compileModel(builder.toJSON(), tw);
  const theta = Float64Array.from({ length: data.dim }, (_, i) => 0.1 * Math.sin(i + 1));
  const gradient = new Float64Array(data.dim);
  const variants = { wasm: new CompiledModel(data), js: new CompiledModel(data, { wasm: false }) };
  const best = { wasm: Infinity, js: Infinity };
  for (const model of Object.values(variants)) {
    for (let i = 0; i < 20000; i++) sink += model.logDensityGradient(theta, gradient);
  }
  for (let rep = 0; rep < 200; rep++) {
    for (
      const [variant, model] of Object.entries(variants) as [keyof typeof best, CompiledModel][]
    ) {
      const calls = 300;
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) sink += model.logDensityGradient(theta, gradient);
      best[variant] = Math.min(best[variant], ((performance.now() - t0) * 1000) / calls);
    }
  }
  const stats = data.stats.kind === "patterns" ? data.stats.nPatterns : 0;
  console.log(
    JSON.stringify({
      model: name,
      patterns: stats,
      dim: data.dim,
      us_per_gradient_wasm: +best.wasm.toFixed(2),
      us_per_gradient_js: +best.js.toFixed(2),
      sink: Number.isFinite(sink),
    }),
  );
}
