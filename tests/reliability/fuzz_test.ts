/**
 * Seeded fuzzing (issues 8 and 23): the formula parser (random token soups and mutations of
 * valid formulas, each also validated and compiled when it parses) and the CSV loader (random
 * quotes, commas, line breaks, BOM, CR, NaN, unicode) each get 10,000 generated inputs; the CLI
 * gets 200 random command lines (flag names, values) run through `main` with --dry-run; the API
 * gets every awkward argument type (null, undefined, NaN, Infinity, arrays, objects, …) in every
 * argument position of loadTable, formula, the hier builder, fit options and the post-fit
 * functions. Any exception other than a HetfxError is a failure, reported with its input.
 */
import assert from "node:assert/strict";
import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import { HetfxError } from "../../lib/errors.ts";
import { loadTable } from "../../lib/data/load_table.ts";
import { formula } from "../../lib/spec/formula.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { baseCsv } from "./_helpers.ts";
import { seeded } from "../_seeded.ts";
import { runCli, tempCsv } from "./_helpers.ts";
import { hier } from "../../lib/spec/hier.ts";
import { hypothesis } from "../../lib/posterior/hypothesis.ts";
import { VALUED } from "../../cli/fit.ts";

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
  "/",
  "^",
  "`",
  "`a b`",
  "s(",
  "offset(",
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
  "y ~ treat + (1 + treat | g/f)",
  "y ~ `x` + größe",
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

// ---- CLI options ---------------------------------------------------------------------------

const FLAGS = [
  ...VALUED,
  "metric",
  "backend",
  "parameterization",
  "sd-scale",
  "family",
  "recode",
  "prior",
  "out",
  "effects-by",
  "reference",
  "factor",
  "encoding",
  "drop-missing",
  "no-progress",
  "keep-partial",
  "chain",
  "adapt_delta",
  "",
  "-",
  "formula",
];
const VALUES = [
  "",
  "0",
  "-1",
  "1",
  "4",
  "1e9",
  "1e-320",
  "NaN",
  "Infinity",
  "-Infinity",
  "0.95",
  "2.5",
  "abc",
  "x",
  "g",
  "g,x",
  ",",
  "latin1",
  "diag",
  "dense",
  "cpu",
  "webgpu",
  "auto",
  "centered",
  "b ~ normal(0, 1)",
  "sd ~",
  "/dev/null",
  "/nonexistent/dir/out.json",
  "--dry-run",
  "é",
  "\u0000",
  "9".repeat(400),
];

const cliCsv = await tempCsv(baseCsv(24));

function* cliInputs(seed: number, n: number): Generator<string[]> {
  const u = seeded(seed);
  for (let i = 0; i < n; i++) {
    const argv = [cliCsv, "--formula", "y ~ x + treat + (1 + treat | g)", "--dry-run"];
    const count = 1 + Math.floor(u() * 3);
    for (let k = 0; k < count; k++) {
      const flag = pick(u, FLAGS);
      const value = pick(u, VALUES);
      const form = u();
      if (form < 0.4) argv.push(`--${flag}`, value);
      else if (form < 0.8) argv.push(`--${flag}=${value}`);
      else argv.push(`--${flag}`);
    }
    if (u() < 0.1) argv.shift(); // no data file
    yield argv;
  }
}

Deno.test("fuzz: 200 random CLI command lines end in exit 0 or 2, never a stack trace", async () => {
  const failures: string[] = [];
  let refused = 0;
  for (const argv of cliInputs(23, 200)) {
    try {
      const r = await runCli(argv);
      if (r.code === 2) refused++;
      if (
        (r.code !== 0 && r.code !== 2) || /^\s+at /m.test(r.stderr) ||
        /Uncaught|TypeError|RangeError/.test(r.stderr + r.stdout)
      ) {
        failures.push(`${JSON.stringify(argv.slice(1))} → exit ${r.code}: ${r.stderr}`);
      }
    } catch (error) {
      failures.push(`${JSON.stringify(argv.slice(1))} → ${(error as Error).stack ?? error}`);
    }
  }
  assert.deepEqual(failures.slice(0, 3), [], `${failures.length} failures`);
  // The generator is varied enough to be refused often and accepted sometimes.
  assert.ok(refused > 50 && refused < 200, `${refused} of 200 refused`);
});

// ---- API argument types --------------------------------------------------------------------

const AWKWARD: readonly unknown[] = [
  null,
  undefined,
  0,
  -1,
  NaN,
  Infinity,
  "",
  "zz",
  "y ~ x",
  [],
  [1, "a"],
  [null],
  {},
  { a: 1 },
  { by: null },
  true,
  () => 1,
  Symbol("s"),
  1n,
  new Float64Array(2),
  new Date(0),
];

/** Run `call` with every awkward value; any exception but a HetfxError is a failure. */
async function awkward(
  what: string,
  call: (value: unknown) => unknown,
  failures: string[],
): Promise<void> {
  for (const value of AWKWARD) {
    try {
      await call(value);
    } catch (error) {
      if (error instanceof HetfxError) continue;
      const shown = typeof value === "symbol" || typeof value === "bigint"
        ? String(value)
        : typeof value === "function"
        ? "a function"
        : JSON.stringify(value) ?? String(value);
      failures.push(`${what}(${shown}) → ${error instanceof Error ? error.stack : error}`);
    }
  }
}

Deno.test("fuzz: awkward argument types reach the API as HetfxErrors only", async () => {
  const failures: string[] = [];
  const csv = baseCsv(24);
  const builder = formula("y ~ x + treat + (1 + treat | g)", table);
  // Before sampling: loaders, formula, builder methods, fit options (all refused before any
  // draw is taken, so no value here starts a long run).
  await awkward("loadTable", (v) => loadTable(v as string), failures);
  await awkward("loadTable(csv, ·)", (v) => loadTable(csv, v as object), failures);
  await awkward(
    "loadTable(csv, { factors: · })",
    (v) => loadTable(csv, { factors: v as [] }),
    failures,
  );
  await awkward(
    "loadTable(csv, { reference: · })",
    (v) => loadTable(csv, { reference: v as Record<string, string> }),
    failures,
  );
  await awkward(
    "loadTable(csv, { dropMissing: · })",
    (v) => loadTable(csv, { dropMissing: v as [] }),
    failures,
  );
  await awkward("formula", (v) => formula(v as string, table), failures);
  await awkward("formula(·, table)", (v) => formula("y ~ x", v as typeof table), failures);
  await awkward("formula(f, t, ·)", (v) => formula("y ~ x", table, v as object).toJSON(), failures);
  await awkward("hier", (v) => hier(v as typeof table), failures);
  const h = hier(table);
  await awkward("hier.outcome", (v) => h.outcome(v as string).toJSON(), failures);
  await awkward("hier.treatment", (v) => h.outcome("y").treatment(v as string).toJSON(), failures);
  await awkward("hier.groupBy", (v) => h.outcome("y").groupBy(v as string).toJSON(), failures);
  await awkward("hier.controls", (v) => h.outcome("y").controls(v as string).toJSON(), failures);
  await awkward("hier.family", (v) => h.outcome("y").family(v as "gaussian").toJSON(), failures);
  await awkward("hier.intercept", (v) => h.outcome("y").intercept(v as boolean).toJSON(), failures);
  await awkward("builder.prior", (v) => builder.prior(v as "b", v as never).toJSON(), failures);
  for (const name of ["chains", "draws", "warmup", "adaptDelta", "maxTreedepth", "seed"]) {
    // Only values that are invalid for the option; the others are the smallest run, so a
    // value wrongly accepted costs one draw, not a long run.
    for (const value of [null, NaN, Infinity, -Infinity, -1, "4", [], {}, 2.5]) {
      if (name === "seed" && value === -1) continue;
      try {
        const base = { chains: 1, warmup: 0, draws: 1, progress: false };
        await builder.fit({ ...base, [name]: value } as object);
      } catch (error) {
        if (error instanceof HetfxError) continue;
        failures.push(`fit({ ${name}: ${String(value)} }) → ${(error as Error).stack}`);
      }
    }
  }
  await awkward(
    "builder.fit",
    (v) =>
      v === undefined ||
        (typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)
        ? undefined
        : builder.fit(v as object),
    failures,
  );
  // After sampling: a small fit, then every post-fit function with awkward arguments.
  const fit = await builder.fit({ chains: 1, warmup: 100, draws: 100, seed: 3, progress: false });
  await awkward("fit.effects", (v) => fit.effects(v as object), failures);
  await awkward("fit.effects({ by: · })", (v) => fit.effects({ by: v as string[] }), failures);
  await awkward("fit.predict", (v) => fit.predict(v as typeof table), failures);
  await awkward("fit.predict(table, ·)", (v) => fit.predict(table, v as object), failures);
  await awkward("hypothesis", (v) => hypothesis(fit, v as string), failures);
  await awkward("hypothesis(·, ·)", (v) => hypothesis(fit, "treat > 0", v as object), failures);
  await awkward("fit.draws", (v) => fit.draws(v as string), failures);
  await awkward("fit.summary", (v) => fit.summary(v as object), failures);
  assert.deepEqual(
    failures.map((f) => f.split("\n").slice(0, 2).join(" | ")),
    [],
    `${failures.length} failures`,
  );
});
