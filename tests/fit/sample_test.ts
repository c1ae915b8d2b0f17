/** lib/fit/sample.ts: backend "auto" falling back from WebGPU to the CPU. */
import assert from "node:assert/strict";
import { compileForFit, planFit } from "../../lib/fit/plan.ts";
import { resolveFitOptions } from "../../lib/fit/options.ts";
import { sampleFit } from "../../lib/fit/sample.ts";
import { assembleFitInfo } from "../../lib/fit/fit_info.ts";
import { formula } from "../../lib/spec/formula.ts";
import type { GpuContext } from "../../lib/webgpu/device.ts";
import { fitModel } from "../../lib/fit/fit.ts";
import { numericTable, seeded } from "../model/_fixtures.ts";
import { fewLargeGroups, tinyAdapterProvider } from "./_tiny_gpu.ts";

/** y ~ x1 + x2 (bernoulli) with x2 ≈ x1: a pilot finds correlated coefficients (dense metric). */
function correlated() {
  const u = seeded(3);
  const n = 400;
  const x1 = Float64Array.from({ length: n }, () => 2 * u() - 1);
  const x2 = x1.map((x) => x + 0.05 * (2 * u() - 1));
  const y = x1.map((x) => (u() < 1 / (1 + Math.exp(-x)) ? 1 : 0));
  const table = numericTable({ y, x1, x2 });
  return { table, spec: formula("y ~ x1 + x2", table, { family: "bernoulli" }).toJSON() };
}

/**
 * A device whose texture holds one row: buildLayout refuses every model on it ("Cannot use the
 * WebGPU backend: … patterns need a 1 × … texture") before any device call, as it refuses a
 * model its kernels cannot run on a real adapter (e.g. more than KMAX varying coefficients).
 */
const tinyDevice = {
  device: { limits: { maxTextureDimension2D: 1, maxStorageBufferBindingSize: 2 ** 27 } },
  lost: false,
  adapterName: "tiny",
} as unknown as GpuContext;

Deno.test('backend "auto": WebGPU refusing the model runs NUTS on the CPU with its own metric', async () => {
  const { table, spec } = correlated();
  const o = resolveFitOptions({ chains: 2, warmup: 60, draws: 20, workers: 1, progress: false });
  const cpuPlan = await planFit(compileForFit(spec, table, o), o);
  // What a CPU plan chooses for this model: dense, from the pilot.
  assert.equal(cpuPlan.metric.metric, "dense");
  // The plan auto makes when it picks WebGPU (plan.ts): the metric is ChEES's, not NUTS's.
  const plan = {
    ...cpuPlan,
    backend: {
      backend: "webgpu" as const,
      gpu: tinyDevice,
      adapter: "tiny",
      reason: 'auto: WebGPU (ChEES-HMC) on "tiny"',
    },
    metric: { metric: o.settings.metric, reason: "WebGPU backend: ChEES-HMC adapts its own" },
  };
  const settings = { ...o.settings, metric: plan.metric.metric };
  const run = await sampleFit(plan, o, settings);
  assert.equal(run.backend, "cpu");
  assert.match(
    run.backendReason,
    /^auto: WebGPU \(ChEES-HMC\) on "tiny"; but the WebGPU backend cannot run this model \(\d+ patterns need a 1 × \d+ texture[^)]*\), so the fit ran on the CPU \(NUTS\)$/,
  );
  // The refusal is quoted inside the sentence: no capital "Cannot" mid-sentence, no advice.
  assert.doesNotMatch(run.backendReason, /Cannot|use backend "cpu"/);
  assert.equal(run.chains.length, 2);
  // NUTS ran with the metric a CPU plan chooses (dense: dim² entries), and fit.info says so.
  const dim = plan.sampled.dim;
  for (const c of run.chains) assert.equal(c.inverseMetric.length, dim * dim);
  const times = { start: 0, compiled: 0, samplingStarted: 0, end: 0 };
  const info = assembleFitInfo(plan, run, settings, times);
  assert.equal(info.backend, "cpu");
  assert.equal(info.metric, "dense");
  assert.equal(info.options.metric, "dense");
  assert.match(info.metricReason ?? "", /^auto: dense, the pilot/);
});

Deno.test('backend "auto" with thin > 1 falling back to the CPU says thin was not applied', async () => {
  const { table, spec } = correlated();
  const o = resolveFitOptions({ chains: 2, warmup: 40, draws: 12, workers: 1, progress: false });
  const plan = {
    ...await planFit(compileForFit(spec, table, o), o),
    backend: { backend: "webgpu" as const, gpu: tinyDevice, adapter: "tiny", reason: "auto" },
  };
  // thin is refused for a CPU plan (plan.ts); here it was accepted for WebGPU's.
  const thinned = { ...o, thin: 3 };
  const run = await sampleFit(plan, thinned, { ...o.settings, metric: plan.metric.metric });
  assert.equal(run.backend, "cpu");
  // NUTS kept all 12 draws of each chain (WebGPU would have run 36 and kept every third).
  for (const c of run.chains) assert.equal(c.logDensity.length, 12);
  assert.match(
    run.backendReason,
    /so the fit ran on the CPU \(NUTS\) \(thin = 3 was not applied: it thins WebGPU's ChEES-HMC chains only, and NUTS on the CPU kept every draw\)$/,
  );
});

Deno.test('backend "auto" falling back from WebGPU samples the geometry a CPU plan chooses', async () => {
  // Before, the CPU sampled the non-centred geometry forced for WebGPU's kernels.
  const { table, spec } = fewLargeGroups();
  const options = { chains: 4, warmup: 30, draws: 10, seed: 2, workers: 1, progress: false };
  const o = resolveFitOptions({ ...options, adapterProvider: tinyAdapterProvider });
  const plan = await planFit(compileForFit(spec, table, o), o);
  assert.equal(plan.backend.backend, "webgpu");
  assert.deepEqual(plan.sampled.terms.map((t) => t.contrasts), [false]);
  assert.deepEqual(plan.cpu.data.terms.map((t) => t.contrasts), [true]);

  const fallback = await fitModel(spec, table, {
    ...options,
    adapterProvider: tinyAdapterProvider,
  });
  const cpu = await fitModel(spec, table, { ...options, backend: "cpu" });
  assert.equal(fallback.info.backend, "cpu");
  assert.match(fallback.info.backendReason, /so the fit ran on the CPU \(NUTS\)$/);
  // g data-centred, as on backend "cpu"; fit.data is that geometry.
  assert.deepEqual(fallback.info.parameterization, cpu.info.parameterization);
  assert.equal(fallback.info.parameterization[0].data_centring, true);
  assert.equal(fallback.data.terms[0].contrasts, true);
  // The same sampler on the same geometry and seed: the same draws as the CPU fit.
  assert.deepEqual(fallback.draws("b_x"), cpu.draws("b_x"));
  assert.deepEqual(fallback.draws("sd_g__Intercept"), cpu.draws("sd_g__Intercept"));
});
