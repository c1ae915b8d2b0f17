/**
 * Also covers: calibration/ecdf_bands.ts, calibration/prior_draw.ts, calibration/sbc_parameter.ts, calibration/sbc_plot.ts, calibration/simulate_outcome.ts, calibration/uniformity.ts (every step of sbc(), run here).
 * sbc(): a small calibration per family and inference path (CPU collapsed Gaussian, CPU NUTS
 * with the automatic parameterisation for every family, WebGPU where an adapter exists), each
 * at a fixed seed. A check fails only when uniformity of some parameter's ranks is rejected at
 * p < 0.001: strict, so that a calibrated sampler passes (≈ 25 tests at 0.001 reject one with
 * probability ≈ 0.025 over seeds; the seeds are fixed, so a pass is a stable pass), while a
 * posterior that ignores the data or the prior gives p ≪ 1e-6 at 30 simulations.
 */
import assert from "node:assert/strict";
import { sbc, type SbcOptions } from "../../lib/calibration/sbc.ts";
import { makeTable, type Table } from "../../lib/data/table.ts";
import { hier } from "../../lib/spec/hier.ts";
import { flat, gamma, normal } from "../../lib/spec/priors.ts";
import type { Family } from "../../lib/spec/model_spec.ts";
import { HetfxError } from "../../lib/errors.ts";
import { gpuTest } from "../webgpu/_gpu.ts";

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
    // A proper, moderate shape prior: brms's gamma(0.01, 0.01) draws shapes from 1e-30 to 1e3.
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

// On lavapipe one WebGPU fit takes ~6 s (30 simulations: 3 min on 2 shared cores), beyond this
// file's ~60 s budget, so the WebGPU check runs only with HETFX_SBC_WEBGPU=1 (and an adapter).
const webgpuSbc = Deno.env.get("HETFX_SBC_WEBGPU") === "1";
(webgpuSbc
  ? gpuTest
  : (name: string, fn: () => Promise<void>) =>
    Deno.test({ name: `${name} (skipped: set HETFX_SBC_WEBGPU=1)`, ignore: true, fn }))(
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
    "sims",
    "time_s",
    "warnings_share",
  ]);
  assert.deepEqual(Object.keys(json.parameters[0]).sort(), [
    "ecdf_in_bands",
    "histogram",
    "name",
    "p_uniform",
    "ranks",
  ]);
  const vl = a.plot().toVegaLite() as { vconcat: unknown[] };
  assert.equal(vl.vconcat.length, 2);
});

Deno.test("sbc: cancelled by an AbortSignal", async () => {
  const table = design();
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(() =>
    sbc(specFor(table, "gaussian"), table, { sims: 3, signal: controller.signal })
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
    return true;
  });
});
