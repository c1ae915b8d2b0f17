/**
 * The crossed-block algebra against the plain dense one (its reference) on crossed models: the
 * same factor, solves, inverse blocks and forms to 1e-10 relative, and colourNoise giving
 * N(0, P⁻¹).
 */
import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { CrossedPrecision } from "../../lib/model/crossed_precision.ts";
import { DensePrecision } from "../../lib/model/dense_precision.ts";
import type { CompiledData } from "../../lib/model/compiled_data.ts";
import type { ModelSpec } from "../../lib/spec/model_spec.ts";
import { crossedSpec, seeded, simulatedTable, withNormalPriors } from "./_fixtures.ts";

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
  const termOffsets: number[] = [];
  let at = nBeta;
  for (const t of data.terms) {
    termOffsets.push(at);
    at += t.nGroups * t.coefNames.length;
  }
  const layout = { nBeta, termOffsets, dim: at };
  const prior = Float64Array.from({ length: nBeta }, (_, p) => 0.3 + 0.1 * p);
  return {
    nBeta,
    crossed: new CrossedPrecision(data, layout, prior),
    dense: new DensePrecision(data, layout, prior),
  };
}

const close = (a: number, b: number, what: string, tol = 1e-10) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

/** The shared crossed spec, and the same with the terms' order swapped (the larger one last). */
const specs: Record<string, ModelSpec> = {
  "g1 (K = 3) first": withNormalPriors(crossedSpec("gaussian")),
  "g2 (K = 2) first": (() => {
    const spec = withNormalPriors(crossedSpec("gaussian"));
    return { ...spec, groupTerms: [...spec.groupTerms].reverse() };
  })(),
};

for (const [name, spec] of Object.entries(specs)) {
  Deno.test(`crossed precision (${name}): same factor, solve, blocks and forms as the dense algebra`, () => {
    const data = compileModel(spec, simulatedTable(150, "gaussian"));
    const { nBeta, crossed, dense } = setup(data);
    const N = crossed.dim;
    assert.equal(N, dense.dim);
    assert.equal(crossed.m, 4 * 3, "g1's 4 levels × K = 3 lead, in either order of the terms");
    const u = seeded(5);
    for (const invVar of [0.3, 4]) {
      const Qs = data.terms.map((t) => randomPrecision(t.coefNames.length, u));
      assert.ok(crossed.factor(invVar, Qs) && dense.factor(invVar, Qs));
      close(crossed.logDeterminant(), dense.logDeterminant(), "log |P|");
      const c = Float64Array.from({ length: N }, () => u() * 2 - 1);
      const a = Float64Array.from(c);
      const d = Float64Array.from(c);
      close(crossed.solve(a), dense.solve(d), "cᵀP⁻¹c");
      a.forEach((x, i) => close(x, d[i], `P⁻¹c [${i}]`));
      const x = Float64Array.from({ length: N }, () => u() - 0.5);
      close(crossed.quadraticForm(x), dense.quadraticForm(x), "xᵀPx");
      close(crossed.dataQuadraticForm(x), dense.dataQuadraticForm(x), "xᵀAx");
      const [vc, vd] = [new Float64Array(nBeta), new Float64Array(nBeta)];
      const blocks = () =>
        data.terms.map((t) => new Float64Array(t.nGroups * t.coefNames.length ** 2));
      const [bc, bd] = [blocks(), blocks()];
      crossed.inverseBlocks(vc, bc);
      dense.inverseBlocks(vd, bd);
      vc.forEach((v, i) => close(v, vd[i], `var β[${i}]`));
      bc.forEach((b, t) => b.forEach((v, i) => close(v, bd[t][i], `term ${t} block entry ${i}`)));
    }
  });
}

Deno.test("crossed precision: colourNoise maps N(0, I) to N(0, P⁻¹) (T Tᵀ = P⁻¹ column by column)", () => {
  const data = compileModel(
    withNormalPriors(crossedSpec("gaussian")),
    simulatedTable(150, "gaussian"),
  );
  const { crossed, dense } = setup(data);
  const N = crossed.dim;
  const u = seeded(8);
  const Qs = data.terms.map((t) => randomPrecision(t.coefNames.length, u));
  assert.ok(crossed.factor(1.7, Qs) && dense.factor(1.7, Qs));
  const T = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    const e = new Float64Array(N);
    e[i] = 1;
    crossed.colourNoise(e);
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

Deno.test("crossed precision: a term precision that is not positive definite makes factor return false", () => {
  const data = compileModel(
    withNormalPriors(crossedSpec("gaussian")),
    simulatedTable(150, "gaussian"),
  );
  const { crossed } = setup(data);
  const bad = data.terms.map((t) => {
    const K = t.coefNames.length;
    return Float64Array.from({ length: K * K }, (_, i) => i % (K + 1) === 0 ? -1 : 0);
  });
  assert.equal(crossed.factor(1, bad), false);
});
