/**
 * The rows that effects and poststratification average over when no `newdata` is given: the
 * training table of a row-level fit, or, for a fit to aggregated data (lib/model/aggregate.ts),
 * its key rows, each standing for `n` data rows (its count). A summed variable of the aggregate
 * (a Gaussian model's continuous covariate, a binomial model's trials) appears in the key row as
 * its mean over the key's data rows, Σv / n.
 *
 * Averaging the key rows weighted by n is exact when every data row of a key has the same
 * predictions (patterns: all covariates are keys) and, with summed covariates, when the averaged
 * quantity is linear in them: the linear predictor (identity link, or the link scale), where the
 * mean of a treatment contrast over a key's rows is the contrast at the key's means — as long as
 * no term multiplies the treatment by two or more summed variables (the mean of a product is not
 * the product of means). {@link checkAggregatedAverage} refuses the other cases.
 */
import { HetfxError } from "../errors.ts";
import { type Column, makeTable, type Table } from "../data/table.ts";
import { readAggregate } from "../model/aggregate.ts";
import { usedColumns } from "../model/used_columns.ts";
import { familyOf } from "../families/mod.ts";
import type { FitResult } from "./fit_result.ts";
import type { ModelSpec } from "../spec/model_spec.ts";
import { trainingTable } from "./linear_predictor.ts";

/** Rows to average over, with the data rows each stands for. */
export interface TrainingRows {
  table: Table;
  /** Data rows per table row (aggregated fits); null when each row is one data row. */
  counts: Float64Array | null;
  /** Variables the aggregate summed (their column holds key-row means); empty for row fits. */
  summed: ReadonlySet<string>;
}

/**
 * The training rows of `fit` (see the module docs); `what` names the result in the error a fit
 * without its table gets.
 *
 * @example
 * ```ts ignore
 * const { table, counts } = trainingRows(fit, "effects");
 * ```
 */
export function trainingRows(fit: FitResult, what: string): TrainingRows {
  const table = trainingTable(fit, what, true);
  if (!fit.data.aggregated) return { table, counts: null, summed: new Set() };
  const { table: keys, input } = readAggregate(fit.spec, table);
  const columns: Record<string, Column> = { ...keys.columns };
  for (const v of input.summed) {
    if (v === fit.spec.outcome) continue;
    const sum = input.sum([v]);
    columns[v] = { kind: "number", values: sum.map((s, i) => s / input.n[i]) };
  }
  return { table: makeTable(columns, keys.names), counts: input.n, summed: input.summed };
}

/**
 * Refuse a `by` column that an aggregated fit's rows lack: the aggregate keeps only the model's
 * columns, so a column of the data that the model does not use is not there, though the rows
 * had it. The message lists the model's columns and its key columns, and what to do.
 *
 * @example
 * ```ts ignore
 * checkAggregatedBy(fit.spec, trainingRows(fit, "effects"), ["region"]);
 * ```
 */
export function checkAggregatedBy(
  spec: ModelSpec,
  rows: TrainingRows,
  by: readonly string[],
): void {
  if (rows.counts === null) return;
  const absent = by.find((name) => !Object.hasOwn(rows.table.columns, name));
  if (absent === undefined) return;
  const keys = rows.table.names.filter((name) => !rows.summed.has(name));
  throw new HetfxError(
    `Cannot compute effects on aggregated data: by column "${absent}" is not in the aggregate, ` +
      `which keeps only the model's columns (${usedColumns(spec).join(", ")}); group by one ` +
      `of its key columns (${keys.join(", ") || "none"}), pass newdata holding "${absent}", or ` +
      "fit the rows themselves (loadTable, then fit without aggregated).",
  );
}

/**
 * Refuse averages over an aggregated fit's key rows that would not equal the average over its
 * data rows (module docs): a `by` column the aggregate summed, survey weights (the aggregate
 * holds none), and — when a summed variable enters the linear predictor — the response scale of
 * a non-identity link, or a treatment term with two or more summed variables besides the
 * treatment.
 *
 * @example
 * ```ts ignore
 * checkAggregatedAverage(fit.spec, trainingRows(fit, "effects"), { by: ["g"], scale: "response" });
 * ```
 */
export function checkAggregatedAverage(
  spec: ModelSpec,
  rows: Pick<TrainingRows, "counts" | "summed">,
  options: { by: readonly string[]; scale: "response" | "link"; weights?: string },
): void {
  if (rows.counts === null) return;
  const context = "Cannot compute effects on aggregated data";
  const summedBy = options.by.filter((b) => rows.summed.has(b));
  if (summedBy.length > 0) {
    throw new HetfxError(
      `${context}: by column "${summedBy[0]}" was summed in the aggregate, so its values per ` +
        "data row are unknown; group by key columns (factors and grouping columns), or pass " +
        "newdata.",
    );
  }
  if (options.weights !== undefined) {
    throw new HetfxError(
      `${context}: survey weights ("${options.weights}") need the data rows; the key rows are ` +
        "weighted by their counts n. Pass newdata holding the weights, or fit the rows.",
    );
  }
  const inDesign = (v: string) => v !== spec.outcome && v !== spec.trials && rows.summed.has(v);
  const terms = [...spec.terms, ...spec.groupTerms.flatMap((g) => g.slopes)];
  const summedCovariates = [...new Set(terms.flatMap((t) => t.split(":")).filter(inDesign))];
  if (summedCovariates.length === 0) return;
  const link = spec.link ?? familyOf(spec.family).link;
  if (link !== "identity" && options.scale === "response") {
    throw new HetfxError(
      `${context}: the aggregate sums the continuous covariate${
        summedCovariates.length > 1 ? "s" : ""
      } ${summedCovariates.map((v) => `"${v}"`).join(", ")}, and with the ${link} link the ` +
        "response-scale effect of a key row's mean is not the mean of its rows' effects. Use " +
        'scale: "link", make the covariates keys (factors), or fit the rows.',
    );
  }
  for (const term of terms) {
    const vars = term.split(":");
    if (spec.treatment === null || !vars.includes(spec.treatment)) continue;
    const others = vars.filter((v) => v !== spec.treatment && inDesign(v));
    if (others.length >= 2) {
      throw new HetfxError(
        `${context}: term "${term}" multiplies the treatment by the summed variables ` +
          `${others.map((v) => `"${v}"`).join(", ")}, whose product's mean per key the ` +
          "aggregate's columns do not give; fit the rows, or pass newdata.",
      );
    }
  }
}
