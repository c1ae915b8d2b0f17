import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { formula } from "../../lib/spec/formula.ts";
import { makeTable } from "../../lib/data/table.ts";

/** 8 rows; factor arm declares a level "c" that no row has (as after dropping rows). */
function unusedLevelTable() {
  return makeTable({
    y: { kind: "number", values: Float64Array.of(1, 2, 3, 2.5, 1.2, 2.2, 0.4, 1.9) },
    arm: { kind: "factor", levels: ["a", "b", "c"], codes: Int32Array.of(0, 1, 0, 1, 0, 1, 0, 1) },
    g: { kind: "number", values: Float64Array.of(1, 1, 2, 2, 3, 3, 1, 2) },
  });
}

Deno.test("compileModel: a varying slope of a factor level no row has is refused, not fitted from its prior", () => {
  const t = unusedLevelTable();
  // brms drops unused levels; a slope "armc" that is 0 in every row has only its prior to go on,
  // and its "c - a" treatment effect was reported as if estimated.
  const spec = formula("y ~ 1 + (1 + arm | g)", t).toJSON();
  assert.throws(
    () => compileModel(spec, t),
    /varying effect "armc" of group term "g" is 0 in every row.*dropUnusedLevels/s,
  );
});
