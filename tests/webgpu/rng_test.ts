import assert from "node:assert/strict";
import { type PhiloxCase, philoxOnGpu } from "../../lib/webgpu/rng.ts";
import { KeyedStream, philox4x32, seedKey } from "../../lib/math/rng.ts";
import { gpuTest } from "./_gpu.ts";

// Keys as the samplers use them: (chain, iteration, stream, block) under seedKey(seed), plus
// edge words (0, 2^32 − 1, the Random123 vector) — 4,100 cases in all.
function cases(): PhiloxCase[] {
  const out: PhiloxCase[] = [
    { counter: [0, 0, 0, 0], key: [0, 0] },
    { counter: [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], key: [0xffffffff, 0xffffffff] },
    { counter: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], key: [0xa4093822, 0x299f31d0] },
    { counter: [1, 2, 3, 4], key: seedKey(-7) },
  ];
  const seeds = [1, 42, 20240601, 2 ** 40 + 3];
  for (const seed of seeds) {
    for (let chain = 0; chain < 16; chain++) {
      for (let iteration = 0; iteration < 64; iteration += 3) {
        for (let block = 0; block < 3; block++) {
          out.push({ counter: [chain, iteration * 977, chain % 3, block], key: seedKey(seed) });
        }
      }
    }
  }
  return out;
}

gpuTest("WGSL Philox4x32-10 words equal lib/math/rng.ts bit for bit", async (gpu) => {
  const list = cases();
  const r = await philoxOnGpu(gpu, list);
  const w = new Uint32Array(4);
  list.forEach((k, i) => {
    philox4x32(...k.counter, ...k.key, w);
    assert.deepEqual(Array.from(r.words.subarray(4 * i, 4 * i + 4)), Array.from(w), `case ${i}`);
  });
});

gpuTest("WGSL uniforms and Box–Muller normals equal the TS stream to f32 accuracy", async (gpu) => {
  // Uniform j of a stream is block ⌊j/2⌋; the GPU rounds the 52-bit value to f32 (relative
  // error ≤ 2^-24 ≈ 6e-8). Normals: r = sqrt(−2 ln u1) and cos/sin in f32; |z| < 9, so an
  // absolute 2e-5 covers f32 log/sqrt/cos rounding (a few ulps of values of size ≤ 9).
  const seed = 123456789;
  const list: PhiloxCase[] = [];
  for (let chain = 0; chain < 64; chain++) {
    for (let block = 0; block < 32; block++) {
      list.push({ counter: [chain, 5, 0, block], key: seedKey(seed) });
    }
  }
  const r = await philoxOnGpu(gpu, list);
  let worstU = 0;
  let worstZ = 0;
  for (let chain = 0; chain < 64; chain++) {
    const s = new KeyedStream(seed, chain, 5, 0);
    const u = s.fillUniforms(new Float64Array(64));
    const z = new KeyedStream(seed, chain, 5, 0).fillNormals(new Float64Array(64));
    for (let j = 0; j < 64; j++) {
      const i = chain * 32 + (j >> 1);
      worstU = Math.max(worstU, Math.abs(r.uniforms[2 * i + (j & 1)] - u[j]) / u[j]);
      worstZ = Math.max(worstZ, Math.abs(r.normals[2 * i + (j & 1)] - z[j]));
    }
  }
  assert.ok(worstU < 1.2e-7, `uniform relative error ${worstU}`);
  assert.ok(worstZ < 2e-5, `normal absolute error ${worstZ}`);
});
