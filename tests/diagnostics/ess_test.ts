import assert from "node:assert/strict";
import {
  essBasic,
  essBulk,
  essMean,
  essOfChains,
  essQuantile,
  essSd,
  essTail,
} from "../../lib/diagnostics/ess.ts";
import { autocovariance } from "../../lib/diagnostics/autocovariance.ts";
import { HetfxError } from "../../lib/errors.ts";
import {
  ar1Chains,
  assertClose,
  bernLp,
  bernTheta,
  iidChains,
  normalGenerator,
} from "./_helpers.ts";

// Reference values: stan-dev/stan src/test/unit/analyze/mcmc/split_rank_normalized_ess_test.cpp
// and ess_basic_test.cpp (computed with the R package posterior), on bern1..4.csv.

Deno.test("bulk-, tail- and basic ESS match posterior on Stan's bernoulli draws (theta)", () => {
  const theta = bernTheta();
  assertClose(essBulk(theta), 1407.5124, 5e-4, "ess_bulk theta");
  assertClose(essTail(theta), 1291.7131, 5e-4, "ess_tail theta");
  assertClose(essBasic(theta, { split: false }), 1377.503, 5e-4, "ess_basic theta");
});

Deno.test("bulk-, tail- and basic ESS match posterior on lp__ rebuilt from theta (2 decimals)", () => {
  const lp = bernLp(bernTheta());
  assertClose(essBulk(lp), 1512.7684, 5e-3, "ess_bulk lp__");
  assertClose(essTail(lp), 1591.9707, 5e-3, "ess_tail lp__");
  assertClose(essBasic(lp, { split: false }), 1335.4137, 5e-3, "ess_basic lp__");
});

Deno.test("autocovariance equals the direct biased sum Σ(xᵢ − x̄)(xᵢ₊ₜ − x̄)/n", () => {
  const z = normalGenerator(3);
  for (const n of [1, 2, 7, 100, 257]) {
    const x = Float64Array.from({ length: n }, () => z());
    const ac = autocovariance(x);
    const m = x.reduce((a, b) => a + b, 0) / n;
    for (let t = 0; t < n; t++) {
      let s = 0;
      for (let i = 0; i + t < n; i++) s += (x[i] - m) * (x[i + t] - m);
      assertClose(ac[t], s / n, 1e-12, `n=${n} lag ${t}`);
    }
  }
});

Deno.test("iid normal draws: bulk- and tail-ESS ≈ S", () => {
  // Over 100 seeds essBulk/S of 4 × 1000 iid draws had mean 0.99, sd 0.045; essTail/S mean 0.96,
  // sd 0.038. ±20% is over 4 sd: a different seed fails with probability < 1e-4.
  const chains = iidChains(21, 4, 1000);
  const s = 4000;
  assertClose(essBulk(chains) / s, 1, 0.2, "ess_bulk / S");
  assertClose(essTail(chains) / s, 1, 0.2, "ess_tail / S");
  assertClose(essMean(chains) / s, 1, 0.2, "ess_mean / S");
  assertClose(essSd(chains) / s, 1, 0.25, "ess_sd / S");
});

Deno.test("AR(1) chains with ρ = 0.9: ESS ≈ S(1 − ρ)/(1 + ρ)", () => {
  // 4 × 20000 draws; truth 80000/19 ≈ 4211. At 4 × 5000 draws the ratio over 100 seeds had
  // sd 0.084, so at 4 × 20000 about 0.042; ±20% is near 5 sd.
  const rho = 0.9;
  const chains = ar1Chains(22, 4, 20000, rho);
  const truth = (80000 * (1 - rho)) / (1 + rho);
  assertClose(essMean(chains) / truth, 1, 0.2, "ess_mean / truth");
  assertClose(essBulk(chains) / truth, 1, 0.2, "ess_bulk / truth");
  assertClose(essBasic(chains, { split: false }) / truth, 1, 0.2, "unsplit / truth");
});

Deno.test("antithetic chains: ESS may exceed S but never S·log10(S)", () => {
  const chains = ar1Chains(23, 4, 1000, -0.6);
  const e = essMean(chains);
  assert.ok(e > 4000, `antithetic ESS ${e}`);
  assert.ok(e <= 4000 * Math.log10(4000) + 1e-9);
});

Deno.test("quantile ESS: argument checks and NaN cases", () => {
  const chains = iidChains(24, 2, 100);
  assert.throws(() => essQuantile(chains, 1.5), HetfxError);
  assert.ok(essQuantile(chains, 1) > 0);
  assert.ok(Number.isNaN(essBulk([new Float64Array(10).fill(2)])));
  assert.ok(Number.isNaN(essBasic([new Float64Array([1, 2, 3, 4, 5])]))); // 2 draws per half
  const withNaN = iidChains(25, 2, 50);
  withNaN[1][7] = NaN;
  assert.ok(Number.isNaN(essTail(withNaN)));
});

Deno.test("essOfChains: lags summed directly give the FFT's ESS up to rounding, whichever path", () => {
  // Few lags (iid, ρ 0.5), tens (ρ 0.9), past the direct limit (ρ 0.995: the FFT either way),
  // antithetic, short chains (n < 16 lags), and 0/1 indicator chains as tail-ESS makes them.
  const cases: [string, Float64Array[]][] = [
    ["iid", iidChains(31, 8, 500)],
    ["ρ 0.5", ar1Chains(32, 8, 500, 0.5)],
    ["ρ 0.9", ar1Chains(33, 8, 500, 0.9)],
    ["ρ 0.995", ar1Chains(34, 4, 2000, 0.995)],
    ["antithetic", ar1Chains(35, 4, 500, -0.6)],
    ["short", ar1Chains(36, 4, 9, 0.3)],
    ["indicator", ar1Chains(37, 8, 500, 0.7).map((x) => x.map((v) => (v <= -1.6 ? 1 : 0)))],
  ];
  for (const [name, chains] of cases) {
    const fft = essOfChains(chains, 0);
    assertClose(essOfChains(chains) / fft, 1, 1e-10, name);
  }
});
