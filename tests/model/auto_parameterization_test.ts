import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import {
  applyParameterization,
  AUTO_SETTINGS,
  autoParameterization,
} from "../../lib/model/auto_parameterization.ts";
import { CompiledModel } from "../../lib/model/compiled_model.ts";
import { HetfxError } from "../../lib/errors.ts";
import { makeTable } from "../../lib/data/table.ts";
import { formula } from "../../lib/spec/formula.ts";
import { loadTomzWeeks } from "../../lib/data/datasets/tomz_weeks.ts";
import { tomzWeeksModel } from "../../lib/spec/paper_models.ts";
import { crossedModel, crossedTable } from "../../bench/cpu_models.ts";
import { crossedSpec, seeded, simulatedTable } from "./_fixtures.ts";

function crossedBernoulli(rows: number) {
  const table = crossedTable(rows, "bernoulli");
  const spec = crossedModel(table, "bernoulli").toJSON();
  return compileModel(spec, table);
}

Deno.test("auto: informative few-level terms are data-centred contrasts; the rule's λ says how far", () => {
  // 100,000 rows, 2–3 levels per term (≥ 16,000 rows a level). In crossedTable the intercept
  // varies by race only; the treatment effect varies by every factor.
  const choices = autoParameterization(crossedBernoulli(100000));
  const by = Object.fromEntries(choices.map((c) => [c.group, c]));
  assert.deepEqual(by.race.lambda, [0, 0]);
  for (const group of ["race", "gender", "hawk", "intl"]) {
    const c = by[group];
    assert.ok(c.contrasts && c.meanInBeta && c.dataCentring !== undefined, group);
    // Data-centring replaces λ on the contrasts; the level mean stays non-centred.
    assert.deepEqual(c.noncentering, [1, 1]);
    // The treatment effect's levels differ by ~0.1 with a resolution of ~0.02: mostly centred.
    assert.ok(c.lambda[1] < 0.5, `${group} treat ${c.lambda[1]}`);
  }
  for (const group of ["gender", "hawk", "intl"]) {
    // No intercept spread: sd's posterior reaches far below the data's resolution, so the
    // rule's λ sits between the two ends, leaning non-centred.
    const lambda = by[group].lambda[0];
    assert.ok(lambda > 0.5 && lambda < 1, `${group} Intercept ${lambda}`);
  }
});

Deno.test("auto: data-centring holds the pilot's contrast estimates, near the simulated truth", () => {
  // crossedTable: race's levels have intercepts 0, 0.1, 0.2 and treatment effects 0.1, −0.05,
  // 0.2 (+ common parts), so the Helmert contrasts are (r₀ − r₁)/√2 and (r₀ + r₁ − 2r₂)/√6.
  const race = autoParameterization(crossedBernoulli(100000)).find((c) => c.group === "race")!;
  const truth = [
    [(0 - 0.1) / Math.SQRT2, (0.1 + 0.05) / Math.SQRT2],
    [(0 + 0.1 - 0.4) / Math.sqrt(6), (0.1 - 0.05 - 0.4) / Math.sqrt(6)],
  ];
  const dc = race.dataCentring!;
  assert.deepEqual([dc.estimate[0], dc.estimate[1], dc.information[0], dc.information[1]], [
    0,
    0,
    0,
    0,
  ]);
  for (let i = 1; i <= 2; i++) {
    for (let k = 0; k < 2; k++) {
      const se = 1 / Math.sqrt(dc.information[i * 2 + k]);
      // ~33,000 rows a level: se ≈ 0.02–0.03; 4 se allows for the ridge and the approximation.
      assert.ok(se < 0.05, `se ${se}`);
      const error = Math.abs(dc.estimate[i * 2 + k] - truth[i - 1][k]);
      assert.ok(error < 4 * se, `contrast ${i}, coefficient ${k}: off by ${error} (se ${se})`);
    }
  }
});

Deno.test("auto: the same design with 30× less data leans non-centred everywhere", () => {
  const small = autoParameterization(crossedBernoulli(3000));
  const large = autoParameterization(crossedBernoulli(100000));
  small.forEach((c, t) => {
    c.lambda.forEach((lambda, k) => {
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
  assert.ok(data.terms.some((t) => t.contrasts && t.dataCentring !== undefined));
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

Deno.test("auto: data-centred rows carry the pilot's K × K information (joint centring) unless set to marginal", () => {
  const plain = crossedBernoulli(3000);
  let centred = 0;
  for (const choice of autoParameterization(plain)) {
    const dc = choice.dataCentring;
    if (!dc) continue;
    centred++;
    const K = choice.noncentering.length;
    const joint = dc.jointInformation!;
    assert.equal(joint.length, dc.information.length * K);
    for (let i = 0; i < dc.information.length / K; i++) {
      for (let a = 0; a < K; a++) {
        // Its diagonal is the per-coefficient information, and it is symmetric.
        assert.equal(joint[i * K * K + a * K + a], dc.information[i * K + a]);
        for (let b = 0; b < K; b++) {
          assert.equal(joint[i * K * K + a * K + b], joint[i * K * K + b * K + a]);
        }
      }
      // Positive semi-definite (2 × 2: determinant ≥ 0 up to rounding).
      const [p, q, r] = [joint[i * 4], joint[i * 4 + 1], joint[i * 4 + 3]];
      assert.ok(p * r - q * q >= -1e-9 * p * r, `row ${i}: not positive semi-definite`);
    }
  }
  assert.ok(centred > 0);
  AUTO_SETTINGS.centring = "marginal";
  try {
    for (const choice of autoParameterization(plain)) {
      assert.equal(choice.dataCentring?.jointInformation, undefined);
    }
  } finally {
    AUTO_SETTINGS.centring = "joint";
  }
});
