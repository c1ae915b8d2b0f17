import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import assert from "node:assert/strict";
import { formula } from "../../lib/spec/formula.ts";
import { lkj, normal } from "../../lib/spec/priors.ts";
import { CROSSED_FORMULA, crossedTable } from "../../bench/cpu_models.ts";
import type { Fit } from "../../lib/fit/mod.ts";

const OPTIONS = { chains: 4, warmup: 400, draws: 600, seed: 3, adaptDelta: 0.95, progress: false };

async function crossedFit(parameterization: "auto" | "noncentered"): Promise<Fit> {
  const table = crossedTable(4000, "bernoulli", 5);
  return await formula(CROSSED_FORMULA, table, { family: "bernoulli" })
    .priors({ Intercept: normal(0, 1), b: normal(0, 0.5), sd: normal(0, 0.5), cor: lkj(2) })
    .fit({ ...OPTIONS, parameterization });
}

Deno.test("crossed Bernoulli: auto and non-centred fits give the same posterior within Monte Carlo error", async () => {
  const [plain, auto] = [await crossedFit("noncentered"), await crossedFit("auto")];
  // The auto fit really uses the new geometry.
  assert.ok(auto.info.parameterization.some((p) => p.contrasts && p.mean_in_coefficients));
  assert.ok(plain.info.parameterization.every((p) => !p.contrasts && !p.auto));
  const a = new Map(plain.summary({ varying: true }).map((p) => [p.name, p]));
  const b = auto.summary({ varying: true });
  // Same brms names whatever the internal parameterisation.
  assert.deepEqual(b.map((p) => p.name), [...a.keys()]);
  for (const q of b) {
    if (q.name === "lp__") continue; // lp__ is the log density of θ, which differs by design
    const p = a.get(q.name)!;
    // Posterior means: each estimate's Monte Carlo SE is sd/√ESS_bulk; their difference has SE
    // √(se_a² + se_b²). 4.5 SE over ~34 quantities fails by chance w.p. < 1e-3.
    const se = Math.hypot(p.sd / Math.sqrt(p.ess_bulk), q.sd / Math.sqrt(q.ess_bulk));
    assert.ok(Math.abs(p.mean - q.mean) < 4.5 * se, `${q.name} mean ${p.mean} vs ${q.mean}`);
    // Posterior sds of the coefficients: by the delta method the SE of an sd estimate is
    // √((μ₄ − σ⁴) / (4σ² · ESS)), ≈ sd/√(2·ESS) for a normal posterior but larger for the
    // heavy-tailed effects of two- and three-level terms (scale mixtures over their sd); the
    // sd_ and cor_ parameters are skewed, so only the means are compared.
    if (q.name.startsWith("b_") || q.name.startsWith("r_")) {
      const seSd = Math.hypot(
        sdStandardError(plain.draws(q.name), p.ess_bulk),
        sdStandardError(auto.draws(q.name), q.ess_bulk),
      );
      assert.ok(Math.abs(p.sd - q.sd) < 4.5 * seSd, `${q.name} sd ${p.sd} vs ${q.sd}`);
    }
  }
});

/** Delta-method SE of the sample sd of `draws` with effective sample size `ess`. */
function sdStandardError(draws: Float64Array, ess: number): number {
  const n = draws.length;
  const mean = draws.reduce((a, b) => a + b, 0) / n;
  let m2 = 0, m4 = 0;
  for (const x of draws) {
    const d2 = (x - mean) ** 2;
    m2 += d2 / n;
    m4 += (d2 * d2) / n;
  }
  return Math.sqrt((m4 - m2 * m2) / (4 * m2 * ess));
}
