import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import assert from "node:assert/strict";
import { formula } from "../../lib/spec/formula.ts";
import { lkj, normal } from "../../lib/spec/priors.ts";
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
