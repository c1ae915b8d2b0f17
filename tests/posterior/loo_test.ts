/**
 * PSIS-LOO against exact leave-one-out on a conjugate normal model with known variance:
 * yᵢ ~ N(μ, 1), μ ~ N(0, 10²); the posterior without yᵢ is N(m₋ᵢ, 1/τ₋ᵢ), so
 * p(yᵢ | y₋ᵢ) = N(yᵢ | m₋ᵢ, 1 + 1/τ₋ᵢ) in closed form. Draws of μ are exact (4,000 iid normals
 * from the counter RNG), so the only error is importance sampling's. Observed |error| over 5 seeds
 * ≤ 0.033 on elpd ≈ −40 (n = 20, one outlier); tolerance 0.1 (≈ 3× that).
 */
import assert from "node:assert/strict";
import {
  gpdFit,
  logLikelihood,
  looCompare,
  psisLoo,
  relativeEfficiencies,
} from "../../lib/posterior/loo.ts";
import { KeyedStream } from "../../lib/math/rng.ts";
import { HetfxError } from "../../lib/errors.ts";
import { smallFit, smallTable } from "./_fixtures.ts";
import { withColumn } from "../../lib/data/table.ts";
import { formula } from "../../lib/spec/formula.ts";
import { logGamma } from "../../lib/math/special.ts";
import { normalQuantile } from "../../lib/diagnostics/normal_quantile.ts";
import { normalCdf } from "../../lib/math/normal_cdf.ts";

function conjugate(seed: number, n = 20, S = 4000) {
  const s0 = 10;
  const rng = new KeyedStream(seed, 0, 0, 5);
  const y = Array.from({ length: n }, () => 1 + rng.normal());
  y[0] = 6; // an outlier: the observation with the largest Pareto k
  const sum = y.reduce((a, b) => a + b);
  const tau = 1 / s0 ** 2 + n;
  const mu = Float64Array.from({ length: S }, () => sum / tau + rng.normal() / Math.sqrt(tau));
  const ll = y.map((yi) => mu.map((u) => -0.5 * Math.log(2 * Math.PI) - 0.5 * (yi - u) ** 2));
  const exact = y.map((yi) => {
    const t = 1 / s0 ** 2 + n - 1, m = (sum - yi) / t, v = 1 + 1 / t;
    return -0.5 * Math.log(2 * Math.PI * v) - (0.5 * (yi - m) ** 2) / v;
  });
  return { ll, exact };
}

Deno.test("psisLoo: elpd_loo matches exact leave-one-out on a conjugate normal model", () => {
  for (const seed of [1, 2, 3]) {
    const { ll, exact } = conjugate(seed);
    const r = psisLoo(ll);
    const total = exact.reduce((a, b) => a + b);
    assert.ok(Math.abs(r.elpd_loo - total) < 0.1, `seed ${seed}: ${r.elpd_loo} vs ${total}`);
    // Pointwise: the outlier, the hardest case, within 0.05.
    assert.ok(Math.abs(r.pointwise[0].elpd_loo - exact[0]) < 0.05);
    // p_loo ≈ effective parameters: one mean (≈ 1 plus the outlier's extra influence).
    assert.ok(r.p_loo > 0.8 && r.p_loo < 3, `p_loo ${r.p_loo}`);
    assert.equal(r.pareto_k_counts.good, 20);
    assert.ok(Math.abs(r.looic + 2 * r.elpd_loo) < 1e-9);
  }
});

Deno.test("psisLoo refuses log-likelihoods without draws, ragged, NaN or +Infinity", () => {
  // Each gave an elpd_loo of NaN or −Infinity without a word; R's loo refuses them too.
  const { ll } = conjugate(1, 5, 400);
  const refused = (input: Float64Array[], words: RegExp) =>
    assert.throws(
      () => psisLoo(input),
      (e) =>
        e instanceof HetfxError && /^Cannot compute LOO: /.test(e.message) && words.test(e.message),
    );
  refused(ll.map(() => new Float64Array(0)), /has no draws/);
  refused(
    [ll[0], ll[1].subarray(0, 100)],
    /observation 2 has 100 log-likelihood draws but observation 1 has 400/,
  );
  for (const bad of [NaN, Infinity]) {
    const input = ll.map((a) => a.slice());
    input[3][7] = bad;
    refused(input, new RegExp(`observation 4 is ${bad} in draw 8`));
  }
  // −Infinity (an observation impossible under a draw) is allowed, as in R: elpd −Infinity.
  const impossible = ll.map((a) => a.slice());
  impossible[2][0] = -Infinity;
  assert.equal(psisLoo(impossible).pointwise[2].elpd_loo, -Infinity);
});

Deno.test("gpdFit recovers the shape of a generalized Pareto sample", () => {
  // Quantiles of GPD(k = 0.5, σ = 1) at (i − 0.5)/n: a noise-free sample; estimate within 0.1
  // (the weakly-informative prior pulls k towards 0.5 by n/(n+10)).
  const n = 400, k = 0.5;
  const x = Float64Array.from(
    { length: n },
    (_, i) => Math.expm1(-k * Math.log1p(-(i + 0.5) / n)) / k,
  );
  const fit = gpdFit(x);
  assert.ok(Math.abs(fit.k - k) < 0.1, `k ${fit.k}`);
  assert.ok(Math.abs(fit.sigma - 1) < 0.2, `sigma ${fit.sigma}`);
});

Deno.test("logLikelihood: Gaussian per-row values from draws of β, r and σ, constants included", async () => {
  const fit = await smallFit();
  const ll = logLikelihood(fit);
  const t = fit.table!;
  const col = (c: string) => (t.columns[c] as { values: Float64Array }).values;
  assert.equal(ll.length, t.nRows);
  for (const i of [0, 17, 239]) {
    const g = col("g")[i], x = col("x")[i], tr = col("treat")[i], y = col("y")[i];
    for (const s of [0, 123, 399]) {
      const mu = fit.draws("b_Intercept")[s] + fit.draws("b_x")[s] * x +
        fit.draws("b_treat")[s] * tr + fit.draws(`r_g[${g},Intercept]`)[s] +
        fit.draws(`r_g[${g},treat]`)[s] * tr;
      const sd = fit.draws("sigma")[s];
      const hand = -0.5 * Math.log(2 * Math.PI * sd * sd) - ((y - mu) ** 2) / (2 * sd * sd);
      assert.ok(Math.abs(ll[i][s] - hand) < 1e-10);
    }
  }
  const r = fit.loo();
  assert.equal(r.n, 240);
  assert.ok(Number.isFinite(r.elpd_loo) && r.p_loo > 2 && r.p_loo < 15, `p_loo ${r.p_loo}`);
});

Deno.test("looCompare: best first, differences and their SE from pointwise values", () => {
  const a = psisLoo(conjugate(1).ll);
  // A worse model: predictions shifted by 1.
  const worse = conjugate(1).ll.map((row, i) => row.map((v) => v - 0.5 * (i % 2)));
  const b = psisLoo(worse);
  const rows = looCompare({ shifted: b, exact: a });
  assert.deepEqual(rows.map((r) => r.model), ["exact", "shifted"]);
  assert.equal(rows[0].elpd_diff, 0);
  assert.ok(Math.abs(rows[1].elpd_diff - (b.elpd_loo - a.elpd_loo)) < 1e-12);
  const d = b.pointwise.map((p, i) => p.elpd_loo - a.pointwise[i].elpd_loo);
  const m = d.reduce((x, y) => x + y) / d.length;
  const se = Math.sqrt(d.length * d.reduce((x, y) => x + (y - m) ** 2, 0) / (d.length - 1));
  assert.ok(Math.abs(rows[1].se_diff - se) < 1e-12);
  assert.throws(
    () => looCompare({ a, b: psisLoo(conjugate(1, 10).ll) }),
    (e: Error) => e instanceof HetfxError && /same data/.test(e.message),
  );
  // Fits (anything with loo()) are compared through their loo(), as brms's loo_compare(fit1,
  // fit2); anything else is refused by name, not a TypeError from inside.
  const fits = { shifted: { loo: () => b }, exact: { loo: () => a } };
  assert.deepEqual(looCompare(fits), rows);
  assert.throws(
    () => looCompare({ a, b: 3 } as never),
    /Cannot compare: model "b" is number, not a fit or a LOO result/,
  );
  assert.throws(() => looCompare([a, b] as never), /as an object of named fits or LOO results/);
});

Deno.test("psisLoo matches R's loo pointwise where Pareto k is bad and very bad", () => {
  // fixtures/loo_bad_k.R (R loo 2.5.1, r_eff = 1) on a deterministic log-likelihood: draws of
  // μ at S normal quantiles, observations ever further in the tail (k from 0.36 to 1.93). Both
  // sides compute the same numbers in double precision, and the JSON has 12 significant
  // digits, so 1e-8 leaves room only for rounding: without Pareto smoothing elpd moves by ≫ 1e-3.
  const ref = JSON.parse(
    Deno.readTextFileSync(new URL("./fixtures/loo_bad_k.json", import.meta.url)),
  ) as {
    S: number;
    mu_centre: number;
    mu_scale: number;
    y: number[];
    elpd_loo: number[];
    p_loo: number[];
    pareto_k: number[];
    elpd_loo_total: number;
  };
  const mu = Float64Array.from(
    { length: ref.S },
    (_, s) => ref.mu_centre + ref.mu_scale * normalQuantile((s + 0.5) / ref.S),
  );
  const ll = ref.y.map((y) => mu.map((m) => -0.5 * Math.log(2 * Math.PI) - 0.5 * (y - m) ** 2));
  const r = psisLoo(ll);
  const close = (a: number, b: number, what: string) =>
    assert.ok(Math.abs(a - b) < 1e-8 * Math.max(1, Math.abs(b)), `${what}: ${a} vs R ${b}`);
  r.pointwise.forEach((p, i) => {
    close(p.elpd_loo, ref.elpd_loo[i], `elpd_loo[${i}]`);
    close(p.p_loo, ref.p_loo[i], `p_loo[${i}]`);
    close(p.pareto_k, ref.pareto_k[i], `pareto_k[${i}]`);
  });
  close(r.elpd_loo, ref.elpd_loo_total, "elpd_loo");
  // k threshold for S = 1000 is min(1 − 1/log10(1000), 0.7) = 2/3: two good, one bad, three > 1.
  assert.deepEqual(r.pareto_k_counts, { good: 2, bad: 1, very_bad: 3 });
  assert.ok(r.warnings.length > 0);
});

Deno.test("logLikelihood: Poisson per-row values y·η − e^η − log y! from the draws", async () => {
  const base = smallTable();
  const x = (base.columns.x as { values: Float64Array }).values;
  // Counts 0…6 from the covariate, so log y! ranges over several values (0 to log 720).
  const count = Float64Array.from(
    x,
    (v, i) => Math.min(6, Math.max(0, Math.round(2 + v + (i % 3)))),
  );
  const table = withColumn(base, "count", { kind: "number", values: count });
  const fit = await formula("count ~ 1 + x + (1 | g)", table, { family: "poisson" }).fit({
    chains: 1,
    warmup: 100,
    draws: 50,
    seed: 2,
    progress: false,
  });
  const ll = logLikelihood(fit);
  const g = (table.columns.g as { values: Float64Array }).values;
  for (const i of [0, 5, 101, 238]) {
    for (const s of [0, 49]) {
      const eta = fit.draws("b_Intercept")[s] + fit.draws("b_x")[s] * x[i] +
        fit.draws(`r_g[${g[i]},Intercept]`)[s];
      const hand = count[i] * eta - Math.exp(eta) - logGamma(count[i] + 1);
      assert.ok(Math.abs(ll[i][s] - hand) < 1e-10, `row ${i} draw ${s}: ${ll[i][s]} vs ${hand}`);
    }
  }
});

/** fixtures/loo_reference.R's draws and R loo 2.5.1's results (see that script). */
interface LooReference {
  chains: number;
  per_chain: number;
  y: number[];
  mu: number[];
  log_sigma: number[];
  compare: { model: string[]; elpd_diff: number[]; se_diff: number[] };
  [model: string]: unknown;
}
interface RLoo {
  r_eff: number[];
  elpd_loo: number;
  se_elpd_loo: number;
  p_loo: number;
  se_p_loo: number;
  looic: number;
  se_looic: number;
  pointwise_elpd_loo: number[];
  pointwise_p_loo: number[];
  pointwise_looic: number[];
  pareto_k: number[];
  /** loo's mcse_loo(): null where a Pareto k is above 0.7. */
  mcse_elpd_loo: number | null;
  pointwise_mcse_elpd_loo: number[];
}

const looRef = JSON.parse(
  Deno.readTextFileSync(new URL("./fixtures/loo_reference.json", import.meta.url)),
) as LooReference;

/** The log-likelihood of model "a" (N(μ, σ)) or "b" (N(μ, 1)), as the R script builds it. */
function referenceLogLik(model: "a" | "b"): Float64Array[] {
  const sigma = looRef.log_sigma.map((v) => (model === "a" ? Math.exp(v) : 1));
  return looRef.y.map((y) =>
    Float64Array.from(
      looRef.mu,
      (m, s) => -0.5 * Math.log(2 * Math.PI) - Math.log(sigma[s]) - 0.5 * ((y - m) / sigma[s]) ** 2,
    )
  );
}

/**
 * Every estimate, SE, Monte Carlo SE and pointwise value of `r` against R's, to 1e-9 relative.
 */
function assertLooMatches(r: ReturnType<typeof psisLoo>, ref: RLoo, what: string): void {
  const close = (a: number, b: number, name: string) =>
    assert.ok(
      Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)),
      `${what} ${name}: ${a} vs R ${b}`,
    );
  for (
    const key of ["elpd_loo", "se_elpd_loo", "p_loo", "se_p_loo", "looic", "se_looic"] as const
  ) {
    close(r[key], ref[key], key);
  }
  if (ref.mcse_elpd_loo === null) assert.equal(r.mcse_elpd_loo, null, `${what} mcse_elpd_loo`);
  else close(r.mcse_elpd_loo!, ref.mcse_elpd_loo, "mcse_elpd_loo");
  r.pointwise.forEach((p, i) => {
    close(p.mcse_elpd_loo, ref.pointwise_mcse_elpd_loo[i], `mcse_elpd_loo[${i}]`);
    close(p.elpd_loo, ref.pointwise_elpd_loo[i], `elpd_loo[${i}]`);
    close(p.p_loo, ref.pointwise_p_loo[i], `p_loo[${i}]`);
    close(p.looic, ref.pointwise_looic[i], `looic[${i}]`);
    close(p.pareto_k, ref.pareto_k[i], `pareto_k[${i}]`);
  });
}

Deno.test("psisLoo (r_eff = 1) matches R's loo: estimates, SEs and pointwise values, k up to 4.8", () => {
  // Both sides compute the same doubles but for libm rounding; worst seen 3e-14 relative.
  for (const model of ["a", "b"] as const) {
    const ref = (looRef[model] as { r_eff_1: RLoo }).r_eff_1;
    const r = psisLoo(referenceLogLik(model));
    assertLooMatches(r, ref, `model ${model}`);
    assert.ok(r.pointwise.some((p) => p.pareto_k > 0.7) || model === "b");
    // Model b's k are all ≤ 0.7, so its Monte Carlo SE is reported (model a's is null).
    assert.equal(r.mcse_elpd_loo === null, model === "a", `model ${model} mcse_elpd_loo`);
  }
});

Deno.test("relative efficiencies and PSIS-LOO with them match R's loo as brms's loo() calls it", () => {
  // brms passes r_eff = relative_eff(exp(log_lik), chain_id); with r_eff = 1 model a's Pareto k
  // of one observation is 0.705 instead of R's 0.639 and its elpd_loo is off by 0.18.
  const results = (["a", "b"] as const).map((model) => {
    const ref = (looRef[model] as { relative_eff: RLoo }).relative_eff;
    const ll = referenceLogLik(model);
    const rEff = relativeEfficiencies(ll, looRef.chains);
    rEff.forEach((r, i) =>
      assert.ok(Math.abs(r - ref.r_eff[i]) <= 1e-12, `r_eff[${i}]: ${r} vs R ${ref.r_eff[i]}`)
    );
    const r = psisLoo(ll, { rEff });
    assertLooMatches(r, ref, `model ${model} (relative_eff)`);
    return r;
  });
  const rows = looCompare({ a: results[0], b: results[1] });
  assert.deepEqual(rows.map((r) => r.model), looRef.compare.model);
  rows.forEach((row, i) => {
    assert.ok(Math.abs(row.elpd_diff - looRef.compare.elpd_diff[i]) < 1e-9, "elpd_diff");
    assert.ok(Math.abs(row.se_diff - looRef.compare.se_diff[i]) < 1e-9, "se_diff");
  });
  assert.throws(() => psisLoo(referenceLogLik("b"), { rEff: [1] }), HetfxError);
});

Deno.test("logLikelihood: binomial with weights, negbinomial, student and cumulative probit by closed form", async () => {
  // Per row and draw, log p(y_i | θ_s) written out from the fit's own draws (b, r, family
  // parameters, thresholds), normalising constants included, as brms's log_lik: the binomial
  // coefficient, −log y!, the t's gamma ratio; weights multiply the row's value.
  const base = smallTable();
  const col = (name: string) => (base.columns[name] as { values: Float64Array }).values;
  const x = col("x"), g = col("g"), w = col("w");
  const options = { chains: 1, warmup: 100, draws: 20, seed: 2, progress: false };
  const eta = (fit: Awaited<ReturnType<typeof smallFit>>, i: number, s: number, icpt = true) =>
    (icpt ? fit.draws("b_Intercept")[s] : 0) + fit.draws("b_x")[s] * x[i] +
    fit.draws(`r_g[${g[i]},Intercept]`)[s];
  const num = (values: Float64Array) => ({ kind: "number" as const, values });
  const rows = [0, 3, 77, 239], draws = [0, 19];
  const close = (a: number, b: number, what: string) =>
    assert.ok(Math.abs(a - b) < 1e-12 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

  const n = Float64Array.from(x, (_, i) => 1 + (i % 7));
  const k = Float64Array.from(
    x,
    (v, i) => Math.min(n[i], Math.max(0, Math.round(n[i] / (1 + Math.exp(-v))))),
  );
  const binomialTable = withColumn(withColumn(base, "k", num(k)), "n", num(n));
  const binomialFit = await formula("k | trials(n) + weights(w) ~ 1 + x + (1 | g)", binomialTable, {
    family: "binomial",
  }).fit(options);
  const binomialLl = logLikelihood(binomialFit);
  for (const i of rows) {
    for (const s of draws) {
      const p = 1 / (1 + Math.exp(-eta(binomialFit, i, s)));
      const choose = logGamma(n[i] + 1) - logGamma(k[i] + 1) - logGamma(n[i] - k[i] + 1);
      const hand = w[i] * (choose + k[i] * Math.log(p) + (n[i] - k[i]) * Math.log(1 - p));
      close(binomialLl[i][s], hand, `binomial row ${i} draw ${s}`);
    }
  }

  const c = Float64Array.from(
    x,
    (v, i) => Math.max(0, Math.round(Math.exp(1 + 0.5 * v) + (i % 5) - 2)),
  );
  const nbFit = await formula("c ~ 1 + x + (1 | g)", withColumn(base, "c", num(c)), {
    family: "negbinomial",
  }).fit(options);
  const nbLl = logLikelihood(nbFit);
  for (const i of rows) {
    for (const s of draws) {
      const mu = Math.exp(eta(nbFit, i, s)), phi = nbFit.draws("shape")[s];
      const hand = logGamma(c[i] + phi) - logGamma(phi) - logGamma(c[i] + 1) +
        phi * Math.log(phi / (mu + phi)) + c[i] * Math.log(mu / (mu + phi));
      // The reference's lgamma difference cancels at large φ: 1e-12 of its terms' size.
      const tolerance = 1e-12 * Math.max(1, logGamma(c[i] + phi));
      assert.ok(Math.abs(nbLl[i][s] - hand) < tolerance, `negbinomial row ${i} draw ${s}`);
    }
  }

  const y = col("y");
  const studentFit = await formula("y ~ 1 + x + (1 | g)", base, { family: "student" }).fit(options);
  const studentLl = logLikelihood(studentFit);
  for (const i of rows) {
    for (const s of draws) {
      const sigma = studentFit.draws("sigma")[s], nu = studentFit.draws("nu")[s];
      const z = (y[i] - eta(studentFit, i, s)) / sigma;
      const hand = logGamma((nu + 1) / 2) - logGamma(nu / 2) - 0.5 * Math.log(nu * Math.PI) -
        Math.log(sigma) - ((nu + 1) / 2) * Math.log(1 + z * z / nu);
      close(studentLl[i][s], hand, `student row ${i} draw ${s}`);
    }
  }

  const labels = ["lo", "mid", "hi"];
  const codes = Int32Array.from(
    x,
    (v, i) => Math.min(2, Math.max(0, Math.round(1 + v + 0.3 * ((i % 3) - 1)))),
  );
  const ordinal = withColumn(base, "o", { kind: "factor", levels: labels, codes });
  const probitFit = await formula("o ~ 1 + x + (1 | g)", ordinal, {
    family: "cumulative",
    link: "probit",
    levels: labels,
  }).fit(options);
  const probitLl = logLikelihood(probitFit);
  for (const i of rows) {
    for (const s of draws) {
      const e = eta(probitFit, i, s, false);
      const tau = [1, 2].map((j) => probitFit.draws(`b_Intercept[${j}]`)[s]);
      const F = (j: number) => j === 0 ? 0 : j === 3 ? 1 : normalCdf(tau[j - 1] - e);
      const category = codes[i] + 1;
      close(probitLl[i][s], Math.log(F(category) - F(category - 1)), `probit row ${i} draw ${s}`);
    }
  }
});
