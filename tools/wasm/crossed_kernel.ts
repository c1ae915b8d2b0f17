// AssemblyScript source (not a Deno module) of lib/model/crossed_kernel_wasm.ts, built by
// `deno task build-wasm` (tools/build_wasm.ts). It is the Cholesky factor and the triangular
// inverse of lib/model/crossed_precision.ts (the collapsed precision of crossed terms, its leading
// m × m part block diagonal with K0 × K0 blocks) with f64x2 SIMD inner products. The JavaScript
// methods there stay the reference and the fallback: tests compare the two.
//
// Memory layout, at byte offsets the caller chooses past heapStart():
//   a  N × N f64 row-major: A = XᵀX in the factored order (written once)
//   r  N × N f64 row-major: in, P's lower triangle; out, its lower Cholesky factor R
//   x  N × N f64: out, R⁻¹ column by column (x[j·N + i] = (R⁻¹)_ij, i ≥ j)
//   z  N × N f64: out, the entries of P⁻¹ within each block, z[i·N + b] for start[i] ≤ b ≤ i
//   w  N f64: a vector solved in place
//   rd N f64: out of the factor, 1/R_jj (the solves and the inverse multiply by it)
//   start  N i32: the first position of position i's block (a level's K effects; i for a β)

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
 * R⁻¹ (R at r, from {@link cholesky}) into x column by column, computed row by row: entry (i, j)
 * is −(Σ_{j ≤ k < i} R_ik X_kj) / R_ii, which needs only rows above i, so the entries of one row
 * are independent and overlap (column by column, each entry waited on the one above it: a chain
 * of dependent divisions), and each row multiplies by one reciprocal 1/R_ii (its diagonal entry).
 */
export function invert(r: usize, rd: usize, x: usize, N: i32, m: i32, K0: i32): void {
  const rowBytes = <usize> N << 3;
  const mBytes = <usize> m << 3;
  // The leading part's level blocks: rows within column j's block.
  for (let j = 0; j < m; j++) {
    const xj = x + <usize> j * rowBytes;
    const jBytes = <usize> j << 3;
    store<f64>(xj + jBytes, load<f64>(rd + jBytes));
    const blockEnd = j - (j % K0) + K0;
    for (let i = j + 1; i < blockEnd; i++) {
      const ri = r + <usize> i * rowBytes;
      const s = dot(ri + jBytes, xj + jBytes, i - j);
      store<f64>(xj + (<usize> i << 3), -s * load<f64>(rd + (<usize> i << 3)));
    }
  }
  // Rows from m on: every column j ≤ i (a leading column's non-zeros are its block and rows ≥ m).
  for (let i = m; i < N; i++) {
    const ri = r + <usize> i * rowBytes;
    const iBytes = <usize> i << 3;
    const rii = -load<f64>(rd + iBytes);
    for (let j = 0; j < m; j++) {
      const xj = x + <usize> j * rowBytes;
      const jBytes = <usize> j << 3;
      const blockEnd = j - (j % K0) + K0;
      const s = dot(ri + jBytes, xj + jBytes, blockEnd - j) + dot(ri + mBytes, xj + mBytes, i - m);
      store<f64>(xj + iBytes, s * rii);
    }
    for (let j = m; j < i; j++) {
      const xj = x + <usize> j * rowBytes;
      const jBytes = <usize> j << 3;
      store<f64>(xj + iBytes, dot(ri + jBytes, xj + jBytes, i - j) * rii);
    }
    store<f64>(x + <usize> i * rowBytes + iBytes, -rii);
  }
}

/**
 * The entries of P⁻¹ = R⁻ᵀR⁻¹ within each block into z (after {@link invert}):
 * (P⁻¹)_ib = Σ_{r ≥ i} X_ri X_rb for start[i] ≤ b ≤ i, over the rows where column i of R⁻¹ is
 * non-zero (i's level block, then from m on).
 */
export function blocks(x: usize, z: usize, start: usize, N: i32, m: i32, K0: i32): void {
  const rowBytes = <usize> N << 3;
  const mBytes = <usize> m << 3;
  for (let i = 0; i < N; i++) {
    const xi = x + <usize> i * rowBytes;
    const iBytes = <usize> i << 3;
    const blockEnd = i < m ? i - (i % K0) + K0 : N;
    for (let b = load<i32>(start + (<usize> i << 2)); b <= i; b++) {
      const xb = x + <usize> b * rowBytes;
      let s = dot(xi + iBytes, xb + iBytes, blockEnd - i);
      if (blockEnd < N) s += dot(xi + mBytes, xb + mBytes, N - m);
      store<f64>(z + <usize> i * rowBytes + (<usize> b << 3), s);
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
