/**
 * The outcome checks families run before sampling (lib/families/outcome_variation.ts): each
 * refusal has a near miss that passes, and every registered family refuses a constant outcome.
 */
import assert from "node:assert/strict";
import {
  continuousVariation,
  continuousVariationFromMoments,
  countVariation,
  eventVariation,
} from "../../lib/families/outcome_variation.ts";
import { FAMILY_LIST } from "../../lib/families/mod.ts";
import { HetfxError } from "../../lib/errors.ts";

const refused = (f: () => unknown, words: string) =>
  assert.throws(f, (e) => e instanceof HetfxError && e.message.includes(words));

Deno.test("eventVariation: all events or none refused; trials set what all events means", () => {
  refused(() => eventVariation("bernoulli", "y", Float64Array.of(0, 0, 0), null), "0 (no event)");
  refused(() => eventVariation("bernoulli", "y", Float64Array.of(1, 1), null), "an event");
  refused(
    () => eventVariation("binomial", "k", Float64Array.of(3, 5), Float64Array.of(3, 5)),
    '"k"',
  );
  assert.deepEqual(eventVariation("bernoulli", "y", Float64Array.of(0, 1), null), []);
  assert.deepEqual(
    eventVariation("binomial", "k", Float64Array.of(3, 4), Float64Array.of(3, 5)),
    [],
  );
});

Deno.test("countVariation: all zero refused, above 1e8 refused, above 1e6 warned", () => {
  refused(() => countVariation("poisson", "n", Float64Array.of(0, 0)), "zero rate");
  refused(() => countVariation("poisson", "n", Float64Array.of(1, 2e8)), "counts up to");
  assert.equal(countVariation("poisson", "n", Float64Array.of(1, 2e6)).length, 1);
  assert.deepEqual(countVariation("poisson", "n", Float64Array.of(0, 1e6)), []);
});

Deno.test("continuousVariation: constant, sub-precision and extreme scales refused; 1e7 warned", () => {
  refused(() => continuousVariation("y", Float64Array.of(2, 2, 2)), "same value");
  refused(() => continuousVariation("y", Float64Array.of(1e6, 1e6 + 1e-5)), "float64 precision");
  refused(() => continuousVariation("y", Float64Array.of(0, 1e11, -1e11)), "cannot");
  assert.equal(continuousVariation("y", Float64Array.of(0, 1e7, -1e7)).length, 1);
  assert.deepEqual(continuousVariation("y", Float64Array.of(0, 1e5, -1e5)), []);
});

Deno.test("continuousVariation: an outcome far from 0 relative to its spread is warned of", () => {
  // y ≈ 1e4 ± 0.8 (sd 1e-4 of the mean): NUTS's start never reached the intercept there
  // (method "nuts": R-hat 4, b_treat −186 for 0.49) and at 1e8 the collapsed fit's Gaussian
  // sums Σy² − (Σy)²/n cancel (sigma 1.10 for 0.69), without a word on the cause.
  const far = Float64Array.from({ length: 50 }, (_, i) => 1e4 + 0.05 * (i - 24.5));
  const warnings = continuousVariation("y", far);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /"y" varies by only .* around 10000.*subtract a constant/);
  const [n, sum, squares] = [
    far.length,
    far.reduce((a, b) => a + b),
    far.reduce((a, b) => a + b * b, 0),
  ];
  assert.equal(continuousVariationFromMoments("y", n, sum, squares).length, 1);
  // 1e3 ± 0.7 (sd 7e-4 of the mean) samples well: no warning.
  assert.deepEqual(continuousVariation("y", far.map((v) => v - 9e3)), []);
});

Deno.test("every family refuses a constant outcome and names the column", () => {
  for (const f of FAMILY_LIST) {
    const y = Float64Array.of(f.discrete ? 0 : 2.5, f.discrete ? 0 : 2.5);
    const trials = f.needsTrials ? Float64Array.of(4, 4) : null;
    refused(() => f.checkVariation("outcome_col", y, trials), '"outcome_col"');
  }
});
