/**
 * Fits with likelihood weights: integer weights give the posterior of the duplicated rows
 * (within Monte Carlo error), and loo's pointwise log-likelihood is weighted as brms's.
 */
import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import assert from "node:assert/strict";
import { formula } from "../../lib/spec/formula.ts";
import { makeTable, takeRows, withColumn } from "../../lib/data/table.ts";
import { logLikelihood } from "../../lib/posterior/loo.ts";
import { LinearPredictor } from "../../lib/posterior/linear_predictor.ts";
import { seeded } from "../_seeded.ts";

/** 240 rows over 8 groups, integer weights 0–3 and the table with rows repeated w times. */
function tables() {
  const u = seeded(31);
  const n = 240;
  const x = new Float64Array(n), g = new Float64Array(n), y = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = u() * 2 - 1;
    g[i] = i % 8;
    y[i] = 1 + 0.5 * x[i] + 0.3 * Math.sin(g[i] * 2) + (u() - 0.5) * 2;
    w[i] = Math.floor(u() * 4);
  }
  const num = (values: Float64Array) => ({ kind: "number" as const, values });
  const table = makeTable({ y: num(y), x: num(x), g: num(g) });
  const rows: number[] = [];
  w.forEach((k, i) => {
    for (let c = 0; c < k; c++) rows.push(i);
  });
  return { weighted: withColumn(table, "w", num(w)), duplicated: takeRows(table, rows), w };
}

const OPTIONS = { seed: 5, chains: 4, warmup: 500, draws: 1000, progress: false, workers: 1 };
const PRIORS = {
  Intercept: { dist: "normal", mu: 0, sigma: 10 },
  b: { dist: "normal", mu: 0, sigma: 10 },
  sd: { dist: "normal", mu: 0, sigma: 1 },
  sigma: { dist: "normal", mu: 0, sigma: 2 },
} as const;

/** A test that fits (worker pools and timers outlive it: no sanitizers). */
function fitTest(name: string, fn: () => Promise<void>) {
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });
}

fitTest(
  "weights: integer weights give the duplicated rows' posterior (gaussian, collapsed)",
  async () => {
    const { weighted, duplicated } = tables();
    const a = await formula("y | weights(w) ~ x + (1 | g)", weighted).priors(PRIORS).fit(OPTIONS);
    const b = await formula("y ~ x + (1 | g)", duplicated).priors(PRIORS).fit({
      ...OPTIONS,
      seed: 6,
    });
    assert.equal(a.info.method, "collapsed");
    assert.match(a.info.methodReason, /likelihood weights "w"/);
    const sb = new Map(b.summary().map((p) => [p.name, p]));
    for (const p of a.summary()) {
      const q = sb.get(p.name)!;
      if (p.name === "lp__") continue;
      // Independent fits: the difference of means within 4.5 combined MCSEs (sd/√ESS each).
      const mcse = Math.hypot(p.sd / Math.sqrt(p.ess_bulk), q.sd / Math.sqrt(q.ess_bulk));
      assert.ok(Math.abs(p.mean - q.mean) < 4.5 * mcse, `${p.name}: ${p.mean} vs ${q.mean}`);
    }
  },
);

fitTest(
  "weights: loo's pointwise log-likelihood is the row's times its weight (brms)",
  async () => {
    const { weighted, w } = tables();
    const fit = await formula("y | weights(w) ~ x + (1 | g)", weighted).priors(PRIORS)
      .fit({ ...OPTIONS, chains: 2, draws: 100 });
    const ll = logLikelihood(fit);
    // The unweighted density of each row from the linear predictor and the sigma draws.
    const lp = new LinearPredictor(fit, weighted);
    const sigma = fit.draws("sigma");
    const y = (weighted.columns.y as { values: Float64Array }).values;
    assert.equal(ll.length, weighted.nRows);
    for (let i = 0; i < ll.length; i++) {
      const eta = lp.eta(i, new Float64Array(lp.draws));
      for (let s = 0; s < ll[i].length; s += 17) {
        const z = (y[i] - eta[s]) / sigma[s];
        const density = -0.5 * z * z - Math.log(sigma[s]) - 0.5 * Math.log(2 * Math.PI);
        const expected = density * w[i];
        assert.ok(Math.abs(ll[i][s] - expected) < 1e-9, `row ${i}, draw ${s}`);
      }
    }
    assert.ok(w.includes(0) && ll[w.indexOf(0)].every((v) => v === 0));
  },
);

fitTest(
  "weights: collapsed and NUTS fits of non-integer weights give the same posterior (gaussian)",
  async () => {
    // Weights 0.25–2.05 (0.25 where the integer weight was 0): the likelihood's Σw·(…) and
    // Σw·log σ terms are read from the weighted cells by the collapsed target and row by row by
    // NUTS, so a weight handled differently on one path shows in sigma, b or the group effects.
    const { weighted, w } = tables();
    const table = withColumn(weighted, "w", {
      kind: "number",
      values: w.map((k) => 0.25 + 0.6 * k),
    });
    const builder = formula("y | weights(w) ~ x + (1 | g)", table).priors(PRIORS);
    const collapsed = await builder.fit({ ...OPTIONS, method: "collapsed" });
    const nuts = await builder.fit({ ...OPTIONS, method: "nuts", seed: 6 });
    assert.equal(collapsed.info.method, "collapsed");
    assert.equal(nuts.info.method, "nuts");
    const byName = new Map(nuts.summary({ varying: true }).map((p) => [p.name, p]));
    let compared = 0;
    for (const p of collapsed.summary({ varying: true })) {
      if (p.name === "lp__") continue;
      const q = byName.get(p.name)!;
      // Means: 4.5 combined MCSEs (sd/√ESS each) as above. Sds: with ESS ≥ 400 each sd's
      // relative Monte Carlo error is ≤ 1/√(2·400) = 3.5%, their ratio's ≤ 5%: 20% is 4 errors.
      assert.ok(p.ess_bulk >= 400 && q.ess_bulk >= 400, `${p.name}: ESS`);
      const mcse = Math.hypot(p.sd / Math.sqrt(p.ess_bulk), q.sd / Math.sqrt(q.ess_bulk));
      assert.ok(Math.abs(p.mean - q.mean) < 4.5 * mcse, `${p.name}: ${p.mean} vs ${q.mean}`);
      assert.ok(Math.abs(p.sd / q.sd - 1) < 0.2, `${p.name}: sd ${p.sd} vs ${q.sd}`);
      compared++;
    }
    assert.equal(compared, 2 + 1 + 1 + 8); // b_Intercept, b_x, sd_g, sigma, r_g[0..7]
  },
);
