/**
 * `deno task fit --bin`: a continuous column binned on the command line exactly as the API's
 * groups(table).bin bins it, run as a subprocess as a user runs it.
 */
import assert from "node:assert/strict";
import { QUICK_SAMPLING, runFitCli, runMain } from "../_fit_cli.ts";
import { main } from "../../cli/fit.ts";
import { loadTable } from "../../lib/data/load_table.ts";
import { groups } from "../../lib/data/groups.ts";
import { binBreaks } from "../../lib/data/bin.ts";
import { numericColumn } from "../../lib/data/factor.ts";

/** 200 rows: y, a 0/1 t, a continuous x (ties included) and g; `missing` rows lack y, one x. */
async function data(missing = false): Promise<{ folder: string; csv: string }> {
  const folder = await Deno.makeTempDir();
  const lines = ["y,t,x,g"];
  for (let i = 0; i < 200; i++) {
    const x = i % 10 === 0 ? 5 : (i * 7919) % 200 / 20; // x = 5 twenty-one times
    const y = missing && i % 7 === 3 ? "" : (0.1 * x + (i % 2) + Math.sin(i)).toFixed(3);
    lines.push(`${y},${i % 2},${missing && i === 11 ? "NA" : x},g${i % 5}`);
  }
  await Deno.writeTextFile(`${folder}/d.csv`, lines.join("\n") + "\n");
  return { folder, csv: `${folder}/d.csv` };
}

Deno.test("fit --bin x=4: the groups, --effects-by x_bin cells and data.bins are the API's groups(table).bin", async () => {
  const { folder, csv } = await data();
  const out = `${folder}/out.json`;
  try {
    const r = await runFitCli([
      csv,
      "--formula",
      "y ~ t + (1 + t | x_bin)",
      "--bin",
      "x=4",
      "--effects-by",
      "x_bin",
      "--chains",
      "1",
      ...QUICK_SAMPLING,
      "--out",
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(await Deno.readTextFile(out));
    const table = await loadTable(csv);
    const grouping = groups(table).bin("x", { quantiles: 4 });
    const keys = grouping.keys();
    // The model's groups: the API's labels and sizes, in its order.
    type Group = { group: string; n: number };
    const fitted = json.group_effects.map((g: Group) => [g.group, g.n]);
    assert.deepEqual(fitted, keys.labels.map((label, j) => [label, keys.sizes[j]]));
    assert.equal(keys.labels.length, 4);
    // --effects-by x_bin: the ATE, then one cell per bin with the API's rows.
    type Effect = { by: Record<string, string>; n: number };
    assert.deepEqual(
      json.effects.map((e: Effect) => [e.by.x_bin ?? "ATE", e.n]),
      [["ATE", 200], ...keys.labels.map((label, j) => [label, keys.sizes[j]])],
    );
    // The JSON records how x_bin was made (the spec names x_bin, not the binning).
    const x = numericColumn(table, "x", "test");
    assert.deepEqual(json.data.bins, [{
      column: "x",
      name: "x_bin",
      quantiles: 4,
      breaks: binBreaks(x, { quantiles: 4 }).breaks,
      labels: keys.labels,
      counts: keys.sizes,
      missing: 0,
    }]);
    assert.equal(json.spec.groupTerms[0].group, "x_bin");
    // docs/cli-json.md names data.bins and each of its fields.
    const doc = await Deno.readTextFile(new URL("../../docs/cli-json.md", import.meta.url));
    for (const key of ["bins", "cuts", ...Object.keys(json.data.bins[0])]) {
      assert.ok(doc.includes(`\`${key}\``), `docs/cli-json.md does not name ${key}`);
    }
    // Four cells: no note advising to bin.
    assert.doesNotMatch(r.stdout, /Note: --effects-by/);
    assert.match(r.stdout, /^Binned x into x_bin \(4 quantile bins\), rows per bin:$/m);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("fit --bin cut points --dry-run shows the bins and their rows; with --drop-missing the rows kept are binned", async () => {
  const { folder, csv } = await data(true);
  try {
    const cuts = await runFitCli([
      csv,
      "--formula",
      "y ~ t + x_bin + (1 + t | g)",
      "--bin",
      "x=0,2.5,5,10",
      "--drop-missing",
      "--dry-run",
    ]);
    assert.equal(cuts.code, 0, cuts.stderr);
    // The model's columns: y, t, x_bin (so x), g; the rows missing y or x dropped, then binned.
    const kept = await loadTable(csv, { dropMissing: ["y", "t", "x", "g"] });
    const api = groups(kept).bin("x", { breaks: [0, 2.5, 5, 10] }).keys();
    assert.match(cuts.stdout, /^Dropped 30 rows with missing values \(y: 29, x: 1\)\.$/m);
    const expected = [
      "Binned x into x_bin (cut points 0, 2.5, 5, 10), rows per bin:",
      ...api.labels.map((label, j) => `  ${label}: ${api.sizes[j]}`),
      "Model: gaussian, outcome y, 170 rows",
    ].join("\n");
    assert.ok(cuts.stdout.includes(expected), cuts.stdout);
    assert.deepEqual(api.labels, ["[0,2.5]", "(2.5,5]", "(5,10]"]);
    assert.match(cuts.stdout, /^Population-level terms: Intercept, t, x_bin$/m);
    // Quantiles: computed on the rows kept (as the API on the table it is given), not on all.
    const quantiles = await runFitCli([
      csv,
      "--formula",
      "y ~ t + (1 + t | x_bin)",
      "--bin",
      "x=3",
      "--drop-missing",
      "--dry-run",
    ]);
    assert.equal(quantiles.code, 0, quantiles.stderr);
    const onKept = groups(kept).bin("x", { quantiles: 3 }).keys();
    const onAll = groups(await loadTable(csv)).bin("x", { quantiles: 3 }).keys();
    assert.notDeepEqual(onKept.labels, onAll.labels);
    assert.ok(
      quantiles.stdout.includes(
        onKept.labels.map((label, j) => `  ${label}: ${onKept.sizes[j]}`).join("\n"),
      ),
      quantiles.stdout,
    );
    // Without --drop-missing the missing x stays missing (counted), and the missing y refused.
    const all = await runFitCli([
      csv,
      "--formula",
      "y ~ t + (1 + t | g)",
      "--bin",
      "x=3",
      "--dry-run",
    ]);
    assert.equal(all.code, 2);
    assert.match(all.stdout, /^ {2}x missing: 1$/m);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("fit --bin: ties that merge quantile breaks are said, as the API notes them", async () => {
  const folder = await Deno.makeTempDir();
  try {
    const lines = ["y,t,x,g"];
    for (let i = 0; i < 40; i++) lines.push(`${i % 3},${i % 2},${i < 30 ? 1 : i},g${i % 4}`);
    await Deno.writeTextFile(`${folder}/d.csv`, lines.join("\n") + "\n");
    const r = await runFitCli([
      `${folder}/d.csv`,
      "--formula",
      "y ~ t + (1 + t | x_bin)",
      "--bin",
      "x=4",
      "--dry-run",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Binned x into x_bin \(4 quantile bins, 2 after ties merged breaks\)/m);
    const note = groups(await loadTable(`${folder}/d.csv`)).bin("x", { quantiles: 4 }).notes[0];
    assert.ok(r.stdout.includes(`  note: ${note}`), r.stdout);
    assert.ok(r.stdout.includes(`WARNING: ${note}`), r.stdout); // the model's warning, as the API's
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("fit --bin: bad values, columns and routes are refused naming the option, before any fit", async () => {
  const { folder, csv } = await data();
  try {
    const f = [csv, "--formula", "y ~ t + (1 + t | x_bin)", "--dry-run"];
    const refused = async (extra: string[], pattern: RegExp) => {
      const r = await runMain(main, [...f, ...extra]);
      assert.equal(r.code, 2, r.out);
      assert.match(r.out, pattern);
      assert.doesNotMatch(r.out, /\n\s+at /);
    };
    await refused(
      ["--bin", "xx=4"],
      /Error: Option --bin xx=4: column "xx" not found; did you mean "x"\?/,
    );
    await refused(["--bin", "g=4"], /Error: Option --bin g=4: column "g" must be numeric/);
    await refused(
      ["--bin", "x=1"],
      /Error: Option --bin x=1: the number of quantile bins must be a whole number, 2 or more/,
    );
    await refused(
      ["--bin", "x=0,5,2.5,10"],
      /Error: Option --bin x=0,5,2\.5,10: the cut points must increase strictly \(2\.5 comes after 5\)/,
    );
    await refused(
      ["--bin", "x=0,5"],
      /Error: Option --bin x=0,5: Cannot bin column "x": row \d+ has [\d.]+, outside the breaks \[0, 5\]/,
    );
    await refused(["--bin", "x"], /Error: Option --bin x: expected COLUMN=K/);
    // The rows must be in memory: DuckDB aggregates them unbinned, an aggregate's rows are keys.
    await refused(
      ["--bin", "x=4", "--engine", "duckdb"],
      /Error: Option --bin x=4 needs the rows in memory: through DuckDB .* Add --engine memory/,
    );
    await refused(
      ["--bin", "x=4", "--aggregated"],
      /Error: Option --bin x=4 does not apply with --aggregated: an aggregate's rows are keys/,
    );
    // A query goes through DuckDB (--engine auto): refused the same way, DuckDB never started.
    const query = await runMain(main, [
      `SELECT * FROM read_csv('${csv}')`,
      ...f.slice(1),
      "--bin",
      "x=4",
    ]);
    assert.equal(query.code, 2);
    assert.match(query.out, /Option --bin x=4 needs the rows in memory/);
    // With --engine memory (or the default for a small CSV) the same file bins.
    const memory = await runMain(main, [...f, "--bin", "x=4", "--engine", "memory"]);
    assert.equal(memory.code, 0, memory.out);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});
