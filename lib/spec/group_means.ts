/**
 * Group-mean (Mundlak, within–between) terms: the mean of a predictor within each group, added
 * as a population-level predictor beside the predictor itself. Its coefficient absorbs the
 * between-group association, so the predictor's own coefficient is the within-group one — the
 * answer random-effects models give to the fixed-effects critique (Mundlak 1978; Bell & Jones
 * 2015; the second seed document).
 */
import { HetfxError } from "../errors.ts";
import { type Table, withColumn } from "../data/table.ts";
import { numericColumn } from "../data/factor.ts";
import { groupKeys } from "../data/groups.ts";

/** Name of the group-mean column of `column` within groups of `factors`: "x_mean_g1_g2". */
export function groupMeanName(column: string, factors: readonly string[]): string {
  return `${column}_mean_${factors.join("_")}`;
}

/**
 * A new table with the within-group mean of `column` (groups: observed combinations of
 * `factors`) as a column named by groupMeanName; rows with a missing group get NaN.
 *
 * @example
 * ```ts
 * import { makeTable } from "../data/table.ts";
 * import { withGroupMeans } from "./group_means.ts";
 * const t = makeTable({
 *   x: { kind: "number", values: new Float64Array([1, 3, 10]) },
 *   g: { kind: "number", values: new Float64Array([1, 1, 2]) },
 * });
 * const { table, name } = withGroupMeans(t, "x", ["g"]);
 * console.assert(name === "x_mean_g");
 * console.assert((table.columns[name] as { values: Float64Array }).values.join() === "2,2,10");
 * ```
 */
export function withGroupMeans(
  table: Table,
  column: string,
  factors: readonly string[],
): { table: Table; name: string } {
  if (factors.length === 0) {
    throw new HetfxError(
      `Cannot add the group mean of "${column}": name the grouping columns, or call ` +
        ".groupBy() before .groupMeans().",
    );
  }
  const x = numericColumn(table, column, `Cannot add the group mean of "${column}"`);
  const keys = groupKeys(table, factors);
  const sums = new Float64Array(keys.labels.length);
  const counts = new Float64Array(keys.labels.length);
  for (let i = 0; i < table.nRows; i++) {
    const g = keys.index[i];
    if (g < 0 || Number.isNaN(x[i])) continue;
    sums[g] += x[i];
    counts[g]++;
  }
  const means = new Float64Array(table.nRows);
  for (let i = 0; i < table.nRows; i++) {
    const g = keys.index[i];
    means[i] = g < 0 || counts[g] === 0 ? NaN : sums[g] / counts[g];
  }
  const name = groupMeanName(column, factors);
  return { table: withColumn(table, name, { kind: "number", values: means }), name };
}
