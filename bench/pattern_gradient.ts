/**
 * Microbenchmark of the logit pattern gradients (issues 19 and 20): the Tomz & Weeks model as
 * Bernoulli `force` and as cumulative logit `pref` (bench/cpu_models.ts's priors), as sampled
 * (the "auto" parameterisation and sd scales planFit applies), µs per logDensityGradient call at
 * a point of posterior-like scale (z and β of order one), min over many repeats once compiled,
 * the variants alternating in one process (run with `nice`; the numbers depend on the machine's
 * load):
 *   split — the WebAssembly kernel with η through the split's two tables (the default),
 *   rows  — the kernel with η row by row from the design ({ split: false }),
 *   js    — the JavaScript reference without the split ({ wasm: false, split: false }).
 *
 *   deno run -A bench/pattern_gradient.ts
 */
import { loadTomzWeeks } from "../lib/data/datasets/tomz_weeks.ts";
import { compileModel } from "../lib/model/compile.ts";
import { CompiledModel } from "../lib/model/compiled_model.ts";
import { applyParameterization } from "../lib/model/auto_parameterization.ts";
import { withSdScales } from "../lib/model/signed_scales.ts";
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
  const data = withSdScales(
    applyParameterization(compileModel(builder.toJSON(), tw), "auto"),
    "auto",
  );
  const theta = Float64Array.from({ length: data.dim }, (_, i) => Math.sin(i + 1));
  const gradient = new Float64Array(data.dim);
  const variants = {
    split: new CompiledModel(data),
    rows: new CompiledModel(data, { split: false }),
    js: new CompiledModel(data, { wasm: false, split: false }),
  };
  type Variant = keyof typeof variants;
  const best: Record<Variant, number> = { split: Infinity, rows: Infinity, js: Infinity };
  for (const model of Object.values(variants)) {
    for (let i = 0; i < 20000; i++) sink += model.logDensityGradient(theta, gradient);
  }
  for (let rep = 0; rep < 400; rep++) {
    for (const [variant, model] of Object.entries(variants) as [Variant, CompiledModel][]) {
      const calls = 200;
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
      us_per_gradient_split: +best.split.toFixed(2),
      us_per_gradient_rows: +best.rows.toFixed(2),
      us_per_gradient_js: +best.js.toFixed(2),
      sink: Number.isFinite(sink),
    }),
  );
}
