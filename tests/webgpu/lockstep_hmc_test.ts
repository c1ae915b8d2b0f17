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
import { continuousBernoulli } from "./_models.ts";

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
): {
  position: Float64Array;
  accepted: boolean;
  acceptProb: number;
  proposal: Float64Array;
  momentum: Float64Array;
  energy: number;
} {
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
  return {
    position: accepted ? q : start,
    accepted,
    acceptProb: Math.min(1, Math.exp(d)),
    proposal: q,
    momentum: p,
    energy: accepted ? h1 : h0,
  };
}

/**
 * A lockstep sampler on `gpuModel` whose chains start at f32 points drawn in [−0.6, 0.6] and
 * whose inverse metric is drawn in [0.5, 1.5), from `seed`: the same values the CPU reference
 * transitions are given.
 */
async function seededHmc(gpuModel: GpuModel, dim: number, chains: number, seed: number) {
  const hmc = new LockstepHmc(gpuModel);
  const u = seeded(seed);
  const starts = Array.from(
    { length: chains },
    () => Float64Array.from({ length: dim }, () => Math.fround(0.6 * (2 * u() - 1))),
  );
  const inverse = Float64Array.from({ length: dim }, () => Math.fround(0.5 + u()));
  await hmc.initialize(starts);
  hmc.setInverseMetric(inverse);
  return { hmc, starts, inverse };
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
    const { hmc, starts, inverse } = await seededHmc(gpuModel, data.dim, chains, 99);
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

/**
 * The ChEES gradient term t (sq₁ − sq₀) dot of each chain (chees.wgsl chees_stat) from CPU
 * transitions, and the typical f32 rounding error of the GPU's: t (δ(sq₁ − sq₀) |dot| +
 * |sq₁ − sq₀| δdot).
 */
function cpuChees(
  starts: Float64Array[],
  refs: ReturnType<typeof cpuTransition>[],
  inverse: Float64Array,
  tn: number,
): { g: number[]; scale: number[] } {
  const dim = inverse.length;
  const m0 = new Float64Array(dim);
  const m1 = new Float64Array(dim);
  let wsum = 0;
  refs.forEach((r, c) => {
    wsum += r.acceptProb;
    for (let e = 0; e < dim; e++) {
      m0[e] += starts[c][e] / refs.length;
      m1[e] += r.acceptProb * r.proposal[e];
    }
  });
  for (let e = 0; e < dim; e++) m1[e] /= wsum;
  const g: number[] = [];
  const scale: number[] = [];
  refs.forEach((r, c) => {
    let sq1 = 0, sq0 = 0, dot = 0, absDot = 0;
    for (let e = 0; e < dim; e++) {
      const x1 = r.proposal[e] - m1[e];
      const x0 = starts[c][e] - m0[e];
      sq1 += (x1 * x1) / inverse[e];
      sq0 += (x0 * x0) / inverse[e];
      dot += x1 * r.momentum[e];
      absDot += Math.abs(x1 * r.momentum[e]);
    }
    g.push(r.acceptProb > 0 ? tn * (sq1 - sq0) * dot : 0);
    // f32 rounding of a sum of n terms split 64 ways: ≈ u · Σ|terms| · √(n / 192) at random.
    const rounding = (abs: number) => 2 ** -24 * abs * Math.sqrt(dim / 192);
    scale.push(tn * (rounding(sq1 + sq0) * Math.abs(dot) + Math.abs(sq1 - sq0) * rounding(absDot)));
  });
  return { g, scale };
}

gpuTest(
  "~38,000 groups (refused before): one lockstep transition and its ChEES term equal the CPU's",
  async (gpu) => {
    // dim ≈ 76,100: begin, finish and chees_stat looped over all of θ in one invocation per
    // chain, past lavapipe's 65,535 iterations, so buildLayout refused beyond ~31,700 groups of
    // (1 + treat | g). A workgroup per chain now splits θ 64 ways.
    const data = continuousBernoulli(120_000, 40_000, 4, { skewed: false });
    assert.ok(data.terms[0].nGroups > 35_000);
    const chains = 4;
    const stepSize = 0.002;
    const steps = 3;
    const gpuModel = await GpuModel.create(gpu, data, chains);
    try {
      const { hmc, starts, inverse } = await seededHmc(gpuModel, data.dim, chains, 7);
      const seed = 2024;
      hmc.transition({ iteration: 3, seed, stream: Streams.nuts, stepSize, steps });
      const stats = await hmc.readStats();
      const got = await hmc.readPositions();
      const cpu = new CompiledModel(data);
      const refs = starts.map((s, c) =>
        cpuTransition(cpu, s, inverse, seed, c, 3, stepSize, steps)
      );
      const chees = cpuChees(starts, refs, inverse, stepSize * steps);
      let worstPos = 0;
      for (let c = 0; c < chains; c++) {
        const ref = refs[c];
        assert.equal(stats.accepted[c] === 1, ref.accepted, `chain ${c} accept decision`);
        // H ≈ −lp + dim/2: to the log density's f32 tolerance (gpu_model_test.ts), 2e-5 of
        // |lp| + dim; a kinetic energy summed over only 65,535 of the ~76,100 elements would be
        // off by ~14% of dim/2 ≈ 5,000.
        const lp = cpu.logDensity(ref.position);
        assert.ok(
          Math.abs(stats.energy[c] - ref.energy) <= 2e-5 * (Math.abs(lp) + data.dim),
          `chain ${c} energy ${stats.energy[c]} vs ${ref.energy}`,
        );
        // 3 × the typical rounding error (measured errors are 20–600× below it: 3e-5–1.2e-3 on
        // terms 0.6–7.6, tolerances 2–9% of them); a sum cut short by ~14% of the elements moves
        // sq₁ − sq₀ and dot by about that much each.
        assert.ok(
          Math.abs(stats.chees[c] - chees.g[c]) <= 3 * chees.scale[c],
          `chain ${c} ChEES term ${stats.chees[c]} vs ${chees.g[c]}`,
        );
        for (let e = 0; e < data.dim; e++) {
          worstPos = Math.max(
            worstPos,
            Math.abs(got[c][e] - ref.position[e]) / (1 + Math.abs(ref.position[e])),
          );
        }
      }
      // As in sameTransition: positions to 1e-4, every element (the last ones included).
      assert.ok(worstPos < 1e-4, `position error ${worstPos}`);
      assert.ok(refs.some((r) => r.accepted), "no chain accepted: test not informative");
    } finally {
      gpuModel.destroy();
    }
  },
);
