/**
 * Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011, "Parallel random
 * numbers: as easy as 1, 2, 3"), written with 32-bit integer operations only so that a WGSL kernel
 * can reproduce it bit for bit.
 *
 * Layout used by every hetfx sampler (CPU and GPU must agree):
 *
 * - key     = (k0, k1) = (seed mod 2^32, floor(seed / 2^32) mod 2^32), i.e. the low and high words
 *             of the seed as a 64-bit two's-complement integer.
 * - counter = (c0, c1, c2, c3) = (chain, iteration, stream, block).
 *   `stream` separates independent uses within one iteration (see {@link Streams}); `block` counts
 *   Philox calls within that (seed, chain, iteration, stream).
 * - uniform j of a (seed, chain, iteration, stream) comes from block floor(j / 2), words
 *   w[2(j mod 2)] (high bits) and w[2(j mod 2) + 1] (low bits):
 *   u = ((w_a >>> 6) * 2^26 + (w_b >>> 6) + 0.5) / 2^52, which lies strictly inside (0, 1)
 *   (52 random bits; smallest value 2^-53, largest 1 - 2^-53, all exactly representable).
 * - normals come in Box–Muller pairs from consecutive uniforms (u1, u2):
 *   z0 = sqrt(-2 ln u1) cos(2π u2), z1 = sqrt(-2 ln u1) sin(2π u2); so normal j uses block floor(j/2).
 *
 * @module
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const TWO32 = 4294967296;
const TWO26 = 67108864;
const INV_TWO52 = 1 / 4503599627370496;
const TWO_PI = 2 * Math.PI;

/** Stream ids (counter word c2) used by the samplers. */
export const Streams = {
  /** NUTS transition: momentum, direction and multinomial choices. */
  nuts: 0,
  /** Initial point; `iteration` is the try number (0–99). */
  init: 1,
  /** Step-size search (Stan's init_stepsize); `iteration` is the warmup iteration it ran after. */
  stepSize: 2,
  /**
   * Collapsed Gaussian fits: the draw of the marginalised coefficients given the hyperparameters
   * (lib/model/collapsed_draws.ts); `iteration` is the kept draw's index.
   */
  collapsed: 3,
} as const;

/** High 32 bits of the 64-bit product of two uint32 values, from 16-bit halves. */
function mulhi32(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const lh = aLo * bHi;
  const hl = aHi * bLo;
  const mid = ((aLo * bLo) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (aHi * bHi + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}

/**
 * One Philox4x32-10 block: writes the 4 output words for counter (c0..c3) and key (k0, k1) into
 * `out` and returns it. All arguments are taken modulo 2^32.
 *
 * @example
 * ```ts
 * import { philox4x32 } from "./rng.ts";
 * const w = philox4x32(0, 0, 0, 0, 0, 0, new Uint32Array(4));
 * console.assert(w[0] === 0x6627e8d5);
 * ```
 */
export function philox4x32(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
): Uint32Array {
  let x0 = c0 >>> 0, x1 = c1 >>> 0, x2 = c2 >>> 0, x3 = c3 >>> 0;
  let key0 = k0 >>> 0, key1 = k1 >>> 0;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      key0 = (key0 + W0) >>> 0;
      key1 = (key1 + W1) >>> 0;
    }
    const hi0 = mulhi32(M0, x0);
    const lo0 = Math.imul(M0, x0) >>> 0;
    const hi1 = mulhi32(M1, x2);
    const lo1 = Math.imul(M1, x2) >>> 0;
    x0 = (hi1 ^ x1 ^ key0) >>> 0;
    x1 = lo1;
    x2 = (hi0 ^ x3 ^ key1) >>> 0;
    x3 = lo0;
  }
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
  return out;
}

/**
 * The Philox key words for a seed: [seed mod 2^32, floor(seed / 2^32) mod 2^32].
 *
 * @example
 * ```ts
 * import { seedKey } from "./rng.ts";
 * console.assert(seedKey(2 ** 32 + 5)[1] === 1);
 * ```
 */
export function seedKey(seed: number): [number, number] {
  const lo = ((seed % TWO32) + TWO32) % TWO32;
  const hi = Math.floor(seed / TWO32) >>> 0;
  return [lo >>> 0, hi];
}

function toUniform(a: number, b: number): number {
  return ((a >>> 6) * TWO26 + (b >>> 6) + 0.5) * INV_TWO52;
}

/**
 * Fills `out` with the uniforms on (0, 1) of (seed, chain, iteration, stream): value j uses
 * Philox block floor(j/2), two 32-bit words each (see the module docs for the exact layout).
 *
 * @example
 * ```ts
 * import { uniforms } from "./rng.ts";
 * const u = uniforms(1, 0, 0, 0, new Float64Array(3));
 * console.assert(u.every((x) => x > 0 && x < 1));
 * ```
 */
export function uniforms(
  seed: number,
  chain: number,
  iteration: number,
  stream: number,
  out: Float64Array,
): Float64Array {
  return new KeyedStream(seed, chain, iteration, stream).fillUniforms(out);
}

/**
 * Fills `out` with standard normals of (seed, chain, iteration, stream) by Box–Muller on
 * consecutive uniform pairs (normal j uses uniforms 2⌊j/2⌋ and 2⌊j/2⌋+1).
 *
 * @example
 * ```ts
 * import { normals } from "./rng.ts";
 * const z = normals(1, 0, 0, 0, new Float64Array(4));
 * console.assert(z.every(Number.isFinite));
 * ```
 */
export function normals(
  seed: number,
  chain: number,
  iteration: number,
  stream: number,
  out: Float64Array,
): Float64Array {
  return new KeyedStream(seed, chain, iteration, stream).fillNormals(out);
}

/**
 * Successive uniforms and normals of one (seed, chain, iteration, stream). The uniforms are
 * exactly those {@link uniforms} gives; `normal()` takes two uniforms, returns the cosine half of
 * the Box–Muller pair and keeps the sine half for the next `normal()` call, so from a fresh
 * stream `normal()` repeated gives exactly {@link normals}. `reset` re-keys without allocating.
 *
 * @example
 * ```ts
 * import { KeyedStream } from "./rng.ts";
 * const s = new KeyedStream(42, 0, 7);
 * const u = s.uniform();
 * const z = s.normal();
 * console.assert(u > 0 && u < 1 && Number.isFinite(z));
 * ```
 */
export class KeyedStream {
  private k0 = 0;
  private k1 = 0;
  private c0 = 0;
  private c1 = 0;
  private c2 = 0;
  private block = 0;
  private used = 2;
  private spare = 0;
  private hasSpare = false;
  private readonly words = new Uint32Array(4);

  constructor(seed: number, chain: number, iteration: number, stream: number = 0) {
    this.reset(seed, chain, iteration, stream);
  }

  /** Re-key to the start of another (seed, chain, iteration, stream). */
  reset(seed: number, chain: number, iteration: number, stream: number = 0): this {
    const [k0, k1] = seedKey(seed);
    this.k0 = k0;
    this.k1 = k1;
    this.c0 = chain >>> 0;
    this.c1 = iteration >>> 0;
    this.c2 = stream >>> 0;
    this.block = 0;
    this.used = 2;
    this.hasSpare = false;
    return this;
  }

  /**
   * Writes the stream's whole state into `words` (12: key, counter, block, used, spare flag and
   * the current Philox block) and `spare` (1: the kept normal), for code that continues the
   * stream elsewhere (lib/sampler/nuts_wasm.ts) and hands it back with {@link loadState}.
   *
   * @example
   * ```ts
   * import { KeyedStream } from "./rng.ts";
   * const a = new KeyedStream(3, 1, 2), b = new KeyedStream(0, 0, 0);
   * a.normal();
   * const words = new Uint32Array(12), spare = new Float64Array(1);
   * a.saveState(words, spare);
   * b.loadState(words, spare);
   * console.assert(a.normal() === b.normal() && a.uniform() === b.uniform());
   * ```
   */
  saveState(words: Uint32Array, spare: Float64Array): void {
    words[0] = this.k0;
    words[1] = this.k1;
    words[2] = this.c0;
    words[3] = this.c1;
    words[4] = this.c2;
    words[5] = this.block;
    words[6] = this.used;
    words[7] = this.hasSpare ? 1 : 0;
    words.set(this.words, 8);
    spare[0] = this.spare;
  }

  /** Continues from a state {@link saveState} wrote. */
  loadState(words: Uint32Array, spare: Float64Array): void {
    this.k0 = words[0];
    this.k1 = words[1];
    this.c0 = words[2];
    this.c1 = words[3];
    this.c2 = words[4];
    this.block = words[5];
    this.used = words[6];
    this.hasSpare = words[7] === 1;
    this.words.set(words.subarray(8, 12));
    this.spare = spare[0];
  }

  /** The next uniform on (0, 1). */
  uniform(): number {
    if (this.used === 2) {
      philox4x32(this.c0, this.c1, this.c2, this.block, this.k0, this.k1, this.words);
      this.block = (this.block + 1) >>> 0;
      this.used = 0;
    }
    const i = 2 * this.used++;
    return toUniform(this.words[i], this.words[i + 1]);
  }

  /** The next standard normal (Box–Muller; see the class docs for pairing). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    const u1 = this.uniform();
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    const angle = TWO_PI * u2;
    this.spare = r * Math.sin(angle);
    this.hasSpare = true;
    return r * Math.cos(angle);
  }

  /** Fills `out` with successive uniforms and returns it. */
  fillUniforms(out: Float64Array): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = this.uniform();
    return out;
  }

  /** Fills `out` with successive normals (exactly what repeated `normal()` gives); returns it. */
  fillNormals(out: Float64Array): Float64Array {
    let i = 0;
    if (this.hasSpare && out.length > 0) out[i++] = this.normal();
    // Whole Box–Muller pairs straight from fresh Philox blocks (one block per pair).
    const words = this.words;
    while (i + 1 < out.length && this.used === 2) {
      philox4x32(this.c0, this.c1, this.c2, this.block, this.k0, this.k1, words);
      this.block = (this.block + 1) >>> 0;
      const r = Math.sqrt(-2 * Math.log(toUniform(words[0], words[1])));
      const angle = TWO_PI * toUniform(words[2], words[3]);
      out[i++] = r * Math.cos(angle);
      out[i++] = r * Math.sin(angle);
    }
    for (; i < out.length; i++) out[i] = this.normal();
    return out;
  }
}
