/**
 * Poststratification (MRP-style): the treatment effect averaged over a population table whose
 * rows are cells (e.g. every combination of the grouping factors) with a population count or
 * share in a weight column. Each population row's effect is the contrast of predictions with
 * the treatment at its contrast's two values (1 and 0 for a 0/1 treatment; as in
 * {@link effects}); the population average weights them by the
 * weight column; `by` gives averages within any columns of the population table.
 *
 * A grouping column of the model that the population table lacks is refused: the effect would
 * be that of the one group a typical value picks, not the population's. With
 * `missingGroups: "average"`, each population row is instead split over the sample's observed
 * combinations of the missing grouping columns, in proportion to their rows in the training
 * data (reported in `averagedOver`). Other columns the model needs that the population table
 * lacks are set to a typical value in the training data (as datagrid: the mean of a numeric
 * column, the most frequent value of a 0/1 column or level of a factor), and reported in
 * `filled`. On the link scale, and on the response scale of
 * an identity-link model, the effect does not depend on columns that do not interact with the
 * treatment, so filling them changes nothing; on the response scale of other links it does —
 * supply them when that matters.
 */
import { HetfxError } from "../errors.ts";
import { checkOptions, optionNames } from "../options.ts";
import {
  formatValue,
  getColumn,
  labelAt,
  makeTable,
  requireTable,
  rowNumber,
  type Table,
  takeRows,
} from "../data/table.ts";
import { groupKeys } from "../data/groups.ts";
import type { FitResult } from "./fit_result.ts";
import { datagrid, effectContrasts, type EffectEstimate, effectsFor } from "./effects.ts";
import { predictorColumns } from "./linear_predictor.ts";
import { trainingRows } from "./training_rows.ts";

/** Options of {@link poststratify}. */
export interface PoststratifyOptions {
  /** Numeric column of population counts or shares. */
  weight: string;
  /** Population-table columns to report averages within. */
  by?: readonly string[];
  scale?: "response" | "link";
  /** Population cells not seen in training draw their varying effects from the group distribution. */
  allowNewLevels?: boolean;
  seed?: number;
  /**
   * What to do when the population table lacks a grouping column of the model: "refuse"
   * (default) or "average" over the sample's distribution of the missing grouping columns
   * within each population row's values of the grouping columns it has.
   */
  missingGroups?: "refuse" | "average";
}

/** The result of {@link poststratify}. */
export interface PoststratifyResult {
  /** First the population average, then one entry per `by` cell. */
  estimates: EffectEstimate[];
  /** Model columns missing from the population table, set to typical training values. */
  filled: string[];
  /** Grouping columns missing from the population table, averaged over the sample's groups. */
  averagedOver: string[];
}

const POSTSTRATIFY_OPTION_NAMES = optionNames<PoststratifyOptions>({
  weight: true,
  by: true,
  scale: true,
  allowNewLevels: true,
  seed: true,
  missingGroups: true,
});

/**
 * Population-weighted treatment effects.
 *
 * @example
 * ```ts ignore
 * const { estimates } = poststratify(fit, census, { weight: "n", by: ["white"] });
 * estimates[0].mean; // population average effect
 * ```
 */
export function poststratify(
  fit: FitResult,
  population: Table,
  options: PoststratifyOptions,
): PoststratifyResult {
  if (!options || typeof options.weight !== "string") {
    throw new HetfxError(
      'Cannot poststratify: name the population-count column, e.g. { weight: "n" }.',
    );
  }
  checkOptions(options, POSTSTRATIFY_OPTION_NAMES, "Cannot poststratify", { weights: "weight" });
  requireTable(population, "Cannot poststratify (population)");
  checkPopulationWeights(population, options.weight);
  if (
    options.missingGroups !== undefined && options.missingGroups !== "refuse" &&
    options.missingGroups !== "average"
  ) {
    throw new HetfxError(
      `Cannot poststratify: missingGroups must be "refuse" or "average" (got ` +
        `${JSON.stringify(options.missingGroups)}).`,
    );
  }
  const needed = predictorColumns(fit);
  const grouping = new Set(fit.spec.groupTerms.flatMap((g) => g.factors));
  const missing = needed.filter((c) => !(c in population.columns));
  const averagedOver = missing.filter((c) => grouping.has(c));
  if (averagedOver.length > 0 && options.missingGroups !== "average") {
    const list = averagedOver.map((c) => `"${c}"`).join(", ");
    throw new HetfxError(
      `Cannot poststratify: the population table has no grouping column ${list}, so every ` +
        `population row would get the effect of one group of ${list} rather than the ` +
        `population's. Add the column${averagedOver.length > 1 ? "s" : ""} to the population ` +
        `table, or pass missingGroups: "average" to average over the sample's distribution of ` +
        `${list}.`,
    );
  }
  const split = averagedOver.length > 0
    ? splitOverSampleGroups(fit, population, options.weight, averagedOver)
    : null;
  let table = split?.table ?? population;
  // A contrast sets the treatment to its two values whatever the column holds: filled, but not
  // reported; a slope is taken at the treatment's value, so the typical value is reported.
  const slope = effectContrasts(fit).some((c) => c.kind === "slope");
  const filled = missing.filter((c) => !grouping.has(c) && (c !== fit.spec.treatment || slope));
  const toFill = missing.filter((c) => !grouping.has(c));
  if (toFill.length) {
    const typical = datagrid(fit, {});
    const columns = { ...table.columns };
    for (const name of toFill) {
      const one = typical.columns[name];
      columns[name] = one.kind === "number"
        ? { kind: "number", values: new Float64Array(table.nRows).fill(one.values[0]) }
        : {
          kind: "factor",
          codes: new Int32Array(table.nRows).fill(one.codes[0]),
          levels: one.levels,
        };
    }
    const rowNumbers = table.rowNumbers;
    table = makeTable(columns, [...table.names, ...toFill]);
    if (rowNumbers) table = { ...table, rowNumbers };
  }
  const estimates = effectsFor(fit, {
    newdata: table,
    weights: options.weight,
    by: options.by ?? [],
    scale: options.scale,
    allowNewLevels: options.allowNewLevels,
    seed: options.seed,
  }, { context: "Cannot poststratify", rows: "the population table" });
  // n counts population rows, not the pieces a split made of them (4 rows split over 3 sample
  // groups are 4 rows, not 12).
  if (split) countPopulationRows(estimates, table, options.by ?? [], split.source);
  return { estimates, filled, averagedOver };
}

/**
 * Set each estimate's `n` to the number of population rows with a piece in its cell: `source`
 * gives the population row of each row of the split `table`, whose `by` labels name the cells.
 */
function countPopulationRows(
  estimates: EffectEstimate[],
  table: Table,
  by: readonly string[],
  source: Int32Array,
): void {
  const columns = by.map((name) => getColumn(table, name, "Cannot poststratify"));
  const rows = new Map<string, Set<number>>();
  for (let i = 0; i < table.nRows; i++) {
    const key = columns.map((c) => labelAt(c, i)).join("\u0000");
    const set = rows.get(key) ?? rows.set(key, new Set()).get(key)!;
    set.add(source[i]);
  }
  const all = new Set(source).size;
  for (const e of estimates) {
    const key = by.map((name) => e.by[name]).join("\u0000");
    e.n = Object.keys(e.by).length === 0 ? all : rows.get(key)?.size ?? e.n;
  }
}

/**
 * Refuse a weight column that is not numbers ≥ 0 with a positive total, naming the population
 * row: checked here, before `missingGroups: "average"` splits the rows (a text column became
 * NaN weights, and effects() named a row of the split table and called the text "NA").
 */
function checkPopulationWeights(population: Table, name: string): void {
  const context = "Cannot poststratify";
  const column = getColumn(population, name, context);
  if (column.kind !== "number") {
    const row = column.codes.findIndex((c) => c >= 0);
    const example = row < 0
      ? "only missing values"
      : `text ("${labelAt(column, row)}" in row ${rowNumber(population, row)})`;
    throw new HetfxError(
      `${context}: weight column "${name}" holds ${example}; it must hold each population ` +
        "row's count or share, as numbers ≥ 0.",
    );
  }
  let total = 0;
  column.values.forEach((v, i) => {
    if (!(v >= 0 && v < Infinity)) {
      throw new HetfxError(
        `${context}: weight column "${name}" has ${formatValue(v)} in row ${
          rowNumber(population, i)
        } of the population table; each row's count or share must be a finite number ≥ 0 ` +
          "(drop the row, or give its count).",
      );
    }
    total += v;
  });
  if (!(total > 0)) {
    throw new HetfxError(
      `${context}: weight column "${name}" is 0 in every row of the population table; give ` +
        "the population rows their counts or shares.",
    );
  }
}

/**
 * Each population row repeated once per combination of the missing grouping `columns` observed
 * in the training data together with the row's own values of the grouping columns it has, with
 * those columns set to the combination and its weight multiplied by the combination's share of
 * those training rows: the missing columns' distribution within the population cell, as MRP
 * fills a variable the census lacks (a combination the sample never has is not made up). A row
 * whose grouping values the sample never has is split by the whole sample's distribution.
 * `source`: the population row of each row of the split table.
 */
function splitOverSampleGroups(
  fit: FitResult,
  population: Table,
  weight: string,
  columns: readonly string[],
): { table: Table; source: Int32Array } {
  const { table: training, counts } = trainingRows(
    fit,
    "a poststratified effect averaged over groups",
  );
  // The grouping columns the population has: the missing ones are split within their values.
  const given = [...new Set(fit.spec.groupTerms.flatMap((g) => g.factors))]
    .filter((c) => !columns.includes(c) && c in population.columns && c in training.columns);
  const keys = groupKeys(training, [...given, ...columns]);
  const J = keys.sizes.length;
  // An aggregated fit's key rows count n data rows each.
  if (counts) {
    keys.sizes.fill(0);
    keys.index.forEach((g, i) => g >= 0 && (keys.sizes[g] += counts[i]));
  }
  const representative = new Int32Array(J).fill(-1);
  for (let i = 0; i < training.nRows; i++) {
    const g = keys.index[i];
    if (g >= 0 && representative[g] < 0) representative[g] = i;
  }
  // The joint groups of each combination of the given columns, and their rows.
  const cellKey = (label: (c: string, k: number) => string) => given.map(label).join("\u0000");
  const cells = new Map<string, number[]>();
  for (let g = 0; g < J; g++) {
    const key = cellKey((c) => keys.levels[g][c]);
    const list = cells.get(key);
    if (list) list.push(g);
    else cells.set(key, [g]);
  }
  const everyGroup = Array.from({ length: J }, (_, g) => g);
  const sizeOf = (groups: number[]) => groups.reduce((a, g) => a + keys.sizes[g], 0);
  const givenColumns = given.map((c) => getColumn(population, c, "Cannot poststratify"));
  const popRows: number[] = [];
  const groupRows: number[] = [];
  const weights: number[] = [];
  const w = getColumn(population, weight, "Cannot poststratify");
  for (let r = 0; r < population.nRows; r++) {
    const groups = cells.get(cellKey((_, k) => labelAt(givenColumns[k], r))) ?? everyGroup;
    const total = sizeOf(groups);
    for (const g of groups) {
      popRows.push(r);
      groupRows.push(representative[g]);
      weights.push((w.kind === "number" ? w.values[r] : NaN) * keys.sizes[g] / total);
    }
  }
  const expanded = takeRows(population, popRows);
  const groups = takeRows(training, groupRows);
  const out = { ...expanded.columns };
  for (const c of columns) out[c] = groups.columns[c];
  out[weight] = { kind: "number", values: Float64Array.from(weights) };
  // Each piece keeps its population row's number, so that a message names the user's row.
  return {
    table: {
      ...makeTable(out, [...population.names, ...columns]),
      rowNumbers: expanded.rowNumbers,
    },
    source: Int32Array.from(popRows),
  };
}
