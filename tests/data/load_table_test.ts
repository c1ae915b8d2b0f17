import assert from "node:assert/strict";
import {
  loadTable,
  tableFromColumns,
  tableFromCsvText,
  tableFromDataFrame,
  tableFromRecords,
} from "../../lib/data/load_table.ts";
import { type Column, type Table, withColumn } from "../../lib/data/table.ts";
import { HetfxError } from "../../lib/errors.ts";
import { formula } from "../../lib/spec/formula.ts";
import { compileModel } from "../../lib/model/compile.ts";

function num(table: Table, name: string): number[] {
  const column = table.columns[name];
  assert.equal(column.kind, "number", `${name} should be numeric`);
  return Array.from((column as Extract<Column, { kind: "number" }>).values);
}

function fac(table: Table, name: string): { codes: number[]; levels: readonly string[] } {
  const column = table.columns[name];
  assert.equal(column.kind, "factor", `${name} should be a factor`);
  const f = column as Extract<Column, { kind: "factor" }>;
  return { codes: Array.from(f.codes), levels: f.levels };
}

Deno.test("CSV type inference: numbers, factors with R's sorted levels, NA and empty missing", () => {
  // "mixed" is mostly text, so a factor (a mostly-numeric column with stray text is refused).
  const t = tableFromCsvText("y,g,mixed,z\n1.5,b,1,\n-2e1,a,x,NA\n,b,y,3\n");
  assert.equal(t.nRows, 3);
  assert.deepEqual(t.names, ["y", "g", "mixed", "z"]);
  assert.deepEqual(num(t, "y"), [1.5, -20, NaN]);
  assert.deepEqual(fac(t, "g"), { codes: [1, 0, 1], levels: ["a", "b"] });
  assert.deepEqual(fac(t, "mixed"), { codes: [0, 1, 2], levels: ["1", "x", "y"] });
  assert.deepEqual(num(t, "z"), [NaN, NaN, 3]);
});

Deno.test("text levels sort as R's factor() in the C locale; `levels` sets another order", () => {
  // R: levels(factor(c("low", "control", "high"))) is "control" "high" "low", so brms names the
  // coefficients b_armhigh and b_armlow with control as the reference.
  const csv = "y,arm\n1,low\n2,control\n3,high\n4,low\n";
  assert.deepEqual(fac(tableFromCsvText(csv), "arm"), {
    codes: [2, 0, 1, 2],
    levels: ["control", "high", "low"],
  });
  // Code-point order: upper case before lower case, astral characters after U+FFFF-less ones.
  const records = tableFromRecords([{ g: "b" }, { g: "B" }, { g: "\u{1F600}" }, { g: "\uFF5E" }]);
  assert.deepEqual(fac(records, "g").levels, ["B", "b", "\uFF5E", "\u{1F600}"]);
  // A declared factor whose labels are all numbers sorts numerically, as R's factor() of a
  // numeric column does.
  assert.deepEqual(
    fac(tableFromCsvText("k\n10\n9\n2\n", { factors: ["k"] }), "k").levels,
    ["2", "9", "10"],
  );
  const ordered = tableFromCsvText(csv, { levels: { arm: ["control", "low", "high"] } });
  assert.deepEqual(fac(ordered, "arm"), {
    codes: [1, 0, 2, 1],
    levels: ["control", "low", "high"],
  });
  assert.throws(
    () => tableFromCsvText(csv, { levels: { arm: ["control", "low"] } }),
    /row 3 has "high", which is not among the levels given/,
  );
  assert.throws(
    () => tableFromCsvText(csv, { levels: { amr: ["a"] } }),
    /`levels` names column "amr"/,
  );
  assert.throws(
    () => tableFromCsvText(csv, { levels: { arm: "control,low" as never } }),
    /`levels` for "arm" must be a list of level names/,
  );
});

Deno.test("CSV: a partly numeric cell like '3kg' makes the column a factor", () => {
  assert.deepEqual(fac(tableFromCsvText("w\n3\n3kg\n"), "w").levels, ["3", "3kg"]);
});

Deno.test("CSV: NaN and Inf cells in a numeric column throw, naming column and row", () => {
  assert.throws(
    () => tableFromCsvText("a,x\n1,2\n2,Inf\n"),
    /column "x" row 2 has "Inf"; .*use an empty cell or NA for a missing value/,
  );
  assert.throws(() => tableFromCsvText("x\nNaN\n1\n"), /column "x" row 1 has "NaN"/);
  assert.throws(() => tableFromCsvText("x\n1\n-Infinity\n"), /row 2 has "-Infinity"/);
});

Deno.test("CSV with a header and no rows throws", async () => {
  assert.throws(() => tableFromCsvText("a,b\n"), /the CSV has a header \(a, b\) but no data rows/);
  // A UTF-8 file read as UTF-16LE has no line break: its whole text is one "header", shown cut
  // short with a word on the encoding, not as kilobytes of CJK characters.
  const dir = await Deno.makeTempDir();
  try {
    const lines = ["y,g"];
    for (let i = 0; i < 200; i++) lines.push(`${i},g${i % 3}`);
    await Deno.writeTextFile(`${dir}/utf8.csv`, lines.join("\n") + "\n");
    await assert.rejects(
      () => loadTable(`${dir}/utf8.csv`, { encoding: "utf-16le" }),
      (e) =>
        e instanceof HetfxError &&
        /a header of \d+ characters \(.{200}…\) but no data rows: is the file's encoding/s.test(
          e.message,
        ) &&
        e.message.length < 600,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("records: union of keys, booleans as 0/1, null and absent keys missing", () => {
  const t = tableFromRecords([{ y: 1, ok: true }, { y: null, ok: false, g: "u" }, { y: 3 }]);
  assert.deepEqual(t.names, ["y", "ok", "g"]);
  assert.deepEqual(num(t, "y"), [1, NaN, 3]);
  assert.deepEqual(num(t, "ok"), [1, 0, NaN]);
  assert.deepEqual(fac(t, "g"), { codes: [-1, 0, -1], levels: ["u"] });
  // Strings are not parsed as numbers in records: "1" and 2 make a factor.
  assert.deepEqual(fac(tableFromRecords([{ a: "1" }, { a: 2 }]), "a").levels, ["1", "2"]);
});

Deno.test("records: NaN, Infinity and non-primitive values throw", () => {
  assert.throws(
    () => tableFromRecords([{ x: 1 }, { x: NaN }]),
    /column "x" row 2 is NaN; .*use null for a missing value/,
  );
  assert.throws(() => tableFromRecords([{ x: Infinity }]), /column "x" row 1 is Infinity/);
  // A stray "NA" among numbers: in JavaScript values null is the missing value, not "NA".
  assert.throws(
    () => tableFromRecords([{ y: "NA" }, { y: 1 }, { y: 2 }]),
    (e) =>
      e instanceof HetfxError &&
      /row 1 has "NA"; fix that value or blank it \(null is a missing value\)/
        .test(e.message),
  );
  assert.throws(() => tableFromRecords([{ x: 1 }, { x: "Inf" }]), /column "x" row 2 is "Inf"/);
  assert.throws(
    () => tableFromRecords([{ x: new Date(0) }]),
    /column "x" row 1 is a Date \(convert it/,
  );
  assert.throws(() => tableFromRecords([]), /the array of records is empty/);
  assert.throws(
    () => tableFromRecords([{ x: 1 }, 5 as unknown as Record<string, unknown>]),
    /element 1 of the array of records is a value of type number/,
  );
});

Deno.test("column object: plain and typed arrays; NaN in a typed array is missing", () => {
  const t = tableFromColumns({ y: new Float64Array([1, NaN]), g: ["a", undefined], n: [1, 2] });
  assert.deepEqual(num(t, "y"), [1, NaN]);
  assert.deepEqual(fac(t, "g"), { codes: [0, -1], levels: ["a"] });
  assert.throws(
    () => tableFromColumns({ a: [1, 2, 3], b: [1, 2] }),
    /column "b" has 2 values but column "a" has 3; all columns must have the same length/,
  );
  assert.throws(() => tableFromColumns({ a: [1, NaN] }), /column "a" row 2 is NaN/);
  assert.throws(
    () => tableFromColumns({ a: 3 as unknown as number[] }),
    /column "a" is a value of type number; give each column as an array/,
  );
});

Deno.test("DataFrame-like objects (danfojs shape) load row-major values", async () => {
  const frame = { columns: ["y", "g"], values: [[1, "a"], [NaN, "b"], [3, null]] };
  const t = await loadTable(frame);
  assert.deepEqual(num(t, "y"), [1, NaN, 3]);
  assert.deepEqual(fac(t, "g"), { codes: [0, 1, -1], levels: ["a", "b"] });
  assert.throws(
    () => tableFromDataFrame({ columns: ["a", "b"], values: [[1, 2], [3]] }),
    /DataFrame row 2 has 1 values but there are 2 columns/,
  );
});

Deno.test("loadTable dispatches on a path, CSV text, records and column objects", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/t.csv`;
  await Deno.writeTextFile(path, "a,b\n1,x\n2,y\n");
  const fromPath = await loadTable(path);
  assert.deepEqual(num(fromPath, "a"), [1, 2]);
  const fromText = await loadTable("a,b\n1,x\n2,y\n");
  assert.deepEqual(fac(fromText, "b").levels, ["x", "y"]);
  assert.equal((await loadTable([{ a: 1 }])).nRows, 1);
  assert.equal((await loadTable({ a: [1, 2, 3] })).nRows, 3);
  // A Table passes through.
  assert.equal(await loadTable(fromPath), fromPath);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadTable quotes the path and the OS reason when a file cannot be read", async () => {
  await assert.rejects(
    () => loadTable("/no/such/dir/data.csv"),
    (e: unknown) =>
      e instanceof HetfxError &&
      /cannot read file "\/no\/such\/dir\/data\.csv": .*No such file or directory/.test(e.message),
  );
  await assert.rejects(() => loadTable("survey.dta"), /is a dta file; hetfx reads CSV/);
  await assert.rejects(() => loadTable("a,b"), /if this is CSV text, it needs a header line/);
});

Deno.test("options: factors with levels, reference, dropMissing", async () => {
  const text = "y,g,d\n1,b,3\n,a,1\n0,c,3\n1,a,\n";
  const t = await loadTable(text, { factors: { g: ["c", "b", "a"] }, reference: { g: "a" } });
  assert.deepEqual(fac(t, "g"), { codes: [2, 0, 1, 0], levels: ["a", "c", "b"] });
  const d = await loadTable(text, { factors: ["d"] });
  assert.deepEqual(fac(d, "d"), { codes: [1, 0, 1, -1], levels: ["1", "3"] });
  const r = await loadTable(text, { reference: { d: "3" } });
  assert.deepEqual(fac(r, "d").levels, ["3", "1"]);
  const complete = await loadTable(text, { dropMissing: true });
  assert.equal(complete.nRows, 2);
  assert.deepEqual(complete.droppedMissing, { rows: 2, byColumn: { y: 1, d: 1 } });
  const onlyY = await loadTable(text, { dropMissing: ["y"] });
  assert.deepEqual(num(onlyY, "d"), [3, 3, NaN]);
  assert.deepEqual(onlyY.droppedMissing, { rows: 1, byColumn: { y: 1 } });
  assert.equal((await loadTable(text)).droppedMissing, undefined);
  // A second drop adds to the first; withColumn keeps the record.
  const twice = await loadTable(onlyY, { dropMissing: ["d"] });
  assert.deepEqual(twice.droppedMissing, { rows: 2, byColumn: { y: 1, d: 1 } });
  const extended = withColumn(twice, "z", { kind: "number", values: new Float64Array(2) });
  assert.deepEqual(extended.droppedMissing, twice.droppedMissing);
  await assert.rejects(
    () => loadTable(text, { factors: ["G"] }),
    /option `factors` names column "G", which is not in the data; did you mean "g"\?/,
  );
  await assert.rejects(
    () => loadTable(text, { reference: { g: "z" } }),
    /reference level "z" is not a level of "g"/,
  );
  await assert.rejects(
    () => loadTable(text, { dropMissing: ["yy"] }),
    /option `dropMissing` names column "yy".*did you mean "y"\?/,
  );
});

Deno.test("rows dropped by dropMissing (NaN in a typed array is missing) are a data warning of the model", async () => {
  const y = Float64Array.from({ length: 40 }, (_, i) => (i % 9 === 0 ? NaN : i % 5));
  const table = await loadTable({
    y,
    treat: Float64Array.from({ length: 40 }, (_, i) => i % 2),
    g: Float64Array.from({ length: 40 }, (_, i) => i % 4),
  }, { dropMissing: true });
  assert.equal(table.nRows, 35);
  const spec = formula("y ~ 1 + treat + (1 + treat | g)", table).toJSON();
  const warnings = compileModel(spec, table).warnings ?? [];
  assert.ok(
    warnings.includes(
      "5 rows with missing values (y: 5) were dropped when the table was loaded (dropMissing); " +
        "the model uses the other 35.",
    ),
    warnings.join("\n"),
  );
});

Deno.test("loadTable: a declared factor keeps labels its numbers would merge or round", async () => {
  const csv =
    "site,id,y\n01,900000000000000001,1\n1,900000000000000002,2\n02,900000000000000001,3\n" +
    "2,900000000000000003,4\n";
  const t = await loadTable(csv, { factors: ["site", "id"] });
  const site = t.columns.site, id = t.columns.id;
  assert.ok(site.kind === "factor" && id.kind === "factor");
  // Numeric order, ties in code-point order; no two labels merged.
  assert.deepEqual(site.levels, ["01", "1", "02", "2"]);
  assert.deepEqual(id.levels, ["900000000000000001", "900000000000000002", "900000000000000003"]);
  // Labels that print as their numbers stay as before (asFactor of the numbers).
  const plain = await loadTable("g,y\n10,1\n2,2\n10,3\n", { factors: ["g"] });
  assert.ok(plain.columns.g.kind === "factor");
  assert.deepEqual(plain.columns.g.levels, ["2", "10"]);
});
