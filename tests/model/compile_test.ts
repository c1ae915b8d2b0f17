import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { formula } from "../../lib/spec/formula.ts";
import { makeTable } from "../../lib/data/table.ts";
import { binColumn } from "../../lib/data/bin.ts";
import { dropUnusedLevels } from "../../lib/data/factor.ts";
import { groups } from "../../lib/data/groups.ts";
import { hier } from "../../lib/spec/hier.ts";

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

Deno.test("compileModel: an empty bin among the predictors is named as a bin, with what to do", () => {
  // Ages 20–49 and breaks [0, 30, 70, 200]: no row in (70,200]. As a slope predictor it was
  // refused as 'predictor "age_bin70200" has the same value (0) in every row'.
  const t = makeTable({
    y: { kind: "number", values: Float64Array.from({ length: 30 }, (_, i) => Math.cos(i)) },
    treat: { kind: "number", values: Float64Array.from({ length: 30 }, (_, i) => i % 2) },
    age: { kind: "number", values: Float64Array.from({ length: 30 }, (_, i) => 20 + i) },
    g: { kind: "number", values: Float64Array.from({ length: 30 }, (_, i) => i % 3) },
  });
  const binned = binColumn(t, "age", { breaks: [0, 30, 70, 200] });
  const model = (table: typeof t) =>
    hier(table).outcome("y").treatment("treat").groupBy("g").slopePredictors("age_bin");
  assert.throws(
    () => compileModel(model(binned).toJSON(), binned),
    (e: Error) =>
      e.name === "HetfxError" &&
      e.message ===
        'Cannot build model: bin "(70,200]" of "age_bin" has no rows (no value of "age" falls ' +
          "in it), so the model cannot estimate its coefficient. Give breaks that leave no bin " +
          'empty, or drop the empty bin first: dropUnusedLevels(table, ["age_bin"]).',
  );
  // The advice works: without the empty bin, (30,70] against [0,30] is the one contrast.
  const dropped = dropUnusedLevels(binned, ["age_bin"]);
  const data = compileModel(model(dropped).toJSON(), dropped);
  assert.deepEqual(data.fixedNames, ["treat", "age_bin3070", "treat:age_bin3070"]);
  // Grouping by the bins: groups are the bins rows fall in, so an empty one is no matter.
  const grouping = groups(t).bin("age", { breaks: [0, 30, 70, 200] });
  const byBins = hier(t).outcome("y").treatment("treat").groupBy(grouping);
  assert.equal(compileModel(byBins.toJSON(), byBins.table).terms[0].labels.length, 2);
});
