/**
 * The outcome checks families run before sampling (lib/families/outcome_variation.ts): each
 * refusal has a near miss that passes, and every registered family refuses a constant outcome.
 */
import assert from "node:assert/strict";
import {
  continuousVariation,
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

Deno.test("every family refuses a constant outcome and names the column", () => {
  for (const f of FAMILY_LIST) {
    const y = Float64Array.of(f.discrete ? 0 : 2.5, f.discrete ? 0 : 2.5);
    const trials = f.needsTrials ? Float64Array.of(4, 4) : null;
    refused(() => f.checkVariation("outcome_col", y, trials), '"outcome_col"');
  }
});
