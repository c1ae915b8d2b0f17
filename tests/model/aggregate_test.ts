/**
 * Aggregated data (lib/model/aggregate.ts): compiling a model from its aggregate gives the same
 * log density and gradient as compiling it from the rows, for every family, crossed varying
 * effects, a continuous covariate, a factor and a numeric treatment interaction; default priors
 * from y_median/y_mad; malformed aggregates refused naming the column.
 *
 * Also covers: aggregate_rows.ts, aggregate_stats.ts, aggregate_checks.ts, used_columns.ts.
 */
import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { CompiledModel } from "../../lib/model/compiled_model.ts";
import { aggregateDroppedMissing, aggregateLayout } from "../../lib/model/aggregate.ts";
import { aggregateRows } from "../../lib/model/aggregate_rows.ts";
import { makeTable, type Table } from "../../lib/data/table.ts";
import { HetfxError } from "../../lib/errors.ts";
import type { Family, ModelSpec } from "../../lib/spec/model_spec.ts";
import { crossedSpec, seeded, simulatedTable, treatSlopeSpec } from "./_fixtures.ts";

const FAMILIES: Family[] = ["gaussian", "bernoulli", "binomial", "poisson", "student"];

/** Log density and gradient of the row-level and aggregated compiles at random points. */
function assertSameDensity(spec: ModelSpec, rows: Table, seed: number) {
  const a = compileModel(spec, rows);
  const b = compileModel(spec, aggregateRows(spec, rows), { aggregated: true });
  assert.equal(b.dim, a.dim);
  assert.equal(b.nRows, a.nRows);
  assert.equal(b.aggregated, true);
  assert.deepEqual(b.contrasts, a.contrasts);
  assert.deepEqual(
    b.fixedMeans.map((v) => Math.round(v * 1e9)),
    a.fixedMeans.map((v) => Math.round(v * 1e9)),
  );
  // The data warnings count data rows, not key rows (none the row-level compile lacks).
  for (const w of b.warnings ?? []) assert.ok((a.warnings ?? []).includes(w), w);
  const ma = new CompiledModel(a);
  const mb = new CompiledModel(b);
  const u = seeded(seed);
  for (let rep = 0; rep < 5; rep++) {
    const theta = Float64Array.from({ length: a.dim }, () => (u() - 0.5));
    const ga = new Float64Array(a.dim);
    const gb = new Float64Array(a.dim);
    const la = ma.logDensityGradient(theta, ga);
    const lb = mb.logDensityGradient(theta, gb);
    // Same sums in another order: agreement to rounding (1e-9 relative).
    assert.ok(Math.abs(la - lb) <= 1e-9 * Math.abs(la), `${spec.family}: ${la} vs ${lb}`);
    for (let i = 0; i < a.dim; i++) {
      assert.ok(Math.abs(ga[i] - gb[i]) <= 1e-8 * (1 + Math.abs(ga[i])), `grad ${i}`);
    }
  }
  // Treatment effects per cell: the same means of derivatives.
  for (let i = 0; i < a.effectFixed.length; i++) {
    assert.ok(Math.abs(a.effectFixed[i] - b.effectFixed[i]) < 1e-9);
  }
}

for (const family of FAMILIES) {
  Deno.test(`aggregate: ${family} crossed model has the row-level log density`, () => {
    assertSameDensity(crossedSpec(family), simulatedTable(300, family, 11), 3);
  });
}

Deno.test("aggregate: few data rows are warned of by their count, not the key rows'", () => {
  const spec = crossedSpec("gaussian");
  const rows = simulatedTable(30, "gaussian", 4);
  const a = compileModel(spec, rows);
  const b = compileModel(spec, aggregateRows(spec, rows), { aggregated: true });
  const few = (w: string[] = []) => w.filter((m) => /data have only/.test(m));
  assert.equal(few(a.warnings).length, 1);
  assert.deepEqual(few(b.warnings), few(a.warnings));
});

Deno.test("aggregate: default priors come from y_median and y_mad", () => {
  for (const family of ["gaussian", "poisson"] as Family[]) {
    const spec = { ...crossedSpec(family), priors: [] };
    assertSameDensity(spec, simulatedTable(200, family, 5), 9);
  }
});

Deno.test("aggregate: the Gaussian layout sums products of the numeric variables", () => {
  const spec = crossedSpec("gaussian");
  const layout = aggregateLayout(spec, (v) => v === "f" || v === "g2");
  assert.deepEqual(layout.keys, ["f", "g1", "g2"]);
  const names = layout.sums.map((s) => s.name);
  for (
    const n of ["n", "sum__y", "sum__y__y", "sum__x", "sum__x__x", "sum__x__y", "sum__treat__x"]
  ) {
    assert.ok(names.includes(n), n);
  }
  // A bernoulli aggregate keys every covariate and sums only the outcome.
  const bern = aggregateLayout(crossedSpec("bernoulli"), (v) => v === "f");
  assert.deepEqual(bern.sums.map((s) => s.name), ["n", "sum__y"]);
  assert.ok(bern.keys.includes("x") && bern.keys.includes("treat"));
});

Deno.test("aggregate: malformed aggregates are refused naming the column", () => {
  const spec = crossedSpec("bernoulli");
  const agg = aggregateRows(spec, simulatedTable(100, "bernoulli", 2));
  const without = (name: string) =>
    makeTable(Object.fromEntries(Object.entries(agg.columns).filter(([k]) => k !== name)));
  assert.throws(
    () => compileModel(spec, without("sum__y"), { aggregated: true }),
    (e) => e instanceof HetfxError && /"sum__y" missing/.test(e.message),
  );
  assert.throws(
    () => compileModel(spec, without("x"), { aggregated: true }),
    (e) => e instanceof HetfxError && /"x" missing/.test(e.message),
  );
  const withColumn = (name: string, values: Float64Array) =>
    makeTable({ ...agg.columns, [name]: { kind: "number", values } });
  const n = (agg.columns.n as { values: Float64Array }).values;
  assert.throws(
    () =>
      compileModel(spec, withColumn("n", n.map((v, i) => i === 2 ? 0.5 : v)), { aggregated: true }),
    (e) => e instanceof HetfxError && /"n" must count rows.*row 3/.test(e.message),
  );
  assert.throws(
    () => compileModel(spec, withColumn("sum__y", n.map((v) => v + 1)), { aggregated: true }),
    (e) => e instanceof HetfxError && /events in/.test(e.message),
  );
  assert.throws(
    () => compileModel(spec, withColumn("sum__y", n.map(() => NaN)), { aggregated: true }),
    (e) => e instanceof HetfxError && /"sum__y" has a missing/.test(e.message),
  );
  // Gaussian default priors without y_median/y_mad.
  const g = { ...crossedSpec("gaussian"), priors: [] };
  const ga = aggregateRows(g, simulatedTable(100, "gaussian", 2));
  const noMedian = makeTable(
    Object.fromEntries(Object.entries(ga.columns).filter(([k]) => !k.startsWith("y_m"))),
  );
  assert.throws(
    () => compileModel(g, noMedian, { aggregated: true }),
    (e) => e instanceof HetfxError && /y_median/.test(e.message),
  );
  // x was a key (a factor with numeric labels when written) and reads back as numbers, which
  // the Gaussian layout sums: the message says to declare it a factor.
  const xKeyed = makeTable({
    ...Object.fromEntries(Object.entries(ga.columns).filter(([k]) => !/^sum__.*x/.test(k))),
    x: { kind: "number", values: new Float64Array(ga.nRows).fill(1) },
  });
  assert.throws(
    () => compileModel(g, xKeyed, { aggregated: true }),
    (e) =>
      e instanceof HetfxError && /"sum__x.*missing/.test(e.message) &&
      /"x" is a key column of the aggregate, read as numbers: if it is a factor .*declare it a factor \(--factor x,/
        .test(e.message),
  );
  const noSumY = makeTable(
    Object.fromEntries(Object.entries(ga.columns).filter(([k]) => k !== "sum__y")),
  );
  assert.throws(
    () => compileModel(g, noSumY, { aggregated: true }),
    (e) =>
      e instanceof HetfxError && /"sum__y" missing/.test(e.message) && !/key col/.test(e.message),
  );
});

Deno.test("aggregate: a summed treatment's range columns give the rows' contrast, and are required", () => {
  const spec: ModelSpec = { ...treatSlopeSpec(["treat"], 1), family: "gaussian", priors: [] };
  const simulated = simulatedTable(120, "gaussian", 3);
  const rows = makeTable({ ...simulated.columns, g: simulated.columns.g1 });
  const plusMinus = replaced(rows, "treat", (i) => i % 3 === 0 ? 1 : -1);
  const agg = aggregateRows(spec, plusMinus);
  assert.equal(compileModel(spec, agg, { aggregated: true }).contrasts[0].name, "1 - -1");
  // A reference names the low side, as with the rows.
  const referenced = { ...spec, treatmentReference: "1" };
  assert.deepEqual(
    compileModel(referenced, agg, { aggregated: true }).contrasts,
    compileModel(referenced, plusMinus).contrasts,
  );
  // Rows strictly inside the range: a per-unit slope, and a reference is refused.
  const graded = aggregateRows(spec, replaced(rows, "treat", (i) => (i % 3) / 2));
  assert.equal(compileModel(spec, graded, { aggregated: true }).contrasts[0].kind, "continuous");
  assert.throws(
    () => compileModel({ ...spec, treatmentReference: "0" }, graded, { aggregated: true }),
    (e) => e instanceof HetfxError && /needs a factor or two-valued treatment/.test(e.message),
  );
  // An aggregate without them (an older one, or written by hand) is refused, naming them.
  const without = makeTable(
    Object.fromEntries(
      Object.entries(agg.columns).filter(([k]) =>
        !k.endsWith("__treat") ||
        k.startsWith("sum__")
      ),
    ),
  );
  assert.throws(
    () => compileModel(spec, without, { aggregated: true }),
    (e) =>
      e instanceof HetfxError &&
      /"min__treat", "max__treat", "between__treat" missing.*treatment's range/.test(e.message),
  );
  // Stacked from parts aggregated apart (t in {0, 1} in one, {1, 2} in the other): each part's
  // between__t is 0 against its own range, so a per-row range is refused, not read as 2 − 0.
  const partA = aggregateRows(spec, replaced(rows, "treat", (i) => i % 2));
  const partB = aggregateRows(spec, replaced(rows, "treat", (i) => 1 + (i % 2)));
  const stacked = makeTable(Object.fromEntries(
    Object.keys(partA.columns).map((k) => {
      const a = partA.columns[k];
      const b = partB.columns[k];
      if (a.kind === "factor" && b.kind === "factor") {
        return [k, { ...a, codes: Int32Array.from([...a.codes, ...b.codes]) }];
      }
      return [k, {
        kind: "number",
        values: Float64Array.from([
          ...(a as { values: Float64Array }).values,
          ...(b as { values: Float64Array }).values,
        ]),
      }];
    }),
  ));
  assert.throws(
    () => compileModel(spec, stacked, { aggregated: true }),
    (e) =>
      e instanceof HetfxError && /"min__treat" must hold .* the same on every row/.test(e.message),
  );
  // A key treatment (a factor, or any treatment of a patterns family) needs none.
  assert.equal(aggregateLayout({ ...spec, family: "bernoulli" }, () => false).treatmentRange, null);
});

/** The table with column `name` replaced by `values`. */
function replaced(rows: Table, name: string, values: (i: number) => number): Table {
  const v = Float64Array.from({ length: rows.nRows }, (_, i) => values(i));
  return makeTable({ ...rows.columns, [name]: { kind: "number", values: v } });
}

/** Compiling the aggregate of `rows` throws a HetfxError matching `pattern`, as the rows do. */
function refusedLikeRows(spec: ModelSpec, rows: Table, pattern: RegExp) {
  const isRefusal = (e: Error) => e instanceof HetfxError && pattern.test(e.message);
  assert.throws(() => compileModel(spec, rows), (e: Error) => e instanceof HetfxError);
  assert.throws(
    () => compileModel(spec, aggregateRows(spec, rows), { aggregated: true }),
    isRefusal,
  );
}

Deno.test("aggregate: outcome variation is checked from the sums", () => {
  const gaussian = crossedSpec("gaussian");
  const rows = simulatedTable(200, "gaussian", 6);
  refusedLikeRows(gaussian, replaced(rows, "y", () => 2.5), /"y" has no variation/);
  const bernoulli = crossedSpec("bernoulli");
  const events = simulatedTable(200, "bernoulli", 6);
  refusedLikeRows(bernoulli, replaced(events, "y", () => 1), /"y" is an event in every row/);
  refusedLikeRows(bernoulli, replaced(events, "y", () => 0), /"y" is 0 \(no event\)/);
  const binomial = crossedSpec("binomial");
  const trials = (simulatedTable(200, "binomial", 6).columns.trials as { values: Float64Array })
    .values;
  refusedLikeRows(
    binomial,
    replaced(simulatedTable(200, "binomial", 6), "y", (i) => trials[i]),
    /"y" is an event in every row/,
  );
  // Varying outcomes pass, with the row fit's warnings (checked in assertSameDensity too).
  const ok = compileModel(gaussian, aggregateRows(gaussian, rows), { aggregated: true });
  assert.equal(ok.aggregated, true);
});

Deno.test("aggregate: constant and collinear Gaussian columns are refused from the sums", () => {
  const spec = crossedSpec("gaussian");
  const rows = simulatedTable(200, "gaussian", 8);
  refusedLikeRows(spec, replaced(rows, "x", () => 0.75), /predictor "x" has the same value/);
  // x2 = 2x − 1: perfectly collinear with x (the columns are centred).
  const x = (rows.columns.x as { values: Float64Array }).values;
  const collinear = { ...spec, terms: [...spec.terms, "x2"] };
  refusedLikeRows(
    collinear,
    replaced(rows, "x2", (i) => 2 * x[i] - 1),
    /"x2" is perfectly collinear with "x"/,
  );
  // An independent second covariate is fine.
  const u = seeded(21);
  const free = replaced(rows, "x2", () => u());
  compileModel(collinear, aggregateRows(collinear, free), { aggregated: true });
});

Deno.test("aggregate: likelihood weights sum into Σw, Σw·y, … with the row-level log density", () => {
  for (const family of FAMILIES) {
    const rows = simulatedTable(300, family, 12);
    // Weights 0.5, 1, …, 2.5 by row: uneven within every key.
    const weighted = replaced(rows, "w", (i) => 0.5 * (1 + (i % 5)));
    const spec = { ...crossedSpec(family), weights: "w" };
    assertSameDensity(spec, weighted, 4);
    const layout = aggregateLayout(spec, (v) => v === "f" || v === "g2");
    assert.ok(!layout.keys.includes("w"), family);
    assert.ok(layout.sums.some((s) => s.name === "sum__w"), family);
    assert.ok(layout.sums.some((s) => s.name === "sum__w__y"), family);
  }
  // Negative summed weights are refused naming the column.
  const spec = { ...crossedSpec("gaussian"), weights: "w" };
  const agg = aggregateRows(spec, replaced(simulatedTable(100, "gaussian", 3), "w", () => 1));
  const sw = (agg.columns.sum__w as { values: Float64Array }).values;
  assert.throws(
    () =>
      compileModel(spec, replaced(agg, "sum__w", (i) => i === 1 ? -1 : sw[i]), {
        aggregated: true,
      }),
    (e: Error) => e instanceof HetfxError && /"sum__w".*-1 in row 2/.test(e.message),
  );
});

Deno.test("aggregateDroppedMissing reads dropped_rows and missing__v, and refuses counts that differ", () => {
  const num = (...v: number[]) => ({ kind: "number" as const, values: Float64Array.from(v) });
  const record = aggregateDroppedMissing(
    makeTable({
      g: num(1, 2),
      dropped_rows: num(3, 3),
      missing__y: num(2, 2),
      missing__x: num(1, 1),
    }),
  );
  assert.deepEqual(record, {
    rows: 3,
    byColumn: { y: 2, x: 1 },
    by: "the aggregation (its dropped_rows column)",
  });
  assert.equal(aggregateDroppedMissing(makeTable({ g: num(1, 2) })), undefined);
  assert.equal(aggregateDroppedMissing(makeTable({ dropped_rows: num(0, 0) })), undefined);
  assert.throws(
    () => aggregateDroppedMissing(makeTable({ dropped_rows: num(3, 4) })),
    /column "dropped_rows" must hold one count of rows .* but row 2 holds 4/,
  );
});
