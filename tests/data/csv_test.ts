import assert from "node:assert/strict";
import { parseCsv } from "../../lib/data/csv.ts";
import { HetfxError } from "../../lib/errors.ts";

Deno.test("parseCsv reads quoted fields with commas, escaped quotes and newlines", () => {
  const text = 'id,text,n\n1,"a, b",2\n2,"say ""hi""",3\n3,"two\nlines",4\n';
  const { header, rows } = parseCsv(text);
  assert.deepEqual(header, ["id", "text", "n"]);
  assert.deepEqual(rows, [
    ["1", "a, b", "2"],
    ["2", 'say "hi"', "3"],
    ["3", "two\nlines", "4"],
  ]);
});

Deno.test("parseCsv strips a BOM, accepts CRLF and ignores one trailing empty line", () => {
  const { header, rows } = parseCsv("\uFEFFa,b\r\n1,2\r\n3,\r\n");
  assert.deepEqual(header, ["a", "b"]);
  assert.deepEqual(rows, [["1", "2"], ["3", ""]]);
  // Without a final line break the last row is still read.
  assert.deepEqual(parseCsv("a,b\n1,2").rows, [["1", "2"]]);
  // An empty quoted field is an empty string, and a single-column file keeps empty rows.
  assert.deepEqual(parseCsv('a\n""\n1\n').rows, [[""], ["1"]]);
});

Deno.test("parseCsv ignores blank lines after the last row of a multi-column file", () => {
  assert.deepEqual(parseCsv("a,b\n1,2\n\n\n").rows, [["1", "2"]]);
});

Deno.test("parseCsv rejects empty input", () => {
  assert.throws(() => parseCsv(""), HetfxError);
  assert.throws(() => parseCsv("\uFEFF  \n"), /the input is empty; expected a header line/);
});

Deno.test("parseCsv names duplicate column names", () => {
  assert.throws(
    () => parseCsv("a,b,a,c,b\n1,2,3,4,5\n"),
    /duplicate column names "a", "b" in the header/,
  );
  assert.throws(() => parseCsv("x,,y\n1,2,3\n"), /column 2 of the header has no name/);
});

Deno.test("parseCsv reports a ragged row with its line number and field counts", () => {
  const lines = ["a,b,c,d,e,f"];
  for (let i = 2; i <= 20; i++) lines.push(i === 17 ? "1,2,3,4,5" : "1,2,3,4,5,6");
  assert.throws(
    () => parseCsv(lines.join("\n")),
    /line 17 has 5 fields, the header has 6/,
  );
  // A line number counts physical lines, including those inside quoted fields.
  assert.throws(() => parseCsv('a,b\n"x\ny",1\n1,2,3\n'), /line 4 has 3 fields/);
  assert.throws(() => parseCsv("a,b\n1,2\n\n3,4\n"), /line 3 is blank but the header has 2/);
});

Deno.test("parseCsv reports an unterminated quote and stray characters after a quote", () => {
  assert.throws(
    () => parseCsv('a,b\n1,2\n3,"open\n4,5\n'),
    /unterminated quote in the field that starts on line 3/,
  );
  assert.throws(() => parseCsv('a,b\n"x"y,2\n'), /line 2 has the character "y" right after/);
});
