import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { CollapsedGaussian } from "../../lib/model/collapsed_gaussian.ts";
import { collapsedToFull } from "../../lib/model/collapsed_draws.ts";
import { LevelCollapsedGaussian } from "../../lib/model/level_collapsed_gaussian.ts";
import * as workerEntry from "../../lib/model/collapsed_target.ts";
import { makeTable, type Table } from "../../lib/data/table.ts";
import type { ModelSpec } from "../../lib/spec/model_spec.ts";
import { CpuBackend } from "../../lib/sampler/cpu_backend.ts";
import {
  crossedSpec,
  simulatedTable,
  singleTermSpec,
  withNormalPriors,
  withSampledBPrior,
} from "./_fixtures.ts";

/** `table` with g1 over MAX_FULLY_COLLAPSED_LEVELS + 1 levels (collapsed level by level). */
function manyLevels(table: Table): Table {
  const levels = workerEntry.MAX_FULLY_COLLAPSED_LEVELS + 1;
  const g1 = Float64Array.from({ length: table.nRows }, (_, i) => 1 + (i % levels));
  return makeTable({ ...table.columns, g1: { kind: "number", values: g1 } });
}

Deno.test("collapsedTargetFromData: level-collapsed for one grouping term of many levels, else fully collapsed", () => {
  const table = simulatedTable(120, "gaussian");
  // g1 has 4 levels (≤ MAX_FULLY_COLLAPSED_LEVELS): fully collapsed.
  const few = compileModel(singleTermSpec("gaussian"), table);
  assert.equal(few.terms[0].nGroups, 4);
  assert.ok(!workerEntry.levelCollapses(few));
  assert.ok(workerEntry.collapsedTargetFromData(few) instanceof CollapsedGaussian);
  // The same term over MAX_FULLY_COLLAPSED_LEVELS + 1 levels: level by level.
  const many = compileModel(singleTermSpec("gaussian"), manyLevels(table));
  assert.ok(workerEntry.levelCollapses(many));
  assert.ok(workerEntry.collapsedTargetFromData(many) instanceof LevelCollapsedGaussian);
  // Few levels but a β prior the fully collapsed target would sample unwhitened: level by level.
  const sampled = withSampledBPrior(compileModel(singleTermSpec("gaussian"), table));
  assert.ok(workerEntry.levelCollapses(sampled));
  const crossed = workerEntry.collapsedTargetFromData(
    compileModel(withNormalPriors(crossedSpec("gaussian")), table),
  );
  assert.ok(crossed instanceof CollapsedGaussian);
});

Deno.test("collapsedSdScales says how the target built from the same arguments holds each sd", () => {
  const table = simulatedTable(120, "gaussian");
  // Level-collapsed, sd prior normal(0, 1): signed or log per sd, as the target's layout has it.
  const many = workerEntry.collapsedTargetArgs(
    compileModel(singleTermSpec("gaussian"), manyLevels(table)),
  );
  const target = workerEntry.collapsedTargetFromArgs(many);
  const held = target.layout.terms[0].signedSd!.map((s) => s ? "signed" : "log");
  assert.deepEqual(workerEntry.collapsedSdScales(many), [held]);
  // An exponential sd prior is never a signed scale's (not symmetric about 0).
  const spec = singleTermSpec("gaussian");
  const exponential: ModelSpec = {
    ...spec,
    priors: spec.priors.map((p) =>
      p.class === "sd" ? { ...p, prior: { dist: "exponential", rate: 1 } } : p
    ),
  };
  const logOnly = workerEntry.collapsedTargetArgs(compileModel(exponential, manyLevels(table)));
  assert.deepEqual(workerEntry.collapsedSdScales(logOnly), [["log", "log"]]);
  // Fully collapsed (crossed): every sd through its knee, each knee placed.
  const crossed = workerEntry.collapsedTargetArgs(
    compileModel(withNormalPriors(crossedSpec("gaussian")), table),
  );
  assert.deepEqual(workerEntry.collapsedSdScales(crossed), [["knee", "knee", "knee"], [
    "knee",
    "knee",
  ]]);
  const knees = workerEntry.collapsedTargetFromArgs(crossed).layout.terms.flatMap((t) => t.sdKnee!);
  assert.ok(knees.length === 5 && knees.every(Number.isFinite), `knees ${knees}`);
});

Deno.test("the workers' finishing step gives chain c exactly what collapsedToFull gives it", async () => {
  const table = manyLevels(simulatedTable(120, "gaussian"));
  const data = compileModel(singleTermSpec("gaussian"), table);
  const target = workerEntry.collapsedTargetFromData(data);
  assert.ok(target instanceof LevelCollapsedGaussian);
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
