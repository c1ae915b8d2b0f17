/**
 * allowNewLevels with text grouping levels (issue 23): a group never seen in training gets
 * varying effects drawn from the fitted group distribution (brms sample_new_levels =
 * "gaussian"); without the option the message says to pass it; a new level of a column in the
 * design (a control) is still refused, since it has no coefficient.
 */
import assert from "node:assert/strict";
import { makeTable } from "../../lib/data/table.ts";
import { predict } from "../../lib/posterior/predict.ts";
import { effects } from "../../lib/posterior/effects.ts";
import { assertHetfx } from "./_helpers.ts";
import { textGroupFit } from "./_text_group_fit.ts";

function rows(g: string[], h: string[], f: string[], treat: number[]) {
  const factor = (labels: string[]) => {
    const levels = [...new Set(labels)];
    return {
      kind: "factor" as const,
      codes: Int32Array.from(labels.map((l) => levels.indexOf(l))),
      levels,
    };
  };
  return makeTable({
    g: factor(g),
    h: factor(h),
    f: factor(f),
    treat: { kind: "number", values: Float64Array.from(treat) },
  });
}

Deno.test("new text levels: refused without allowNewLevels, saying how to allow them", async () => {
  const fit = await textGroupFit();
  await assertHetfx(
    () => predict(fit, rows(["epsilon"], ["p"], ["lo"], [1])),
    /level "epsilon"/,
    /"g" defines groups: pass allowNewLevels: true/,
  );
  await assertHetfx(
    () => predict(fit, rows(["alpha"], ["p"], ["mid"], [1]), { allowNewLevels: true }),
    /column "f" of newdata has level "mid"/,
  );
});

Deno.test("new text levels: drawn from the group distribution with allowNewLevels", async () => {
  const fit = await textGroupFit();
  // Two new groups in both terms, and a known one for comparison.
  const nd = rows(["epsilon", "zeta", "alpha"], ["s", "p", "p"], ["lo", "lo", "lo"], [1, 1, 1]);
  const [e1, e2, known] = predict(fit, nd, { allowNewLevels: true, scale: "link" });
  const again = predict(fit, nd, { allowNewLevels: true, scale: "link" });
  assert.deepEqual(e1.draws, again[0].draws, "same seed, same draws");
  assert.notDeepEqual(e1.draws, e2.draws, "each new group gets its own draws");
  // η − (b_Intercept + b_treat) for a new g and new h is the new groups' varying effects: mean 0
  // and variance E[sd_g_I² + sd_g_T² + 2 cor sd_g_I sd_g_T + sd_h_I²]. 600 draws: the relative
  // error of a variance estimate is about √(2/600) ≈ 0.06, more with sd's own spread; 0.35 is
  // > 5 SE.
  const S = e1.draws.length;
  const b0 = fit.draws("b_Intercept"), bt = fit.draws("b_treat");
  const u = e1.draws.map((v, s) => v - b0[s] - bt[s]);
  let expected = 0;
  const si = fit.draws("sd_g__Intercept"), st = fit.draws("sd_g__treat");
  const rho = fit.draws("cor_g__Intercept__treat"), sh = fit.draws("sd_h__Intercept");
  for (let s = 0; s < S; s++) {
    expected += (si[s] ** 2 + st[s] ** 2 + 2 * rho[s] * si[s] * st[s] + sh[s] ** 2) / S;
  }
  const mean = u.reduce((a, b) => a + b) / S;
  const variance = u.reduce((a, b) => a + (b - mean) ** 2, 0) / (S - 1);
  assert.ok(Math.abs(variance / expected - 1) < 0.35, `${variance} vs ${expected}`);
  // A known group keeps its own effects.
  const r = fit.draws("r_g[alpha,Intercept]");
  assert.ok(
    Math.abs(
      known.draws[0] - (b0[0] + bt[0] + r[0] + fit.draws("r_g[alpha,treat]")[0] +
        fit.draws("r_h[p,Intercept]")[0]),
    ) < 1e-9,
  );
  // effects() over a new text group: per draw, b_treat plus the new group's slope, whose
  // variance is E[sd_g_treat²] (same 0.35 tolerance as above).
  const [eff] = effects(fit, {
    newdata: rows(["omega", "omega"], ["p", "q"], ["lo", "hi"], [0, 1]),
    allowNewLevels: true,
  });
  const slope = Array.from(eff.draws, (v, s) => v - bt[s]);
  const slopeMean = slope.reduce((a, b) => a + b) / S;
  const slopeVariance = slope.reduce((a, b) => a + (b - slopeMean) ** 2, 0) / (S - 1);
  const slopeExpected = st.reduce((a, b) => a + b * b, 0) / S;
  assert.ok(
    Math.abs(slopeVariance / slopeExpected - 1) < 0.35,
    `${slopeVariance} vs ${slopeExpected}`,
  );
});

Deno.test("new text levels: a row new in two grouping terms gets independent effects in each", async () => {
  const fit = await textGroupFit();
  // Row 1: a new g beside a known h; row 2: a known g beside a new h. Each is the first new
  // level of its term, so only the term tells their normals apart.
  const nd = rows(["epsilon", "alpha"], ["p", "s"], ["lo", "lo"], [0, 0]);
  const [newG, newH] = predict(fit, nd, { allowNewLevels: true, scale: "link" });
  const b0 = fit.draws("b_Intercept");
  const rH = fit.draws("r_h[p,Intercept]"), rG = fit.draws("r_g[alpha,Intercept]");
  const g = newG.draws.map((v, s) => v - b0[s] - rH[s]);
  const h = newH.draws.map((v, s) => v - b0[s] - rG[s]);
  // The terms are independent in the model (brms draws each term's new levels apart): the two
  // new intercepts' correlation over 600 draws has sd ≈ 1/√600 ≈ 0.04, so |r| < 0.2 is > 4 sd.
  // Drawn from the same normals (the bug this guards against) they correlate at ≈ 1.
  const mean = (x: Float64Array) => x.reduce((a, b) => a + b) / x.length;
  const mg = mean(g), mh = mean(h);
  let sgh = 0, sgg = 0, shh = 0;
  for (let s = 0; s < g.length; s++) {
    sgh += (g[s] - mg) * (h[s] - mh);
    sgg += (g[s] - mg) ** 2;
    shh += (h[s] - mh) ** 2;
  }
  const r = sgh / Math.sqrt(sgg * shh);
  assert.ok(Math.abs(r) < 0.2, `correlation ${r}`);
});
