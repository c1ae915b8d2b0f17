/**
 * Also covers: model/outcome.ts.
 * Compiled models of every family and geometry: analytic gradients against finite differences,
 * and the compressed likelihood against a row-by-row one computed from brms-named draws.
 *
 * Also covers: compile.ts, compiled_data.ts (cells and patterns give the row-by-row
 * likelihood), design.ts (the factor's b_fmid, b_fhi columns; shared constant derivative columns),
 * varying_effects.ts,
 * term_geometry.ts (every geometry), posterior/generated.ts (draws named as brms names them).
 */
import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { loadTable } from "../../lib/data/load_table.ts";
import { HetfxError } from "../../lib/errors.ts";
import { type ConstantColumns, designColumns } from "../../lib/model/design.ts";
import { makeTable } from "../../lib/data/table.ts";
import { CompiledModel } from "../../lib/model/compiled_model.ts";
import { generateQuantities, varyingName } from "../../lib/posterior/generated.ts";
import { allocateChainDraws } from "../../lib/sampler/backend.ts";
import { getColumn, labelAt, type Table } from "../../lib/data/table.ts";
import type { Family, ModelSpec } from "../../lib/spec/model_spec.ts";
import { logGamma } from "../../lib/math/special.ts";
import {
  assertGradientMatchesDifferences,
  crossedSpec,
  FAMILIES_UNDER_TEST,
  GEOMETRIES,
  seeded,
  simulatedTable,
  SINGLE_TERM_GEOMETRIES,
  singleTermSpec,
} from "./_fixtures.ts";
import type { CompiledData } from "../../lib/model/compiled_data.ts";
import { choleskyCorrForward } from "../../lib/model/cholesky_corr.ts";
import {
  coefficientsFromTheta,
  thetaFromCoefficients,
  thetaFromVaryingEffects,
  varyingEffectsFromTheta,
} from "../../lib/model/varying_effects.ts";

/** The families of the other model tests, and cumulative (its thresholds replace the intercept). */
const FAMILIES: Family[] = [...FAMILIES_UNDER_TEST, "cumulative"];

/** Each family under its default link, and the other links of those that take several. */
const FAMILY_LINKS: { family: Family; link?: string }[] = [
  ...FAMILIES.map((family) => ({ family })),
  { family: "cumulative", link: "probit" },
];
const withLink = (spec: ModelSpec, link?: string): ModelSpec =>
  link === undefined ? spec : { ...spec, link };
const linkName = (link?: string) => link === undefined ? "" : `(${link})`;
/**
 * The geometries of a model whose thresholds replace the intercept: the others move a term's
 * level mean into the population intercept, which such a model does not have.
 */
const THRESHOLD_GEOMETRIES = ["noncentered", "centered"];

function randomPoint(dim: number, seed: number): Float64Array {
  const u = seeded(seed);
  return Float64Array.from({ length: dim }, () => (u() - 0.5) * 2);
}

/**
 * Two crossed terms (general code paths) in every geometry, and one (1 + treat | g1) term whose
 * groups are the cells (the fast paths when plain, the cells-in-group-order path in all).
 */
const CASES = [
  { specName: "crossed", makeSpec: crossedSpec, geometries: GEOMETRIES },
  { specName: "single term", makeSpec: singleTermSpec, geometries: SINGLE_TERM_GEOMETRIES },
];

for (const { family, link } of FAMILY_LINKS) {
  for (const { specName, makeSpec, geometries } of CASES) {
    for (const [geometry, reparameterize] of Object.entries(geometries)) {
      if (family === "cumulative" && !THRESHOLD_GEOMETRIES.includes(geometry)) continue;
      Deno.test(`${family}${linkName(link)}, ${geometry}, ${specName}: analytic gradient matches central finite differences`, () => {
        const model = new CompiledModel(
          reparameterize(
            compileModel(withLink(makeSpec(family), link), simulatedTable(300, family)),
          ),
        );
        for (const seed of [1, 2, 3]) {
          assertGradientMatchesDifferences(
            model,
            randomPoint(model.dim, seed),
            `seed ${seed}`,
            1e-6,
          );
        }
      });
    }
  }
}

/** (1 | g1) + (0 + treat | g2): two terms' one effect each per cell (the K = 2 sums). */
function crossedOneEachSpec(family: Family): ModelSpec {
  const spec = crossedSpec(family);
  const [g1, g2] = spec.groupTerms;
  return {
    ...spec,
    groupTerms: [
      { ...g1, slopes: [], correlated: false },
      { ...g2, intercept: false, slopes: ["treat"] },
    ],
    priors: spec.priors.filter((p) => p.class !== "cor"),
  };
}

for (const family of FAMILIES) {
  const cases = [...CASES, {
    specName: "one effect per term",
    makeSpec: crossedOneEachSpec,
    // The "mixed" geometries give weights for crossedSpec's coefficients.
    geometries: Object.fromEntries(
      Object.entries(GEOMETRIES).filter(([name]) => !name.startsWith("mixed")),
    ),
  }];
  for (const { specName, makeSpec, geometries } of cases) {
    for (const [geometry, reparameterize] of Object.entries(geometries)) {
      if (family === "cumulative" && !THRESHOLD_GEOMETRIES.includes(geometry)) continue;
      Deno.test(`${family}, ${geometry}, ${specName}: logDensity is logDensityGradient's value to the last bit`, () => {
        const model = new CompiledModel(
          reparameterize(compileModel(makeSpec(family), simulatedTable(300, family))),
        );
        const gradient = new Float64Array(model.dim);
        // Random points, and a far one where the density may be −∞ (both must say so).
        const points = [1, 2, 3].map((seed) => randomPoint(model.dim, seed));
        points.push(new Float64Array(model.dim).fill(-40));
        for (const [i, theta] of points.entries()) {
          const value = model.logDensity(theta);
          const valueLogLik = model.lastLogLikelihood;
          const withGradient = model.logDensityGradient(theta, gradient);
          assert.ok(Object.is(value, withGradient), `point ${i}: ${value} vs ${withGradient}`);
          if (Number.isFinite(value)) {
            assert.ok(Object.is(valueLogLik, model.lastLogLikelihood), `point ${i}: likelihood`);
          }
        }
      });
    }
  }
}

/**
 * Φ(t) for t ≤ 0 by composite Simpson's rule on [t − 12, t], where φ's mass below t lies (relative
 * error < 1e-11 for −40 < t ≤ 0); independent of lib/.
 */
function simpsonPhi(t: number): number {
  if (t > 0) return 1 - simpsonPhi(-t);
  const a = t - 12, m = 4000, h = (t - a) / m;
  const f = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
  let sum = f(a) + f(t);
  for (let j = 1; j < m; j++) sum += (j % 2 === 1 ? 4 : 2) * f(a + j * h);
  return sum * h / 3;
}

/** The log likelihood row by row from brms-named quantities, with no compression at all. */
function naiveLogLikelihood(
  spec: ModelSpec,
  table: Table,
  named: Map<string, Float64Array>,
): number {
  const value = (name: string) => named.get(name)![0];
  const y = (getColumn(table, "y") as { values: Float64Array }).values;
  const trials = (getColumn(table, "trials") as { values: Float64Array }).values;
  const x = (getColumn(table, "x") as { values: Float64Array }).values;
  const treat = (getColumn(table, "treat") as { values: Float64Array }).values;
  const g1 = (getColumn(table, "g1") as { values: Float64Array }).values;
  const f = getColumn(table, "f");
  const g2 = getColumn(table, "g2");
  let total = 0;
  // A varying coefficient the spec does not have contributes nothing.
  const inSpec = (group: string, coef: string) =>
    spec.groupTerms.some((t) =>
      t.group === group && (coef === "Intercept" ? t.intercept : t.slopes.includes(coef))
    );
  for (let i = 0; i < table.nRows; i++) {
    const fl = labelAt(f, i);
    const l1 = labelAt(getColumn(table, "g1"), i);
    const l2 = labelAt(g2, i);
    const r = (group: string, label: string, coef: string) =>
      inSpec(group, coef) ? value(varyingName(group, label, coef)) : 0;
    const ordinal = spec.family === "cumulative";
    const eta = (ordinal ? 0 : value("b_Intercept")) + value("b_x") * x[i] +
      (fl === "mid" ? value("b_fmid") : 0) + (fl === "hi" ? value("b_fhi") : 0) +
      value("b_treat") * treat[i] + value("b_treat:g1") * treat[i] * g1[i] +
      r("g1", l1, "Intercept") + r("g1", l1, "treat") * treat[i] + r("g1", l1, "x") * x[i] +
      r("g2", l2, "Intercept") + r("g2", l2, "treat") * treat[i];
    switch (spec.family) {
      case "gaussian": {
        const s = value("sigma");
        total += -Math.log(s) - 0.5 * ((y[i] - eta) / s) ** 2; // −½log 2π dropped, as in the model
        break;
      }
      case "bernoulli":
        total += y[i] * eta - Math.log1p(Math.exp(eta));
        break;
      case "binomial":
        total += y[i] * eta - trials[i] * Math.log1p(Math.exp(eta));
        break;
      case "poisson":
        total += y[i] * eta - Math.exp(eta);
        break;
      case "cumulative": {
        // P(y = k) = F(τ_k − η) − F(τ_{k−1} − η), F logistic or Φ (Φ by Simpson's rule).
        const F = (t: number) => spec.link === "probit" ? simpsonPhi(t) : 1 / (1 + Math.exp(-t));
        const tau = (k: number) =>
          k < 1
            ? -Infinity
            : named.has(`b_Intercept[${k}]`)
            ? value(`b_Intercept[${k}]`)
            : Infinity;
        // F(a) − F(b) = F(−b) − F(−a) (symmetric F): the smaller tails, for accuracy.
        const a = tau(y[i]) - eta, b = tau(y[i] - 1) - eta;
        const Fx = (x: number) => x === Infinity ? 1 : x === -Infinity ? 0 : F(x);
        total += Math.log(b > 0 ? Fx(-b) - Fx(-a) : Fx(a) - Fx(b));
        break;
      }
      case "student": {
        const s = value("sigma");
        const nu = value("nu");
        const z = (y[i] - eta) / s;
        total += logGamma((nu + 1) / 2) - logGamma(nu / 2) - 0.5 * Math.log(nu * Math.PI) -
          Math.log(s) - ((nu + 1) / 2) * Math.log1p((z * z) / nu);
        break;
      }
      case "negbinomial": {
        // NB(y | μ, φ) without −log y!, as in the model.
        const phi = value("shape");
        total += logGamma(y[i] + phi) - logGamma(phi) + y[i] * eta + phi * Math.log(phi) -
          (y[i] + phi) * Math.log(Math.exp(eta) + phi);
        break;
      }
    }
  }
  return total;
}

for (const { family, link } of FAMILY_LINKS) {
  for (const { specName, makeSpec, geometries } of CASES) {
    for (const [geometry, reparameterize] of Object.entries(geometries)) {
      if (family === "cumulative" && !THRESHOLD_GEOMETRIES.includes(geometry)) continue;
      Deno.test(`${family}${linkName(link)}, ${geometry}, ${specName}: compressed likelihood equals the row-by-row likelihood`, () => {
        const table = simulatedTable(2000, family, 11);
        const spec = withLink(makeSpec(family), link);
        const data = reparameterize(compileModel(spec, table));
        const model = new CompiledModel(data);
        const entries = data.stats.kind === "cells" ? data.nCells : data.stats.nPatterns;
        // Gaussian: 4 × 3 cells (4 for the single term), whatever the rows.
        if (family === "gaussian") assert.equal(entries, specName === "crossed" ? 12 : 4);
        else if (family !== "student" && family !== "negbinomial" && family !== "cumulative") {
          assert.ok(entries < 2000, `${entries} patterns`);
        }
        for (const seed of [5, 6]) {
          const theta = randomPoint(model.dim, seed);
          const lp = model.logDensityGradient(theta, new Float64Array(model.dim));
          const chain = allocateChainDraws(1, model.dim, 1, new Float64Array(model.dim));
          chain.theta.set(theta);
          chain.logDensity[0] = lp;
          const named = generateQuantities(data, [chain]).values;
          const naive = naiveLogLikelihood(spec, table, named);
          const relative = Math.abs(model.lastLogLikelihood - naive) / Math.abs(naive);
          assert.ok(relative < 1e-10, `compressed ${model.lastLogLikelihood} vs rows ${naive}`);
        }
      });
    }
  }
}

/** y ~ 1 + (1 | f₁) + (1 | f₂) + …: varying intercepts by each of `factors`. */
function interceptsBy(factors: string[]): ModelSpec {
  return {
    hetfx: 1,
    outcome: "y",
    family: "gaussian",
    intercept: true,
    treatment: null,
    terms: [],
    groupTerms: factors.map((f) => ({
      group: f,
      factors: [f],
      intercept: true,
      slopes: [],
      correlated: true,
    })),
    priors: [],
  };
}

Deno.test("compileModel numbers cells in the order of their groups' levels, not of the rows", () => {
  // Rows reach g's levels as b, c, a and the crossed cells in yet another order; cells (and so
  // group effects) come in level order, term by term, as brms's ranef and the DuckDB route's
  // sorted aggregate list them.
  const g = [1, 2, 0, 1, 0, 2, 2, 1];
  const h = [1, 0, 1, 0, 0, 1, 1, 0];
  const table = makeTable({
    y: { kind: "number", values: Float64Array.from(g, (v, i) => v + h[i] + i / 10) },
    g: { kind: "factor", codes: Int32Array.from(g), levels: ["a", "b", "c"] },
    h: { kind: "factor", codes: Int32Array.from(h), levels: ["x", "z"] },
  });
  assert.deepEqual(compileModel(interceptsBy(["g"]), table).cellLabels, ["a", "b", "c"]);
  const crossed = compileModel(interceptsBy(["g", "h"]), table);
  assert.deepEqual(crossed.cellLabels, ["a_x", "a_z", "b_x", "b_z", "c_x", "c_z"]);
  // Each cell keeps its own rows: the counts follow the labels.
  const count = (label: string) => g.filter((v, i) => `${"abc"[v]}_${"xz"[h[i]]}` === label).length;
  assert.deepEqual(Array.from(crossed.cellCount), crossed.cellLabels.map(count));
  assert.deepEqual(crossed.cellLevels[1], { g: "a", h: "z" });
});

Deno.test("compileModel refuses crossed terms whose cells would share a label", () => {
  // (1 | a) + (1 | b): each term's labels are distinct, but the cells a = "x_y", b = "z" and
  // a = "x", b = "y_z" would both be "x_y_z" in the cells' effects.
  const n = 6;
  const table = makeTable({
    y: { kind: "number", values: new Float64Array([1, 2, 3, 4, 5, 6]) },
    a: { kind: "factor", codes: new Int32Array([0, 1, 0, 1, 0, 1]), levels: ["x", "x_y"] },
    b: { kind: "factor", codes: new Int32Array([0, 1, 0, 1, 0, 1]), levels: ["y_z", "z"] },
  });
  assert.equal(table.nRows, n);
  assert.throws(() => compileModel(interceptsBy(["a", "b"]), table), /both have the label "x_y_z"/);
});

Deno.test("terms are non-centred unless centring is asked for", () => {
  const table = simulatedTable(300, "gaussian");
  const plain = compileModel(crossedSpec("gaussian"), table);
  assert.deepEqual(plain.terms.map((t) => t.noncentering), [[1, 1, 1], [1, 1]]);
  const centred = compileModel(crossedSpec("gaussian"), table, { parameterization: "centered" });
  assert.deepEqual(centred.terms.map((t) => t.noncentering), [[0, 0, 0], [0, 0]]);
});

/** The determinant of a small square matrix (Gaussian elimination with partial pivoting). */
function determinant(M: number[][]): number {
  const A = M.map((row) => row.slice());
  const n = A.length;
  let det = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r;
    if (p !== c) [A[p], A[c]] = [A[c], A[p]], det = -det;
    det *= A[c][c];
    for (let r = c + 1; r < n; r++) {
      const f = A[r][c] / A[c][c];
      for (let k = c; k < n; k++) A[r][k] -= f * A[c][k];
    }
  }
  return det;
}

/** θ of `to` holding the same β, sd, L and r as θ of `from` (same layout, other geometry). */
function translate(from: CompiledData, to: CompiledData, theta: Float64Array): Float64Array {
  const out = Float64Array.from(theta);
  const rs: Float64Array[] = [];
  from.terms.forEach((term, t) => {
    const K = term.coefNames.length;
    const sd = Float64Array.from({ length: K }, (_, k) => Math.exp(theta[term.logSdOffset + k]));
    const L = new Float64Array(K * K);
    if (term.correlated) {
      choleskyCorrForward(theta.subarray(term.corOffset), K, term.lkjEta, L);
    }
    const r = new Float64Array(term.nGroups * K);
    varyingEffectsFromTheta(term, theta, sd, L, r, new Float64Array(r.length));
    thetaFromVaryingEffects(to.terms[t], r, sd, L, out, new Float64Array(r.length));
    rs.push(r);
  });
  const beta = new Float64Array(from.columnNames.length);
  coefficientsFromTheta(from, theta, rs, beta, new Float64Array(8));
  thetaFromCoefficients(to, beta, rs, out, new Float64Array(8));
  return out;
}

for (const family of ["gaussian", "bernoulli"] as const) {
  for (const [geometry, reparameterize] of Object.entries(GEOMETRIES)) {
    Deno.test(`${family}, ${geometry}: same model as non-centred, up to the exact log Jacobian`, () => {
      const plain = compileModel(crossedSpec(family), simulatedTable(300, family));
      const other = reparameterize(plain);
      const a = new CompiledModel(plain);
      const b = new CompiledModel(other);
      for (const seed of [1, 2, 3]) {
        const theta = randomPoint(plain.dim, seed);
        const lpA = a.logDensityGradient(theta, new Float64Array(plain.dim));
        const moved = translate(plain, other, theta);
        assert.deepEqual(
          translate(other, plain, moved).map((v) => Math.round(v * 1e9)),
          theta.map((v) => Math.round(v * 1e9)),
        );
        const lpB = b.logDensityGradient(moved, new Float64Array(plain.dim));
        // Coefficient a of a row holds v = (s_a − λm)/c^λ instead of u_a = (s_a − m)/c, with
        // c = sd_a L_aa: ∂u_a/∂v = c^(λ−1); data-centred, s_a = m* + c v/√(1 + I c²), so
        // ∂u_a/∂v = (1 + I c²)^(−1/2); contrasts (orthogonal) and moving the level mean (a
        // shear) cost nothing.
        let logJacobian = 0;
        other.terms.forEach((term) => {
          const K = term.coefNames.length;
          const L = new Float64Array(K * K);
          if (term.correlated) {
            choleskyCorrForward(theta.subarray(term.corOffset), K, term.lkjEta, L);
          }
          const first = term.contrasts ? 1 : 0;
          const joint = term.dataCentring?.jointInformation;
          if (joint) {
            // Jointly: s = m* + R v with R Rᵀ = (Σ⁻¹ + I_j)⁻¹, so the density of v gains
            // log|R| − log|C| = −½ log det(I + Cᵀ I_j C), C = diag(sd) L.
            const sd = (k: number) => Math.exp(theta[term.logSdOffset + k]);
            const C = (a: number, b: number) =>
              b > a ? 0 : term.correlated ? sd(a) * L[a * K + b] : a === b ? sd(a) : 0;
            for (let j = first; j < term.nGroups; j++) {
              const M = Array.from({ length: K }, (_, p) =>
                Array.from({ length: K }, (_, q) => {
                  let x = p === q ? 1 : 0;
                  for (let a = 0; a < K; a++) {
                    for (let b = 0; b < K; b++) {
                      x += C(a, p) * joint[j * K * K + a * K + b] * C(b, q);
                    }
                  }
                  return x;
                }));
              logJacobian -= 0.5 * Math.log(determinant(M));
            }
            return;
          }
          term.noncentering.forEach((lambda, k) => {
            const logC = theta[term.logSdOffset + k] +
              (term.correlated ? Math.log(L[k * K + k]) : 0);
            for (let j = first; j < term.nGroups; j++) {
              const dc = term.dataCentring;
              logJacobian -= dc
                ? 0.5 * Math.log1p(dc.information[j * K + k] * Math.exp(2 * logC))
                : (1 - lambda) * logC;
            }
          });
        });
        assert.ok(
          Math.abs(lpB - (lpA + logJacobian)) < 1e-9 * Math.max(1, Math.abs(lpA)),
          `${lpB} vs ${lpA + logJacobian}`,
        );
      }
    });
  }
}

Deno.test("designColumns: a shared map gives every term the same constant derivative column", () => {
  const t = makeTable({
    treat: { kind: "number", values: Float64Array.of(0, 1, 1, 0) },
    x: { kind: "number", values: Float64Array.of(2, 3, 5, 7) },
  });
  const shared: ConstantColumns = new Map();
  const a = designColumns(t, ["treat", "treat:x"], "treat", true, undefined, undefined, shared);
  const b = designColumns(t, ["treat"], "treat", true, undefined, undefined, shared);
  // The treatment's own column changes by 1 (high − low) on every row: one array for both calls.
  assert.deepEqual([...a[0].derivatives![0]], [1, 1, 1, 1]);
  assert.equal(b[0].derivatives![0], a[0].derivatives![0]);
  // treat:x changes by x: its own array, not shared.
  assert.deepEqual([...a[1].derivatives![0]], [2, 3, 5, 7]);
  // Without a map each call has its own copy, equal.
  const c = designColumns(t, ["treat"], "treat");
  assert.notEqual(c[0].derivatives![0], a[0].derivatives![0]);
  assert.deepEqual(c[0].derivatives![0], a[0].derivatives![0]);
});

Deno.test("an outcome of 1e999 (Infinity as a number) is named too large: row, column, value, values must be finite", async () => {
  // It was 'the outcome "y" must be numeric, but row 2 has "1e999"; recode it to numbers first'.
  const spec: ModelSpec = {
    hetfx: 1,
    outcome: "y",
    family: "gaussian",
    intercept: true,
    treatment: null,
    terms: ["t"],
    groupTerms: [],
    priors: [],
  };
  const csv = "y,t,g\n1e999,0,a\n1e999,1,a\n1e999,0,b\n2,1,b\n";
  for (
    const t of [
      await loadTable(csv),
      await loadTable("y,t,g\n1,0,a\n1e999,1,a\n", { factors: ["y"] }),
    ]
  ) {
    assert.throws(
      () => compileModel(spec, t),
      (e: unknown) => {
        assert.ok(e instanceof HetfxError);
        assert.match(
          e.message,
          /the outcome "y" row \d has "1e999", a number too large to hold \(it reads as Infinity; the largest is about 1\.8e308\); values must be finite/,
        );
        assert.doesNotMatch(e.message, /must be numeric|recode/);
        return true;
      },
    );
  }
});
