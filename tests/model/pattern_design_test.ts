/**
 * PatternDesign's forward and reverse passes, sparse around the columns' modes and dense, against
 * the plain row-by-row sums: η, ∂/∂β and ∂/∂ρ agree to 1e-12 relative to the sums' scale.
 */
import assert from "node:assert/strict";
import { PatternDesign } from "../../lib/model/pattern_design.ts";
import { seeded } from "../_seeded.ts";

/** P patterns, D columns, K varying coefficients, C cells; `indicator` columns take 2–5 values. */
function design(P: number, D: number, K: number, C: number, indicator: boolean, seed: number) {
  const u = seeded(seed);
  const w = new Float64Array(P * D);
  for (let a = 0; a < D; a++) {
    const levels = 2 + (a % 4);
    const centre = u();
    for (let p = 0; p < P; p++) {
      w[p * D + a] = a === 0
        ? 1
        : indicator
        ? (u() < 0.6 ? 0 : Math.floor(u() * levels) + 1) - centre
        : u() - 0.5;
    }
  }
  const wA = new Float64Array(P * K).map((_, i) => (i % K === 0 ? 1 : u() - 0.5));
  const cell = new Int32Array(P).map(() => Math.floor(u() * C));
  const beta = new Float64Array(D).map(() => 2 * u() - 1);
  const rho = new Float64Array(C * K).map(() => u() - 0.5);
  const g = new Float64Array(P).map(() => u() - 0.5);
  return { stats: { nPatterns: P, cell, w, wA }, beta, rho, g, P, D, K, C };
}

function check(x: ReturnType<typeof design>, sparse: boolean) {
  const { stats, beta, rho, g, P, D, K, C } = x;
  const pd = new PatternDesign(stats, D, K);
  assert.equal(pd.sparse, sparse);
  const eta = new Float64Array(P);
  pd.forward(beta, rho, eta);
  const gradBeta = new Float64Array(D).fill(0.25); // added into, not overwritten
  const gradRho = new Float64Array(C * K).fill(-0.5);
  pd.backward(g, gradBeta, gradRho);
  const refBeta = new Float64Array(D).fill(0.25), refRho = new Float64Array(C * K).fill(-0.5);
  for (let p = 0; p < P; p++) {
    let e = 0, scale = 0;
    for (let a = 0; a < D; a++) {
      e += stats.w[p * D + a] * beta[a];
      scale += Math.abs(stats.w[p * D + a] * beta[a]);
      refBeta[a] += g[p] * stats.w[p * D + a];
    }
    for (let k = 0; k < K; k++) {
      const r = stats.cell[p] * K + k;
      e += stats.wA[p * K + k] * rho[r];
      scale += Math.abs(stats.wA[p * K + k] * rho[r]);
      refRho[r] += g[p] * stats.wA[p * K + k];
    }
    assert.ok(Math.abs(eta[p] - e) <= 1e-12 * scale, `η ${p}: ${eta[p]} vs ${e}`);
  }
  // Sums over P terms of size ≤ max|w|: a relative 1e-12 of Σ|g_p w_pa| bounds the rounding.
  for (let a = 0; a < D; a++) {
    let scale = 1;
    for (let p = 0; p < P; p++) scale += Math.abs(g[p] * stats.w[p * D + a]);
    assert.ok(Math.abs(gradBeta[a] - refBeta[a]) <= 1e-12 * scale, `∂β ${a}`);
  }
  for (let r = 0; r < C * K; r++) {
    assert.ok(Math.abs(gradRho[r] - refRho[r]) <= 1e-12 * P, `∂ρ ${r}`);
  }
}

Deno.test("pattern design: indicator columns go sparse around their modes and match the dense sums", () => {
  check(design(1000, 16, 2, 100, true, 1), true);
  check(design(300, 7, 3, 12, true, 2), true);
  check(design(50, 5, 1, 4, true, 3), true);
});

Deno.test("pattern design: continuous columns stay dense and match the sums", () => {
  check(design(800, 12, 2, 30, false, 4), false);
  check(design(200, 3, 3, 9, false, 5), false);
});
