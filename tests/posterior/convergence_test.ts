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
import type { ChainDraws } from "../../lib/sampler/backend.ts";

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

/** A copy of each chain's arrays, so one diagnostic can be broken without touching the fit. */
function copyChains(fit: Fit): ChainDraws[] {
  return fit.chains.map((c) => ({
    ...c,
    theta: c.theta.slice(),
    treeDepth: c.treeDepth.slice(),
    divergent: c.divergent.slice(),
    energy: c.energy.slice(),
  }));
}

function refit(fit: Fit, chains: ChainDraws[]): Fit {
  return new Fit(fit.spec, fit.data, chains, fit.info, fit.table);
}

Deno.test("every convergence warning is absent on a good fit, and each one fires alone", async () => {
  const fit = await smallFit(4, 1000);
  const d = fit.diagnostics();
  // The good fit passes every check with room to spare, so the rules below are what flips.
  assert.deepEqual(fit.convergenceWarnings(), [], fit.convergenceWarnings().join("\n"));
  assert.equal(fit.converged, true);
  assert.ok(
    d.max_rhat < 1.01 && d.ebfmi_min > 0.3 && Math.min(d.min_ess_bulk, d.min_ess_tail) > 400,
    JSON.stringify(d),
  );
  const dim = fit.chains[0].theta.length / fit.chains[0].energy.length;
  const only = (f: Fit, pattern: RegExp) => {
    const w = f.convergenceWarnings();
    assert.equal(w.length, 1, w.join("\n"));
    assert.match(w[0], pattern);
    assert.equal(f.converged, false);
  };

  // One divergent transition after warmup.
  const divergent = copyChains(fit);
  divergent[2].divergent[17] = 1;
  only(refit(fit, divergent), /^1 of 4000 transitions after warmup were divergent/);

  // One draw at the maximum tree depth.
  const deep = copyChains(fit);
  deep[1].treeDepth[5] = fit.info.options.maxTreedepth;
  only(refit(fit, deep), /1 transitions hit the maximum tree depth/);

  // R-hat between 1.01 and 1.1: one chain's first coordinate shifted by half the intercept's
  // posterior sd. (A rule at 1.1 instead of 1.01 would stay silent here.)
  const shifted = copyChains(fit);
  const sd = fit.summary().find((p) => p.name === "b_Intercept")!.sd;
  const n = fit.chains[0].energy.length;
  for (let i = 0; i < n; i++) shifted[0].theta[i * dim] += 0.5 * sd;
  const rhatFit = refit(fit, shifted);
  const rhat = rhatFit.diagnostics().max_rhat;
  assert.ok(rhat > 1.01 && rhat < 1.1, `R-hat ${rhat} must lie between the two thresholds`);
  // (Shifting a chain also lowers the bulk ESS, so the ESS warning may come with it.)
  const rhatWarnings = rhatFit.convergenceWarnings();
  assert.ok(rhatWarnings.some((w) => /^Largest R-hat is 1\.0\d\d \(> 1\.01\)/.test(w)));
  assert.equal(rhatFit.converged, false);

  // E-BFMI between 0.03 and 0.3: one chain's energy replaced by an AR(1) series with φ = 0.95,
  // whose E-BFMI is 2(1 − φ) = 0.1 in expectation (a rule at 0.03 would stay silent).
  const sluggish = copyChains(fit);
  const u = seeded(3);
  let e = 0;
  for (let i = 0; i < n; i++) {
    const z = Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
    e = 0.95 * e + z;
    sluggish[3].energy[i] = e;
  }
  const bfmiFit = refit(fit, sluggish);
  const bfmi = bfmiFit.diagnostics().ebfmi_min;
  assert.ok(bfmi > 0.03 && bfmi < 0.3, `E-BFMI ${bfmi} must lie between the two thresholds`);
  only(bfmiFit, /^E-BFMI as low as 0\.\d\d \(< 0\.3\)/);

  // Chains that never move: R-hat/ESS cannot be computed, so the fit is not converged.
  const stuck = copyChains(fit);
  const first = fit.chains[0].theta.slice(0, dim);
  for (const c of stuck) for (let i = 0; i < n; i++) c.theta.set(first, i * dim);
  const stuckWarnings = refit(fit, stuck).convergenceWarnings();
  assert.ok(
    stuckWarnings.some((w) => /^R-hat\/ESS cannot be computed for .*do not vary/.test(w)),
  );

  // Draws that are not all finite say so, not that the chains are stuck.
  const overflow = copyChains(fit);
  overflow[1].theta[5 * dim] = NaN;
  const overflowWarnings = refit(fit, overflow).convergenceWarnings();
  const nonFinite = overflowWarnings.filter((w) => /cannot be computed/.test(w));
  assert.equal(nonFinite.length, 1, overflowWarnings.join("\n"));
  assert.match(nonFinite[0], /: some of their draws are NaN or infinite \(the model overflows/);
  assert.doesNotMatch(nonFinite[0], /stuck/);
});
