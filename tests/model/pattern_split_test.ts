/**
 * PatternSplit (η through a group-level table and a within-group table) against PatternDesign's
 * row-by-row η and reverse pass on random split-able designs (K = 2, 3 varying coefficients, the slope's x in w·Â,
 * group-level moderators and their interactions, within-group factors); the WASM kernel's split
 * against the JavaScript reference (Bernoulli, binomial, cumulative logit; fractional counts as
 * weights give; η within ±30, where the kernel takes e^η from the tables' exponentials, and
 * beyond); whole Tomz & Weeks log densities with and without the split (Bernoulli,
 * cumulative logit and probit, with and without weights) and against central finite differences;
 * and a design that does not split. The two paths differ only in the order of the sums (~1e-14
 * relative over ~1,000 patterns): 1e-12 (1e-10 on whole models, whose gradients cancel) leaves a
 * margin while an indexing slip gives errors of order one.
 */
import assert from "node:assert/strict";
import { PatternSplit } from "../../lib/model/pattern_split.ts";
import { PatternDesign } from "../../lib/model/pattern_design.ts";
import { PatternKernel } from "../../lib/model/pattern_kernel.ts";
import { CompiledModel } from "../../lib/model/compiled_model.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { familyOf } from "../../lib/families/mod.ts";
import type { PatternStats } from "../../lib/families/compressed_stats.ts";
import { loadTomzWeeks } from "../../lib/data/datasets/tomz_weeks.ts";
import { TOMZ_WEEKS_FORMULA } from "../../lib/spec/paper_models.ts";
import { formula } from "../../mod.ts";
import { withColumn } from "../../lib/data/table.ts";
import { seeded } from "../_seeded.ts";

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = 1e-12) {
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    assert.ok(d <= tol * scale, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/**
 * Patterns of C cells, each with a few distinct w·Â rows (x in {0, 1, 2} for the slope), columns:
 * intercept, three within-cell factors and an interaction, a cell-level moderator m_c, and m_c·x.
 */
function splitCase(seed: number, K: number, family: "bernoulli" | "binomial" | "cumulative") {
  const u = seeded(seed);
  const C = 15, D = 7;
  const cell: number[] = [], w: number[] = [], wA: number[] = [];
  const moderator = Array.from({ length: C }, () => Math.floor(3 * u()) - 0.4);
  for (let c = 0; c < C; c++) {
    for (let x = 0; x < 3; x++) {
      for (let f = 0; f < 12; f++) {
        if (u() < 0.3) continue;
        cell.push(c);
        const [f0, f1, f2] = [f % 2, Math.floor(f / 2) % 2, Math.floor(f / 4) - 1];
        w.push(1, f0, f1 - 0.5, f2, f0 * f1, moderator[c], moderator[c] * x);
        for (let k = 0; k < K; k++) wA.push(k === 0 ? 1 : k === 1 ? x : x * x - 1);
      }
    }
  }
  const P = cell.length;
  const rows = new Float64Array(P).map(() => (u() < 0.3 ? 0.5 + 2 * u() : 1 + Math.floor(3 * u())));
  const trials = family === "binomial" ? rows.map((n) => n + 2) : rows;
  const stats = {
    kind: "patterns",
    nPatterns: P,
    cell: Int32Array.from(cell),
    w: Float64Array.from(w),
    wA: Float64Array.from(wA),
    rows,
    trialSum: family === "binomial" ? trials : new Float64Array(0),
    ySum: family === "cumulative" ? new Float64Array(0) : trials.map((n) => Math.floor(n * u())),
    y: family === "cumulative"
      ? new Float64Array(P).map(() => 1 + Math.floor(4 * u()))
      : new Float64Array(0),
  } as unknown as PatternStats;
  const beta = new Float64Array(D).map(() => 2 * u() - 1);
  const rho = new Float64Array(C * K).map(() => u() - 0.5);
  return { stats, D, K, beta, rho };
}

Deno.test("PatternSplit's η and reverse pass equal PatternDesign's (K = 2, 3)", () => {
  for (const K of [2, 3]) {
    const { stats, D, beta, rho } = splitCase(K + 1, K, "bernoulli");
    const split = PatternSplit.create(stats, D, K);
    assert.ok(split, `K = ${K}: the design splits`);
    assert.ok(split.nA < stats.nPatterns / 2 && split.nB === 12, `tables ${split.nA}, ${split.nB}`);
    const design = new PatternDesign(stats, D, K);
    const P = stats.nPatterns;
    const a = new Float64Array(P), b = new Float64Array(P);
    split.forward(beta, rho, a);
    design.forward(beta, rho, b);
    close(a, b, "η");
    const g = new Float64Array(P).map((_, p) => Math.sin(p));
    const gbA = new Float64Array(D), grA = new Float64Array(rho.length);
    const gbB = new Float64Array(D), grB = new Float64Array(rho.length);
    split.backward(g, gbA, grA);
    split.backward(g, gbA.fill(0), grA.fill(0)); // a second call starts its table sums afresh
    design.backward(g, gbB, grB);
    close(gbA, gbB, "∂/∂β");
    close(grA, grB, "∂/∂ρ");
  }
});

Deno.test("a design of distinct continuous rows does not split", () => {
  const u = seeded(5);
  const P = 200, D = 4;
  const stats = {
    nPatterns: P,
    cell: new Int32Array(P),
    w: new Float64Array(P * D).map((_, i) => (i % D === 0 ? 1 : u())),
    wA: new Float64Array(0),
  };
  assert.equal(PatternSplit.create(stats, D, 0), null);
});

for (const family of ["bernoulli", "binomial", "cumulative"] as const) {
  Deno.test(`pattern kernel with the split, ${family}: equals the JavaScript reference`, () => {
    // Scale 1: every |A| + |B| ≤ 30, the kernel's e^η = e^A·e^B path; scale 15: some |η| > 30,
    // each pattern on its own path (one exponential, or the tails' closed forms).
    for (const [K, scale] of [[2, 1], [3, 1], [2, 15], [3, 15]]) {
      const c = splitCase(10 + K, K, family);
      const { stats, D } = c;
      const beta = c.beta.map((b) => b * scale), rho = c.rho.map((r) => r * scale);
      const fam = family === "cumulative" ? familyOf("cumulative", "logit") : familyOf(family);
      const nt = family === "cumulative" ? 3 : 0;
      // Thresholds held unconstrained (τ_1, then log increments); K = 3: τ_1 = 31, beyond 30
      // (the cumulative kernel's per-pattern path, its η from the tables).
      const tau = Float64Array.from([K === 3 ? 31 : -0.5, -0.2, 0.1].slice(0, nt));
      const design = new PatternDesign(stats, D, K);
      const split = PatternSplit.create(stats, D, K);
      assert.ok(split, "the design splits");
      const kernel = PatternKernel.create(fam, stats, split, rho.length, nt)!;
      assert.ok(kernel);
      const P = stats.nPatterns;
      const eta = new Float64Array(P), dEta = new Float64Array(P);
      const refB = new Float64Array(D), refR = new Float64Array(rho.length);
      const refT = new Float64Array(nt);
      design.forward(beta, rho, eta);
      const maxEta = eta.reduce((m, e) => Math.max(m, Math.abs(e)), 0);
      assert.ok(scale === 1 ? maxEta < 15 : maxEta > 30, `scale ${scale}: max |η| ${maxEta}`);
      const ref = fam.patternLogLikelihood(stats, eta, tau, dEta, refT);
      design.backward(dEta, refB, refR);
      const gotB = new Float64Array(D), gotR = new Float64Array(rho.length);
      const gotT = new Float64Array(nt);
      const lp = kernel.logLikelihood(beta, rho, tau, 0, gotB, gotR, gotT);
      assert.ok(Math.abs(lp - ref) <= 1e-12 * Math.abs(ref), `lp ${lp} vs ${ref}`);
      close(gotB, refB, "∂/∂β");
      close(gotR, refR, "∂/∂ρ");
      close(gotT, refT, "∂/∂τ");
    }
  });
}

const tw = await loadTomzWeeks();
const weighted = withColumn(tw, "wt", {
  kind: "number",
  values: new Float64Array(tw.nRows).map((_, i) => 0.5 + (i % 4) * 0.25),
});
const MODELS = {
  bernoulli: () =>
    compileModel(formula(TOMZ_WEEKS_FORMULA, tw, { family: "bernoulli" }).toJSON(), tw),
  "bernoulli, weighted": () =>
    compileModel(
      formula(TOMZ_WEEKS_FORMULA.replace("force ~", "force | weights(wt) ~"), weighted, {
        family: "bernoulli",
      }).toJSON(),
      weighted,
    ),
  "cumulative logit": () =>
    compileModel(
      formula(TOMZ_WEEKS_FORMULA.replace("force ~", "pref ~"), tw, { family: "cumulative" })
        .toJSON(),
      tw,
    ),
  "cumulative probit": () =>
    compileModel(
      formula(TOMZ_WEEKS_FORMULA.replace("force ~", "pref ~"), tw, {
        family: "cumulative",
        link: "probit",
      }).toJSON(),
      tw,
    ),
};

for (const [name, make] of Object.entries(MODELS)) {
  Deno.test(`Tomz & Weeks ${name}: log density and gradient with the split equal those without`, () => {
    const data = make();
    assert.equal(data.stats.kind, "patterns");
    const tables = PatternSplit.create(data.stats as PatternStats, data.columnNames.length, 2);
    assert.ok(tables && tables.nB === 32, "the design splits: the experiment's 32 combinations");
    const split = new CompiledModel(data);
    const split_js = new CompiledModel(data, { wasm: false });
    const plain = new CompiledModel(data, { split: false, wasm: false });
    const u = seeded(9);
    const g = [0, 1, 2].map(() => new Float64Array(data.dim));
    for (let rep = 0; rep < 4; rep++) {
      const theta = new Float64Array(data.dim).map(() => (rep + 1) * 0.3 * (u() - 0.5));
      const ref = plain.logDensityGradient(theta, g[2]);
      assert.ok(Number.isFinite(ref));
      for (const [i, model] of [split, split_js].entries()) {
        const lp = model.logDensityGradient(theta, g[i]);
        assert.ok(Math.abs(lp - ref) <= 1e-12 * Math.abs(ref), `lp ${lp} vs ${ref}`);
        close(g[i], g[2], "gradient", 1e-10);
      }
    }
  });
}

Deno.test("Tomz & Weeks cumulative logit with the split: gradient matches central finite differences", () => {
  const data = MODELS["cumulative logit"]();
  const model = new CompiledModel(data);
  const u = seeded(4);
  const theta = new Float64Array(data.dim).map(() => 0.6 * (u() - 0.5));
  const grad = new Float64Array(data.dim), scratch = new Float64Array(data.dim);
  model.logDensityGradient(theta, grad);
  for (let i = 0; i < data.dim; i += 7) {
    const h = 1e-5;
    const x = Float64Array.from(theta);
    x[i] = theta[i] + h;
    const up = model.logDensityGradient(x, scratch);
    x[i] = theta[i] - h;
    const down = model.logDensityGradient(x, scratch);
    const fd = (up - down) / (2 * h);
    assert.ok(
      Math.abs(fd - grad[i]) <= 1e-5 * Math.max(1, Math.abs(grad[i])),
      `θ[${i}]: ${grad[i]} vs ${fd}`,
    );
  }
});
