import assert from "node:assert/strict";
import {
  addThresholdGradient,
  thresholdName,
  thresholdsFromUnconstrained,
  unconstrainedFromThresholds,
} from "../../lib/families/ordered_thresholds.ts";

Deno.test("ordered thresholds: the map is increasing and inverts", () => {
  const u = Float64Array.of(0.3, -2, 1.1, 0);
  const tau = new Float64Array(4);
  thresholdsFromUnconstrained(u, 0, tau);
  for (let k = 1; k < 4; k++) assert.ok(tau[k] > tau[k - 1]);
  const back = unconstrainedFromThresholds(tau);
  for (let k = 0; k < 4; k++) assert.ok(Math.abs(back[k] - u[k]) < 1e-12);
  assert.equal(thresholdName(3), "b_Intercept[4]");
});

Deno.test("ordered thresholds: the chain rule matches finite differences of Σ c_k τ_k²", () => {
  // f(τ) = Σ c_k τ_k², ∂f/∂τ_k = 2 c_k τ_k; read at an offset inside a longer θ.
  const c = [0.5, -1, 2];
  const theta = Float64Array.of(9, -0.4, 0.2, -0.8);
  const f = (t: Float64Array) => {
    const tau = new Float64Array(3);
    thresholdsFromUnconstrained(t, 1, tau);
    return tau.reduce((s, v, k) => s + c[k] * v * v, 0);
  };
  const tau = new Float64Array(3);
  thresholdsFromUnconstrained(theta, 1, tau);
  const grad = new Float64Array(4);
  addThresholdGradient(Float64Array.from(tau, (v, k) => 2 * c[k] * v), tau, grad, 1);
  assert.equal(grad[0], 0);
  const h = 1e-6;
  for (let i = 1; i < 4; i++) {
    const plus = Float64Array.from(theta), minus = Float64Array.from(theta);
    plus[i] += h, minus[i] -= h;
    const fd = (f(plus) - f(minus)) / (2 * h);
    // Central differences on a smooth function of size ~1: error ~1e-10.
    assert.ok(Math.abs(fd - grad[i]) < 1e-7, `u[${i}]: ${grad[i]} vs ${fd}`);
  }
});
