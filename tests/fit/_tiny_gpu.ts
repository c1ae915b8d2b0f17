/**
 * A fit that backend "auto" plans on WebGPU and then runs on the CPU, without a GPU: a fake
 * adapter whose device textures hold one row, so the WebGPU backend refuses every model before
 * any device call ("… patterns need a 1 × … texture"), and a model big enough for auto to pick
 * WebGPU.
 */
import { formula } from "../../lib/spec/formula.ts";
import type { AdapterProvider } from "../../lib/webgpu/device.ts";
import { numericTable, seeded } from "../model/_fixtures.ts";

const limits = {
  maxStorageBuffersPerShaderStage: 16,
  maxStorageBufferBindingSize: 2 ** 27,
  maxBufferSize: 2 ** 27,
  maxComputeWorkgroupStorageSize: 16384,
  maxTextureDimension2D: 1,
};

/** Provides the one-row adapter named "tiny". */
export const tinyAdapterProvider: AdapterProvider = () =>
  Promise.resolve(
    {
      info: { description: "tiny" },
      limits,
      requestDevice: () => Promise.resolve({ limits, lost: new Promise(() => {}) }),
    } as unknown as GPUAdapter,
  );

/**
 * y ~ x + (1 | g), bernoulli, 50,000 rows (as many patterns: auto picks WebGPU with 4 chains) in
 * 3 groups: the CPU's "auto" parameterisation data-centres g (contrasts, mean in β), which the
 * WebGPU kernels cannot hold, so a WebGPU plan makes g non-centred.
 */
export function fewLargeGroups() {
  const u = seeded(5);
  const n = 50_000;
  const g = Float64Array.from({ length: n }, () => 1 + Math.floor(3 * u()));
  const x = Float64Array.from({ length: n }, () => 2 * u() - 1);
  const y = x.map((v, i) => (u() < 1 / (1 + Math.exp(-(v + 0.3 * g[i] - 0.6))) ? 1 : 0));
  const table = numericTable({ y, x, g });
  return { table, spec: formula("y ~ x + (1 | g)", table, { family: "bernoulli" }).toJSON() };
}
