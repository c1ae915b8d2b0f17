/**
 * Effects and poststratification on fits to aggregated data (lib/posterior/training_rows.ts):
 * with the same posterior draws, the key rows weighted by n give the row fit's effects to
 * rounding (a Gaussian model whose covariate and treatment are summed; a Bernoulli model with a
 * factor modifier, by cell and poststratified); a real aggregated fit agrees with the row fit
 * within Monte Carlo error; averages the aggregate cannot give exactly are refused.
 */
import assert from "node:assert/strict";
import "../../lib/fit/mod.ts";
import { Fit, fitModel } from "../../lib/fit/mod.ts";
import { formula } from "../../lib/spec/formula.ts";
import { makeTable, type Table } from "../../lib/data/table.ts";
import { HetfxError } from "../../lib/errors.ts";
import { aggregateRows } from "../../lib/model/aggregate_rows.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { KeyedStream } from "../../lib/math/rng.ts";
import { mcseMean } from "../../lib/diagnostics/mcse.ts";
import { effects } from "../../lib/posterior/effects.ts";
import { poststratify } from "../../lib/posterior/poststratify.ts";
import { checkAggregatedAverage, trainingRows } from "../../lib/posterior/training_rows.ts";
import type { EffectEstimate } from "../../lib/posterior/effects.ts";
import { SMALL_FIT_OPTIONS, smallFit, smallTable } from "./_fixtures.ts";
import type { ModelSpec } from "../../lib/spec/model_spec.ts";

/** The row fit's draws and layout on the aggregate of its rows: what an aggregated fit sees. */
function onAggregate(fit: Fit, rows: Table): Fit {
  const aggregate = aggregateRows(fit.spec, rows);
  const compiled = compileModel(fit.spec, aggregate, { aggregated: true });
  const data = { ...fit.data, aggregated: true, contrasts: compiled.contrasts };
  return new Fit(fit.spec, data, fit.chains, fit.info, aggregate);
}

/** Same cells in the same order, with draws equal to rounding. */
function assertSameEffects(a: EffectEstimate[], b: EffectEstimate[]) {
  assert.equal(b.length, a.length);
  for (let k = 0; k < a.length; k++) {
    assert.deepEqual(b[k].by, a[k].by);
    assert.equal(b[k].n, a[k].n);
    for (let s = 0; s < a[k].draws.length; s++) {
      assert.ok(Math.abs(a[k].draws[s] - b[k].draws[s]) < 1e-9, `${k} draw ${s}`);
    }
  }
}

/** 600 rows: a 3-level factor f, treat 0/1, 6 groups g; y Bernoulli, effect by f. */
function bernoulliTable(): Table {
  const n = 600;
  const rng = new KeyedStream(11, 0, 0, 9);
  const f = new Int32Array(n), g = new Float64Array(n), t = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    f[i] = i % 3;
    g[i] = 1 + (Math.floor(i / 3) % 6);
    t[i] = Math.floor(i / 18) % 2;
    const eta = -0.3 + 0.2 * f[i] + t[i] * [0.2, 0.8, 1.4][f[i]] + 0.1 * (g[i] - 3.5);
    y[i] = rng.uniform() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
  }
  return makeTable({
    y: { kind: "number", values: y },
    treat: { kind: "number", values: t },
    f: { kind: "factor", codes: f, levels: ["a", "b", "c"] },
    g: { kind: "number", values: g },
  });
}

let bernoulli: Promise<Fit> | undefined;
function bernoulliFit(): Promise<Fit> {
  bernoulli ??= formula("y ~ 1 + treat * f + (1 + treat | g)", bernoulliTable()).family("bernoulli")
    .treatment("treat")
    .fit({
      chains: 2,
      warmup: 150,
      draws: 150,
      seed: 5,
      progress: false,
    });
  return bernoulli;
}

Deno.test("aggregated effects: Gaussian key rows weighted by n give the row fit's effects", async () => {
  const fit = await smallFit();
  const agg = onAggregate(fit, smallTable());
  // x and treat are summed: the key rows (one per g) hold their means.
  const rows = trainingRows(agg, "effects");
  assert.equal(rows.table.nRows, 4);
  assert.deepEqual([...rows.counts!], [60, 60, 60, 60]);
  assertSameEffects(effects(fit, { by: ["g"] }), effects(agg, { by: ["g"] }));
  assertSameEffects(effects(fit, { scale: "link" }), effects(agg, { scale: "link" }));
});

Deno.test("aggregated effects: Bernoulli with a factor modifier, by cell and poststratified", async () => {
  const fit = await bernoulliFit();
  const agg = onAggregate(fit, bernoulliTable());
  assertSameEffects(effects(fit, { by: ["f"] }), effects(agg, { by: ["f"] }));
  // Population over f only: the groups g are averaged over the sample's, weighted by rows.
  const population = makeTable({
    f: { kind: "factor", codes: new Int32Array([0, 1, 2]), levels: ["a", "b", "c"] },
    pop: { kind: "number", values: new Float64Array([5, 3, 2]) },
  });
  const options = { weight: "pop", missingGroups: "average" as const };
  const a = poststratify(fit, population, options);
  const b = poststratify(agg, population, options);
  assert.deepEqual(b.averagedOver, a.averagedOver);
  for (let s = 0; s < a.estimates[0].draws.length; s++) {
    assert.ok(Math.abs(a.estimates[0].draws[s] - b.estimates[0].draws[s]) < 1e-9);
  }
});

Deno.test("aggregated effects: binomial key rows hold mean trials, and the response scale uses them", async () => {
  // Trials 3…9 within each key (t × g): the key rows hold their mean, e.g. 5.94, which the
  // response scale refused ("trials must be whole numbers ≥ 1, as in the data fitted"). E[y] is
  // trials × p, linear in the trials, so the key rows weighted by n give the row fit's effects.
  const n = 400;
  const rng = new KeyedStream(2, 0, 0, 9);
  const g = new Float64Array(n), t = new Float64Array(n), trials = new Float64Array(n);
  const k = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    g[i] = 1 + (i % 4);
    t[i] = Math.floor(i / 4) % 2;
    trials[i] = 3 + (i % 7);
    const p = 1 / (1 + Math.exp(-(-0.2 + 0.5 * t[i] + 0.1 * g[i])));
    for (let j = 0; j < trials[i]; j++) if (rng.uniform() < p) k[i]++;
  }
  const num = (values: Float64Array) => ({ kind: "number" as const, values });
  const rows = makeTable({ k: num(k), n: num(trials), t: num(t), g: num(g) });
  const fit = await formula("k | trials(n) ~ 1 + t + (1 + t | g)", rows, { family: "binomial" })
    .fit({ chains: 1, warmup: 100, draws: 50, seed: 3, progress: false });
  const agg = onAggregate(fit, rows);
  assert.ok(trainingRows(agg, "effects").table.columns.n.kind === "number");
  assertSameEffects(effects(fit, { by: ["g"] }), effects(agg, { by: ["g"] }));
});

Deno.test("aggregated effects: a fit to the aggregate agrees with the row fit within MC error", async () => {
  const fit = await smallFit();
  const spec = fit.spec;
  const aggFit = await fitModel(spec, aggregateRows(spec, smallTable()), {
    ...SMALL_FIT_OPTIONS,
    aggregated: true,
  });
  const a = effects(fit, { by: ["g"] });
  const b = effects(aggFit, { by: ["g"] });
  assert.equal(b.length, a.length);
  const perChain = (d: Float64Array) => [d.subarray(0, 200), d.subarray(200)];
  for (let k = 0; k < a.length; k++) {
    assert.deepEqual(b[k].by, a[k].by);
    // Two independent chains sets of the same posterior: their means differ by MC error only;
    // 4 standard errors of the difference (a false alarm once in ~16,000 comparisons).
    const se = Math.hypot(mcseMean(perChain(a[k].draws)), mcseMean(perChain(b[k].draws)));
    assert.ok(Math.abs(a[k].mean - b[k].mean) < 4 * se, `${k}: ${a[k].mean} vs ${b[k].mean}`);
  }
});

Deno.test("aggregated effects: averages the aggregate cannot give are refused", async () => {
  const fit = await smallFit();
  const agg = onAggregate(fit, smallTable());
  const refused = (f: () => unknown, pattern: RegExp) =>
    assert.throws(f, (e: Error) => e instanceof HetfxError && pattern.test(e.message));
  refused(() => effects(agg, { by: ["x"] }), /by column "x" was summed/);
  // A column of the data the model does not use: the aggregate has only the model's columns
  // (not "column not found; did you mean", listing the aggregate's internal columns).
  refused(
    () => effects(agg, { by: ["region"] }),
    /^Cannot compute effects on aggregated data: by column "region" is not in the aggregate, which keeps only the model's columns \(y, [^)]*\); group by one of its key columns \([^)]+\), pass newdata holding "region", or fit the rows themselves/,
  );
  refused(() => effects(agg, { weights: "w" }), /survey weights \("w"\) need the data rows/);
  // A log link on a summed covariate: exact on the link scale only.
  const logLink: ModelSpec = { ...agg.spec, link: "log" };
  const rows = trainingRows(agg, "effects");
  refused(
    () => checkAggregatedAverage(logLink, rows, { by: [], scale: "response" }),
    /sums the continuous covariates? "x".*log link/,
  );
  checkAggregatedAverage(logLink, rows, { by: [], scale: "link" });
  // The treatment times two summed variables: the key means do not give the product's mean.
  const twoSummed: ModelSpec = { ...agg.spec, terms: [...agg.spec.terms, "treat:x:z"] };
  refused(
    () =>
      checkAggregatedAverage(twoSummed, {
        ...rows,
        summed: new Set([...rows.summed, "z"]),
      }, { by: [], scale: "link" }),
    /term "treat:x:z".*"x", "z"/,
  );
});

/** 480 rows: a 3-arm factor treatment (control, a, b), x ~ N(0, 1), 4 groups g. */
function armsTable(): Table {
  const n = 480;
  const rng = new KeyedStream(13, 0, 0, 9);
  const arm = new Int32Array(n), g = new Float64Array(n), x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    arm[i] = i % 3;
    g[i] = 1 + (Math.floor(i / 3) % 4);
    x[i] = rng.normal();
    const effect = [0, 0.5 + 0.2 * g[i], -0.3 * g[i]][arm[i]];
    y[i] = 1 + 0.4 * x[i] + effect + 0.5 * rng.normal();
  }
  return makeTable({
    y: { kind: "number", values: y },
    x: { kind: "number", values: x },
    arm: { kind: "factor", codes: arm, levels: ["a", "b", "control"] },
    g: { kind: "number", values: g },
  });
}

Deno.test("aggregated effects: a 3-arm factor treatment has the row fit's contrasts and group effects", async () => {
  const rows = armsTable();
  const builder = formula("y ~ 1 + x + arm + (1 + arm | g)", rows).treatment("arm", {
    reference: "control",
  });
  const spec = builder.toJSON();
  const options = { chains: 2, warmup: 200, draws: 200, seed: 4, progress: false };
  const rowFit = await fitModel(spec, rows, options);
  const aggregate = aggregateRows(spec, rows);
  // The factor treatment is a key of the Gaussian cells (g × arm), not summed.
  assert.equal(aggregate.nRows, 12);
  const aggFit = await fitModel(spec, aggregate, { ...options, aggregated: true });
  assert.deepEqual(aggFit.data.contrasts.map((c) => c.name), ["a - control", "b - control"]);
  assert.deepEqual(aggFit.data.contrasts, rowFit.data.contrasts);
  const a = rowFit.groupEffects(), b = aggFit.groupEffects();
  assert.equal(b.length, 8); // 4 groups × 2 contrasts
  assert.deepEqual(
    b.map((e) => [e.contrast, e.group, e.n]),
    a.map((e) => [e.contrast, e.group, e.n]),
  );
  // Same posterior, independent chains: means differ by MC error (sd/√ESS each); 4 standard
  // errors of the difference.
  for (let k = 0; k < a.length; k++) {
    const se = Math.hypot(a[k].sd / Math.sqrt(a[k].ess_bulk), b[k].sd / Math.sqrt(b[k].ess_bulk));
    assert.ok(Math.abs(a[k].mean - b[k].mean) < 4 * se, `${a[k].group}: ${a[k].mean} ${b[k].mean}`);
  }
  // The ATE per contrast over the key rows weighted by n, within MC error of the row fit's.
  const ateRows = effects(rowFit), ateAgg = effects(aggFit);
  assert.deepEqual(ateAgg.map((e) => [e.contrast, e.n]), [["a - control", 480], [
    "b - control",
    480,
  ]]);
  const perChain = (d: Float64Array) => [d.subarray(0, 200), d.subarray(200)];
  for (let k = 0; k < 2; k++) {
    const se = Math.hypot(
      mcseMean(perChain(ateRows[k].draws)),
      mcseMean(perChain(ateAgg[k].draws)),
    );
    assert.ok(Math.abs(ateRows[k].mean - ateAgg[k].mean) < 4 * se);
  }
});
