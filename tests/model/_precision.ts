/**
 * Shared helpers of the coefficient-precision tests (arrowhead, crossed, the chooser): a random
 * term precision, γ's layout for compiled data, and the check that colourNoise draws N(0, P⁻¹).
 */
import assert from "node:assert/strict";
import type { CompiledData } from "../../lib/model/compiled_data.ts";
import type { CoefficientPrecision, GammaLayout } from "../../lib/model/coefficient_precision.ts";

/** A random positive-definite K × K matrix (a term's Σ⁻¹). */
export function randomPrecision(K: number, u: () => number): Float64Array {
  const B = Float64Array.from({ length: K * K }, () => u() - 0.5);
  const Q = new Float64Array(K * K);
  for (let a = 0; a < K; a++) {
    for (let b = 0; b < K; b++) {
      let s = a === b ? 0.5 + u() : 0;
      for (let m = 0; m < K; m++) s += B[a * K + m] * B[b * K + m];
      Q[a * K + b] = s;
    }
  }
  return Q;
}

/** γ = [β, term 0's levels, …]: where each term starts and dim(γ). */
export function gammaLayout(data: CompiledData): GammaLayout {
  const nBeta = (data.hasIntercept ? 1 : 0) + data.nFixed;
  const termOffsets: number[] = [];
  let at = nBeta;
  for (const t of data.terms) {
    termOffsets.push(at);
    at += t.nGroups * t.coefNames.length;
  }
  return { nBeta, termOffsets, dim: at };
}

/** |a − b| ≤ tol·max(1, |b|). */
export const assertClose = (a: number, b: number, what: string, tol = 1e-10) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

/**
 * colourNoise maps N(0, I) to N(0, P⁻¹): with T's columns T e_i, T Tᵀ equals P⁻¹ from the
 * reference algebra's solves (both factored at the same P).
 */
export function assertColoursToInverse(
  precision: CoefficientPrecision,
  reference: CoefficientPrecision,
): void {
  const N = precision.dim;
  const T = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    const e = new Float64Array(N);
    e[i] = 1;
    precision.colourNoise(e);
    for (let r = 0; r < N; r++) T[r * N + i] = e[r];
  }
  for (let i = 0; i < N; i++) {
    const e = new Float64Array(N);
    e[i] = 1;
    reference.solve(e); // column i of P⁻¹
    for (let r = 0; r < N; r++) {
      let s = 0;
      for (let k = 0; k < N; k++) s += T[r * N + k] * T[i * N + k];
      assertClose(s, e[r], `(T Tᵀ)[${r}, ${i}]`, 1e-9);
    }
  }
}

/**
 * `precision` and the `reference` algebra at the same P (1/σ² = invVar, term precisions `Qs`):
 * equal log |P|, solves, forms and inverse blocks to 1e-10 relative; random vectors from `u`.
 */
export function assertSameAlgebra(
  precision: CoefficientPrecision,
  reference: CoefficientPrecision,
  data: CompiledData,
  invVar: number,
  Qs: Float64Array[],
  u: () => number,
): void {
  const N = precision.dim;
  assert.equal(N, reference.dim);
  assert.ok(precision.factor(invVar, Qs) && reference.factor(invVar, Qs));
  assertClose(precision.logDeterminant(), reference.logDeterminant(), "log |P|");
  const c = Float64Array.from({ length: N }, () => u() * 2 - 1);
  const a = Float64Array.from(c);
  const d = Float64Array.from(c);
  assertClose(precision.solve(a), reference.solve(d), "cᵀP⁻¹c");
  a.forEach((x, i) => assertClose(x, d[i], `P⁻¹c [${i}]`));
  const x = Float64Array.from({ length: N }, () => u() - 0.5);
  assertClose(precision.quadraticForm(x), reference.quadraticForm(x), "xᵀPx");
  assertClose(precision.dataQuadraticForm(x), reference.dataQuadraticForm(x), "xᵀAx");
  const nBeta = (data.hasIntercept ? 1 : 0) + data.nFixed;
  const [vp, vr] = [new Float64Array(nBeta), new Float64Array(nBeta)];
  const blocks = () => data.terms.map((t) => new Float64Array(t.nGroups * t.coefNames.length ** 2));
  const [bp, br] = [blocks(), blocks()];
  precision.inverseBlocks(vp, bp);
  reference.inverseBlocks(vr, br);
  vp.forEach((v, i) => assertClose(v, vr[i], `var β[${i}]`));
  bp.forEach((b, t) => b.forEach((v, i) => assertClose(v, br[t][i], `term ${t} block entry ${i}`)));
}
