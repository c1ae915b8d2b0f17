/**
 * Compiling ordinal models with a declared category order and threshold-specific priors
 * (lib/model/ordinal_outcome.ts): K and labels from the declared levels (unused ones dropped
 * and warned), the thresholds' priors per threshold, their log density against a direct sum
 * of independently written densities, and the refusals.
 */
import assert from "node:assert/strict";
import { HetfxError } from "../../lib/errors.ts";
import { makeTable } from "../../lib/data/table.ts";
import { formula } from "../../lib/spec/formula.ts";
import { normal, studentT } from "../../lib/spec/priors.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { CompiledModel } from "../../lib/model/compiled_model.ts";
import { categoryLabels, declaredOutcomeOf } from "../../lib/model/ordinal_outcome.ts";
import { unconstrainedFromThresholds } from "../../lib/families/ordered_thresholds.ts";
import { logGamma } from "../../lib/math/special.ts";

const LEVELS = ["low", "mid", "high", "top"];
const ROWS = ["mid", "low", "high", "top", "mid", "high", "low", "top", "high", "mid"];
const table = makeTable({
  y: {
    kind: "factor",
    // R's alphabetical order, not the scale's.
    codes: Int32Array.from(ROWS.map((v) => ["high", "low", "mid", "top"].indexOf(v))),
    levels: ["high", "low", "mid", "top"],
  },
  x: { kind: "number", values: Float64Array.from(ROWS.map((_, i) => (i % 3) - 1)) },
});
const model = (levels = LEVELS) => formula("y ~ 1 + x", table, { family: "cumulative", levels });

Deno.test("compile: declared levels give K, the labels and categories in declared order", () => {
  const data = compileModel(model().toJSON(), table);
  assert.equal(data.thresholds?.count, 3);
  assert.deepEqual(categoryLabels(data.thresholds!), LEVELS);
  // Without a declaration the labels are the integers.
  const ints = makeTable({ y: { kind: "number", values: Float64Array.of(1, 2, 3, 1) } });
  const plain = compileModel(formula("y ~ 1", ints, { family: "cumulative" }).toJSON(), ints);
  assert.deepEqual(categoryLabels(plain.thresholds!), ["1", "2", "3"]);
});

Deno.test("compile: an unused declared level is dropped (K from the observed ones) and warned", () => {
  const data = compileModel(model(["low", "mid", "very high", "high", "top"]).toJSON(), table);
  assert.equal(data.thresholds?.count, 3);
  assert.deepEqual(categoryLabels(data.thresholds!), LEVELS);
  assert.ok(
    data.warnings?.some((w) => /"very high" never observed, dropped as brms does/.test(w)),
    String(data.warnings),
  );
});

Deno.test("compile: a text outcome without levels is refused with the advice to declare them", () => {
  assert.throws(
    () => compileModel(formula("y ~ 1 + x", table, { family: "cumulative" }).toJSON(), table),
    (e) => e instanceof HetfxError && /declare their order with `levels/.test(e.message),
  );
  assert.throws(
    () => compileModel(model(["low", "mid", "high"]).toJSON(), table),
    (e) =>
      e instanceof HetfxError &&
      /has "top" in row 4, which is not one of its declared/.test(e.message),
  );
});

Deno.test("compile: Intercept[k] sets threshold k only; a threshold beyond K − 1 is refused", () => {
  const spec = model().priors({ Intercept: normal(0, 5), "Intercept[2]": normal(1, 0.1) }).toJSON();
  const priors = compileModel(spec, table).thresholds!.priors;
  assert.deepEqual(priors, [normal(0, 5), normal(1, 0.1), normal(0, 5)]);
  assert.throws(
    () => compileModel(model().priors({ "Intercept[4]": normal(0, 1) }).toJSON(), table),
    (e) =>
      e instanceof HetfxError &&
      e.message.includes(
        'prior "Intercept[4]" names threshold 4, but outcome "y" has 4 ' +
          "categories, so thresholds 1…3",
      ),
  );
});

/** Full log densities, written independently of lib/model/prior_density.ts. */
const logNormal = (x: number, mu: number, s: number) =>
  -0.5 * ((x - mu) / s) ** 2 - Math.log(s * Math.sqrt(2 * Math.PI));
const logStudent = (x: number, df: number, mu: number, s: number) =>
  logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI) - Math.log(s) -
  (df + 1) / 2 * Math.log(1 + ((x - mu) / s) ** 2 / df);

Deno.test("log density: per-threshold priors add Σ_k log p_k(τ_k) to the flat-prior model", () => {
  // The same model with flat thresholds differs only in the thresholds' prior terms, so
  // lp(priors) − lp(flat) − Σ_k log p_k(τ_k) is one constant (the densities' normalising
  // constants, which the model drops) at every θ.
  const withPriors = new CompiledModel(compileModel(
    model().priors({
      Intercept: studentT(3, 0, 2.5),
      "Intercept[1]": normal(-1, 0.5),
      "Intercept[3]": normal(2, 0.25),
    }).toJSON(),
    table,
  ));
  const flatData = compileModel(
    model().priors({ Intercept: { dist: "flat" } }).toJSON(),
    table,
  );
  const flat = new CompiledModel(flatData);
  const offset = flatData.thresholds!.offset;
  const direct = (tau: number[]) =>
    logNormal(tau[0], -1, 0.5) + logStudent(tau[1], 3, 0, 2.5) + logNormal(tau[2], 2, 0.25);
  const gap = (tau: number[]) => {
    const theta = new Float64Array(flatData.dim).fill(0.1);
    theta.set(unconstrainedFromThresholds(tau), offset);
    const g = new Float64Array(flatData.dim);
    return withPriors.logDensityGradient(theta, g) - flat.logDensityGradient(theta, g) -
      direct(tau);
  };
  const reference = gap([-1.2, 0.4, 1.9]);
  for (const tau of [[-0.3, 0.2, 2.5], [-2, -1.5, 0.5], [0.1, 3, 3.2]]) {
    assert.ok(Math.abs(gap(tau) - reference) < 1e-9, `${tau}: ${gap(tau)} vs ${reference}`);
  }
});

Deno.test("declaredOutcomeOf: none without levels; aggregated data refused with what to do", () => {
  const spec = model().toJSON();
  assert.equal(declaredOutcomeOf({ ...spec, outcomeLevels: undefined }, table, false), null);
  assert.deepEqual(declaredOutcomeOf(spec, table, false)?.labels, LEVELS);
  assert.throws(
    () => declaredOutcomeOf(spec, table, true),
    (e) => e instanceof HetfxError && /code "y" as the integers 1…K in the query/.test(e.message),
  );
});
