/**
 * Issue 23, command-line classes, through `main(argv)` in-process: --dry-run checks every
 * option; empty values are reported as empty; out-of-range numbers are refused with the range;
 * huge --chains/--draws are refused with the memory they would need; --out naming the data
 * file or a device is refused; --factor and --encoding exist; library advice reaches the user as
 * flags; the header-trimming warning is printed.
 */
import assert from "node:assert/strict";
import { assertCliRefused, baseCsv, runCli, tempCsv } from "./_helpers.ts";
import { inCliTerms } from "../../cli/_errors.ts";
import { HetfxError } from "../../lib/errors.ts";
import { MAX_DRAW_BYTES } from "../../lib/sampler/draw_memory.ts";

const good = await tempCsv(baseCsv());
const F = "y ~ x + treat + (1 + treat | g)";
const dry = (...more: string[]) => runCli([good, "--formula", F, "--dry-run", ...more]);

const REFUSED: [string[], RegExp][] = [
  [["--chains", "0"], /--chains 0 must be a whole number ≥ 1 and ≤ 1000/],
  [["--chains", "-1"], /--chains -1 must be a whole number ≥ 1/],
  [["--chains", "1001"], /--chains 1001 must be a whole number ≥ 1 and ≤ 1000/],
  [["--chains", "2.5"], /--chains expects a whole number, got "2.5"/],
  [["--warmup", "-5"], /--warmup -5 must be a whole number ≥ 0/],
  [["--draws", "0"], /--draws 0 must be a whole number ≥ 1/],
  [["--seed", "1e300"], /--seed expects a whole number, got "1e300"; write it in decimal digits/],
  [["--seed", "99999999999999999999"], /--seed 99999999999999999999 must be a whole number/],
  [["--draws", "0x10"], /--draws expects a whole number, got "0x10"; write it in decimal digits/],
  [["--draws", "1e3"], /--draws expects a whole number, got "1e3"/],
  [["--draws", " 12"], /--draws expects a whole number, got " 12"/],
  [["--draws", "12abc"], /--draws expects a whole number, got "12abc"/],
  [["--adapt-delta", "0x1"], /--adapt-delta expects a number, got "0x1"; write it in decimal/],
  [
    ["--draws", "100", "--draws", "200"],
    /--draws is given twice \("100", then "200"\); give it once \(only --levels, --bin, --factor, --prior may be repeated\)/,
  ],
  [["--formula", "y ~ x"], /--formula is given twice/],
  [["--adapt-delta", "1e-320"], /--adapt-delta 1e-320 .*hetfx accepts 0.5 to 0.9999/],
  [["--adapt-delta", "0"], /--adapt-delta 0 .*0.5 to 0.9999/],
  [["--adapt-delta", "1"], /--adapt-delta 1 must lie strictly between 0 and 1/],
  // Inside (0, 1) but below hetfx's range: no word of "between 0 and 1".
  [
    ["--adapt-delta", "0.3"],
    /^Error: Option --adapt-delta 0.3 is outside the range; hetfx accepts 0.5 to 0.9999\.$/m,
  ],
  [["--adapt-delta", "NaN"], /--adapt-delta expects a number, got "NaN"/],
  [["--max-treedepth", "64"], /--max-treedepth 64 must be a whole number ≥ 1 and ≤ 20/],
  [["--metric", "full"], /--metric "full" must be "auto", "diag" or "dense"/],
  [["--backend", "gpu"], /--backend "gpu" must be "auto", "cpu" or "webgpu"/],
  [["--sd-scale", "exp"], /--sd-scale "exp" must be "auto", "signed" or "log"/],
  [["--parameterization", "nc"], /--parameterization "nc" must be/],
  [["--encoding", "ebcdic"], /encoding "ebcdic" is not one hetfx reads/],
  [["--factor", "nope"], /--factor names column "nope", which is not in the data/],
  [["--factor", "f,"], /--factor "f," has an empty column name/],
  [["--effects-by", "g,,x"], /--effects-by "g,,x" has an empty column name/],
  [["--method", "nut"], /--method "nut" must be "auto", "nuts" or "collapsed"/],
  [["--workers", "0"], /--workers 0 must be a whole number ≥ 1 and ≤ 1024/],
  // The outcome's levels are for an ordinal family's categories, not a gaussian's numbers.
  [
    ["--levels", "y=1,2"],
    /outcome "y" \(its category order\) apply to ordinal families \(cumulative\), not gaussian/,
  ],
];

for (const [argv, pattern] of REFUSED) {
  Deno.test(`CLI --dry-run refuses ${argv.join(" ")}`, async () => {
    const r = await dry(...argv);
    assertCliRefused(r, pattern);
    assert.doesNotMatch(r.stdout, /Model checked/);
  });
}

const EMPTY = ["chains", "warmup", "draws", "seed", "adapt-delta", "max-treedepth", "metric"]
  .concat(["backend", "formula", "family", "out", "encoding", "effects-by", "prior"])
  .concat(["reference"]);

for (const name of EMPTY) {
  Deno.test(`CLI: an empty --${name}= is reported as empty`, async () => {
    const argv = name === "formula"
      ? [good, "--formula="]
      : [good, "--formula", F, "--dry-run", `--${name}=`];
    const r = await runCli(argv);
    assertCliRefused(r, new RegExp(`Option --${name} is empty; give a value, e.g. --${name} `));
    assert.doesNotMatch(r.stderr, /"0"| 0 /);
  });
}

Deno.test("CLI: --chains 1e9 and --draws 1e9 are refused with the memory needed", async () => {
  for (const flag of ["--chains", "--draws"]) {
    const r = await dry(flag, "1e9");
    assertCliRefused(r, /would need at least [\d.]+ (GiB|TiB|PiB) of memory/, /at most 8\.00 GiB/);
  }
  // The model's own size counts: 4 chains × N draws just over the limit for this model.
  const model = await dry();
  const dim = Number(/Model checked: (\d+) parameters/.exec(model.stdout)?.[1]);
  assert.ok(dim > 1, model.stdout);
  const draws = Math.ceil(MAX_DRAW_BYTES / (4 * (2 * dim + 6) * 8)) + 1;
  assertCliRefused(
    await dry("--draws", String(draws)),
    new RegExp(`4 chains × ${draws} draws of ${dim} parameters`),
  );
  assert.equal((await dry("--draws", String(draws - 2))).code, 0);
});

Deno.test("CLI: --out naming the data file (any spelling) is refused, data intact", async () => {
  const before = await Deno.readTextFile(good);
  const folder = good.slice(0, good.lastIndexOf("/"));
  const name = good.slice(good.lastIndexOf("/") + 1);
  const link = `${folder}/hetfx_link_${crypto.randomUUID()}.csv`;
  await Deno.symlink(good, link);
  for (const out of [good, `${folder}/./${name}`, link]) {
    const r = await runCli([good, "--formula", F, "--out", out, "--no-progress"]);
    assertCliRefused(r, /it is the data file, which the result would overwrite/);
  }
  assert.equal(await Deno.readTextFile(good), before);
  await Deno.remove(link);
});

Deno.test("CLI: --out on a device is refused in words, not a Deno permission flag", async () => {
  for (const device of ["/dev/null", "/dev/full"]) {
    const r = await dry("--out", device);
    assertCliRefused(r, /it is a device, not a file/);
    assert.doesNotMatch(r.stderr, /--allow-/);
  }
  // Under the task's permissions (no --allow-all), as `deno task fit` runs it.
  const sub = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", "--allow-sys", "--allow-ffi"]
      .concat(["cli/fit.ts", good, "--formula", F, "--dry-run", "--out", "/dev/full"]),
    stdout: "piped",
    stderr: "piped",
  });
  const out = await sub.output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 2, stderr);
  assert.match(stderr, /it is a device, not a file/);
  assert.doesNotMatch(stderr, /--allow-|^\s+at /m);
});

Deno.test("CLI: --factor makes a numeric column a factor; comma lists and repeats", async () => {
  const one = await dry("--factor", "x");
  assert.equal(one.code, 0, one.stderr);
  const r = await runCli([good, "--formula", "y ~ treat + (1 | x)", "--dry-run"]);
  const f = await runCli([
    good,
    "--formula",
    "y ~ treat + (1 | x)",
    "--dry-run",
    "--factor",
    "x,s",
    "--factor",
    "n",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(f.code, 0, f.stderr);
  // x has 5 values, so 5 groups either way; the factor version lists levels, not numbers.
  assert.match(f.stdout, /by x: 5 groups/);
});

Deno.test("CLI: library advice is worded as flags (--factor, --encoding)", async () => {
  const mixed = await tempCsv(
    "y,treat,g\n" + baseCsv().split("\n").slice(1, 20)
      .map((l, i) => l.split(",").slice(0, 2).join(",") + `,${i === 4 ? "abc" : i % 4}`)
      .join("\n") +
      "\n",
  );
  const r = await runCli([mixed, "--formula", "y ~ treat + (1 | g)", "--dry-run"]);
  assertCliRefused(r, /rerun with --factor g/);
  assert.doesNotMatch(r.stderr, /loadTable/);
  const latin = await Deno.makeTempFile({ suffix: ".csv" });
  await Deno.writeFile(latin, Uint8Array.from("y,g\n1,caf\xe9\n2,b\n", (c) => c.charCodeAt(0)));
  const enc = await runCli([latin, "--formula", "y ~ 1 + (1 | g)", "--dry-run"]);
  assertCliRefused(enc, /read it with --encoding latin1/);
  assert.doesNotMatch(enc.stderr, /loadTable/);
  const ok = await runCli([
    latin,
    "--formula",
    "y ~ 1 + (1 | g)",
    "--dry-run",
    "--encoding",
    "latin1",
  ]);
  assert.match(ok.stdout, /by g: 2 groups/);
  // The formula's factor() advice too.
  const message =
    (inCliTerms(new HetfxError('instead: loadTable(source, { factors: ["x"] })')) as Error)
      .message;
  assert.equal(message, "instead: rerun with --factor x");
  await Deno.remove(mixed);
  await Deno.remove(latin);
});

Deno.test("CLI: a header with spaces after commas works and the trimming is printed", async () => {
  const spaced = await tempCsv(baseCsv().replace("y,treat,x", "y, treat, x"));
  const r = await runCli([spaced, "--formula", F, "--dry-run"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /WARNING: spaces around column names " treat", " x" in the CSV header/);
  await Deno.remove(spaced);
});
