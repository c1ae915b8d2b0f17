/**
 * Also covers: fit/fit.ts, fit/sample.ts (every fit here runs through fitModel and sampleFit;
 * startFitWorkers below).
 */
import assert from "node:assert/strict";
import { Fit } from "../../lib/fit/mod.ts";
import { hier, HierBuilder } from "../../lib/spec/hier.ts";
import { formula } from "../../lib/spec/formula.ts";
import { HetfxError } from "../../lib/errors.ts";
import { smallTable } from "../posterior/_fixtures.ts";
import { startFitWorkers } from "../../lib/fit/sample.ts";
import { releaseWorkers } from "../../lib/sampler/parallel.ts";
import { resolveFitOptions } from "../../lib/fit/options.ts";
import { generateQuantities } from "../../lib/posterior/generated.ts";
import { groups } from "../../lib/data/groups.ts";
import { binColumn } from "../../lib/data/bin.ts";
import { loadTable } from "../../lib/data/load_table.ts";

const OPTIONS = { chains: 1, warmup: 30, draws: 20, seed: 4, progress: false } as const;

Deno.test("importing lib/fit adds .fit() to the spec builders; hier and formula fit alike", async () => {
  assert.equal(typeof HierBuilder.prototype.fit, "function");
  const t = smallTable();
  const a = await hier(t).outcome("y").treatment("treat").controls("x").groupBy("g").fit(OPTIONS);
  const b = await formula("y ~ treat + x + (1 + treat | g)", t).fit(OPTIONS);
  assert.ok(a instanceof Fit && b instanceof Fit);
  assert.deepEqual(a.spec, b.spec);
  // Same spec, table and seed: the same draws.
  assert.deepEqual(a.draws("b_treat"), b.draws("b_treat"));
});

Deno.test(".fit() rejects (not throws) on a bad spec and on bad options", async () => {
  const t = smallTable();
  const call = hier(t).outcome("nope").fit(OPTIONS);
  assert.ok(call instanceof Promise);
  await assert.rejects(call, (e: unknown) => e instanceof HetfxError && /"nope"/.test(e.message));
  await assert.rejects(
    formula("y ~ x + (1 | g)", t).fit({ chains: 0 }),
    /Cannot fit: option chains = 0/,
  );
});

Deno.test("workers start before compiling only when the fit will use them, and never outlive it", async () => {
  const pool = (o: Record<string, unknown>) => startFitWorkers(resolveFitOptions(o));
  assert.equal(pool({ chains: 1, workers: 4 }), null);
  assert.equal(pool({ chains: 4, workers: 1 }), null);
  assert.equal(pool({ chains: 4, workers: 2, backend: "webgpu" }), null);
  // Three threads for three chains: this one and two workers.
  const started = pool({ chains: 3, workers: 8 })!;
  assert.equal(started.size, 2);
  started.terminate();
  // A fit that fails while compiling, and one that runs 2 chains on 2 threads: the test's
  // resource sanitizer fails if either leaves a worker running. Same draws as one thread.
  const t = smallTable();
  await assert.rejects(
    hier(t).outcome("nope").fit({ ...OPTIONS, chains: 2, workers: 2 }),
    /"nope"/,
  );
  const model = formula("y ~ treat + x + (1 + treat | g)", t);
  const inWorkers = await model.fit({ ...OPTIONS, chains: 2, workers: 2 });
  const here = await model.fit({ ...OPTIONS, chains: 2, workers: 1 });
  assert.deepEqual(inWorkers.draws("b_treat"), here.draws("b_treat"));
});

Deno.test("keepWorkers: the next fit takes the kept worker; draws unchanged; releaseWorkers ends it", async () => {
  const model = formula("y ~ treat + x + (1 + treat | g)", smallTable());
  const settings = { ...OPTIONS, chains: 2, workers: 2 };
  const fresh = await model.fit(settings);
  assert.equal(releaseWorkers(), 0);
  const kept = await model.fit({ ...settings, keepWorkers: true });
  const warm = await model.fit({ ...settings, keepWorkers: true });
  // Fits that fail before sampling leave the kept worker idle.
  await assert.rejects(model.fit({ ...settings, keepWorkers: true, thin: 0 }), /option thin/);
  await assert.rejects(
    hier(smallTable()).outcome("nope").fit({ ...settings, keepWorkers: true }),
    /"nope"/,
  );
  for (const fit of [kept, warm]) assert.deepEqual(fit.draws("b_treat"), fresh.draws("b_treat"));
  // The test's resource sanitizer fails if a worker is left running.
  assert.equal(releaseWorkers(), 1);
});

Deno.test("a Fit makes its named draws on first use, once, from its chains", async () => {
  const fit = await formula("y ~ treat + x + (1 + treat | g)", smallTable()).fit(OPTIONS);
  // A Fit over no chains can be made (nothing is computed yet); its named draws cannot.
  const empty = new Fit(fit.spec, fit.data, [], fit.info, fit.table);
  assert.throws(() => empty.named);
  const named = fit.named;
  assert.equal(fit.named, named);
  assert.deepEqual(named, generateQuantities(fit.data, fit.chains));
  assert.deepEqual(fit.draws("lp__"), Float64Array.from(fit.chains[0].logDensity));
});

Deno.test("a fit on quantile bins that ties merged says in its warnings how many bins there are", async () => {
  // 40 of 60 ages are 30: the 3 quantile bins asked for are 2. Only groups(t).summary() said
  // so; .groupBy(grouping) dropped the note, and the fit's warnings were silent.
  const t = await loadTable(
    Array.from({ length: 60 }, (_, i) => ({
      y: Math.sin(i) + (i % 2),
      treat: i % 2,
      age: i < 40 ? 30 : 30 + i,
      g: i % 3,
    })),
  );
  const note = '"age_bin": ties in "age" merged equal quantile breaks, so it has 2 bins, not 3.';
  const grouping = groups(t).bin("age", { quantiles: 3 });
  assert.deepEqual(grouping.notes, [note]);
  const fit = await hier(t).outcome("y").treatment("treat").groupBy(grouping).fit(OPTIONS);
  assert.ok(fit.warnings().includes(note), fit.warnings().join("\n"));
  // A binned column read as a predictor says so too; breaks as given say nothing.
  const binned = binColumn(t, "age", { quantiles: 3 });
  const slopes = await hier(binned).outcome("y").treatment("treat").groupBy("g")
    .slopePredictors("age_bin").fit(OPTIONS);
  assert.ok(slopes.warnings().includes(note), slopes.warnings().join("\n"));
  const two = await hier(t).outcome("y").treatment("treat")
    .groupBy(groups(t).bin("age", { breaks: [0, 50, 100] })).fit(OPTIONS);
  assert.ok(!two.warnings().some((w) => w.includes("merged")), two.warnings().join("\n"));
});
