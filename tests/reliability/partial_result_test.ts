/**
 * Also covers: fit/partial_result.ts.
 * Cancellation with `keepPartial` (issue 8): an abort after the first sampling-phase progress
 * returns a Fit from the draws so far — fewer than asked, every chain the same length, identical
 * to the first draws of an uncancelled run with the same seed, `info.cancelled`, a "Partial
 * result" warning first — on the sequential CPU path, in workers and with the collapsed method;
 * an abort before every chain has a kept draw, or without keepPartial, is the usual HetfxError.
 * The CLI with --keep-partial writes the partial summary and JSON on Ctrl-C and exits 130.
 */
import assert from "node:assert/strict";
import { HetfxError } from "../../lib/errors.ts";
import { loadTable } from "../../lib/data/load_table.ts";
import { formula } from "../../lib/spec/formula.ts";
import type { ModelSpec } from "../../lib/spec/model_spec.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { CompiledModel } from "../../lib/model/compiled_model.ts";
import { type Fit, fitModel, type FitOptions } from "../../lib/fit/mod.ts";
import { CpuBackend } from "../../lib/sampler/cpu_backend.ts";
import { SamplingCancelled, truncateChains } from "../../lib/sampler/cancellation.ts";
import { allocateChainDraws } from "../../lib/sampler/backend.ts";
import { assertHetfx, baseCsv, tempCsv } from "./_helpers.ts";
import { fitCommand, interruptAfterProgress } from "../_fit_cli.ts";

const table = await loadTable(baseCsv(48));
const built = formula("y ~ x + treat + (1 + treat | g)", table).toJSON();
/** Normal Intercept/b priors, so method "auto" may collapse; "nuts" is asked for explicitly. */
const spec: ModelSpec = {
  ...built,
  priors: [
    ...built.priors,
    { class: "Intercept", prior: { dist: "normal", mu: 0, sigma: 2 } },
    { class: "b", prior: { dist: "normal", mu: 0, sigma: 1 } },
  ],
};
const DRAWS = 4000;
const base: FitOptions = { chains: 2, warmup: 60, draws: DRAWS, seed: 9, keepPartial: true };

/** Fit, aborting at the first progress report of the given phase. */
function fitAborted(options: FitOptions, phase: "warmup" | "sampling" = "sampling") {
  const controller = new AbortController();
  return fitModel(spec, table, {
    ...base,
    ...options,
    signal: controller.signal,
    progress: (p) => {
      if (p.phase === phase || phase === "warmup") controller.abort();
    },
  });
}

function theta(fit: Fit): number[][] {
  return fit.chains.map((c) => Array.from(c.theta));
}

async function assertPartial(options: FitOptions): Promise<void> {
  const fit = await fitAborted(options);
  const kept = fit.chains[0].logDensity.length;
  assert.equal(fit.info.cancelled, true);
  assert.ok(kept > 0 && kept < DRAWS, `kept ${kept} of ${DRAWS}`);
  for (const c of fit.chains) {
    assert.equal(c.logDensity.length, kept);
    assert.equal(c.theta.length, kept * fit.data.dim);
  }
  assert.equal(fit.named.drawsPerChain, kept);
  assert.equal(fit.draws("b_treat").length, 2 * kept);
  assert.match(fit.warnings()[0], new RegExp(`^Partial result: .* first ${kept} of ${DRAWS} `));
  assert.equal((fit.toJSON() as { cancelled?: boolean }).cancelled, true);
  assert.ok(fit.summary().every((p) => Number.isFinite(p.mean)));
  // The kept draws are exactly the first draws of an uncancelled run with the same seed.
  const full = await fitModel(spec, table, { ...base, ...options, draws: kept, progress: false });
  assert.equal(full.info.cancelled, false);
  assert.deepEqual(theta(fit), theta(full));
  assert.ok(!full.warnings().some((w) => /Partial result/.test(w)));
}

Deno.test("keepPartial, sequential CPU (NUTS): abort after the first sampling progress → partial Fit", async () => {
  await assertPartial({ method: "nuts", workers: 1 });
});

Deno.test("keepPartial, two workers (NUTS): workers report their partial chains before terminating", async () => {
  await assertPartial({ method: "nuts", workers: 2 });
});

Deno.test("keepPartial, collapsed method in workers: partial hyperparameter draws become full draws", async () => {
  await assertPartial({ method: "collapsed", workers: 2 });
});

Deno.test("keepPartial, abort during warmup: HetfxError, no draws were complete", async () => {
  for (const workers of [1, 2]) {
    await assertHetfx(
      // Workers see the abort at their next yield (every 100 iterations): warmup is longer.
      () => fitAborted({ method: "nuts", workers, warmup: 300 }, "warmup"),
      /^sampling cancelled; no partial result: not every chain had completed a post-warmup draw/,
    );
  }
});

Deno.test("without keepPartial an abort during sampling is still the HetfxError", async () => {
  for (const workers of [1, 2]) {
    await assertHetfx(
      () => fitAborted({ method: "nuts", workers, keepPartial: false }),
      /^sampling cancelled$/,
    );
  }
});

Deno.test("CpuBackend keepPartial: a chain not yet started means 0 kept draws for every chain", async () => {
  const data = compileModel(spec, table);
  const controller = new AbortController();
  let caught: unknown;
  try {
    await new CpuBackend().sample(new CompiledModel(data), {
      chains: 3,
      warmup: 60,
      draws: 400,
      seed: 1,
      adaptDelta: 0.8,
      maxTreedepth: 10,
      metric: "diag",
      warmupStart: "stan",
      keepPartial: true,
      signal: controller.signal,
      // Chain 1's first sampling report: chain 0 done, chain 1 running, chain 2 not started.
      onProgress: (p) => {
        if (p.done > 460 + 60) controller.abort();
      },
    });
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof SamplingCancelled && caught instanceof HetfxError);
  assert.equal(caught.message, "sampling cancelled");
  assert.equal(caught.partial?.length, 2);
  assert.ok(caught.partial.every((c) => c.logDensity.length === 0 && c.theta.length === 0));
});

Deno.test("truncateChains: shortest chain wins; views keep warmup results", () => {
  const chain = (n: number) => {
    const c = allocateChainDraws(n, 3, 0.3, new Float64Array(3));
    c.theta.set(Float64Array.from({ length: 3 * n }, (_, i) => i));
    c.warmupDivergences = 2;
    return c;
  };
  const [a, b] = truncateChains([chain(10), chain(4)]);
  assert.deepEqual(Array.from(a.theta), Array.from({ length: 12 }, (_, i) => i));
  assert.equal(b.logDensity.length, 4);
  assert.equal(a.warmupDivergences, 2);
  assert.equal(a.adaptedStepSize, 0.3);
  assert.equal(truncateChains([chain(5), undefined]).length, 1);
  assert.equal(truncateChains([chain(5), undefined])[0].logDensity.length, 0);
});

Deno.test({
  name: "CLI --keep-partial: Ctrl-C during sampling prints and writes the partial result, exit 130",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const csv = await tempCsv(baseCsv(48));
    const out = await Deno.makeTempFile({ prefix: "hetfx_partial_", suffix: ".json" });
    const child = fitCommand([
      csv,
      "--formula",
      "y ~ x + treat + (1 + treat | g)",
      "--chains",
      "1",
      "--warmup",
      "50",
      "--draws",
      "2000000",
      "--keep-partial",
      "--out",
      out,
    ]).spawn();
    // Interrupted once a progress line says "sampling" (iteration 100 or later), so the chain has
    // kept draws whenever it sees the interrupt. (At the "warmup" line of iteration 50 a loaded
    // machine could deliver it before the first kept draw: then no partial result.)
    const { seen, rest } = await interruptAfterProgress(child, /sampling +\d+% /);
    assert.match(seen, /sampling +\d+% /, "progress before the interrupt");
    const [status, stdout] = await Promise.all([child.status, new Response(child.stdout).text()]);
    assert.equal(status.code, 130, rest);
    assert.match(
      rest,
      /Interrupted: sampling cancelled \(Ctrl-C\); partial result from \d+ of 2000000 draws per chain\./,
    );
    assert.match(stdout, /WARNING: Partial result: /);
    assert.match(stdout, /Wrote /);
    const json = JSON.parse(await Deno.readTextFile(out));
    assert.equal(json.cancelled, true);
    assert.match(json.warnings[0], /^Partial result: /);
  },
});
