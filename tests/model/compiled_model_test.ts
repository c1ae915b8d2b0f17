import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { CompiledModel } from "../../lib/model/compiled_model.ts";
import { generateQuantities, varyingName } from "../../lib/posterior/generated.ts";
import type { ChainDraws } from "../../lib/sampler/backend.ts";
import { getColumn, labelAt, type Table } from "../../lib/data/table.ts";
import type { Family, ModelSpec } from "../../lib/spec/model_spec.ts";
import { logGamma } from "../../lib/model/special.ts";
import { crossedSpec, seeded, simulatedTable } from "./_fixtures.ts";

const FAMILIES: Family[] = ["gaussian", "bernoulli", "binomial", "poisson", "student"];

function randomPoint(dim: number, seed: number): Float64Array {
  const u = seeded(seed);
  return Float64Array.from({ length: dim }, () => (u() - 0.5) * 2);
}

const PARAMETERIZATIONS = ["noncentered", "centered", "contrasts"] as const;

for (const family of FAMILIES) {
  for (const parameterization of PARAMETERIZATIONS) {
    Deno.test(`${family}, ${parameterization}: analytic gradient matches central finite differences`, () => {
      const model = new CompiledModel(
        compileModel(crossedSpec(family), simulatedTable(300, family), { parameterization }),
      );
      for (const seed of [1, 2, 3]) {
        const theta = randomPoint(model.dim, seed);
        const grad = new Float64Array(model.dim);
        const lp = model.logDensityGradient(theta, grad);
        assert.ok(Number.isFinite(lp));
        const scratch = new Float64Array(model.dim);
        const h = 1e-6;
        for (let i = 0; i < model.dim; i++) {
          const plus = Float64Array.from(theta);
          plus[i] += h;
          const minus = Float64Array.from(theta);
          minus[i] -= h;
          const numeric = (model.logDensityGradient(plus, scratch) -
            model.logDensityGradient(minus, scratch)) / (2 * h);
          // Central differences are accurate to O(h²) plus rounding ~ |lp|·ε/h ≈ 1e-7 here.
          const tolerance = 1e-5 * Math.max(1, Math.abs(numeric));
          assert.ok(
            Math.abs(numeric - grad[i]) < tolerance,
            `parameter ${i}: analytic ${grad[i]} vs numeric ${numeric}`,
          );
        }
      }
    });
  }
}

/** The log likelihood row by row from brms-named quantities, with no compression at all. */
function naiveLogLikelihood(
  spec: ModelSpec,
  table: Table,
  named: Map<string, Float64Array>,
): number {
  const value = (name: string) => named.get(name)![0];
  const y = (getColumn(table, "y") as { values: Float64Array }).values;
  const trials = (getColumn(table, "trials") as { values: Float64Array }).values;
  const x = (getColumn(table, "x") as { values: Float64Array }).values;
  const treat = (getColumn(table, "treat") as { values: Float64Array }).values;
  const g1 = (getColumn(table, "g1") as { values: Float64Array }).values;
  const f = getColumn(table, "f");
  const g2 = getColumn(table, "g2");
  let total = 0;
  for (let i = 0; i < table.nRows; i++) {
    const fl = labelAt(f, i);
    const l1 = labelAt(getColumn(table, "g1"), i);
    const l2 = labelAt(g2, i);
    const r = (group: string, label: string, coef: string) =>
      value(varyingName(group, label, coef));
    const eta = value("b_Intercept") + value("b_x") * x[i] +
      (fl === "mid" ? value("b_fmid") : 0) + (fl === "hi" ? value("b_fhi") : 0) +
      value("b_treat") * treat[i] + value("b_treat:g1") * treat[i] * g1[i] +
      r("g1", l1, "Intercept") + r("g1", l1, "treat") * treat[i] + r("g1", l1, "x") * x[i] +
      r("g2", l2, "Intercept") + r("g2", l2, "treat") * treat[i];
    switch (spec.family) {
      case "gaussian": {
        const s = value("sigma");
        total += -Math.log(s) - 0.5 * ((y[i] - eta) / s) ** 2; // −½log 2π dropped, as in the model
        break;
      }
      case "bernoulli":
        total += y[i] * eta - Math.log1p(Math.exp(eta));
        break;
      case "binomial":
        total += y[i] * eta - trials[i] * Math.log1p(Math.exp(eta));
        break;
      case "poisson":
        total += y[i] * eta - Math.exp(eta);
        break;
      case "student": {
        const s = value("sigma");
        const nu = value("nu");
        const z = (y[i] - eta) / s;
        total += logGamma((nu + 1) / 2) - logGamma(nu / 2) - 0.5 * Math.log(nu * Math.PI) -
          Math.log(s) - ((nu + 1) / 2) * Math.log1p((z * z) / nu);
        break;
      }
    }
  }
  return total;
}

for (const family of FAMILIES) {
  for (const parameterization of PARAMETERIZATIONS) {
    Deno.test(`${family}, ${parameterization}: compressed likelihood equals the row-by-row likelihood`, () => {
      const table = simulatedTable(2000, family, 11);
      const spec = crossedSpec(family);
      const data = compileModel(spec, table, { parameterization });
      const model = new CompiledModel(data);
      const entries = data.stats.kind === "gaussian" ? data.nCells : data.stats.nPatterns;
      if (family === "gaussian") assert.equal(entries, 12); // 4 × 3 cells, whatever the rows
      else if (family !== "student") assert.ok(entries < 2000, `${entries} patterns`);
      for (const seed of [5, 6]) {
        const theta = randomPoint(model.dim, seed);
        const lp = model.logDensityGradient(theta, new Float64Array(model.dim));
        const chain: ChainDraws = {
          theta,
          logDensity: Float64Array.of(lp),
          acceptStat: new Float64Array(1),
          stepSize: new Float64Array(1),
          treeDepth: new Int32Array(1),
          nLeapfrog: new Int32Array(1),
          divergent: new Uint8Array(1),
          energy: new Float64Array(1),
          warmupDivergences: 0,
          adaptedStepSize: 1,
          inverseMetric: new Float64Array(model.dim),
        };
        const named = generateQuantities(data, [chain]).values;
        const naive = naiveLogLikelihood(spec, table, named);
        const relative = Math.abs(model.lastLogLikelihood - naive) / Math.abs(naive);
        assert.ok(relative < 1e-10, `compressed ${model.lastLogLikelihood} vs rows ${naive}`);
      }
    });
  }
}

Deno.test("terms are non-centred unless centring is asked for", () => {
  const table = simulatedTable(300, "gaussian");
  const plain = compileModel(crossedSpec("gaussian"), table);
  assert.deepEqual(plain.terms.map((t) => t.parameterization), ["noncentered", "noncentered"]);
  const centred = compileModel(crossedSpec("gaussian"), table, { parameterization: "centered" });
  assert.deepEqual(centred.terms.map((t) => t.parameterization), ["centered", "centered"]);
});
