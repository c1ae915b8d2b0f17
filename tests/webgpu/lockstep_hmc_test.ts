import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { CompiledModel } from "../../lib/model/compiled_model.ts";
import type { CompiledData } from "../../lib/model/compiled_data.ts";
import { leapfrog } from "../../lib/sampler/leapfrog.ts";
import { diagMetric, sampleMomentum, velocity } from "../../lib/sampler/metric.ts";
import { KeyedStream, Streams } from "../../lib/math/rng.ts";
import { kineticEnergy } from "../../lib/sampler/leapfrog.ts";
import type { GpuContext } from "../../lib/webgpu/device.ts";
import { GpuModel } from "../../lib/webgpu/gpu_model.ts";
import { LockstepHmc } from "../../lib/webgpu/lockstep_hmc.ts";
import { crossedSpec, seeded, simulatedTable } from "../model/_fixtures.ts";
import { gpuTest } from "./_gpu.ts";

/**
 * The reference: one HMC transition on the CPU in f64 with lib/sampler/leapfrog.ts, momentum
 * p ~ N(0, M) from KeyedStream(seed, chain, iteration, Streams.nuts) (dim normals), then the
 * next uniform for the Metropolis step — the order chees.wgsl uses.
 */
function cpuTransition(
  model: CompiledModel,
  start: Float64Array,
  inverse: Float64Array,
  seed: number,
  chain: number,
  iteration: number,
  stepSize: number,
  steps: number,
): { position: Float64Array; accepted: boolean; acceptProb: number } {
  const dim = model.dim;
  const metric = diagMetric(inverse);
  const rng = new KeyedStream(seed, chain, iteration, Streams.nuts);
  const q = start.slice();
  const g = new Float64Array(dim);
  const v = new Float64Array(dim);
  let lp = model.logDensityGradient(q, g);
  const p = sampleMomentum(metric, rng, new Float64Array(dim));
  const h0 = -lp + kineticEnergy(p, velocity(metric, p, v));
  for (let s = 0; s < steps; s++) lp = leapfrog(model, q, p, g, stepSize, metric, v);
  const h1 = -lp + kineticEnergy(p, velocity(metric, p, v));
  const d = h0 - h1;
  const u = rng.uniform();
  const accepted = Number.isFinite(h1) && (d >= 0 || u < Math.exp(d));
  return { position: accepted ? q : start, accepted, acceptProb: Math.min(1, Math.exp(d)) };
}

async function sameTransition(
  gpu: GpuContext,
  data: CompiledData,
  stepSize: number,
  steps: number,
) {
  const chains = 12;
  const gpuModel = await GpuModel.create(gpu, data, chains);
  try {
    const hmc = new LockstepHmc(gpuModel);
    const u = seeded(99);
    const starts = Array.from(
      { length: chains },
      () => Float64Array.from({ length: data.dim }, () => Math.fround(0.6 * (2 * u() - 1))),
    );
    const inverse = Float64Array.from({ length: data.dim }, () => Math.fround(0.5 + u()));
    await hmc.initialize(starts);
    hmc.setInverseMetric(inverse);
    const seed = 31337;
    const iteration = 17;
    hmc.transition({ iteration, seed, stream: Streams.nuts, stepSize, steps });
    const stats = await hmc.readStats();
    const got = await hmc.readPositions();
    const cpu = new CompiledModel(data);
    let accepted = 0;
    let worst = 0;
    for (let c = 0; c < chains; c++) {
      const ref = cpuTransition(cpu, starts[c], inverse, seed, c, iteration, stepSize, steps);
      assert.equal(stats.accepted[c] === 1, ref.accepted, `chain ${c} accept decision`);
      assert.ok(Math.abs(stats.acceptProb[c] - ref.acceptProb) < 1e-2, `chain ${c} accept prob`);
      if (ref.accepted) accepted++;
      for (let e = 0; e < data.dim; e++) {
        worst = Math.max(
          worst,
          Math.abs(got[c][e] - ref.position[e]) / (1 + Math.abs(ref.position[e])),
        );
      }
    }
    // Positions to f32 tolerance: each of the `steps` gradients carries ~1e-6 relative error
    // (see gpu_model_test.ts) and the momenta ~1e-7; over ≤ 20 stable leapfrog steps these add
    // to ≲ 1e-5 of the position scale. 1e-4 leaves a 10× margin.
    assert.ok(worst < 1e-4, `position error ${worst}`);
    assert.ok(
      accepted >= chains / 2,
      `only ${accepted} of ${chains} accepted: test not informative`,
    );
  } finally {
    gpuModel.destroy();
  }
}

for (
  const [family, stepSize, steps] of [["gaussian", 0.01, 12], ["bernoulli", 0.02, 15]] as const
) {
  gpuTest(`same HMC transition on GPU and CPU (${family}, same Philox numbers)`, async (gpu) => {
    await sameTransition(
      gpu,
      compileModel(crossedSpec(family), simulatedTable(1500, family)),
      stepSize,
      steps,
    );
  });
}
