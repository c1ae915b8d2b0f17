/**
 * Determinism of the WebGPU backend (issue 8): on the same adapter the same seed gives
 * byte-identical draws, sampler statistics and adapted metric across runs (on the same device
 * and on a freshly acquired one), for the pattern kernel (Bernoulli, several likelihood chunks
 * reduced across pattern lanes) and the Gaussian cell kernel; a different seed gives different
 * draws. Why it holds: every reduction has a fixed order — one invocation sums a chunk's
 * patterns in order for its chains, each chunk writes its own partial slot, and the partials
 * are summed in chunk order (no atomics); all randomness is keyed by (seed, chain, iteration).
 * Runs when an adapter exists ("skipped: no WebGPU adapter" otherwise).
 */
import assert from "node:assert/strict";
import { CompiledModel } from "../../lib/model/compiled_model.ts";
import type { CompiledData } from "../../lib/model/compiled_data.ts";
import type { SampleOptions } from "../../lib/sampler/backend.ts";
import { acquireGpu, type GpuContext } from "../../lib/webgpu/device.ts";
import { WebGpuBackend } from "../../lib/webgpu/webgpu_backend.ts";
import { loadTable } from "../../lib/data/load_table.ts";
import { formula } from "../../lib/spec/formula.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { continuousBernoulli } from "../webgpu/_models.ts";
import { gpuTest } from "../webgpu/_gpu.ts";
import { fingerprint } from "./_fingerprint.ts";
import { baseCsv } from "./_helpers.ts";

const options: SampleOptions = {
  chains: 8,
  warmup: 40,
  draws: 10,
  seed: 21,
  adaptDelta: 0.8,
  maxTreedepth: 8,
  metric: "diag",
  warmupStart: "laplace",
};

/** One run on `gpu`; chunkSize 64 splits the 300 patterns into 5 chunks. */
function run(gpu: GpuContext, data: CompiledData, seed = options.seed) {
  const backend = new WebGpuBackend({ gpu, chunkSize: 64 });
  return backend.sample(new CompiledModel(data), { ...options, seed });
}

gpuTest(
  "WebGPU, Bernoulli patterns: same seed → byte-identical draws; other seed differs",
  async (gpu) => {
    const data = continuousBernoulli(300, 6, 3, { skewed: false });
    const first = await run(gpu, data);
    const reference = fingerprint(first);
    assert.equal(fingerprint(await run(gpu, data)), reference, "second run on the same device");
    const fresh = await acquireGpu();
    assert.ok(fresh.gpu, fresh.reason);
    try {
      assert.equal(fingerprint(await run(fresh.gpu, data)), reference, "run on a fresh device");
    } finally {
      fresh.gpu.device.destroy();
    }
    const other = await run(gpu, data, options.seed + 1);
    assert.notEqual(fingerprint(other), reference);
    assert.notDeepEqual(
      Array.from(other[0].theta.slice(0, 5)),
      Array.from(first[0].theta.slice(0, 5)),
    );
  },
);

gpuTest("WebGPU, Gaussian cells: same seed → byte-identical draws", async (gpu) => {
  const table = await loadTable(baseCsv(48));
  const data = compileModel(formula("y ~ x + treat + (1 + treat | g)", table).toJSON(), table);
  assert.equal(fingerprint(await run(gpu, data)), fingerprint(await run(gpu, data)));
});
