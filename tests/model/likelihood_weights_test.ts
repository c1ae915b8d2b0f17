/**
 * Likelihood weights (lib/model/likelihood_weights.ts) and their compression in
 * lib/model/compile.ts: a row of integer weight k is k copies of the row, so the weighted model's
 * log density and gradient must equal those of the table with rows duplicated, for every family.
 */
import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { CompiledModel } from "../../lib/model/compiled_model.ts";
import { likelihoodWeights } from "../../lib/model/likelihood_weights.ts";
import { type Table, takeRows, withColumn } from "../../lib/data/table.ts";
import type { Family, ModelSpec } from "../../lib/spec/model_spec.ts";
import { HetfxError } from "../../lib/errors.ts";
import { loadTable } from "../../lib/data/load_table.ts";
import { CollapsedGaussian } from "../../lib/model/collapsed_gaussian.ts";
import { LevelCollapsedGaussian } from "../../lib/model/level_collapsed_gaussian.ts";
import {
  crossedSpec,
  FAMILIES_UNDER_TEST,
  seeded,
  simulatedTable,
  withNormalPriors,
} from "./_fixtures.ts";

const FAMILIES = FAMILIES_UNDER_TEST;

/** Integer weights 0–3 per row, the weighted table and the table with rows repeated w times. */
function weightedAndDuplicated(table: Table, seed: number) {
  const u = seeded(seed);
  const w = Float64Array.from({ length: table.nRows }, () => Math.floor(u() * 4));
  const rows: number[] = [];
  w.forEach((k, i) => {
    for (let c = 0; c < k; c++) rows.push(i);
  });
  return {
    weighted: withColumn(table, "w", { kind: "number", values: w }),
    duplicated: takeRows(table, rows),
  };
}

/**
 * Without a population intercept no column is centred on its (row-count dependent) mean, so
 * both tables give the same θ layout and meaning.
 */
function uncentred(family: Family): ModelSpec {
  const spec = crossedSpec(family);
  return { ...spec, intercept: false, priors: spec.priors.filter((p) => p.class !== "Intercept") };
}

for (const family of FAMILIES) {
  Deno.test(`${family}: integer weights give the log density and gradient of duplicated rows`, () => {
    const { weighted, duplicated } = weightedAndDuplicated(simulatedTable(400, family, 3), 8);
    const spec = uncentred(family);
    const a = new CompiledModel(compileModel({ ...spec, weights: "w" }, weighted));
    const b = new CompiledModel(compileModel(spec, duplicated));
    assert.equal(a.dim, b.dim);
    const u = seeded(21);
    for (let trial = 0; trial < 3; trial++) {
      const theta = Float64Array.from({ length: a.dim }, () => (u() - 0.5) * 1.5);
      const ga = new Float64Array(a.dim), gb = new Float64Array(b.dim);
      const la = a.logDensityGradient(theta, ga);
      const lb = b.logDensityGradient(theta, gb);
      // The same sums in another order: equal to rounding (1e-11 relative).
      assert.ok(Math.abs(la - lb) <= 1e-11 * Math.abs(lb), `${la} vs ${lb}`);
      for (let i = 0; i < a.dim; i++) {
        assert.ok(
          Math.abs(ga[i] - gb[i]) <= 1e-9 * (1 + Math.abs(gb[i])),
          `∂${i}: ${ga[i]} vs ${gb[i]}`,
        );
      }
    }
  });
}

Deno.test("weights scale the log-likelihood: all weights 2.5 is 2.5 × the unweighted one", () => {
  // Non-integer weights: brms multiplies each row's log-likelihood by its weight.
  for (const family of ["poisson", "gaussian", "negbinomial"] as const) {
    const table = simulatedTable(200, family, 4);
    const w = withColumn(table, "w", {
      kind: "number",
      values: new Float64Array(table.nRows).fill(2.5),
    });
    const spec = uncentred(family);
    const a = new CompiledModel(compileModel({ ...spec, weights: "w" }, w));
    const b = new CompiledModel(compileModel(spec, table));
    const theta = Float64Array.from({ length: a.dim }, (_, i) => Math.sin(i) * 0.7);
    a.logDensityGradient(theta, new Float64Array(a.dim));
    b.logDensityGradient(theta, new Float64Array(b.dim));
    const ratio = a.lastLogLikelihood / b.lastLogLikelihood;
    assert.ok(Math.abs(ratio - 2.5) < 1e-10, `${family}: ratio ${ratio}`);
  }
});

Deno.test("weights × trials: binomial sums w·y and w·n per pattern", () => {
  const table = simulatedTable(300, "binomial", 5);
  const { weighted } = weightedAndDuplicated(table, 2);
  const data = compileModel({ ...crossedSpec("binomial"), weights: "w" }, weighted);
  assert.equal(data.weights, "w");
  assert.ok(data.stats.kind === "patterns");
  const w = (weighted.columns.w as { values: Float64Array }).values;
  const y = (table.columns.y as { values: Float64Array }).values;
  const n = (table.columns.trials as { values: Float64Array }).values;
  let wy = 0, wn = 0, ww = 0;
  for (let i = 0; i < w.length; i++) wy += w[i] * y[i], wn += w[i] * n[i], ww += w[i];
  const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
  assert.equal(sum(data.stats.ySum), wy);
  assert.equal(sum(data.stats.trialSum), wn);
  assert.equal(sum(data.stats.rows), ww);
});

/** A spec with weights on a 4-row table whose w column is `values`. */
function badWeights(values: number[]) {
  const table = withColumn(simulatedTable(4, "gaussian"), "w", {
    kind: "number",
    values: Float64Array.from(values),
  });
  return () => likelihoodWeights({ ...crossedSpec("gaussian"), weights: "w" }, table);
}

Deno.test("bad weights are refused naming the column and the row", () => {
  const refuses = (values: number[], pattern: RegExp) =>
    assert.throws(badWeights(values), (e: unknown) => {
      assert.ok(e instanceof HetfxError, String(e));
      assert.match(e.message, pattern);
      return true;
    });
  refuses([1, 2, -0.5, 1], /weights "w" must be finite and non-negative, but row 3 has -0.5/);
  refuses(
    [1, NaN, 1, 1],
    /^Cannot build model: weights column "w" is missing in row 2 \(an empty cell, NA or null\); fill it in .* Drop incomplete rows first: loadTable\(source, \{ dropMissing: true \}\)/,
  );
  refuses([1, 1, 1, Infinity], /weights "w".*row 4 has Infinity/);
  refuses([0, 0, 0, 0], /weights "w" are 0 in every row/);
  assert.deepEqual([...badWeights([0, 1, 0, 2.5])()!], [0, 1, 0, 2.5]);
});

Deno.test("compileModel refuses a missing weight by its row (before the missing-value check)", () => {
  const table = withColumn(simulatedTable(50, "poisson"), "w", {
    kind: "number",
    values: Float64Array.from({ length: 50 }, (_, i) => (i === 6 ? NaN : 1)),
  });
  assert.throws(
    () => compileModel({ ...crossedSpec("poisson"), weights: "w" }, table),
    /weights column "w" is missing in row 7 \(an empty cell, NA or null\)/,
  );
});

Deno.test("after dropMissing, bad weights and outcomes are refused by their row in the data", async () => {
  // Data rows 2, 4 and 6 miss y; row 11 is the 8th row kept, and the message names row 11.
  const csv = (bad: string) =>
    "y,w\n" + Array.from({ length: 14 }, (_, k) => {
      const row = k + 1;
      return row === 11 ? bad : `${row % 2 === 0 && row <= 6 ? "NA" : row % 3 === 0 ? 1 : 0},1`;
    }).join("\n") + "\n";
  const spec = (family: Family, weights?: string): ModelSpec => ({
    hetfx: 1,
    outcome: "y",
    family,
    ...(weights ? { weights } : {}),
    intercept: true,
    treatment: null,
    terms: [],
    groupTerms: [],
    priors: [],
  });
  const negative = await loadTable(csv("1,-1"), { dropMissing: true });
  assert.equal(negative.nRows, 11);
  assert.throws(
    () => compileModel(spec("gaussian", "w"), negative),
    /weights "w" must be finite and non-negative, but row 11 has -1/,
  );
  const outcome = await loadTable(csv("1.5,1"), { dropMissing: ["y"] });
  assert.throws(
    () => compileModel(spec("bernoulli"), outcome),
    /must be 0 or 1 for family "bernoulli", but row 11 has 1\.5/,
  );
});

Deno.test("gaussian: the collapsed targets stay exact with weights (weighted sufficient statistics)", () => {
  // The fully collapsed (crossed terms) and level-collapsed (one term) targets read only the
  // cells' Σw, Σw·y, Σw·y² (and cross-products), so a weighted table and the duplicated one give
  // the same marginal log density.
  const { weighted, duplicated } = weightedAndDuplicated(simulatedTable(400, "gaussian", 6), 9);
  const normalB = (spec: ModelSpec) => withNormalPriors(spec);
  const single = (): ModelSpec => {
    const s = uncentred("gaussian");
    return { ...s, groupTerms: [s.groupTerms[0]], priors: s.priors.filter((p) => !p.group) };
  };
  const targets = [
    (spec: ModelSpec, t: Table) => new CollapsedGaussian(compileModel(spec, t)),
    (spec: ModelSpec, t: Table) => new LevelCollapsedGaussian(compileModel(spec, t)),
  ];
  const specs = [normalB(uncentred("gaussian")), single()];
  targets.forEach((make, k) => {
    const a = make({ ...specs[k], weights: "w" }, weighted);
    const b = make(specs[k], duplicated);
    assert.equal(a.dim, b.dim);
    const theta = Float64Array.from({ length: a.dim }, (_, i) => 0.3 * Math.cos(i));
    const la = a.logDensityGradient(theta, new Float64Array(a.dim));
    const lb = b.logDensityGradient(theta, new Float64Array(b.dim));
    // The level-collapsed target whitens β at a numerically found mode: equal to 1e-8.
    assert.ok(Math.abs(la - lb) <= 1e-8 * Math.abs(lb), `target ${k}: ${la} vs ${lb}`);
  });
});
