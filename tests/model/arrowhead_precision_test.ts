/**
 * The block-arrowhead algebra against the dense one on one-term models.
 *
 * Also covers: dense_precision.ts (the reference each result is compared with).
 */
import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { ArrowheadPrecision } from "../../lib/model/arrowhead_precision.ts";
import { DensePrecision } from "../../lib/model/dense_precision.ts";
import type { CompiledData } from "../../lib/model/compiled_data.ts";
import {
  oneTermSpecs,
  seeded,
  simulatedTable,
  singleTermSpec,
  withNormalPriors,
} from "./_fixtures.ts";

/** A random positive-definite K × K matrix (a term's Σ⁻¹). */
function randomPrecision(K: number, u: () => number): Float64Array {
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

function setup(data: CompiledData) {
  const nBeta = (data.hasIntercept ? 1 : 0) + data.nFixed;
  const K = data.terms[0].coefNames.length;
  const J = data.terms[0].nGroups;
  const prior = Float64Array.from({ length: nBeta }, (_, p) => 0.3 + 0.1 * p);
  const layout = { nBeta, termOffsets: [nBeta], dim: nBeta + J * K };
  return {
    nBeta,
    K,
    J,
    arrow: new ArrowheadPrecision(data, prior),
    dense: new DensePrecision(data, layout, prior),
  };
}

const close = (a: number, b: number, what: string, tol = 1e-10) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

for (
  const [name, spec] of Object.entries(oneTermSpecs(withNormalPriors(singleTermSpec("gaussian"))))
) {
  Deno.test(`arrowhead precision (${name}): same factor, solve, blocks and forms as the dense algebra`, () => {
    const data = compileModel(spec, simulatedTable(120, "gaussian"));
    const { nBeta, K, J, arrow, dense } = setup(data);
    const N = arrow.dim;
    assert.equal(N, dense.dim);
    assert.deepEqual(arrow.dataVector, dense.dataVector);
    const u = seeded(4);
    for (const invVar of [0.3, 4]) {
      const Q = randomPrecision(K, u);
      assert.ok(arrow.factor(invVar, [Q]) && dense.factor(invVar, [Q]));
      close(arrow.logDeterminant(), dense.logDeterminant(), "log |P|");
      const c = Float64Array.from({ length: N }, () => u() * 2 - 1);
      const a = Float64Array.from(c);
      const d = Float64Array.from(c);
      close(arrow.solve(a), dense.solve(d), "cᵀP⁻¹c");
      a.forEach((x, i) => close(x, d[i], `P⁻¹c [${i}]`));
      const x = Float64Array.from({ length: N }, () => u() - 0.5);
      close(arrow.quadraticForm(x), dense.quadraticForm(x), "xᵀPx");
      close(arrow.dataQuadraticForm(x), dense.dataQuadraticForm(x), "xᵀAx");
      const [va, vd] = [new Float64Array(nBeta), new Float64Array(nBeta)];
      const [ba, bd] = [new Float64Array(J * K * K), new Float64Array(J * K * K)];
      arrow.inverseBlocks(va, [ba]);
      dense.inverseBlocks(vd, [bd]);
      va.forEach((v, i) => close(v, vd[i], `var β[${i}]`));
      ba.forEach((v, i) => close(v, bd[i], `level block entry ${i}`));
    }
  });
}

Deno.test("arrowhead precision: colourNoise maps N(0, I) to N(0, P⁻¹) (T Tᵀ = P⁻¹ column by column)", () => {
  const data = compileModel(
    withNormalPriors(singleTermSpec("gaussian")),
    simulatedTable(120, "gaussian"),
  );
  const { arrow, dense, K } = setup(data);
  const N = arrow.dim;
  const Q = randomPrecision(K, seeded(8));
  assert.ok(arrow.factor(1.7, [Q]) && dense.factor(1.7, [Q]));
  // T's columns T e_i, then T Tᵀ against P⁻¹ from the dense algebra's solves.
  const T = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    const e = new Float64Array(N);
    e[i] = 1;
    arrow.colourNoise(e);
    for (let r = 0; r < N; r++) T[r * N + i] = e[r];
  }
  for (let i = 0; i < N; i++) {
    const e = new Float64Array(N);
    e[i] = 1;
    dense.solve(e); // column i of P⁻¹
    for (let r = 0; r < N; r++) {
      let s = 0;
      for (let k = 0; k < N; k++) s += T[r * N + k] * T[i * N + k];
      close(s, e[r], `(T Tᵀ)[${r}, ${i}]`, 1e-9);
    }
  }
});

Deno.test("arrowhead precision: a level block that is not positive definite makes factor return false", () => {
  const data = compileModel(
    withNormalPriors(singleTermSpec("gaussian")),
    simulatedTable(120, "gaussian"),
  );
  const { arrow } = setup(data);
  assert.equal(arrow.factor(1, [Float64Array.from([-1, 0, 0, -1])]), false);
  assert.equal(arrow.factor(NaN, [Float64Array.from([1, 0, 0, 1])]), false);
});
