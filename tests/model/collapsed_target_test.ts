import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { CollapsedGaussian } from "../../lib/model/collapsed_gaussian.ts";
import { collapsedToFull } from "../../lib/model/collapsed_draws.ts";
import { LevelCollapsedGaussian } from "../../lib/model/level_collapsed_gaussian.ts";
import * as workerEntry from "../../lib/model/collapsed_target.ts";
import { CpuBackend } from "../../lib/sampler/cpu_backend.ts";
import { crossedSpec, simulatedTable, singleTermSpec, withNormalPriors } from "./_fixtures.ts";

Deno.test("collapsedTargetFromData: level-collapsed for one grouping term, fully collapsed for crossed terms", () => {
  const table = simulatedTable(120, "gaussian");
  const one = workerEntry.collapsedTargetFromData(compileModel(singleTermSpec("gaussian"), table));
  assert.ok(one instanceof LevelCollapsedGaussian);
  const crossed = workerEntry.collapsedTargetFromData(
    compileModel(withNormalPriors(crossedSpec("gaussian")), table),
  );
  assert.ok(crossed instanceof CollapsedGaussian);
});

Deno.test("the workers' finishing step gives chain c exactly what collapsedToFull gives it", async () => {
  const data = compileModel(singleTermSpec("gaussian"), simulatedTable(120, "gaussian"));
  const target = workerEntry.collapsedTargetFromData(data);
  const options = {
    chains: 2,
    warmup: 60,
    draws: 20,
    seed: 5,
    adaptDelta: 0.8,
    maxTreedepth: 8,
    metric: "diag",
    warmupStart: "stan",
  } as const;
  const phi = await new CpuBackend().sample(target, options);
  const all = collapsedToFull(target, phi, options.seed);
  for (const c of [0, 1]) {
    const one = workerEntry.fullChainDraws(target, phi[c], c, options.seed);
    assert.deepEqual(one.theta, all[c].theta, `chain ${c} θ`);
    assert.deepEqual(one.logDensity, all[c].logDensity, `chain ${c} lp__`);
    assert.equal(one.theta.length, options.draws * data.dim);
  }
  // Chains are keyed by their number: chain 1's φ finished as chain 0 draws other coefficients.
  const relabelled = workerEntry.fullChainDraws(target, phi[1], 0, options.seed);
  assert.notDeepEqual(relabelled.theta, all[1].theta);
});
