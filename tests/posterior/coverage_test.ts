/**
 * Calibration: when data are simulated from the prior, 95% posterior intervals of the group
 * effects cover the true effects 95% of the time (exactly, averaged over the prior). 24 data
 * sets × 8 groups = 192 intervals. Binomial(192, 0.95) has sd 3.0 intervals; groups within a
 * data set share hyperparameters, which we allow for by inflating the sd ×1.5 (4.5 intervals).
 * The accepted range [0.875, 0.99] is [168, 190] intervals: ≥ 3.2 inflated sd below the mean and
 * above P(≥ 191) ≈ 0.002 on the other side; a false alarm has probability below about 0.3%.
 */
import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import assert from "node:assert/strict";
import { makeTable } from "../../lib/data/table.ts";
import { hier } from "../../lib/spec/hier.ts";
import { lkj, normal } from "../../lib/spec/priors.ts";
import { seeded } from "../model/_fixtures.ts";

Deno.test("95% intervals of group effects cover simulated truths at the nominal rate", async () => {
  const u = seeded(2024);
  const gauss = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  let covered = 0;
  let total = 0;
  const J = 8;
  const perGroup = 15;
  for (let rep = 0; rep < 24; rep++) {
    // Parameters from the priors below (the intercept prior is on the centred design, as brms).
    const intercept = gauss();
    const b = 0.5 * gauss();
    const sd0 = Math.abs(0.5 * gauss());
    const sd1 = Math.abs(0.5 * gauss());
    const rho = 2 * u() - 1; // LKJ(1) for a 2 × 2 correlation is uniform on (−1, 1)
    const n = J * perGroup;
    const treat = Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : 0));
    const treatMean = treat.reduce((s, v) => s + v, 0) / n;
    const g = Float64Array.from({ length: n }, (_, i) => 1 + Math.floor(i / perGroup));
    const truth: number[] = [];
    const y = new Float64Array(n);
    const r0: number[] = [];
    const r1: number[] = [];
    for (let j = 0; j < J; j++) {
      const z0 = gauss();
      const z1 = gauss();
      r0.push(sd0 * z0);
      r1.push(sd1 * (rho * z0 + Math.sqrt(1 - rho * rho) * z1));
      truth.push(b + r1[j]);
    }
    for (let i = 0; i < n; i++) {
      const j = g[i] - 1;
      y[i] = intercept + b * (treat[i] - treatMean) + r0[j] + r1[j] * treat[i] + gauss();
    }
    const table = makeTable({
      y: { kind: "number", values: y },
      treat: { kind: "number", values: treat },
      g: { kind: "number", values: g },
    });
    const fit = await hier(table).outcome("y").treatment("treat").groupBy("g")
      .priors({
        Intercept: normal(0, 1),
        b: normal(0, 0.5),
        sd: normal(0, 0.5),
        sigma: normal(1, 0.0005),
        cor: lkj(1),
      })
      .fit({
        chains: 2,
        warmup: 400,
        draws: 400,
        seed: rep + 1,
        progress: false,
        adaptDelta: 0.95,
      });
    const effects = fit.groupEffects();
    for (let j = 0; j < J; j++) {
      const e = effects.find((x) => x.levels.g === String(j + 1))!;
      total++;
      if (e["q2.5"] <= truth[j] && truth[j] <= e["q97.5"]) covered++;
    }
  }
  const rate = covered / total;
  assert.ok(rate >= 0.875 && rate <= 0.99, `coverage ${covered}/${total} = ${rate.toFixed(3)}`);
});
