/**
 * An 11-row Gaussian model small enough to write its marginal likelihood as a dense n × n
 * Gaussian: y on x with a varying intercept and x slope over 3 groups, the raw rows kept so
 * tests can build Z, V and the per-level blocks themselves.
 */
import assert from "node:assert/strict";
import { makeTable, type Table } from "../../lib/data/table.ts";
import { choleskyInPlace, solveLower } from "../../lib/model/_dense.ts";
import type { ModelSpec } from "../../lib/spec/model_spec.ts";
import { seeded } from "./_fixtures.ts";

/** The rows (x, group g ∈ {1, 2, 3}, y), their table and the mean of x. */
export interface VaryingSlopeData {
  n: number;
  x: Float64Array;
  g: Float64Array;
  y: Float64Array;
  xbar: number;
  table: Table;
}

/** The 11 rows (seeded, so the same in every test). */
export function varyingSlopeData(): VaryingSlopeData {
  const n = 11;
  const u = seeded(5);
  const x = Float64Array.from({ length: n }, () => u() * 2 - 1);
  const g = Float64Array.from({ length: n }, (_, i) => 1 + (i % 3));
  const y = Float64Array.from(x, (xi, i) => 0.4 + 0.8 * xi + 0.3 * g[i] + u() - 0.5);
  const table = makeTable({
    y: { kind: "number", values: y },
    x: { kind: "number", values: x },
    g: { kind: "number", values: g },
  });
  return { n, x, g, y, xbar: x.reduce((a, b) => a + b, 0) / n, table };
}

/** y ~ (1 +) x + (1 + x | g) with the given priors. */
export function varyingSlopeSpec(intercept: boolean, priors: ModelSpec["priors"]): ModelSpec {
  return {
    hetfx: 1,
    outcome: "y",
    family: "gaussian",
    intercept,
    treatment: null,
    terms: ["x"],
    groupTerms: [{ group: "g", factors: ["g"], intercept: true, slopes: ["x"], correlated: true }],
    priors,
  };
}

/** Σ (2 × 2, row-major) from sd's and the correlation real (ρ = tanh). */
export function covarianceOf(logSd0: number, logSd1: number, corReal: number): number[] {
  const sd = [Math.exp(logSd0), Math.exp(logSd1)];
  const rho = Math.tanh(corReal);
  return [sd[0] * sd[0], rho * sd[0] * sd[1], rho * sd[0] * sd[1], sd[1] * sd[1]];
}

/** V = σ² I + Σ_j Z_j Σ Z_jᵀ with Z = [1, x] (n × n, row-major). */
export function levelCovariance(d: VaryingSlopeData, Sigma: number[], sigma: number): Float64Array {
  const V = new Float64Array(d.n * d.n);
  for (let i = 0; i < d.n; i++) {
    for (let k = 0; k < d.n; k++) {
      let v = i === k ? sigma * sigma : 0;
      if (d.g[i] === d.g[k]) {
        const zi = [1, d.x[i]], zk = [1, d.x[k]];
        for (let a = 0; a < 2; a++) {
          for (let b = 0; b < 2; b++) v += zi[a] * Sigma[a * 2 + b] * zk[b];
        }
      }
      V[i * d.n + k] = v;
    }
  }
  return V;
}

/** Dense log N(y; m, V) + n/2 log 2π. */
export function logNormalDense(y: Float64Array, m: Float64Array, V: Float64Array): number {
  const n = y.length;
  const R = Float64Array.from(V);
  assert.ok(choleskyInPlace(R, n));
  const r = solveLower(R, n, Float64Array.from(y, (v, i) => v - m[i]));
  let lp = 0;
  for (let i = 0; i < n; i++) lp -= Math.log(R[i * n + i]) + 0.5 * r[i] * r[i];
  return lp;
}
