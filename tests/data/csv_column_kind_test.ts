/**
 * The CSV column-kind rule and the cell spellings that the in-memory loader and the DuckDB
 * engine share: the space characters are exactly those trim() removes (so DuckDB trims cells as
 * JavaScript does), and the rule refuses a mostly numeric column and a non-finite number.
 */
import assert from "node:assert/strict";
import {
  CSV_CELLS,
  csvCellKind,
  csvColumnKind,
  csvNumber,
  readsAsNumbers,
} from "../../lib/data/csv_column_kind.ts";
import { tableFromCsvText } from "../../lib/data/load_table.ts";
import { HetfxError } from "../../lib/errors.ts";
import { loadTable } from "../../lib/data/load_table.ts";

Deno.test("CSV_CELLS.space holds exactly the characters String.prototype.trim removes", () => {
  const trimmedAway: string[] = [];
  for (let u = 0; u <= 0xffff; u++) {
    const c = String.fromCharCode(u);
    if (c.trim() === "") trimmedAway.push(c);
  }
  assert.deepEqual([...CSV_CELLS.space].sort(), trimmedAway.sort());
});

Deno.test("csvColumnKind: numbers, factors, and the loader's refusals", () => {
  assert.equal(csvColumnKind("x", { numbers: 5, texts: 0 }, false), "number");
  const text = { row: 3, value: "abc" };
  assert.equal(csvColumnKind("g", { numbers: 2, texts: 2, firstText: text }, false), "factor");
  assert.equal(csvColumnKind("g", { numbers: 9, texts: 1, firstText: text }, true), "factor");
  assert.throws(
    () => csvColumnKind("x", { numbers: 9, texts: 1, firstText: text }, false),
    (e) => e instanceof HetfxError && /column "x" looks numeric .* row 4 has "abc"/.test(e.message),
  );
  assert.throws(
    () =>
      csvColumnKind("x", { numbers: 9, texts: 0, firstNonFinite: { row: 0, value: "Inf" } }, false),
    (e) => e instanceof HetfxError && /column "x" row 1 has "Inf"/.test(e.message),
  );
});

Deno.test("a CSV column of numbers with decimal commas or thousands separators is refused, not made categories", async () => {
  const cases: [string[], string][] = [[["-0,9314", "1,25", "0,5"], "-0,9314"], [
    ["59,722", "1,007,250"],
    "59,722",
  ]];
  for (const [cells, shown] of cases) {
    const csv = ["x,y", ...cells.map((c, i) => `"${c}",${i}`)].join("\n") + "\n";
    await assert.rejects(
      () => loadTable(csv),
      (e) =>
        e instanceof HetfxError &&
        e.message.includes(`column "x" holds numbers written with a decimal comma`) &&
        e.message.includes(`("${shown}")`) && e.message.includes("--factor x"),
    );
    // Declared a factor, the labels are categories as asked.
    const t = await loadTable(csv, { factors: ["x"] });
    assert.equal(t.columns.x.kind, "factor");
  }
  // Text that merely contains commas is text.
  const text = await loadTable('x,y\n"a, b",1\n"c, d",2\n');
  assert.equal(text.columns.x.kind, "factor");
});

Deno.test("csvCellKind, csvNumber and readsAsNumbers read cells as the loader reads a column", () => {
  // deno task sql's hint (parseDecimal of each label) and checkNumberKeys (Number(label))
  // each had a rule of their own: Number("") is 0, Number("0x10") 16, and "Inf" was no number
  // to the hint though the loader reads such a column as numbers (and refuses it).
  const cells = ["1e3", " 1", "0x10", "", "NA", "Inf", "1,5"];
  assert.deepEqual(cells.map(csvCellKind), [
    "number",
    "number",
    "text",
    "missing",
    "missing",
    "non-finite",
    "text",
  ]);
  assert.deepEqual(cells.map(csvNumber), [
    1000,
    1,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
  for (const cell of cells) {
    // The loader agrees cell by cell: a column of "0" and the cell is numeric exactly when
    // readsAsNumbers says so.
    const csv = `g\n0\n${/[",]/.test(cell) ? `"${cell}"` : cell}\n`;
    const read = () => tableFromCsvText(csv, {}).columns.g.kind;
    if (csvCellKind(cell) === "non-finite") assert.throws(read, /values must be finite numbers/);
    else assert.equal(read() === "number", readsAsNumbers(["0", cell]), cell);
  }
});

Deno.test("a cell too large for a number (1e999 reads as Infinity) is named as such: row, column, value, finite", async () => {
  // It was "looks numeric … but row 2 has "1e999"; fix that value" with no word of why.
  for (const csv of ["y,x\n1,1\n1e999,2\n3,3\n4,4\n", "y,x\n1,1\n-1e999,2\n3,3\n4,4\n"]) {
    await assert.rejects(
      () => loadTable(csv),
      (e: unknown) => {
        assert.ok(e instanceof HetfxError);
        assert.match(
          e.message,
          /column "y" looks numeric \(3 of 4 values are numbers\) but row 2 has "-?1e999", a number too large to hold \(it reads as -?Infinity; the largest is about 1\.8e308\); values must be finite: fix that value or blank it/,
        );
        return true;
      },
    );
  }
  // Text that is no number keeps the message it had.
  await assert.rejects(() => loadTable("y,x\n1,1\nabc,2\n3,3\n4,4\n"), (e: unknown) => {
    assert.doesNotMatch((e as Error).message, /too large|must be finite/);
    return true;
  });
});
