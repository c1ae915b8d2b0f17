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

const LABELS = ["never", "rarely", "often", "always"];

/** The fixture's table with y written as text labels. */
async function labelledCsv(): Promise<string> {
  const path = await ordinalCsv();
  const [header, ...rows] = (await Deno.readTextFile(path)).trim().split("\n");
  const relabelled = rows.map((r) => {
    const [y, ...rest] = r.split(",");
    return [LABELS[Number(y) - 1], ...rest].join(",");
  });
  await Deno.writeTextFile(path, [header, ...relabelled].join("\n") + "\n");
  return path;
}

Deno.test("fit --levels on the outcome: declared order, labelled JSON; Intercept[2] prior", async () => {
  const csv = await labelledCsv();
  const out = await Deno.makeTempFile({ suffix: ".json" });
  const r = await runFitCli([
    csv,
    "--formula=y ~ 1 + treat + (1 + treat | g)",
    "--family=cumulative",
    // "sometimes" is declared but never answered: dropped (brms) with a warning.
    "--levels=y=never,rarely,sometimes,often,always",
    "--prior=Intercept[2] ~ normal(0, 2)",
    "--chains=2",
    "--warmup=150",
    "--draws=100",
    "--effects-by=g",
    "--no-progress",
    `--out=${out}`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(await Deno.readTextFile(out));
  assert.deepStrictEqual(json.spec.outcomeLevels, [
    "never",
    "rarely",
    "sometimes",
    "often",
    "always",
  ]);
  assert.deepStrictEqual(json.spec.priors, [{
    class: "Intercept",
    coef: "2",
    prior: { dist: "normal", mu: 0, sigma: 2 },
  }]);
  assert.deepStrictEqual(json.categories, LABELS.map((label, k) => ({ value: k + 1, label })));
  assert.deepStrictEqual(Object.keys(json.category_effects), LABELS);
  assert.ok(
    json.warnings.some((w: string) => w.includes('"sometimes" never observed')),
    JSON.stringify(json.warnings),
  );
});

Deno.test("fit --levels on a non-ordinal outcome and Intercept[k] on a non-ordinal family are refused", async () => {
  const csv = await labelledCsv();
  const levels = await runFitCli([
    csv,
    "--formula=y ~ 1 + treat + (1 | g)",
    "--family=poisson",
    `--levels=y=${LABELS.join(",")}`,
    "--dry-run",
  ]);
  assert.notEqual(levels.code, 0);
  assert.match(
    levels.stderr + levels.stdout,
    /apply to ordinal families \(cumulative\), not poisson/,
  );
  const numeric = await ordinalCsv();
  const prior = await runFitCli([
    numeric,
    "--formula=y ~ 1 + treat + (1 | g)",
    "--prior=Intercept[1] ~ normal(0, 1)",
    "--dry-run",
  ]);
  assert.notEqual(prior.code, 0);
  assert.match(
    prior.stderr + prior.stdout,
    /applies to ordinal families \(cumulative\), not gaussian/,
  );
});
