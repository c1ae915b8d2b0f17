/**
 * Fits from aggregated data (`fitModel(spec, aggregate, { aggregated: true })`) have the
 * posterior of the row-level fit: a Gaussian model with a continuous covariate and a Bernoulli
 * model, posterior means within Monte Carlo error. Row-level results are refused clearly.
 */
import assert from "node:assert/strict";
import { fitModel } from "../../lib/fit/fit.ts";
import { aggregateRows } from "../../lib/model/aggregate_rows.ts";
import { HetfxError } from "../../lib/errors.ts";
import type { Family, ModelSpec } from "../../lib/spec/model_spec.ts";
import { simulatedTable } from "../model/_fixtures.ts";

/** y ~ 1 + x + treat + (1 + treat | g2), default priors. */
function spec(family: Family): ModelSpec {
  return {
    hetfx: 1,
    outcome: "y",
    family,
    intercept: true,
    treatment: "treat",
    terms: ["x", "treat"],
    groupTerms: [
      { group: "g2", factors: ["g2"], intercept: true, slopes: ["treat"], correlated: true },
    ],
    priors: [{ class: "sd", prior: { dist: "normal", mu: 0, sigma: 1 } }],
  };
}

const OPTIONS = { chains: 2, warmup: 300, draws: 400, seed: 5, progress: false } as const;

for (const family of ["gaussian", "bernoulli"] as Family[]) {
  Deno.test(`aggregated ${family} fit: the row-level posterior`, async () => {
    const rows = simulatedTable(400, family, 13);
    const s = spec(family);
    const a = await fitModel(s, rows, OPTIONS);
    const b = await fitModel(s, aggregateRows(s, rows), { ...OPTIONS, aggregated: true });
    assert.equal(b.data.nRows, 400);
    const sb = new Map(b.summary().map((r) => [r.name, r]));
    for (const ra of a.summary()) {
      const rb = sb.get(ra.name);
      assert.ok(rb, ra.name);
      // Two independent runs of the same posterior: the means differ by at most 5 combined
      // MCSEs (sd/√ESS each), a bound a correct implementation exceeds with probability < 1e-5.
      const mcse = Math.hypot(ra.sd / Math.sqrt(ra.ess_bulk), rb.sd / Math.sqrt(rb.ess_bulk));
      assert.ok(
        Math.abs(ra.mean - rb.mean) <= 5 * mcse,
        `${family} ${ra.name}: ${ra.mean} vs ${rb.mean} (mcse ${mcse})`,
      );
    }
    // Row-level results say the data came aggregated.
    assert.throws(
      () => b.loo(),
      (e) => e instanceof HetfxError && /aggregated data/.test(e.message),
    );
    assert.throws(
      () => b.ppCheck(),
      (e) => e instanceof HetfxError && /aggregated/.test(e.message),
    );
    assert.throws(
      () => b.predict(),
      (e) => e instanceof HetfxError && /aggregated/.test(e.message),
    );
  });
}
