// AssemblyScript source (not a Deno module) of lib/model/crossed_kernel_wasm.ts, built by
// `deno task build-wasm` (tools/build_wasm.ts). It is the Cholesky factor and the triangular
// inverse of lib/model/crossed_precision.ts (the collapsed precision of crossed terms, its leading
// m × m part block diagonal with K0 × K0 blocks) with f64x2 SIMD inner products. The JavaScript
// methods there stay the reference and the fallback: tests compare the two.
//
// Memory layout, at byte offsets the caller chooses past heapStart():
//   a  N × N f64 row-major: A = XᵀX in the factored order (written once)
//   r  N × N f64 row-major: in, P's lower triangle; out, its lower Cholesky factor R
//   x  N × S f64 (S = N rounded up to a multiple of 4), zeroed by the caller: out, R⁻¹ row by row
//      (x[i·S + j] = (R⁻¹)_ij, j ≤ i; 0 above the diagonal)
//   z  bands × S f64: out, bands of P⁻¹, z[d·S + a] = (P⁻¹)_{a, a−d}
//   w  N f64: a vector solved in place
//   rd N f64: out of the factor, 1/R_jj (the solves and the inverse multiply by it)

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

/** R's lower triangle = A's · invVar (then the caller adds the prior blocks and factors). */
export function assemble(a: usize, r: usize, N: i32, invVar: f64): void {
  const scale = f64x2.splat(invVar);
  const rowBytes = <usize> N << 3;
  for (let i = 0; i < N; i++) {
    const ai = a + <usize> i * rowBytes;
    const ri = r + <usize> i * rowBytes;
    let k = 0;
    for (; k + 1 <= i; k += 2) {
      const o = <usize> k << 3;
      v128.store(ri + o, f64x2.mul(v128.load(ai + o), scale));
    }
    if (k <= i) store<f64>(ri + (<usize> k << 3), load<f64>(ai + (<usize> k << 3)) * invVar);
  }
}

/**
 * xᵀAx for x at w (factored order) from A's lower triangle, skipping the leading part's zeros:
 * Σ_i x_i (A_ii x_i + 2 Σ_{k0 ≤ k < i} A_ik x_k).
 */
export function dataQuadraticForm(a: usize, w: usize, N: i32, m: i32, K0: i32): f64 {
  const rowBytes = <usize> N << 3;
  let quad = 0.0;
  for (let i = 0; i < N; i++) {
    const ai = a + <usize> i * rowBytes;
    const iBytes = <usize> i << 3;
    const k0 = i < m ? i - (i % K0) : 0;
    const k0Bytes = <usize> k0 << 3;
    const xi = load<f64>(w + iBytes);
    quad += xi * (load<f64>(ai + iBytes) * xi + 2 * dot(ai + k0Bytes, w + k0Bytes, i - k0));
  }
  return quad;
}

/**
 * In-place lower Cholesky of the N × N matrix at r (lower triangle read and written); returns
 * log |P| = Σ log R_jj², or NaN when P is not positive definite.
 */
export function cholesky(r: usize, rd: usize, N: i32, m: i32, K0: i32): f64 {
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
    // One division per column: the rows below multiply by its reciprocal.
    const inverse = 1 / ljj;
    store<f64>(rd + (<usize> j << 3), inverse);
    const headEnd = j < m ? k0 + K0 : -1;
    for (let i = j + 1 === headEnd ? m : j + 1; i < N; i = i + 1 === headEnd ? m : i + 1) {
      const ri = r + <usize> i * rowBytes;
      const at = ri + (<usize> j << 3);
      store<f64>(at, (load<f64>(at) - dot(ri + k0Bytes, rj + k0Bytes, j - k0)) * inverse);
    }
  }
  return logDet + Math.log(product);
}

/**
 * R⁻¹ (R at r, from {@link cholesky}) into x row by row with row stride S (a multiple of 4 ≥ N):
 * x[i·S + j] = (R⁻¹)_ij for j ≤ i, 0 above the diagonal and at the leading part's structural
 * zeros (the caller zeroes x once; only those entries are ever written). From R X = I, row i of
 * X is −(1/R_ii) Σ_{k < i} R_ik X_k·: for each run of 4 columns, two f64x2 accumulators in
 * registers summed over the rows k that can be non-zero there (no chain of dependent
 * divisions, no reduction per entry). In the leading part (i < m) row i is non-zero only in its
 * level block.
 */
export function invert(r: usize, rd: usize, x: usize, N: i32, S: i32, m: i32, K0: i32): void {
  const rowBytes = <usize> N << 3;
  const xRowBytes = <usize> S << 3;
  for (let i = 0; i < N; i++) {
    const ri = r + <usize> i * rowBytes;
    const xi = x + <usize> i * xRowBytes;
    const d = load<f64>(rd + (<usize> i << 3));
    if (i < m) {
      // Row i within its level block: X_ij = −d Σ_{j ≤ k < i} R_ik X_kj.
      for (let j = i - (i % K0); j < i; j++) {
        let s = 0.0;
        for (let k = j; k < i; k++) {
          s += load<f64>(ri + (<usize> k << 3)) *
            load<f64>(x + <usize> k * xRowBytes + (<usize> j << 3));
        }
        store<f64>(xi + (<usize> j << 3), -d * s);
      }
      store<f64>(xi + (<usize> i << 3), d);
      continue;
    }
    const minus = f64x2.splat(-d);
    for (let j0 = 0; j0 < i; j0 += 4) {
      let acc0 = f64x2.splat(0);
      let acc1 = f64x2.splat(0);
      const jBytes = <usize> j0 << 3;
      // Leading rows k ≥ j0 whose level block reaches into columns j0..j0+3, then rows m..i−1.
      let leadEnd = 0;
      if (j0 < m) {
        const last = j0 + 3 < m ? j0 + 3 : m - 1;
        leadEnd = last - (last % K0) + K0;
      }
      for (let k = j0; k < leadEnd; k++) {
        const rik = f64x2.splat(load<f64>(ri + (<usize> k << 3)));
        const xk = x + <usize> k * xRowBytes + jBytes;
        acc0 = f64x2.add(acc0, f64x2.mul(rik, v128.load(xk)));
        acc1 = f64x2.add(acc1, f64x2.mul(rik, v128.load(xk + 16)));
      }
      for (let k = j0 > m ? j0 : m; k < i; k++) {
        const rik = f64x2.splat(load<f64>(ri + (<usize> k << 3)));
        const xk = x + <usize> k * xRowBytes + jBytes;
        acc0 = f64x2.add(acc0, f64x2.mul(rik, v128.load(xk)));
        acc1 = f64x2.add(acc1, f64x2.mul(rik, v128.load(xk + 16)));
      }
      // Columns j ≥ i of the run sum only zeros (X_kj = 0 for k < i ≤ j): 0 is stored there.
      v128.store(xi + jBytes, f64x2.mul(acc0, minus));
      v128.store(xi + jBytes + 16, f64x2.mul(acc1, minus));
    }
    store<f64>(xi + (<usize> i << 3), d);
  }
}

/**
 * The bands of P⁻¹ = R⁻ᵀR⁻¹ into z (X = R⁻¹ row by row at x with row stride S, after
 * {@link invert}): z[d·S + a] = (P⁻¹)_{a, a−d} = Σ_{r ≥ a} X_ra X_r,a−d for d < bands, a ≥ d,
 * for each run of 4 entries two f64x2 accumulators summed over the rows r that can be non-zero
 * there. With bands = the largest K these hold every level block's entries (entries across
 * blocks and those with a < d are unused).
 */
export function blocks(x: usize, z: usize, N: i32, S: i32, m: i32, K0: i32, bands: i32): void {
  const xRowBytes = <usize> S << 3;
  for (let d = 0; d < bands; d++) {
    const dBytes = <usize> d << 3;
    const zd = z + <usize> d * xRowBytes;
    for (let a0 = 0; a0 < N; a0 += 4) {
      let acc0 = f64x2.splat(0);
      let acc1 = f64x2.splat(0);
      const aBytes = <usize> a0 << 3;
      let leadEnd = 0;
      if (a0 < m) {
        const last = a0 + 3 < m ? a0 + 3 : m - 1;
        leadEnd = last - (last % K0) + K0;
      }
      for (let row = a0; row < leadEnd; row++) {
        const xr = x + <usize> row * xRowBytes + aBytes;
        acc0 = f64x2.add(acc0, f64x2.mul(v128.load(xr), v128.load(xr - dBytes)));
        acc1 = f64x2.add(acc1, f64x2.mul(v128.load(xr + 16), v128.load(xr + 16 - dBytes)));
      }
      for (let row = a0 > m ? a0 : m; row < N; row++) {
        const xr = x + <usize> row * xRowBytes + aBytes;
        acc0 = f64x2.add(acc0, f64x2.mul(v128.load(xr), v128.load(xr - dBytes)));
        acc1 = f64x2.add(acc1, f64x2.mul(v128.load(xr + 16), v128.load(xr + 16 - dBytes)));
      }
      v128.store(zd + aBytes, acc0);
      v128.store(zd + aBytes + 16, acc1);
    }
  }
}

/**
 * Solves P w = c in place (c at w on entry): R u = c forward, then Rᵀ w = u; returns |u|² = cᵀP⁻¹c.
 * The leading part's rows hold only their level block; its columns only the block and rows ≥ m.
 */
export function solve(r: usize, rd: usize, w: usize, N: i32, m: i32, K0: i32): f64 {
  const rowBytes = <usize> N << 3;
  let quad = 0.0;
  for (let i = 0; i < N; i++) {
    const ri = r + <usize> i * rowBytes;
    const iBytes = <usize> i << 3;
    const k0 = i < m ? i - (i % K0) : 0;
    const k0Bytes = <usize> k0 << 3;
    const u = (load<f64>(w + iBytes) - dot(ri + k0Bytes, w + k0Bytes, i - k0)) *
      load<f64>(rd + iBytes);
    store<f64>(w + iBytes, u);
    quad += u * u;
  }
  // Rᵀ w = u from the last row up: w_i = (u_i − Σ_{k > i} R_ki w_k) / R_ii, R's column i read
  // down its non-zero rows.
  for (let i = N - 1; i >= 0; i--) {
    const iBytes = <usize> i << 3;
    const blockEnd = i < m ? i - (i % K0) + K0 : N;
    let s = load<f64>(w + iBytes);
    for (let k = i + 1; k < blockEnd; k++) {
      s -= load<f64>(r + <usize> k * rowBytes + iBytes) * load<f64>(w + (<usize> k << 3));
    }
    if (blockEnd < N) {
      for (let k = m; k < N; k++) {
        s -= load<f64>(r + <usize> k * rowBytes + iBytes) * load<f64>(w + (<usize> k << 3));
      }
    }
    store<f64>(w + iBytes, s * load<f64>(rd + iBytes));
  }
  return quad;
}
