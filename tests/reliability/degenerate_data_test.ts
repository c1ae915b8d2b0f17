/**
 * Also covers: model/degenerate_data.ts.
 * Degenerate data are diagnosed before sampling (issue 23): an outcome without variation, on a
 * scale float64 cannot resolve, huge Poisson counts, and perfect separation in bernoulli /
 * binomial models are refused (or warned of when the model is still proper), naming the column
 * and the fix. Each case has a near miss that must pass without a complaint.
 */
import assert from "node:assert/strict";
import { makeTable, type Table } from "../../lib/data/table.ts";
import { formula, type FormulaOptions } from "../../lib/spec/formula.ts";
import { normal } from "../../lib/spec/priors.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { fitModel } from "../../lib/fit/mod.ts";
import { seeded } from "../_seeded.ts";
import { assertHetfx } from "./_helpers.ts";

const u = seeded(4);
const N = 60;
const x = Float64Array.from({ length: N }, () => u() * 2 - 1);
const noise = Float64Array.from({ length: N }, () => u() - 0.5);
const treat = Float64Array.from({ length: N }, (_, i) => i % 2);

function table(y: ArrayLike<number>, extra: Record<string, Float64Array> = {}): Table {
  const columns: Parameters<typeof makeTable>[0] = {
    y: { kind: "number", values: Float64Array.from(y) },
    x: { kind: "number", values: x },
    treat: { kind: "number", values: treat },
    f: {
      kind: "factor",
      codes: Int32Array.from({ length: N }, (_, i) => i % 3),
      levels: ["a", "b", "c"],
    },
  };
  for (const [k, v] of Object.entries(extra)) columns[k] = { kind: "number", values: v };
  return makeTable(columns);
}

function warningsOf(t: Table, text: string, options: FormulaOptions = {}): string[] {
  return compileModel(formula(text, t, options).toJSON(), t).warnings ?? [];
}

Deno.test("degenerate: compileModel's internal allowDegenerateOutcome (SBC only) compiles a constant outcome", () => {
  const t = table(new Float64Array(N).fill(3.5));
  const spec = formula("y ~ x", t).toJSON();
  assert.throws(() => compileModel(spec, t), /no variation to model/);
  assert.equal(compileModel(spec, t, { allowDegenerateOutcome: true }).nRows, N);
});

Deno.test("degenerate: a constant outcome is refused before sampling", async () => {
  const t = table(new Float64Array(N).fill(3.5));
  await assertHetfx(() => warningsOf(t, "y ~ x"), /outcome "y" has the same value \(3.5\)/);
  // fitModel refuses in the same way, without sampling.
  await assertHetfx(
    () => fitModel(formula("y ~ x", t).toJSON(), t, { progress: false }),
    /no variation to model/,
  );
  await assertHetfx(
    () => warningsOf(table(new Float64Array(N).fill(1)), "y ~ x", { family: "bernoulli" }),
    /is an event in every row/,
  );
  for (const family of ["poisson", "negbinomial"] as const) {
    await assertHetfx(
      () => warningsOf(table(new Float64Array(N)), "y ~ x", { family }),
      new RegExp(`is 0 in every row, so the ${family} model`),
    );
  }
  const trials = new Float64Array(N).fill(4);
  await assertHetfx(
    () => warningsOf(table(trials, { n: trials }), "y | trials(n) ~ x", { family: "binomial" }),
    /is an event in every row/,
  );
});

Deno.test("degenerate: outcome scales float64 cannot resolve say 'rescale y'", async () => {
  // Variance 1e-24 around 5: below float64 precision relative to the mean.
  await assertHetfx(
    () => warningsOf(table(Array.from(noise, (e) => 5 + 1e-12 * e)), "y ~ x"),
    /varies by only .* around 5/,
    /subtract a constant/,
  );
  // Variance 1e-24 around 0: an absolute scale problem.
  await assertHetfx(
    () => warningsOf(table(Array.from(noise, (e) => 1e-12 * e)), "y ~ x"),
    /rescale y: model "y" multiplied by 1e13/,
  );
  // Scaled by 1e12.
  await assertHetfx(
    () => warningsOf(table(Array.from(noise, (e, i) => 1e12 * (x[i] + e))), "y ~ x"),
    /rescale y: model "y" divided by 1e12/,
  );
  // 1e7: allowed, with a warning; 1e3: nothing to say.
  const big = warningsOf(table(Array.from(noise, (e, i) => 1e7 * (x[i] + e))), "y ~ x");
  assert.ok(big.some((w) => /sd .*rescale y/.test(w)), big.join("\n"));
  const fine = warningsOf(table(Array.from(noise, (e, i) => 1e3 * (x[i] + e))), "y ~ x");
  assert.ok(!fine.some((w) => /rescale/.test(w)), fine.join("\n"));
});

Deno.test("degenerate: huge Poisson counts are refused or warned of", async () => {
  const counts = (scale: number) => Array.from(x, (v) => Math.round(scale * (2 + v)));
  await assertHetfx(
    () => warningsOf(table(counts(2.5e8)), "y ~ x", { family: "poisson" }),
    /counts up to 7\d{8}:/,
    /model a rate/,
  );
  const w = warningsOf(table(counts(1e6)), "y ~ x", { family: "poisson" });
  assert.ok(w.some((m) => /counts up to/.test(m)), w.join("\n"));
  const ok = warningsOf(table(counts(100)), "y ~ x", { family: "poisson" });
  assert.ok(!ok.some((m) => /counts up to/.test(m)), ok.join("\n"));
});

Deno.test("degenerate: perfect separation in bernoulli names the predictor", async () => {
  const bern = { family: "bernoulli" as const };
  // The treatment: every treated row has the event.
  const byTreat = table(Array.from(treat, (t, i) => (t === 1 ? 1 : i % 4 === 0 ? 1 : 0)));
  await assertHetfx(
    () => warningsOf(byTreat, "y ~ treat", bern),
    /predictor "treat" separates the outcome "y": every row where it is 1 has the event/,
    /b\[treat\] ~ normal\(0, 2.5\)/,
  );
  // With a proper prior the model is proper: a warning, not a refusal.
  const spec = formula("y ~ treat", byTreat, bern).prior("b", normal(0, 2.5)).toJSON();
  const warned = compileModel(spec, byTreat).warnings ?? [];
  assert.ok(warned.some((w) => /"treat" separates/.test(w)), warned.join("\n"));
  // A continuous predictor with a threshold.
  await assertHetfx(
    () => warningsOf(table(Array.from(x, (v) => (v > 0.1 ? 1 : 0))), "y ~ x", bern),
    /predictor "x" separates .*above/,
  );
  // A factor level whose rows are all non-events.
  const byLevel = table(Array.from({ length: N }, (_, i) => (i % 3 === 2 ? 0 : (i >> 1) % 2)));
  await assertHetfx(() => warningsOf(byLevel, "y ~ f", bern), /predictor "fc" separates/);
  // Overlapping data: no complaint.
  const mixed = table(Array.from(x, (v, i) => (v + noise[i] > 0 ? 1 : 0)));
  const none = warningsOf(mixed, "y ~ x + treat + f", bern);
  assert.ok(!none.some((w) => /separates/.test(w)), none.join("\n"));
});
