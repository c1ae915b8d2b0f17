/**
 * The Fit facade refuses what it would otherwise ignore: an argument to a method that takes
 * none, and an on/off option that is not true or false. fitModel's workers after a fallback
 * from WebGPU.
 */
import assert from "node:assert/strict";
import { refuses } from "../_refuses.ts";
import { smallFit } from "../posterior/_fixtures.ts";
import { fitModel } from "../../lib/fit/fit.ts";
import { releaseWorkers } from "../../lib/sampler/parallel.ts";
import { fewLargeGroups, tinyAdapterProvider } from "./_tiny_gpu.ts";

Deno.test("Fit methods that take no arguments refuse one, naming the method and the value", async () => {
  const fit = await smallFit();
  // deno-lint-ignore no-explicit-any
  const untyped = fit as any;
  refuses(
    () => untyped.groupEffects("nope"),
    /^fit\.groupEffects\(\) takes no arguments, got "nope"/,
  );
  for (
    const method of [
      "toHTML",
      "groupEffectsHTML",
      "groupEffectDraws",
      "groupEffectParts",
      "effectSpreads",
      "slopeCoefficients",
      "diagnostics",
      "warnings",
      "convergenceWarnings",
      "loo",
    ]
  ) {
    refuses(
      () => untyped[method]({ by: "g" }),
      new RegExp(`fit\\.${method}\\(\\) takes no arguments`),
    );
  }
  refuses(() => untyped.plot.rhatEss({ title: "x" }), /fit\.plot\.rhatEss\(\) takes no arguments/);
  // Without arguments they still answer.
  assert.ok(fit.groupEffects().length > 0);
  assert.ok(fit.plot.rhatEss() !== undefined);
});

Deno.test("fit.summary({ varying }) takes true or false only", async () => {
  const fit = await smallFit();
  refuses(
    () => fit.summary({ varying: "yes" as never }),
    /^Cannot summarise: option varying = "yes" must be true or false\.$/,
  );
  refuses(() => fit.summary({ varying: 1 as never }), /option varying = 1 must be true or false/);
  const all = fit.summary({ varying: true });
  assert.ok(all.some((p) => p.name.startsWith("r_")));
  assert.ok(!fit.summary({ varying: false }).some((p) => p.name.startsWith("r_")));
});

Deno.test('backend "auto" falling back from WebGPU still runs its chains in workers', async () => {
  // fitModel closes its worker pool once the plan picks WebGPU; the fallback must not lose them.
  const { table, spec } = fewLargeGroups();
  const post = Worker.prototype.postMessage as (this: Worker, ...args: unknown[]) => void;
  let requests = 0;
  Worker.prototype.postMessage = function (this: Worker, ...args: unknown[]) {
    // A chain request names the factory its worker builds the model from (parallel.ts).
    if ((args[0] as { factory?: unknown }).factory !== undefined) requests++;
    post.apply(this, args);
  };
  try {
    for (const keepWorkers of [false, true]) {
      requests = 0;
      const fit = await fitModel(spec, table, {
        chains: 4,
        warmup: 30,
        draws: 10,
        seed: 2,
        workers: 3,
        keepWorkers,
        progress: false,
        adapterProvider: tinyAdapterProvider,
      });
      assert.equal(fit.info.backend, "cpu");
      assert.match(fit.info.backendReason, /so the fit ran on the CPU \(NUTS\)$/);
      // Two workers beside this thread were each sent the chain request.
      assert.equal(requests, 2, `keepWorkers ${keepWorkers}`);
      assert.equal(fit.chains.length, 4);
      for (const c of fit.chains) assert.equal(c.logDensity.length, 10);
    }
  } finally {
    Worker.prototype.postMessage = post;
    releaseWorkers();
  }
});
