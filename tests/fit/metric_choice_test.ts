import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import assert from "node:assert/strict";
import { chooseMetric, DENSE_CONDITION } from "../../lib/fit/metric_choice.ts";
import { compileModel } from "../../lib/model/compile.ts";
import type { Table } from "../../lib/data/table.ts";
import { formula } from "../../lib/spec/formula.ts";
import { normal, studentT } from "../../lib/spec/priors.ts";
import { applyParameterization } from "../../lib/model/auto_parameterization.ts";
import {
  CROSSED_FORMULA,
  crossedTable,
  REGRESSION_FORMULA as FORMULA,
  regressionTable,
} from "../../bench/cpu_models.ts";

const PRIORS = { Intercept: studentT(3, 0, 2.5), b: normal(0, 1) };
const build = (table: Table) => formula(FORMULA, table, { family: "bernoulli" }).priors(PRIORS);

Deno.test("chooseMetric: dense for correlated predictors, diagonal for independent ones", () => {
  const correlated = regressionTable(800, 0.95);
  const data = compileModel(build(correlated).toJSON(), correlated);
  const dense = chooseMetric("auto", data, "nuts", 1);
  assert.equal(dense.metric, "dense");
  // The reason names the condition number, which is above the threshold.
  const kappa = Number(/condition number ([\d.e+]+)/.exec(dense.reason)![1]);
  assert.ok(kappa >= DENSE_CONDITION, dense.reason);
  const independent = regressionTable(800, 0);
  const plain = compileModel(build(independent).toJSON(), independent);
  const diag = chooseMetric("auto", plain, "nuts", 1);
  assert.equal(diag.metric, "diag");
  assert.match(diag.reason, /condition number .* \(< 100\)/);
  assert.deepEqual(chooseMetric("diag", data, "nuts", 1), {
    metric: "diag",
    reason: 'metric "diag" requested',
  });
});

Deno.test("fit: metric auto picks dense for correlated predictors; no tree-depth saturation", async () => {
  const table = regressionTable(300, 0.95);
  const builder = build(table);
  const options = { chains: 2, warmup: 250, draws: 150, seed: 2, progress: false } as const;
  const auto = await builder.fit(options);
  assert.equal(auto.info.metric, "dense");
  assert.match(auto.info.metricReason ?? "", /auto: dense/);
  const diag = await builder.fit({ ...options, metric: "diag" });
  assert.equal(diag.info.metric, "diag");
  const depth = (fit: typeof auto) => fit.chains.flatMap((c) => Array.from(c.treeDepth));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  // With κ ≥ 100 the diagonal metric needs ≳ √κ = 10 times the leapfrog steps, i.e. trees
  // ≳ 3 levels deeper; the dense one has none at depth 10. A margin of 1.5 levels is far
  // outside the run-to-run variation of a 300-draw mean tree depth (≲ 0.1).
  assert.ok(Math.max(...depth(auto)) < 10, "dense: a tree at the maximum depth");
  // The pilot's choice starts warmup from the Laplace covariance (denseStart), so warmup trees are
  // about as long as sampling's: with a diagonal start the first 250 iterations ran 2.35 times the
  // sampling's leapfrog steps per iteration (bench/README.md, the 1000-row version).
  assert.match(auto.info.metricReason ?? "", /warmup starts from the Laplace covariance/);
  const perIteration = (fit: typeof auto, phase: "warmup" | "sampling") =>
    fit.chains.reduce(
      (s, c) =>
        s + (phase === "warmup" ? c.warmupLeapfrog! : c.nLeapfrog.reduce((a, b) => a + b, 0)),
      0,
    ) / (phase === "warmup" ? options.warmup : options.draws) / options.chains;
  assert.ok(
    perIteration(auto, "warmup") < 1.5 * perIteration(auto, "sampling"),
    `${perIteration(auto, "warmup")} vs ${perIteration(auto, "sampling")}`,
  );
  assert.ok(
    mean(depth(diag)) > mean(depth(auto)) + 1.5,
    `${mean(depth(diag))} vs ${mean(depth(auto))}`,
  );
});

Deno.test("chooseMetric: dense where every term is jointly data-centred, diagonal where not", () => {
  // The crossed four-term benchmark at 100k rows: "auto" centres every term jointly.
  const table = crossedTable(100000, "bernoulli", 2);
  const compiled = compileModel(
    formula(CROSSED_FORMULA, table, { family: "bernoulli" }).toJSON(),
    table,
  );
  const joint = applyParameterization(compiled, "auto");
  assert.ok(joint.terms.every((t) => t.dataCentring?.jointInformation !== undefined));
  const dense = chooseMetric("auto", joint, "nuts", 1);
  assert.equal(dense.metric, "dense");
  assert.match(dense.reason, /jointly data-centred/);
  // Non-centred terms keep a funnel: diagonal, as before.
  const plain = applyParameterization(compiled, "noncentered");
  assert.equal(chooseMetric("auto", plain, "nuts", 1).metric, "diag");
});
