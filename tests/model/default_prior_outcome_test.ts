/**
 * defaultPriorsUseOutcome agrees with compileModel: an aggregate without y_median/y_mad compiles
 * exactly when the function says no default prior needs them (priors given or taken away one
 * class at a time, per family, with and without an intercept); the sufficient-statistics query
 * then has no median, and aggregateRows no median columns.
 */
import assert from "node:assert/strict";
import { defaultPriorsUseOutcome } from "../../lib/model/default_prior_outcome.ts";
import { aggregateRows } from "../../lib/model/aggregate_rows.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { sufficientStatisticsSQL } from "../../lib/model/sufficient_statistics_sql.ts";
import { makeTable, type Table } from "../../lib/data/table.ts";
import { HetfxError } from "../../lib/errors.ts";
import type { Family, ModelSpec, PriorSpec } from "../../lib/spec/model_spec.ts";
import { crossedSpec, simulatedTable } from "./_fixtures.ts";

const isFactor = (v: string) => v === "f" || v === "g2";

/** The table without the median/MAD columns. */
function withoutMedian(t: Table): Table {
  const { y_median: _m, y_mad: _d, ...rest } = t.columns;
  return makeTable(rest);
}

/** Whether compiling the aggregate without y_median/y_mad asks for them. */
function compileNeedsMedian(spec: ModelSpec, rows: Table): boolean {
  // aggregateRows of the spec with default priors has the columns; they are then taken away.
  const aggregate = withoutMedian(aggregateRows({ ...spec, priors: [] }, rows));
  try {
    compileModel(spec, aggregate, { aggregated: true });
    return false;
  } catch (e) {
    if (e instanceof HetfxError && /needs the outcome's median and MAD/.test(e.message)) {
      return true;
    }
    throw e;
  }
}

/** The crossed spec's priors, less those of `drop` (a class, or class:group for sd). */
function without(spec: ModelSpec, drop: string): PriorSpec[] {
  return spec.priors.filter((p) => p.class + (p.group ? ":" + p.group : "") !== drop);
}

for (const family of ["gaussian", "student", "poisson", "negbinomial", "bernoulli"] as Family[]) {
  Deno.test(`defaultPriorsUseOutcome: ${family} agrees with compileModel`, () => {
    const rows = simulatedTable(120, family, 5);
    const base = crossedSpec(family);
    const variants: ModelSpec[] = [
      base,
      { ...base, priors: [] },
      { ...base, priors: without(base, "Intercept") },
      { ...base, priors: without(base, "sigma") },
      // The generic sd prior gone: g1 has none; g2 keeps its own.
      { ...base, priors: without(base, "sd") },
      { ...base, priors: without(base, "sd:g2") },
      // No intercept: its default is never asked for.
      { ...base, intercept: false, priors: without(base, "Intercept") },
      // Per-coefficient sd priors for a numeric slope cover it.
      {
        ...base,
        groupTerms: [
          { group: "g1", factors: ["g1"], intercept: true, slopes: ["x"], correlated: true },
          base.groupTerms[1],
        ],
        priors: [
          ...without(base, "sd"),
          ...["Intercept", "x"].map((coef) => ({
            class: "sd" as const,
            coef,
            prior: { dist: "normal" as const, mu: 0, sigma: 1 },
          })),
        ],
      },
    ];
    variants.forEach((spec, i) => {
      const needs = defaultPriorsUseOutcome(spec, isFactor);
      assert.equal(needs, compileNeedsMedian(spec, rows), `${family} variant ${i}`);
    });
    // The crossed spec gives every prior; with none given only bernoulli needs no median.
    assert.equal(defaultPriorsUseOutcome(base, isFactor), false);
    assert.equal(
      defaultPriorsUseOutcome({ ...base, priors: [] }, isFactor),
      family !== "bernoulli",
    );
  });
}

Deno.test("defaultPriorsUseOutcome: per-coefficient sd priors of a factor slope count as not given", () => {
  // Its coefficient names depend on the factor's levels: the median is computed to be safe.
  const spec: ModelSpec = {
    ...crossedSpec("gaussian"),
    groupTerms: [
      { group: "g1", factors: ["g1"], intercept: false, slopes: ["f"], correlated: true },
    ],
    priors: crossedSpec("gaussian").priors.filter((p) => p.class !== "sd"),
  };
  assert.ok(defaultPriorsUseOutcome(spec, isFactor));
  assert.ok(
    !defaultPriorsUseOutcome({ ...spec, priors: crossedSpec("gaussian").priors }, isFactor),
  );
});

Deno.test("sufficientStatisticsSQL and aggregateRows: no median when the priors are all given", () => {
  const given = crossedSpec("gaussian");
  const defaults = { ...given, priors: [] };
  for (const dialect of ["duckdb", "postgres", "bigquery", "spark"] as const) {
    const sql = (spec: ModelSpec) =>
      sufficientStatisticsSQL(spec, { table: "t", dialect, factors: ["f"] });
    assert.ok(!/median|PERCENTILE/i.test(sql(given)), dialect);
    assert.ok(/hetfx_median/.test(sql(defaults)) && /y_mad/.test(sql(defaults)), dialect);
  }
  const rows = simulatedTable(60, "gaussian", 3);
  assert.equal(aggregateRows(given, rows).columns.y_median, undefined);
  assert.ok(aggregateRows(defaults, rows).columns.y_median !== undefined);
});
