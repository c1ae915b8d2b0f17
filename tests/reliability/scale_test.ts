/**
 * Scale (issue 8): the compiled model's size (typed-array elements in CompiledData) does not
 * grow with the number of rows when the covariate patterns do not, for the Gaussian (sufficient
 * statistics per cell) and the Bernoulli (one entry per covariate pattern) likelihoods.
 * bench/scale.ts measures 10⁶ rows; this test stays small (2 × 10⁵ rows).
 */
import assert from "node:assert/strict";
import { formula } from "../../lib/spec/formula.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { SCALE_FORMULA, scaleTable, typedArrayLength } from "./_scale_data.ts";

for (const family of ["gaussian", "bernoulli"] as const) {
  Deno.test(`scale: ${family} compiled model size does not grow with rows (5e4 vs 2e5)`, () => {
    const sizes = [50_000, 200_000].map((rows) => {
      const table = scaleTable(rows, family, 3);
      const data = compileModel(formula(SCALE_FORMULA, table, { family }).toJSON(), table);
      assert.equal(data.nRows, rows);
      return {
        elements: typedArrayLength(data),
        compressedTo: data.stats.kind === "cells" ? data.nCells : data.stats.nPatterns,
        dim: data.dim,
      };
    });
    assert.deepEqual(sizes[1], sizes[0]);
    // Small in absolute terms too: far fewer elements than rows.
    assert.ok(sizes[1].elements < 200_000 / 4, `${sizes[1].elements} elements`);
  });
}
