// AssemblyScript source (not a Deno module) of lib/model/crossed_kernel_wasm.ts, built by
// `deno task build-wasm` (tools/build_wasm.ts). It is the Cholesky factor, the solves and the
// level blocks of the inverse of lib/model/crossed_precision.ts (the collapsed precision P of
// crossed terms, its leading m × m part block diagonal with K0 × K0 blocks) with f64x2 SIMD. The
// JavaScript methods there stay the reference and the fallback: tests compare the two.
//
// Every matrix is row-major with the row stride S = N rounded up to a multiple of 4, plus 4, so
// that a run of 4 entries starting at any column < N stays within its row (the padding holds 0).
// Memory layout, at byte offsets the caller chooses past heapStart():
//   a  N × S f64: A = XᵀX in the factored order (written once)
//   r  N × S f64: in, P's upper triangle; out, U = Rᵀ, R the lower Cholesky factor (P = R Rᵀ):
//      r[j·S + i] = R_ij for i ≥ j, so that column j of R is contiguous
//   x  N × S f64, zeroed by the caller: out, R⁻¹ row by row (x[i·S + j] = (R⁻¹)_ij, j ≤ i)
//   z  bands × S f64: out, the diagonals of P⁻¹, z[d·S + a] = (P⁻¹)_{a, a−d}
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

/** P's upper triangle at r = A's · invVar (then the caller adds the prior blocks and factors). */
export function assemble(a: usize, r: usize, N: i32, S: i32, invVar: f64): void {
  const scale = f64x2.splat(invVar);
  const rowBytes = <usize> S << 3;
  for (let i = 0; i < N; i++) {
    const ai = a + <usize> i * rowBytes;
    const ri = r + <usize> i * rowBytes;
    for (let k = i; k < N; k += 2) {
      const o = <usize> k << 3;
      v128.store(ri + o, f64x2.mul(v128.load(ai + o), scale));
    }
  }
}

/**
 * xᵀAx for x at w (factored order) from A's upper triangle, skipping the leading part's zeros:
 * Σ_i x_i (A_ii x_i + 2 Σ_{k > i} A_ik x_k), k within i's level block or from m on.
 */
export function dataQuadraticForm(a: usize, w: usize, N: i32, S: i32, m: i32, K0: i32): f64 {
  const rowBytes = <usize> S << 3;
  const mBytes = <usize> m << 3;
  let quad = 0.0;
  for (let i = 0; i < N; i++) {
    const ai = a + <usize> i * rowBytes;
    const iBytes = <usize> i << 3;
    const xi = load<f64>(w + iBytes);
    let s: f64;
    if (i < m) {
      const end = i - (i % K0) + K0;
      s = dot(ai + iBytes + 8, w + iBytes + 8, end - i - 1) + dot(ai + mBytes, w + mBytes, N - m);
    } else {
      s = dot(ai + iBytes + 8, w + iBytes + 8, N - i - 1);
    }
    quad += xi * (load<f64>(ai + iBytes) * xi + 2 * s);
  }
  return quad;
}

/**
 * Column j of R from row m on (i0 = m, or j itself in the trailing part), before scaling:
 * r[j·S + i] −= Σ_{k ∈ [k0, k1)} R_jk R_ik for i from i0 to N − 1, runs of 4 entries in registers
 * (two f64x2 accumulators per parity of k, so that the sums are two independent chains).
 */
function updateColumn(r: usize, S: i32, N: i32, j: i32, i0: i32, k0: i32, k1: i32): void {
  const rowBytes = <usize> S << 3;
  const rj = r + <usize> j * rowBytes;
  const jBytes = <usize> j << 3;
  for (let i = i0; i < N; i += 4) {
    const iBytes = <usize> i << 3;
    let a0 = v128.load(rj + iBytes);
    let a1 = v128.load(rj + iBytes + 16);
    let b0 = f64x2.splat(0);
    let b1 = f64x2.splat(0);
    let k = k0;
    for (; k + 1 < k1; k += 2) {
      const rk = r + <usize> k * rowBytes;
      const c = f64x2.splat(load<f64>(rk + jBytes));
      a0 = f64x2.sub(a0, f64x2.mul(c, v128.load(rk + iBytes)));
      a1 = f64x2.sub(a1, f64x2.mul(c, v128.load(rk + iBytes + 16)));
      const rn = rk + rowBytes;
      const e = f64x2.splat(load<f64>(rn + jBytes));
      b0 = f64x2.add(b0, f64x2.mul(e, v128.load(rn + iBytes)));
      b1 = f64x2.add(b1, f64x2.mul(e, v128.load(rn + iBytes + 16)));
    }
    if (k < k1) {
      const rk = r + <usize> k * rowBytes;
      const c = f64x2.splat(load<f64>(rk + jBytes));
      a0 = f64x2.sub(a0, f64x2.mul(c, v128.load(rk + iBytes)));
      a1 = f64x2.sub(a1, f64x2.mul(c, v128.load(rk + iBytes + 16)));
    }
    v128.store(rj + iBytes, f64x2.sub(a0, b0));
    v128.store(rj + iBytes + 16, f64x2.sub(a1, b1));
  }
}

/**
 * In-place Cholesky P = R Rᵀ of the matrix at r (P's upper triangle in, U = Rᵀ out), column by
 * column (left-looking): column j of R is P's column j less Σ_{k < j} R_jk R_k (as rows of U,
 * contiguous), over the k where R_jk can be non-zero: j's level block in the leading part (its
 * column has no other entries there), every earlier column in the trailing part. Then it is
 * scaled by 1/R_jj, which rd keeps. Returns log |P| = Σ log R_jj², or NaN when P is not positive
 * definite.
 */
export function cholesky(r: usize, rd: usize, N: i32, S: i32, m: i32, K0: i32): f64 {
  const rowBytes = <usize> S << 3;
  let logDet = 0.0;
  let product = 1.0;
  for (let j = 0; j < N; j++) {
    const rj = r + <usize> j * rowBytes;
    const jBytes = <usize> j << 3;
    let end = N; // entries j..end−1 of the column are scaled below
    if (j < m) {
      // Rows within j's level block (scalar: at most K0 − 1 terms), then from m on.
      const k0 = j - (j % K0);
      end = k0 + K0;
      for (let i = j; i < end; i++) {
        let s = load<f64>(rj + (<usize> i << 3));
        for (let k = k0; k < j; k++) {
          const rk = r + <usize> k * rowBytes;
          s -= load<f64>(rk + jBytes) * load<f64>(rk + (<usize> i << 3));
        }
        store<f64>(rj + (<usize> i << 3), s);
      }
      updateColumn(r, S, N, j, m, k0, j);
    } else {
      updateColumn(r, S, N, j, j, 0, j);
    }
    const d = load<f64>(rj + jBytes);
    if (!(d > 0) || !isFinite(d)) return NaN;
    product *= d;
    if (product > 1e100 || product < 1e-100) {
      logDet += Math.log(product);
      product = 1;
    }
    const ljj = Math.sqrt(d);
    const inverse = 1 / ljj;
    store<f64>(rd + jBytes, inverse);
    store<f64>(rj + jBytes, ljj);
    for (let i = j + 1; i < end; i++) {
      store<f64>(rj + (<usize> i << 3), load<f64>(rj + (<usize> i << 3)) * inverse);
    }
    if (j < m) {
      const scale = f64x2.splat(inverse);
      for (let i = m; i < N; i += 2) {
        const at = rj + (<usize> i << 3);
        v128.store(at, f64x2.mul(v128.load(at), scale));
      }
    }
  }
  return logDet + Math.log(product);
}

/**
 * The end of the leading rows that can be non-zero in columns j0..j0+3 of R⁻¹: those of the level
 * blocks those columns fall in (0 when j0 ≥ m: no leading row reaches there).
 */
function leadingEnd(j0: i32, m: i32, K0: i32): i32 {
  if (j0 >= m) return 0;
  const last = j0 + 3 < m ? j0 + 3 : m - 1;
  return last - (last % K0) + K0;
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
  const xRowBytes = <usize> S << 3;
  for (let i = 0; i < N; i++) {
    // R_ik = U_ki = r[k·S + i]: column i of U, read with stride S.
    const ri = r + (<usize> i << 3);
    const xi = x + <usize> i * xRowBytes;
    const d = load<f64>(rd + (<usize> i << 3));
    if (i < m) {
      // Row i within its level block: X_ij = −d Σ_{j ≤ k < i} R_ik X_kj.
      for (let j = i - (i % K0); j < i; j++) {
        let s = 0.0;
        for (let k = j; k < i; k++) {
          s += load<f64>(ri + <usize> k * xRowBytes) *
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
      const leadEnd = leadingEnd(j0, m, K0);
      for (let k = j0; k < leadEnd; k++) {
        const rik = f64x2.splat(load<f64>(ri + <usize> k * xRowBytes));
        const xk = x + <usize> k * xRowBytes + jBytes;
        acc0 = f64x2.add(acc0, f64x2.mul(rik, v128.load(xk)));
        acc1 = f64x2.add(acc1, f64x2.mul(rik, v128.load(xk + 16)));
      }
      for (let k = j0 > m ? j0 : m; k < i; k++) {
        const rik = f64x2.splat(load<f64>(ri + <usize> k * xRowBytes));
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
      const leadEnd = leadingEnd(a0, m, K0);
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
 * Solves Rᵀ w = u in place (u at w on entry), from the last entry up: w_i = (u_i − Σ_{k > i} R_ki
 * w_k) / R_ii, row i of U over its non-zero entries (i's level block, then from m on).
 */
export function solveTransposed(
  r: usize,
  rd: usize,
  w: usize,
  N: i32,
  S: i32,
  m: i32,
  K0: i32,
): void {
  const rowBytes = <usize> S << 3;
  const mBytes = <usize> m << 3;
  for (let i = N - 1; i >= 0; i--) {
    const ri = r + <usize> i * rowBytes;
    const iBytes = <usize> i << 3;
    let s: f64;
    if (i < m) {
      const end = i - (i % K0) + K0;
      s = dot(ri + iBytes + 8, w + iBytes + 8, end - i - 1) + dot(ri + mBytes, w + mBytes, N - m);
    } else {
      s = dot(ri + iBytes + 8, w + iBytes + 8, N - i - 1);
    }
    store<f64>(w + iBytes, (load<f64>(w + iBytes) - s) * load<f64>(rd + iBytes));
  }
}

/**
 * Solves P w = c in place (c at w on entry): R u = c forward, then Rᵀ w = u; returns |u|² = cᵀP⁻¹c.
 * Forward, each u_k is subtracted from the later entries along row k of U (its non-zero entries).
 */
export function solve(r: usize, rd: usize, w: usize, N: i32, S: i32, m: i32, K0: i32): f64 {
  const rowBytes = <usize> S << 3;
  let quad = 0.0;
  for (let k = 0; k < N; k++) {
    const rk = r + <usize> k * rowBytes;
    const kBytes = <usize> k << 3;
    const u = load<f64>(w + kBytes) * load<f64>(rd + kBytes);
    store<f64>(w + kBytes, u);
    quad += u * u;
    let i = k + 1;
    if (k < m) {
      const end = k - (k % K0) + K0;
      for (; i < end; i++) {
        const at = w + (<usize> i << 3);
        store<f64>(at, load<f64>(at) - load<f64>(rk + (<usize> i << 3)) * u);
      }
      i = m;
    }
    for (; i < N; i++) {
      const at = w + (<usize> i << 3);
      store<f64>(at, load<f64>(at) - load<f64>(rk + (<usize> i << 3)) * u);
    }
  }
  solveTransposed(r, rd, w, N, S, m, K0);
  return quad;
}
