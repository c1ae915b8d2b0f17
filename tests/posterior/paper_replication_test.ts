/**
 * The seed paper's Tomz & Weeks numbers (CODEBOOK.md), reproduced with the paper's model,
 * priors and sampler settings on the shipped data.
 *
 * Tolerances: the paper prints two decimals (rounding error ≤ 0.005) and its own fit carries
 * Monte Carlo error; ours is checked with its MCSE. A group mean has posterior sd ≈ 0.1 and bulk
 * ESS ≳ 1000, so MCSE ≈ 0.003 each side; 0.005 + 4·√2·0.003 ≈ 0.022, rounded up to 0.025.
 * Scale parameters (sd ≈ 0.04, ESS ≳ 500): MCSE ≈ 0.002 → 0.005 + 4·√2·0.002 ≈ 0.017 → 0.02.
 */
import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import assert from "node:assert/strict";
import { loadTomzWeeks } from "../../lib/data/datasets/tomz_weeks.ts";
import {
  PAPER_SAMPLER,
  TOMZ_WEEKS_PAPER_NUMBERS as paper,
  tomzWeeksModel,
} from "../../lib/spec/paper_models.ts";

Deno.test("Tomz & Weeks: hetfx reproduces the paper's Figures 1–2 numbers", async () => {
  const table = await loadTomzWeeks();
  const fit = await tomzWeeksModel(table).fit({ ...PAPER_SAMPLER, seed: 1, progress: false });
  const d = fit.diagnostics();
  assert.equal(d.divergences, 0);
  assert.ok(d.max_rhat <= 1.01, `max R-hat ${d.max_rhat}`);
  assert.ok(d.min_ess_bulk >= 400, `min bulk ESS ${d.min_ess_bulk}`);

  const effects = fit.groupEffects();
  assert.equal(effects.length, 100);
  assert.deepEqual(
    [Math.min(...effects.map((e) => e.n)), Math.max(...effects.map((e) => e.n))],
    [1, 57],
  );

  const spread = fit.effectSpread();
  const near = (what: string, ours: number, theirs: number, tolerance: number) =>
    assert.ok(
      Math.abs(ours - theirs) <= tolerance,
      `${what}: hetfx ${ours.toFixed(3)} vs paper ${theirs} (tolerance ${tolerance})`,
    );
  near("min group effect", spread.min.mean, paper.minEffect, 0.025);
  near("median group effect", spread.median.mean, paper.medianEffect, 0.025);
  near("max group effect", spread.max.mean, paper.maxEffect, 0.025);
  near("sd of all draws", spread.sd_all_draws, paper.sdAllDraws, 0.01);
  const mean = (name: string) => fit.summary().find((p) => p.name === name)!.mean;
  near(
    "sd of varying slope",
    mean("sd_white:male:intl:hawk__alliance"),
    paper.sdVaryingSlope,
    0.02,
  );
  near("b_alliance", mean("b_alliance"), paper.bAlliance, 0.025);
  near("b_alliance:white", mean("b_alliance:white"), paper.bAllianceWhite, 0.025);

  // The paper names the groups: non-white women, low internationalism, high hawkishness (min);
  // white men, high internationalism, low hawkishness (max).
  assert.deepEqual(spread.min.levels, { white: "0", male: "0", intl: "1", hawk: "5" });
  assert.deepEqual(spread.max.levels, { white: "1", male: "1", intl: "5", hawk: "1" });

  // Each group's effect = its group-level-predictor part + its varying part, draw by draw.
  const draws = fit.groupEffectDraws()[0];
  const b = (n: string) => fit.draws(n);
  const g = effects[0];
  const label = g.group;
  const r = fit.draws(`r_white:male:intl:hawk[${label},alliance]`);
  const lv = (k: string) => Number(g.levels[k]);
  for (const i of [0, 1234, 3999]) {
    const byHand = b("b_alliance")[i] + b("b_alliance:white")[i] * lv("white") +
      b("b_alliance:male")[i] * lv("male") + b("b_alliance:intl")[i] * lv("intl") +
      b("b_alliance:hawk")[i] * lv("hawk") + r[i];
    assert.ok(Math.abs(draws[i] - byHand) < 1e-12);
  }
});
