/**
 * summarizeParameter and the MCSEs against R's posterior (summarise_draws' measures) on draw
 * sets made by fixtures/summaries_posterior.R: normal, skewed, heavy-tailed, a chain stuck at one
 * value, chains with different means, one chain of odd length, three chains of odd length, and
 * constant draws (posterior's NA is NaN here).
 */
import assert from "node:assert/strict";
import { HetfxError } from "../../lib/errors.ts";
import { summarizeParameter } from "../../lib/posterior/fit_summaries.ts";
import { mcseMean, mcseQuantile, mcseSd } from "../../lib/diagnostics/mcse.ts";
import { median, quantile } from "../../lib/diagnostics/quantiles.ts";

interface DrawSet {
  chains: number[][];
  mean: number;
  median: number;
  sd: number;
  rhat: number | null;
  ess_bulk: number | null;
  ess_tail: number | null;
  mcse_mean: number | null;
  mcse_sd: number | null;
  quantiles: number[];
  mcse_quantile: (number | null)[];
}

const ref = JSON.parse(
  Deno.readTextFileSync(new URL("./fixtures/summaries_posterior.json", import.meta.url)),
) as { posterior_version: string; probs: number[]; sets: Record<string, DrawSet> };

/** |a − b| ≤ tol·max(1, |b|), with R's NA (null) matching NaN only. */
function close(a: number, b: number | null, tol: number, what: string): void {
  if (b === null) return assert.ok(Number.isNaN(a), `${what}: ${a}, R gives NA`);
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs R ${b}`);
}

// The draws are the fixture's doubles and both sides compute the same formulas, so only
// rounding separates them (worst seen 2e-15 relative, sd and ESS); quantiles are exact.
for (const [name, set] of Object.entries(ref.sets)) {
  Deno.test(`summaries match R's posterior ${ref.posterior_version}: ${name}`, () => {
    const chains = set.chains.map((c) => Float64Array.from(c));
    const values = Float64Array.from(set.chains.flat());
    const s = summarizeParameter(name, values, chains.length);
    close(s.mean, set.mean, 1e-14, "mean");
    close(s.sd, set.sd, 1e-13, "sd");
    close(median(values), set.median, 0, "median");
    close(s.q50, set.median, 0, "q50");
    close(s["q2.5"], set.quantiles[2], 1e-15, "q2.5");
    close(s["q97.5"], set.quantiles[3], 1e-15, "q97.5");
    ref.probs.forEach((p, i) => close(quantile(values, p), set.quantiles[i], 1e-15, `q${p}`));
    close(s.rhat, set.rhat, 1e-12, "rhat");
    close(s.ess_bulk, set.ess_bulk, 1e-12, "ess_bulk");
    close(s.ess_tail, set.ess_tail, 1e-12, "ess_tail");
    close(mcseMean(chains), set.mcse_mean, 1e-12, "mcse_mean");
    close(mcseSd(chains), set.mcse_sd, 1e-12, "mcse_sd");
    ref.probs.forEach((p, i) =>
      close(mcseQuantile(chains, p), set.mcse_quantile[i], 1e-12, `mcse_q${p * 100}`)
    );
  });
}

Deno.test("summaries: chains of different lengths are refused, as posterior's draws_array can't hold them", () => {
  const chains = [new Float64Array([1, 2, 3, 4]), new Float64Array([1, 2, 3])];
  assert.throws(() => mcseMean(chains), HetfxError);
  assert.throws(() => mcseSd(chains), HetfxError);
});
