/**
 * Convergence rules for many chains: nested R-hat replaces classic R-hat when a run reports it
 * (many short WebGPU chains), and the ESS target is 100 per chain up to 400 in all.
 */
import assert from "node:assert/strict";
import { Fit } from "../../lib/fit/mod.ts";
import { makeTable } from "../../lib/data/table.ts";
import { hier } from "../../lib/spec/hier.ts";
import { normal } from "../../lib/spec/priors.ts";
import { seeded } from "../_seeded.ts";

async function smallFit(chains: number, draws: number): Promise<Fit> {
  const u = seeded(12);
  const n = 60;
  const y = Float64Array.from({ length: n }, () => u());
  const g = Float64Array.from({ length: n }, (_, i) => 1 + (i % 3));
  const table = makeTable({ y: { kind: "number", values: y }, g: { kind: "number", values: g } });
  return await hier(table).outcome("y").groupBy("g")
    .priors({ Intercept: normal(0, 1), sd: normal(0, 1), sigma: normal(0, 1) })
    .fit({ chains, warmup: 150, draws, seed: 5, progress: false, method: "nuts" });
}

Deno.test("nested R-hat, when reported, decides the mixing warning", async () => {
  const fit = await smallFit(8, 50);
  const withNested = (max: number) =>
    new Fit(fit.spec, fit.data, fit.chains, {
      ...fit.info,
      nestedRhat: { max, superchainSize: 4 },
    }, fit.table);
  const bad = withNested(1.2).warnings().join("\n");
  assert.match(bad, /Largest nested R-hat is 1\.200 \(> 1\.01, superchains of 4\)/);
  assert.doesNotMatch(bad, /Largest R-hat is/);
  const good = withNested(1.001).warnings().join("\n");
  assert.doesNotMatch(good, /R-hat is/);
});

Deno.test("the ESS target is 100 per chain, at most 400 in all", async () => {
  const fit = await smallFit(8, 20);
  const ess = fit.warnings().find((w) => w.startsWith("Smallest bulk/tail ESS"));
  // 8 chains × 20 draws cannot reach 400; the message names 400, not 800.
  assert.ok(ess !== undefined);
  assert.match(ess, /\(< 400\)/);
});
