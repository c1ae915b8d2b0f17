/**
 * Seeded fuzzing (issue 8): the formula parser (random token soups and mutations of valid
 * formulas, each also validated and compiled when it parses) and the CSV loader (random quotes,
 * commas, line breaks, BOM, CR, NaN, unicode) each get 10,000 generated inputs. Any exception
 * other than a HetfxError is a failure, reported with the input that caused it.
 */
import assert from "node:assert/strict";
import { HetfxError } from "../../lib/errors.ts";
import { loadTable } from "../../lib/data/load_table.ts";
import { formula } from "../../lib/spec/formula.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { baseCsv } from "./_helpers.ts";
import { seeded } from "../_seeded.ts";

const N = 10_000;

function pick<T>(u: () => number, xs: readonly T[]): T {
  return xs[Math.floor(u() * xs.length)];
}

const ODD_CHARS = [
  "\u00e9",
  "\u00df",
  "\u4e2d",
  "\u{1F600}",
  "\u200b",
  "\ufeff",
  "\u0000",
  "\t",
  "\r",
  "\n",
  "\\",
  "'",
  '"',
  "$",
  "%",
  "^",
  "&",
  "#",
  "=",
  "!",
  "?",
  ";",
  "{",
  "}",
  "<",
  ">",
  "\ud800",
];

/** Collect failures (non-HetfxError exceptions) with their input; report the first few. */
async function fuzz(
  inputs: Iterable<string>,
  run: (input: string) => unknown,
): Promise<{ total: number; refused: number; failures: string[] }> {
  let total = 0;
  let refused = 0;
  const failures: string[] = [];
  for (const input of inputs) {
    total++;
    try {
      await run(input);
    } catch (error) {
      if (error instanceof HetfxError) {
        refused++;
        continue;
      }
      failures.push(
        `${JSON.stringify(input)} → ${error instanceof Error ? error.stack : String(error)}`,
      );
    }
  }
  return { total, refused, failures };
}

// ---- formula ---------------------------------------------------------------------------

const table = await loadTable(baseCsv(24));
const COLUMNS = ["y", "treat", "x", "f", "g", "n", "s"];
const TOKENS = [
  ...COLUMNS,
  ...COLUMNS,
  "trials",
  "zz",
  "Y",
  "x.y",
  "_a",
  ".x",
  "1",
  "0",
  "2",
  "0.5",
  "1e5",
  "1e",
  ".5",
  "~",
  "~",
  "+",
  "+",
  "-",
  "*",
  ":",
  ":",
  "|",
  "||",
  "(",
  "(",
  ")",
  ")",
  "[",
  "]",
  ",",
  " ",
  " ",
  "  ",
  ...ODD_CHARS.slice(0, 8),
];
const VALID = [
  "y ~ x",
  "y ~ 1 + x + treat + (1 + treat | g)",
  "y ~ 0 + x + f",
  "y ~ treat * (x + f) + (1 + treat | g)",
  "y ~ x + (1 + treat || g)",
  "y ~ treat + (0 + treat | g) + (1 | f)",
  "y ~ treat + (1 + treat | g:f)",
  "s | trials(n) ~ x + treat + (1 + treat | g)",
  "y ~ x - 1",
  "y ~ x*f - x:f",
  "y~x+treat+(treat|g)",
];

function* formulaInputs(seed: number): Generator<string> {
  const u = seeded(seed);
  for (let i = 0; i < N; i++) {
    if (i % 2 === 0) {
      // Token soup, usually with a "~" in it so the parser gets past the response.
      const length = 1 + Math.floor(u() * 14);
      const tokens = Array.from({ length }, () => pick(u, TOKENS));
      if (u() < 0.7) tokens.splice(Math.min(1, tokens.length), 0, "~");
      if (u() < 0.5) tokens.unshift("y");
      yield tokens.join(u() < 0.5 ? " " : "");
    } else {
      // Mutations of a valid formula.
      let text = pick(u, VALID);
      const edits = 1 + Math.floor(u() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(u() * (text.length + 1));
        const kind = Math.floor(u() * 6);
        if (kind === 0) text = text.slice(0, at) + text.slice(at + 1); // delete
        else if (kind === 1) text = text.slice(0, at) + pick(u, TOKENS) + text.slice(at); // insert
        else if (kind === 2) text = text.slice(0, at) + pick(u, ODD_CHARS) + text.slice(at);
        else if (kind === 3) text = text.slice(0, at); // truncate
        else if (kind === 4) {
          const end = at + Math.floor(u() * 6);
          text = text.slice(0, end) + text.slice(at, end) + text.slice(end); // duplicate
        } else text = text.slice(0, at) + pick(u, COLUMNS) + text.slice(at + 1); // replace
      }
      yield text;
    }
  }
}

Deno.test("fuzz: formula() on 10,000 token soups and mutations throws only HetfxError", async () => {
  let compiled = 0;
  const result = await fuzz(formulaInputs(20240601), (text) => {
    const builder = formula(text, table);
    const spec = builder.toJSON();
    compileModel(spec, table);
    compiled++;
  });
  assert.equal(result.total, N);
  assert.deepEqual(result.failures.slice(0, 5), [], `${result.failures.length} failures`);
  // The generator must exercise both paths: many refusals and some models that compile.
  assert.ok(result.refused > N / 4, `${result.refused} refused`);
  assert.ok(compiled > 100, `${compiled} compiled`);
});

// ---- CSV -------------------------------------------------------------------------------

const CELLS = [
  "1",
  "0",
  "-2.5",
  "3e2",
  "1e309",
  "NaN",
  "nan",
  "Inf",
  "-Infinity",
  "NA",
  "",
  " ",
  "a",
  "b",
  "x y",
  "1,5",
  '"q"',
  '"a,b"',
  '"line\nbreak"',
  '"say ""hi"""',
  '"',
  '""',
  "\u00e9t\u00e9",
  "\u4e2d\u6587",
  "\u{1F600}",
  "0x10",
  "+4",
  ".5",
  "5.",
  "TRUE",
];
const SEPARATORS = [",", ",", ",", ",", "\n", "\r\n", "\r", '"', ";", "\t"];

function* csvInputs(seed: number): Generator<string> {
  const u = seeded(seed);
  const good = baseCsv(6);
  for (let i = 0; i < N; i++) {
    let text: string;
    if (i % 3 === 0) {
      // Mutations of a good CSV.
      text = good;
      const edits = 1 + Math.floor(u() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(u() * (text.length + 1));
        const piece = u() < 0.5
          ? pick(u, SEPARATORS)
          : u() < 0.5
          ? pick(u, CELLS)
          : pick(u, ODD_CHARS);
        text = u() < 0.3
          ? text.slice(0, at) + text.slice(at + 1)
          : text.slice(0, at) + piece + text.slice(at);
      }
    } else {
      // A random grid of cells with random separators.
      const cols = 1 + Math.floor(u() * 4);
      const rows = Math.floor(u() * 6);
      const lines: string[] = [];
      const header = Array.from({ length: cols }, (_, j) => u() < 0.1 ? pick(u, CELLS) : `c${j}`);
      lines.push(header.join(","));
      for (let r = 0; r < rows; r++) {
        const width = u() < 0.15 ? Math.floor(u() * (cols + 2)) : cols;
        lines.push(
          Array.from({ length: width }, () => pick(u, CELLS)).join(
            u() < 0.9 ? "," : pick(u, SEPARATORS),
          ),
        );
      }
      const eol = pick(u, ["\n", "\r\n", "\r", "\n", "\n\n"]);
      text = (u() < 0.2 ? "\ufeff" : "") + lines.join(eol) + (u() < 0.5 ? eol : "");
    }
    // A string without a line break is a path to loadTable: keep every input CSV text.
    if (!/[\r\n]/.test(text)) text += "\n";
    yield text;
  }
}

Deno.test("fuzz: loadTable() on 10,000 generated CSV texts throws only HetfxError", async () => {
  let loaded = 0;
  const result = await fuzz(csvInputs(7), async (text) => {
    const t = await loadTable(text, loaded % 2 === 0 ? {} : { dropMissing: true });
    // A loaded table must be internally consistent.
    for (const name of t.names) {
      const c = t.columns[name];
      const length = c.kind === "number" ? c.values.length : c.codes.length;
      if (length !== t.nRows) {
        throw new Error(`column ${name} has ${length} rows, table ${t.nRows}`);
      }
      if (c.kind === "number" && c.values.some((v) => v === Infinity || v === -Infinity)) {
        throw new Error(`column ${name} holds an infinite value`);
      }
    }
    loaded++;
  });
  assert.equal(result.total, N);
  assert.deepEqual(result.failures.slice(0, 5), [], `${result.failures.length} failures`);
  assert.ok(result.refused > N / 10, `${result.refused} refused`);
  assert.ok(loaded > N / 10, `${loaded} loaded`);
});
