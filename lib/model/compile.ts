/**
 * ModelSpec + Table → CompiledData: design, varying-effect maps, priors and the exact
 * likelihood-preserving compression (Gaussian: per-cell sufficient statistics; others: one
 * entry per unique covariate pattern within a cell).
 */
import { HetfxError } from "../errors.ts";
import { getColumn, makeTable, type Table } from "../data/table.ts";
import { checkDistinctLabels, groupKeys, groupLabel } from "../data/groups.ts";
import { requireComplete } from "../data/missing.ts";
import type { ModelSpec, PriorClass, PriorDistribution } from "../spec/model_spec.ts";
import { resolvePrior } from "../spec/priors.ts";
import { type DefaultPriors, defaultPriors, defaultPriorsAt } from "../families/default_priors.ts";
import { type Family, familyOf } from "../families/mod.ts";
import { validateSpec } from "../spec/validate.ts";
import { type ConstantColumns, designColumns } from "./design.ts";
import { type TreatmentContrast, treatmentContrasts } from "../spec/treatment_coding.ts";
import type {
  CompiledData,
  CompiledFamilyParameter,
  CompiledTerm,
  GaussianStats,
  PatternStats,
} from "./compiled_data.ts";
import { corrParamCount } from "./cholesky_corr.ts";
import { checkOutcome } from "./outcome.ts";
import { likelihoodWeights } from "./likelihood_weights.ts";
import { compiledThresholds, declaredOutcomeOf } from "./ordinal_outcome.ts";
import { aggregateOutcomeVariation, checkAggregateDesign } from "./aggregate_checks.ts";
import {
  binNoteWarnings,
  checkEmptyBins,
  checkPopulationDesign,
  checkTreatmentVaries,
  dataWarnings,
  spacedLevelWarnings,
} from "./data_checks.ts";
import { checkOutcomeVariation, checkSeparation } from "./degenerate_data.ts";
import { applyParameterization, type Parameterization } from "./auto_parameterization.ts";
import { usedColumns } from "./used_columns.ts";
import { type AggregateInput, readAggregate, weightedInput } from "./aggregate.ts";
import {
  aggregateGaussianStats,
  cellStatistics,
  checkAggregateOutcome,
} from "./aggregate_stats.ts";

export type { Parameterization, TermParameterization } from "./auto_parameterization.ts";

/** The prior of a parameter the family does not have (sigma of a logit model, say). */
const FLAT: PriorDistribution = { dist: "flat" };

/** Options of compileModel. */
export interface CompileOptions {
  /**
   * How θ holds the varying effects (see {@link Parameterization}). Default here
   * "noncentered"; fitModel's default is "auto".
   */
  parameterization?: Parameterization;
  /**
   * The table is aggregated data (one row per key with counts and sums; lib/model/aggregate.ts),
   * not rows.
   */
  aggregated?: boolean;
  /**
   * Internal (simulation-based calibration only, never a fit option): skip the refusal of an
   * outcome without variation or on an extreme scale. An all-zero bernoulli outcome simulated
   * from the prior is a legitimate draw of the prior predictive, and leaving it out would bias
   * SBC's ranks; its posterior is proper because SBC requires proper priors.
   */
  allowDegenerateOutcome?: boolean;
}

export { usedColumns } from "./used_columns.ts";

/**
 * How many times {@link compileModel} has run in this process: tests use it to check that a
 * caller (the CLI, fit()) compiles a model once.
 *
 * @example
 * ```ts
 * import { compileCount } from "./compile.ts";
 * console.assert(compileCount.calls >= 0);
 * ```
 */
export const compileCount = { calls: 0 };

/**
 * Compile a spec against a table.
 *
 * @example
 * ```ts
 * import { compileModel } from "./compile.ts";
 * import { makeTable } from "../data/table.ts";
 * const t = makeTable({
 *   y: { kind: "number", values: new Float64Array([1, 2, 3, 4]) },
 *   x: { kind: "number", values: new Float64Array([0, 1, 0, 1]) },
 * });
 * const spec = { hetfx: 1 as const, outcome: "y", family: "gaussian" as const, intercept: true,
 *   treatment: null, terms: ["x"], groupTerms: [], priors: [] };
 * console.assert(compileModel(spec, t).dim === 3);
 * ```
 */
export function compileModel(
  specIn: ModelSpec,
  table: Table,
  options: CompileOptions = {},
): CompiledData {
  compileCount.calls++;
  // Aggregated data: `table` becomes the key table and `agg` holds the counts and sums; each
  // key row then stands for agg.n[i] data rows.
  let agg: AggregateInput | null = null;
  if (options.aggregated) ({ table, input: agg } = readAggregate(specIn, table));
  // The treatment's contrasts are read from its values: the rows, or a summed treatment's
  // values from the aggregate's range columns.
  const treatmentValues = agg?.treatmentValues === undefined || specIn.treatment === null
    ? table
    : makeTable({ [specIn.treatment]: { kind: "number", values: agg.treatmentValues } });
  const spec = validateSpec(specIn, table, treatmentValues);
  // Likelihood weights multiply each row's log-likelihood: the compression sums them. Checked
  // before missing values so that a NaN weight is named with its row. Aggregated data hold
  // them summed (Σw, Σw·y, …; readAggregate checks them): `likelihood` is what the
  // likelihood's sums read.
  const weights = agg ? null : likelihoodWeights(spec, table);
  const likelihood = agg && spec.weights !== undefined ? weightedInput(agg, spec.weights) : agg;
  requireComplete(table, usedColumns(spec), "Cannot build model");
  const n = table.nRows;
  // An ordinal outcome with declared levels: categories 1…K in the declared order.
  const declared = declaredOutcomeOf(spec, table, agg !== null);
  const y = declared?.y ??
    (agg ? checkAggregateOutcome(spec, table, agg) : checkOutcome(spec, table));
  const family = familyOf(spec.family, spec.link);
  // Ordinal families: K − 1 thresholds take the intercept's place (brms's b_Intercept[k]).
  const nThresholds = !family.thresholds
    ? 0
    : (declared?.labels.length ?? family.thresholds.categories(y, spec.outcome)) - 1;
  const hasIntercept = spec.intercept && family.thresholds === undefined;
  if (!agg?.summed.has(spec.treatment ?? "")) checkTreatmentVaries(table, spec.treatment);
  const trials = spec.trials
    ? agg
      ? agg.sum([spec.trials])
      : (getColumn(table, spec.trials) as { values: Float64Array }).values
    : null;
  // The defaults use the outcome's median and MAD (sorts of every row): computed only when a
  // prior is left to its default.
  let defaultsMemo: DefaultPriors | undefined;
  const defaults =
    () => (defaultsMemo ??= agg ? aggregateDefaults(spec, agg) : defaultPriors(spec.family, y));

  // The treatment's contrasts (validateSpec has refused a reference that is not a level).
  const contrasts = spec.treatment === null
    ? []
    : treatmentContrasts(treatmentValues, spec.treatment, spec.treatmentReference);
  // The terms' constant derivative columns, shared (lib/model/design.ts).
  const constantColumns: ConstantColumns = new Map();
  checkEmptyBins(table, predictorColumns(spec));
  const design = populationDesign(spec, table, agg, hasIntercept, contrasts, constantColumns);
  const { fixed, fixedMeans, columns, columnNames, derivatives } = design;
  // Degenerate outcomes and separation (aggregated data: the outcome checks their sums allow;
  // separation needs the rows).
  const allowDegenerate = options.allowDegenerateOutcome ?? false;
  const degenerate = agg
    ? (allowDegenerate ? [] : aggregateOutcomeVariation(spec, agg, y))
    : degenerateData(spec, y, trials, fixed, defaults, allowDegenerate);
  const nFixed = fixed.length;
  const firstFixed = hasIntercept ? 1 : 0;
  const interceptOffset = hasIntercept ? 0 : -1;
  const bOffset = firstFixed;

  // Varying-effect terms add W columns when needed (`design` grows in place).
  const varying = varyingTerms(
    spec,
    table,
    design,
    defaults,
    agg,
    hasIntercept,
    contrasts,
    constantColumns,
  );
  const { terms, termKeys, varyingDerivatives, varyingTermNames } = varying;
  let offset = varying.offset;
  // The family's parameters (sigma, nu, …) follow the varying effects. Their priors are
  // resolved after the design; defaults are computed only when a prior is left to them.
  const parameterOffsets = family.parameters.map(() => offset++);
  const thresholdOffset = offset;
  offset += nThresholds;
  const D = columns.length;

  const { cellOfRow, cellGroupsList, nCells, cellLevels, cellCount, cellLabels } = cellsOf(
    spec,
    termKeys,
    n,
    agg?.n,
  );

  const kTotal = terms.reduce((s, t) => s + t.coefNames.length, 0);
  const aHat = varyingMap(terms, D, kTotal);

  // Compression.
  const stats = family.compression === "cells"
    ? agg
      ? aggregateCells(spec, design, { agg, likelihood: likelihood! }, {
        cellOfRow,
        nCells,
        aHat,
        kTotal,
      }, hasIntercept)
      : gaussianStats(columns, y, weights, cellOfRow, nCells, aHat, kTotal)
    : patternStats(
      family,
      columns,
      { y, trials: likelihood && spec.trials ? likelihood.sum([spec.trials]) : trials, weights },
      cellOfRow,
      aHat,
      kTotal,
      likelihood?.n ?? null,
      likelihood ? likelihood.sum([spec.outcome]) : undefined,
    );

  const { effectFixed, effectVarying } = treatmentDerivatives(
    spec,
    contrasts.length,
    terms,
    { derivatives, varyingDerivatives, varyingTermNames, cellOfRow, cellCount, agg, design },
    n,
  );

  const fixedNames = fixed.map((f) => f.name);
  const warnings = [
    ...degenerate,
    ...treatmentWithoutMeanWarning(spec),
    ...otherSlopesWarning(spec),
    ...(declared && declared.unused.length > 0
      ? [
        `Outcome "${spec.outcome}": declared level(s) ${
          declared.unused.map((l) => `"${l}"`).join(", ")
        } never observed, dropped as brms does (drop_unused_levels); K = ` +
        `${declared.labels.length} categories.`,
      ]
      : []),
    ...designWarnings(
      spec,
      table,
      terms,
      termKeys,
      {
        parameters: offset,
        populationCoefficients: firstFixed + nFixed,
        ...(agg ? { rows: dataRows(table, agg) } : {}),
      },
      agg,
    ),
  ];
  const familyParameters = compiledFamilyParameters(spec, parameterOffsets, defaults);
  const compiled: CompiledData = {
    family: spec.family,
    ...(spec.link === undefined ? {} : { link: spec.link }),
    outcome: spec.outcome,
    ...(spec.weights === undefined ? {} : { weights: spec.weights }),
    nRows: dataRows(table, agg),
    ...(agg ? { aggregated: true } : {}),
    columnNames,
    hasIntercept,
    nFixed,
    fixedNames,
    fixedTerms: fixed.map((f) => f.term),
    fixedMeans,
    // Resolved only with an intercept: its default needs the outcome's median.
    interceptPrior: hasIntercept
      ? resolvePrior(spec.priors, "Intercept", {}, () => defaults().Intercept)
      : FLAT,
    bPriors: fixedNames.map((coef) => resolvePrior(spec.priors, "b", { coef }, () => defaults().b)),
    familyParameters,
    sigmaPrior: familyParameters.find((p) => p.name === "sigma")?.prior ?? FLAT,
    ...(nThresholds === 0 ? {} : {
      thresholds: compiledThresholds(
        spec,
        { offset: thresholdOffset, count: nThresholds, labels: declared?.labels },
        () => defaults().Intercept,
      ),
    }),
    terms,
    kTotal,
    nCells,
    cellGroups: Int32Array.from(cellGroupsList),
    cellCount,
    cellLabels,
    cellLevels,
    stats,
    dim: offset,
    interceptOffset,
    bOffset,
    sigmaOffset: familyParameters.find((p) => p.name === "sigma")?.offset ?? -1,
    treatment: spec.treatment,
    contrasts,
    effectFixed,
    effectVarying,
    warnings,
  };
  return applyParameterization(compiled, options.parameterization ?? "noncentered");
}

/**
 * An aggregated Gaussian model's cell statistics, after refusing constant or collinear
 * population-level columns from their total Gram matrix (the row route checks the columns).
 */
function aggregateCells(
  spec: ModelSpec,
  design: ReturnType<typeof populationDesign>,
  input: { agg: AggregateInput; likelihood: AggregateInput },
  cells: { cellOfRow: Int32Array; nCells: number; aHat: Float64Array; kTotal: number },
  hasIntercept: boolean,
) {
  const { cellOfRow, nCells, aHat, kTotal } = cells;
  const statsOf = (a: AggregateInput) =>
    aggregateGaussianStats(design, spec.outcome, a, cellOfRow, nCells, aHat, kTotal);
  const stats = statsOf(input.likelihood);
  // The design is checked unweighted, as the row route checks its columns.
  const plain = input.likelihood === input.agg ? stats : statsOf(input.agg);
  const P = (hasIntercept ? 1 : 0) + design.fixed.length;
  const D = design.columns.length;
  const names = design.columnNames.slice(0, P);
  const intercept = hasIntercept || spec.intercept;
  checkAggregateDesign(plain.G, D, names, design, input.agg, intercept, design.fixedMeans);
  return stats;
}

/**
 * Degenerate outcomes and separation, refused (HetfxError) or returned as warnings before
 * anything is sampled (lib/model/degenerate_data.ts).
 */
function degenerateData(
  spec: ModelSpec,
  y: Float64Array,
  trials: Float64Array | null,
  fixed: readonly { name: string; values: Float64Array }[],
  defaults: () => DefaultPriors,
  allowDegenerateOutcome: boolean,
): string[] {
  return [
    ...(allowDegenerateOutcome ? [] : checkOutcomeVariation(spec.family, spec.outcome, y, trials)),
    ...checkSeparation(
      spec.family,
      spec.outcome,
      y,
      trials,
      fixed.map((f) => ({
        name: f.name,
        values: f.values,
        prior: resolvePrior(spec.priors, "b", { coef: f.name }, () => defaults().b),
      })),
    ),
  ];
}

/** The data rows the table stands for: its rows, or the aggregate's summed counts. */
function dataRows(table: Table, agg: AggregateInput | null): number {
  return agg ? agg.n.reduce((a, b) => a + b, 0) : table.nRows;
}

/**
 * Warnings about the groups and the design (lib/model/data_checks.ts's dataWarnings), after those
 * about text levels that differ only in surrounding spaces.
 */
function designWarnings(
  spec: ModelSpec,
  table: Table,
  terms: readonly CompiledTerm[],
  termKeys: readonly { index: Int32Array }[],
  counts: Parameters<typeof dataWarnings>[3],
  agg: AggregateInput | null,
): string[] {
  // Aggregated data whose treatment is summed: the key rows do not hold its values; the sums
  // of each key row's values and squares say whether a group's treatment varies.
  const treatment = spec.treatment;
  const values = agg?.treatmentValues;
  const summed = treatment !== null && agg?.summed.has(treatment) && values !== undefined
    ? {
      n: agg.n,
      sum: agg.sum([treatment]),
      sumSquares: agg.sum([treatment, treatment]),
      low: values[0],
      high: values[values.length - 1],
    }
    : undefined;
  return [
    ...binNoteWarnings(table, usedColumns(spec)),
    ...spacedLevelWarnings(table, usedColumns(spec)),
    ...dataWarnings(
      table,
      treatment,
      terms.map((t, i) => ({
        group: t.group,
        labels: t.labels,
        sizes: t.sizes,
        index: termKeys[i].index,
        slopeVaries: spec.treatment !== null && spec.groupTerms[i].slopes.includes(spec.treatment),
      })),
      counts,
      summed,
    ),
  ];
}

/** The variables of the population-level terms and the varying slopes (not grouping factors). */
function predictorColumns(spec: ModelSpec): Set<string> {
  const terms = [...spec.terms, ...spec.groupTerms.flatMap((g) => g.slopes)];
  return new Set(terms.flatMap((term) => term.split(":")));
}

/**
 * A treatment whose slope varies by group but that has no population-level term: its average
 * effect is then fixed at 0 and every group's effect shrinks toward 0 (brms fits such a model
 * too; it is rarely what a treatment analysis means).
 */
function treatmentWithoutMeanWarning(spec: ModelSpec): string[] {
  const treat = spec.treatment;
  if (treat === null || spec.terms.includes(treat)) return [];
  const varying = spec.groupTerms.filter((g) => g.slopes.includes(treat)).map((g) => g.group);
  if (varying.length === 0) return [];
  return [
    `Treatment "${treat}" varies by ${varying.map((g) => `"${g}"`).join(", ")} but has no ` +
    `population-level term: its average effect is fixed at 0 and every group's effect is ` +
    `shrunk toward 0. Add "${treat}" to the population-level terms (y ~ ${treat} + … + ` +
    `(1 + ${treat} | ${varying[0]})) unless a zero average effect is intended.`,
  ];
}

/**
 * Group terms that vary slopes besides the treatment's: their variation is fitted, but every
 * effect, group effect and figure is the treatment's, which a formula takes to be its first
 * varying slope. Said, so that a model whose terms vary another column does not report it
 * silently as the wrong one's.
 */
function otherSlopesWarning(spec: ModelSpec): string[] {
  const treat = spec.treatment;
  if (treat === null) return [];
  // Interactions with the treatment (treat:x) are part of its effect, and interactions cannot be
  // the treatment: only plain columns are reported here.
  const others = [...new Set(spec.groupTerms.flatMap((g) => g.slopes))]
    .filter((s) => s !== treat && !s.includes(":"));
  if (others.length === 0) return [];
  const list = others.map((s) => `"${s}"`).join(", ");
  return [
    `Group terms vary the slope${others.length > 1 ? "s" : ""} of ${list} besides the ` +
    `treatment "${treat}": ${others.length > 1 ? "their" : "its"} variation is fitted, but the ` +
    `effects, group effects and figures are "${treat}"'s. To report another, make it the ` +
    `treatment: .treatment("${others[0]}"), or --treatment ${others[0]}.`,
  ];
}

/** The family's parameters (sigma, nu, …) at θ offsets `offsets`, with their priors resolved. */
function compiledFamilyParameters(
  spec: ModelSpec,
  offsets: readonly number[],
  defaults: () => DefaultPriors,
): CompiledFamilyParameter[] {
  return familyOf(spec.family, spec.link).parameters.map((p, i) => ({
    name: p.name,
    lower: p.lower,
    offset: offsets[i],
    prior: resolvePrior(spec.priors, p.name as PriorClass, {}, () => defaults().parameter(p.name)),
  }));
}

/**
 * The population-level design W: an intercept column (when the model has one) and each fixed
 * term's column, centred on its mean when the formula has an intercept (as brms does). Factors
 * are coded against the formula's intercept (`spec.intercept`), which ordinal families keep as
 * thresholds rather than a column (`hasIntercept` false): their columns are centred too, and the
 * thresholds θ holds are brms's centred ones (b_Intercept[k] = τ_k + Σ_p mean_p·b_p).
 */
function populationDesign(
  spec: ModelSpec,
  table: Table,
  agg: AggregateInput | null,
  hasIntercept: boolean,
  contrasts: readonly TreatmentContrast[],
  constantColumns: ConstantColumns,
) {
  const n = table.nRows;
  const fixed = designColumns(
    table,
    spec.terms,
    spec.treatment,
    spec.intercept,
    spec.treatmentReference,
    contrasts,
    constantColumns,
  );
  const nFixed = fixed.length;
  const fixedMeans = new Float64Array(nFixed);
  // Aggregated: a column's values are its factor part times the product of its summed
  // variables (`summedVars`), whose key-row sums the aggregate holds.
  const summedVars = (term: string) => agg ? term.split(":").filter((v) => agg.summed.has(v)) : [];
  const total = dataRows(table, agg);
  for (let p = 0; p < nFixed; p++) {
    if (!spec.intercept) continue;
    let s = 0;
    if (agg) {
      const sums = agg.sum(summedVars(fixed[p].term));
      for (let i = 0; i < n; i++) s += fixed[p].values[i] * sums[i];
    } else {
      for (let i = 0; i < n; i++) s += fixed[p].values[i];
    }
    fixedMeans[p] = s / total;
  }
  // Per design column: its summed variables and the mean it is centred on (aggregated Gaussian
  // columns keep raw factor parts; the centring enters their sums).
  const vars: string[][] = [];
  const centres: number[] = [];
  const rawColumns = agg !== null && familyOf(spec.family).compression === "cells";
  const columns: Float64Array[] = [];
  const columnNames: string[] = [];
  const derivatives: (Float64Array[] | undefined)[] = [];
  if (hasIntercept) {
    columns.push(new Float64Array(n).fill(1));
    columnNames.push("Intercept");
    derivatives.push(undefined);
    vars.push([]), centres.push(0);
  }
  for (let p = 0; p < nFixed; p++) {
    const c = new Float64Array(n);
    const centre = rawColumns ? 0 : fixedMeans[p];
    for (let i = 0; i < n; i++) c[i] = fixed[p].values[i] - centre;
    columns.push(c);
    columnNames.push(fixed[p].name);
    derivatives.push(fixed[p].derivatives);
    vars.push(summedVars(fixed[p].term)), centres.push(rawColumns ? fixedMeans[p] : 0);
  }
  // (Aggregated Gaussian data: the key rows do not hold the columns' values; checked from their
  // Gram matrix in aggregateCells.)
  if (!rawColumns) {
    checkPopulationDesign(
      columns.map((values, i) => ({ name: columnNames[i], values })),
      hasIntercept || spec.intercept,
      fixedMeans,
    );
  }

  return { fixed, fixedMeans, columns, columnNames, derivatives, vars, centres, summedVars };
}

/**
 * The varying-effect terms: each varying column mapped into W (W gains a column when a varying
 * coefficient has no population-level column), its priors, and its offsets in θ after the
 * population-level coefficients. `design`'s columns are appended to in place.
 */
function varyingTerms(
  spec: ModelSpec,
  table: Table,
  design: ReturnType<typeof populationDesign>,
  defaults: () => DefaultPriors,
  agg: AggregateInput | null,
  hasIntercept: boolean,
  contrasts: readonly TreatmentContrast[],
  constantColumns: ConstantColumns,
) {
  const n = table.nRows;
  const { fixed, fixedMeans, columns, columnNames, derivatives, vars, centres } = design;
  const firstFixed = hasIntercept ? 1 : 0;
  let offset = firstFixed + fixed.length;
  // Without an intercept column (ordinal thresholds) a centred slope's mean part goes to a
  // column of ones whose fixed coefficient is 0, shared by the terms that need it.
  let ones = hasIntercept ? 0 : -1;
  const onesColumn = () => {
    if (ones < 0) {
      columns.push(new Float64Array(n).fill(1));
      columnNames.push("(1)");
      derivatives.push(undefined);
      vars.push([]), centres.push(0);
      ones = columns.length - 1;
    }
    return ones;
  };
  const terms: CompiledTerm[] = [];
  const termKeys: ReturnType<typeof groupKeys>[] = [];
  const varyingDerivatives: (Float64Array[] | undefined)[][] = [];
  // The term of each varying coefficient (undefined: the intercept).
  const varyingTermNames: (string | undefined)[][] = [];
  for (const g of spec.groupTerms) {
    const keys = groupKeys(table, g.factors);
    if (agg) {
      // Group sizes count data rows.
      keys.sizes = keys.sizes.map(() => 0);
      for (let i = 0; i < n; i++) keys.sizes[keys.index[i]] += agg.n[i];
    }
    termKeys.push(keys);
    const coefNames: string[] = [];
    const mapColumn: number[] = [];
    const mapCoef: number[] = [];
    const mapWeight: number[] = [];
    const derivs: (Float64Array[] | undefined)[] = [];
    const termNames: (string | undefined)[] = [];
    if (g.intercept) {
      const k = coefNames.length;
      coefNames.push("Intercept");
      derivs.push(undefined);
      termNames.push(undefined);
      if (hasIntercept) {
        mapColumn.push(0), mapCoef.push(k), mapWeight.push(1);
      } else {
        columns.push(new Float64Array(n).fill(1));
        columnNames.push(`(${g.group}:Intercept)`);
        derivatives.push(undefined);
        vars.push([]), centres.push(0);
        mapColumn.push(columns.length - 1), mapCoef.push(k), mapWeight.push(1);
      }
    }
    const slopes = designColumns(
      table,
      g.slopes,
      spec.treatment,
      g.intercept,
      spec.treatmentReference,
      contrasts,
      constantColumns,
    );
    for (const slope of slopes) {
      requireNonZeroSlope(slope.name, slope.values, g.group);
      const k = coefNames.length;
      coefNames.push(slope.name);
      derivs.push(slope.derivatives);
      termNames.push(slope.term);
      const p = fixed.findIndex((f) => f.name === slope.name);
      if (p >= 0) {
        // Raw slope column = centred fixed column + its mean × intercept column.
        mapColumn.push(firstFixed + p), mapCoef.push(k), mapWeight.push(1);
        if (fixedMeans[p] !== 0) {
          mapColumn.push(onesColumn()), mapCoef.push(k), mapWeight.push(fixedMeans[p]);
        }
      } else {
        columns.push(slope.values);
        columnNames.push(`(${g.group}:${slope.name})`);
        derivatives.push(undefined); // its fixed coefficient is 0: no fixed contribution
        vars.push(design.summedVars(slope.term)), centres.push(0);
        mapColumn.push(columns.length - 1), mapCoef.push(k), mapWeight.push(1);
      }
    }
    const K = coefNames.length;
    const correlated = g.correlated && K > 1;
    const sdPriors = coefNames.map((coef) =>
      resolvePrior(spec.priors, "sd", { coef, group: g.group }, () => defaults().sd)
    );
    const cor = resolvePrior(spec.priors, "cor", { group: g.group }, () => defaults().cor);
    const logSdOffset = offset;
    offset += K;
    const corOffset = offset;
    if (correlated) offset += corrParamCount(K);
    const zOffset = offset;
    offset += K * keys.labels.length;
    terms.push({
      group: g.group,
      factors: g.factors,
      coefNames,
      correlated,
      noncentering: new Array(coefNames.length).fill(1),
      contrasts: false,
      meanInBeta: false,
      nGroups: keys.labels.length,
      labels: keys.labels,
      levels: keys.levels,
      sizes: keys.sizes,
      mapColumn: Int32Array.from(mapColumn),
      mapCoef: Int32Array.from(mapCoef),
      mapWeight: Float64Array.from(mapWeight),
      sdPriors,
      lkjEta: cor.dist === "lkj" ? cor.eta : 1,
      logSdOffset,
      corOffset,
      zOffset,
    });
    varyingDerivatives.push(derivs);
    varyingTermNames.push(termNames);
  }
  return { terms, termKeys, varyingDerivatives, varyingTermNames, offset };
}

/**
 * Refuse a varying slope whose column is 0 in every row (a factor level that no row has any
 * more, after filtering): nothing in the data informs it, so its sd and group effects (and a
 * treatment contrast of that level) would be its prior, reported as if estimated. brms drops
 * unused levels; the population-level design refuses such a column too (data_checks.ts).
 */
function requireNonZeroSlope(name: string, values: Float64Array, group: string): void {
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) return;
  throw new HetfxError(
    `Cannot build model: varying effect "${name}" of group term "${group}" is 0 in every row, ` +
      `so the data say nothing about it; remove it from the group term (a level of a factor ` +
      `that no row has any more: drop unused levels with dropUnusedLevels()).`,
  );
}

/** Cells: the observed combinations of every term's group, each row's cell and their labels. */
function cellsOf(
  spec: ModelSpec,
  termKeys: ReturnType<typeof groupKeys>[],
  n: number,
  weight?: Float64Array,
) {
  const T = termKeys.length;
  const cellOfRow = new Int32Array(n);
  const cellIndex = new Map<number | string, number>();
  const cellGroupsList: number[] = [];
  // A row's cell key: its group indices in mixed radix, or joined as a string past 2^53. Small
  // key spaces (the usual case) look cells up in a table instead of a Map.
  const keySpace = termKeys.reduce((p, k) => p * k.sizes.length, 1);
  const numericCellKeys = keySpace <= Number.MAX_SAFE_INTEGER;
  const dense = keySpace <= Math.max(4 * n, 1 << 16) ? new Int32Array(keySpace).fill(-1) : null;
  const indices = termKeys.map((k) => k.index);
  const radices = termKeys.map((k) => k.sizes.length);
  for (let i = 0; i < n; i++) {
    let key: number | string = numericCellKeys ? 0 : "";
    for (let t = 0; t < T; t++) {
      if (numericCellKeys) key = (key as number) * radices[t] + indices[t][i];
      else key += indices[t][i] + ",";
    }
    let c = dense ? dense[key as number] : cellIndex.get(key);
    if (c === undefined || c < 0) {
      c = cellIndex.size;
      cellIndex.set(key, c);
      if (dense) dense[key as number] = c;
      for (let t = 0; t < T; t++) cellGroupsList.push(indices[t][i]);
    }
    cellOfRow[i] = c;
  }
  const nCells = cellIndex.size;
  sortCells(cellOfRow, cellGroupsList, nCells, T);
  const cellFactors = [...new Set(spec.groupTerms.flatMap((g) => g.factors))];
  const cellLevels: Record<string, string>[] = new Array(nCells);
  const cellCount = new Float64Array(nCells);
  for (let i = 0; i < n; i++) {
    const c = cellOfRow[i];
    cellCount[c] += weight ? weight[i] : 1;
    if (cellLevels[c] === undefined) {
      const levels: Record<string, string> = {};
      for (let t = 0; t < T; t++) Object.assign(levels, termKeys[t].levels[termKeys[t].index[i]]);
      cellLevels[c] = Object.fromEntries(cellFactors.map((f) => [f, levels[f]]));
    }
  }
  const cellLabels = cellLevels.map((l) => groupLabel(cellFactors.map((f) => l[f])));
  checkDistinctLabels(cellLabels, cellLevels, cellFactors);

  return { cellOfRow, cellGroupsList, nCells, cellLevels, cellCount, cellLabels };
}

/**
 * Renumber cells in the order of their groups (term by term; each term's groups are in level
 * order, lib/data/groups.ts), in place: group effects are then listed as brms's ranef lists
 * levels, and as the DuckDB route's sorted aggregate gives them, not in the order the rows
 * first reach each cell.
 */
function sortCells(
  cellOfRow: Int32Array,
  cellGroupsList: number[],
  nCells: number,
  T: number,
): void {
  const order = Array.from({ length: nCells }, (_, c) => c).sort((a, b) => {
    for (let t = 0; t < T; t++) {
      const d = cellGroupsList[a * T + t] - cellGroupsList[b * T + t];
      if (d !== 0) return d;
    }
    return 0;
  });
  if (order.every((c, r) => c === r)) return;
  const rank = new Int32Array(nCells);
  order.forEach((c, r) => (rank[c] = r));
  for (let i = 0; i < cellOfRow.length; i++) cellOfRow[i] = rank[cellOfRow[i]];
  const groups = order.flatMap((c) => cellGroupsList.slice(c * T, (c + 1) * T));
  for (let k = 0; k < groups.length; k++) cellGroupsList[k] = groups[k];
}

/** Â: D × Ktot, the map from the stacked varying effects of a cell into design columns. */
function varyingMap(terms: CompiledTerm[], D: number, kTotal: number): Float64Array {
  const aHat = new Float64Array(D * kTotal);
  let kBase = 0;
  for (const term of terms) {
    for (let e = 0; e < term.mapColumn.length; e++) {
      aHat[term.mapColumn[e] * kTotal + kBase + term.mapCoef[e]] += term.mapWeight[e];
    }
    kBase += term.coefNames.length;
  }
  return aHat;
}

/**
 * Per contrast and cell (entry e = contrast × nCells + cell), the mean change of each design
 * column (and varying column) under the treatment's contrast.
 */
function treatmentDerivatives(
  spec: ModelSpec,
  nContrasts: number,
  terms: CompiledTerm[],
  rows: {
    derivatives: (Float64Array[] | undefined)[];
    varyingDerivatives: (Float64Array[] | undefined)[][];
    varyingTermNames: (string | undefined)[][];
    cellOfRow: Int32Array;
    cellCount: Float64Array;
    agg: AggregateInput | null;
    design: ReturnType<typeof populationDesign>;
  },
  n: number,
) {
  const { derivatives, varyingDerivatives, varyingTermNames, cellOfRow, cellCount, agg, design } =
    rows;
  // Aggregated: a key row's derivative times the sum of the rest of its term's summed
  // variables (the treatment's factor dropped) over its data rows.
  const rowSums = (term: string | undefined) => {
    if (!agg || term === undefined) return null;
    const rest = design.summedVars(term);
    const t = rest.indexOf(spec.treatment ?? "");
    if (t >= 0) rest.splice(t, 1);
    return agg.sum(rest);
  };
  const fixedSums = design.fixed.map((f) => rowSums(f.term));
  const varyingSums = varyingTermNames.map((names) => names.map(rowSums));
  const firstFixed = spec.intercept ? 1 : 0;
  const D = derivatives.length;
  const T = terms.length;
  const nCells = cellCount.length;
  const effectFixed = new Float64Array(nContrasts * nCells * D);
  const effectVarying = terms.map((t) =>
    new Float64Array(nContrasts * nCells * t.coefNames.length)
  );
  // Each row's weight in its cell's mean; each entry sums its rows in row order.
  const rowWeight = new Float64Array(n);
  for (let i = 0; i < n; i++) rowWeight[i] = 1 / cellCount[cellOfRow[i]];
  const accumulate = (
    out: Float64Array,
    stride: number,
    at: number,
    der: Float64Array,
    sums: Float64Array | null | undefined,
    h: number,
  ) => {
    const base = h * nCells;
    for (let i = 0; i < n; i++) {
      out[(base + cellOfRow[i]) * stride + at] += der[i] * (sums ? sums[i] : 1) * rowWeight[i];
    }
  };
  for (let h = 0; h < nContrasts; h++) {
    for (let d = 0; d < D; d++) {
      const der = derivatives[d];
      if (der) accumulate(effectFixed, D, d, der[h], fixedSums[d - firstFixed], h);
    }
    for (let t = 0; t < T; t++) {
      const K = terms[t].coefNames.length;
      for (let k = 0; k < K; k++) {
        const der = varyingDerivatives[t][k];
        if (der) accumulate(effectVarying[t], K, k, der[h], varyingSums[t][k], h);
      }
    }
  }
  return { effectFixed, effectVarying };
}

/**
 * Per cell the Gaussian sufficient statistics, weighted (Σw, Σw·y², Σw·WᵀW, Σw·Wᵀy) when the
 * model has likelihood weights: the weighted residual sum of squares is then exact, and so are
 * the collapsed targets built on it (n becomes Σw).
 */
function gaussianStats(
  columns: Float64Array[],
  y: Float64Array,
  weights: Float64Array | null,
  cellOfRow: Int32Array,
  nCells: number,
  aHat: Float64Array,
  kTotal: number,
): GaussianStats {
  const D = columns.length;
  const count = new Float64Array(nCells);
  const wtw = new Float64Array(nCells * D * D);
  const wty = new Float64Array(nCells * D);
  let yty = 0;
  let n = 0;
  const row = new Float64Array(D);
  for (let i = 0; i < y.length; i++) {
    const c = cellOfRow[i];
    const wi = weights === null ? 1 : weights[i];
    for (let d = 0; d < D; d++) row[d] = columns[d][i];
    count[c] += wi;
    n += wi;
    yty += wi * y[i] * y[i];
    const base = c * D * D;
    for (let a = 0; a < D; a++) {
      wty[c * D + a] += row[a] * wi * y[i];
      const ra = row[a] * wi;
      if (ra === 0) continue;
      for (let b = 0; b < D; b++) wtw[base + a * D + b] += ra * row[b];
    }
  }
  return cellStatistics(count, n, yty, wtw, wty, aHat, kTotal);
}

/**
 * One entry per unique covariate pattern within a cell (and per outcome value when the family
 * keeps outcomes apart): rows, Σ y, Σ trials and the shared y, each kept only when used. With
 * likelihood weights the sums are weighted (rows: Σw, Σw·y, Σw·trials): every family's
 * log-likelihood is a sum of row terms times these, so the weighted sum stays exact.
 */
function patternStats(
  family: Family,
  columns: Float64Array[],
  outcome: { y: Float64Array; trials: Float64Array | null; weights: Float64Array | null },
  cellOfRow: Int32Array,
  aHat: Float64Array,
  kTotal: number,
  aggregateN: Float64Array | null = null,
  aggregateYSum?: Float64Array,
): PatternStats {
  const { y, trials, weights } = outcome;
  if (family.needsTrials && trials === null) {
    throw new HetfxError(`Cannot build model: family "${family.name}" needs a trials column.`);
  }
  const keepOutcome = family.patternsKeepOutcome;
  const D = columns.length;
  const index = new Map<string, number>();
  const cell: number[] = [];
  const w: number[] = [];
  const rows: number[] = [];
  const ySum: number[] = [];
  const trialSum: number[] = [];
  const yValue: number[] = [];
  for (let i = 0; i < y.length; i++) {
    let key = cellOfRow[i] + "|";
    for (let d = 0; d < D; d++) key += columns[d][i] + ",";
    if (keepOutcome) key += "|" + y[i];
    let p = index.get(key);
    if (p === undefined) {
      p = index.size;
      index.set(key, p);
      cell.push(cellOfRow[i]);
      for (let d = 0; d < D; d++) w.push(columns[d][i]);
      rows.push(0);
      ySum.push(0);
      trialSum.push(0);
      yValue.push(y[i]);
    }
    // Aggregated: y holds key-row means, aggregateN the rows and aggregateYSum Σy per key row
    // (with likelihood weights: Σw and Σw·y; `weights` is then null).
    const wi = weights === null ? 1 : weights[i];
    rows[p] += aggregateN ? aggregateN[i] : wi;
    ySum[p] += aggregateYSum ? aggregateYSum[i] : wi * y[i];
    if (trials !== null) trialSum[p] += wi * trials[i];
  }
  const nPatterns = index.size;
  const wA = new Float64Array(nPatterns * kTotal);
  for (let p = 0; p < nPatterns; p++) {
    for (let a = 0; a < D; a++) {
      const v = w[p * D + a];
      if (v === 0) continue;
      for (let k = 0; k < kTotal; k++) wA[p * kTotal + k] += v * aHat[a * kTotal + k];
    }
  }
  return {
    kind: "patterns",
    nPatterns,
    cell: Int32Array.from(cell),
    w: Float64Array.from(w),
    wA,
    rows: Float64Array.from(rows),
    ySum: Float64Array.from(ySum),
    trialSum: trials !== null ? Float64Array.from(trialSum) : new Float64Array(0),
    y: keepOutcome ? Float64Array.from(yValue) : new Float64Array(0),
  };
}

/** Default priors from the aggregate's y_median/y_mad columns (refused when it has none). */
function aggregateDefaults(spec: ModelSpec, agg: AggregateInput): DefaultPriors {
  return defaultPriorsAt(spec.family, () => {
    if (familyOf(spec.family).priorOutcome(new Float64Array(1)) === null) return null;
    if (agg.priorOutcome === null) {
      throw new HetfxError(
        `Aggregated data: a default prior needs the outcome's median and MAD, and the ` +
          `aggregate has no "y_median" and "y_mad" columns. Add them (\`deno task sql\` writes ` +
          `them) or give the Intercept, sd and family parameters' priors explicitly.`,
      );
    }
    return agg.priorOutcome;
  });
}
