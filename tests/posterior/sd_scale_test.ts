import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import assert from "node:assert/strict";
import { formula } from "../../lib/spec/formula.ts";
import { exponential, lkj, normal } from "../../lib/spec/priors.ts";
import { normalQuantile } from "../../lib/diagnostics/normal_quantile.ts";
import { numericTable } from "../model/_fixtures.ts";
import type { Fit } from "../../lib/fit/mod.ts";
import { seeded } from "../_seeded.ts";

/**
 * y ~ 1 + x + treat + (1 + treat | g), Bernoulli, 60 groups × 30 rows; intercept sd 0.5, slope
 * effects 0.6 × the intercept's (sd 0.3, correlation 1): 15 rows per arm leave the slope sd's
 * posterior reaching 0, where signed scales matter, and the strong correlation makes a sign slip
 * in mapping draws back (correlations, effects) show in cor_ and r_.
 */
function table() {
  const u = seeded(21);
  const normalDraw = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const J = 60, n = 30 * 60;
  const a = Array.from({ length: J }, () => 0.5 * normalDraw());
  const y = new Float64Array(n), x = new Float64Array(n), treat = new Float64Array(n);
  const g = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    g[i] = i % J;
    x[i] = 2 * u() - 1;
    treat[i] = u() < 0.5 ? 1 : 0;
    const eta = -0.3 + 0.6 * x[i] + a[i % J] + (0.4 + 0.6 * a[i % J]) * treat[i];
    y[i] = u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
  }
  return numericTable({ y, x, treat, g });
}

async function fitWith(sdScale: "signed" | "log"): Promise<Fit> {
  return await formula("y ~ 1 + x + treat + (1 + treat | g)", table(), { family: "bernoulli" })
    .priors({ b: normal(0, 1), sd: normal(0, 1), cor: lkj(2) })
    .fit({
      chains: 4,
      warmup: 400,
      draws: 600,
      seed: 5,
      progress: false,
      parameterization: "noncentered",
      sdScale,
    });
}

Deno.test("signed and log sd scales give the same posterior (lp__ included) within Monte Carlo error", async () => {
  const [signed, logged] = [await fitWith("signed"), await fitWith("log")];
  assert.deepEqual(signed.info.parameterization[0].sd_scale, {
    Intercept: "signed",
    treat: "signed",
  });
  assert.deepEqual(logged.info.parameterization[0].sd_scale, { Intercept: "log", treat: "log" });
  for (const name of ["sd_g__Intercept", "sd_g__treat"]) {
    assert.ok(signed.draws(name).every((v) => v > 0), `${name} draws positive`);
  }
  assert.ok(signed.draws("cor_g__Intercept__treat").every((v) => Math.abs(v) <= 1));
  const a = new Map(logged.summary({ varying: true }).map((p) => [p.name, p]));
  const b = signed.summary({ varying: true });
  assert.deepEqual(b.map((p) => p.name), [...a.keys()]);
  for (const q of b) {
    const p = a.get(q.name)!;
    // Each mean's Monte Carlo SE is sd/√ESS_bulk; the difference has SE √(se_a² + se_b²).
    // lp__ is compared too: the signed draws' log density is moved to the log-sd
    // parameterisation (+ Σ log sd), so both are the same quantity. 4.5 SE over ~130
    // quantities fails by chance w.p. < 1e-3.
    const se = Math.hypot(p.sd / Math.sqrt(p.ess_bulk), q.sd / Math.sqrt(q.ess_bulk));
    assert.ok(Math.abs(p.mean - q.mean) < 4.5 * se, `${q.name} mean ${p.mean} vs ${q.mean}`);
  }
});

Deno.test("sdScale: a bad value is an error naming the option", async () => {
  await assert.rejects(
    formula("y ~ 1 + x + (1 | g)", table(), { family: "bernoulli" })
      .fit({ sdScale: "positive" as never, progress: false }),
    /sdScale = "positive" must be "auto", "signed" or "log"/,
  );
});

Deno.test("a level-collapsed gaussian fit samples the sds on the requested scale", async () => {
  // 60 groups: one term of more than 20 levels is collapsed level by level, whose target holds
  // each sd as a signed scale or a log sd (sdScale was ignored there before).
  const t = table();
  const u = seeded(3);
  const y = Float64Array.from(
    (t.columns.x as { values: Float64Array }).values,
    (x) => 0.5 * x + u() - 0.5,
  );
  const gaussian = numericTable({
    y,
    x: (t.columns.x as { values: Float64Array }).values,
    treat: (t.columns.treat as { values: Float64Array }).values,
    g: (t.columns.g as { values: Float64Array }).values,
  });
  const model = formula("y ~ 1 + x + treat + (1 + treat | g)", gaussian)
    .priors({ b: normal(0, 1), sd: normal(0, 1), cor: lkj(2), sigma: normal(0, 1) });
  const run = (sdScale: "auto" | "signed" | "log", workers: number) =>
    // Chains long enough, and enough of them, that the worker thread (started as the fit
    // begins) takes some while the calling thread runs the first.
    model.fit({ chains: 4, warmup: 300, draws: 200, seed: 2, progress: false, sdScale, workers });
  const auto = await run("auto", 1);
  for (const sdScale of ["signed", "log"] as const) {
    const fit = await run(sdScale, 1);
    assert.equal(fit.info.method, "collapsed");
    assert.deepEqual(fit.info.parameterization[0].sd_scale, {
      Intercept: sdScale,
      treat: sdScale,
    });
    // The chain a worker thread runs uses the option too: its draws are this thread's, bit for
    // bit (a seed gives the same draws whatever the threads), and differ from auto's scales.
    const threaded = await run(sdScale, 2);
    assert.deepEqual(threaded.draws("sd_g__treat"), fit.draws("sd_g__treat"));
    if (
      JSON.stringify(auto.info.parameterization[0].sd_scale) !== JSON.stringify({
        Intercept: sdScale,
        treat: sdScale,
      })
    ) {
      assert.notDeepEqual(threaded.draws("sd_g__treat"), auto.draws("sd_g__treat"));
    }
  }
});

/**
 * With sigma pinned at 100 the data say nothing about the group effects (each level's 30 rows
 * carry information 30/100² against the prior's 1/sd² ≳ 1), so the posterior of the sds and the
 * correlation is their prior: a Jacobian missing or wrong in a way of holding an sd (the
 * collapsed target's "knee" or signed/log scales, NUTS's signed or log scales) shows as sd or
 * cor quantiles off the prior's. Priors: sd_Intercept half-normal(0, 0.5) (symmetric about 0,
 * so signed where asked), sd_treat exponential(2) (log or knee; NUTS's log scale is the one
 * its signed run gives sd_treat), cor lkj(2), for which
 * (cor + 1)/2 ~ Beta(2, 2).
 *
 * Tolerance: a p-quantile's Monte Carlo SE is √(p(1 − p)/ESS)/f(q_p), f the prior density at the
 * exact quantile and ESS the smaller of the bulk and tail ESS; 4.5 SEs over 9 quantiles per fit
 * fail by chance w.p. < 1e-4.
 */
for (
  const run of [
    { method: "collapsed", sdScale: "auto", levels: 6 },
    { method: "collapsed", sdScale: "auto", levels: 30 }, // level-collapsed
    // sd_Intercept signed, sd_treat (exponential: not symmetric about 0) log.
    { method: "nuts", sdScale: "signed", levels: 6 },
  ] as const
) {
  Deno.test(`sd and cor priors are the posterior when the data say nothing (${run.method}, ${run.levels} levels, sdScale ${run.sdScale})`, async () => {
    const n = 30 * run.levels;
    const u = seeded(8);
    const y = new Float64Array(n), treat = new Float64Array(n), g = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      g[i] = i % run.levels;
      treat[i] = u() < 0.5 ? 0 : 1;
      y[i] = 1 + 0.5 * treat[i] + u() - 0.5;
    }
    const fit = await formula("y ~ 1 + treat + (1 + treat | g)", numericTable({ y, treat, g }))
      .priors({
        Intercept: normal(1, 1),
        b: normal(0, 1),
        sigma: normal(100, 0.01),
        cor: lkj(2),
        "sd[g, Intercept]": normal(0, 0.5),
        "sd[g, treat]": exponential(2),
      })
      .fit({
        chains: 4,
        warmup: 500,
        draws: 1000,
        seed: 4,
        progress: false,
        method: run.method,
        // Plainly non-centred: "auto" reads the pilot's information from the data's own
        // variance, not from sigma's pinning prior, and data-centres these terms, which here
        // (no information at all) funnels.
        ...(run.method === "nuts"
          ? { sdScale: run.sdScale, parameterization: "noncentered" as const }
          : {}),
        adaptDelta: 0.95,
      });
    assert.equal(fit.info.method, run.method);
    if (run.method === "nuts") {
      assert.deepEqual(fit.info.parameterization[0].sd_scale, {
        Intercept: "signed",
        treat: "log",
      });
    }
    // Per parameter: the prior's quantile function and density.
    const betaCdf = (x: number) => 3 * x * x - 2 * x * x * x; // Beta(2, 2)
    const corQuantile = (p: number) => {
      let lo = 0, hi = 1;
      for (let k = 0; k < 60; k++) {
        const mid = (lo + hi) / 2;
        betaCdf(mid) < p ? (lo = mid) : (hi = mid);
      }
      return 2 * lo - 1;
    };
    const priors = [
      {
        name: "sd_g__Intercept",
        quantile: (p: number) => 0.5 * normalQuantile((1 + p) / 2),
        density: (q: number) =>
          2 * Math.exp(-0.5 * (q / 0.5) ** 2) / (0.5 * Math.sqrt(2 * Math.PI)),
      },
      {
        name: "sd_g__treat",
        quantile: (p: number) => -Math.log(1 - p) / 2,
        density: (q: number) => 2 * Math.exp(-2 * q),
      },
      {
        name: "cor_g__Intercept__treat",
        quantile: corQuantile,
        density: (r: number) => 0.75 * (1 - r * r),
      },
    ];
    const summary = new Map(fit.summary().map((p) => [p.name, p]));
    for (const prior of priors) {
      const draws = Float64Array.from(fit.draws(prior.name)).sort();
      const s = summary.get(prior.name)!;
      const ess = Math.min(s.ess_bulk, s.ess_tail);
      assert.ok(ess >= 200, `${prior.name}: ESS ${ess}`);
      for (const p of [0.1, 0.5, 0.9]) {
        const got = draws[Math.round(p * (draws.length - 1))];
        const exact = prior.quantile(p);
        const se = Math.sqrt(p * (1 - p) / ess) / prior.density(exact);
        assert.ok(
          Math.abs(got - exact) < 4.5 * se,
          `${prior.name} q${p}: ${got} vs ${exact} (4.5 SE ${4.5 * se})`,
        );
      }
    }
  });
}
