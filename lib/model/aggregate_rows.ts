/**
 * The aggregate of a row table in memory: what `sufficientStatisticsSQL`'s GROUP BY returns,
 * computed in JavaScript (for tests, and to write an aggregate from data at hand).
 */
import { type Column, getColumn, makeTable, type Table } from "../data/table.ts";
import { requireComplete } from "../data/missing.ts";
import type { ModelSpec } from "../spec/model_spec.ts";
import { medianAndMad } from "../math/median.ts";
import { familyOf } from "../families/mod.ts";
import { aggregateLayout, treatmentRangeNames } from "./aggregate.ts";
import { usedColumns } from "./used_columns.ts";

/**
 * One row per combination of the layout's keys (in order of first appearance) with `n` and the
 * sums of products (lib/model/aggregate.ts), plus `y_median` and `y_mad` when the family's
 * default priors use them, and a summed treatment's range columns. Missing values are refused,
 * as compileModel refuses them.
 *
 * @example
 * ```ts
 * import { aggregateRows } from "./aggregate_rows.ts";
 * import { makeTable } from "../data/table.ts";
 * const t = makeTable({
 *   y: { kind: "number", values: new Float64Array([1, 0, 1]) },
 *   x: { kind: "number", values: new Float64Array([0, 0, 1]) },
 * });
 * const spec = { hetfx: 1 as const, outcome: "y", family: "bernoulli" as const, intercept: true,
 *   treatment: null, terms: ["x"], groupTerms: [], priors: [] };
 * const a = aggregateRows(spec, t);
 * console.assert(a.nRows === 2 && a.columns.n.kind === "number" && a.columns.n.values[0] === 2);
 * ```
 */
export function aggregateRows(spec: ModelSpec, table: Table): Table {
  requireComplete(table, usedColumns(spec), "Cannot aggregate");
  const layout = aggregateLayout(
    spec,
    (v) => getColumn(table, v, "Cannot aggregate").kind === "factor",
  );
  const keyColumns = layout.keys.map((k) => getColumn(table, k, "Cannot aggregate"));
  const sumColumns = layout.sums.map((s) =>
    s.vars.map((v) => {
      const c = getColumn(table, v, "Cannot aggregate");
      return c.kind === "number" ? c.values : Float64Array.from(c.codes);
    })
  );
  const index = new Map<string, number>();
  const firstRow: number[] = [];
  const sums: number[][] = layout.sums.map(() => []);
  const keyOf = new Int32Array(table.nRows);
  for (let i = 0; i < table.nRows; i++) {
    const key = keyColumns.map((c) => c.kind === "number" ? c.values[i] : c.codes[i]).join(
      "\u0001",
    );
    let r = index.get(key);
    if (r === undefined) {
      r = index.size;
      index.set(key, r);
      firstRow.push(i);
      for (const s of sums) s.push(0);
    }
    keyOf[i] = r;
    for (let s = 0; s < sumColumns.length; s++) {
      let v = 1;
      for (const col of sumColumns[s]) v *= col[i];
      sums[s][r] += v;
    }
  }
  const columns: Record<string, Column> = {};
  layout.keys.forEach((k, j) => {
    const c = keyColumns[j];
    columns[k] = c.kind === "number"
      ? { kind: "number", values: Float64Array.from(firstRow, (i) => c.values[i]) }
      : { kind: "factor", levels: c.levels, codes: Int32Array.from(firstRow, (i) => c.codes[i]) };
  });
  layout.sums.forEach((s, j) => {
    columns[s.name] = { kind: "number", values: Float64Array.from(sums[j]) };
  });
  const y = getColumn(table, spec.outcome, "Cannot aggregate");
  // The median/MAD columns only when a default prior uses them (as the SQL query).
  const values = y.kind === "number" && layout.priorOutcome !== null
    ? familyOf(spec.family).priorOutcome(y.values)
    : null;
  if (values !== null) {
    const { median, mad } = medianAndMad(values);
    columns.y_median = { kind: "number", values: new Float64Array(index.size).fill(median) };
    columns.y_mad = { kind: "number", values: new Float64Array(index.size).fill(mad) };
  }
  if (layout.treatmentRange !== null) {
    const names = treatmentRangeNames(layout.treatmentRange);
    const t =
      (getColumn(table, layout.treatmentRange, "Cannot aggregate") as { values: Float64Array })
        .values;
    let low = Infinity;
    let high = -Infinity;
    for (const v of t) low = Math.min(low, v), high = Math.max(high, v);
    const between = new Float64Array(index.size);
    for (let i = 0; i < t.length; i++) if (t[i] > low && t[i] < high) between[keyOf[i]]++;
    columns[names.min] = { kind: "number", values: new Float64Array(index.size).fill(low) };
    columns[names.max] = { kind: "number", values: new Float64Array(index.size).fill(high) };
    columns[names.between] = { kind: "number", values: between };
  }
  return makeTable(columns);
}
