/**
 * Also covers: spec/term_coding.ts.
 * The design matrix is the one the formula says, coded as R's model.matrix codes it and named as
 * brms names it (issue 23): `0 +` keeps every level of the first factor, an interaction without
 * its main effect gets one column per level, and coefficient names that would coincide are
 * refused. Recovery tests fit simulated data with known coefficients (fixed seeds); each
 * tolerance is 4 posterior sds (plus the Monte Carlo error of the mean, far smaller with these
 * draws), so a correct sampler fails with probability well under 1e-3 per check.
 */
import assert from "node:assert/strict";
import { makeTable, type Table } from "../../lib/data/table.ts";
import { formula } from "../../lib/spec/formula.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { coefficientNames } from "../../lib/spec/validate.ts";
import { seeded } from "../_seeded.ts";
import { assertHetfx } from "./_helpers.ts";

function factor(labels: string[]): { kind: "factor"; codes: Int32Array; levels: string[] } {
  const levels = [...new Set(labels)];
  return { kind: "factor", codes: Int32Array.from(labels.map((l) => levels.indexOf(l))), levels };
}

function num(values: number[]) {
  return { kind: "number" as const, values: Float64Array.from(values) };
}

/** Box–Muller normal from the seeded uniform. */
function normal(u: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** y = mu[f1] + 0.5 treat + slope[f1] x + 0.3 N(0, 1), f1 ∈ {a, b, c}; 300 rows. */
function simulated(seed: number): Table {
  const u = seeded(seed);
  const mu: Record<string, number> = { a: 1, b: 3, c: -2 };
  const slope: Record<string, number> = { a: 0.8, b: -0.5, c: 1.5 };
  const f1: string[] = [];
  const treat: number[] = [];
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < 300; i++) {
    const level = "abc"[i % 3];
    const t = u() < 0.5 ? 1 : 0;
    const xi = normal(u);
    f1.push(level), treat.push(t), x.push(xi);
    y.push(mu[level] + 0.5 * t + slope[level] * xi + 0.3 * normal(u));
  }
  return makeTable({ y: num(y), f1: factor(f1), treat: num(treat), x: num(x) });
}

function namesOf(text: string, table: Table): string[] {
  return compileModel(formula(text, table).toJSON(), table).fixedNames;
}

const table = simulated(23);

Deno.test("design: 0 + f gives f every level; a second factor gets contrasts (R)", () => {
  const t = makeTable({
    y: num([1, 2, 3, 4, 5, 6]),
    f1: factor(["a", "b", "c", "a", "b", "c"]),
    f2: factor(["u", "v", "u", "v", "u", "v"]),
    x: num([0.1, 0.5, 0.2, 0.9, 0.4, 0.3]),
  });
  assert.deepEqual(namesOf("y ~ 0 + f1 + f2", t), ["f1a", "f1b", "f1c", "f2v"]);
  assert.deepEqual(namesOf("y ~ f1 + f2", t), ["f1b", "f1c", "f2v"]);
  // A numeric first term: the first factor term is still the one with all levels.
  assert.deepEqual(namesOf("y ~ 0 + x + f1", t), ["x", "f1a", "f1b", "f1c"]);
});

Deno.test("design: an interaction without its main effect gets R's columns", () => {
  // f1:x alone: one slope per level of f1; with x present: contrasts of f1 (R writes the
  // term's variables in order of first appearance in the formula, hence x:f1b).
  assert.deepEqual(namesOf("y ~ f1:x", table), ["f1a:x", "f1b:x", "f1c:x"]);
  assert.deepEqual(namesOf("y ~ x + f1:x", table), ["x", "x:f1b", "x:f1c"]);
  assert.deepEqual(namesOf("y ~ f1 + x + f1:x", table), ["f1b", "f1c", "x", "f1b:x", "f1c:x"]);
  // Factor × factor: the first factor varies fastest, as in R's column order.
  const t = makeTable({
    f: factor(["a", "b", "a", "b"]),
    g: factor(["u", "u", "v", "v"]),
    x: num([1, 2, 3, 4]),
  });
  assert.deepEqual(coefficientNames(t, "f:g", ["f", "g", "f:g"]), ["fb:gv"]);
  // f + f:g (R's nesting f/g): g within each level of f, so f by indicators, g by contrasts.
  assert.deepEqual(coefficientNames(t, "f:g", ["f", "f:g"]), ["fa:gv", "fb:gv"]);
  assert.deepEqual(coefficientNames(t, "f:x:g", ["x", "f:x:g"]), [
    "fa:x:gu",
    "fb:x:gu",
    "fa:x:gv",
    "fb:x:gv",
  ]);
});

Deno.test("design: coefficient names that would coincide are refused, naming both", async () => {
  // "+" and "-" are spelt P and M (brms), so these two stay distinct...
  const plusMinus = makeTable({
    y: num([1, 2, 3, 4, 5, 6]),
    f: factor(["a", "b+c", "b-c", "a", "b+c", "b-c"]),
  });
  assert.deepEqual(namesOf("y ~ f", plusMinus), ["fbPc", "fbMc"]);
  // ...but a space is removed, so "b c" and "bc" would merge.
  const spaced = makeTable({
    y: num([1, 2, 3, 4, 5, 6]),
    f: factor(["a", "b c", "bc", "a", "b c", "bc"]),
  });
  await assertHetfx(
    () => namesOf("y ~ f", spaced),
    /levels "b c" and "bc" of factor "f" would both be named "fbc"/,
    /rename one of the levels/,
  );
  // Merging across columns: numeric "f1" and level "1" of factor "f".
  const across = makeTable({
    y: num([1, 2, 3, 4, 5, 6]),
    f: factor(["0", "1", "0", "1", "0", "1"]),
    f1: num([0.3, 0.1, 0.4, 0.1, 0.5, 0.9]),
  });
  await assertHetfx(
    () => namesOf("y ~ f + f1", across),
    /two design columns would both be named "f1"/,
    /level "1" of "f"/,
    /column "f1"/,
  );
  // A column named "Intercept" beside the model's intercept: two b_Intercept.
  const named = makeTable({ y: num([1, 2, 3, 4, 5, 6]), Intercept: num([3, 1, 4, 1, 5, 9]) });
  await assertHetfx(
    () => namesOf("y ~ Intercept", named),
    /two design columns would both be named "Intercept"/,
    /the intercept and column "Intercept"/,
  );
  assert.deepEqual(namesOf("y ~ 0 + Intercept", named), ["Intercept"]);
});

function within(fitMean: number, sd: number, truth: number, what: string): void {
  assert.ok(
    Math.abs(fitMean - truth) < 4 * sd,
    `${what}: posterior mean ${fitMean} (sd ${sd}) is not within 4 sd of the truth ${truth}`,
  );
}

Deno.test("design: y ~ 0 + f1 + treat recovers every level mean and the treatment", async () => {
  const fit = await formula("y ~ 0 + f1 + treat + f1:x", table).fit({
    chains: 2,
    warmup: 300,
    draws: 300,
    seed: 5,
    progress: false,
  });
  const summary = new Map(fit.summary().map((p) => [p.name, p]));
  const truths: Record<string, number> = {
    b_f1a: 1,
    b_f1b: 3,
    b_f1c: -2,
    b_treat: 0.5,
    "b_f1a:x": 0.8,
    "b_f1b:x": -0.5,
    "b_f1c:x": 1.5,
  };
  for (const [name, truth] of Object.entries(truths)) {
    const p = summary.get(name);
    assert.ok(p, `no parameter ${name} in ${[...summary.keys()].join(", ")}`);
    within(p.mean, p.sd, truth, name);
  }
});
