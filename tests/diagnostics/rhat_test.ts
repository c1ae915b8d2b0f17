import assert from "node:assert/strict";
import { rhat, rhatBasic, rhatParts } from "../../lib/diagnostics/rhat.ts";
import { HetfxError } from "../../lib/errors.ts";
import { ar1Chains, assertClose, bernLp, bernTheta, iidChains } from "./_helpers.ts";

// Reference values: stan-dev/stan src/test/unit/analyze/mcmc/split_rank_normalized_rhat_test.cpp
// and rhat_basic_test.cpp ("test against R implementation in pkg posterior"), on bern1..4.csv.

Deno.test("rank-normalised R-hat matches posterior on Stan's bernoulli draws (theta)", () => {
  const theta = bernTheta();
  assertClose(rhat(theta), 1.0067897, 5e-8, "rhat theta");
  assertClose(rhatBasic(theta, { split: false }), 1.0029197, 5e-8, "basic rhat theta");
});

Deno.test("rank-normalised R-hat matches posterior on lp__ rebuilt from theta", () => {
  const lp = bernLp(bernTheta());
  assertClose(rhat(lp), 1.0007301, 5e-6, "rhat lp__");
  assertClose(rhatBasic(lp, { split: false }), 1.0001296, 5e-6, "basic rhat lp__");
});

Deno.test("iid normal chains: R-hat ≈ 1", () => {
  // Over 100 seeds R-hat of 4 × 1000 iid draws had mean 1.0002, sd 0.0005, max 1.0020.
  const chains = iidChains(11, 4, 1000);
  const r = rhat(chains);
  assert.ok(r > 0.995 && r < 1.005, `rhat ${r}`);
  assert.ok(Math.abs(rhatBasic(chains) - 1) < 0.005);
});

Deno.test("chains with shifted means: R-hat ≫ 1.01", () => {
  const chains = iidChains(12, 4, 1000);
  chains[3] = chains[3].map((v) => v + 2);
  assert.ok(rhat(chains) > 1.1, `rhat ${rhat(chains)}`);
  assert.ok(rhatBasic(chains) > 1.1);
});

Deno.test("one chain with a different scale: only the folded (tail) R-hat catches it", () => {
  const chains = iidChains(13, 4, 1000);
  chains[0] = chains[0].map((v) => 3 * v);
  const { bulk, tail } = rhatParts(chains);
  assert.ok(bulk < 1.01, `bulk ${bulk}`);
  assert.ok(tail > 1.05, `tail ${tail}`);
  assert.equal(rhat(chains), tail);
  assert.ok(rhatBasic(chains) < 1.01, "classic R-hat misses a scale difference");
});

Deno.test("a chain stuck in a trend shows up in split R-hat", () => {
  const chains = ar1Chains(14, 4, 1000, 0.5);
  chains[1] = chains[1].map((v, i) => v + (3 * i) / 1000);
  assert.ok(rhatBasic(chains) > 1.05);
  assert.ok(rhatBasic(chains, { split: false }) < rhatBasic(chains));
});

Deno.test("constant or non-finite draws give NaN, as posterior's NA", () => {
  const constant = [new Float64Array(10).fill(1), new Float64Array(10).fill(1)];
  assert.ok(Number.isNaN(rhat(constant)));
  assert.ok(Number.isNaN(rhatBasic(constant)));
  const withInf = iidChains(15, 2, 10);
  withInf[0][3] = Infinity;
  assert.ok(Number.isNaN(rhat(withInf)));
  assert.throws(() => rhat([new Float64Array(3), new Float64Array(4)]), HetfxError);
  assert.throws(() => rhat([]), HetfxError);
});
