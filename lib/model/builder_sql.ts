/**
 * `.sufficientStatisticsSQL({ table, dialect })` on the model builder of lib/spec: the query
 * that computes the model's aggregate where the data live (lib/model/sufficient_statistics_sql.ts).
 * The builder lives in spec/, below model/, so this module adds the method (its type by
 * declaration merging, its body on the prototype); mod.ts imports it.
 *
 * @module
 */
import { HierBuilder } from "../spec/hier.ts";
import {
  sufficientStatisticsSQL,
  type SufficientStatisticsSqlOptions,
} from "./sufficient_statistics_sql.ts";
import { usedColumns } from "./used_columns.ts";

declare module "../spec/hier.ts" {
  interface HierBuilder {
    /**
     * The GROUP BY query whose result fits with `{ aggregated: true }` to this model's
     * posterior; factor columns of the builder's table become keys.
     *
     * @example
     * ```ts ignore
     * console.log(formula("y ~ x + (1 | g)", t).sufficientStatisticsSQL({ table: "survey" }));
     * ```
     */
    sufficientStatisticsSQL(
      options: Omit<SufficientStatisticsSqlOptions, "factors"> & { factors?: readonly string[] },
    ): string;
  }
}

HierBuilder.prototype.sufficientStatisticsSQL = function (
  this: HierBuilder,
  options: SufficientStatisticsSqlOptions,
): string {
  const spec = this.toJSON();
  const factors = options.factors ??
    usedColumns(spec).filter((v) => this.table.columns[v]?.kind === "factor");
  return sufficientStatisticsSQL(spec, { ...options, factors });
};

export { HierBuilder };
