// AssemblyScript source (not a Deno module) of lib/model/level_kernel_wasm.ts, built by
// `deno task build-wasm` (tools/build_wasm.ts). It is the K = 2 level loop of the level-collapsed
// Gaussian target (lib/model/level_collapsed_gaussian.ts: levelScores, levelsOfTwo and the β
// gradient of the level terms) fused into one pass over the levels, with f64x2 SIMD for the
// products with Z_jᵀX_j. The JavaScript loop stays the reference: tests compare the two.
//
// Memory layout, all f64 at byte offsets the caller chooses past heapStart():
//   arb  R × nbPad, row-major (R = 2J rows Z_jᵀX_j, columns padded with 0 to an even nbPad)
//   e    R                         Z_jᵀy
//   arr  J × 4                     Z_jᵀZ_j (row-major 2 × 2)
//   beta nbPad                     β (padding 0)
//   mu   R       (out)             μ_j = D_j⁻¹ c_j
//   grad nbPad   (out, overwritten) −Σ_j X_jᵀZ_j μ_j / σ²
//   out  6       (out)             Σ_j ½ c_jᵀμ_j − ½ log|D_j|, Σ_j tr(Z_jᵀZ_j E[r_j r_jᵀ]) − 2 μ_jᵀc_j σ²,
//                                  M = Σ_j E[r_j r_jᵀ] as m00, m01, m11, and Σ_j c_jᵀμ_j

/** First free byte after the module's static data (16-aligned): where the caller's arrays go. */
export function heapStart(): usize {
  return (__heap_base + 15) & ~15;
}

/**
 * The level loop at β (in `beta`) for D_j = Z_jᵀZ_j / σ² + Q, Q = [[q00, q01], [q01, q11]]
 * (Σ⁻¹). Returns 1, or 0 when a D_j is not positive definite (outputs then partial).
 */
export function levels(
  J: i32,
  nbPad: i32,
  arb: usize,
  e: usize,
  arr: usize,
  beta: usize,
  mu: usize,
  grad: usize,
  out: usize,
  q00: f64,
  q01: f64,
  q11: f64,
  invVar: f64,
): i32 {
  const rowBytes = <usize> nbPad << 3;
  for (let p = 0; p < nbPad; p += 2) v128.store(grad + (<usize> p << 3), f64x2.splat(0));
  let quadSum = 0.0;
  let logDet = 0.0;
  let detProduct = 1.0;
  let trace = 0.0;
  let m00 = 0.0;
  let m01 = 0.0;
  let m11 = 0.0;
  for (let j = 0; j < J; j++) {
    const row0 = arb + <usize> (2 * j) * rowBytes;
    const row1 = row0 + rowBytes;
    // c_j = Z_jᵀ(y − Xβ) / σ².
    let s0 = f64x2.splat(0);
    let s1 = f64x2.splat(0);
    for (let p = 0; p < nbPad; p += 2) {
      const offset = <usize> p << 3;
      const b = v128.load(beta + offset);
      s0 = f64x2.add(s0, f64x2.mul(v128.load(row0 + offset), b));
      s1 = f64x2.add(s1, f64x2.mul(v128.load(row1 + offset), b));
    }
    const eAt = e + (<usize> (2 * j) << 3);
    const c0 = (load<f64>(eAt) - (f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1))) *
      invVar;
    const c1 = (load<f64>(eAt, 8) - (f64x2.extract_lane(s1, 0) + f64x2.extract_lane(s1, 1))) *
      invVar;
    // D_j, its inverse and determinant (multiplied up, logged in batches as in levelsOfTwo).
    const a = arr + (<usize> (4 * j) << 3);
    const z00 = load<f64>(a);
    const z01 = load<f64>(a, 8);
    const z11 = load<f64>(a, 24);
    const d00 = z00 * invVar + q00;
    const d01 = z01 * invVar + q01;
    const d11 = z11 * invVar + q11;
    const det = d00 * d11 - d01 * d01;
    if (!(d00 > 0) || !(det > 0)) return 0;
    detProduct *= det;
    if (detProduct > 1e150 || detProduct < 1e-150) {
      logDet += Math.log(detProduct);
      detProduct = 1;
    }
    const inv = 1 / det;
    const i00 = d11 * inv;
    const i01 = -d01 * inv;
    const i11 = d00 * inv;
    const u0 = i00 * c0 + i01 * c1;
    const u1 = i01 * c0 + i11 * c1;
    const muAt = mu + (<usize> (2 * j) << 3);
    store<f64>(muAt, u0);
    store<f64>(muAt, u1, 8);
    quadSum += u0 * c0 + u1 * c1;
    const t00 = u0 * u0 + i00;
    const t01 = u0 * u1 + i01;
    const t11 = u1 * u1 + i11;
    m00 += t00;
    m01 += t01;
    m11 += t11;
    trace += z00 * t00 + 2 * z01 * t01 + z11 * t11;
    // grad −= X_jᵀZ_j μ_j / σ².
    const w0 = f64x2.splat(u0 * invVar);
    const w1 = f64x2.splat(u1 * invVar);
    for (let p = 0; p < nbPad; p += 2) {
      const offset = <usize> p << 3;
      const g = v128.load(grad + offset);
      const step = f64x2.add(
        f64x2.mul(v128.load(row0 + offset), w0),
        f64x2.mul(v128.load(row1 + offset), w1),
      );
      v128.store(grad + offset, f64x2.sub(g, step));
    }
  }
  logDet += Math.log(detProduct);
  store<f64>(out, 0.5 * quadSum - 0.5 * logDet);
  store<f64>(out, trace - (2 * quadSum) / invVar, 8);
  store<f64>(out, m00, 16);
  store<f64>(out, m01, 24);
  store<f64>(out, m11, 32);
  store<f64>(out, quadSum, 40);
  return 1;
}
