/**
 * simulateData against a hand-written linear predictor: with sd and sigma priors of scale 1e-9
 * the simulated y is η itself (to ~1e-8), and η must equal b_Intercept + b_x·x + the b of the
 * row's factor level, read by its brms name. A design whose factor columns were built in another
 * level order, or named after the wrong level, than the fitted model's would fail here (the
 * levels are deliberately not in alphabetical order, and the reference is not the first seen).
 */
import assert from "node:assert/strict";
import { prepareSbc, simulateData } from "../../lib/calibration/sbc_simulation.ts";
import { makeTable } from "../../lib/data/table.ts";
import { hier } from "../../lib/spec/hier.ts";
import { lkj, normal } from "../../lib/spec/priors.ts";
import type { PriorDistribution } from "../../lib/spec/model_spec.ts";
import { formula } from "../../lib/spec/formula.ts";

Deno.test("simulateData: η of a 4-level factor model equals b_Intercept + b_x·x + b_<level>", () => {
  const n = 48;
  const levels = ["Zed", "Beta", "Alpha", "Mid"];
  const table = makeTable({
    y: { kind: "number", values: Float64Array.from({ length: n }, (_, i) => i % 3) },
    x: { kind: "number", values: Float64Array.from({ length: n }, (_, i) => ((i * 7) % 11) / 5) },
    region: {
      kind: "factor",
      codes: Int32Array.from({ length: n }, (_, i) => [2, 0, 3, 1, 1, 3][i % 6]),
      levels,
    },
    g: { kind: "number", values: Float64Array.from({ length: n }, (_, i) => 1 + (i % 4)) },
  });
  const spec = hier(table).outcome("y").controls("x", "region").groupBy("g").priors({
    Intercept: normal(0, 1),
    b: normal(0, 1),
    sd: normal(0, 1e-9),
    sigma: normal(0, 1e-9),
  }).toJSON();
  const design = prepareSbc(spec, table);
  for (let s = 0; s < 3; s++) {
    const { truth, table: simulated } = simulateData(design, 5, s);
    const y = (simulated.columns.y as { values: Float64Array }).values;
    const x = (table.columns.x as { values: Float64Array }).values;
    const codes = (table.columns.region as { codes: Int32Array }).codes;
    // Exactly one level (the reference) has no coefficient.
    assert.equal(levels.filter((l) => !truth.has(`b_region${l}`)).length, 1);
    for (let i = 0; i < n; i++) {
      const level = levels[codes[i]];
      const eta = truth.get("b_Intercept")! + truth.get("b_x")! * x[i] +
        (truth.get(`b_region${level}`) ?? 0);
      assert.ok(Math.abs(y[i] - eta) < 1e-6, `row ${i} (${level}): y ${y[i]}, η ${eta}`);
    }
  }
});

Deno.test("simulateData: ordinal thresholds follow their own priors (Intercept[k]), text levels", () => {
  // Tight, different priors per threshold: each simulated b_Intercept[k] must sit within 5
  // prior sds (0.01 each) of its own prior's mean; a single class-wide prior pinned for all
  // thresholds would put both near the first one.
  const n = 60;
  const levels = ["no", "maybe", "yes"];
  const table = makeTable({
    y: { kind: "factor", codes: Int32Array.from({ length: n }, (_, i) => i % 3), levels },
  });
  const spec = hier(table).outcome("y", { levels: ["no", "maybe", "yes"] }).family("cumulative")
    .priors({ "Intercept[1]": normal(-1, 0.01), "Intercept[2]": normal(1, 0.01) }).toJSON();
  const design = prepareSbc(spec, table);
  assert.equal(design.spec.outcomeLevels, undefined);
  for (let s = 0; s < 5; s++) {
    const { truth, table: simulated } = simulateData(design, 9, s);
    assert.ok(
      Math.abs(truth.get("b_Intercept[1]")! + 1) < 0.05,
      String(truth.get("b_Intercept[1]")),
    );
    assert.ok(
      Math.abs(truth.get("b_Intercept[2]")! - 1) < 0.05,
      String(truth.get("b_Intercept[2]")),
    );
    assert.equal(simulated.columns.y.kind, "number");
  }
});

/**
 * A 3-level factor f, rows cycling through its levels in another order than the codes, and 4
 * groups. With sd and sigma priors of scale 1e-9, y is η to ~1e-8.
 */
function noInterceptDesign(text: string, priors: Record<string, PriorDistribution> = {}) {
  const n = 24;
  const levels = ["a", "b", "c"];
  const table = makeTable({
    y: { kind: "number", values: Float64Array.from({ length: n }, (_, i) => i % 3) },
    f: { kind: "factor", codes: Int32Array.from({ length: n }, (_, i) => (i * 5) % 3), levels },
    g: { kind: "number", values: Float64Array.from({ length: n }, (_, i) => 1 + (i % 4)) },
    h: { kind: "number", values: Float64Array.from({ length: n }, (_, i) => 1 + (i % 2)) },
  });
  const spec = formula(text, table).priors({
    b: normal(0, 1),
    sd: normal(0, 1e-9),
    sigma: normal(0, 1e-9),
    ...priors,
  }).toJSON();
  const codes = (table.columns.f as { codes: Int32Array }).codes;
  return { design: prepareSbc(spec, table), rowLevel: (i: number) => levels[codes[i]], n };
}

Deno.test("simulateData: y ~ 0 + f codes f by every level, as the fit: η = b_f<level>", () => {
  // The model has b_fa, b_fb, b_fc (no reference level). Before: the simulation coded f as with
  // an intercept (columns fb, fc), so b_fa multiplied fb's column, b_fb fc's, and level a's
  // rows had η = 0 (row 0: y 3e-9 where b_fa was 2.08).
  const { design, rowLevel, n } = noInterceptDesign("y ~ 0 + f + (1 | g)");
  for (let s = 0; s < 3; s++) {
    const { truth, table: simulated } = simulateData(design, 3, s);
    assert.deepEqual([...truth.keys()].filter((k) => k.startsWith("b_")), [
      "b_fa",
      "b_fb",
      "b_fc",
    ]);
    const y = (simulated.columns.y as { values: Float64Array }).values;
    for (let i = 0; i < n; i++) {
      const eta = truth.get(`b_f${rowLevel(i)}`)!;
      assert.ok(Math.abs(y[i] - eta) < 1e-6, `row ${i}: y ${y[i]}, η ${eta}`);
    }
  }
});

Deno.test("prepareSbc: (0 + f | g) with a 3-level f is simulated with correlated slopes b_f<level>", () => {
  // Three correlated varying slopes from one written slope. Before: sbc refused the model with
  // 'prior "cor[g] ~ lkj(1)": no group term "g" has correlated varying effects', about a prior
  // the user never gave (its own pinned copy of the default). Now it runs: y = b_f<level>
  // (sd 1e-9), and the slopes' correlations are drawn (cor_g__fa__fb … in (−1, 1)).
  const { design, rowLevel, n } = noInterceptDesign("y ~ 0 + f + (0 + f | g)");
  assert.equal(design.data.terms[0].lkjEta, 1);
  const { truth, table: simulated } = simulateData(design, 3, 0);
  for (const name of ["sd_g__fa", "sd_g__fc", "cor_g__fa__fb", "cor_g__fb__fc"]) {
    assert.ok(truth.has(name), name);
  }
  assert.ok(Math.abs(truth.get("cor_g__fa__fb")!) < 1);
  const y = (simulated.columns.y as { values: Float64Array }).values;
  for (let i = 0; i < n; i++) {
    const eta = truth.get(`b_f${rowLevel(i)}`)!;
    assert.ok(Math.abs(y[i] - eta) < 1e-6, `row ${i}: y ${y[i]}, η ${eta}`);
  }
});

Deno.test("prepareSbc: a class-wide cor ~ lkj(2) reaches a (0 + f | g) term as the fit's", () => {
  // The fit gives both terms lkj(2); the SBC model must too, not the default lkj(1).
  const { design } = noInterceptDesign("y ~ 0 + f + (1 + f | h) + (0 + f | g)", { cor: lkj(2) });
  assert.deepEqual(design.data.terms.map((t) => [t.group, t.lkjEta]), [["h", 2], ["g", 2]]);
});

Deno.test("prepareSbc: likelihood weights are refused, naming the column", () => {
  // Before: the outcomes were simulated one per row and fitted with weights 1…3 (a likelihood
  // up to 3× as sharp as the one that drew them, so the posterior is narrower than θ | y and
  // the ranks over-dispersed for an exact sampler), with no word of why.
  const n = 12;
  const table = makeTable({
    y: { kind: "number", values: Float64Array.from({ length: n }, (_, i) => i % 3) },
    w: { kind: "number", values: Float64Array.from({ length: n }, (_, i) => 1 + (i % 3)) },
  });
  const spec = formula("y | weights(w) ~ 1", table).priors({
    Intercept: normal(0, 1),
    sigma: normal(0, 1),
  }).toJSON();
  assert.throws(
    () => prepareSbc(spec, table),
    /Cannot run sbc: the model has likelihood weights \(column "w"\).*drop --weights/s,
  );
});
