// Philox outputs for a list of (counter, key) pairs, to check rng.wgsl against lib/math/rng.ts.
// Prepended with rng.wgsl by rng.ts. Input: 2 vec4 per case (counter; key in .xy).
// Output per case: the 4 words and the Box–Muller pair of the block's two uniforms.

@group(0) @binding(0) var<storage, read> cases: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> words: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> normals: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> uniforms: array<vec2<f32>>;

@compute @workgroup_size(64)
fn kat(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= arrayLength(&words)) {
    return;
  }
  let w = philox(cases[2u * i], cases[2u * i + 1u].xy);
  words[i] = w;
  normals[i] = normal_pair(w);
  uniforms[i] = vec2<f32>(to_uniform(w.x, w.y), to_uniform(w.z, w.w));
}
