import assert from "node:assert/strict";
import { KeyedStream, normals, philox4x32, seedKey, uniforms } from "../../lib/math/rng.ts";

const hex = (w: Uint32Array) => Array.from(w, (x) => x.toString(16).padStart(8, "0")).join(" ");

Deno.test("philox4x32-10 matches the Random123 known-answer vectors", () => {
  // Random123 tests/kat_vectors, "philox4x32 10" lines: counter (4 words), key (2), expected (4).
  const cases: [number[], number[], string][] = [
    [[0, 0, 0, 0], [0, 0], "6627e8d5 e169c58d bc57ac4c 9b00dbd8"],
    [
      [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
      [0xffffffff, 0xffffffff],
      "408f276d 41c83b0e a20bc7c6 6d5451fd",
    ],
    [
      [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
      [0xa4093822, 0x299f31d0],
      "d16cfe09 94fdcceb 5001e420 24126ea1",
    ],
  ];
  for (const [c, k, expected] of cases) {
    const out = philox4x32(c[0], c[1], c[2], c[3], k[0], k[1], new Uint32Array(4));
    assert.deepEqual(hex(out), expected);
  }
});

Deno.test("seed key is the low and high 32-bit words", () => {
  assert.deepEqual(seedKey(0), [0, 0]);
  assert.deepEqual(seedKey(0x1_0000_0005), [5, 1]);
  assert.deepEqual(seedKey(-1), [0xffffffff, 0xffffffff]);
});

Deno.test("uniforms use block j/2 with the documented 2×26-bit mapping, inside (0, 1)", () => {
  const [k0, k1] = seedKey(12345);
  const w = philox4x32(3, 7, 2, 1, k0, k1, new Uint32Array(4));
  const u = uniforms(12345, 3, 7, 2, new Float64Array(4));
  const expected = (a: number, b: number) => ((a >>> 6) * 2 ** 26 + (b >>> 6) + 0.5) / 2 ** 52;
  assert.deepEqual(u[2], expected(w[0], w[1]));
  assert.deepEqual(u[3], expected(w[2], w[3]));
  // Extremes of the mapping are strictly inside (0, 1).
  assert(expected(0, 0) > 0 && expected(0xffffffff, 0xffffffff) < 1);

  const n = 200_000;
  const big = uniforms(1, 0, 0, 0, new Float64Array(n));
  let s = 0;
  for (const x of big) {
    assert(x > 0 && x < 1);
    s += x;
  }
  // Mean of n uniforms has sd sqrt(1/12/n) = 6.5e-4; 5 sd = 3.2e-3 (two-sided failure ≈ 6e-7).
  assert(Math.abs(s / n - 0.5) < 3.2e-3, `uniform mean ${s / n}`);
});

Deno.test("normals have mean 0 and variance 1", () => {
  const n = 200_000;
  const z = normals(7, 1, 2, 0, new Float64Array(n));
  let s = 0, s2 = 0;
  for (const x of z) (s += x, s2 += x * x);
  const m = s / n;
  const v = s2 / n - m * m;
  // sd(mean) = 1/sqrt(n) = 2.24e-3 → 5 sd = 0.0112; sd(var) ≈ sqrt(2/n) = 3.16e-3 → 5 sd =
  // 0.0158. Each two-sided failure probability ≈ 6e-7 (and the seed is fixed).
  assert(Math.abs(m) < 0.0112, `normal mean ${m}`);
  assert(Math.abs(v - 1) < 0.0158, `normal variance ${v}`);
});

Deno.test("KeyedStream hands out the same numbers as uniforms/normals and re-keys", () => {
  const s = new KeyedStream(99, 4, 5, 1);
  const u = uniforms(99, 4, 5, 1, new Float64Array(7));
  for (let i = 0; i < 7; i++) assert.deepEqual(s.uniform(), u[i]);
  s.reset(99, 4, 5, 1);
  assert.deepEqual(s.fillNormals(new Float64Array(5)), normals(99, 4, 5, 1, new Float64Array(5)));
  // Chain, iteration, stream and seed each change the numbers.
  const base = uniforms(1, 0, 0, 0, new Float64Array(4));
  assert.notDeepEqual(uniforms(1, 1, 0, 0, new Float64Array(4)), base);
  assert.notDeepEqual(uniforms(1, 0, 1, 0, new Float64Array(4)), base);
  assert.notDeepEqual(uniforms(1, 0, 0, 1, new Float64Array(4)), base);
  assert.notDeepEqual(uniforms(2, 0, 0, 0, new Float64Array(4)), base);
});

Deno.test("fillNormals equals repeated normal() from any stream position", () => {
  const prefixes: ((s: KeyedStream) => void)[] = [
    () => {},
    (s) => s.uniform(), // half a Philox block used
    (s) => s.normal(), // a spare pending
    (s) => (s.normal(), s.normal(), s.uniform()),
  ];
  for (const [p, prefix] of prefixes.entries()) {
    for (const n of [0, 1, 2, 7, 8]) {
      const a = new KeyedStream(5, 2, 9, 3);
      const b = new KeyedStream(5, 2, 9, 3);
      prefix(a);
      prefix(b);
      const filled = a.fillNormals(new Float64Array(n));
      const one = Float64Array.from({ length: n }, () => b.normal());
      assert.deepEqual(filled, one, `prefix ${p}, n ${n}`);
      assert.equal(a.normal(), b.normal(), `prefix ${p}, n ${n}: next normal`);
    }
  }
});
