import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import {
  applyParameterization,
  autoParameterization,
} from "../../lib/model/auto_parameterization.ts";
import { CompiledModel } from "../../lib/model/compiled_model.ts";
import { HetfxError } from "../../lib/errors.ts";
import { makeTable } from "../../lib/data/table.ts";
import { formula } from "../../lib/spec/formula.ts";
import { loadTomzWeeks } from "../../lib/data/datasets/tomz_weeks.ts";
import { tomzWeeksModel } from "../../lib/data/datasets/paper_models.ts";
import { crossedModel, crossedTable } from "../../bench/cpu_models.ts";
import { crossedSpec, seeded, simulatedTable } from "./_fixtures.ts";

function crossedBernoulli(rows: number) {
  const table = crossedTable(rows, "bernoulli");
  const spec = crossedModel(table, "bernoulli").toJSON();
  return compileModel(spec, table);
}

Deno.test("auto: informative few-level terms with real spread are centred, null ones partly", () => {
  // 100,000 rows, 2–3 levels per term (≥ 16,000 rows a level). In crossedTable the intercept
  // varies by race only; the treatment effect varies by every factor.
  const choices = autoParameterization(crossedBernoulli(100000));
  const by = Object.fromEntries(choices.map((c) => [c.group, c]));
  assert.deepEqual(by.race.noncentering, [0, 0]);
  for (const group of ["race", "gender", "hawk", "intl"]) {
    assert.ok(by[group].contrasts && by[group].meanInBeta, group);
    // The treatment effect's levels differ by ~0.1 with a resolution of ~0.02: mostly centred.
    assert.ok(by[group].noncentering[1] < 0.5, `${group} treat ${by[group].noncentering[1]}`);
  }
  for (const group of ["gender", "hawk", "intl"]) {
    // No intercept spread: sd's posterior reaches far below the data's resolution, so these sit
    // between the two ends, leaning non-centred.
    const lambda = by[group].noncentering[0];
    assert.ok(lambda > 0.5 && lambda < 1, `${group} Intercept ${lambda}`);
  }
});

Deno.test("auto: the same design with 30× less data leans non-centred everywhere", () => {
  const small = autoParameterization(crossedBernoulli(3000));
  const large = autoParameterization(crossedBernoulli(100000));
  small.forEach((c, t) => {
    c.noncentering.forEach((lambda, k) => {
      assert.ok(lambda >= 0.5, `${c.group} ${k}: ${lambda}`);
      assert.ok(c.information[k] < large[t].information[k] / 10, "information grows with data");
    });
  });
});

Deno.test("auto: many sparse groups (TW data, 100 groups of 1–57 rows) stay plainly non-centred", async () => {
  const tw = await loadTomzWeeks();
  const data = compileModel(tomzWeeksModel(tw).toJSON(), tw, { parameterization: "auto" });
  const [term] = data.terms;
  assert.ok(term.nGroups >= 90, `${term.nGroups} groups`);
  assert.deepEqual(term.noncentering, [1, 1]);
  assert.equal(term.contrasts, false);
  assert.equal(term.meanInBeta, false);
  assert.ok(term.auto !== undefined);
});

Deno.test("auto: 100 simulated Bernoulli groups of 1–57 rows stay non-centred", () => {
  const u = seeded(4);
  const g: number[] = [], treat: number[] = [], y: number[] = [];
  for (let j = 0; j < 100; j++) {
    const size = 1 + Math.floor(u() * 57);
    const effect = 0.3 * (u() - 0.5);
    for (let i = 0; i < size; i++) {
      const t = u() < 0.5 ? 1 : 0;
      g.push(j + 1), treat.push(t);
      y.push(u() < 1 / (1 + Math.exp(-(effect + 0.3 * t))) ? 1 : 0);
    }
  }
  const num = (v: number[]) => ({ kind: "number" as const, values: Float64Array.from(v) });
  const table = makeTable({ y: num(y), treat: num(treat), g: num(g) });
  const spec = formula("y ~ 1 + treat + (1 + treat | g)", table, { family: "bernoulli" }).toJSON();
  const [choice] = autoParameterization(compileModel(spec, table));
  assert.deepEqual(choice.noncentering, [1, 1]);
  assert.equal(choice.contrasts, false);
});

Deno.test("per-term parameterisation: overrides by group name, others auto; errors name the terms", () => {
  const table = simulatedTable(400, "bernoulli");
  const spec = crossedSpec("bernoulli");
  const data = compileModel(spec, table, { parameterization: { g1: "centered" } });
  assert.deepEqual(data.terms[0].noncentering, [0, 0, 0]);
  assert.equal(data.terms[0].contrasts, false);
  assert.equal(data.terms[0].auto, undefined);
  assert.ok(data.terms[1].auto !== undefined);
  assert.throws(
    () => compileModel(spec, table, { parameterization: { nope: "centered" } }),
    (e: unknown) =>
      e instanceof HetfxError && /no varying-effects term "nope".*"g1"/.test(e.message),
  );
  assert.throws(
    () => compileModel(spec, table, { parameterization: { g1: "sideways" as "auto" } }),
    HetfxError,
  );
});

Deno.test("auto: the chosen model's gradient matches finite differences", () => {
  const plain = crossedBernoulli(3000);
  const data = applyParameterization(plain, "auto");
  assert.ok(data.terms.some((t) => t.contrasts && t.noncentering.some((l) => l > 0 && l < 1)));
  const model = new CompiledModel(data);
  const u = seeded(8);
  const theta = Float64Array.from({ length: model.dim }, () => u() - 0.5);
  const grad = new Float64Array(model.dim);
  model.logDensityGradient(theta, grad);
  const scratch = new Float64Array(model.dim);
  const h = 1e-6;
  for (let i = 0; i < model.dim; i++) {
    const plus = Float64Array.from(theta), minus = Float64Array.from(theta);
    plus[i] += h, minus[i] -= h;
    const numeric = (model.logDensityGradient(plus, scratch) -
      model.logDensityGradient(minus, scratch)) / (2 * h);
    // Central differences: O(h²) truncation plus rounding ~ |lp|·ε/h ≈ 1e-6 here (|lp| ~ 2,000).
    assert.ok(
      Math.abs(numeric - grad[i]) < 1e-4 * Math.max(1, Math.abs(numeric)),
      `parameter ${i}: analytic ${grad[i]} vs numeric ${numeric}`,
    );
  }
});
