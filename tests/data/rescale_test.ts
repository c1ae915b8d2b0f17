import assert from "node:assert/strict";
import { centre, rescale2sd } from "../../lib/data/rescale.ts";
import { makeTable, type NumericColumn } from "../../lib/data/table.ts";

Deno.test("rescale2sd divides the centred values by two sample sds", () => {
  // x = 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sum of squares 32, sd = sqrt(32 / 7) = 2.13809
  const t = makeTable({
    x: { kind: "number", values: new Float64Array([2, 4, 4, 4, 5, 5, 7, 9, NaN]) },
  });
  const z = rescale2sd(t, "x", "x_z");
  assert.deepEqual(z.names, ["x", "x_z"]);
  const v = (z.columns.x_z as NumericColumn).values;
  const twoSd = 2 * Math.sqrt(32 / 7);
  assert.ok(Math.abs(v[0] - -3 / twoSd) < 1e-12);
  assert.ok(Math.abs(v[0] - -0.701561) < 1e-6);
  assert.ok(Math.abs(v[7] - 0.935414) < 1e-6);
  assert.ok(Number.isNaN(v[8]));
  // The original is untouched.
  assert.equal((t.columns.x as NumericColumn).values[0], 2);
});

Deno.test("centre subtracts the mean", () => {
  const t = makeTable({ x: { kind: "number", values: new Float64Array([1, 2, 6]) } });
  assert.deepEqual(Array.from((centre(t, "x").columns.x as NumericColumn).values), [-2, -1, 3]);
});

Deno.test("rescale2sd errors on constant, too-short and factor columns", () => {
  const c = makeTable({ x: { kind: "number", values: new Float64Array([0.1, 0.1, 0.1, NaN]) } });
  assert.throws(
    () => rescale2sd(c, "x"),
    /Cannot rescale column "x": every value is 0.1, so its standard deviation is 0/,
  );
  const one = makeTable({ x: { kind: "number", values: new Float64Array([1, NaN]) } });
  assert.throws(
    () => rescale2sd(one, "x"),
    /it has 1 non-missing value; a standard deviation needs at least two/,
  );
  const f = makeTable({ g: { kind: "factor", codes: new Int32Array([0]), levels: ["a"] } });
  assert.throws(
    () => rescale2sd(f, "g"),
    /Cannot rescale: column "g" must be numeric but row 1 has "a"/,
  );
});

Deno.test("rescale2sd takes records, a column object or a DataFrame as loadTable does", () => {
  const sources: Parameters<typeof rescale2sd>[0][] = [
    [{ x: 1 }, { x: 2 }, { x: 3 }],
    { x: [1, 2, 3] },
    { columns: ["x"], values: [[1], [2], [3]] },
  ];
  for (const source of sources) {
    const z = rescale2sd(source, "x").columns.x as NumericColumn;
    assert.deepEqual([...z.values], [-0.5, 0, 0.5]); // mean 2, sd 1: (x − 2) / 2
  }
  assert.throws(
    () => rescale2sd("x.csv" as never, "x"),
    /Cannot rescale: got a string; .*loadTable/,
  );
});

Deno.test("rescale2sd centres a two-valued column without dividing it, as Gelman (2008) and arm", () => {
  // male = 0, 1, 1, 1, 1, 1, 1, 1, 1, 1: mean 0.9, sd = sqrt(0.9 · 0.1 · 10 / 9) = 0.3162, so
  // dividing by 2 sd would give 0.3162 for a 1; Gelman (2008) and arm::rescale (binary.inputs
  // "center") leave a binary input's difference of 1 between its values: x − 0.9.
  const male = [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, null];
  const centred = rescale2sd({ male }, "male").columns.male as NumericColumn;
  assert.deepEqual([...centred.values].slice(0, 2).map((v) => +v.toFixed(12)), [-0.9, 0.1]);
  assert.ok(Number.isNaN(centred.values[10]));
  // Coded 1/2 or −1/1 alike: centred, the difference between the two values kept.
  const pm = rescale2sd({ x: [-1, 1, 1, 1] }, "x").columns.x as NumericColumn;
  assert.deepEqual([...pm.values], [-1.5, 0.5, 0.5, 0.5]);
  // { binary: "full" } divides it by two sds too (arm's binary.inputs = "full").
  const full = rescale2sd({ male }, "male", { newName: "male_z", binary: "full" });
  const z = (full.columns.male_z as NumericColumn).values;
  const twoSd = 2 * Math.sqrt(0.9 * 0.1 * 10 / 9);
  assert.ok(Math.abs(z[1] - 0.1 / twoSd) < 1e-12);
  assert.deepEqual(full.names, ["male", "male_z"]);
  // Three or more values: two sds whatever the option.
  const three = rescale2sd({ x: [1, 2, 3] }, "x", { binary: "center" }).columns.x as NumericColumn;
  assert.deepEqual([...three.values], [-0.5, 0, 0.5]);
});

Deno.test("rescale2sd refuses unknown options and binary values", () => {
  assert.throws(
    () => rescale2sd({ x: [0, 1] }, "x", { binarry: "full" } as never),
    /Cannot rescale column "x": unknown option "binarry"; did you mean "binary"\?/,
  );
  assert.throws(
    () => rescale2sd({ x: [0, 1] }, "x", { binary: "scale" } as never),
    /Cannot rescale column "x": option binary must be "center" or "full"; got "scale"/,
  );
});
