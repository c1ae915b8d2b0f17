/** poststratify(): a population table of group cells with counts, by hand from group draws. */
import assert from "node:assert/strict";
import { makeTable } from "../../lib/data/table.ts";
import { poststratify } from "../../lib/posterior/poststratify.ts";
import { smallFit } from "./_fixtures.ts";

Deno.test("poststratify: population-weighted average of the group effects", async () => {
  const fit = await smallFit();
  const population = makeTable({
    g: { kind: "number", values: Float64Array.of(1, 2, 3, 4) },
    half: { kind: "factor", codes: Int32Array.of(0, 0, 1, 1), levels: ["low", "high"] },
    n: { kind: "number", values: Float64Array.of(100, 300, 50, 50) },
  });
  const { estimates, filled } = poststratify(fit, population, { weight: "n", by: ["half"] });
  assert.deepEqual(filled.sort(), ["treat", "x"]);
  // Gaussian, binary treatment: the effect in group g is b_treat + r_g[g,treat] whatever x is.
  const eff = (g: number) =>
    fit.draws("b_treat").map((b, s) => b + fit.draws(`r_g[${g},treat]`)[s]);
  const S = fit.draws("b_treat").length;
  const total = new Float64Array(S), low = new Float64Array(S), high = new Float64Array(S);
  const n = [100, 300, 50, 50];
  for (let g = 1; g <= 4; g++) {
    const e = eff(g);
    for (let s = 0; s < S; s++) {
      total[s] += (n[g - 1] * e[s]) / 500;
      if (g <= 2) low[s] += (n[g - 1] * e[s]) / 400;
      else high[s] += (n[g - 1] * e[s]) / 100;
    }
  }
  const close = (a: Float64Array, b: Float64Array) => a.every((v, s) => Math.abs(v - b[s]) < 1e-12);
  assert.equal(estimates.length, 3);
  assert.ok(close(estimates[0].draws, total));
  // Cells in the factor's level order (low, high), as marginaleffects orders by groups.
  assert.deepEqual(estimates.slice(1).map((e) => e.by.half), ["low", "high"]);
  assert.ok(close(estimates[1].draws, low));
  assert.ok(close(estimates[2].draws, high));
  assert.equal(estimates[0].weight, 500);
});
