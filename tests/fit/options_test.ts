import assert from "node:assert/strict";
import { FIT_DEFAULTS, resolveFitOptions } from "../../lib/fit/options.ts";
import { HetfxError } from "../../lib/errors.ts";
import { CpuBackend } from "../../lib/sampler/cpu_backend.ts";
import type { SampleOptions } from "../../lib/sampler/backend.ts";

const refuses = (options: unknown, message: RegExp) =>
  assert.throws(
    () => resolveFitOptions(options as Parameters<typeof resolveFitOptions>[0]),
    (e: unknown) => e instanceof HetfxError && message.test(e.message),
    JSON.stringify(options),
  );

Deno.test("resolveFitOptions: every default comes from FIT_DEFAULTS", () => {
  const o = resolveFitOptions({});
  for (const key of Object.keys(o.settings) as (keyof typeof o.settings)[]) {
    // metric "auto" is resolved by the plan; the settings hold "diag" until then.
    if (key === "metric") continue;
    assert.equal(o.settings[key], FIT_DEFAULTS[key], key);
  }
  assert.equal(o.metric, FIT_DEFAULTS.metric);
  assert.equal(o.settings.metric, "diag");
  assert.equal(o.settings.warmupStart, "laplace");
  assert.equal(o.parameterization, FIT_DEFAULTS.parameterization);
  assert.equal(o.method, FIT_DEFAULTS.method);
  assert.equal(o.backend, FIT_DEFAULTS.backend);
  assert.equal(o.sdScale, FIT_DEFAULTS.sdScale);
  assert.equal(o.thin, FIT_DEFAULTS.thin);
  assert.equal(o.keepPartial, false);
  assert.ok(o.workers >= 1 && o.workers <= FIT_DEFAULTS.chains);
  // Outside the Jupyter kernel a fit's workers end with it.
  assert.equal(o.keepWorkers, false);
});

Deno.test("resolveFitOptions: given values win, undefined ones take the default", () => {
  const o = resolveFitOptions({ chains: 2, seed: 9, warmupStart: "stan", draws: undefined });
  assert.equal(o.settings.chains, 2);
  assert.equal(o.settings.seed, 9);
  assert.equal(o.settings.warmupStart, "stan");
  assert.equal(o.settings.draws, FIT_DEFAULTS.draws);
  assert.ok(o.workers <= 2);
});

Deno.test("resolveFitOptions: names, values and choices refused with the option and value", () => {
  refuses({ chians: 2 }, /unknown option "chians"; did you mean "chains"/);
  refuses({ adapt_delta: 0.9 }, /here it is adaptDelta/);
  refuses({ chains: 0 }, /Cannot fit: option chains = 0 must be a whole number ≥ 1/);
  refuses({ seed: 1.5 }, /option seed = 1\.5 must be a whole number/);
  refuses({ seed: 2 ** 60 }, /option seed = 1152921504606847000 must be a whole number/);
  refuses({ adaptDelta: NaN }, /option adaptDelta = NaN must lie strictly between 0 and 1/);
  refuses({ warmupStart: "uniform" }, /option warmupStart = "uniform" must be "laplace" or "stan"/);
  refuses({ method: "laplace" }, /option method = "laplace" must be "auto", "nuts" or "collapsed"/);
  refuses({ backend: "gpu" }, /option backend = "gpu" must be "auto", "cpu" or "webgpu"/);
  refuses({ sdScale: "exp" }, /option sdScale = "exp" must be "auto", "signed" or "log"/);
  refuses({ metric: "dens" }, /option metric = "dens" must be "auto", "diag" or "dense"/);
  refuses({ parameterization: { g: "centred" } }, /option parameterization = \{"g":"centred"\}/);
  refuses({ thin: 0 }, /option thin = 0 must be a whole number ≥ 1/);
  refuses({ workers: 1.5 }, /option workers = 1\.5 must be a whole number ≥ 1/);
  refuses({ keepWorkers: "yes" }, /option keepWorkers = "yes" must be true or false/);
});

Deno.test("resolveFitOptions: progress, signal and the on/off options of the wrong type are refused", () => {
  refuses({ progress: "yes" }, /Cannot fit: option progress = "yes" must be true .* or a function/);
  refuses({ progress: 0 }, /option progress = 0 must be true/);
  refuses({ signal: {} }, /Cannot fit: option signal = \{\} must be an AbortSignal/);
  refuses({ signal: true }, /option signal = true must be an AbortSignal/);
  refuses({ keepPartial: "yes" }, /option keepPartial = "yes" must be true or false/);
  refuses({ aggregated: 1 }, /option aggregated = 1 must be true or false/);
  refuses({ adapterProvider: "gpu" }, /option adapterProvider = "gpu" must be a function/);
  // What is allowed still is.
  const onProgress = () => {};
  assert.equal(resolveFitOptions({ progress: onProgress }).progress, onProgress);
  assert.equal(resolveFitOptions({ progress: false }).progress, false);
  const signal = new AbortController().signal;
  assert.equal(resolveFitOptions({ signal, keepPartial: true }).signal, signal);
});

Deno.test("fit() and the backends apply one rule to a setting (same message but the context)", async () => {
  // The same bad seed is refused by both, with the same words after the context.
  const settings = { ...resolveFitOptions({}).settings, chains: 1, warmup: 5, draws: 5 };
  const target = {
    dim: 1,
    logDensityGradient: (q: Float64Array, g: Float64Array) => (g[0] = -q[0], -0.5 * q[0] ** 2),
  };
  for (const seed of [0.5, 2 ** 60]) {
    let fitMessage = "";
    try {
      resolveFitOptions({ seed });
    } catch (e) {
      fitMessage = (e as Error).message;
    }
    const options: SampleOptions = { ...settings, seed };
    await assert.rejects(new CpuBackend().sample(target, options), (e: unknown) => {
      const sampleMessage = (e as Error).message;
      assert.equal(sampleMessage.replace("Cannot sample", "Cannot fit"), fitMessage);
      return true;
    });
  }
});
