import assert from "node:assert/strict";
import { compileForFit, planFit } from "../../lib/fit/plan.ts";
import { resolveFitOptions } from "../../lib/fit/options.ts";
import { formula } from "../../lib/spec/formula.ts";
import { normal } from "../../lib/spec/priors.ts";
import { smallTable } from "../posterior/_fixtures.ts";
import { fitModel } from "../../lib/fit/fit.ts";
import { compileCount } from "../../lib/model/compile.ts";
import { HetfxError } from "../../lib/errors.ts";

const noGpu = { adapterProvider: () => Promise.resolve(null) };
const spec = (family: "gaussian" | "student") =>
  formula("y ~ 1 + x + treat + (1 + treat | g)", smallTable(), { family })
    .priors({ Intercept: normal(0, 5), b: normal(0, 2) })
    .toJSON();

Deno.test("planFit: a collapsible Gaussian model runs collapsed on the CPU, auto not applied", async () => {
  const o = resolveFitOptions(noGpu);
  const plan = await planFit(compileForFit(spec("gaussian"), smallTable(), o), o);
  assert.equal(plan.method.method, "collapsed");
  assert.equal(plan.backend.backend, "cpu");
  assert.equal(plan.backend.reason, "collapsed target on the CPU");
  // Collapsed: the deferred "auto" rule is not evaluated and the sd scales are not changed.
  assert.ok(plan.data.terms.every((t) => t.auto === undefined));
  assert.equal(plan.sampled, plan.data);
});

Deno.test("planFit: NUTS applies the auto parameterisation and the sd scales, with reasons", async () => {
  const o = resolveFitOptions({ ...noGpu, method: "nuts" });
  const plan = await planFit(compileForFit(spec("gaussian"), smallTable(), o), o);
  assert.equal(plan.method.method, "nuts");
  assert.match(plan.method.reason, /nuts/);
  assert.equal(plan.backend.backend, "cpu");
  assert.ok(plan.backend.reason.length > 0);
  assert.ok(plan.data.terms.every((t) => t.auto !== undefined), "auto rule applied per term");
  assert.notEqual(plan.sampled, plan.data, "sd scales applied to what is sampled");
});

Deno.test("planFit: an explicit parameterisation is compiled as given, not deferred", async () => {
  const o = resolveFitOptions({ ...noGpu, method: "nuts", parameterization: "centered" });
  const plan = await planFit(compileForFit(spec("student"), smallTable(), o), o);
  assert.ok(plan.data.terms.every((t) => t.auto === undefined));
  assert.ok(plan.data.terms.every((t) => t.noncentering.every((v) => v === 0)), "centred");
});

Deno.test("fitModel refuses draws that would not fit in memory, after one compile, before sampling", async () => {
  const before = compileCount.calls;
  await assert.rejects(
    fitModel(spec("gaussian"), smallTable(), { ...noGpu, chains: 1e6, progress: false }),
    (e) =>
      e instanceof HetfxError &&
      /^Cannot fit: 1000000 chains × 1000 draws of \d+ parameters would need at least [\d.]+ (GiB|TiB)/
        .test(e.message) &&
      e.message.includes("Use fewer chains or draws"),
  );
  assert.equal(compileCount.calls - before, 1);
  // Within the limit the same check passes: 4 chains of 1000 draws compile and plan.
  const o = resolveFitOptions(noGpu);
  assert.ok(compileForFit(spec("gaussian"), smallTable(), o).dim > 0);
});

Deno.test("planFit refuses thin on the CPU, which would ignore it, naming why the fit is there", async () => {
  for (const method of ["nuts", "collapsed"] as const) {
    const o = resolveFitOptions({ ...noGpu, method, thin: 5 });
    await assert.rejects(
      planFit(compileForFit(spec("gaussian"), smallTable(), o), o),
      (e) =>
        e instanceof HetfxError &&
        /^Cannot fit: option thin = 5 applies to the WebGPU backend, and this fit runs on the CPU \(/
          .test(e.message),
    );
  }
  // thin 1 (the default) is every draw: nothing to refuse.
  const o = resolveFitOptions({ ...noGpu, method: "nuts", thin: 1 });
  assert.ok((await planFit(compileForFit(spec("gaussian"), smallTable(), o), o)).data.dim > 0);
});

Deno.test("planFit refuses sdScale for the fully collapsed target, whose sds have their own coordinate", async () => {
  // smallTable's one term has few levels: collapsed fully, sds on the knee coordinate.
  const o = resolveFitOptions({ ...noGpu, sdScale: "signed" });
  await assert.rejects(
    planFit(compileForFit(spec("gaussian"), smallTable(), o), o),
    (e) =>
      e instanceof HetfxError &&
      /^Cannot fit: option sdScale "signed" does not apply to this model's fit \(/.test(
        e.message,
      ) &&
      /add method: "nuts"/.test(e.message),
  );
  // Nor does an explicit parameterisation: the varying effects are integrated out.
  const centred = resolveFitOptions({ ...noGpu, parameterization: "centered" });
  await assert.rejects(
    planFit(compileForFit(spec("gaussian"), smallTable(), centred), centred),
    (e) =>
      e instanceof HetfxError &&
      /^Cannot fit: option parameterization "centered" does not apply .*integrated out/.test(
        e.message,
      ),
  );
  const nuts = resolveFitOptions({ ...noGpu, sdScale: "signed", method: "nuts" });
  assert.equal(
    (await planFit(compileForFit(spec("gaussian"), smallTable(), nuts), nuts)).method.method,
    "nuts",
  );
});

Deno.test('planFit: metric "dense" is not dropped on WebGPU: refused there, run on the CPU by auto', async () => {
  // ChEES-HMC adapts a diagonal metric only; before, "dense" was silently ignored on WebGPU.
  let asked = 0;
  const gpuProvider = () => {
    asked++;
    return Promise.resolve(null);
  };
  const o = resolveFitOptions({
    adapterProvider: gpuProvider,
    method: "nuts",
    backend: "webgpu",
    metric: "dense",
  });
  await assert.rejects(
    planFit(compileForFit(spec("student"), smallTable(), o), o),
    (e) =>
      e instanceof HetfxError &&
      /^Cannot fit with metric "dense" on backend "webgpu": .*Use backend "cpu"/.test(e.message),
  );
  const auto = resolveFitOptions({ adapterProvider: gpuProvider, method: "nuts", metric: "dense" });
  const plan = await planFit(compileForFit(spec("student"), smallTable(), auto), auto);
  assert.equal(plan.backend.backend, "cpu");
  assert.match(plan.backend.reason, /metric "dense" was requested/);
  assert.equal(plan.metric.metric, "dense");
  assert.equal(asked, 0, "no adapter is asked for");
});
