/**
 * Shared by the WebGPU tests: one device per test file, and `gpuTest`, which registers a test
 * that runs when an adapter exists and is ignored (named "… (skipped: no WebGPU adapter)")
 * otherwise.
 */
import { acquireGpu, type GpuContext } from "../../lib/webgpu/device.ts";

const acquired = await acquireGpu();
if (acquired.gpu === null) console.log(`skipped: no WebGPU adapter (${acquired.reason})`);

/** The device for this test file, or null. */
export const gpu: GpuContext | null = acquired.gpu;

/** Deno.test that needs the GPU; WebGPU handles are long-lived, so sanitizers are off. */
export function gpuTest(name: string, fn: (gpu: GpuContext) => Promise<void> | void): void {
  Deno.test({
    name: gpu ? name : `${name} (skipped: no WebGPU adapter)`,
    ignore: gpu === null,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: () => fn(gpu!),
  });
}
