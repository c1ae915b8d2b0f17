/**
 * Sampler safety (issue 8): a log density that is not finite anywhere ends in a clear error
 * naming the block; divergences and tree-depth saturation always reach the summary, the JSON
 * and the display; `converged` is false when R-hat / ESS fail; an AbortSignal stops sampling.
 */
import assert from "node:assert/strict";
import { loadTable } from "../../lib/data/load_table.ts";
import { makeTable } from "../../lib/data/table.ts";
import { formula } from "../../lib/spec/formula.ts";
import { normal } from "../../lib/spec/priors.ts";
import { CpuBackend } from "../../lib/sampler/cpu_backend.ts";
import { Fit, fitModel, type FitOptions } from "../../lib/fit/mod.ts";
import { formatFitSummary } from "../../lib/posterior/format_summary.ts";
import { assertHetfx, baseCsv } from "./_helpers.ts";

const table = await loadTable(baseCsv(48));
const spec = formula("y ~ x + treat + (1 + treat | g)", table).toJSON();
const quiet: FitOptions = { progress: false, workers: 1 };

Deno.test("a target that is -Infinity everywhere: no finite initial point, HetfxError", async () => {
  const target = {
    dim: 3,
    logDensityGradient: (_q: Float64Array, g: Float64Array) => {
      g.fill(0);
      return -Infinity;
    },
  };
  await assertHetfx(
    () =>
      new CpuBackend().sample(target, {
        chains: 1,
        warmup: 10,
        draws: 10,
        seed: 1,
        adaptDelta: 0.8,
        maxTreedepth: 10,
        metric: "diag",
        warmupStart: "stan",
      }),
    /could not find a finite initial point after 100 tries/,
  );
});

Deno.test("a likelihood that overflows everywhere: the error names the likelihood", async () => {
  const huge = await loadTable(
    "y,x\n" +
      Array.from({ length: 12 }, (_, i) => `${(i % 2 ? 1 : -1) * 1e200},${i % 3}`).join("\n"),
  );
  for (const workers of [1, 2]) {
    await assertHetfx(
      () =>
        fitModel(formula("y ~ x", huge).toJSON(), huge, {
          progress: false,
          chains: 2,
          warmup: 10,
          draws: 10,
          workers,
        }),
      /could not find a finite initial point/,
      /the likelihood of "y" \(gaussian\) is not finite/,
      /rescale it/,
    );
  }
});

Deno.test("a prior that is not finite away from 0: the error names the block and prior", async () => {
  const withPrior = formula("y ~ x + treat + (1 + treat | g)", table)
    .prior("b", normal(0, 1e-300))
    .toJSON();
  await assertHetfx(
    () => fitModel(withPrior, table, { ...quiet, chains: 1, warmup: 10, draws: 10 }),
    /could not find a finite initial point/,
    /the prior of b \(population-level coefficients x, treat\) ~ normal\(0, 1e-300/,
  );
});

Deno.test("a deliberately short run is not converged, and says what to try", async () => {
  const fit = await fitModel(spec, table, { ...quiet, chains: 2, warmup: 10, draws: 20 });
  assert.equal(fit.converged, false);
  const warnings = fit.convergenceWarnings().join("\n");
  assert.match(warnings, /ESS|R-hat/);
  assert.match(warnings, /Run more (warmup and )?draws/);
  assert.ok(fit.warnings().length >= fit.convergenceWarnings().length);
  const json = fit.toJSON() as { warnings: string[] };
  assert.ok(json.warnings.some((w) => /ESS|R-hat/.test(w)));
  assert.doesNotMatch(formatFitSummary(fit), /All convergence checks passed/);
  assert.doesNotMatch(fit.toHTML(), /All convergence checks passed/);
});

Deno.test("tree-depth saturation is surfaced in warnings, summary, JSON and display", async () => {
  const fit = await fitModel(spec, table, {
    ...quiet,
    chains: 1,
    warmup: 50,
    draws: 50,
    maxTreedepth: 1,
  });
  const d = fit.diagnostics();
  assert.ok(d.max_treedepth_hits > 0, "max tree depth 1 must saturate");
  assert.ok(fit.warnings().some((w) => /hit the maximum tree depth 1/.test(w)));
  assert.equal(fit.converged, false);
  const json = fit.toJSON() as { diagnostics: { max_treedepth_hits: number } };
  assert.equal(json.diagnostics.max_treedepth_hits, d.max_treedepth_hits);
  assert.match(formatFitSummary(fit), new RegExp(`tree-depth hits ${d.max_treedepth_hits}`));
  assert.match(fit.toHTML(), new RegExp(`tree-depth hits ${d.max_treedepth_hits}`));
});

Deno.test("divergences are surfaced in warnings, summary, JSON and display", async () => {
  const fit = await fitModel(spec, table, { ...quiet, chains: 2, warmup: 30, draws: 30 });
  // Mark exactly three transitions divergent (this short run may have its own) and rebuild the
  // Fit from the same draws.
  const chains = fit.chains.map((c) => ({ ...c, divergent: new Uint8Array(c.divergent.length) }));
  chains[0].divergent[3] = 1;
  chains[1].divergent[0] = 1;
  chains[1].divergent[7] = 1;
  const marked = new Fit(fit.spec, fit.data, chains, fit.info, fit.table);
  assert.equal(marked.diagnostics().divergences, 3);
  assert.ok(
    marked.warnings().some((w) => /^3 of 60 transitions after warmup were divergent/.test(w)),
  );
  assert.ok(marked.warnings().some((w) => /Raise adaptDelta/.test(w)));
  assert.equal(marked.converged, false);
  assert.equal(
    (marked.toJSON() as { diagnostics: { divergences: number } }).diagnostics.divergences,
    3,
  );
  assert.match(formatFitSummary(marked), /Diagnostics: 3 divergences/);
  assert.match(marked.toHTML(), /Divergences 3/);
});

Deno.test("stuck chains (draws that never move) are not reported as converged", async () => {
  const fit = await fitModel(spec, table, { ...quiet, chains: 2, warmup: 30, draws: 30 });
  const dim = fit.data.dim;
  const chains = fit.chains.map((c) => {
    const theta = new Float64Array(c.theta.length);
    for (let d = 0; d < c.logDensity.length; d++) {
      theta.set(fit.chains[0].theta.subarray(0, dim), d * dim);
    }
    return { ...c, theta };
  });
  const stuck = new Fit(fit.spec, fit.data, chains, fit.info, fit.table);
  assert.equal(stuck.converged, false);
  assert.ok(stuck.warnings().some((w) => /R-hat\/ESS cannot be computed for b_Intercept/.test(w)));
});

Deno.test("data warnings reach Fit.warnings(), the JSON and the text summary", async () => {
  const t = await loadTable(
    "y,treat,g\n" +
      Array.from({ length: 30 }, (_, i) => `${(i * 7) % 5},${i < 4 ? 1 : i % 2},${"abcde"[i % 5]}`)
        .join("\n") +
      "\n9,1,f\n",
  );
  const fit = await fitModel(formula("y ~ treat + (1 + treat | g)", t).toJSON(), t, {
    ...quiet,
    chains: 1,
    warmup: 20,
    draws: 20,
  });
  const single = /Group term "g": 1 group has a single row \("f"\)/;
  assert.ok(fit.warnings().some((w) => single.test(w)));
  assert.ok((fit.toJSON() as { warnings: string[] }).warnings.some((w) => single.test(w)));
  assert.match(formatFitSummary(fit), single);
});

Deno.test("an AbortSignal stops sampling with 'sampling cancelled' (CPU and workers)", async () => {
  for (const workers of [1, 2]) {
    const controller = new AbortController();
    let calls = 0;
    let callsAfterAbort = 0;
    await assertHetfx(
      () =>
        fitModel(spec, table, {
          chains: 2,
          warmup: 100000,
          draws: 100000,
          workers,
          signal: controller.signal,
          progress: (p) => {
            if (p.done < 0) return;
            if (controller.signal.aborted) callsAfterAbort++;
            calls++;
            controller.abort();
          },
        }),
      /sampling cancelled/,
    );
    assert.ok(calls >= 1);
    assert.ok(callsAfterAbort <= 2, `${callsAfterAbort} progress reports after the abort`);
  }
});

Deno.test("an already-aborted signal refuses to start", async () => {
  const controller = new AbortController();
  controller.abort();
  await assertHetfx(
    () => fitModel(spec, table, { ...quiet, signal: controller.signal }),
    /sampling cancelled/,
  );
});

Deno.test("too few draws to compute R-hat/ESS are called too few, not stuck chains", async () => {
  const n = 80;
  const table = makeTable({
    y: { kind: "number", values: Float64Array.from({ length: n }, (_, i) => ((i * 7) % 11) / 5) },
    g: { kind: "number", values: Float64Array.from({ length: n }, (_, i) => i % 4) },
  });
  const fit = await formula("y ~ 1 + (1 | g)", table)
    .fit({ chains: 2, warmup: 100, draws: 2, seed: 1, progress: false });
  const warning = fit.warnings().find((w) => w.startsWith("R-hat/ESS cannot be computed"));
  assert.ok(warning !== undefined);
  assert.match(warning, /2 draws per chain are too few .* at least 6 draws/);
  assert.doesNotMatch(warning, /stuck/);
  assert.match(formatFitSummary(fit), /min ESS bulk NA, tail NA/);
});
