import assert from "node:assert/strict";
import { describeNonFiniteDensity } from "../../lib/model/init_diagnosis.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { hier } from "../../lib/spec/hier.ts";
import { numericTable } from "./_fixtures.ts";

const n = 12;
const g = Float64Array.from({ length: n }, (_, i) => 1 + (i % 3));
const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i));

Deno.test("describeNonFiniteDensity: empty when the density is finite at the initial values", () => {
  const y = Float64Array.from({ length: n }, (_, i) => Math.cos(i));
  const table = numericTable({ y, x, g });
  const data = compileModel(hier(table).outcome("y").controls("x").groupBy("g").toJSON(), table);
  assert.equal(describeNonFiniteDensity(data), "");
});

Deno.test("describeNonFiniteDensity: an outcome too large to square is named with the remedy", () => {
  const y = Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1e200 : -1e200));
  const table = numericTable({ y, x, g });
  const data = compileModel(hier(table).outcome("y").controls("x").groupBy("g").toJSON(), table);
  const why = describeNonFiniteDensity(data);
  assert.match(why, /^the likelihood of "y" \(gaussian\) is not finite even at the initial values/);
  assert.match(why, /rescale it/);
});
