/**
 * Issue 23, text classes: files in other encodings are decoded when named or marked (BOM) and
 * refused otherwise (naming the file, what was found and the fix) instead of merging levels
 * through U+FFFD; header names with spaces around them are trimmed with a warning; loadTable of
 * null or undefined is a HetfxError.
 */
import assert from "node:assert/strict";
import { loadTable } from "../../lib/data/load_table.ts";
import { formula } from "../../lib/spec/formula.ts";
import { assertHetfx } from "./_helpers.ts";

const CAFES = ["café", "cafè", "cafê", "cafe"];
// Levels come in R's (code-point) order: e < è (U+E8) < é (U+E9) < ê (U+EA).
const SORTED_CAFES = ["cafe", "cafè", "café", "cafê"];

/** 40 rows of y, treat, g with g cycling through the four café spellings. */
function cafeCsv(): string {
  const rows = ["y,treat,g"];
  for (let i = 0; i < 40; i++) rows.push(`${(i * 7) % 5},${i % 2},${CAFES[i % 4]}`);
  return rows.join("\n") + "\n";
}

/** Latin-1 bytes of a text whose characters are all below U+0100. */
function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** UTF-16 bytes, little- or big-endian, with or without a byte-order mark. */
function utf16(text: string, bigEndian: boolean, bom: boolean): Uint8Array {
  const units = (bom ? "\ufeff" : "") + text;
  const out = new Uint8Array(units.length * 2);
  for (let i = 0; i < units.length; i++) {
    const u = units.charCodeAt(i);
    out[2 * i + (bigEndian ? 1 : 0)] = u & 0xff;
    out[2 * i + (bigEndian ? 0 : 1)] = u >> 8;
  }
  return out;
}

async function tempFile(bytes: Uint8Array): Promise<string> {
  const path = await Deno.makeTempFile({ prefix: "hetfx_enc_", suffix: ".csv" });
  await Deno.writeFile(path, bytes);
  return path;
}

function levelsOf(table: Awaited<ReturnType<typeof loadTable>>, name: string): string[] {
  const column = table.columns[name];
  assert.equal(column.kind, "factor");
  return [...(column.kind === "factor" ? column.levels : [])];
}

Deno.test("encoding: a Latin-1 file is refused by default, naming the file, byte and fix", async () => {
  const path = await tempFile(latin1(cafeCsv()));
  await assertHetfx(
    () => loadTable(path),
    new RegExp(`"${path.replaceAll("/", "\\/")}" is not valid UTF-8 text`),
    /line 2 has the byte 0xE9/,
    /encoding: "latin1"/,
  );
  await Deno.remove(path);
});

Deno.test("encoding: latin1 / windows-1252 decode the four café levels apart", async () => {
  const path = await tempFile(latin1(cafeCsv()));
  for (const encoding of ["latin1", "windows-1252"] as const) {
    const table = await loadTable(path, { encoding });
    assert.deepEqual(levelsOf(table, "g"), SORTED_CAFES);
    // Four groups in the model, not two.
    const spec = formula("y ~ treat + (1 | g)", table).toJSON();
    assert.equal(spec.groupTerms[0].factors[0], "g");
  }
  await Deno.remove(path);
});

Deno.test("encoding: UTF-16 with a byte-order mark is decoded, either byte order", async () => {
  for (const bigEndian of [false, true]) {
    const path = await tempFile(utf16(cafeCsv(), bigEndian, true));
    const table = await loadTable(path);
    assert.deepEqual(table.names, ["y", "treat", "g"]);
    assert.deepEqual(levelsOf(table, "g"), SORTED_CAFES);
    await Deno.remove(path);
  }
});

Deno.test("encoding: UTF-16 without a mark is refused with the right byte order", async () => {
  for (const [bigEndian, name] of [[false, "UTF-16LE"], [true, "UTF-16BE"]] as const) {
    const path = await tempFile(utf16(cafeCsv(), bigEndian, false));
    await assertHetfx(() => loadTable(path), new RegExp(`looks like ${name}`));
    const table = await loadTable(path, { encoding: name.toLowerCase() as "utf-16le" });
    assert.deepEqual(levelsOf(table, "g"), SORTED_CAFES);
    await Deno.remove(path);
  }
});

Deno.test("encoding: a UTF-8 file with or without a mark reads the same", async () => {
  const text = cafeCsv();
  const plain = await tempFile(new TextEncoder().encode(text));
  const marked = await tempFile(new TextEncoder().encode("\ufeff" + text));
  assert.deepEqual(levelsOf(await loadTable(plain), "g"), SORTED_CAFES);
  assert.deepEqual((await loadTable(marked)).names, ["y", "treat", "g"]);
  await Deno.remove(plain);
  await Deno.remove(marked);
});

Deno.test("encoding: unknown names and text sources are refused", async () => {
  const path = await tempFile(latin1(cafeCsv()));
  await assertHetfx(
    () => loadTable(path, { encoding: "latin9" as "latin1" }),
    /encoding "latin9" is not one hetfx reads; use one of utf-8, latin1/,
  );
  await assertHetfx(
    () => loadTable(cafeCsv(), { encoding: "latin1" }),
    /option `encoding` applies to a CSV file read from a path/,
  );
  await Deno.remove(path);
});

Deno.test("header: spaces after commas are trimmed, with a warning", async () => {
  const table = await loadTable("y, treat , g\n1,0,a\n2,1,b\n");
  assert.deepEqual(table.names, ["y", "treat", "g"]);
  assert.equal(table.warnings?.length, 1);
  assert.match(table.warnings![0], /" treat ", " g"/);
  assert.match(table.warnings![0], /called "treat", "g"/);
  assert.equal(formula("y ~ treat", table).toJSON().terms[0], "treat");
  // Trimming that makes two names equal is a duplicate.
  await assertHetfx(() => loadTable("y,y \n1,2\n"), /duplicate column name "y"/);
  // A tidy header gives no warning.
  assert.equal((await loadTable("y,g\n1,a\n")).warnings, undefined);
});

Deno.test("loadTable: null, undefined and other non-sources are HetfxErrors", async () => {
  for (const source of [null, undefined, 42, true, Symbol("s"), () => 1]) {
    await assertHetfx(
      () => loadTable(source as unknown as string),
      /Cannot load table: .*(got|expected)/,
    );
  }
});
