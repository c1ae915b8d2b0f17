/**
 * The `deno task compare` command line on a user's CSV and formula, run as a subprocess as a
 * user runs it: the three-method table, the JSON, and the refusals. The subgroup column is
 * checked against differences in means computed here from the CSV itself (weighted ones with
 * --weights).
 */
import assert from "node:assert/strict";
import { main, USAGE } from "../../cli/compare.ts";
import { runCli, runMain } from "../_fit_cli.ts";

const runCompare = (args: string[]) => runCli("compare.ts", args);

/** 4 text-labelled groups × 30 rows, a 0/1 treatment whose effect differs by group, weights w. */
function csv(): { text: string; rows: { y: number; treat: number; g: string; w: number }[] } {
  const rows = [];
  const effect: Record<string, number> = { north: 0.2, south: 0.8, east: 0.5, west: 0.4 };
  for (let i = 0; i < 120; i++) {
    const g = Object.keys(effect)[i % 4];
    const treat = Math.floor(i / 4) % 2;
    const noise = ((i * 37) % 11) / 11 - 0.5; // deterministic, mean about 0
    const w = i % 7 === 3 ? 0 : 0.5 + (i % 5) / 2; // 0, 0.5, …, 2.5
    rows.push({ y: Number((1 + effect[g] * treat + noise).toFixed(4)), treat, g, w });
  }
  const text = "y,treat,g,w\n" +
    rows.map((r) => `${r.y},${r.treat},${r.g},${r.w}`).join("\n") + "\n";
  return { text, rows };
}

Deno.test("compare runs the three methods on a user's CSV and formula, and writes JSON", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { text, rows } = csv();
    await Deno.writeTextFile(`${dir}/d.csv`, text);
    const r = await runCompare([
      `${dir}/d.csv`,
      "--formula",
      "y ~ 1 + treat + (1 + treat | g)",
      "--prior",
      "sd ~ normal(0, 1)",
      "--chains",
      "2",
      "--warmup",
      "150",
      "--draws",
      "150",
      "--no-progress",
      "--out",
      `${dir}/c.json`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Effect of treat by g: three methods \(95% intervals\)/);
    assert.match(r.stdout, /interaction \(HC2\)\s+subgroup diff-in-means\s+hierarchical/);
    const json = JSON.parse(await Deno.readTextFile(`${dir}/c.json`));
    // Groups in R's (sorted) level order; each subgroup estimate is the difference in means.
    assert.deepEqual(json.rows.map((x: { group: string }) => x.group), [
      "east",
      "north",
      "south",
      "west",
    ]);
    for (const row of json.rows) {
      const mean = (t: number) => {
        const ys = rows.filter((x) => x.g === row.group && x.treat === t).map((x) => x.y);
        return ys.reduce((s, v) => s + v, 0) / ys.length;
      };
      assert.ok(Math.abs(row.subgroup_estimate - (mean(1) - mean(0))) < 1e-12, row.group);
      assert.ok(row.interaction_se > 0 && row.hierarchical_sd > 0);
      assert.match(r.stdout, new RegExp(`^${row.group}\\s+30\\s+15 `, "m"));
    }
    assert.deepEqual(json.ols.names.slice(0, 2), ["Intercept", "treat"]);
    // The hierarchical column's convergence checks, as fit writes them, and each warning shown.
    assert.equal(typeof json.diagnostics.max_rhat, "number");
    assert.ok(Array.isArray(json.warnings));
    for (const w of json.warnings) assert.ok(r.stdout.includes(`WARNING: ${w}`), w);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compare refuses, before sampling: no formula, fit-only flags, a treatment that is not a slope", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/d.csv`, csv().text);
    const noFormula = await runCompare([`${dir}/d.csv`]);
    assert.equal(noFormula.code, 2);
    assert.match(noFormula.stderr, /Missing --formula: with a data file/);
    const f = ["--formula", "y ~ 1 + treat + (1 + treat | g)"];
    const dry = await runCompare([`${dir}/d.csv`, ...f, "--dry-run"]);
    assert.equal(dry.code, 2);
    assert.match(dry.stderr, /Option --dry-run belongs to deno task fit, not compare/);
    const notSlope = await runCompare([`${dir}/d.csv`, ...f, "--treatment", "y"]);
    assert.equal(notSlope.code, 2);
    assert.match(notSlope.stderr, /--treatment y: the treatment must be a slope .*here: treat/);
    // The rows are needed: the DuckDB route and an aggregate are refused before any fit.
    const duckdb = await runCompare([`${dir}/d.csv`, ...f, "--engine", "duckdb"]);
    assert.equal(duckdb.code, 2);
    assert.match(duckdb.stderr, /Option --engine duckdb does not apply to deno task compare/);
    assert.doesNotMatch(duckdb.stdout, /rows/);
    // Every column is 1 − 0: a reference of 1 would turn the hierarchical column alone around.
    const reference = await runCompare([`${dir}/d.csv`, ...f, "--reference", "1"]);
    assert.equal(reference.code, 2);
    assert.match(reference.stderr, /the reference "1" cannot be used/);
    for (const r of [noFormula, dry, notSlope, duckdb, reference]) {
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compare --help shows how to give the data and formula, and lists --weights", async () => {
  const r = await runCompare(["--help"]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), USAGE);
  assert.match(USAGE, /deno task compare <data.csv> --formula/);
  assert.match(USAGE, /^ {2}--weights COLUMN +likelihood weights/m);
});

Deno.test("compare --weights w weighs the OLS and subgroup columns too; rows of weight 0 count for nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // The rows of weight 0 get outcomes far off (±20): they must change nothing.
    const { rows } = csv();
    const wild = rows.map((r) => (r.w === 0 ? { ...r, y: 40 * (r.treat - 0.5) } : r));
    const text = "y,treat,g,w\n" + wild.map((r) => `${r.y},${r.treat},${r.g},${r.w}`).join("\n");
    await Deno.writeTextFile(`${dir}/d.csv`, text + "\n");
    const run = (extra: string[], out: string) =>
      runCompare([
        `${dir}/d.csv`,
        "--formula",
        "y ~ 1 + treat + (1 + treat | g)",
        ...extra,
        ...["--prior", "sd ~ normal(0, 1)", "--chains", "2", "--warmup", "150", "--draws", "150"],
        ...["--no-progress", "--out", `${dir}/${out}`],
      ]);
    const flag = await run(["--weights", "w"], "flag.json");
    assert.equal(flag.code, 0, flag.stderr);
    assert.match(flag.stdout, /three methods \(95% intervals; every method weighted by "w"\)/);
    const json = JSON.parse(await Deno.readTextFile(`${dir}/flag.json`));
    const mean = (t: number, g?: string) => {
      const arm = rows.filter((x) => (g === undefined || x.g === g) && x.treat === t);
      const sw = arm.reduce((s, x) => s + x.w, 0);
      return arm.reduce((s, x) => s + x.w * x.y, 0) / sw;
    };
    for (const row of json.rows) {
      assert.ok(
        Math.abs(row.subgroup_estimate - (mean(1, row.group) - mean(0, row.group))) < 1e-12,
      );
      // "y ~ 1 + treat": one common effect, the weighted difference in means over all rows.
      assert.ok(Math.abs(row.interaction_estimate - (mean(1) - mean(0))) < 1e-12, row.group);
    }
    // The formula's spelling gives the same frequentist columns.
    const inFormula = await runCompare([
      `${dir}/d.csv`,
      "--formula",
      "y | weights(w) ~ 1 + treat + (1 + treat | g)",
      ...["--prior", "sd ~ normal(0, 1)", "--chains", "2", "--warmup", "150", "--draws", "150"],
      ...["--no-progress", "--out", `${dir}/formula.json`],
    ]);
    assert.equal(inFormula.code, 0, inFormula.stderr);
    const other = JSON.parse(await Deno.readTextFile(`${dir}/formula.json`));
    assert.deepEqual(other.ols, json.ols);
    assert.deepEqual(
      other.rows.map((r: { subgroup_se: number }) => r.subgroup_se),
      json.rows.map((r: { subgroup_se: number }) => r.subgroup_se),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compare (the paper's model): its numbers in decimal digits, each option once", async () => {
  for (
    const [argv, message] of [
      [["--chains", "0x2"], /^Error: Option --chains expects a whole number, got "0x2"/],
      [["--seed", "abc"], /Option --seed expects a whole number, got "abc"/],
      // A negative seed is read as one (it was node:util's "argument is ambiguous").
      [["--seed", "-1", "--chains", "0"], /^Error: Option --chains 0 must be a whole number ≥ 1/],
      [["--chains", "0"], /Option --chains 0 must be a whole number ≥ 1/],
      [["--draws", "10", "--draws", "20"], /Option --draws is given twice \("10", then "20"\)/],
    ] as const
  ) {
    const r = await runMain(main, [...argv]);
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, message);
  }
});

Deno.test("compare's warnings name the flags (--adapt-delta, --max-treedepth), not the library's options", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/d.csv`, csv().text);
    // Tree depth 1 and a short warmup: divergences and tree-depth hits, so both warnings show.
    const r = await runCompare([
      `${dir}/d.csv`,
      "--formula",
      "y ~ 1 + treat + (1 + treat | g)",
      "--chains",
      "2",
      "--warmup",
      "20",
      "--draws",
      "50",
      "--max-treedepth",
      "1",
      "--method",
      "nuts",
      "--no-progress",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /WARNING: .*raise --max-treedepth/);
    assert.doesNotMatch(r.stdout, /adaptDelta|maxTreedepth/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compare (the paper's model): --out may not name the shipped data file it reads", async () => {
  // Without --force, so that the file is never at risk: the refusal must say that it is the
  // data file (which --force does not override), not merely a file hetfx did not write.
  const r = await runMain(main, ["--out", "data/tomz_weeks_2017.csv"]);
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /Cannot write --out data\/tomz_weeks_2017\.csv: it is the data file/);
});
