import assert from "node:assert/strict";
import {
  assembleFitInfo,
  GEOMETRY_FOR_WEBGPU,
  NESTED_RHAT_SUPERCHAIN,
  nestedRhatOf,
  parameterizationInfo,
} from "../../lib/fit/fit_info.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { allocateChainDraws } from "../../lib/sampler/backend.ts";
import { KeyedStream } from "../../lib/math/rng.ts";
import { formula } from "../../lib/spec/formula.ts";
import { smallTable } from "../posterior/_fixtures.ts";
import { fitModel } from "../../lib/fit/fit.ts";
import { resolveFitOptions } from "../../lib/fit/options.ts";
import { chooseMethod } from "../../lib/fit/inference_method.ts";
import { collapsedSdScales, collapsedTargetArgs } from "../../lib/model/collapsed_target.ts";
import { crossedSpec, simulatedTable, withNormalPriors } from "../model/_fixtures.ts";
import { compileForFit, planFit } from "../../lib/fit/plan.ts";
import { fewLargeGroups, tinyAdapterProvider } from "./_tiny_gpu.ts";

const data = compileModel(
  formula("y ~ 1 + x + treat + (1 + treat | g)", smallTable()).toJSON(),
  smallTable(),
  { parameterization: "noncentered" },
);

Deno.test("parameterizationInfo: one entry per term, every coefficient named", () => {
  const info = parameterizationInfo(data);
  assert.equal(info.length, data.terms.length);
  assert.equal(info[0].term, "g");
  assert.deepEqual(Object.keys(info[0].noncentering), data.terms[0].coefNames);
  assert.ok(Object.values(info[0].noncentering).every((v) => v === 1), "non-centred");
  assert.ok(Object.values(info[0].sd_scale).every((s) => s === "log"));
  assert.equal(info[0].auto, false);
});

Deno.test("nestedRhatOf: superchains of 4 when the chain count allows; ~1 for independent draws", () => {
  const draws = 200;
  const chains = (n: number) =>
    Array.from({ length: n }, (_, c) => {
      const out = allocateChainDraws(draws, data.dim, 0.1, new Float64Array(data.dim).fill(1));
      const rng = new KeyedStream(5, c, 0, 1);
      for (let i = 0; i < out.theta.length; i++) out.theta[i] = rng.normal();
      return out;
    });
  const eight = nestedRhatOf(data, chains(8));
  assert.equal(eight.superchainSize, NESTED_RHAT_SUPERCHAIN);
  // Independent standard normals: nested R-hat is 1 up to noise of order 1/√(draws · chains).
  assert.ok(eight.max > 0.95 && eight.max < 1.05, `${eight.max}`);
  assert.equal(nestedRhatOf(data, chains(6)).superchainSize, 1);
  assert.equal(nestedRhatOf(data, chains(4)).superchainSize, 1);

  // A chain stuck away from the others is flagged.
  const stuck = chains(8);
  stuck[0].theta.fill(5);
  assert.ok(nestedRhatOf(data, stuck).max > 1.05);
});

Deno.test("a collapsed fit reports its target's sd coordinates, in workers or on this thread", async () => {
  const table = simulatedTable(120, "gaussian");
  const spec = withNormalPriors(crossedSpec("gaussian"));
  for (const workers of [1, 2]) {
    const fit = await fitModel(spec, table, {
      chains: 2,
      warmup: 60,
      draws: 40,
      seed: 3,
      progress: false,
      workers,
    });
    assert.equal(fit.info.method, "collapsed");
    const scales = fit.info.parameterization.map((t) => Object.values(t.sd_scale));
    assert.deepEqual(
      scales,
      collapsedSdScales(collapsedTargetArgs(fit.data)),
      `workers ${workers}`,
    );
    assert.deepEqual(scales, [["knee", "knee", "knee"], ["knee", "knee"]]);
  }
});

Deno.test("fit.info.methodReason says a WebGPU run sampled with ChEES-HMC, not NUTS", async () => {
  // method stays "nuts" (the documented values name full model against collapsed), but its
  // reason said "auto: NUTS, since backend webgpu was requested" while ChEES-HMC ran.
  const o = resolveFitOptions({ adapterProvider: () => Promise.resolve(null), backend: "cpu" });
  const plan = await planFit(data, o);
  const gpuPlan = { ...plan, method: chooseMethod("auto", data, "webgpu") };
  const times = { start: 0, compiled: 0, samplingStarted: 0, end: 0 };
  const run = {
    chains: [],
    data: plan.data,
    sampled: plan.sampled,
    backendReason: "",
    webgpu: null,
    cancelled: false,
  };
  const onGpu = assembleFitInfo(gpuPlan, { ...run, backend: "webgpu" }, o.settings, times);
  assert.equal(onGpu.method, "nuts");
  assert.match(onGpu.methodReason, /ChEES-HMC/);
  assert.doesNotMatch(onGpu.methodReason, /NUTS, since/);
  // The same plan run on the CPU (auto's fallback) ran NUTS: no ChEES note.
  const onCpu = assembleFitInfo(gpuPlan, { ...run, backend: "cpu" }, o.settings, times);
  assert.doesNotMatch(onCpu.methodReason, /ChEES/);
});

Deno.test("fit.info.backendReason says WebGPU's kernels forced a non-centred geometry", async () => {
  // The CPU's "auto" choice data-centres g; a WebGPU plan samples it non-centred, and
  // fit.info.parameterization then differed from a CPU fit's with nothing saying why.
  const { table, spec } = fewLargeGroups();
  const o = resolveFitOptions({ chains: 4, adapterProvider: tinyAdapterProvider });
  const plan = await planFit(compileForFit(spec, table, o), o);
  assert.notEqual(plan.data, plan.cpu.data);
  const times = { start: 0, compiled: 0, samplingStarted: 0, end: 0 };
  const run = {
    chains: [],
    data: plan.data,
    sampled: plan.sampled,
    backendReason: plan.backend.reason,
    webgpu: null,
    cancelled: false,
  };
  const onGpu = assembleFitInfo(plan, { ...run, backend: "webgpu" }, o.settings, times);
  assert.ok(onGpu.backendReason.endsWith(`; ${GEOMETRY_FOR_WEBGPU}`), onGpu.backendReason);
  assert.equal(onGpu.parameterization[0].data_centring, false);
  // After a fallback the CPU samples its own geometry: no note.
  const cpuRun = {
    ...run,
    data: plan.cpu.data,
    sampled: plan.cpu.sampled,
    backend: "cpu" as const,
  };
  assert.doesNotMatch(
    assembleFitInfo(plan, cpuRun, o.settings, times).backendReason,
    /non-centred/,
  );
});
