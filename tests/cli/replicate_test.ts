/**
 * `deno task replicate`'s options are checked before the data are read or anything is fitted,
 * and its results.md names the groups as the paper does. The replication itself (the README's
 * first command) runs as a step of .ci/run, which checks that it writes the figures.
 */
import assert from "node:assert/strict";
import { comparisonMarkdown, main } from "../../cli/replicate.ts";
import { tomzFit } from "../posterior/_fixtures.ts";
import { runCli, runMain } from "../_fit_cli.ts";

Deno.test("replicate: --seed must be a whole number in decimal digits, given once", async () => {
  for (
    const [argv, message] of [
      [["--seed", "abc"], /^Error: Option --seed expects a whole number, got "abc"/],
      [["--seed", "1.5"], /--seed expects a whole number, got "1\.5"/],
      [["--seed", "0x1"], /--seed expects a whole number, got "0x1"; write it in decimal digits/],
      [["--seed", "1", "--seed", "2"], /Option --seed is given twice \("1", then "2"\)/],
      [["--out-dir="], /Option --out-dir is empty/],
    ] as const
  ) {
    const r = await runMain(main, [...argv]);
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, message);
    assert.doesNotMatch(r.out, /Fitting/);
  }
});

Deno.test("replicate --help prints its usage and fits nothing", async () => {
  const r = await runMain(main, ["--help"]);
  assert.equal(r.code, 0);
  assert.match(r.out, /^Usage: deno task replicate \[--out-dir out\/replicate\] \[--seed 1\]/);
  assert.match(r.out, /Exit status: 0 done, 2 bad input/);
  assert.doesNotMatch(r.out, /Fitting/);
});

Deno.test("replicate: an --out-dir that is a file is refused before anything is fitted", async () => {
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    for (const outDir of [file, `${file}/figures`]) {
      const r = await runMain(main, ["--out-dir", outDir]);
      assert.equal(r.code, 2, r.out);
      assert.match(
        r.out,
        /^Error: Cannot write to --out-dir .*: it \(or a folder above it\) is a file/,
      );
      assert.doesNotMatch(r.out, /Fitting|AlreadyExists|\s{4}at /);
    }
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("replicate: a --data file that cannot be read leaves no empty --out-dir behind", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await runMain(main, ["--data", `${dir}/absent.csv`, "--out-dir", `${dir}/out`]);
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /^Error: .*absent\.csv/);
    await assert.rejects(() => Deno.stat(`${dir}/out`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("replicate's results.md names the smallest, median and largest group by their levels", async () => {
  // The paper reports all three; the median group was left out.
  const fit = await tomzFit();
  const spread = fit.effectSpread();
  const named = (g: { levels: Record<string, string> }) =>
    Object.entries(g.levels).map(([k, v]) => `${k}=${v}`).join(", ");
  const line = comparisonMarkdown(fit).split("\n").find((l) => l.startsWith("Groups: "));
  assert.equal(
    line,
    `Groups: min ${named(spread.min)}; median ${named(spread.median)}; max ${named(spread.max)}.`,
  );
  assert.notEqual(named(spread.median), named(spread.min));
});

Deno.test("replicate's result.json records data (engine, rows, cells) as fit --out does", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const r = await runCli("replicate.ts", ["--out-dir", outDir]);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(await Deno.readTextFile(`${outDir}/result.json`));
    assert.deepEqual(json.data, { engine: "memory", rows: 1200, cells: 100 });
    for (const key of ["spec", "backend", "timing", "diagnostics", "parameters", "group_effects"]) {
      assert.ok(key in json, `missing ${key}`);
    }
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
