/**
 * Also covers: coefficient_precision.ts (the interface both algebras implement; their numbers
 * agree in arrowhead_precision_test.ts).
 */
import assert from "node:assert/strict";
import { coefficientPrecision } from "../../lib/model/choose_coefficient_precision.ts";
import { ArrowheadPrecision } from "../../lib/model/arrowhead_precision.ts";
import { CrossedPrecision } from "../../lib/model/crossed_precision.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { crossedSpec, simulatedTable, singleTermSpec, withNormalPriors } from "./_fixtures.ts";
import { gammaLayout } from "./_precision.ts";

Deno.test("coefficientPrecision: block-arrowhead for one grouping term, crossed-block dense for crossed terms", () => {
  const table = simulatedTable(200, "gaussian");
  const one = compileModel(withNormalPriors(singleTermSpec("gaussian")), table);
  const crossed = compileModel(withNormalPriors(crossedSpec("gaussian")), table);
  const layout = gammaLayout;
  const prior = (data: typeof one) =>
    new Float64Array((data.hasIntercept ? 1 : 0) + data.nFixed).fill(1);
  const a = coefficientPrecision(one, layout(one), prior(one));
  const d = coefficientPrecision(crossed, layout(crossed), prior(crossed));
  assert.ok(a instanceof ArrowheadPrecision);
  assert.ok(d instanceof CrossedPrecision);
  // Either way dim(γ) is β plus every term's J·K level effects.
  assert.equal(a.dim, layout(one).dim);
  assert.equal(d.dim, layout(crossed).dim);
});
