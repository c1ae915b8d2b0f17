/** decodeText and encodingName: byte-order marks, invalid UTF-8 located, aliases. */
import assert from "node:assert/strict";
import { HetfxError } from "../../lib/errors.ts";
import {
  binaryFormat,
  decodeText,
  encodingName,
  utf16Encoding,
  utf8Problem,
} from "../../lib/data/text_encoding.ts";

const bytes = (...b: number[]) => new Uint8Array(b);

Deno.test("decodeText: UTF-8 with and without a mark; the mark is dropped", () => {
  const cafe = new TextEncoder().encode("g\ncafé\n");
  assert.equal(decodeText(cafe, "f.csv"), "g\ncafé\n");
  assert.equal(decodeText(bytes(0xef, 0xbb, 0xbf, ...cafe), "f.csv"), "g\ncafé\n");
});

Deno.test("decodeText: a UTF-16 mark wins over the encoding given", () => {
  const le = bytes(0xff, 0xfe, 0x61, 0x00, 0xe9, 0x00);
  const be = bytes(0xfe, 0xff, 0x00, 0x61, 0x00, 0xe9);
  assert.equal(decodeText(le, "f.csv", "latin1"), "aé");
  assert.equal(decodeText(be, "f.csv"), "aé");
});

Deno.test("decodeText: invalid UTF-8 is refused at its line; each bad sequence kind", () => {
  const cases: [Uint8Array, RegExp][] = [
    [bytes(0x61, 0x0a, 0x62, 0x0a, 0xe9, 0x0a), /line 3 has the byte 0xE9/], // lone Latin-1
    [bytes(0xc0, 0xaf), /line 1 has the byte 0xC0/], // overlong
    [bytes(0xed, 0xa0, 0x80), /byte 0xED/], // surrogate
    [bytes(0x61, 0xe2, 0x82), /byte 0xE2/], // truncated at the end
    [bytes(0xf5, 0x80, 0x80, 0x80), /byte 0xF5/], // beyond U+10FFFF
  ];
  for (const [input, pattern] of cases) {
    assert.throws(() => decodeText(input, "d.csv"), (e: unknown) => {
      assert.ok(e instanceof HetfxError);
      assert.match(e.message, /"d\.csv" is not valid UTF-8 text/);
      assert.match(e.message, pattern);
      return true;
    });
  }
  // Valid multi-byte sequences of each length pass.
  assert.equal(decodeText(new TextEncoder().encode("é€😀"), "d.csv"), "é€😀");
});

Deno.test("decodeText: UTF-16 without a mark named as such, or refused as 8-bit", () => {
  const le = new Uint8Array([..."y,g\n1,a\n"].flatMap((c) => [c.charCodeAt(0), 0]));
  assert.equal(decodeText(le, "f.csv", "utf-16le"), "y,g\n1,a\n");
  assert.throws(() => decodeText(le, "f.csv", "latin1"), /looks like UTF-16LE/);
  assert.throws(() => decodeText(le.subarray(1), "f.csv", "utf-16le"), /odd number of bytes/);
  // Under the default UTF-8 too: ASCII saved as UTF-16 is valid UTF-8 (NULs between letters),
  // which read as text would fail later with a message about NULs in names or field counts.
  for (const encoding of [undefined, "utf-8" as const]) {
    assert.throws(
      () => decodeText(le, "f.csv", encoding),
      (e) =>
        e instanceof HetfxError && /looks like UTF-16LE .*encoding: "utf-16le"/.test(e.message),
    );
  }
  const be = new Uint8Array([..."y,g\n1,a\n"].flatMap((c) => [0, c.charCodeAt(0)]));
  assert.throws(() => decodeText(be, "f.csv"), /looks like UTF-16BE/);
});

Deno.test("decodeText: a compressed or binary file is named as such, in any encoding", () => {
  const text = (t: string) => [...t].map((c) => c.charCodeAt(0));
  const cases: [Uint8Array, string, RegExp][] = [
    [
      bytes(0x1f, 0x8b, 8, 0, 0x8b),
      "d.csv.gz",
      /is gzip-compressed, not CSV text; decompress it first \(gunzip -k "d\.csv\.gz"\)\.$/,
    ],
    [bytes(0x1f, 0x8b, 8, 0), "d.csv", /is gzip-compressed, .*gzip -dc "d\.csv" > data\.csv/],
    [
      bytes(0x50, 0x4b, 3, 4, 0x14),
      "d.csv",
      /is a zip archive \(as an \.xlsx or \.ods workbook is\), not CSV text; save the sheet as CSV/,
    ],
    [
      bytes(...text("PAR1"), 0, 0x15, ...text("PAR1")),
      "d.csv",
      /is a Parquet file, not CSV text; name it \.parquet/,
    ],
    [bytes(0x89, ...text("PNG\r\n\x1a\n"), 0), "d.csv", /is a PNG image, not CSV text/],
    [bytes(...text("%PDF-1.7\n"), 0xe2), "d.csv", /is a PDF document, not CSV text/],
  ];
  for (const [b, file, expected] of cases) {
    for (const encoding of [undefined, "latin1"] as const) {
      assert.throws(() => decodeText(b, file, encoding), (e: Error) => {
        assert.ok(e instanceof HetfxError);
        assert.match(e.message, expected);
        assert.doesNotMatch(e.message, /Latin-1|UTF-8/);
        return true;
      });
    }
  }
  // Text that merely starts like a magic number is text: a header "PAR1,x" without the footer.
  assert.equal(binaryFormat(new TextEncoder().encode("PAR1,x\n1,2\n"), "d.csv"), undefined);
  assert.equal(decodeText(new TextEncoder().encode("PAR1,x\n1,2\n"), "d.csv"), "PAR1,x\n1,2\n");
});

Deno.test("encodingName: aliases, case and spaces; unknown names listed", () => {
  assert.equal(encodingName(" UTF8 ", "x"), "utf-8");
  assert.equal(encodingName("cp1252", "x"), "windows-1252");
  assert.equal(encodingName("Latin-1", "x"), "latin1");
  assert.throws(() => encodingName("koi8-r", "Ctx"), /Ctx: encoding "koi8-r" is not one/);
  assert.throws(() => encodingName(undefined, "Ctx"), /encoding undefined/);
});

Deno.test("utf8Problem: the line and byte that break UTF-8; a cut character ends a partial read", () => {
  const bytes = Uint8Array.from([0x79, 0x0a, 0x63, 0x61, 0x66, 0xe9, 0x0a]);
  assert.deepEqual(utf8Problem(bytes), { line: 2, byte: "0xE9" });
  const cut = new TextEncoder().encode("y\ncafé").subarray(0, 6);
  assert.equal(utf8Problem(cut, true), undefined);
  assert.deepEqual(utf8Problem(cut), { line: 2, byte: "0xC3" });
  assert.equal(utf16Encoding(Uint8Array.from([0xff, 0xfe, 0x79, 0])), "utf-16le");
  assert.equal(utf16Encoding(new TextEncoder().encode("y,g\n1,a\n")), undefined);
});
