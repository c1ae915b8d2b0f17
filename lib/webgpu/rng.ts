/**
 * Runs the WGSL Philox4x32-10 (rng.wgsl) on the GPU for given counters and keys, so tests can
 * check it bit for bit against lib/math/rng.ts.
 *
 * @module
 */
import type { GpuContext } from "./device.ts";
import rngWgsl from "./rng.wgsl" with { type: "text" };
import katWgsl from "./rng_kat.wgsl" with { type: "text" };

/** One Philox call: counter words c0..c3 and key words k0, k1. */
export interface PhiloxCase {
  counter: [number, number, number, number];
  key: [number, number];
}

/** GPU results per case: the 4 output words, the two uniforms and the Box–Muller pair (f32). */
export interface PhiloxGpuResult {
  words: Uint32Array;
  uniforms: Float32Array;
  normals: Float32Array;
}

/**
 * Evaluates Philox4x32-10 on the GPU for every case (at most 65,535 × 64).
 *
 * @example
 * ```ts ignore
 * const r = await philoxOnGpu(ctx, [{ counter: [0, 0, 0, 0], key: [0, 0] }]);
 * console.assert(r.words[0] === 0x6627e8d5);
 * ```
 */
export async function philoxOnGpu(
  ctx: GpuContext,
  cases: readonly PhiloxCase[],
): Promise<PhiloxGpuResult> {
  const device = ctx.device;
  const n = cases.length;
  const input = new Uint32Array(8 * n);
  cases.forEach((k, i) => {
    input.set(k.counter.map((x) => x >>> 0), 8 * i);
    input.set(k.key.map((x) => x >>> 0), 8 * i + 4);
  });
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const inBuf = device.createBuffer({ size: input.byteLength, usage });
  device.queue.writeBuffer(inBuf, 0, input);
  const out = [16, 8, 8].map((bytes) => device.createBuffer({ size: bytes * n, usage }));
  const module = device.createShaderModule({ code: rngWgsl + katWgsl });
  const pipeline = device.createComputePipeline({
    layout: "auto",
    compute: { module, entryPoint: "kat" },
  });
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [inBuf, ...out].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const staging = out.map((b) =>
    device.createBuffer({ size: b.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST })
  );
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(Math.ceil(n / 64));
  pass.end();
  out.forEach((b, i) => encoder.copyBufferToBuffer(b, 0, staging[i], 0, b.size));
  device.queue.submit([encoder.finish()]);
  const bytes = await Promise.all(
    staging.map(async (s) => {
      await ctx.guard(s.mapAsync(GPUMapMode.READ));
      return s.getMappedRange().slice(0);
    }),
  );
  for (const b of [inBuf, ...out, ...staging]) b.destroy();
  return {
    words: new Uint32Array(bytes[0]),
    normals: new Float32Array(bytes[1]),
    uniforms: new Float32Array(bytes[2]),
  };
}
