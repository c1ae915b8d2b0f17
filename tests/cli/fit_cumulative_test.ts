/** `deno task fit` with an ordinal outcome: the family and link spellings and the JSON. */
import assert from "node:assert/strict";
import { runFitCli } from "../_fit_cli.ts";
import { ordinalTable } from "../posterior/_ordinal_fixture.ts";

/** The fixture's ordinal table as a CSV file. */
async function ordinalCsv(): Promise<string> {
  const t = ordinalTable(200, 4);
  const y = (t.columns.y as { values: Float64Array }).values;
  const treat = (t.columns.treat as { values: Float64Array }).values;
  const g = t.columns.g as { codes: Int32Array; levels: readonly string[] };
  const lines = ["y,treat,g"];
  for (let i = 0; i < t.nRows; i++) lines.push(`${y[i]},${treat[i]},${g.levels[g.codes[i]]}`);
  const path = await Deno.makeTempFile({ suffix: ".csv" });
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  return path;
}

Deno.test("fit --family cumulative(probit): thresholds, E[y] effects and category effects in the JSON", async () => {
  const csv = await ordinalCsv();
  const out = await Deno.makeTempFile({ suffix: ".json" });
  const sampler = { "--chains": "2", "--warmup": "200", "--draws": "200" };
  const r = await runFitCli([
    csv,
    "--formula=y ~ 1 + treat + (1 + treat | g)",
    "--family=cumulative(probit)",
    ...Object.entries(sampler).map(([k, v]) => `${k}=${v}`),
    "--effects-by=g",
    "--no-progress",
    `--out=${out}`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(await Deno.readTextFile(out));
  assert.equal(json.spec.family, "cumulative");
  assert.equal(json.spec.link, "probit");
  assert.equal(json.group_effects_scale, "on the latent (probit) scale");
  const names = json.parameters.map((p: { name: string }) => p.name);
  assert.ok(["b_Intercept[1]", "b_Intercept[2]", "b_Intercept[3]"].every((n) => names.includes(n)));
  assert.equal(json.effects[0].quantity, "E[y]");
  const byCategory = json.category_effects as Record<string, { mean: number }[]>;
  assert.deepStrictEqual(Object.keys(byCategory), ["1", "2", "3", "4"]);
  // Per draw the category probabilities sum to 1 and E[y] = Σ k·P(y = k), so the averaged
  // contrasts satisfy Σ_k Δp_k = 0 and Σ_k k·Δp_k = ΔE[y] (to rounding), in every cell.
  for (let cell = 0; cell < json.effects.length; cell++) {
    const deltas = [1, 2, 3, 4].map((k) => byCategory[String(k)][cell].mean);
    assert.ok(Math.abs(deltas.reduce((a, b) => a + b, 0)) < 1e-9);
    const weighted = deltas.reduce((a, d, k) => a + (k + 1) * d, 0);
    assert.ok(Math.abs(weighted - json.effects[cell].mean) < 1e-9);
  }
});

Deno.test("fit --link probit is the same as cumulative(probit); a wrong link is refused", async () => {
  const csv = await ordinalCsv();
  const dryRun = (link: string) =>
    runFitCli([
      csv,
      "--formula=y ~ 1 + treat + (1 | g)",
      "--family=cumulative",
      `--link=${link}`,
      "--dry-run",
    ]);
  const ok = await dryRun("probit");
  assert.equal(ok.code, 0, ok.stderr);
  const bad = await dryRun("cloglog");
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr + bad.stdout, /no link "cloglog" \(links: logit, probit\)/);
});
