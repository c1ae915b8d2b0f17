/** --bin's parsing, checks and records (cli/_bins.ts). */
import assert from "node:assert/strict";
import { refuses } from "../_refuses.ts";
import { applyBins, checkBinColumns, formatBins, parseBins, shellWord } from "../../cli/_bins.ts";
import { groups } from "../../lib/data/groups.ts";
import { binBreaks } from "../../lib/data/bin.ts";
import { makeTable } from "../../lib/data/table.ts";

Deno.test("parseBins: COLUMN=K is K quantile bins, COLUMN=B0,B1,… cut points (negative too)", () => {
  const [q, c, n] = parseBins(["age=4", "income=0,18.5,30,1e3", "z=-1,0,1"]);
  assert.deepEqual(q, { column: "age", spec: { quantiles: 4 }, text: "age=4" });
  assert.deepEqual(c.spec, { breaks: [0, 18.5, 30, 1000] });
  assert.deepEqual(n.spec, { breaks: [-1, 0, 1] });
  assert.deepEqual(parseBins([]), []);
});

Deno.test("parseBins: bad values are refused naming the option and value", () => {
  refuses(() => parseBins(["age"]), /^Option --bin age: expected COLUMN=K/);
  refuses(() => parseBins(["=4"]), /^Option --bin =4: expected COLUMN=K/);
  refuses(() => parseBins(["age="]), /^Option --bin age=: expected/);
  refuses(
    () => parseBins(["age=1"]),
    /^Option --bin age=1: the number of quantile bins must be a whole number, 2 or more \(got 1\)/,
  );
  refuses(() => parseBins(["age=2.5"]), /whole number, 2 or more \(got 2\.5\)/);
  refuses(() => parseBins(["age=four"]), /^Option --bin age=four: "four" is not a number/);
  refuses(() => parseBins(["age=0,,5"]), /"" is not a number/);
  refuses(
    () => parseBins(["age=0,30,18"]),
    /^Option --bin age=0,30,18: the cut points must increase strictly \(18 comes after 30\); give them sorted, each once, e\.g\. --bin age=0,18,30\.$/,
  );
  refuses(() => parseBins(["age=0,5,5"]), /must increase strictly \(5 comes after 5\)/);
  refuses(() => parseBins(["age=4", "age=0,5"]), /^Option --bin age=0,5: "age" is binned twice/);
  refuses(() => parseBins(["my age=1"]), /^Option --bin 'my age=1': /);
});

Deno.test("applyBins: the API's groups(table).bin, the same labels and breaks; records the counts", () => {
  const values = new Float64Array([1, 2, 2, 2, 3, 7, NaN, 9, 10, 4]);
  const t = makeTable({ x: { kind: "number", values } });
  const { table, records, notes } = applyBins(t, parseBins(["x=3"]));
  const api = groups(t).bin("x", { quantiles: 3 }).table;
  assert.deepEqual(table.columns.x_bin, api.columns.x_bin);
  assert.deepEqual(notes, []);
  assert.deepEqual(records, [{
    column: "x",
    name: "x_bin",
    quantiles: 3,
    breaks: binBreaks(values, { quantiles: 3 }).breaks,
    labels: ["[1,2]", "(2,5]", "(5,10]"],
    counts: [4, 2, 3],
    missing: 1,
  }]);
  // Ties merge quantile breaks: the API's note, and fewer bins said in the text.
  const tied = makeTable({ x: { kind: "number", values: new Float64Array([1, 1, 1, 1, 2, 3]) } });
  const merged = applyBins(tied, parseBins(["x=4"]));
  assert.deepEqual(merged.notes, groups(tied).bin("x", { quantiles: 4 }).notes);
  assert.match(
    formatBins(merged.records, merged.notes),
    /^Binned x into x_bin \(4 quantile bins, 2 after ties merged breaks\), rows per bin:\n {2}\[1,1\.75\]: 4\n {2}\(1\.75,3\]: 2\n {2}note: "x_bin": ties in "x" merged/,
  );
});

Deno.test("applyBins / checkBinColumns: an unknown, text or already-binned column, a value outside the cut points", () => {
  const t = makeTable({
    x: { kind: "number", values: new Float64Array([1, 5, 9]) },
    g: { kind: "factor", codes: new Int32Array([0, 1, 0]), levels: ["a", "b"] },
    w_bin: { kind: "number", values: new Float64Array([1, 2, 3]) },
    w: { kind: "number", values: new Float64Array([1, 2, 3]) },
  });
  refuses(
    () => checkBinColumns(t, parseBins(["xx=4"])),
    /^Option --bin xx=4: column "xx" not found; did you mean "x"\?/,
  );
  refuses(() => applyBins(t, parseBins(["g=2"])), /^Option --bin g=2: column "g" must be numeric/);
  refuses(
    () => applyBins(t, parseBins(["w=2"])),
    /^Option --bin w=2: the data already have a column "w_bin"/,
  );
  refuses(
    () => applyBins(t, parseBins(["x=0,5"])),
    /^Option --bin x=0,5: Cannot bin column "x": row 3 has 9, outside the breaks \[0, 5\]/,
  );
});

Deno.test("shellWord: plain words as they are, others quoted", () => {
  assert.equal(shellWord("x=0,18.5,30"), "x=0,18.5,30");
  assert.equal(shellWord("x=B0,B1,…"), "x=B0,B1,…");
  assert.equal(shellWord("it's"), `'it'\\''s'`);
});
