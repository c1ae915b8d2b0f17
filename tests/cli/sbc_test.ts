/**
 * The `deno task sbc` command line: its own options (--sims, --thinned-draws, --workers) are
 * parsed and checked, and a small run on a CSV's design with 2 workers writes the JSON contract
 * (sims, time_s, warnings_share, parameters[] with name, ranks, p_uniform, p_uniform_holm,
 * ecdf_in_bands).
 */
import { holmAdjust } from "../../lib/calibration/uniformity.ts";
import assert from "node:assert/strict";
import { main, parseSbcArgs } from "../../cli/sbc.ts";
import { QUICK_SAMPLING, runMain } from "../_fit_cli.ts";
import { refuses } from "../_refuses.ts";

Deno.test("sbc CLI: --sims, --thinned-draws and --workers are parsed; the rest goes to fit's parser", () => {
  const parsed = parseSbcArgs(["d.csv", "--sims", "7", "--workers=2", "--formula", "y ~ x"]);
  assert.notEqual(parsed, "help");
  if (parsed === "help") return;
  assert.equal(parsed.sims, 7);
  assert.equal(parsed.workers, 2);
  assert.equal(parsed.thinnedDraws, 99);
  assert.deepEqual(parsed.rest, ["d.csv", "--formula", "y ~ x"]);
  const plain = parseSbcArgs(["d.csv"]);
  assert.equal(plain !== "help" && plain.workers, undefined);
  assert.throws(() => parseSbcArgs(["--workers", "0"]), /--workers 0 must be a whole number ≥ 1/);
  assert.throws(() => parseSbcArgs(["--workers", "two"]), /--workers expects a whole number/);
});

Deno.test("sbc CLI: its numbers in decimal digits, each given once, each with a value", () => {
  refuses(
    () => parseSbcArgs(["--sims", "0x10"]),
    /^Option --sims expects a whole number, got "0x10"; write it in decimal digits/,
  );
  refuses(() => parseSbcArgs(["--sims", "1e3"]), /--sims expects a whole number, got "1e3"/);
  refuses(() => parseSbcArgs(["--sims", "1"]), /--sims 1 must be a whole number ≥ 2/);
  refuses(
    () => parseSbcArgs(["--sims", "10", "--sims=20"]),
    /^Option --sims is given twice \("10", then "20"\); give it once\.$/,
  );
  refuses(() => parseSbcArgs(["d.csv", "--workers"]), /^Option --workers needs a value/);
});

Deno.test("sbc CLI: a 4-simulation run with 2 workers writes the JSON contract", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const rows = Array.from({ length: 30 }, (_, i) => `${(i * 7) % 5},${i % 3},g${i % 4}`);
    await Deno.writeTextFile(`${dir}/d.csv`, "y,x,g\n" + rows.join("\n") + "\n");
    const code = await main([
      `${dir}/d.csv`,
      "--formula",
      "y ~ x + (1 | g)",
      "--prior",
      "Intercept ~ normal(0, 1)",
      "--prior",
      "b ~ normal(0, 1)",
      "--prior",
      "sd ~ normal(0, 1)",
      "--prior",
      "sigma ~ normal(0, 1)",
      "--sims",
      "4",
      "--thinned-draws",
      "9",
      "--workers",
      "2",
      "--chains",
      "2",
      ...QUICK_SAMPLING,
      "--out",
      `${dir}/sbc.json`,
    ]);
    assert.equal(code, 0);
    const json = JSON.parse(await Deno.readTextFile(`${dir}/sbc.json`));
    assert.equal(json.sims, 4);
    assert.ok(json.warnings_share >= 0 && json.warnings_share <= 1);
    assert.deepEqual(json.parameters.map((p: { name: string }) => p.name).sort(), [
      "b_Intercept",
      "b_x",
      "sd_g__Intercept",
      "sigma",
    ]);
    for (const p of json.parameters) {
      assert.equal(p.ranks.length, 4);
      assert.ok(p.ranks.every((r: number) => r >= 0 && r <= 9));
      assert.equal(typeof p.ecdf_in_bands, "boolean");
    }
    // p_uniform_holm is Holm's adjustment of the 4 p_uniform (an added field).
    const ps = json.parameters.map((p: { p_uniform: number }) => p.p_uniform);
    assert.deepEqual(
      json.parameters.map((p: { p_uniform_holm: number }) => p.p_uniform_holm),
      holmAdjust(ps),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sbc CLI: exit status 0 for --help, 2 with one Error line for bad input; fit's data options apply", async () => {
  const help = await runMain(main, ["--help"]);
  assert.equal(help.code, 0);
  assert.match(
    help.out,
    /Exit status: 0 when every simulation ran[^]*; 2 on bad input[^]*; 130 when interrupted/,
  );
  const dir = await Deno.makeTempDir();
  try {
    const data = `${dir}/d.csv`;
    await Deno.writeTextFile(
      data,
      "y,x,g,w\n" +
        Array.from({ length: 20 }, (_, i) => `${i % 5},${i % 2},g${i % 4},${1 + (i % 3)}`)
          .join("\n"),
    );
    const model = [data, "--formula", "y ~ x + (1 + x | g)", "--sims", "2"];
    for (
      const [argv, message] of [
        [["--sims", "x"], /^Error: Option --sims expects a whole number, got "x"/],
        [
          [...model, "--effects-by", "g"],
          /^Error: Option --effects-by belongs to deno task fit, not sbc/,
        ],
        [[...model, "--aggregated"], /Option --aggregated belongs to deno task fit, not sbc/],
        // Options fit reads are read here too, not ignored.
        [[...model, "--treatment", "nope"], /Option --treatment nope: column "nope" not found/],
        [[...model, "--weights", "nope"], /column "nope" not found/],
        // A weighted likelihood simulates no data: refused, not calibrated wrongly.
        [
          [...model, "--weights", "w"],
          /Cannot run sbc: the model has likelihood weights \(column "w"\)/,
        ],
        [[...model, "--recode", "nope"], /Unknown --recode "nope"/],
        [[...model, "--out", data, "--force"], /it is the data file/],
        [
          [...model, "--thinned-draws", "1000", "--chains", "1", "--draws", "50"],
          /--thinned-draws 1000 exceeds the 50 posterior draws of each fit \(--chains 1 × --draws 50\)/,
        ],
        [
          [...model, "--chains", "2", "--draws", "40"],
          /--thinned-draws 99 \(the default\) exceeds the 80 posterior draws/,
        ],
      ] as const
    ) {
      const r = await runMain(main, [...argv]);
      assert.equal(r.code, 2, r.out);
      assert.match(r.out, message);
      assert.doesNotMatch(r.out, /simulations in/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
