/**
 * Also covers: families/ordinal_links.ts.
 * The cumulative family (logit and probit links): pattern log-likelihood against a row-by-row
 * sum of independently written category probabilities, its gradient (η and the unconstrained
 * thresholds) against central finite differences, E[y] and category probabilities, predictive
 * draws, the outcome checks and the finite tails of the links.
 */
import assert from "node:assert/strict";
import { cumulative, cumulativeProbit } from "../../lib/families/cumulative.ts";
import { LOGIT_LINK, PROBIT_LINK } from "../../lib/families/ordinal_links.ts";
import { thresholdsFromUnconstrained } from "../../lib/families/ordered_thresholds.ts";
import type { Family } from "../../lib/families/family.ts";
import { statsOf } from "./_family_checks.ts";
import { KeyedStream } from "../../lib/math/rng.ts";
import { HetfxError } from "../../lib/errors.ts";
import { makeTable } from "../../lib/data/table.ts";
import { formula } from "../../lib/spec/formula.ts";
import { compileModel } from "../../lib/model/compile.ts";

/** Φ(t), t ≤ 0, by Simpson's rule on [t − 12, t] (relative error < 1e-11); Φ(t) = 1 − Φ(−t). */
function simpsonPhi(t: number): number {
  if (t > 0) return 1 - simpsonPhi(-t);
  const a = t - 12, m = 4000, h = 12 / m;
  const f = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
  let sum = f(a) + f(t);
  for (let j = 1; j < m; j++) sum += (j % 2 === 1 ? 4 : 2) * f(a + j * h);
  return sum * h / 3;
}

const CDF: Record<string, (t: number) => number> = {
  logit: (t) => 1 / (1 + Math.exp(-t)),
  probit: simpsonPhi,
};

/** P(y = k | η, τ) written directly: F(τ_k − η) − F(τ_{k−1} − η), τ_0 = −∞, τ_K = ∞. */
function referenceProbability(link: string, k: number, eta: number, tau: number[]): number {
  const F = CDF[link];
  const upper = k <= tau.length ? F(tau[k - 1] - eta) : 1;
  const lower = k >= 2 ? F(tau[k - 2] - eta) : 0;
  return upper - lower;
}

// Three thresholds (K = 4); patterns are (category, count) at their own η.
const PATTERNS = [{ y: [1, 1] }, { y: [2] }, { y: [3, 3, 3] }, { y: [4] }, { y: [2, 2] }];
const POINTS = [
  { eta: [0.3, -1.2, 0.8, 2.1, 0.0], u: [-0.7, Math.log(0.9), Math.log(1.6)] },
  { eta: [-2.5, 1.7, 3.0, -0.4, 0.9], u: [0.4, Math.log(0.3), Math.log(2.2)] },
];

for (const family of [cumulative, cumulativeProbit]) {
  const name = `cumulative(${family.link})`;
  const stats = statsOf(family, PATTERNS);

  Deno.test(`${name}: pattern log-likelihood is the row-by-row sum of log P(y = k)`, () => {
    for (const { eta, u } of POINTS) {
      const tau = Array.from(thresholdsFromUnconstrained2(u));
      const dEta = new Float64Array(eta.length);
      const lp = family.patternLogLikelihood(
        stats,
        Float64Array.from(eta),
        Float64Array.from(u),
        dEta,
        new Float64Array(u.length),
      );
      let direct = 0;
      PATTERNS.forEach((p, i) => {
        for (const y of p.y) direct += Math.log(referenceProbability(family.link, y, eta[i], tau));
      });
      // The family's likelihood has no dropped constants; Simpson's Φ is good to ~1e-11.
      assert.ok(Math.abs(lp - direct) < 1e-9, `${lp} vs ${direct}`);
    }
  });

  Deno.test(`${name}: gradient in η and in the unconstrained thresholds matches finite differences`, () => {
    const h = 1e-6;
    for (const { eta, u } of POINTS) {
      const f = (e: number[], v: number[]) =>
        family.patternLogLikelihood(
          stats,
          Float64Array.from(e),
          Float64Array.from(v),
          new Float64Array(e.length),
          new Float64Array(v.length),
        );
      const dEta = new Float64Array(eta.length);
      const gU = new Float64Array(u.length);
      family.patternLogLikelihood(stats, Float64Array.from(eta), Float64Array.from(u), dEta, gU);
      // Central differences: O(h²) truncation plus rounding ~|lp|·1e-16/h ≈ 1e-9.
      for (let i = 0; i < eta.length; i++) {
        const plus = eta.map((v, j) => j === i ? v + h : v);
        const minus = eta.map((v, j) => j === i ? v - h : v);
        const fd = (f(plus, u) - f(minus, u)) / (2 * h);
        assert.ok(Math.abs(fd - dEta[i]) < 1e-6, `η[${i}]: ${dEta[i]} vs ${fd}`);
      }
      for (let k = 0; k < u.length; k++) {
        const plus = u.map((v, j) => j === k ? v + h : v);
        const minus = u.map((v, j) => j === k ? v - h : v);
        const fd = (f(eta, plus) - f(eta, minus)) / (2 * h);
        assert.ok(Math.abs(fd - gU[k]) < 1e-6, `u[${k}]: ${gU[k]} vs ${fd}`);
      }
    }
  });

  Deno.test(`${name}: pointwise log-likelihood, E[y] and category probabilities per draw`, () => {
    // Two draws of (η, τ).
    const taus = [[-1, 0.2, 1.5], [-0.3, 0.9, 2.6]];
    const extra = [0, 1, 2].map((k) => Float64Array.of(taus[0][k], taus[1][k]));
    const etas = [0.4, -1.1];
    for (let y = 1; y <= 4; y++) {
      const out = Float64Array.from(etas);
      family.pointwiseLogLikelihood(y, 1, out, extra);
      for (let s = 0; s < 2; s++) {
        const p = referenceProbability(family.link, y, etas[s], taus[s]);
        assert.ok(Math.abs(out[s] - Math.log(p)) < 1e-9);
      }
    }
    const probs = new Float64Array(4);
    for (let s = 0; s < 2; s++) {
      family.categoryProbabilities!(etas[s], extra, s, probs);
      let mean = 0;
      for (let k = 1; k <= 4; k++) {
        assert.ok(
          Math.abs(probs[k - 1] - referenceProbability(family.link, k, etas[s], taus[s])) < 1e-10,
        );
        mean += k * probs[k - 1];
      }
      assert.ok(Math.abs(family.expectedValue(etas[s], 1, extra, s) - mean) < 1e-12);
    }
  });

  Deno.test(`${name}: the mean of predictive draws matches E[y] within Monte Carlo error`, () => {
    const extra = [Float64Array.of(-1), Float64Array.of(0.2), Float64Array.of(1.5)];
    const eta = 0.6;
    const rng = new KeyedStream(3, 0, 0, 0);
    const n = 20000;
    const counts = new Float64Array(5);
    for (let i = 0; i < n; i++) counts[family.predictiveDraw(eta, 1, extra, 0, rng)]++;
    assert.equal(counts[0], 0);
    const probs = new Float64Array(4);
    family.categoryProbabilities!(eta, extra, 0, probs);
    // Each category's frequency within 4.5 binomial standard errors of its probability.
    for (let k = 1; k <= 4; k++) {
      const se = Math.sqrt(probs[k - 1] * (1 - probs[k - 1]) / n);
      assert.ok(Math.abs(counts[k] / n - probs[k - 1]) < 4.5 * se, `category ${k}`);
    }
  });

  Deno.test(`${name}: extreme η keeps the log-likelihood and gradient finite`, () => {
    const s = statsOf(family, [{ y: [1] }, { y: [4] }, { y: [2] }]);
    const dEta = new Float64Array(3);
    const gU = new Float64Array(3);
    const lp = family.patternLogLikelihood(
      s,
      Float64Array.of(60, -60, 45),
      Float64Array.of(-1, 0, 0),
      dEta,
      gU,
    );
    assert.ok(Number.isFinite(lp) && lp < -100, `${lp}`);
    for (const g of [...dEta, ...gU]) assert.ok(Number.isFinite(g));
  });
}

/** τ from u by hand (τ_1 = u_1, τ_k = τ_{k−1} + e^{u_k}), independent of the library's map. */
function thresholdsFromUnconstrained2(u: number[]): number[] {
  const tau = [u[0]];
  for (let k = 1; k < u.length; k++) tau.push(tau[k - 1] + Math.exp(u[k]));
  const check = new Float64Array(u.length);
  thresholdsFromUnconstrained(u, 0, check);
  assert.ok(tau.every((t, k) => Math.abs(t - check[k]) < 1e-14));
  return tau;
}

Deno.test("cumulative: outcomes must be categories 1…K with every category observed", () => {
  const where = { family: "cumulative", outcome: "pref", row: 4 };
  assert.equal(cumulative.checkOutcome(3, NaN, where), null);
  for (const bad of [0, -1, 2.5]) {
    assert.match(
      cumulative.checkOutcome(bad, NaN, where)!,
      new RegExp(`"pref" must be a category 1, 2, …, K .* row 4 has ${bad}`),
    );
  }
  const categories = cumulative.thresholds!.categories;
  assert.equal(categories(Float64Array.of(1, 3, 2, 3), "pref"), 3);
  assert.throws(() => categories(Float64Array.of(1, 4, 2, 4), "pref"), (e: unknown) => {
    assert.ok(e instanceof HetfxError);
    assert.match(e.message, /"pref" takes values up to 4 but never 3; /);
    return true;
  });
  assert.throws(
    () => categories(Float64Array.of(1, 1, 1), "pref"),
    /"pref" has a single category/,
  );
  assert.throws(() => categories(Float64Array.of(2, 2), "pref"), /never 1/);
  // A code far above the categories (a "don't know" 9999, a typo): the message lists the first
  // missing categories and their count (it listed all 9,995), and a code beyond 2³¹ is refused
  // as such (it threw a RangeError from allocating a flag per category).
  assert.throws(
    () => categories(Float64Array.of(1, 2, 3, 9999), "pref"),
    /^HetfxError: Cannot build model: outcome "pref" takes values up to 9999 but never 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, … \(9995 missing in all\); /,
  );
  for (const code of [2 ** 31, 1e12]) {
    assert.throws(
      () => categories(Float64Array.of(1, 2, code), "pref"),
      (e: unknown) => e instanceof HetfxError && /never 3, 4, /.test(e.message),
    );
  }
});

Deno.test("ordinal links: densities are the cdfs' derivatives; tails stay finite", () => {
  for (const link of [LOGIT_LINK, PROBIT_LINK]) {
    for (const x of [-6, -1.3, 0, 0.7, 4]) {
      const h = 1e-5;
      const fd = (link.cdf(x + h) - link.cdf(x - h)) / (2 * h);
      assert.ok(Math.abs(fd - link.density(x)) < 1e-9, `${link.name} at ${x}`);
      assert.ok(Math.abs(link.logCdf(x) - Math.log(link.cdf(x))) < 1e-12);
      assert.ok(Math.abs(link.densityOverCdf(x) - link.density(x) / link.cdf(x)) < 1e-10);
    }
    // Far in the lower tail log F is finite and decreasing, f/F positive.
    const far = [-50, -100, -200].map(link.logCdf);
    assert.ok(far.every(Number.isFinite) && far[0] > far[1] && far[1] > far[2]);
    assert.ok(link.densityOverCdf(-200) > 0);
  }
  // The probit tail's asymptotic log Φ joins the direct one at the switch (−37).
  assert.ok(Math.abs(PROBIT_LINK.logCdf(-36.999) - PROBIT_LINK.logCdf(-37.001)) < 0.1);
});

Deno.test("cumulative: names, brms spelling, and no parameters besides the thresholds", () => {
  for (const f of [cumulative, cumulativeProbit] as Family[]) {
    assert.equal(f.name, "cumulative");
    assert.equal(f.brms, "cumulative");
    assert.deepStrictEqual(f.parameters, []);
    assert.ok(f.discrete && f.patternsKeepOutcome && !f.collapsible);
    // WGSL: one threshold partial per threshold (tests/webgpu/gpu_model_test.ts checks its values).
    assert.equal(typeof f.wgsl?.extraPartials === "function" && f.wgsl.extraPartials(4), 4);
    assert.ok(f.wgsl?.thresholdExtras);
  }
});

Deno.test("cumulative: compiling refuses gaps, non-integers and a single category by name", () => {
  const build = (values: number[]) => {
    const t = makeTable({
      pref: { kind: "number", values: Float64Array.from(values) },
      x: { kind: "number", values: Float64Array.from(values, (_, i) => i % 2) },
    });
    return compileModel(formula("pref ~ 1 + x", t, { family: "cumulative" }).toJSON(), t);
  };
  assert.equal(build([1, 2, 3, 2, 1]).thresholds?.count, 2);
  assert.throws(() => build([1, 2, 5, 2]), /"pref" takes values up to 5 but never 3, 4/);
  assert.throws(
    () => build([1, 2, 2.5, 2]),
    /"pref" must be a category 1, 2, …, K .* row 3 has 2.5/,
  );
  assert.throws(() => build([1, 1, 1]), /single category/);
  assert.throws(() => build([0, 1, 2]), /row 1 has 0/);
});
