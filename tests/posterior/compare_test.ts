/**
 * compare(): OLS with interactions checked against normal equations solved here by Gauss–Jordan
 * elimination (not ml-matrix), with HC2 computed from its definition; subgroup differences in
 * means by hand; the hierarchical column equal to groupEffects. Tolerances: 1e-8 (linear algebra
 * on a 15-column design, condition number ≲ 1e4).
 *
 * With likelihood weights: the OLS and subgroup columns against R (lm(weights = w) and
 * sandwich's HC2, fixtures/wls_hc2_reference.R, 1e-9), weights of 1 against no weights (bit for
 * bit), and the outcome-scale hierarchical column against weighted effects().
 */
import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import assert from "node:assert/strict";
import {
  compare,
  compareFit,
  type ComparisonRow,
  olsHc2,
  shrinkageSummary,
} from "../../lib/posterior/compare.ts";
import { designColumns } from "../../lib/model/design.ts";
import { smallTable, tomzFit } from "./_fixtures.ts";
import { makeTable, type Table, withColumn } from "../../lib/data/table.ts";
import { formula } from "../../lib/spec/formula.ts";
import { WLS_REFERENCE } from "./_wls_reference.ts";

/** Inverse by Gauss–Jordan with partial pivoting. */
function invert(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    const d = m[c][c];
    for (let j = 0; j < 2 * n; j++) m[c][j] /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c];
      for (let j = 0; j < 2 * n; j++) m[r][j] -= f * m[c][j];
    }
  }
  return m.map((row) => row.slice(n));
}

Deno.test("compare: OLS coefficients and HC2 SEs match an independent closed form", async () => {
  const fit = await tomzFit();
  const t = fit.table!;
  const cols = designColumns(t, fit.spec.terms, "alliance");
  const n = t.nRows;
  const X = Array.from({ length: n }, (_, i) => [1, ...cols.map((c) => c.values[i])]);
  const y = (t.columns.force as { values: Float64Array }).values;
  const p = X[0].length;
  const xtx = Array.from(
    { length: p },
    (_, a) => Array.from({ length: p }, (_, b) => X.reduce((s, row) => s + row[a] * row[b], 0)),
  );
  const inv = invert(xtx);
  const xty = Array.from({ length: p }, (_, a) => X.reduce((s, row, i) => s + row[a] * y[i], 0));
  const beta = inv.map((row) => row.reduce((s, v, b) => s + v * xty[b], 0));
  // HC2 meat: Σ xᵢxᵢᵀ eᵢ² / (1 − hᵢᵢ).
  const meat = Array.from({ length: p }, () => new Array(p).fill(0));
  X.forEach((row, i) => {
    const e = y[i] - row.reduce((s, v, a) => s + v * beta[a], 0);
    const h = row.reduce((s, v, a) => s + v * inv[a].reduce((u, w, b) => u + w * row[b], 0), 0);
    for (let a = 0; a < p; a++) {
      for (let b = 0; b < p; b++) meat[a][b] += row[a] * row[b] * e * e / (1 - h);
    }
  });
  const mm = (A: number[][], B: number[][]) =>
    A.map((r) => B[0].map((_, j) => r.reduce((s, v, k) => s + v * B[k][j], 0)));
  const V = mm(mm(inv, meat), inv);

  const c = await compareFit(fit);
  assert.deepEqual(c.ols.names, ["Intercept", ...fit.data.fixedNames]);
  for (let a = 0; a < p; a++) {
    assert.ok(Math.abs(c.ols.coef[a] - beta[a]) < 1e-8, `coef ${c.ols.names[a]}`);
    assert.ok(Math.abs(c.ols.se[a] - Math.sqrt(V[a][a])) < 1e-8, `se ${c.ols.names[a]}`);
  }

  // Group rows: interaction effect = b_alliance + Σ b_alliance:m · m; subgroup diff by hand.
  const v = (name: string, i: number) => (t.columns[name] as { values: Float64Array }).values[i];
  const idx = (name: string) => c.ols.names.indexOf(name);
  const effects = fit.groupEffects();
  assert.equal(c.rows.length, effects.length);
  for (const row of c.rows.filter((r) => ["1_1_4_4", "0_0_1_5", "1_0_2_3"].includes(r.group))) {
    const [white, male, intl, hawk] = row.group.split("_").map(Number);
    const d = new Array(p).fill(0);
    d[idx("alliance")] = 1;
    d[idx("alliance:white")] = white;
    d[idx("alliance:male")] = male;
    d[idx("alliance:intl")] = intl;
    d[idx("alliance:hawk")] = hawk;
    const est = d.reduce((s, x, a) => s + x * beta[a], 0);
    const se = Math.sqrt(
      d.reduce((s, x, a) => s + x * d.reduce((u, z, b) => u + V[a][b] * z, 0), 0),
    );
    assert.ok(Math.abs(row.interaction_estimate - est) < 1e-8);
    assert.ok(Math.abs(row.interaction_se! - se) < 1e-8);
    const members = Array.from({ length: t.nRows }, (_, i) => i).filter((i) =>
      v("white", i) === white && v("male", i) === male && v("intl", i) === intl &&
      v("hawk", i) === hawk
    );
    const arm = (k: number) => members.filter((i) => v("alliance", i) === k).map((i) => y[i]);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const vr = (xs: number[]) => xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1);
    const y1 = arm(1), y0 = arm(0);
    assert.equal(row.n, members.length);
    assert.equal(row.n_treated, y1.length);
    assert.ok(Math.abs(row.subgroup_estimate! - (mean(y1) - mean(y0))) < 1e-12);
    if (y1.length < 2 || y0.length < 2) assert.equal(row.subgroup_se, null);
    else {
      const welch = Math.sqrt(vr(y1) / y1.length + vr(y0) / y0.length);
      assert.ok(Math.abs(row.subgroup_se! - welch) < 1e-12);
    }
    const g = effects.find((e) => e.group === row.group)!;
    assert.equal(row.hierarchical_mean, g.mean);
  }
  // Shrinkage: the subgroup estimates are far more dispersed and their intervals wider.
  assert.ok(c.shrinkage.sd_estimates.subgroup > 2 * c.shrinkage.sd_estimates.hierarchical);
  assert.ok(c.shrinkage.median_width.subgroup > c.shrinkage.median_width.hierarchical);
  assert.ok(c.shrinkage.pooling_factor > 0 && c.shrinkage.pooling_factor <= 1.2);
});

Deno.test("olsHc2: the HC2 SE of a difference in means equals the Welch/Neyman SE", async () => {
  const y = Float64Array.of(1, 3, 2, 7, 4, 9, 8, 5);
  const d = Float64Array.of(0, 0, 0, 1, 0, 1, 1, 1);
  const fit = await olsHc2([new Float64Array(8).fill(1), d], y, ["1", "d"]);
  const y1 = [7, 9, 8, 5], y0 = [1, 3, 2, 4];
  const m = (xs: number[]) => xs.reduce((a, b) => a + b) / xs.length;
  const v = (xs: number[]) => xs.reduce((a, x) => a + (x - m(xs)) ** 2, 0) / (xs.length - 1);
  assert.ok(Math.abs(fit.coef[1] - (m(y1) - m(y0))) < 1e-12);
  assert.ok(Math.abs(fit.se[1] - Math.sqrt(v(y1) / 4 + v(y0) / 4)) < 1e-12);
});

Deno.test("compare on a logit model: every column on the outcome (probability) scale; level checked", async () => {
  const t = smallTable();
  const y = (t.columns.y as { values: Float64Array }).values;
  const event = Float64Array.from(y, (v) => (v > 1.5 ? 1 : 0));
  const table = makeTable({ ...t.columns, event: { kind: "number", values: event } });
  const fit = await formula("event ~ 1 + treat + (1 + treat | g)", table, { family: "bernoulli" })
    .fit({ chains: 2, warmup: 200, draws: 200, seed: 4, progress: false });
  const c = await compareFit(fit);
  const byGroup = fit.effects({ by: ["g"] }).slice(1);
  assert.equal(c.rows.length, 4);
  for (const row of c.rows) {
    const e = byGroup.find((x) => x.by.g === row.group)!;
    assert.ok(Math.abs(row.hierarchical_mean - e.mean) < 1e-12, `group ${row.group}`);
    // Probabilities differ by at most 1; with 60 rows per group the pooled estimate stays near
    // the group's own difference in means (its standard error here is about 0.1).
    assert.ok(Math.abs(row.hierarchical_mean) <= 1 && row.hierarchical_lower >= -1);
    assert.ok(Math.abs(row.hierarchical_mean - row.subgroup_estimate!) < 0.3, `group ${row.group}`);
  }
  await assert.rejects(
    () => compareFit(fit, { level: 2 }),
    /level = 2 must lie strictly between 0 and 1/,
  );
  await assert.rejects(() => compareFit(fit, { level: 0 }), /level = 0 must lie/);
  // Fit options given directly, not under `fit`, are refused before any fit (not ignored).
  const model = formula("event ~ 1 + treat + (1 + treat | g)", table, { family: "bernoulli" });
  await assert.rejects(
    () => compare(model, { chains: 1 } as never),
    /Cannot compare: unknown option "chains"; here it is a fit option: compare\(model, \{ fit: \{ chains/,
  );
  await assert.rejects(() => compareFit(fit, { levl: 0.9 } as never), /unknown option "levl"/);
  // A model whose treatment effect does not vary by group is refused before any fit, saying how.
  await assert.rejects(
    () => compare(formula("event ~ 1 + treat + (1 | g)", table, { family: "bernoulli" })),
    /needs a treatment whose effect varies by group, as in "event ~ 1 \+ treat \+ \(1 \+ treat \| g\)"; this one has no varying slope/,
  );
  await assert.rejects(
    () => compare(formula("event ~ 1 + treat", table, { family: "bernoulli" })),
    /this one has no grouping term\./,
  );
});

/** Comparison rows whose hierarchical means are a + slope × (subgroup estimate − its mean). */
function shrunkRows(subgroup: number[], slope: number, a: number): ComparisonRow[] {
  const mean = subgroup.reduce((s, v) => s + v, 0) / subgroup.length;
  return subgroup.map((s, i) => ({
    group: `g${i}`,
    levels: { g: `g${i}` },
    n: 20,
    n_treated: 10,
    n_control: 10,
    interaction_estimate: s,
    interaction_se: 1,
    interaction_lower: s - 2,
    interaction_upper: s + 2,
    subgroup_estimate: s,
    subgroup_se: 1,
    subgroup_lower: s - 2,
    subgroup_upper: s + 2,
    hierarchical_mean: a + slope * (s - mean),
    hierarchical_sd: 0.5,
    hierarchical_lower: a + slope * (s - mean) - 1,
    hierarchical_upper: a + slope * (s - mean) + 1,
  }));
}

Deno.test("pooling factor is 1 − slope of hierarchical on subgroup estimates, exactly", () => {
  const sub = [-1.3, 0.2, 0.9, 2.4, -0.6, 1.1];
  // Hierarchical means on an exact line: the least-squares slope is that line's slope, so the
  // factor is 1 − slope up to rounding (1e-12 on values of order 1).
  for (const slope of [0, 0.25, 0.7, 1]) {
    const s = shrinkageSummary(shrunkRows(sub, slope, 0.4));
    assert.ok(
      Math.abs(s.pooling_factor - (1 - slope)) < 1e-12,
      `slope ${slope}: ${s.pooling_factor}`,
    );
  }
  // No pooling (hierarchical = subgroup) gives 0; complete pooling (one common value) gives 1.
  assert.ok(Math.abs(shrinkageSummary(shrunkRows(sub, 1, 0)).pooling_factor) < 1e-12);
  assert.ok(Math.abs(shrinkageSummary(shrunkRows(sub, 0, 3)).pooling_factor - 1) < 1e-12);
});

Deno.test("shrinkage: no subgroup SD without two groups that have a subgroup SE (not 0)", () => {
  // Every group of one treated and one control row: a difference in means but no SE, so no
  // group counts for the subgroup column's spread, which is unknown (NaN; null in the JSON),
  // not 0 (which would say the subgroup estimates agree exactly).
  const rows = shrunkRows([1, 1.5, 1.7, 1.8], 0.5, 1.4).map((r) => ({
    ...r,
    subgroup_se: null,
    subgroup_lower: null,
    subgroup_upper: null,
  }));
  const s = shrinkageSummary(rows);
  assert.equal(s.groups_with_subgroup, 0);
  assert.ok(Number.isNaN(s.sd_estimates.subgroup), String(s.sd_estimates.subgroup));
  assert.ok(Number.isNaN(s.median_width.subgroup));
  // One group with an SE: no spread either.
  const one = shrinkageSummary(rows.map((r, i) => i === 0 ? shrunkRows([1], 1, 0)[0] : r));
  assert.equal(one.groups_with_subgroup, 1);
  assert.ok(Number.isNaN(one.sd_estimates.subgroup), String(one.sd_estimates.subgroup));
  assert.ok(shrinkageSummary(rows).sd_estimates.hierarchical > 0);
});

const weightedReference = WLS_REFERENCE.compare;

/** The R reference's data: 4 groups a–d, treat, x, weights w (5 rows of weight 0). */
function weightedTable(): Table {
  const r = weightedReference;
  const levels = [...new Set(r.g)].sort();
  return makeTable({
    y: { kind: "number", values: Float64Array.from(r.y) },
    treat: { kind: "number", values: Float64Array.from(r.treat) },
    g: { kind: "factor", codes: Int32Array.from(r.g, (v) => levels.indexOf(v)), levels },
    x: { kind: "number", values: Float64Array.from(r.x) },
    w: { kind: "number", values: Float64Array.from(r.w) },
  });
}

const QUICK = { chains: 2, warmup: 150, draws: 150, seed: 5, progress: false };

Deno.test("compare with weights: OLS is weighted least squares and subgroups weighted, with HC2, as R computes them", async () => {
  const r = weightedReference;
  const c = await compare(formula(r.formula, weightedTable()), { fit: QUICK });
  const close = (a: number, b: number, what: string) =>
    assert.ok(Math.abs(a - b) <= 1e-9 * Math.abs(b), `${what}: ${a} vs R ${b}`);
  // R names the intercept "(Intercept)"; the other names are R's model.matrix names.
  const rName = (name: string) => (name === "Intercept" ? "(Intercept)" : name);
  assert.deepEqual(c.ols.names.map(rName).sort(), [...r.ols_names].sort());
  c.ols.names.forEach((name, j) => {
    const k = r.ols_names.indexOf(rName(name));
    close(c.ols.coef[j], r.ols_coef[k], `coef ${name}`);
    close(c.ols.se[j], r.ols_se[k], `HC2 se ${name}`);
  });
  assert.equal(c.ols.n, r.w.length - r.zero_weight_rows.length);
  assert.deepEqual(c.rows.map((row) => row.group), r.groups);
  c.rows.forEach((row, k) => {
    close(row.interaction_estimate, r.interaction_estimate[k], `interaction ${row.group}`);
    close(row.interaction_se!, r.interaction_se[k], `interaction se ${row.group}`);
    close(row.subgroup_estimate!, r.subgroup_estimate[k], `subgroup ${row.group}`);
    close(row.subgroup_se!, r.subgroup_se[k], `subgroup se ${row.group}`);
  });
  assert.equal(c.rows.reduce((s, row) => s + row.n, 0), r.w.length); // counts: rows of any weight
});

Deno.test("compare with weights of 1 gives the unweighted OLS and subgroup columns bit for bit", async () => {
  const table = weightedTable();
  const ones = withColumn(table, "one", {
    kind: "number",
    values: new Float64Array(table.nRows).fill(1),
  });
  const model = "y ~ treat * (g + x) + (1 + treat | g)";
  const plain = await compare(formula(model, ones), { fit: QUICK });
  const weighted = await compare(formula(model.replace("y ~", "y | weights(one) ~"), ones), {
    fit: QUICK,
  });
  assert.deepEqual(weighted.ols, plain.ols);
  const frequentist = (c: typeof plain) =>
    c.rows.map((
      {
        hierarchical_mean: _m,
        hierarchical_sd: _s,
        hierarchical_lower: _l,
        hierarchical_upper: _u,
        ...rest
      },
    ) => rest);
  assert.deepEqual(frequentist(weighted), frequentist(plain));
});

Deno.test("compare with weights on a logit model: the outcome-scale hierarchical column averages with the weights", async () => {
  const t = smallTable();
  const y = (t.columns.y as { values: Float64Array }).values;
  const g = (t.columns.g as { values: Float64Array }).values;
  const w = (t.columns.w as { values: Float64Array }).values;
  const event = Float64Array.from(y, (v) => (v > 1.5 ? 1 : 0));
  // Group 4's rows all weigh 0: its averages fall back to unweighted, its subgroup is empty.
  const w0 = Float64Array.from(w, (v, i) => (g[i] === 4 ? 0 : v));
  const table = makeTable({
    ...t.columns,
    event: { kind: "number", values: event },
    w0: { kind: "number", values: w0 },
  });
  const fit = await formula("event | weights(w0) ~ 1 + treat + x + (1 + treat | g)", table, {
    family: "bernoulli",
  }).fit({ chains: 2, warmup: 200, draws: 200, seed: 4, progress: false });
  const c = await compareFit(fit);
  const weightedEffects = fit.effects({ by: ["g"], weights: "w" }).slice(1);
  const plainEffects = fit.effects({ by: ["g"] }).slice(1);
  assert.equal(c.rows.length, 4);
  for (const row of c.rows) {
    const source = row.group === "4" ? plainEffects : weightedEffects;
    const e = source.find((x) => x.by.g === row.group)!;
    assert.ok(Math.abs(row.hierarchical_mean - e.mean) < 1e-12, `group ${row.group}`);
    if (row.group === "4") {
      assert.equal(row.subgroup_estimate, null);
      assert.ok(Number.isFinite(row.interaction_estimate));
      continue;
    }
    // The weighted difference in means, by hand.
    const arm = (k: number) => {
      let sw = 0, swy = 0;
      for (let i = 0; i < table.nRows; i++) {
        if (
          String(g[i]) === row.group && t.columns.treat.kind === "number" &&
          t.columns.treat.values[i] === k
        ) (sw += w0[i]), (swy += w0[i] * event[i]);
      }
      return swy / sw;
    };
    assert.ok(Math.abs(row.subgroup_estimate! - (arm(1) - arm(0))) < 1e-12, `group ${row.group}`);
    // Unweighted, the averages differ: the test tells the two apart.
    const plain = plainEffects.find((x) => x.by.g === row.group)!;
    assert.ok(Math.abs(plain.mean - e.mean) > 1e-6, `group ${row.group}`);
  }
});

Deno.test("compare: groups of a binned modifier are listed in interval order, as groupEffects lists them", async () => {
  const { binColumn } = await import("../../lib/data/bin.ts");
  const table = binColumn(smallTable(), "x", { breaks: [-4, -0.5, 0.5, 4] });
  const fit = await formula("y ~ 1 + treat + (1 + treat | x_bin)", table).fit({
    chains: 2,
    warmup: 150,
    draws: 150,
    seed: 1,
    progress: false,
  });
  const c = await compareFit(fit);
  // Text order would put "(-0.5,0.5]" before "[-4,-0.5]": the lowest bin last.
  assert.deepEqual(c.rows.map((r) => r.group), ["[-4,-0.5]", "(-0.5,0.5]", "(0.5,4]"]);
  assert.deepEqual(c.rows.map((r) => r.group), fit.groupEffects().map((e) => e.group));
});

/** Mean of `y` over the rows where `keep` holds. */
function meanWhere(y: ArrayLike<number>, keep: (i: number) => boolean): number {
  let s = 0, m = 0;
  for (let i = 0; i < y.length; i++) if (keep(i)) (s += y[i]), m++;
  return s / m;
}

Deno.test("compare on an ordinal outcome with declared levels: every column on the category numbers 1…K", async () => {
  const t = smallTable();
  const y = (t.columns.y as { values: Float64Array }).values;
  const treat = (t.columns.treat as { values: Float64Array }).values;
  const g = (t.columns.g as { values: Float64Array }).values;
  // Category 1, 2, 3 by y; written as the numbers 5, 3, 1 (declared [5, 3, 1]: category k is
  // the k-th) and as text answers.
  const category = Float64Array.from(y, (v) => (v < 0.8 ? 1 : v < 1.6 ? 2 : 3));
  const coded = Float64Array.from(category, (k) => 7 - 2 * k);
  const labels = ["lo", "mid", "hi"];
  const text = {
    kind: "factor" as const,
    codes: Int32Array.from(category, (k) => k - 1),
    levels: labels,
  };
  const table = makeTable({ ...t.columns, coded: { kind: "number", values: coded }, text });
  const options = { chains: 1, warmup: 150, draws: 150, seed: 2, progress: false };
  for (
    const [outcome, levels] of [["coded", [5, 3, 1]], ["text", labels]] as const
  ) {
    const model = formula(`${outcome} ~ 1 + treat + (1 + treat | g)`, table, {
      family: "cumulative",
      levels: [...levels],
    });
    const c = await compare(model, { fit: options });
    // y ~ 1 + treat: the OLS coefficient is the difference in mean category number.
    const common = meanWhere(category, (i) => treat[i] === 1) -
      meanWhere(category, (i) => treat[i] === 0);
    assert.ok(common > 0.5, `${outcome}: the fixture's effect is clearly positive`);
    for (const row of c.rows) {
      const inGroup = (arm: number) => (i: number) =>
        String(g[i]) === row.group && treat[i] === arm;
      const diff = meanWhere(category, inGroup(1)) - meanWhere(category, inGroup(0));
      assert.ok(Math.abs(row.subgroup_estimate! - diff) < 1e-12, `${outcome} group ${row.group}`);
      assert.ok(Math.abs(row.interaction_estimate - common) < 1e-12, `${outcome} ${row.group}`);
      // E[y] over categories 1…K rises with the treatment too: the same sign and scale.
      assert.ok(Math.abs(row.hierarchical_mean - diff) < 0.3, `${outcome} group ${row.group}`);
    }
  }
});

Deno.test("compare, fully interacted: a group with one treated row has no interaction SE (null), the others Welch's", async () => {
  const t = smallTable();
  const g = (t.columns.g as { values: Float64Array }).values;
  const y = (t.columns.y as { values: Float64Array }).values;
  // Group "d" keeps one treated row: its treated mean is that row, of unknown variance.
  let kept = false;
  const treat = Float64Array.from((t.columns.treat as { values: Float64Array }).values, (v, i) => {
    if (g[i] !== 4 || v !== 1) return v;
    if (kept) return 0;
    kept = true;
    return 1;
  });
  const gf = {
    kind: "factor" as const,
    codes: Int32Array.from(g, (v) => v - 1),
    levels: ["a", "b", "c", "d"],
  };
  const table = makeTable({ ...t.columns, treat: { kind: "number", values: treat }, gf });
  const fit = await formula("y ~ 1 + treat * gf + (1 + treat | gf)", table).fit({
    chains: 1,
    warmup: 150,
    draws: 150,
    seed: 1,
    progress: false,
  });
  const c = await compareFit(fit);
  for (const row of c.rows) {
    // One treatment coefficient per cell: the OLS effect is the cell's difference in means.
    const inGroup = (arm: number) => (i: number) => fitLevel(row.group, g[i]) && treat[i] === arm;
    const diff = meanWhere(y, inGroup(1)) - meanWhere(y, inGroup(0));
    assert.ok(Math.abs(row.interaction_estimate - diff) < 1e-10, `group ${row.group}`);
    if (row.group === "d") {
      assert.equal(row.n_treated, 1);
      assert.equal(row.interaction_se, null, "the SE would be the control arm's alone");
      assert.equal(row.interaction_lower, null);
      assert.equal(row.interaction_upper, null);
      assert.equal(row.subgroup_se, null);
    } else {
      // HC2 in a saturated cell model is the Welch SE, which the subgroup column computes.
      assert.ok(Math.abs(row.interaction_se! - row.subgroup_se!) < 1e-10, `group ${row.group}`);
    }
  }
  // The summary's median interaction width is over the groups that have one.
  const widths = c.rows.filter((r) => r.interaction_se !== null)
    .map((r) => r.interaction_upper! - r.interaction_lower!).sort((a, b) => a - b);
  assert.ok(Math.abs(c.shrinkage.median_width.interaction - widths[1]) < 1e-12);
});

/** Whether group label `label` ("a"…"d") is level `code` (1…4) of the fixture's gf. */
function fitLevel(label: string, code: number): boolean {
  return "abcd".indexOf(label) + 1 === code;
}

Deno.test("compare refuses, before sampling, a missing, −1/+1 or three-valued treatment and a text outcome, saying what to do", async () => {
  const { tableFromCsvText } = await import("../../lib/data/load_table.ts");
  const rows = (treat: string[], y = ["1", "2", "3", "4", "1.5", "2.5"]) =>
    tableFromCsvText(
      "y,treat,g\n" + treat.map((t, i) => `${y[i]},${t},${"aabbab"[i]}`).join("\n") + "\n",
    );
  const refuse = (table: Table, message: RegExp, family = "gaussian") =>
    assert.rejects(
      () => compare(formula("y ~ 1 + treat + (1 + treat | g)", table, { family } as never)),
      message,
    );
  // Before: 'the subgroup difference in means needs a 0/1 treatment; "treat" has the value NaN.'
  await refuse(
    rows(["0", "1", "", "1", "0", "1"]),
    /Cannot compare methods: missing values in "treat" \(1 row\)\. Drop incomplete rows first/,
  );
  await refuse(
    rows(["-1", "1", "1", "-1", "-1", "1"]),
    /takes the values -1, 1\. Code it 0\/1 \(0 for -1, 1 for 1\): each column is then the 1 − \(−1\) contrast the fit reports for it \(its coefficient on the -1\/1 coding is that contrast over 2\)/,
  );
  await refuse(
    rows(["0", "1", "2", "1", "0", "2"]),
    /takes the values 0, 1, 2\. compare needs two arms coded 0\/1/,
  );
  await refuse(
    rows(["0", "1", "0", "1", "0", "1"], ["yes", "no", "yes", "no", "no", "yes"]),
    /the outcome "y" must be numeric, but row 1 has "yes"; recode it to numbers first \(1 for the event, 0 otherwise\)\./,
    "bernoulli",
  );
});

Deno.test("compare: intervals use t, n − p df for OLS and Welch's df per subgroup, as R (fixtures/compare_t_intervals.R)", async () => {
  const y = [4, 5, 6, 1, 2, 3, 3, 5, 7, 0, 2, 4];
  const treat = [1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0];
  const table = makeTable({
    y: { kind: "number", values: Float64Array.from(y) },
    treat: { kind: "number", values: Float64Array.from(treat) },
    g: { kind: "factor", codes: Int32Array.from(y, (_, i) => (i < 6 ? 0 : 1)), levels: ["a", "b"] },
  });
  const fit = await formula("y ~ 1 + treat + (1 + treat | g)", table).fit({
    chains: 1,
    warmup: 100,
    draws: 100,
    seed: 1,
    progress: false,
  });
  const c = await compareFit(fit);
  // R: lm(y ~ t), vcovHC(type = "HC2"), qt(0.975, 10); t.test(treated, control)$conf.int.
  const R = {
    interaction: [1.1807322455209801, 4.8192677544790197],
    a: [0.73304206447248155, 5.26695793552751912],
    b: [-1.5339158710550371, 7.5339158710550373],
  };
  for (const row of c.rows) {
    const sub = R[row.group as "a" | "b"];
    const near = (x: number | null, r: number, what: string) =>
      assert.ok(Math.abs(x! - r) < 1e-9, `${what} ${row.group}: ${x} vs R ${r}`);
    near(row.interaction_lower, R.interaction[0], "interaction lower");
    near(row.interaction_upper, R.interaction[1], "interaction upper");
    near(row.subgroup_lower, sub[0], "subgroup lower");
    near(row.subgroup_upper, sub[1], "subgroup upper");
  }
});
