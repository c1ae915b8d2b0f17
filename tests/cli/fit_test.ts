/**
 * Also covers: posterior/fit_json.ts (the JSON fields the CLI writes).
 * The `deno task fit` command line, run as a subprocess exactly as a user runs it.
 */
import assert from "node:assert/strict";
import { TOMZ_WEEKS_FORMULA } from "../../lib/spec/paper_models.ts";
import { QUICK_SAMPLING, runCli, runFitCli, runMain } from "../_fit_cli.ts";
import {
  EFFECTS_BY_MANY_VALUES,
  effectsByNotes,
  FIT_OPTIONS,
  formatEffects,
  main,
  USAGE,
} from "../../cli/fit.ts";
import { FIT_OPTION_KEYS } from "../../lib/fit/options.ts";
import { compileCount } from "../../lib/model/compile.ts";
import { FAMILIES } from "../../lib/spec/model_spec.ts";
import { PRIOR_DISTRIBUTIONS } from "../../lib/spec/priors.ts";
import type { EffectEstimate } from "../../lib/posterior/effects.ts";
import { closeDuckDB, connectDuckDB } from "../../lib/engine/duckdb_engine.ts";

const runFit = (...args: string[]) => runFitCli(args);
/** The summary fields of parameters and group effects in the result JSON, in order. */
const SUMMARY_KEYS = ["mean", "sd", "q2.5", "q50", "q97.5", "rhat", "ess_bulk"];
/** The paper's data file, recoded as the paper does. */
const PAPER = ["data/tomz_weeks_2017.csv", "--recode", "tomz-weeks"];

Deno.test("fit --dry-run on the paper's model prints 100 groups with sizes 1–57", async () => {
  const r = await runFit(...PAPER, "--formula", TOMZ_WEEKS_FORMULA, "--dry-run");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /1200 rows/);
  assert.match(r.stdout, /by white:male:intl:hawk: 100 groups, sizes 1–57/);
  assert.match(r.stdout, /Treatment: alliance/);
});

Deno.test("fit writes the JSON result with every field the README documents", async () => {
  const out = await Deno.makeTempFile({ suffix: ".json" });
  const r = await runFit(
    ...PAPER,
    "--formula",
    TOMZ_WEEKS_FORMULA,
    "--chains",
    "2",
    "--warmup",
    "200",
    "--draws",
    "200",
    "--prior",
    "b ~ normal(0, 0.5)",
    "--parameterization",
    "centered",
    "--method",
    "nuts",
    "--out",
    out,
  );
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(await Deno.readTextFile(out));
  // --parameterization reaches the fit (NUTS: the varying effects are sampled) and is recorded:
  // the one term, every coefficient centred.
  assert.deepEqual(json.parameterization.map((t: { term: string }) => t.term), [
    "white:male:intl:hawk",
  ]);
  assert.deepEqual(json.parameterization[0].noncentering, { Intercept: 0, alliance: 0 });
  assert.equal(json.parameterization[0].auto, false);
  for (const key of ["spec", "backend", "adapter", "timing", "diagnostics", "parameters"]) {
    assert.ok(key in json, `missing ${key}`);
  }
  // The README's "JSON output" section names every top-level field the CLI wrote.
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const section = readme.slice(
    readme.indexOf("### JSON output"),
    readme.indexOf("### Other tasks"),
  );
  for (const key of Object.keys(json)) {
    assert.ok(section.includes(`\`${key}\``), `README's JSON output does not name ${key}`);
  }
  // The CPU backend times each chain (chain-seconds); WebGPU's lockstep chains are not.
  const cpu = json.backend === "cpu";
  assert.deepEqual(Object.keys(json.timing), [
    "compile_s",
    "warmup_s",
    "sampling_s",
    "total_s",
    ...(cpu ? ["warmup_chain_s", "sampling_chain_s"] : []),
  ]);
  if (cpu) {
    // Each of the 2 chains' own time in a phase: positive, and together at most 2 × the fit's
    // wall time (each chain is timed once, inside its worker).
    const { warmup_chain_s, sampling_chain_s, total_s } = json.timing;
    assert.ok(warmup_chain_s > 0 && sampling_chain_s > 0, JSON.stringify(json.timing));
    assert.ok(warmup_chain_s + sampling_chain_s <= 2 * total_s, JSON.stringify(json.timing));
  }
  assert.deepEqual(Object.keys(json.diagnostics), [
    "divergences",
    "max_rhat",
    "min_ess_bulk",
    "min_ess_tail",
    "max_treedepth_hits",
    "ebfmi_min",
  ]);
  assert.deepEqual(Object.keys(json.parameters[0]), ["name", ...SUMMARY_KEYS, "ess_tail"]);
  assert.ok(json.parameters.some((p: { name: string }) => p.name === "b_alliance"));
  assert.ok(
    json.parameters.some((p: { name: string }) => p.name === "sd_white:male:intl:hawk__alliance"),
  );
  assert.ok(
    json.parameters.some((p: { name: string }) =>
      p.name === "cor_white:male:intl:hawk__Intercept__alliance"
    ),
  );
  assert.equal(json.group_effects.length, 100);
  assert.deepEqual(Object.keys(json.group_effects[0]), [
    "term",
    "group",
    "levels",
    "n",
    ...SUMMARY_KEYS,
  ]);
  assert.equal(json.group_effects[0].term, "white:male:intl:hawk");
  assert.ok(json.effect_spread.min.mean <= json.effect_spread.median.mean);
  assert.ok(json.effect_spread.median.mean <= json.effect_spread.max.mean);
  assert.equal(json.spec.treatment, "alliance");
  // How the data reached the model, for every route (DESIGN's contract): here the rows in memory.
  assert.equal(json.data.engine, "memory");
  assert.equal(json.data.rows, 1200);
  assert.ok(Number.isInteger(json.data.cells) && json.data.cells > 0, JSON.stringify(json.data));
});

Deno.test("docs/cli-json.md names every field fit --out writes, nested ones included", async () => {
  const out = await Deno.makeTempFile({ suffix: ".json" });
  const r = await runFit(
    ...PAPER,
    "--formula",
    "force ~ 1 + alliance + (1 + alliance | white:male)",
    "--chains",
    "1",
    ...QUICK_SAMPLING,
    "--effects-by",
    "white",
    "--out",
    out,
  );
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(await Deno.readTextFile(out));
  await Deno.remove(out);
  const doc = await Deno.readTextFile(new URL("../../docs/cli-json.md", import.meta.url));
  const named = (key: string) =>
    assert.ok(doc.includes(`\`${key}\``), `docs/cli-json.md does not name ${key}`);
  const objects = [
    json,
    json.timing,
    json.diagnostics,
    json.data,
    json.parameters[0],
    json.parameterization[0],
    json.group_effects[0],
    json.effect_spread,
    json.effects[0],
  ];
  for (const object of objects) Object.keys(object).forEach(named);
});

Deno.test("fit refuses a misspelt column with a suggestion, exit 2, no stack trace", async () => {
  const r = await runFit(
    ...PAPER,
    "--formula",
    "force ~ 1 + aliance + (1 + aliance | white)",
    "--dry-run",
  );
  assert.equal(r.code, 2);
  assert.match(r.stderr, /column "aliance" not found; did you mean "alliance"\?/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

Deno.test("fit: a data file that is missing or a folder is named with what to do, exit 2", async () => {
  const folder = await Deno.makeTempDir();
  const formula = ["--formula", "y ~ t + (1 + t | g)", "--dry-run"];
  // A relative name: where it was looked for; no system code or call.
  const missing = await runFit("no_such_data.csv", ...formula);
  assert.equal(missing.code, 2);
  assert.match(
    missing.stderr,
    /cannot read file "no_such_data\.csv": No such file or directory \(looked for it in the current folder \/.*\); check the file's name and folder, or give its full path\.\n$/,
  );
  assert.doesNotMatch(missing.stderr, /os error|readfile|\n\s+at /);
  // A folder: the CSV files in it.
  await Deno.writeTextFile(`${folder}/rows.csv`, "y,t,g\n");
  const isFolder = await runFit(folder, ...formula);
  assert.equal(isFolder.code, 2);
  assert.match(
    isFolder.stderr,
    /cannot read file ".*": Is a directory; give a CSV file in it, e\.g\. .*\/rows\.csv\.\n$/,
  );
  assert.doesNotMatch(isFolder.stderr, /os error|readfile|\n\s+at /);
  await Deno.remove(folder, { recursive: true });
});

Deno.test("fit: a gzip-compressed CSV is named as such, not as Latin-1, exit 2", async () => {
  const folder = await Deno.makeTempDir();
  const formula = ["--formula", "y ~ t + (1 + t | g)", "--dry-run"];
  const rows = "y,t,g\n1,0,a\n2,1,a\n3,0,b\n4,1,b\n";
  const gz = `${folder}/rows.csv.gz`;
  await Deno.writeFile(
    gz,
    new Uint8Array(
      await new Response(
        new Blob([rows]).stream().pipeThrough(new CompressionStream("gzip")),
      ).arrayBuffer(),
    ),
  );
  const compressed = await runFit(gz, ...formula);
  assert.equal(compressed.code, 2);
  assert.match(
    compressed.stderr,
    /"[^"]*rows\.csv\.gz" is gzip-compressed, not CSV text; decompress it first \(gunzip -k /,
  );
  assert.doesNotMatch(compressed.stderr, /Latin-1|--encoding/);
  await Deno.remove(folder, { recursive: true });
});

Deno.test("fit: a CSV named .parquet is told to be named .csv before DuckDB's error, exit 2", async () => {
  const folder = await Deno.makeTempDir();
  const formula = ["--formula", "y ~ t + (1 + t | g)", "--dry-run"];
  const rows = "y,t,g\n1,0,a\n2,1,a\n3,0,b\n4,1,b\n";
  const misnamed = `${folder}/rows.parquet`;
  await Deno.writeTextFile(misnamed, rows);
  const parquet = await runFit(misnamed, ...formula);
  assert.equal(parquet.code, 2);
  assert.match(
    parquet.stderr,
    /is named \.parquet but is not a Parquet file \(it does not begin with the bytes PAR1\); it looks like CSV text \(its first line: "y,t,g"\): name it \.csv\.\n$/,
  );
  assert.doesNotMatch(parquet.stderr, /magic bytes found|Query:|\n\s+at /);
  await Deno.remove(folder, { recursive: true });
});

Deno.test("fit: a truncated Parquet file is said to be incomplete, to re-export, not DuckDB's Footer length error; exit 2", async () => {
  // DuckDB's "Footer length error in file …" (or "No magic bytes found at end of file …")
  // came with its query and no advice.
  const folder = await Deno.makeTempDir();
  const csv = `${folder}/rows.csv`;
  await Deno.writeTextFile(csv, "y,t,g\n1,0,a\n2,1,a\n3,0,b\n4,1,b\n2,0,c\n5,1,c\n");
  const whole = `${folder}/rows.parquet`;
  const con = await connectDuckDB();
  try {
    await con.runAndReadAll(
      `COPY (SELECT * FROM read_csv('${csv}')) TO '${whole}' (FORMAT parquet)`,
    );
  } finally {
    closeDuckDB(con);
  }
  const bytes = await Deno.readFile(whole);
  // The first 16 bytes, then the last 8 (footer length and PAR1): a footer longer than the
  // file, "Footer length error"; the first half alone: "No magic bytes found at end of file".
  const footer = `${folder}/footer.parquet`, cut = `${folder}/cut.parquet`;
  await Deno.writeFile(
    footer,
    new Uint8Array([...bytes.subarray(0, 16), ...bytes.subarray(bytes.length - 8)]),
  );
  await Deno.writeFile(cut, bytes.subarray(0, bytes.length >> 1));
  const formula = ["--formula", "y ~ t + (1 + t | g)", "--dry-run"];
  for (const file of [footer, cut]) {
    const r = await runFit(file, ...formula);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `Error: Cannot read "${file}": it is not a complete Parquet file \\(.*\\); it was ` +
          "probably cut short .* Re-export it from its source",
      ),
    );
    assert.doesNotMatch(r.stderr, /Query:|LINE 1|\n\s+at /);
  }
  assert.match((await runFit(footer, ...formula)).stderr, /DuckDB's 'Footer length error'/);
  await Deno.remove(folder, { recursive: true });
});

Deno.test("fit --levels and --factor of a column the data lack name the flag, not the API option", async () => {
  const formula = ["--formula", "force ~ 1 + alliance + (1 + alliance | white)", "--dry-run"];
  const levels = await runFit(...PAPER, ...formula, "--levels", "hwak=0,1");
  assert.equal(levels.code, 2);
  assert.match(
    levels.stderr,
    /^Error: Cannot load table: --levels names column "hwak", which is not in the data; did you mean "hawk"\?/,
  );
  assert.doesNotMatch(levels.stderr, /option `levels`/);
  const factor = await runFit(...PAPER, ...formula, "--factor", "hwak");
  assert.equal(factor.code, 2);
  assert.match(factor.stderr, /--factor names column "hwak", which is not in the data/);
});

Deno.test("fit refuses absurd options before sampling", async () => {
  const r = await runFit(...PAPER, "--formula", TOMZ_WEEKS_FORMULA, "--adapt-delta", "1.5");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--adapt-delta 1.5 must lie strictly between 0 and 1/);
});

Deno.test("fit checks --out and --effects-by before sampling, --dry-run included", async () => {
  const folder = await Deno.makeTempDir();
  const paper = [...PAPER, "--dry-run"];
  const noFolder = await runFit(
    ...paper,
    "--formula",
    TOMZ_WEEKS_FORMULA,
    "--out",
    `${folder}/missing/result.json`,
  );
  assert.equal(noFolder.code, 2);
  assert.match(noFolder.stderr, /Cannot write --out .*the folder ".*\/missing" does not exist/);
  assert.doesNotMatch(noFolder.stdout, /Model checked/);
  const isFolder = await runFit(...paper, "--formula", TOMZ_WEEKS_FORMULA, "--out", folder);
  assert.equal(isFolder.code, 2);
  assert.match(isFolder.stderr, /it is a folder; give a file name/);
  const unknown = await runFit(...paper, "--formula", TOMZ_WEEKS_FORMULA, "--effects-by", "whit");
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--effects-by: column "whit" not found; did you mean "white"\?/);
  const noTreatment = await runFit(
    ...paper,
    "--formula",
    "force ~ 1 + alliance + (1 | white)",
    "--effects-by",
    "white",
  );
  assert.equal(noTreatment.code, 2);
  assert.match(noTreatment.stderr, /--effects-by: the model has no treatment/);
  await Deno.remove(folder, { recursive: true });
});

Deno.test("fit --reference -1 names the low side of a −1/+1 treatment, as --reference=-1", async () => {
  // It stopped at node:util's "Option '--reference' argument is ambiguous", before any check.
  const csv = await Deno.makeTempFile({ suffix: ".csv" });
  const rows = ["y,pm,g"];
  for (let i = 0; i < 40; i++) rows.push(`${(i * 7) % 5},${i % 2 ? 1 : -1},${i % 4}`);
  await Deno.writeTextFile(csv, rows.join("\n") + "\n");
  const formula = "y ~ 1 + pm + (1 + pm | g)";
  for (const reference of [["--reference", "-1"], ["--reference=-1"]]) {
    const r = await runMain(main, [csv, "--formula", formula, ...reference, "--dry-run"]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /Treatment: pm; effects: 1 - -1/);
  }
  const high = await runMain(main, [csv, "--formula", formula, "--reference", "1", "--dry-run"]);
  assert.match(high.out, /Treatment: pm; effects: -1 - 1/);
  await Deno.remove(csv);
});

Deno.test("fit words library advice as flags: missing values point to --drop-missing", async () => {
  const csv = await Deno.makeTempFile({ suffix: ".csv" });
  const rows = ["y,treat,g"];
  for (let i = 0; i < 40; i++) rows.push(`${i === 3 ? "NA" : i % 7},${i % 2},${i % 4}`);
  await Deno.writeTextFile(csv, rows.join("\n") + "\n");
  const r = await runFit(csv, "--formula", "y ~ 1 + treat + (1 + treat | g)", "--dry-run");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /missing values in "y" \(1 row\)\. Rerun with --drop-missing/);
  assert.doesNotMatch(r.stderr, /loadTable/);
  // With --drop-missing the row is dropped, said on the console and in the JSON's warnings.
  const out = csv.replace(/\.csv$/, ".json");
  const dropped = await runFit(
    csv,
    "--formula",
    "y ~ 1 + treat + (1 + treat | g)",
    "--drop-missing",
    "--chains",
    "1",
    "--warmup",
    "50",
    "--draws",
    "20",
    "--no-progress",
    "--out",
    out,
  );
  assert.equal(dropped.code, 0, dropped.stderr);
  assert.match(dropped.stdout, /Dropped 1 row with missing values \(y: 1\)/);
  const json = JSON.parse(await Deno.readTextFile(out));
  assert.ok(
    json.warnings.some((w: string) => /^1 row with missing values \(y: 1\) was dropped/.test(w)),
  );
  assert.equal(json.data.rows, 39);
  await Deno.remove(csv);
  await Deno.remove(out);
});

Deno.test("formatEffects prints the ATE then one line per cell", () => {
  const effect = (by: Record<string, string>, mean: number, n: number): EffectEstimate => ({
    by,
    scale: "response",
    n,
    weight: n,
    mean,
    sd: 0.1,
    "q2.5": mean - 0.2,
    q50: mean,
    "q97.5": mean + 0.2,
    draws: new Float64Array(0),
  });
  assert.equal(
    formatEffects([effect({}, 0.3, 100), effect({ male: "1" }, 0.25, 40)], "alliance"),
    "Effect of alliance (response scale; mean [95% interval]):\n" +
      "  all rows (ATE): 0.300 [0.100, 0.500], n = 100\n" +
      "  male=1: 0.250 [0.050, 0.450], n = 40",
  );
  // A −1/+1 treatment's heading read "Effect of pm (1 - -1; response scale; …)".
  const pm = { name: "1 - -1", kind: "two-valued" as const, high: "1", low: "-1" };
  const contrast = { ...pm, difference: 2, highCode: -1, lowCode: -1 };
  assert.match(
    formatEffects([{ ...effect({}, 0.3, 100), contrast: "1 - -1" }], "pm", [contrast]),
    /^Effect of pm \(1 vs -1; response scale; mean \[95% interval\]\):\n/,
  );
  // An ordinal outcome's effect names its quantity (it read as any other "response scale").
  const ordinal = { ...effect({}, 0.3, 100), quantity: "E[y]" };
  assert.equal(
    formatEffects([ordinal], "treat").split("\n")[0],
    "Effect of treat on E[y] (response scale; mean [95% interval]):",
  );
  assert.match(
    formatEffects([{ ...ordinal, quantity: "latent", scale: "link" }], "treat"),
    /^Effect of treat \(link scale;/,
  );
});

Deno.test("fit --help lists every family, prior distribution (flat included) and option default", async () => {
  const r = await runFit("--help");
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), USAGE);
  for (const family of FAMILIES) assert.match(USAGE, new RegExp(`^ {26}${family} +\\S`, "m"));
  assert.match(USAGE, /student +sigma, nu/);
  for (const [dist, params] of Object.entries(PRIOR_DISTRIBUTIONS)) {
    assert.ok(USAGE.includes(`${dist}(${(params as readonly string[]).join(", ")})`), dist);
  }
  assert.ok(USAGE.includes("flat()"));
  // Every option the parser knows is listed, and each one taking a value states its default
  // (or that it is required) within its entry.
  const known = Object.keys(FIT_OPTIONS);
  assert.ok(known.length >= 20, `${known.length} options found in cli/fit.ts`);
  const entries = USAGE.split(/\n(?= {2}--)/).filter((e) => e.startsWith("  --"));
  for (const name of known) {
    const entry = entries.find((e) =>
      e.includes(`--${name} `) || e.trimEnd().endsWith(`--${name}`)
    );
    assert.ok(entry, `--${name} is not in the help`);
    if (name !== "help") assert.match(entry, /\((default|required)/, `--${name}: no default`);
  }
});

Deno.test("fit: text levels in R's order give b_armhigh, b_armlow; --levels sets another order", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lines = ["y,arm,g"];
    for (let i = 0; i < 36; i++) {
      lines.push(
        `${(i % 7) / 3 + (i % 3)},${["low", "control", "high"][i % 3]},${
          "abc"[i % 3 === 0 ? i % 2 : 2]
        }`,
      );
    }
    await Deno.writeTextFile(`${dir}/d.csv`, lines.join("\n") + "\n");
    const f = ["--formula", "y ~ 1 + arm + (1 | g)", "--chains", "1", "--warmup", "100"];
    const names = async (...extra: string[]) => {
      const r = await runFit(
        `${dir}/d.csv`,
        ...f,
        "--draws",
        "50",
        "--out",
        `${dir}/o.json`,
        ...extra,
      );
      assert.equal(r.code, 0, r.stderr);
      const json = JSON.parse(await Deno.readTextFile(`${dir}/o.json`));
      return json.parameters.map((p: { name: string }) => p.name)
        .filter((n: string) => n.startsWith("b_"));
    };
    // brms: levels(factor(arm)) is control, high, low, so control is the reference.
    assert.deepEqual(await names(), ["b_Intercept", "b_armhigh", "b_armlow"]);
    assert.deepEqual(await names("--levels", "arm=high,low,control"), [
      "b_Intercept",
      "b_armlow",
      "b_armcontrol",
    ]);
    const bad = await runFit(`${dir}/d.csv`, ...f, "--levels", "arm", "--dry-run");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--levels expects COLUMN=LEVEL1,LEVEL2/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fit --weights and y | weights(w): the summary names them; bad weights exit 2 by row", async () => {
  const paper = ["data/tomz_weeks_2017.csv", "--recode", "tomz-weeks", "--dry-run"];
  const viaOption = await runFit(
    ...paper,
    "--formula",
    "force ~ alliance + (1 + alliance | white)",
    "--weights",
    "weight",
  );
  assert.equal(viaOption.code, 0, viaOption.stderr);
  assert.match(viaOption.stdout, /likelihood weights "weight"/);
  const inFormula = await runFit(
    ...paper,
    "--formula",
    "pref | weights(weight) ~ alliance + (1 + alliance | white)",
    "--family",
    "negbinomial",
  );
  assert.equal(inFormula.code, 0, inFormula.stderr);
  assert.match(inFormula.stdout, /Model: negbinomial, outcome pref, 1200 rows, likelihood weights/);
  const dir = await Deno.makeTempDir();
  try {
    const lines = ["y,x,g,w"];
    for (let i = 0; i < 20; i++) lines.push(`${i % 3},${i % 2},${i % 4},${i === 12 ? -1 : 1}`);
    await Deno.writeTextFile(`${dir}/d.csv`, lines.join("\n") + "\n");
    const r = await runFit(
      `${dir}/d.csv`,
      "--formula",
      "y | weights(w) ~ x + (1 | g)",
      "--dry-run",
    );
    assert.equal(r.code, 2);
    assert.match(r.stderr, /weights "w" must be finite and non-negative, but row 13 has -1/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A CSV whose group "solo" has a single row: compiling it gives one data warning. */
async function oneRowGroupCsv(): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".csv" });
  const rows = ["y,treat,g"];
  for (let i = 0; i < 40; i++) {
    rows.push(`${((i * 7) % 11) / 3 + (i % 2)},${i % 2},g${i % 4}`);
  }
  rows.push("1.5,1,solo");
  await Deno.writeTextFile(path, rows.join("\n") + "\n");
  return path;
}

const SMALL_RUN = ["--formula", "y ~ 1 + treat + (1 | g)", "--chains", "1", "--warmup", "100"];

Deno.test("fit prints each data warning once, with and without the progress display", async () => {
  const csv = await oneRowGroupCsv();
  for (const progress of [[], ["--no-progress"]]) {
    const r = await runFit(csv, ...SMALL_RUN, "--draws", "100", ...progress);
    assert.equal(r.code, 0, r.stderr);
    const said = (r.stdout + r.stderr).match(/has a single row \("solo"\)/g) ?? [];
    assert.equal(said.length, 1, `${progress.join("") || "progress"}: ${said.length} times`);
  }
});

Deno.test("fit compiles the model once; --dry-run compiles it once and samples nothing", async () => {
  const csv = await oneRowGroupCsv();
  const quiet = { log: console.log, warn: console.warn, error: console.error };
  console.log = console.warn = console.error = () => {};
  try {
    for (const extra of [["--draws", "50", "--no-progress"], ["--dry-run"]]) {
      const before = compileCount.calls;
      assert.equal(await main([csv, ...SMALL_RUN, ...extra]), 0);
      assert.equal(compileCount.calls - before, 1, extra.join(" "));
    }
    // The draws' memory is checked by fit() itself with the model's parameter count, worded
    // with the flags: 100 × 10⁶ draws pass the command line's one-parameter bound, not this.
    const huge = ["--chains", "100", "--draws", "1000000", "--no-progress"];
    const before = compileCount.calls;
    let said = "";
    console.error = (...a: unknown[]) => said += a.join(" ");
    assert.equal(await main([csv, "--formula", "y ~ 1 + treat + (1 | g)", ...huge]), 2);
    assert.equal(compileCount.calls - before, 1);
    assert.match(
      said,
      /100 chains × 1000000 draws of \d+ parameters .* Use fewer --chains or --draws/s,
    );
  } finally {
    Object.assign(console, quiet);
  }
});

Deno.test("fit --weights: a column not in the data names the option", async () => {
  // It said only 'Cannot build model: column "wieght" not found', as if the formula had it.
  const formula = "force ~ alliance + (1 + alliance | white)";
  const typo = await runMain(main, [...PAPER, "--formula", formula, "--weights", "alliace"]);
  assert.equal(typo.code, 2);
  assert.match(
    typo.out,
    /^Error: Option --weights alliace: column "alliace" not found; did you mean "alliance"\? \(columns: starttime, .*\)\.$/m,
  );
});

Deno.test("fit --engine duckdb --weights: a column not in the data names the option and the close name", async () => {
  // It said only 'Cannot build model: column "alliace" not in the data; it has …'.
  const formula = ["--formula", "pref ~ alliance + (1 + alliance | regime)", "--dry-run"];
  const expected =
    /^Error: Option --weights alliace: column "alliace" not found; did you mean "alliance"\? \(columns: starttime, alliance, .*, weight\)\.$/m;
  for (
    const data of [
      "data/tomz_weeks_2017.csv",
      "(SELECT * FROM read_csv('data/tomz_weeks_2017.csv'))",
    ]
  ) {
    const r = await runMain(main, [data, "--engine", "duckdb", ...formula, "--weights", "alliace"]);
    assert.equal(r.code, 2, data);
    assert.match(r.out, expected, data);
  }
  const ok = await runMain(main, [
    PAPER[0],
    "--engine",
    "duckdb",
    ...formula,
    "--weights",
    "weight",
  ]);
  assert.equal(ok.code, 0, ok.out);
});

Deno.test("fit --engine duckdb: a formula column the data lack is named as the in-memory route names it", async () => {
  // It said 'Cannot build model: columns "aliance", "regoin" not in the data; it has …', with
  // no close name and no caret.
  const formula = ["--formula", "pref ~ 1 + aliance + (1 + aliance | regoin)", "--dry-run"];
  const memory = await runMain(main, [PAPER[0], "--engine", "memory", ...formula]);
  assert.equal(memory.code, 2);
  assert.match(
    memory.out,
    /^Error: Cannot build model: column "aliance" not found; did you mean "alliance"\? \(columns: starttime, .*\)\.\n {2}pref ~ 1 \+ aliance \+ \(1 \+ aliance \| regoin\)\n {13}\^$/m,
  );
  for (
    const data of [PAPER[0], "SELECT * FROM read_csv('data/tomz_weeks_2017.csv')"]
  ) {
    const duckdb = await runMain(main, [data, "--engine", "duckdb", ...formula]);
    assert.equal(duckdb.code, 2, data);
    assert.equal(duckdb.out, memory.out, data);
  }
});

Deno.test("fit --dry-run lists the priors given on every route (memory, duckdb, aggregated)", async () => {
  // The DuckDB and --aggregated summaries left the "Priors given" line out.
  const model = [
    "--formula",
    "pref ~ 1 + alliance + (1 + alliance | region)",
    "--prior",
    "b ~ normal(0, 1)",
    "--prior",
    "sd[region] ~ normal(0, 2)",
    "--dry-run",
  ];
  const line = /^Priors given: b ~ normal\(0, 1\); sd\[region\] ~ normal\(0, 2\)$/m;
  for (const engine of ["memory", "duckdb"]) {
    const r = await runMain(main, [PAPER[0], "--engine", engine, ...model]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, line, engine);
  }
  const dir = await Deno.makeTempDir();
  try {
    const agg = `${dir}/agg.csv`;
    const sql = await runCli("sql.ts", [PAPER[0], ...model.slice(0, 2), "--run", "--out", agg]);
    assert.equal(sql.code, 0, sql.stderr);
    const r = await runMain(main, [agg, "--aggregated", ...model]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, line);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fit --dry-run of an intercept-only model lists the terms without a stray comma", async () => {
  // It printed "Population-level terms: Intercept, " (and "Population-level terms: " for 0 +).
  const model = (f: string) => ["--formula", f, "--dry-run"];
  const one = await runMain(main, [PAPER[0], ...model("pref ~ 1 + (1 | region)")]);
  assert.equal(one.code, 0, one.out);
  assert.match(one.out, /^Population-level terms: Intercept$/m);
  const none = await runMain(main, [PAPER[0], ...model("pref ~ 0 + (1 | region)")]);
  assert.equal(none.code, 0, none.out);
  assert.match(none.out, /^Population-level terms: \(none\)$/m);
  const both = await runMain(main, [PAPER[0], ...model("pref ~ 1 + alliance + (1 | region)")]);
  assert.match(both.out, /^Population-level terms: Intercept, alliance$/m);
  const dir = await Deno.makeTempDir();
  try {
    const agg = `${dir}/agg.csv`;
    const f = "pref ~ 1 + (1 | region)";
    const sql = await runCli("sql.ts", [PAPER[0], "--formula", f, "--run", "--out", agg]);
    assert.equal(sql.code, 0, sql.stderr);
    const r = await runMain(main, [agg, "--aggregated", ...model(f)]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^Population-level terms: Intercept$/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fit --prior: a bad argument names the option and the statement as given", async () => {
  // It said only "Invalid prior normal: argument sigma must be positive (got 0)".
  const formula = "force ~ alliance + (1 + alliance | white)";
  const zero = await runMain(main, [...PAPER, "--formula", formula, "--prior", "b ~ normal(0, 0)"]);
  assert.equal(zero.code, 2);
  assert.match(
    zero.out,
    /^Error: Option --prior "b ~ normal\(0, 0\)": Invalid prior normal: argument sigma must be positive \(got 0\)\.$/m,
  );
  // A statement that does not parse is shown under the message with a caret: named once.
  const typo = await runMain(main, [...PAPER, "--formula", formula, "--prior", "b ~ nromal(0, 1)"]);
  assert.equal(typo.code, 2);
  assert.match(
    typo.out,
    /^Error: Option --prior: Cannot parse prior at position 5: unknown distribution "nromal"/m,
  );
  assert.match(typo.out, /^ {2}b ~ nromal\(0, 1\)$/m);
});

Deno.test("fit --treatment: a column not in the data is named with the data's columns", async () => {
  const formula = "force ~ alliance + (1 + alliance | white)";
  const nope = await runMain(main, [...PAPER, "--formula", formula, "--treatment", "nope"]);
  assert.equal(nope.code, 2);
  assert.match(
    nope.out,
    /^Error: Option --treatment nope: column "nope" not found \(columns: starttime, alliance, .*, white, male\)\.$/m,
  );
  const typo = await runMain(main, [...PAPER, "--formula", formula, "--treatment", "alliace"]);
  assert.match(typo.out, /column "alliace" not found; did you mean "alliance"\?/);
  // A column of the data that is no varying slope lists the slopes.
  const notSlope = await runMain(main, [...PAPER, "--formula", formula, "--treatment", "regime"]);
  assert.equal(notSlope.code, 2);
  assert.match(
    notSlope.out,
    /--treatment regime: the treatment must be a slope .*\(here: alliance\)/,
  );
});

Deno.test("fit's command line has a kebab-case flag for every fit option a command line can give", () => {
  // Not flags: callbacks and objects (signal, adapterProvider), a notebook's warm threads
  // (keepWorkers), WebGPU's thinning (thin); progress is --no-progress.
  const notFlags = new Set(["signal", "adapterProvider", "keepWorkers", "thin", "progress"]);
  const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  for (const key of FIT_OPTION_KEYS.filter((k) => !notFlags.has(k))) {
    assert.ok(kebab(key) in FIT_OPTIONS, `fit option ${key} has no --${kebab(key)}`);
  }
  assert.ok("no-progress" in FIT_OPTIONS);
});

Deno.test("fit --aggregated --effects-by a summed column is refused before sampling", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // The aggregate `deno task sql --run` writes for y ~ 1 + treat + (1 + treat | g).
    const agg = `${dir}/agg.csv`;
    await Deno.writeTextFile(
      agg,
      "g,n,sum__treat,sum__y,sum__treat__treat,sum__treat__y,sum__y__y,y_median,y_mad," +
        "min__treat,max__treat,between__treat\n" +
        ["a,2,1,3,1,2,5", "b,2,1,4.5,1,3,11.25", "c,2,1,2.7,1,2.2,5.09", "d,2,1,4,1,2.9,9.62"]
          .map((r) => `${r},1.75,1.03782,0,1,0`).join("\n") +
        "\n",
    );
    const out = `${dir}/result.json`;
    const r = await runFit(
      agg,
      "--aggregated",
      "--formula",
      "y ~ 1 + treat + (1 + treat | g)",
      "--effects-by",
      "treat",
      "--out",
      out,
      ...QUICK_SAMPLING,
    );
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /Option --effects-by: by column "treat" was summed in the aggregate/);
    // Refused before sampling: no fit was spent, nothing written.
    assert.doesNotMatch(r.stdout, /Sampler:|parameter/);
    await assert.rejects(() => Deno.stat(out), Deno.errors.NotFound);
    // A key column is fine.
    const ok = await runFit(
      agg,
      "--aggregated",
      "--formula",
      "y ~ 1 + treat + (1 + treat | g)",
      "--effects-by",
      "g",
      "--dry-run",
    );
    assert.equal(ok.code, 0, ok.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fit --engine duckdb --effects-by a column the model does not use says why, before sampling", async () => {
  // h is in the file but not in the model: the aggregate DuckDB computes has no h. It was
  // refused as 'column "h" not found; did you mean "g"?', though the file has it.
  const csv = await Deno.makeTempFile({ suffix: ".csv" });
  const rows = ["y,treat,g,h"];
  for (let i = 0; i < 24; i++) rows.push(`${(i * 7) % 5},${i % 2},${"abc"[i % 3]},${i % 4}`);
  await Deno.writeTextFile(csv, rows.join("\n") + "\n");
  try {
    const formula = ["--formula", "y ~ 1 + treat + (1 + treat | g)"];
    const duckdb = await runFit(csv, "--engine", "duckdb", ...formula, "--effects-by", "h");
    assert.equal(duckdb.code, 2, duckdb.stdout);
    assert.match(
      duckdb.stderr,
      /Option --effects-by h: aggregated data .* keep only the model's columns \(y, treat, g\), and "h" is not one of them; .* --engine memory/,
    );
    assert.doesNotMatch(duckdb.stdout, /Sampler:|parameter/);
    // In memory the rows have h: a dry run accepts it.
    const memory = await runFit(csv, ...formula, "--effects-by", "h", "--dry-run");
    assert.equal(memory.code, 0, memory.stderr);
  } finally {
    await Deno.remove(csv);
  }
});

Deno.test("fit --drop-missing drops the levels no row has left, as brms does", async () => {
  // Level "c" of arm is on the one row whose y is missing: after --drop-missing no row has it.
  // It was kept, and the model refused with "leave it out of --levels" (no --levels was given).
  const csv = await Deno.makeTempFile({ suffix: ".csv" });
  const rows = ["y,arm,g"];
  for (let i = 0; i < 24; i++) rows.push(`${(i * 7) % 5},${i % 2 ? "b" : "a"},${i % 4}`);
  rows.push("NA,c,1");
  await Deno.writeTextFile(csv, rows.join("\n") + "\n");
  const r = await runFit(csv, "--formula", "y ~ arm + (1 | g)", "--drop-missing", "--dry-run");
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /armc|--levels/);
  await Deno.remove(csv);
});

Deno.test("fit --dry-run: DuckDB's summary gives each varying term's groups and sizes as in memory", async () => {
  // The DuckDB route printed only "Varying: g": no group count, sizes or smallest groups.
  const dir = await Deno.makeTempDir();
  const csv = `${dir}/rows.csv`;
  const sizes = { a: 2, b: 5, c: 9 };
  const lines = ["y,treat,g"];
  for (const [g, n] of Object.entries(sizes)) {
    for (let i = 0; i < n; i++) lines.push(`${(i * 0.7 + g.length) % 3},${i % 2},${g}`);
  }
  await Deno.writeTextFile(csv, lines.join("\n") + "\n");
  const model = ["--formula", "y ~ 1 + treat + (1 + treat | g)", "--dry-run"];
  const varying = (out: string) => out.split("\n").filter((l) => /^(Varying| )/.test(l));
  const memory = await runFit(csv, "--engine", "memory", ...model);
  const duckdb = await runFit(csv, "--engine", "duckdb", ...model);
  await Deno.remove(dir, { recursive: true });
  assert.equal(memory.code, 0, memory.stderr);
  assert.equal(duckdb.code, 0, duckdb.stderr);
  assert.match(memory.stdout, /^Varying Intercept \+ treat by g: 3 groups, sizes 2–9$/m);
  assert.match(memory.stdout, /^ {2}3 groups by g, 16 rows; sizes 2–9; 1 with fewer than 5 rows$/m);
  assert.deepEqual(varying(duckdb.stdout), varying(memory.stdout));
});

Deno.test("fit --effects-by a continuous column (200 rows) notes in the text, not the JSON, that each value is a cell, and how to bin it", async () => {
  // It printed one cell per distinct value (198 lines) with no word on binning.
  const folder = await Deno.makeTempDir();
  const csv = `${folder}/cont.csv`, out = `${folder}/out.json`;
  const lines = ["y,t,x,g"];
  for (let i = 0; i < 200; i++) {
    const x = (i * 7919) % 200 / 20; // 200 distinct values in [0, 10)
    lines.push(`${(0.1 * x + (i % 2) + Math.sin(i)).toFixed(3)},${i % 2},${x},g${i % 5}`);
  }
  await Deno.writeTextFile(csv, lines.join("\n") + "\n");
  const r = await runFit(
    csv,
    "--formula",
    "y ~ t + x + (1 + t | g)",
    "--effects-by",
    "g,x",
    "--chains",
    "1",
    ...QUICK_SAMPLING,
    "--out",
    out,
  );
  assert.equal(r.code, 0, r.stderr);
  const notes = r.stdout.split("\n").filter((l) => l.startsWith("Note: --effects-by"));
  assert.equal(notes.length, 1, r.stdout.slice(-2000)); // x, not g (5 values)
  assert.match(notes[0], /^Note: --effects-by x: "x" has 200 distinct values, so each is a cell/);
  // The advice is hetfx's own --bin, not a tool setup.sh does not install.
  assert.ok(notes[0].includes("fit again with --bin x=4 --effects-by x_bin (quartiles;"), notes[0]);
  assert.doesNotMatch(notes[0], /duckdb/);
  assert.match(notes[0], /groups\(table\)\.bin\("x", \{ quantiles: 4 \}\)\.table/);
  // The results are unchanged: one cell per observed g×x, and the JSON has no note.
  const json = JSON.parse(await Deno.readTextFile(out));
  assert.equal(json.effects.length, 1 + 200);
  assert.doesNotMatch(JSON.stringify(json), /Note: |distinct values/);
  await Deno.remove(folder, { recursive: true });
});

Deno.test("effectsByNotes: a note above EFFECTS_BY_MANY_VALUES distinct values only, advising --bin", () => {
  const cells = (k: number) => [...Array(k).keys()].map((i) => ({ by: { x: String(i) } }));
  assert.equal(EFFECTS_BY_MANY_VALUES, 20);
  assert.deepEqual(effectsByNotes(cells(20), ["x"]), []);
  assert.equal(effectsByNotes(cells(21), ["x"]).length, 1);
  assert.match(effectsByNotes(cells(21), ["x"])[0], /--bin x=4 --effects-by x_bin \(quartiles;/);
  // Rows that went through DuckDB: --bin needs them in memory, and the note says so.
  assert.match(
    effectsByNotes(cells(21), ["x"], false)[0],
    /--bin x=4 --effects-by x_bin with --engine memory \(--bin needs the rows in memory/,
  );
  // A name the shell must quote is quoted.
  const spaced = [...Array(21).keys()].map((i) => ({ by: { "my x": String(i) } }));
  assert.match(effectsByNotes(spaced, ["my x"])[0], /--bin 'my x=4' --effects-by 'my x_bin'/);
});
