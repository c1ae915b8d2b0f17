/**
 * Autocovariance of one sequence at every lag by FFT, with the "biased" normalisation that
 * Geyer (1992) recommends and posterior's `autocovariance()` uses: lag t is
 * Σᵢ (xᵢ − x̄)(xᵢ₊ₜ − x̄) / n.
 */

/** In-place iterative radix-2 FFT of (re, im); length must be a power of two. */
function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  const sign = inverse ? 1 : -1;
  for (let len = 2; len <= n; len <<= 1) {
    const angle = (sign * 2 * Math.PI) / len;
    const wRe = Math.cos(angle);
    const wIm = Math.sin(angle);
    const halfLen = len >> 1;
    for (let i = 0; i < n; i += len) {
      let curRe = 1;
      let curIm = 0;
      for (let k = 0; k < halfLen; k++) {
        const aRe = re[i + k];
        const aIm = im[i + k];
        const bRe = re[i + k + halfLen] * curRe - im[i + k + halfLen] * curIm;
        const bIm = re[i + k + halfLen] * curIm + im[i + k + halfLen] * curRe;
        re[i + k] = aRe + bRe;
        im[i + k] = aIm + bIm;
        re[i + k + halfLen] = aRe - bRe;
        im[i + k + halfLen] = aIm - bIm;
        const nextRe = curRe * wRe - curIm * wIm;
        curIm = curRe * wIm + curIm * wRe;
        curRe = nextRe;
      }
    }
  }
}

/**
 * Autocovariances at lags 0..n−1, each divided by n (not n − t). A constant sequence gives
 * all zeros.
 *
 * @example
 * ```ts
 * import { autocovariance } from "./autocovariance.ts";
 * const ac = autocovariance(new Float64Array([1, 2, 3, 4]));
 * // lag 0: mean square deviation 1.25; lag 1: (−1.5·−0.5 + −0.5·0.5 + 0.5·1.5)/4 = 0.3125
 * console.assert(Math.abs(ac[0] - 1.25) < 1e-12 && Math.abs(ac[1] - 0.3125) < 1e-12);
 * ```
 */
export function autocovariance(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i];
  m /= n;
  let size = 1;
  while (size < 2 * n) size <<= 1;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    re[i] = x[i] - m;
    ss += re[i] * re[i];
  }
  if (ss === 0) return out;
  fft(re, im, false);
  for (let i = 0; i < size; i++) {
    re[i] = re[i] * re[i] + im[i] * im[i];
    im[i] = 0;
  }
  fft(re, im, true);
  // Scale so that lag 0 is exactly the direct sum of squares / n (as posterior rescales by var).
  const scale = ss / n / re[0];
  for (let t = 0; t < n; t++) out[t] = re[t] * scale;
  return out;
}
