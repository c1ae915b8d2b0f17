/**
 * Also covers: calibration/ecdf_bands.ts, calibration/sbc_parameter.ts, calibration/sbc_plot.ts, calibration/sbc_simulation.ts, calibration/sbc_worker.ts, calibration/sbc_workers.ts, calibration/simulate_outcome.ts, calibration/uniformity.ts (every step of sbc(), run here, in this thread and in workers).
 * sbc(): a small calibration per family and inference path (CPU collapsed Gaussian, CPU NUTS
 * with the automatic parameterisation for every family, WebGPU where an adapter exists), each
 * at a fixed seed. A check fails only when uniformity of some parameter's ranks is rejected at
 * p < 0.001: strict, so that a calibrated sampler passes (≈ 25 tests at 0.001 reject one with
 * probability ≈ 0.025 over seeds; the seeds are fixed, so a pass is a stable pass), while a
 * posterior that ignores the data or the prior gives p ≪ 1e-6 at 30 simulations.
 */
import assert from "node:assert/strict";
import { sbc, type SbcOptions } from "../../lib/calibration/sbc.ts";
import {
  prepareSbc,
  runSimulation,
  type SbcFitter,
  simulateData,
} from "../../lib/calibration/sbc_simulation.ts";
import { fitModelInternal } from "../../lib/fit/fit.ts";
import { makeTable, type Table } from "../../lib/data/table.ts";
import { hier } from "../../lib/spec/hier.ts";
import { flat, gamma, normal } from "../../lib/spec/priors.ts";
import type { Family } from "../../lib/spec/model_spec.ts";
import { HetfxError } from "../../lib/errors.ts";
import { fitModel } from "../../lib/fit/mod.ts";
import { gpuTest } from "../webgpu/_gpu.ts";
import { KeyedStream } from "../../lib/math/rng.ts";
import { chiSquareUniformity, rankHistogram } from "../../lib/calibration/uniformity.ts";
import { ecdfBands } from "../../lib/calibration/ecdf_bands.ts";

/**
 * 40 rows, 5 groups of 8, a covariate in [0.5, 1.5) (not centred, so b_Intercept differs from the
 * centred intercept), 5 trials per row (binomial). Ordinal (`ordinal`): 120 rows, categories
 * 1…4 in the placeholder (they set the three thresholds) and the covariate in [0, 4): with 40
 * rows and a unit range, b_x stays near its prior and a threshold drawn on the wrong (centred vs
 * uncentred) scale still ranks uniformly; at this size that planted bug gives p < 1e-3 for every
 * threshold (measured: 1e-5 … 3e-4 at seed 20) and the correct code p ≥ 0.2.
 */
function design(ordinal = false): Table {
  const n = ordinal ? 120 : 40;
  const frac = (i: number) => ((i * 7) % 11) / 11;
  return makeTable({
    // A placeholder outcome (sbc simulates its own); not constant, which compiling refuses.
    y: {
      kind: "number",
      values: Float64Array.from({ length: n }, (_, i) => ordinal ? 1 + (i % 4) : i % 2),
    },
    x: {
      kind: "number",
      values: Float64Array.from({ length: n }, (_, i) => ordinal ? 4 * frac(i) : frac(i) + 0.5),
    },
    g: { kind: "number", values: Float64Array.from({ length: n }, (_, i) => 1 + (i % 5)) },
    t: { kind: "number", values: new Float64Array(n).fill(5) },
  });
}

function specFor(table: Table, family: Family) {
  let b = hier(table).outcome("y").controls("x").groupBy("g");
  if (family !== "gaussian") b = b.family(family, family === "binomial" ? { trials: "t" } : {});
  const withSigma = family === "gaussian" || family === "student";
  return b.priors({
    Intercept: normal(0, 1),
    b: normal(0, 1),
    sd: normal(0, 0.5),
    ...(withSigma ? { sigma: normal(0, 1) } : {}),
    ...(family === "student" ? { nu: gamma(2, 0.1) } : {}),
    // A moderate shape prior: the default inv_gamma(0.4, 0.3) draws shapes past 1e3 (no mean).
    ...(family === "negbinomial" ? { shape: gamma(4, 1) } : {}),
  }).toJSON();
}

async function calibrated(
  family: Family,
  options: SbcOptions,
  link?: string,
): Promise<string[]> {
  const table = design(family === "cumulative");
  const spec = { ...specFor(table, family), ...(link ? { link } : {}) };
  const r = await sbc(spec, table, {
    sims: 30,
    thinnedDraws: 19,
    bins: 5,
    ...options,
  });
  assert.equal(r.sims, 30);
  for (const p of r.parameters) {
    assert.equal(p.ranks.length, 30);
    assert.ok(p.ranks.every((k) => Number.isInteger(k) && k >= 0 && k <= 19));
    assert.ok(p.p_uniform >= 0.001, `${family} ${p.name}: p_uniform ${p.p_uniform} ${p.histogram}`);
  }
  assert.ok(r.warnings_share >= 0 && r.warnings_share <= 1);
  return r.parameters.map((p) => p.name);
}

const small = { chains: 2, warmup: 100, draws: 100 };

Deno.test("sbc: Gaussian, CPU collapsed", async () => {
  await calibrated("gaussian", { seed: 3, fit: { ...small, method: "collapsed" } });
});

Deno.test("sbc: Gaussian, CPU NUTS (automatic parameterisation)", async () => {
  await calibrated("gaussian", { seed: 4, fit: { ...small, method: "nuts" } });
});

const NUTS_FAMILIES: Family[] = ["bernoulli", "binomial", "poisson", "student", "negbinomial"];
for (const [i, family] of NUTS_FAMILIES.entries()) {
  Deno.test(`sbc: ${family}, CPU NUTS (automatic parameterisation)`, async () => {
    await calibrated(family, { seed: 10 + i, fit: { ...small, method: "nuts" } });
  });
}

// Ordinal: K = 4 categories, the three thresholds drawn from their priors (normal(0, 1) each,
// sorted) and ranked with the other parameters; same strict threshold.
for (const [i, link] of ["logit", "probit"].entries()) {
  Deno.test(`sbc: cumulative(${link}), CPU NUTS, thresholds b_Intercept[1..3] ranked`, async () => {
    const names = await calibrated("cumulative", {
      seed: 20 + i,
      fit: { ...small, method: "nuts" },
    }, link);
    for (const k of [1, 2, 3]) assert.ok(names.includes(`b_Intercept[${k}]`), names.join());
    assert.ok(!names.includes("b_Intercept"));
  });
}

// On lavapipe one WebGPU fit takes ~3–6 s, so this check adds 1–2 minutes to the suite: the
// price of calibrating the ChEES path in CI as well.
gpuTest(
  "sbc: Gaussian, WebGPU (ChEES)",
  async () => {
    await calibrated("gaussian", {
      seed: 5,
      fit: { chains: 16, warmup: 150, draws: 20, backend: "webgpu" },
    });
  },
);

Deno.test("sbc: progress per simulation, names and JSON of the result, deterministic by seed", async () => {
  const table = design();
  const spec = specFor(table, "gaussian");
  const calls: number[] = [];
  const options: SbcOptions = {
    sims: 4,
    seed: 8,
    thinnedDraws: 9,
    bins: 5,
    fit: { ...small, method: "collapsed" },
  };
  const a = await sbc(spec, table, { ...options, onProgress: (done) => calls.push(done) });
  const b = await sbc(spec, table, options);
  assert.deepEqual(calls, [1, 2, 3, 4]);
  assert.deepEqual(a.parameters.map((p) => p.name).sort(), [
    "b_Intercept",
    "b_x",
    "sd_g__Intercept",
    "sigma",
  ]);
  assert.deepEqual(a.parameters.map((p) => p.ranks), b.parameters.map((p) => p.ranks));
  const json = JSON.parse(JSON.stringify(a));
  assert.deepEqual(Object.keys(json).sort(), [
    "max_rank",
    "parameters",
    "refits",
    "sims",
    "time_s",
    "warnings_share",
  ]);
  assert.deepEqual(Object.keys(json.parameters[0]).sort(), [
    "ecdf_in_bands",
    "histogram",
    "name",
    "p_uniform",
    "p_uniform_holm",
    "ranks",
  ]);
  // Holm over the run's 4 parameters: never below the parameter's own p_uniform.
  for (const p of a.parameters) assert.ok(p.p_uniform_holm! >= p.p_uniform, p.name);
  const vl = a.plot().toVegaLite() as { vconcat: unknown[] };
  assert.equal(vl.vconcat.length, 2);
});

Deno.test("sbc: cancelled by an AbortSignal, before and during the run, in a thread or workers", async () => {
  const table = design();
  const spec = specFor(table, "gaussian");
  for (const workers of [1, 2]) {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      () => sbc(spec, table, { sims: 3, workers, signal: controller.signal }),
      /sampling cancelled/,
    );
    // Aborted after the first finished simulation: the run stops without the other 39.
    const during = new AbortController();
    let calls = 0;
    await assert.rejects(
      () =>
        sbc(spec, table, {
          sims: 40,
          workers,
          fit: { ...small, method: "collapsed" },
          signal: during.signal,
          onProgress: () => (calls++, during.abort()),
        }),
      /sampling cancelled/,
    );
    assert.ok(calls >= 1 && calls <= workers, `${workers} workers: ${calls} progress calls`);
  }
});

Deno.test("sbc: the same ranks with 1 and 2 workers (each simulation keyed by seed and index)", async () => {
  const table = design();
  const spec = specFor(table, "bernoulli");
  const options: SbcOptions = { sims: 6, seed: 21, thinnedDraws: 9, fit: small };
  const done: number[] = [];
  const one = await sbc(spec, table, { ...options, workers: 1 });
  const two = await sbc(spec, table, { ...options, workers: 2, onProgress: (d) => done.push(d) });
  assert.deepEqual(done, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(two.parameters.map((p) => p.name), one.parameters.map((p) => p.name));
  assert.deepEqual(two.parameters.map((p) => p.ranks), one.parameters.map((p) => p.ranks));
  assert.equal(two.warnings_share, one.warnings_share);
  // Not a constant: a different seed gives different ranks.
  const other = await sbc(spec, table, { ...options, seed: 22, workers: 2 });
  assert.notDeepEqual(other.parameters.map((p) => p.ranks), one.parameters.map((p) => p.ranks));
});

Deno.test("sbc: workers must be a whole number ≥ 1", async () => {
  const table = design();
  await assert.rejects(
    () => sbc(specFor(table, "gaussian"), table, { sims: 2, workers: 0 }),
    /workers must be a whole number ≥ 1 \(got 0\)/,
  );
});

Deno.test("sbc: bins must be an integer ≥ 2 (bins 0 gave a NaN histogram)", async () => {
  const table = design();
  await assert.rejects(
    () => sbc(specFor(table, "gaussian"), table, { sims: 2, bins: 0 }),
    /bins must be an integer ≥ 2 \(got 0\)/,
  );
});

Deno.test("sbc: more thinned draws than a fit's chains × draws are refused, naming both", async () => {
  const table = design();
  const spec = specFor(table, "gaussian");
  await assert.rejects(
    () => sbc(spec, table, { sims: 2, thinnedDraws: 1000, fit: { chains: 1, draws: 50 } }),
    /thinnedDraws 1000 exceeds the 50 posterior draws of each fit \(chains 1 × draws 50\)/,
  );
  // The default 99 against 2 × 40 draws too.
  await assert.rejects(
    () => sbc(spec, table, { sims: 2, fit: { chains: 2, draws: 40 } }),
    /thinnedDraws 99 exceeds the 80 posterior draws/,
  );
});

Deno.test("sbc: an improper prior is refused with the class named", async () => {
  const table = design();
  const spec = hier(table).outcome("y").controls("x").groupBy("g")
    .priors({ Intercept: normal(0, 1), b: flat(), sd: normal(0, 1), sigma: normal(0, 1) })
    .toJSON();
  await assert.rejects(() => sbc(spec, table, { sims: 2 }), (e: unknown) => {
    assert.ok(e instanceof HetfxError);
    assert.match(e.message, /prior of b \(x\) is flat.*improper/);
    assert.match(e.message, /--prior "b ~ normal\(0, 1\)"/);
    return true;
  });
  // An sd's suggestion is a statement --prior parses (the class, not the parameter's name).
  const sdFlat = hier(table).outcome("y").controls("x").groupBy("g")
    .priors({ Intercept: normal(0, 1), b: normal(0, 1), sd: flat(), sigma: normal(0, 1) })
    .toJSON();
  await assert.rejects(() => sbc(sdFlat, table, { sims: 2 }), (e: unknown) => {
    assert.ok(e instanceof HetfxError);
    assert.match(e.message, /prior of sd_g__Intercept is flat.*--prior "sd ~ normal\(0, 1\)"/);
    return true;
  });
});

Deno.test("sbc: simulations with a constant bernoulli outcome are fitted, not refused", async () => {
  // A 0/1 covariate z and an intercept near −8: P(event) < 0.001 per row, so (at this fixed
  // seed) the simulated outcomes are all 0 — refused by fit(), and separated by z (a warning
  // with z's proper prior) — yet they are legitimate prior-predictive draws that SBC must fit.
  const base = design();
  const table = makeTable({
    ...base.columns,
    z: { kind: "number", values: Float64Array.from({ length: base.nRows }, (_, i) => i % 2) },
  });
  const spec = hier(table).outcome("y").family("bernoulli").controls("z").groupBy("g")
    .priors({ Intercept: normal(-8, 0.1), b: normal(0, 0.1), sd: normal(0, 0.1) }).toJSON();
  const allZero = makeTable({
    ...table.columns,
    y: { kind: "number", values: new Float64Array(table.nRows) },
  });
  await assert.rejects(
    () => fitModel(spec, allZero, { ...small, progress: false }),
    /outcome "y" is 0 \(no event\) in every row/,
  );
  const prepared = prepareSbc(spec, table);
  const constant = [0, 1, 2].filter((s) =>
    (simulateData(prepared, 2, s).table.columns.y as { values: Float64Array }).values
      .every((v) => v === 0)
  );
  assert.ok(constant.length > 0, "no simulation drew an all-zero outcome");
  const r = await sbc(spec, table, { sims: 3, seed: 2, thinnedDraws: 9, fit: small, workers: 1 });
  assert.equal(r.sims, 3);
  for (const p of r.parameters) assert.equal(p.ranks.length, 3);
});

Deno.test("sbc: a fit that fails is run once more with another seed; the failure is kept", async () => {
  // Found by the calibration notebook: a Tomz & Weeks simulation whose collapsed fit could not
  // tune its step size at one seed and fitted cleanly at another. A fitter failing at its first
  // seed stands in for it here.
  const table = design();
  const prepared = prepareSbc(specFor(table, "gaussian"), table);
  const seeds: number[] = [];
  const failingOnce: SbcFitter = (spec, data, options, internal) => {
    seeds.push(options.seed!);
    if (seeds.length === 1) throw new HetfxError("Cannot tune the step size (planted)");
    return fitModelInternal(spec, data, options, internal);
  };
  const fit = { ...small, method: "collapsed" as const };
  const r = await runSimulation(prepared, 5, 3, 9, fit, undefined, failingOnce);
  assert.equal(seeds.length, 2);
  assert.notEqual(seeds[1], seeds[0]);
  assert.match(r.refit ?? "", /planted/);
  assert.equal(r.warned, true);
  assert.ok(r.ranks.every((k) => k >= 0 && k <= 9));
  const plain = await runSimulation(prepared, 5, 3, 9, fit);
  assert.equal(plain.refit, null);
  // Failing twice names the simulation; a cancellation is never retried.
  const always: SbcFitter = () => Promise.reject(new HetfxError("no step size"));
  await assert.rejects(
    () => runSimulation(prepared, 5, 3, 9, fit, undefined, always),
    /simulation 3 \(seed 5\) failed to fit twice/,
  );
});

Deno.test("sbc: a model builder is taken as its ModelSpec (README: sbc(spec, table, …))", async () => {
  // A builder gave "unsupported ModelSpec version undefined".
  const table = design();
  const builder = hier(table).outcome("y").controls("x").groupBy("g")
    .priors({ Intercept: normal(0, 1), b: normal(0, 1), sd: normal(0, 0.5), sigma: normal(0, 1) });
  const options: SbcOptions = {
    sims: 2,
    seed: 5,
    thinnedDraws: 9,
    fit: { chains: 1, warmup: 50, draws: 50, method: "collapsed" },
  };
  const fromBuilder = await sbc(builder, table, options);
  const fromSpec = await sbc(builder.toJSON(), table, options);
  assert.deepEqual(
    fromBuilder.parameters.map((p) => p.ranks),
    fromSpec.parameters.map((p) => p.ranks),
  );
});

// ---- Known answers for the ranks, with the sampler replaced ------------------------------------

/**
 * y ~ 1, bernoulli, 20 rows, Intercept ~ normal(0, 1): one parameter whose exact posterior
 * given k successes, ∝ φ(α)·e^{kα}/(1 + e^α)^20, is tabulated on a grid of step 1e-3 over
 * [−8, 8] (prior mass outside < 1e-14) and drawn by inverting its CDF: an exact sampler, up to
 * the grid's 1e-3. `shift` (in posterior sds) moves every draw, a sampler miscalibrated by a
 * known amount.
 */
function gridFitter(shift: number, L: number): SbcFitter {
  return ((_spec: unknown, data: Table, options: { seed?: number }) => {
    const y = (data.columns.y as { values: Float64Array }).values;
    const k = y.reduce((a, b) => a + b, 0);
    const grid: number[] = [];
    const cdf: number[] = [];
    let acc = 0;
    for (let a = -8; a <= 8; a += 1e-3) {
      grid.push(a);
      acc += Math.exp(-a * a / 2 + k * a - y.length * Math.log1p(Math.exp(a)));
      cdf.push(acc);
    }
    let m = 0, m2 = 0;
    grid.forEach((a, i) => {
      const w = (cdf[i] - (i > 0 ? cdf[i - 1] : 0)) / acc;
      m += w * a, m2 += w * a * a;
    });
    const sd = Math.sqrt(m2 - m * m);
    const rng = new KeyedStream(options.seed!, 0, 0, 3);
    const draws = Float64Array.from({ length: L }, () => {
      const u = rng.uniform() * acc;
      let lo = 0, hi = cdf.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid] < u) lo = mid + 1;
        else hi = mid;
      }
      return grid[lo] + shift * sd;
    });
    return Promise.resolve({ draws: () => draws, convergenceWarnings: () => [] });
  }) as unknown as SbcFitter;
}

function bernoulliInterceptDesign() {
  const n = 20;
  const table = makeTable({
    y: { kind: "number", values: Float64Array.from({ length: n }, (_, i) => i % 2) },
  });
  const spec = hier(table).outcome("y").family("bernoulli").priors({ Intercept: normal(0, 1) })
    .toJSON();
  return prepareSbc(spec, table);
}

Deno.test("runSimulation: the rank counts the thinned draws below the true value", async () => {
  // 8 draws thinned to 4 keep draws 0, 2, 4, 6: offsets −3, −1, +2, +4 from the truth, so
  // rank 2 (the draws in between, −2, +1, +3, +5, are skipped and must not count).
  const prepared = bernoulliInterceptDesign();
  const truth = simulateData(prepared, 4, 7).truth.get("b_Intercept")!;
  const offsets = [-3, -2, -1, 1, 2, 3, 4, 5];
  const handBuilt = (() =>
    Promise.resolve({
      draws: () => Float64Array.from(offsets, (o) => truth + o),
      convergenceWarnings: () => ["planted warning"],
    })) as unknown as SbcFitter;
  const r = await runSimulation(prepared, 4, 7, 4, {}, undefined, handBuilt);
  assert.deepEqual(r.names, ["b_Intercept"]);
  assert.deepEqual(r.ranks, [2]);
  // A fit with a convergence warning is kept (ranked) and counted as warned, not dropped.
  assert.equal(r.warned, true);
  assert.equal(r.refit, null);
});

Deno.test("SBC ranks: an exact sampler passes, one shifted by 1 posterior sd is detected", async () => {
  // 200 simulations, L = 99 (ranks 0…99), 10 bins. Exact sampler: under uniform ranks each check
  // fails with its nominal probability (chi-square p < 0.001: 0.1%; ECDF outside its 95%
  // simultaneous band: 5%), and the seed is fixed, so this pass is a stable one. Shifted by
  // +1 posterior sd: a rank is L·Φ(Z − 1) with Z ~ N(0, 1), so P(rank < L/2) = Φ(1) = 0.84
  // instead of 0.5: the ECDF at ½ sits ~12 binomial sds (√(.25/200) = 0.035) above ½, and
  // chi-square p ≪ 1e-10.
  const prepared = bernoulliInterceptDesign();
  const L = 99, sims = 200;
  const ranksOf = async (shift: number) => {
    const ranks: number[] = [];
    for (let s = 0; s < sims; s++) {
      const r = await runSimulation(prepared, 11, s, L, {}, undefined, gridFitter(shift, L));
      ranks.push(r.ranks[0]);
    }
    return ranks;
  };
  const exact = await ranksOf(0);
  const pExact = chiSquareUniformity(rankHistogram(exact, L, 10), L);
  assert.ok(pExact > 0.001, `exact sampler: p_uniform ${pExact}`);
  assert.ok(ecdfBands(exact, L, { seed: 1 }).inBands, "exact sampler: ECDF outside its bands");
  const shifted = await ranksOf(1);
  const pShifted = chiSquareUniformity(rankHistogram(shifted, L, 10), L);
  assert.ok(pShifted < 1e-10, `shifted sampler: p_uniform ${pShifted}`);
  assert.ok(!ecdfBands(shifted, L, { seed: 1 }).inBands, "shifted sampler inside the bands");
  const below = shifted.filter((r) => r < (L + 1) / 2).length / sims;
  assert.ok(Math.abs(below - 0.84) < 4 * Math.sqrt(0.84 * 0.16 / sims), `P(rank < L/2) ${below}`);
});
