import assert from "node:assert/strict";
import { CompiledModel } from "../../lib/model/compiled_model.ts";
import { climbToMode } from "../../lib/sampler/laplace_metric.ts";
import { KeyedStream, Streams } from "../../lib/math/rng.ts";
import { GpuModel } from "../../lib/webgpu/gpu_model.ts";
import { laplaceStartGpu } from "../../lib/webgpu/laplace_start.ts";
import { LockstepHmc } from "../../lib/webgpu/lockstep_hmc.ts";
import { continuousBernoulli } from "./_models.ts";
import { gpuTest } from "./_gpu.ts";

gpuTest(
  "Laplace start at 10⁵ rows, 1,000 groups: the climb keeps the group sds, every chain starts " +
    "near the mode",
  async (gpu) => {
    const data = continuousBernoulli(100_000, 1000, 7, { skewed: false });
    const target = new CompiledModel(data);
    const chains = 16;
    const term = data.terms[0];
    // Chain 0's uniform(−2, 2) start as the backend draws it (seed 1).
    const starts = Array.from({ length: chains }, (_, c) => {
      const rng = new KeyedStream(1, c, 0, Streams.init);
      return Float64Array.from({ length: data.dim }, () => 4 * rng.uniform() - 2);
    });
    // The failure this start avoids: from the raw start L-BFGS stalls ~480 log-density units
    // below the mode (log sds 0.4 and 1.6, atanh ρ 4.5; before the correlation reals' exact tail,
    // lib/model/cholesky_corr.ts, it ran into the floating-point wall at atanh ρ ≈ 19 with both
    // log sds below −100).
    const raw = climbToMode(target, starts[0]);
    const mode = climbToMode(target, target.climbStart(starts[0]));
    const g = new Float64Array(data.dim);
    const lpMode = target.logDensityGradient(mode, g);
    for (let k = 0; k < 2; k++) {
      const logSd = mode[term.logSdOffset + k];
      assert.ok(logSd > -5 && logSd < 5, `log sd ${k} at the climb's end: ${logSd}`);
    }
    assert.ok(lpMode > target.logDensityGradient(raw, g) + 400, "higher than the raw climb");

    const model = await GpuModel.create(gpu, data, chains);
    try {
      const hmc = new LockstepHmc(model);
      await hmc.initialize(starts);
      await laplaceStartGpu(hmc, target, starts, 1);
      const lp = (await hmc.readStats()).logDensity;
      // A draw from the diagonal Laplace approximation lies ~dim/2 below the mode; the
      // uniform(−2, 2) starts the chains fell back to lay 5,000–60,000 below.
      for (let c = 0; c < chains; c++) {
        assert.ok(
          Number.isFinite(lp[c]) && lp[c] > lpMode - 2 * data.dim,
          `chain ${c}: lp ${lp[c]}, mode ${lpMode}`,
        );
      }
    } finally {
      model.destroy();
    }
  },
);
