/**
 * The crossed-block algebra against the plain dense one (its reference) on crossed models: the
 * same factor, solves, inverse blocks and forms to 1e-10 relative, and colourNoise giving
 * N(0, P⁻¹), with the WebAssembly factor and inverse and with their JavaScript reference.
 *
 * Also covers: crossed_kernel.ts (the WebAssembly path above; its module crossed_kernel_wasm.ts is
 * generated).
 */
import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { CrossedPrecision } from "../../lib/model/crossed_precision.ts";
import { DensePrecision } from "../../lib/model/dense_precision.ts";
import { CollapsedGaussian } from "../../lib/model/collapsed_gaussian.ts";
import type { CompiledData } from "../../lib/model/compiled_data.ts";
import type { ModelSpec } from "../../lib/spec/model_spec.ts";
import {
  crossedSpec,
  seeded,
  simulatedTable,
  withNormalPriors,
  withSampledBPrior,
} from "./_fixtures.ts";
import type { Table } from "../../lib/data/table.ts";
import {
  assertClose,
  assertColoursToInverse,
  assertSameAlgebra,
  gammaLayout,
  randomPrecision,
} from "./_precision.ts";

/** The crossed algebra (WebAssembly kernel or its JavaScript reference) and the dense one. */
function setup(data: CompiledData, wasm = true) {
  const layout = gammaLayout(data);
  const nBeta = layout.nBeta;
  const prior = Float64Array.from({ length: nBeta }, (_, p) => 0.3 + 0.1 * p);
  return {
    nBeta,
    crossed: new CrossedPrecision(data, layout, prior, { wasm }),
    dense: new DensePrecision(data, layout, prior),
  };
}

/** Both paths of the crossed algebra; the kernel runs wherever WebAssembly SIMD exists (Deno). */
const PATHS = [["wasm", true], ["JavaScript", false]] as const;

/** The shared crossed spec, and the same with the terms' order swapped (the larger one last). */
const specs: Record<string, ModelSpec> = {
  "g1 (K = 3) first": withNormalPriors(crossedSpec("gaussian")),
  "g2 (K = 2) first": (() => {
    const spec = withNormalPriors(crossedSpec("gaussian"));
    return { ...spec, groupTerms: [...spec.groupTerms].reverse() };
  })(),
};

for (
  const [[name, spec], [path, wasm]] of Object.entries(specs).flatMap((s) =>
    PATHS.map((p) => [s, p] as const)
  )
) {
  Deno.test(`crossed precision (${name}, ${path}): same factor, solve, blocks and forms as the dense algebra`, () => {
    const data = compileModel(spec, simulatedTable(150, "gaussian"));
    const { crossed, dense } = setup(data, wasm);
    assert.equal(crossed.usesWasm, wasm);
    assert.equal(crossed.m, 4 * 3, "g1's 4 levels × K = 3 lead, in either order of the terms");
    const u = seeded(5);
    for (const invVar of [0.3, 4]) {
      const Qs = data.terms.map((t) => randomPrecision(t.coefNames.length, u));
      assertSameAlgebra(crossed, dense, data, invVar, Qs, u);
    }
  });
}

Deno.test("crossed precision: colourNoise maps N(0, I) to N(0, P⁻¹) (T Tᵀ = P⁻¹ column by column)", () => {
  const data = compileModel(
    withNormalPriors(crossedSpec("gaussian")),
    simulatedTable(150, "gaussian"),
  );
  const { crossed, dense } = setup(data);
  const u = seeded(8);
  const Qs = data.terms.map((t) => randomPrecision(t.coefNames.length, u));
  assert.ok(crossed.factor(1.7, Qs) && dense.factor(1.7, Qs));
  assertColoursToInverse(crossed, dense);
});

for (const [path, wasm] of PATHS) {
  Deno.test(`crossed precision (${path}): a term precision that is not positive definite makes factor return false`, () => {
    const data = compileModel(
      withNormalPriors(crossedSpec("gaussian")),
      simulatedTable(150, "gaussian"),
    );
    const { crossed } = setup(data, wasm);
    const bad = data.terms.map((t) => {
      const K = t.coefNames.length;
      return Float64Array.from({ length: K * K }, (_, i) => i % (K + 1) === 0 ? -1 : 0);
    });
    assert.equal(crossed.factor(1, bad), false);
  });
}

/**
 * The collapsed target with the dense algebra swapped in for the crossed one (the field is
 * readonly in TypeScript only): the reference value and gradient.
 */
function withDensePrecision(data: CompiledData): CollapsedGaussian {
  const target = new CollapsedGaussian(data);
  const crossed = target.precision as CrossedPrecision;
  const layout = gammaLayout(data);
  const prior = (crossed as unknown as { prior: Float64Array }).prior;
  Object.assign(target, { precision: new DensePrecision(data, layout, prior) });
  return target;
}

/** Crossed models: normal priors; a student_t b (scale mixture); an exponential b (sampled). */
const targetData: Record<string, (table: Table) => CompiledData> = {
  "normal priors": (table) => compileModel(withNormalPriors(crossedSpec("gaussian")), table),
  "student_t b_x": (table) => compileModel(crossedSpec("gaussian"), table),
  "exponential b_x (sampled)": (table) =>
    withSampledBPrior(compileModel(crossedSpec("gaussian"), table)),
};

for (const [name, compiled] of Object.entries(targetData)) {
  Deno.test(`crossed precision (${name}): the collapsed log density and gradient equal the dense algebra's to 1e-10`, () => {
    const data = compiled(simulatedTable(300, "gaussian"));
    const target = new CollapsedGaussian(data);
    assert.ok(target.precision instanceof CrossedPrecision);
    const reference = withDensePrecision(data);
    assert.ok(reference.precision instanceof DensePrecision);
    const u = seeded(11);
    for (let draw = 0; draw < 4; draw++) {
      const phi = Float64Array.from({ length: target.dim }, () => (u() - 0.5) * 2);
      const [g, gRef] = [new Float64Array(target.dim), new Float64Array(target.dim)];
      const lp = target.logDensityGradient(phi, g);
      const lpRef = reference.logDensityGradient(phi, gRef);
      assert.ok(Number.isFinite(lpRef), "a finite reference point");
      assertClose(lp, lpRef, "log density");
      g.forEach((v, i) => assertClose(v, gRef[i], `∂/∂φ[${i}]`));
    }
  });
}
