import assert from "node:assert/strict";
import {
  choleskyCorrBackward,
  choleskyCorrForward,
  corrParamCount,
  reflectCorrelationReals,
} from "../../lib/model/cholesky_corr.ts";

const Y4 = Float64Array.of(0.4, -1.1, 0.3, 0.8, -0.2, 1.5); // K = 4: six reals

/** Ω = L Lᵀ (row-major K × K). */
function omega(L: Float64Array, k: number): Float64Array {
  const out = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let m = 0; m < k; m++) s += L[i * k + m] * L[j * k + m];
      out[i * k + j] = s;
    }
  }
  return out;
}

Deno.test("choleskyCorrForward: a lower-triangular L with unit rows, so L Lᵀ is a correlation matrix", () => {
  assert.deepEqual([1, 2, 3, 4, 5].map(corrParamCount), [0, 1, 3, 6, 10]);
  const k = 4;
  const L = new Float64Array(k * k);
  choleskyCorrForward(Y4, k, 2, L);
  const O = omega(L, k);
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) assert.equal(L[i * k + j], 0);
    assert.ok(L[i * k + i] > 0);
    assert.ok(Math.abs(O[i * k + i] - 1) < 1e-14);
    for (let j = 0; j < k; j++) if (i !== j) assert.ok(Math.abs(O[i * k + j]) < 1);
  }
  // The first column holds the canonical partial correlations tanh(y) of the first variable.
  assert.ok(Math.abs(L[1 * k] - Math.tanh(0.4)) < 1e-15);
  assert.ok(Math.abs(L[2 * k] - Math.tanh(-1.1)) < 1e-15);
});

Deno.test("choleskyCorrForward, K = 2: the log density of y under LKJ(η) is η log(1 − r²)", () => {
  // r = tanh(y): LKJ(η) gives (η − 1) log(1 − r²) and the Jacobian dr/dy adds log(1 − r²).
  const L = new Float64Array(4);
  for (const eta of [0.5, 1, 4]) {
    for (const y of [-2, 0.3, 1]) {
      const lp = choleskyCorrForward(Float64Array.of(y), 2, eta, L);
      const r = Math.tanh(y);
      assert.ok(Math.abs(lp - eta * Math.log(1 - r * r)) < 1e-12, `η = ${eta}, y = ${y}`);
    }
  }
});

Deno.test("choleskyCorrBackward: the gradient of F(L(y)) + log Jacobian + LKJ matches finite differences", () => {
  const k = 4;
  const eta = 1.7;
  const weights = Float64Array.from({ length: k * k }, (_, i) => Math.sin(1 + i)); // F = Σ w·L
  const total = (y: Float64Array) => {
    const L = new Float64Array(k * k);
    const lp = choleskyCorrForward(y, k, eta, L);
    return lp + L.reduce((s, v, i) => s + v * weights[i], 0);
  };
  const L = new Float64Array(k * k);
  choleskyCorrForward(Y4, k, eta, L);
  const gradL = Float64Array.from(weights, (w, i) => (i % k <= Math.floor(i / k) ? w : 0));
  const gradY = new Float64Array(6);
  choleskyCorrBackward(Y4, k, eta, L, gradL, gradY);
  const h = 1e-6;
  for (let p = 0; p < 6; p++) {
    const up = Y4.slice();
    const down = Y4.slice();
    up[p] += h;
    down[p] -= h;
    const fd = (total(up) - total(down)) / (2 * h);
    assert.ok(Math.abs(gradY[p] - fd) < 1e-6, `real ${p}: ${gradY[p]} vs ${fd}`);
  }
});

Deno.test("choleskyCorr: exact where tanh y rounds to ±1 (|y| ≳ 19): finite, smooth, rows of unit length", () => {
  // Before: 1 − tanh² y = 0 there, so the log density was −∞ or NaN (0 · log 0 at η = 1): a
  // false divergence when a trajectory crossed the flat sech² tail of a prior-dominated ρ.
  const L = new Float64Array(4);
  for (const eta of [1, 2]) {
    for (const y of [-40, -19.7, 25, 300]) {
      // K = 2: η log(1 − r²) = −2η log cosh y, written without cancellation.
      const logCosh = Math.abs(y) + Math.log1p(Math.exp(-2 * Math.abs(y))) - Math.LN2;
      const lp = choleskyCorrForward(Float64Array.of(y), 2, eta, L);
      assert.ok(Math.abs(lp + 2 * eta * logCosh) < 1e-9 * logCosh, `η = ${eta}, y = ${y}: ${lp}`);
      assert.ok(L[3] > 0 || Math.abs(y) > 700, `L₁₁ = sech y > 0 at y = ${y}`);
    }
  }
  // K = 3 far out: the gradient still matches differences (F = Σ w·L as above).
  const k = 3;
  const y = Float64Array.of(-21, 23, 0.4);
  const weights = Float64Array.from({ length: k * k }, (_, i) => Math.cos(2 + i));
  const total = (v: Float64Array) => {
    const M = new Float64Array(k * k);
    return choleskyCorrForward(v, k, 1, M) + M.reduce((s, m, i) => s + m * weights[i], 0);
  };
  const M = new Float64Array(k * k);
  choleskyCorrForward(y, k, 1, M);
  for (let i = 0; i < k; i++) {
    let norm = 0;
    for (let j = 0; j <= i; j++) norm += M[i * k + j] ** 2;
    assert.ok(Math.abs(norm - 1) < 1e-12 && Number.isFinite(total(y)), `row ${i}`);
  }
  const gradL = Float64Array.from(weights, (w, i) => (i % k <= Math.floor(i / k) ? w : 0));
  const gradY = new Float64Array(3);
  choleskyCorrBackward(y, k, 1, M, gradL, gradY);
  for (let p = 0; p < 3; p++) {
    const up = y.slice();
    const down = y.slice();
    up[p] += 1e-5;
    down[p] -= 1e-5;
    const fd = (total(up) - total(down)) / 2e-5;
    assert.ok(
      Math.abs(gradY[p] - fd) < 1e-6 * Math.max(1, Math.abs(fd)),
      `real ${p}: ${gradY[p]} vs ${fd}`,
    );
  }
});

Deno.test("reflectCorrelationReals: flipping variable signs gives D Ω D", () => {
  const k = 4;
  const flip = [1, -1, -1, 1];
  const y = Y4.slice();
  reflectCorrelationReals(y, k, flip);
  const L0 = new Float64Array(k * k);
  const L1 = new Float64Array(k * k);
  choleskyCorrForward(Y4, k, 1, L0);
  choleskyCorrForward(y, k, 1, L1);
  const O0 = omega(L0, k);
  const O1 = omega(L1, k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      assert.ok(Math.abs(O1[i * k + j] - flip[i] * flip[j] * O0[i * k + j]) < 1e-14);
    }
  }
});
