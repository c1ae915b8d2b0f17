import assert from "node:assert/strict";
import {
  binBreaks,
  binColumn,
  intervalBounds,
  intervalLabels,
  quantileType7,
} from "../../lib/data/bin.ts";
import { type FactorColumn, makeTable, type Table } from "../../lib/data/table.ts";
import { groups } from "../../lib/data/groups.ts";

function numbers(values: number[]): Table {
  return makeTable({ x: { kind: "number", values: new Float64Array(values) } });
}

function counts(f: FactorColumn): number[] {
  const out = new Array<number>(f.levels.length).fill(0);
  for (const c of f.codes) if (c >= 0) out[c]++;
  return out;
}

Deno.test("type-7 quantiles match R's quantile()", () => {
  const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(quantileType7(x, 1, 3), 4);
  assert.equal(quantileType7(x, 2, 3), 7);
  // R: quantile(1:10, 0.25) = 3.25; quantile(c(1, 2, 4, 10), 0.5) = 3
  assert.equal(quantileType7(x, 1, 4), 3.25);
  assert.equal(quantileType7([10, 4, 2, 1], 1, 2), 3);
});

Deno.test("binColumn with 3 quantiles of 1..10: [1,4] (4,7] (7,10], counts 4,3,3", () => {
  const t = binColumn(numbers([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), "x", { quantiles: 3 });
  assert.deepEqual(t.names, ["x", "x_bin"]);
  const f = t.columns.x_bin as FactorColumn;
  assert.deepEqual(f.levels, ["[1,4]", "(4,7]", "(7,10]"]);
  assert.deepEqual(counts(f), [4, 3, 3]);
  assert.deepEqual(Array.from(f.codes), [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);
});

Deno.test("binColumn with explicit breaks: right-closed, lowest included, missing kept", () => {
  const t = binColumn(numbers([18, 35, 36, NaN, 52, 90]), "x", { breaks: [18, 35, 52, 90] }, "age");
  const f = t.columns.age as FactorColumn;
  assert.deepEqual(f.levels, ["[18,35]", "(35,52]", "(52,90]"]);
  assert.deepEqual(Array.from(f.codes), [0, 0, 1, -1, 1, 2]);
});

Deno.test("interval labels use 3 significant digits, more when neighbours would collide", () => {
  assert.deepEqual(intervalLabels([0, 1 / 3, 2 / 3, 1]), [
    "[0,0.333]",
    "(0.333,0.667]",
    "(0.667,1]",
  ]);
  // 3 digits print both as "1.23"; 4 digits tell them apart.
  assert.deepEqual(intervalLabels([1.2341, 1.2349, 2]), ["[1.234,1.235]", "(1.235,2]"]);
  assert.deepEqual(intervalLabels([12345, 25000]), ["[12300,25000]"]);
  // quantiles of 1..4 in halves: 1, 2.5, 4
  assert.deepEqual(binBreaks([1, 2, 3, 4], { quantiles: 2 }).labels, ["[1,2.5]", "(2.5,4]"]);
});

Deno.test("tied quantile breaks are merged into fewer bins", () => {
  // n = 9, (n - 1) k / 3 = 0, 2.67, 5.33, 8 → 1, 1 (x[2] = x[3] = 1), 2 + (3 - 2) / 3, 5
  const b = binBreaks([1, 1, 1, 1, 1, 2, 3, 4, 5], { quantiles: 3 });
  assert.equal(b.requestedBins, 3);
  assert.deepEqual(b.breaks.map((x) => Math.round(x * 1e9) / 1e9), [1, 2.333333333, 5]);
  assert.deepEqual(b.labels, ["[1,2.33]", "(2.33,5]"]);
  const f = binColumn(numbers([1, 1, 1, 1, 1, 2, 3, 4, 5]), "x", { quantiles: 3 }).columns
    .x_bin as FactorColumn;
  assert.deepEqual(counts(f), [6, 3]);
});

Deno.test("binColumn errors: outside breaks, bad specs, factor column, constant column", () => {
  assert.throws(
    () => binColumn(numbers([1, 5, 12]), "x", { breaks: [0, 10] }),
    /row 3 has 12, outside the breaks \[0, 10\]; widen/,
  );
  assert.throws(
    () => binColumn(numbers([1, 2]), "x", { breaks: [0, 5, 5] }),
    /`breaks` must increase strictly; got \[0, 5, 5\]/,
  );
  assert.throws(
    () => binColumn(numbers([1, 2]), "x", { quantiles: 1.5 }),
    /`quantiles` must be a whole number/,
  );
  // Both, or a misspelt key: one would be dropped without a word.
  assert.throws(
    () => binColumn(numbers([1, 2]), "x", { quantiles: 2, breaks: [0, 5] } as never),
    /give either \{ quantiles: k \} or \{ breaks: \[b0, b1, …\] \}; got \{ quantiles, breaks \}/,
  );
  assert.throws(
    () => binColumn(numbers([1, 2]), "x", { quantile: 2 } as never),
    /got \{ quantile \}/,
  );
  assert.throws(
    () => binColumn(numbers([4, 4, 4]), "x", { quantiles: 3 }),
    /every value is 4, so there is nothing to bin/,
  );
  const f = makeTable({ g: { kind: "factor", codes: new Int32Array([0]), levels: ["low"] } });
  assert.throws(
    () => binColumn(f, "g", { quantiles: 2 }),
    /Cannot bin: column "g" must be numeric but row 1 has "low"/,
  );
});

Deno.test("intervalBounds reads back the bounds of every label intervalLabels writes", () => {
  const breaks = [-25000, -1.2, 1e-7, 0.333, 80];
  const labels = intervalLabels(breaks);
  labels.forEach((l, j) => {
    const [lo, hi] = intervalBounds(l)!;
    assert.ok(Math.abs(lo - breaks[j]) <= 1e-3 * Math.abs(breaks[j]) + 1e-12, l);
    assert.ok(Math.abs(hi - breaks[j + 1]) <= 1e-3 * Math.abs(breaks[j + 1]) + 1e-12, l);
  });
  for (const text of ["low", "[a,b]", "(3,1]", "[1,2", "1,2]"]) {
    assert.equal(intervalBounds(text), null, text);
  }
});

Deno.test("a missing or malformed bin spec is refused with what to give, not a TypeError", () => {
  // groups(t).bin("x") with the spec left out reached `"quantiles" in undefined`.
  for (const spec of [undefined, null, 3, "quantiles"]) {
    assert.throws(
      () => binBreaks([1, 2, 3], spec as never, "age"),
      (e: Error) =>
        e.name === "HetfxError" &&
        /^Cannot bin column "age": give \{ quantiles: k \} or \{ breaks: \[b0, b1, …\] \}/.test(
          e.message,
        ),
      String(spec),
    );
  }
  assert.throws(
    () => groups(numbers([1, 2, 3])).bin("x", undefined as never),
    /Cannot bin column "x": give \{ quantiles: k \} or \{ breaks/,
  );
  // A quantile count written as text is shown as text, not as the number it looks like.
  assert.throws(
    () => binBreaks([1, 2, 3], { quantiles: "3" } as never, "age"),
    /`quantiles` must be a whole number of bins, 2 or more; got "3"/,
  );
});

Deno.test("breaks equal to 12 significant digits still get distinct labels", () => {
  // 1 + 2e-15 and 1 + 4e-15 (sums of decimals land this close) print as "1" to 12 digits,
  // where R's cut stops looking: two bins were both "(1,1]", and their groups one label.
  const labels = intervalLabels([0, 1, 1 + 2e-15, 1 + 4e-15]);
  assert.equal(new Set(labels).size, 3, labels.join(" "));
  assert.deepEqual(labels, [
    "[0,1]",
    "(1,1.000000000000002]",
    "(1.000000000000002,1.000000000000004]",
  ]);
  const keys = groups({ x: [0, 1, 1 + 2e-15, 1 + 4e-15, 1 + 4e-15, 1 + 6e-15] })
    .bin("x", { quantiles: 3 }).keys();
  assert.equal(new Set(keys.labels).size, keys.labels.length, keys.labels.join(" "));
});

Deno.test("interval labels never use scientific notation, however small or large the breaks", () => {
  // String(1e-7) is "1e-7": the labels promised plain numbers but printed "[0,1e-7]".
  assert.deepEqual(intervalLabels([0, 1e-7, 1]), ["[0,0.0000001]", "(0.0000001,1]"]);
  assert.deepEqual(intervalLabels([-2.5e-8, 0]), ["[-0.000000025,0]"]);
  assert.deepEqual(intervalLabels([1e21, 2.5e21]), [
    "[1000000000000000000000,2500000000000000000000]",
  ]);
  for (const label of intervalLabels([-1e-9, 1.23456e-7, 3e22])) {
    assert.ok(!/e/i.test(label), label);
  }
  assert.deepEqual(intervalBounds(intervalLabels([0, 1e-7])[0]), [0, 1e-7]);
});

Deno.test("breaks may be any array of numbers; anything else is named", () => {
  // { breaks: Float64Array } was refused with "give { quantiles: k } or { breaks: … }".
  const t = numbers([18, 40, 60]);
  const f = binColumn(t, "x", { breaks: Float64Array.of(18, 35, 60) }).columns.x_bin;
  assert.deepEqual(f.kind === "factor" && f.levels, ["[18,35]", "(35,60]"]);
  assert.deepEqual(binBreaks([1, 2], { breaks: Int32Array.of(0, 5) }).breaks, [0, 5]);
  assert.deepEqual(groups(t).bin("x", { breaks: new Float32Array([0, 50, 100]) }).keys().sizes, [
    2,
    1,
  ]);
  assert.throws(
    () => binBreaks([1, 2], { breaks: "0,5" } as never, "age"),
    /Cannot bin column "age": `breaks` must be an array of numbers \(\{ breaks: \[b0, b1, …\] \}\); got "0,5"\.$/,
  );
  assert.deepEqual(binBreaks([1, 2], { breaks: { 0: 0, 1: 5, length: 2 } }).breaks, [0, 5]);
  assert.throws(
    () => binBreaks([1, 2], { breaks: { from: 0, to: 5 } } as never, "age"),
    /`breaks` must be an array of numbers .*; got \{"from":0,"to":5\}/,
  );
  // Text among the breaks is shown as text.
  assert.throws(
    () => binBreaks([1, 2], { breaks: [0, "5"] } as never, "age"),
    /`breaks` must be two or more finite numbers; got \[0, "5"\]\./,
  );
});
