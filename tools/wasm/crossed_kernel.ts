// AssemblyScript source (not a Deno module) of lib/model/crossed_kernel_wasm.ts, built by
// `deno task build-wasm` (tools/build_wasm.ts). It is the Cholesky factor and the triangular
// inverse of lib/model/crossed_precision.ts (the collapsed precision of crossed terms, its leading
// m × m part block diagonal with K0 × K0 blocks) with f64x2 SIMD inner products. The JavaScript
// methods there stay the reference and the fallback: tests compare the two.
//
// Memory layout, f64 at byte offsets the caller chooses past heapStart():
//   r  N × N row-major: in, P's lower triangle; out, its lower Cholesky factor R
//   x  N × N: out, R⁻¹ column by column (x[j·N + i] = (R⁻¹)_ij, i ≥ j)

/** First free byte after the module's static data (16-aligned): where the caller's arrays go. */
export function heapStart(): usize {
  return (__heap_base + 15) & ~15;
}

/** Σ_{k < n} a[k]·b[k] for f64 arrays at byte addresses a and b, two lanes at a time. */
// @ts-ignore: decorator

function dot(a: usize, b: usize, n: i32): f64 {
  let acc = f64x2.splat(0);
  let k = 0;
  for (; k + 1 < n; k += 2) {
    const o = <usize> k << 3;
    acc = f64x2.add(acc, f64x2.mul(v128.load(a + o), v128.load(b + o)));
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  if (k < n) s += load<f64>(a + (<usize> k << 3)) * load<f64>(b + (<usize> k << 3));
  return s;
}

/**
 * In-place lower Cholesky of the N × N matrix at r (lower triangle read and written); returns
 * log |P| = Σ log R_jj², or NaN when P is not positive definite.
 */
export function cholesky(r: usize, N: i32, m: i32, K0: i32): f64 {
  const rowBytes = <usize> N << 3;
  let logDet = 0.0;
  let product = 1.0;
  for (let j = 0; j < N; j++) {
    const rj = r + <usize> j * rowBytes;
    const k0 = j < m ? j - (j % K0) : 0;
    const k0Bytes = <usize> k0 << 3;
    const d = load<f64>(rj + (<usize> j << 3)) - dot(rj + k0Bytes, rj + k0Bytes, j - k0);
    if (!(d > 0) || !isFinite(d)) return NaN;
    product *= d;
    if (product > 1e100 || product < 1e-100) {
      logDet += Math.log(product);
      product = 1;
    }
    const ljj = Math.sqrt(d);
    store<f64>(rj + (<usize> j << 3), ljj);
    const headEnd = j < m ? k0 + K0 : -1;
    for (let i = j + 1 === headEnd ? m : j + 1; i < N; i = i + 1 === headEnd ? m : i + 1) {
      const ri = r + <usize> i * rowBytes;
      const at = ri + (<usize> j << 3);
      store<f64>(at, (load<f64>(at) - dot(ri + k0Bytes, rj + k0Bytes, j - k0)) / ljj);
    }
  }
  return logDet + Math.log(product);
}

/** R⁻¹ (R at r, from {@link cholesky}) into x column by column. */
export function invert(r: usize, x: usize, N: i32, m: i32, K0: i32): void {
  const rowBytes = <usize> N << 3;
  for (let j = 0; j < N; j++) {
    const xj = x + <usize> j * rowBytes;
    const jBytes = <usize> j << 3;
    store<f64>(xj + jBytes, 1 / load<f64>(r + <usize> j * rowBytes + jBytes));
    const blockEnd = j < m ? j - (j % K0) + K0 : N;
    for (let i = j + 1; i < blockEnd; i++) {
      const ri = r + <usize> i * rowBytes;
      const s = dot(ri + jBytes, xj + jBytes, i - j);
      store<f64>(xj + (<usize> i << 3), -s / load<f64>(ri + (<usize> i << 3)));
    }
    if (blockEnd === N) continue;
    const mBytes = <usize> m << 3;
    for (let i = m; i < N; i++) {
      const ri = r + <usize> i * rowBytes;
      const s = dot(ri + jBytes, xj + jBytes, blockEnd - j) + dot(ri + mBytes, xj + mBytes, i - m);
      store<f64>(xj + (<usize> i << 3), -s / load<f64>(ri + (<usize> i << 3)));
    }
  }
}
