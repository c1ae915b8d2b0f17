// Philox4x32-10, bit for bit as lib/math/rng.ts: counter (chain, iteration, stream, block),
// key (seed low word, seed high word). Uniform j of a (seed, chain, iteration, stream) comes from
// block j / 2, words (0, 1) for even j and (2, 3) for odd j; normal j is the Box–Muller pair of
// block j / 2 (cosine half for even j, sine half for odd j).

const PHILOX_M0: u32 = 0xd2511f53u;
const PHILOX_M1: u32 = 0xcd9e8d57u;
const PHILOX_W0: u32 = 0x9e3779b9u;
const PHILOX_W1: u32 = 0xbb67ae85u;

// (high, low) 32-bit words of the 64-bit product, from 16-bit halves.
fn mulhilo(a: u32, b: u32) -> vec2<u32> {
  let a_lo = a & 0xffffu;
  let a_hi = a >> 16u;
  let b_lo = b & 0xffffu;
  let b_hi = b >> 16u;
  let lh = a_lo * b_hi;
  let hl = a_hi * b_lo;
  let mid = ((a_lo * b_lo) >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  let hi = a_hi * b_hi + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);
  return vec2<u32>(hi, a * b);
}

fn philox(counter: vec4<u32>, key0: vec2<u32>) -> vec4<u32> {
  var x = counter;
  var k = key0;
  for (var round = 0u; round < 10u; round++) {
    if (round > 0u) {
      k = k + vec2<u32>(PHILOX_W0, PHILOX_W1);
    }
    let p0 = mulhilo(PHILOX_M0, x.x);
    let p1 = mulhilo(PHILOX_M1, x.z);
    x = vec4<u32>(p1.x ^ x.y ^ k.x, p1.y, p0.x ^ x.w ^ k.y, p0.y);
  }
  return x;
}

// ((a >> 6) 2^26 + (b >> 6) + 0.5) / 2^52, rounded to f32: strictly inside (0, 1].
fn to_uniform(a: u32, b: u32) -> f32 {
  return f32(a >> 6u) * 1.4901161193847656e-8 + (f32(b >> 6u) + 0.5) * 2.220446049250313e-16;
}

// Normals 2·block and 2·block + 1 of the chain's stream (Box–Muller on uniforms of one block).
fn normal_pair(w: vec4<u32>) -> vec2<f32> {
  let u1 = to_uniform(w.x, w.y);
  let u2 = to_uniform(w.z, w.w);
  let r = sqrt(-2.0 * log(u1));
  // 2π u2 reduced to [−π, π] for accurate cos/sin.
  var v = u2;
  if (v > 0.5) {
    v = v - 1.0;
  }
  let angle = 6.283185307179586 * v;
  return vec2<f32>(r * cos(angle), r * sin(angle));
}
