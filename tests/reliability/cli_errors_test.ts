/**
 * The bad-input matrix through the command line: a representative subset of the cases of
 * bad_input_test.ts run through `main(argv)` of cli/fit.ts (exit 2, "Error: …" on stderr, no
 * stack trace), two of them as a real subprocess, and Ctrl-C during sampling (exit 130).
 */
import assert from "node:assert/strict";
import { assertCliRefused, baseCsv, runCli, tempCsv } from "./_helpers.ts";
import { fitCommand, interruptAfterProgress } from "../_fit_cli.ts";

const good = await tempCsv(baseCsv());
const F = "y ~ x + treat + (1 + treat | g)";

interface CliCase {
  name: string;
  csv?: string;
  argv: string[];
  expect: RegExp[];
}

const cases: CliCase[] = [
  {
    name: "unknown parameterization",
    argv: ["--formula", F, "--parameterization", "centred"],
    expect: [/--parameterization "centred"/, /must be "auto", "centered" or "noncentered"/],
  },
  {
    name: "misspelt column",
    argv: ["--formula", "y ~ x + (1 + tret | g)"],
    expect: [/column "tret" not found; did you mean "treat"\?/],
  },
  {
    name: "unreadable file",
    argv: ["/nonexistent/data.csv", "--formula", F],
    expect: [/cannot read file "\/nonexistent\/data.csv"/],
  },
  {
    name: "ragged CSV",
    csv: "y,x\n1,2\n3\n",
    argv: ["--formula", "y ~ x"],
    expect: [/line 3 has 1 fields, the header has 2/],
  },
  {
    name: "duplicate column names",
    csv: "y,x,x\n1,2,3\n",
    argv: ["--formula", "y ~ x"],
    expect: [/duplicate column name "x"/],
  },
  {
    name: "string in a numeric column",
    csv: "y,x\n1,2\n2,3\n3,oops\n",
    argv: ["--formula", "y ~ x"],
    expect: [/column "x" looks numeric .* row 3 has "oops"/],
  },
  {
    name: "malformed formula with position",
    argv: ["--formula", "y ~ x + + treat"],
    expect: [/Cannot parse formula at position 9: expected a term after "\+"/],
  },
  {
    name: "unknown family",
    argv: ["--formula", "y ~ x", "--family", "bernouli", "--dry-run"],
    expect: [/unknown family "bernouli"; did you mean "bernoulli"\?/],
  },
  {
    name: "bernoulli outcome not 0/1 (caught by --dry-run too)",
    argv: ["--formula", "y ~ x", "--family", "bernoulli", "--dry-run"],
    expect: [/outcome "y" must be 0 or 1 for family "bernoulli", but row \d+ has \d/],
  },
  {
    name: "treatment with one value",
    csv: "y,treat,g\n1,1,a\n2,1,b\n3,1,a\n",
    argv: ["--formula", "y ~ treat + (1 + treat | g)", "--dry-run"],
    expect: [/the treatment "treat" has the same value \(1\)/],
  },
  {
    name: "collinear predictors",
    csv: "y,x,z\n1,1,2\n2,2,4\n3,3,6\n",
    argv: ["--formula", "y ~ x + z", "--dry-run"],
    expect: [/predictor "z" is perfectly collinear with "x"/],
  },
  {
    name: "missing values in a model column",
    csv: "y,x\n1,NA\n2,3\n3,4\n",
    argv: ["--formula", "y ~ x"],
    expect: [/missing values in "x" \(1 row\)/],
  },
  {
    name: "negative prior scale",
    argv: ["--formula", F, "--prior", "sd ~ normal(0, -1)"],
    expect: [/argument sigma must be positive \(got -1\)/],
  },
  {
    name: "lkj eta 0",
    argv: ["--formula", F, "--prior", "cor ~ lkj(0)"],
    expect: [/argument eta must be positive \(got 0\)/],
  },
  {
    name: "0 chains",
    argv: ["--formula", F, "--chains", "0"],
    expect: [/--chains 0 must be a whole number ≥ 1/],
  },
  {
    name: "negative draws",
    argv: ["--formula", F, "--draws=-10"],
    expect: [/--draws -10 must be/],
  },
  {
    name: "negative draws written with a space",
    argv: ["--formula", F, "--draws", "-10"],
    expect: [/Option --draws -10 must be a whole number ≥ 1/],
  },
  {
    name: "adapt delta outside (0, 1)",
    argv: ["--formula", F, "--adapt-delta", "1.5"],
    expect: [/--adapt-delta 1.5 must lie strictly between 0 and 1/],
  },
  {
    name: "non-numeric option value",
    argv: ["--formula", F, "--chains", "four"],
    expect: [/Option --chains expects a whole number, got "four"/],
  },
  {
    name: "unknown option",
    argv: ["--formula", F, "--chians", "4"],
    expect: [
      /Unknown option --chians; did you mean --chains\?/,
      /See deno task fit --help for its options\.$/,
    ],
  },
  { name: "no formula", argv: [], expect: [/Missing --formula/] },
];

for (const c of cases) {
  Deno.test(`CLI refuses: ${c.name} (exit 2, message, no stack trace)`, async () => {
    const path = c.csv === undefined ? good : await tempCsv(c.csv);
    const argv = c.argv[0]?.startsWith("/") ? c.argv : [path, ...c.argv];
    assertCliRefused(await runCli(argv), ...c.expect);
  });
}

Deno.test("CLI --dry-run prints the data warnings and exits 0", async () => {
  const path = await tempCsv("y,treat,g\n1,1,a\n2,1,a\n3,0,b\n4,1,b\n5,0,c\n");
  const r = await runCli([path, "--formula", "y ~ treat + (1 + treat | g)", "--dry-run"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /WARNING: Group term "g": 1 group has a single row \("c"\)/);
  assert.match(r.stdout, /every row treat = 1 in "a"/);
  assert.match(r.stdout, /Model checked: \d+ parameters/);
});

Deno.test("CLI subprocess: refused input exits 2 with one message and no stack trace", async () => {
  for (
    const args of [
      [good, "--formula", "y ~ x + tret"],
      [await tempCsv("y,x\n1,2\n2,abc\n3,4\n"), "--formula", "y ~ x"],
    ]
  ) {
    const out = await fitCommand(args).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 2, stderr);
    assert.match(stderr, /^Error: Cannot /);
    assert.doesNotMatch(stderr, /^\s+at /m);
    assert.doesNotMatch(stderr, /Uncaught|Stack backtrace/);
  }
});

Deno.test({
  name: "CLI subprocess: Ctrl-C during sampling stops promptly, exit 130, one line",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const child = fitCommand([
      good,
      "--formula",
      F,
      "--chains",
      "1",
      "--warmup",
      "200000",
      "--draws",
      "200000",
    ]).spawn();
    const { seen, rest, interruptedAt: interrupted } = await interruptAfterProgress(child);
    assert.match(seen, /warmup/, "progress before the interrupt");
    const status = await child.status;
    await child.stdout.cancel();
    const seconds = (performance.now() - interrupted) / 1000;
    assert.equal(status.code, 130, rest);
    assert.match(rest, /Interrupted: sampling cancelled \(Ctrl-C\); no results written\./);
    assert.doesNotMatch(rest, /^\s+at /m);
    // Not a timing assertion on speed, a liveness bound: 400,000 iterations would take minutes.
    assert.ok(seconds < 30, `stopped after ${seconds.toFixed(1)} s`);
  },
});
