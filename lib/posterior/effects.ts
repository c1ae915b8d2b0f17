/**
 * Average treatment effects with marginaleffects semantics (`avg_comparisons(fit, variables =
 * treat, by = …)`): for every row, the contrast of the model's predictions with the treatment
 * set to its high and its low value, per posterior draw; then the (optionally survey-weighted)
 * average of these contrasts over the rows of each `by` cell. Per contrast of the treatment, the
 * average over all rows comes first (the ATE, `by: {}`), then one entry per observed cell.
 *
 * A numeric treatment with two values in the training data gets the contrast high − low (1 − 0,
 * 1 − (−1), …); a factor treatment one contrast per level against the reference (lib/spec/
 * treatment_coding.ts), each entry naming it in `contrast`. Any other numeric treatment gets a
 * slope (marginaleffects `avg_slopes`): the centred finite difference
 * (f(x + h/2) − f(x − h/2)) / h at each row's observed value, with h = 10⁻⁴ × the range of the
 * treatment in the training data — exact on the link scale, where the model is linear in it.
 */
import { closestName, HetfxError, showValue } from "../errors.ts";
import { checkOptions, optionNames } from "../options.ts";
import {
  type Column,
  formatValue,
  getColumn,
  isMissing,
  labelAt,
  makeTable,
  requireTable,
  rowNumber,
  type Table,
  withColumn,
} from "../data/table.ts";
import { summarizeDraws } from "../diagnostics/quantiles.ts";
import type { FitResult } from "./fit_result.ts";
import type { DrawSummary } from "./types.ts";
import {
  groupingOnlyColumns,
  LinearPredictor,
  type LinearPredictorOptions,
  type PredictionCaller,
  predictorColumns,
} from "./linear_predictor.ts";
import { categoryProbabilityFunction, responseFunction } from "./predict.ts";
import { categoryLabels } from "../model/ordinal_outcome.ts";
import { namesContrasts, treatmentContrasts } from "../spec/treatment_coding.ts";
import { checkAggregatedAverage, checkAggregatedBy, trainingRows } from "./training_rows.ts";

/** Options of {@link effects}. */
export interface EffectsOptions extends LinearPredictorOptions {
  /** Columns whose observed combinations define the cells; [] (default) gives the ATE only. */
  by?: readonly string[];
  /** "response" (default): the outcome scale (probabilities for bernoulli); "link": η. */
  scale?: "response" | "link";
  /** Rows to average over (default: the rows the model was fitted to). */
  newdata?: Table;
  /** A numeric column of non-negative survey weights: rows are averaged with these weights. */
  weights?: string;
  /**
   * Ordinal families: the effect on P(y = category) instead of on E[y] = Σ k·P(y = k)
   * (brms posterior_epred's per-category probabilities): a category 1…K or, with declared
   * levels, its label ("agree").
   */
  category?: number | string;
  /** Ordinal families: the effect on P(y ≥ atLeast) instead of on E[y] (number or label). */
  atLeast?: number | string;
}

/** One averaged effect (an entry of the CLI JSON's `effects`), with its draws. */
export interface EffectEstimate extends DrawSummary {
  /** Which contrast of the treatment (GroupEffect.contrast): "1 - 0", "b - control", …; set by effects(). */
  contrast?: string;
  /** The cell: level of each `by` column; {} for the average over all rows. */
  by: Record<string, string>;
  scale: "response" | "link";
  /**
   * Ordinal families: what the response-scale effect is a contrast of: "E[y]", "P(y = k)" or
   * "P(y >= k)"; "latent" on the link scale. Absent for the other families.
   */
  quantity?: string;
  /** Rows averaged over. */
  n: number;
  /** Sum of the weights of those rows (n when unweighted). */
  weight: number;
  /** Posterior draws of the averaged effect (chains concatenated). */
  draws: Float64Array;
}

/** How the treatment is varied for one effect: set to two values, or a finite-difference slope. */
export interface EffectContrast {
  /** The contrast's name (lib/spec/treatment_coding.ts): "1 - 0", "b - control", "per unit of x". */
  name: string;
  kind: "contrast" | "slope";
  /**
   * The treatment column with the treatment set to the high and the low value, for `table`'s
   * rows; `caller` words a message about the table's treatment column.
   */
  column(table: Table, side: "high" | "low", caller?: PredictionCaller): Column;
  /** The divisor: 1 for a contrast, h for a slope. */
  step: number;
}

/**
 * The effects of the fit's treatment (see the module docs): one contrast for a numeric
 * treatment with two values (high − low), K − 1 for a factor of K levels (each level against
 * the reference), a finite-difference slope for a numeric treatment with more values.
 */
export function effectContrasts(fit: FitResult): EffectContrast[] {
  const treatment = fit.spec.treatment;
  if (treatment === null) {
    throw new HetfxError(
      "Cannot compute effects: the model has no treatment; set one with .treatment(col).",
    );
  }
  const training = trainingRows(fit, "effects").table;
  const column = getColumn(training, treatment, "Cannot compute effects");
  // Aggregated data: the compiled contrasts (a summed treatment's key rows hold its means).
  const contrasts = fit.data.aggregated
    ? fit.data.contrasts
    : treatmentContrasts(training, treatment, fit.spec.treatmentReference);
  return contrasts.map((c) => {
    if (c.kind !== "continuous") {
      // A contrast: every row's treatment set to the high (low) value or level.
      const fill = (table: Table, side: "high" | "low"): Column =>
        column.kind === "factor"
          ? {
            kind: "factor",
            levels: column.levels,
            codes: new Int32Array(table.nRows).fill(side === "high" ? c.highCode : c.lowCode),
          }
          : {
            kind: "number",
            values: new Float64Array(table.nRows).fill(Number(side === "high" ? c.high : c.low)),
          };
      return { name: c.name, kind: "contrast", step: 1, column: fill };
    }
    let min = Infinity, max = -Infinity;
    for (const v of column.kind === "number" ? column.values : []) {
      if (!Number.isNaN(v)) (min = Math.min(min, v)), (max = Math.max(max, v));
    }
    const h = 1e-4 * (max - min || 1);
    return {
      name: c.name,
      kind: "slope",
      step: h,
      column: (table, side, caller = EFFECTS_CALLER) => {
        const observed = numbersOf(table, treatment, caller);
        const offset = side === "high" ? h / 2 : -h / 2;
        return { kind: "number", values: observed.map((v) => v + offset) };
      },
    };
  });
}

/**
 * Column `name` of `table` as numbers: a text column (newdata read with the numbers as text)
 * converted as predictions convert it ("NA" missing), any other text refused naming its row.
 */
function numbersOf(table: Table, name: string, caller: PredictionCaller): Float64Array {
  const { context, rows } = caller;
  const column = getColumn(table, name, context);
  if (column.kind === "number") return column.values;
  return Float64Array.from({ length: table.nRows }, (_, i) => {
    const label = labelAt(column, i);
    const value = label === "NA" ? NaN : Number(label);
    if (label !== "NA" && (label.trim() === "" || !Number.isFinite(value))) {
      throw new HetfxError(
        `${context}: column "${name}" of ${rows} has "${label}" in row ${
          rowNumber(table, i)
        }, but the ` +
          "model's column is numeric.",
      );
    }
    return value;
  });
}

/** marginaleffects argument names and what they are called here. */
const MARGINALEFFECTS_NAMES: Record<string, string> = {
  wts: "weights",
  type: 'scale ("response" or "link")',
  variables: "the model's treatment (set in the formula)",
  weight: "weights",
};

const EFFECTS_OPTION_NAMES = optionNames<EffectsOptions>({
  by: true,
  scale: true,
  newdata: true,
  weights: true,
  allowNewLevels: true,
  seed: true,
  category: true,
  atLeast: true,
});

/**
 * Treatment effects averaged over rows, overall and by cell.
 *
 * @example
 * ```ts ignore
 * const [ate, ...byGender] = effects(fit, { by: ["male"] });
 * ate.mean; byGender.map((e) => [e.by.male, e.mean]);
 * ```
 */
export function effects(fit: FitResult, options: EffectsOptions = {}): EffectEstimate[] {
  return effectsFor(fit, options, EFFECTS_CALLER);
}

/** effects()'s messages: "Cannot compute effects: … of newdata …". */
const EFFECTS_CALLER: PredictionCaller = { context: "Cannot compute effects", rows: "newdata" };

/**
 * {@link effects} for `caller`: its messages open with the caller's context and call
 * `options.newdata` by the caller's name (poststratify: "the population table").
 */
export function effectsFor(
  fit: FitResult,
  options: EffectsOptions,
  caller: PredictionCaller,
): EffectEstimate[] {
  const { context, rows } = caller;
  checkOptions(options, EFFECTS_OPTION_NAMES, context, MARGINALEFFECTS_NAMES);
  if (options.by !== undefined && !Array.isArray(options.by)) {
    throw new HetfxError(
      `${context}: by must be a list of columns, e.g. { by: ["male"] }, got ${typeof options.by}.`,
    );
  }
  const scale = options.scale ?? "response";
  if (scale !== "response" && scale !== "link") {
    throw new HetfxError(`${context}: scale "${scale}" must be "response" or "link".`);
  }
  const treatment = fit.spec.treatment;
  const contrasts = effectContrasts(fit);
  const by = options.by ?? [];
  if (options.newdata !== undefined) requireTable(options.newdata, `${context} (${rows})`);
  // Without newdata, an aggregated fit's key rows stand for n data rows each.
  const training = options.newdata ? null : trainingRows(fit, "effects");
  if (training) {
    checkAggregatedBy(fit.spec, training, by);
    checkAggregatedAverage(fit.spec, training, { by, scale, weights: options.weights });
  }
  const table = options.newdata ?? training!.table;
  if (table.nRows === 0) {
    // Else "the weights of cell {} sum to 0", about weights no one gave.
    throw new HetfxError(`${context}: ${rows} has no rows; give the rows to average over.`);
  }
  const counts = training?.counts ?? null;
  const byColumns = by.map((name) => getColumn(table, name, context));
  const weights = options.weights === undefined ? null : weightColumn(table, options.weights);
  if (treatment !== null) getColumn(table, treatment, context);
  return contrasts.flatMap((contrast) =>
    contrastEffects(fit, options, caller, contrast, {
      table,
      by,
      byColumns,
      weights,
      counts,
      scale,
    })
  );
}

/** The effects of one contrast: the average over all rows, then one per `by` cell. */
function contrastEffects(
  fit: FitResult,
  options: EffectsOptions,
  caller: PredictionCaller,
  contrast: EffectContrast,
  rows: {
    table: Table;
    by: readonly string[];
    byColumns: Column[];
    weights: Float64Array | null;
    /** Data rows per table row (an aggregated fit's key rows); null: one each. */
    counts: Float64Array | null;
    scale: "response" | "link";
  },
): EffectEstimate[] {
  const { context } = caller;
  const { table, by, byColumns, counts, scale } = rows;
  const treatment = fit.spec.treatment!;
  const high = withColumn(table, treatment, contrast.column(table, "high", caller));
  const low = withColumn(table, treatment, contrast.column(table, "low", caller));
  const lpHigh = new LinearPredictor(fit, high, options, caller);
  const lpLow = new LinearPredictor(fit, low, options, caller);
  const seed = options.seed ?? fit.info.options.seed;
  const response = responseQuantity(fit, options, scale);
  // The link scale contrasts η alone: it needs no trials column.
  const responseOf = (t: Table) =>
    scale === "link" ? null : response.map ??
      responseFunction(fit, t, "expectation", seed, counts !== null, caller);
  const respHigh = responseOf(high);
  const respLow = responseOf(low);
  const S = lpHigh.draws;

  type Cell = {
    by: Record<string, string>;
    /**
     * Per `by` column: the level's code (a factor) or the value (numbers), for the order;
     * Infinity for a missing value, so that the "NA" cell comes last.
     */
    order: number[];
    sum: Float64Array;
    n: number;
    weight: number;
  };
  const cellOf = new Map<string, number>();
  const cells: Cell[] = [];
  const overall: Cell = { by: {}, order: [], sum: new Float64Array(S), n: 0, weight: 0 };
  const a = new Float64Array(S);
  const b = new Float64Array(S);
  for (let i = 0; i < table.nRows; i++) {
    const count = counts ? counts[i] : 1;
    const w = (rows.weights ? rows.weights[i] : 1) * count;
    lpHigh.eta(i, a);
    lpLow.eta(i, b);
    respHigh?.(i, a), respLow?.(i, b);
    let cell = null;
    if (by.length) {
      const labels = byColumns.map((c) => labelAt(c, i));
      const key = labels.join("\u0000");
      let c = cellOf.get(key);
      if (c === undefined) {
        c = cells.push({
          by: Object.fromEntries(by.map((name, k) => [name, labels[k]])),
          order: byColumns.map((col) => isMissing(col, i) ? Infinity : orderValue(col, i)),
          sum: new Float64Array(S),
          n: 0,
          weight: 0,
        }) - 1;
        cellOf.set(key, c);
      }
      cell = cells[c];
      cell.n += count;
      cell.weight += w;
    }
    overall.n += count;
    overall.weight += w;
    const scaleBy = w / contrast.step;
    for (let s = 0; s < S; s++) {
      const d = (a[s] - b[s]) * scaleBy;
      overall.sum[s] += d;
      if (cell) cell.sum[s] += d;
    }
  }
  const finish = (c: Cell): EffectEstimate => {
    if (!(c.weight > 0)) {
      const cell = Object.entries(c.by).map(([k, v]) => `${k} = ${v}`).join(", ");
      const rows = `${c.n === 1 ? "the 1 row" : `all ${c.n} rows`}`;
      throw new HetfxError(
        options.weights === undefined
          ? `${context}: the rows of cell ${JSON.stringify(c.by)} stand for ${c.weight} data ` +
            "rows; each key row's count n must be positive."
          : cell === ""
          ? `${context}: weights column "${options.weights}" is 0 in ${rows}; give the rows ` +
            "positive weights."
          : `${context}: weights column "${options.weights}" is 0 in ${rows} of the cell ` +
            `${cell}, whose average it cannot weigh; give those rows positive weights, drop ` +
            `them, or leave ${by.map((b) => `"${b}"`).join(", ")} out of by.`,
      );
    }
    const draws = c.sum.map((v) => v / c.weight);
    return {
      contrast: contrast.name,
      by: c.by,
      scale,
      ...(response.quantity === undefined ? {} : { quantity: response.quantity }),
      n: c.n,
      weight: c.weight,
      ...summarizeDraws(draws),
      draws,
    };
  };
  // Cells in the order of the by columns' levels (a factor's declared order, numbers ascending),
  // as marginaleffects orders its by groups, a missing value ("NA") last as R's order() puts it.
  // (x − y with a NaN is NaN, which sort reads as "equal": by 2, NA, 0, 1, 3 stayed so.)
  cells.sort((x, y) => {
    for (let k = 0; k < x.order.length; k++) {
      if (x.order[k] !== y.order[k]) return x.order[k] < y.order[k] ? -1 : 1;
    }
    return 0;
  });
  return [finish(overall), ...cells.map(finish)];
}

/** Row `i`'s place in a `by` column's order: a factor's level code, or the number. */
function orderValue(column: Column, i: number): number {
  return column.kind === "factor" ? column.codes[i] : column.values[i];
}

/**
 * What an ordinal family's effect contrasts (E[y], P(y = k) or P(y ≥ k)) and the map from η to
 * it when it is a probability; nothing for other families (category and atLeast refused).
 */
function responseQuantity(
  fit: FitResult,
  options: EffectsOptions,
  scale: "response" | "link",
): { quantity?: string; map?: (row: number, eta: Float64Array) => void } {
  const context = "Cannot compute effects";
  const { category, atLeast } = options;
  const K = (fit.data.thresholds?.count ?? -1) + 1;
  const asked = category !== undefined ? "category" : atLeast !== undefined ? "atLeast" : null;
  if (K <= 0) {
    if (asked !== null) {
      throw new HetfxError(
        `${context}: ${asked} applies to ordinal families (cumulative), not ${fit.spec.family}.`,
      );
    }
    return {};
  }
  if (category !== undefined && atLeast !== undefined) {
    throw new HetfxError(`${context}: give category or atLeast, not both.`);
  }
  if (asked === null) return { quantity: scale === "link" ? "latent" : "E[y]" };
  const labels = categoryLabels(fit.data.thresholds!);
  const asked_ = (category ?? atLeast)!;
  // A label names its category; a number is the category's position 1…K.
  const k = typeof asked_ === "string" && labels.includes(asked_)
    ? labels.indexOf(asked_) + 1
    : asked_;
  if (typeof k !== "number" || !Number.isInteger(k) || k < 1 || k > K) {
    throw new HetfxError(
      `${context}: ${asked} ${showValue(asked_)} must be a category 1…${K} of ` +
        `"${fit.spec.outcome}" or one of its labels (${labels.map((l) => `"${l}"`).join(", ")}).`,
    );
  }
  if (scale === "link") {
    throw new HetfxError(`${context}: ${asked} is a probability, on scale "response" only.`);
  }
  const label = labels[k - 1];
  return category !== undefined
    ? { quantity: `P(y = ${label})`, map: categoryProbabilityFunction(fit, k, k) }
    : { quantity: `P(y >= ${label})`, map: categoryProbabilityFunction(fit, k, K) };
}

/**
 * The effects without their draws, as plain JSON (the CLI JSON's `effects` array); a 0/1
 * treatment's entries have no `contrast` field, as its `group_effects` (docs/treatments.md).
 */
export function effectsToJSON(list: readonly EffectEstimate[]): Record<string, unknown>[] {
  const named = namesContrasts(list.map((e) => e.contrast));
  return list.map(({ draws: _, contrast, ...rest }) =>
    named && contrast !== undefined ? { contrast, ...rest } : rest
  );
}

function weightColumn(table: Table, name: string): Float64Array {
  const column = getColumn(table, name, "Cannot compute effects (weights)");
  if (column.kind !== "number") {
    throw new HetfxError(`Cannot compute effects: weights column "${name}" must be numeric.`);
  }
  column.values.forEach((v, i) => {
    if (!(v >= 0 && v < Infinity)) {
      throw new HetfxError(
        `Cannot compute effects: weights column "${name}" has ${formatValue(v)} in row ${
          rowNumber(table, i)
        }; ` +
          "weights must be finite non-negative numbers (drop or impute missing weights first).",
      );
    }
  });
  return column.values;
}

/**
 * A grid of rows for predictions (marginaleffects `datagrid`): every combination of the values
 * given, with each other column the model uses at a typical value — the mean of a numeric
 * column, the most frequent value of a 0/1 column (marginaleffects' "mean_or_mode": no
 * respondent is 0.47 male), the most frequent level of a factor, and the most frequent value of
 * a grouping column (so grid rows fall in observed groups where possible). A value not seen in
 * training is a new group in a column that only defines groups (a factor's new level, as a
 * numeric column's new value), for effects and predict with `allowNewLevels: true`; in a factor
 * that is also a predictor it is refused.
 *
 * @example
 * ```ts ignore
 * const grid = datagrid(fit, { male: [0, 1], white: [0, 1] }); // 4 rows
 * effects(fit, { newdata: grid, by: ["male", "white"] });
 * ```
 */
export function datagrid(
  fit: FitResult,
  values: Record<string, readonly (string | number)[]>,
): Table {
  if (typeof values !== "object" || values === null || Array.isArray(values)) {
    throw new HetfxError(
      `Cannot build a data grid: give the values as an object of lists, e.g. ` +
        `{ male: [0, 1] }, got ${showValue(values)}.`,
    );
  }
  // Typical values weigh an aggregated fit's key rows by the data rows they stand for.
  const { table: training, counts } = trainingRows(fit, "a data grid");
  const grouping = new Set(fit.spec.groupTerms.flatMap((g) => g.factors));
  const groupingOnly = groupingOnlyColumns(fit.spec);
  const columns = [...new Set([...predictorColumns(fit), ...Object.keys(values)])];
  let n = 1;
  for (const [name, v] of Object.entries(values)) {
    // A single value (x: 0.5) had no length: the grid had no rows, silently.
    if (!Array.isArray(v)) {
      throw new HetfxError(
        `Cannot build a data grid: the values of "${name}" must be a list, e.g. ` +
          `{ ${name}: [${showValue(v)}] }, got ${showValue(v)}.`,
      );
    }
    if (v.length === 0) throw new HetfxError(`Cannot build a data grid: no values for "${name}".`);
    // A blank or null value read as the number 0, silently.
    const bad = v.findIndex((x) =>
      !(typeof x === "number" && Number.isFinite(x)) && !(typeof x === "string" && x.trim() !== "")
    );
    if (bad >= 0) {
      throw new HetfxError(
        `Cannot build a data grid: "${name}" has the value ${showValue(v[bad])}; give numbers ` +
          "or level names.",
      );
    }
    // A column the model does not know is allowed (weights, say), unless it looks like a typo.
    const close = name in training.columns ? undefined : closestName(name, training.names);
    if (close !== undefined) {
      throw new HetfxError(
        `Cannot build a data grid: "${name}" is not a column of the training data; did you ` +
          `mean "${close}"?`,
      );
    }
    n *= v.length;
  }
  const out: Record<string, Column> = {};
  // The first column given varies slowest, the last fastest.
  const repeats = new Map<string, number>();
  let remaining = n;
  for (const [name, v] of Object.entries(values)) repeats.set(name, remaining /= v.length);
  for (const name of columns) {
    const given = values[name];
    const reference = training.columns[name];
    if (given === undefined) {
      const column = getColumn(training, name, "Cannot build a data grid");
      out[name] = typicalColumn(column, n, grouping.has(name) || isBinary(column), counts);
      // A count column (binomial trials) at its rounded mean, as marginaleffects' FUN_integer.
      if (name === fit.spec.trials && out[name].kind === "number") {
        out[name].values.forEach((v, i, a) => (a[i] = Math.round(v)));
      }
      continue;
    }
    const repeat = repeats.get(name)!;
    const pick = (i: number) => given[Math.floor(i / repeat) % given.length];
    if (reference?.kind === "factor" || (reference === undefined && given.some((g) => isNaN(+g)))) {
      const levels = reference?.kind === "factor" ? [...reference.levels] : given.map(String);
      // A new level of a column that only defines groups is a new group, as a new value of a
      // numeric grouping column: effects and predict draw its varying effects under
      // allowNewLevels (brms's allow_new_levels), and refuse it, saying so, without.
      const newGroups = groupingOnly.has(name);
      const codes = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const label = String(pick(i));
        codes[i] = levels.indexOf(label);
        if (codes[i] < 0 && newGroups) codes[i] = levels.push(label) - 1;
        if (codes[i] < 0) {
          throw new HetfxError(
            `Cannot build a data grid: "${pick(i)}" is not a level of "${name}" ` +
              `(levels: ${levels.join(", ")})` +
              (grouping.has(name)
                ? `; "${name}" is also a predictor, so the model cannot predict a new level ` +
                  "of it, not even with allowNewLevels."
                : "."),
          );
        }
      }
      out[name] = { kind: "factor", codes, levels };
    } else {
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        v[i] = Number(pick(i));
        if (!Number.isFinite(v[i])) {
          throw new HetfxError(
            `Cannot build a data grid: "${pick(i)}" is not a number, but "${name}" is numeric.`,
          );
        }
      }
      out[name] = { kind: "number", values: v };
    }
  }
  return makeTable(out, columns);
}

/** A numeric column whose values (missing aside) are all 0 or 1. */
function isBinary(column: Column): boolean {
  return column.kind === "number" && column.values.every((v) => v === 0 || v === 1 || isNaN(v));
}

function typicalColumn(
  column: Column,
  n: number,
  mode: boolean,
  rowCounts: Float64Array | null,
): Column {
  const count = (i: number) => rowCounts ? rowCounts[i] : 1;
  if (column.kind === "factor") {
    const counts = new Array(column.levels.length).fill(0);
    column.codes.forEach((c, i) => c >= 0 && (counts[c] += count(i)));
    const best = counts.indexOf(Math.max(...counts));
    return { kind: "factor", codes: new Int32Array(n).fill(best), levels: column.levels };
  }
  let value: number;
  if (mode) {
    const counts = new Map<number, number>();
    column.values.forEach((v, i) =>
      !Number.isNaN(v) && counts.set(v, (counts.get(v) ?? 0) + count(i))
    );
    let best = NaN, bestCount = -1;
    for (const [v, c] of counts) {
      if (c > bestCount || (c === bestCount && v < best)) (best = v), (bestCount = c);
    }
    value = best;
  } else {
    let s = 0, m = 0;
    column.values.forEach((v, i) => !Number.isNaN(v) && ((s += v * count(i)), (m += count(i))));
    value = s / m;
  }
  return { kind: "number", values: new Float64Array(n).fill(value) };
}
