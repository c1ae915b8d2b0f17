/**
 * Also covers: log_density.ts (the LogDensity interface the test target implements).
 */
import assert from "node:assert/strict";
import { kineticEnergy, leapfrog } from "../../lib/sampler/leapfrog.ts";
import { denseMetric, diagMetric, type Metric, velocity } from "../../lib/sampler/metric.ts";
import type { LogDensity } from "../../lib/sampler/log_density.ts";

/** A correlated 2-D Gaussian: log π(q) = −½ qᵀAq with A = [[2, 0.6], [0.6, 1]]. */
const target: LogDensity = {
  dim: 2,
  logDensityGradient(q, g) {
    g[0] = -(2 * q[0] + 0.6 * q[1]);
    g[1] = -(0.6 * q[0] + q[1]);
    return -0.5 * (2 * q[0] * q[0] + 1.2 * q[0] * q[1] + q[1] * q[1]);
  },
};

function hamiltonian(q: Float64Array, p: Float64Array, metric: Metric): number {
  const g = new Float64Array(2);
  return -target.logDensityGradient(q, g) +
    kineticEnergy(p, velocity(metric, p, new Float64Array(2)));
}

/** n steps from (q0, p0); returns the final q, p and the largest |ΔH| on the way. */
function run(q0: number[], p0: number[], eps: number, n: number, metric: Metric) {
  const q = Float64Array.from(q0);
  const p = Float64Array.from(p0);
  const g = new Float64Array(2);
  target.logDensityGradient(q, g);
  const h0 = hamiltonian(q, p, metric);
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const lp = leapfrog(target, q, p, g, eps, metric, new Float64Array(2));
    const check = new Float64Array(2);
    assert.equal(lp, target.logDensityGradient(q, check)); // returns log π at the new q
    assert.deepEqual([...g], [...check]); // and leaves its gradient in `gradient`
    worst = Math.max(worst, Math.abs(hamiltonian(q, p, metric) - h0));
  }
  return { q, p, worst };
}

const METRICS: [string, Metric][] = [
  ["diag", diagMetric(Float64Array.of(0.5, 2))],
  ["dense", denseMetric(Float64Array.of(0.6, -0.2, -0.2, 1.1), 2)],
];

Deno.test("leapfrog: reversible — stepping back with −ε returns to the start", () => {
  for (const [name, metric] of METRICS) {
    const fwd = run([0.3, -1.2], [1, 0.5], 0.2, 25, metric);
    const back = run([...fwd.q], [...fwd.p], -0.2, 25, metric);
    assert.ok(Math.abs(back.q[0] - 0.3) < 1e-12 && Math.abs(back.q[1] + 1.2) < 1e-12, name);
    assert.ok(Math.abs(back.p[0] - 1) < 1e-12 && Math.abs(back.p[1] - 0.5) < 1e-12, name);
  }
});

Deno.test("leapfrog: energy error bounded and second order — halving ε quarters it", () => {
  for (const [name, metric] of METRICS) {
    const coarse = run([0.3, -1.2], [1, 0.5], 0.1, 40, metric).worst;
    const fine = run([0.3, -1.2], [1, 0.5], 0.05, 80, metric).worst;
    assert.ok(coarse < 0.05, `${name}: ${coarse}`);
    // O(ε²): the ratio is 4 up to higher-order terms; 3–5 separates it from first order (2).
    assert.ok(coarse / fine > 3 && coarse / fine < 5, `${name}: ratio ${coarse / fine}`);
  }
});

Deno.test("kineticEnergy: ½ pᵀ M⁻¹ p", () => {
  const metric = denseMetric(Float64Array.of(2, 1, 1, 3), 2);
  const p = Float64Array.of(1, -2);
  // M⁻¹p = (0, −5); pᵀM⁻¹p = 10.
  assert.equal(kineticEnergy(p, velocity(metric, p, new Float64Array(2))), 5);
});
