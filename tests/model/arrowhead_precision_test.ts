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
import { assertColoursToInverse, assertSameAlgebra, randomPrecision } from "./_precision.ts";

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

for (
  const [name, spec] of Object.entries(oneTermSpecs(withNormalPriors(singleTermSpec("gaussian"))))
) {
  Deno.test(`arrowhead precision (${name}): same factor, solve, blocks and forms as the dense algebra`, () => {
    const data = compileModel(spec, simulatedTable(120, "gaussian"));
    const { K, arrow, dense } = setup(data);
    assert.deepEqual(arrow.dataVector, dense.dataVector);
    const u = seeded(4);
    for (const invVar of [0.3, 4]) {
      assertSameAlgebra(arrow, dense, data, invVar, [randomPrecision(K, u)], u);
    }
  });
}

Deno.test("arrowhead precision: colourNoise maps N(0, I) to N(0, P⁻¹) (T Tᵀ = P⁻¹ column by column)", () => {
  const data = compileModel(
    withNormalPriors(singleTermSpec("gaussian")),
    simulatedTable(120, "gaussian"),
  );
  const { arrow, dense, K } = setup(data);
  const Q = randomPrecision(K, seeded(8));
  assert.ok(arrow.factor(1.7, [Q]) && dense.factor(1.7, [Q]));
  assertColoursToInverse(arrow, dense);
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
