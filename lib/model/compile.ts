/**
 * ModelSpec + Table → CompiledData: design, varying-effect maps, priors and the exact
 * likelihood-preserving compression (Gaussian: per-cell sufficient statistics; others: one
 * entry per unique covariate pattern within a cell).
 */
import { HetfxError } from "../errors.ts";
import { getColumn, type Table } from "../data/table.ts";
import { groupKeys } from "../data/groups.ts";
import { requireComplete } from "../data/missing.ts";
import type { ModelSpec, PriorClass, PriorDistribution } from "../spec/model_spec.ts";
import { resolvePrior } from "../spec/priors.ts";
import { type DefaultPriors, defaultPriors } from "../families/default_priors.ts";
import { type Family, familyOf } from "../families/mod.ts";
import { validateSpec } from "../spec/validate.ts";
import { designColumns } from "./design.ts";
import type {
  CompiledData,
  CompiledFamilyParameter,
  CompiledTerm,
  GaussianStats,
  PatternStats,
} from "./compiled_data.ts";
import { corrParamCount } from "./cholesky_corr.ts";
import { checkOutcome } from "./outcome.ts";
import { checkPopulationDesign, checkTreatmentVaries, dataWarnings } from "./data_checks.ts";
import { checkOutcomeVariation, checkSeparation } from "./degenerate_data.ts";
import { applyParameterization, type Parameterization } from "./auto_parameterization.ts";

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
   * Internal (simulation-based calibration only, never a fit option): skip the refusal of an
   * outcome without variation or on an extreme scale. An all-zero bernoulli outcome simulated
   * from the prior is a legitimate draw of the prior predictive, and leaving it out would bias
   * SBC's ranks; its posterior is proper because SBC requires proper priors.
   */
  allowDegenerateOutcome?: boolean;
}

/** Columns the model reads. */
export function usedColumns(spec: ModelSpec): string[] {
  const names = new Set<string>([spec.outcome]);
  if (spec.trials) names.add(spec.trials);
  for (const term of spec.terms) for (const v of term.split(":")) names.add(v);
  for (const g of spec.groupTerms) {
    for (const f of g.factors) names.add(f);
    for (const s of g.slopes) for (const v of s.split(":")) names.add(v);
  }
  return [...names];
}

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
  const spec = validateSpec(specIn, table);
  requireComplete(table, usedColumns(spec), "Cannot build model");
  const n = table.nRows;
  const y = checkOutcome(spec, table);
  checkTreatmentVaries(table, spec.treatment);
  const trials = spec.trials
    ? (getColumn(table, spec.trials) as { values: Float64Array }).values
    : null;
  // The defaults use the outcome's median and MAD (sorts of every row): computed only when a
  // prior is left to its default.
  let defaultsMemo: DefaultPriors | undefined;
  const defaults = () => (defaultsMemo ??= defaultPriors(spec.family, y));

  const design = populationDesign(spec, table);
  const { fixed, fixedMeans, columns, columnNames, derivatives } = design;
  // Degenerate outcomes and separation, refused or warned of before anything is sampled.
  const degenerate = [
    ...(options.allowDegenerateOutcome
      ? []
      : checkOutcomeVariation(spec.family, spec.outcome, y, trials)),
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
  const nFixed = fixed.length;
  const hasIntercept = spec.intercept;
  const firstFixed = hasIntercept ? 1 : 0;
  const interceptOffset = hasIntercept ? 0 : -1;
  const bOffset = firstFixed;

  // Varying-effect terms add W columns when needed (`design` grows in place).
  const varying = varyingTerms(spec, table, design, defaults);
  const { terms, termKeys, varyingDerivatives } = varying;
  let offset = varying.offset;
  // The family's parameters (sigma, nu, …) follow the varying effects. Their priors are
  // resolved after the design; defaults are computed only when a prior is left to them.
  const family = familyOf(spec.family);
  const parameterOffsets = family.parameters.map(() => offset++);
  const D = columns.length;

  const { cellOfRow, cellGroupsList, nCells, cellLevels, cellCount, cellLabels } = cellsOf(
    spec,
    termKeys,
    n,
  );

  const kTotal = terms.reduce((s, t) => s + t.coefNames.length, 0);
  const aHat = varyingMap(terms, D, kTotal);

  // Compression.
  const stats = family.compression === "cells"
    ? gaussianStats(columns, y, cellOfRow, nCells, aHat, kTotal)
    : patternStats(family, columns, y, trials, cellOfRow, aHat, kTotal);

  const { effectFixed, effectVarying } = treatmentDerivatives(
    spec,
    terms,
    { derivatives, varyingDerivatives, cellOfRow, cellCount },
    n,
  );

  const fixedNames = fixed.map((f) => f.name);
  const warnings = dataWarnings(
    table,
    spec.treatment,
    terms.map((t, i) => ({
      group: t.group,
      labels: t.labels,
      sizes: t.sizes,
      index: termKeys[i].index,
      slopeVaries: spec.treatment !== null && spec.groupTerms[i].slopes.includes(spec.treatment),
    })),
    { parameters: offset, populationCoefficients: firstFixed + nFixed },
  );
  warnings.unshift(...degenerate);
  const familyParameters: CompiledFamilyParameter[] = family.parameters.map((p, i) => ({
    name: p.name,
    lower: p.lower,
    offset: parameterOffsets[i],
    prior: resolvePrior(spec.priors, p.name as PriorClass, {}, () => defaults().parameter(p.name)),
  }));
  const compiled: CompiledData = {
    family: spec.family,
    outcome: spec.outcome,
    nRows: n,
    columnNames,
    hasIntercept,
    nFixed,
    fixedNames,
    fixedTerms: fixed.map((f) => f.term),
    fixedMeans,
    interceptPrior: resolvePrior(spec.priors, "Intercept", {}, () => defaults().Intercept),
    bPriors: fixedNames.map((coef) => resolvePrior(spec.priors, "b", { coef }, () => defaults().b)),
    familyParameters,
    sigmaPrior: familyParameters.find((p) => p.name === "sigma")?.prior ?? FLAT,
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
    effectFixed,
    effectVarying,
    warnings,
  };
  return applyParameterization(compiled, options.parameterization ?? "noncentered");
}

/**
 * The population-level design W: an intercept column (when the model has one) and each fixed
 * term's column, centred on its mean when there is an intercept (as brms does).
 */
function populationDesign(spec: ModelSpec, table: Table) {
  const n = table.nRows;
  const fixed = designColumns(table, spec.terms, spec.treatment, spec.intercept);
  const nFixed = fixed.length;
  const hasIntercept = spec.intercept;
  const fixedMeans = new Float64Array(nFixed);
  for (let p = 0; p < nFixed; p++) {
    if (!hasIntercept) continue;
    let s = 0;
    for (let i = 0; i < n; i++) s += fixed[p].values[i];
    fixedMeans[p] = s / n;
  }
  const columns: Float64Array[] = [];
  const columnNames: string[] = [];
  const derivatives: (Float64Array | undefined)[] = [];
  if (hasIntercept) {
    columns.push(new Float64Array(n).fill(1));
    columnNames.push("Intercept");
    derivatives.push(undefined);
  }
  for (let p = 0; p < nFixed; p++) {
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) c[i] = fixed[p].values[i] - fixedMeans[p];
    columns.push(c);
    columnNames.push(fixed[p].name);
    derivatives.push(fixed[p].derivative);
  }
  checkPopulationDesign(
    columns.map((values, i) => ({ name: columnNames[i], values })),
    hasIntercept,
    fixedMeans,
  );

  return { fixed, fixedMeans, columns, columnNames, derivatives };
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
) {
  const n = table.nRows;
  const { fixed, fixedMeans, columns, columnNames, derivatives } = design;
  const hasIntercept = spec.intercept;
  const firstFixed = hasIntercept ? 1 : 0;
  let offset = firstFixed + fixed.length;
  const terms: CompiledTerm[] = [];
  const termKeys: ReturnType<typeof groupKeys>[] = [];
  const varyingDerivatives: (Float64Array | undefined)[][] = [];
  for (const g of spec.groupTerms) {
    const keys = groupKeys(table, g.factors);
    termKeys.push(keys);
    const coefNames: string[] = [];
    const mapColumn: number[] = [];
    const mapCoef: number[] = [];
    const mapWeight: number[] = [];
    const derivs: (Float64Array | undefined)[] = [];
    if (g.intercept) {
      const k = coefNames.length;
      coefNames.push("Intercept");
      derivs.push(undefined);
      if (hasIntercept) {
        mapColumn.push(0), mapCoef.push(k), mapWeight.push(1);
      } else {
        columns.push(new Float64Array(n).fill(1));
        columnNames.push(`(${g.group}:Intercept)`);
        derivatives.push(undefined);
        mapColumn.push(columns.length - 1), mapCoef.push(k), mapWeight.push(1);
      }
    }
    for (const slope of designColumns(table, g.slopes, spec.treatment, g.intercept)) {
      const k = coefNames.length;
      coefNames.push(slope.name);
      derivs.push(slope.derivative);
      const p = fixed.findIndex((f) => f.name === slope.name);
      if (p >= 0) {
        // Raw slope column = centred fixed column + its mean × intercept column.
        mapColumn.push(firstFixed + p), mapCoef.push(k), mapWeight.push(1);
        if (hasIntercept && fixedMeans[p] !== 0) {
          mapColumn.push(0), mapCoef.push(k), mapWeight.push(fixedMeans[p]);
        }
      } else {
        columns.push(slope.values);
        columnNames.push(`(${g.group}:${slope.name})`);
        derivatives.push(undefined); // its fixed coefficient is 0: no fixed contribution
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
  }
  return { terms, termKeys, varyingDerivatives, offset };
}

/** Cells: the observed combinations of every term's group, each row's cell and their labels. */
function cellsOf(spec: ModelSpec, termKeys: ReturnType<typeof groupKeys>[], n: number) {
  const T = termKeys.length;
  const cellOfRow = new Int32Array(n);
  const cellIndex = new Map<number | string, number>();
  const cellGroupsList: number[] = [];
  // A row's cell key: its group indices in mixed radix, or joined as a string past 2^53.
  const numericCellKeys =
    termKeys.reduce((p, k) => p * k.sizes.length, 1) <= Number.MAX_SAFE_INTEGER;
  for (let i = 0; i < n; i++) {
    let key: number | string = numericCellKeys ? 0 : "";
    for (let t = 0; t < T; t++) {
      if (numericCellKeys) key = (key as number) * termKeys[t].sizes.length + termKeys[t].index[i];
      else key += termKeys[t].index[i] + ",";
    }
    let c = cellIndex.get(key);
    if (c === undefined) {
      c = cellIndex.size;
      cellIndex.set(key, c);
      for (let t = 0; t < T; t++) cellGroupsList.push(termKeys[t].index[i]);
    }
    cellOfRow[i] = c;
  }
  const nCells = cellIndex.size;
  const cellFactors = [...new Set(spec.groupTerms.flatMap((g) => g.factors))];
  const cellLevels: Record<string, string>[] = new Array(nCells);
  const cellCount = new Float64Array(nCells);
  for (let i = 0; i < n; i++) {
    const c = cellOfRow[i];
    cellCount[c]++;
    if (cellLevels[c] === undefined) {
      const levels: Record<string, string> = {};
      for (let t = 0; t < T; t++) Object.assign(levels, termKeys[t].levels[termKeys[t].index[i]]);
      cellLevels[c] = Object.fromEntries(cellFactors.map((f) => [f, levels[f]]));
    }
  }
  const cellLabels = cellLevels.map((l) => cellFactors.map((f) => l[f]).join("_"));

  return { cellOfRow, cellGroupsList, nCells, cellLevels, cellCount, cellLabels };
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

/** Per cell, the mean derivative of each design column (and varying column) w.r.t. the treatment. */
function treatmentDerivatives(
  spec: ModelSpec,
  terms: CompiledTerm[],
  rows: {
    derivatives: (Float64Array | undefined)[];
    varyingDerivatives: (Float64Array | undefined)[][];
    cellOfRow: Int32Array;
    cellCount: Float64Array;
  },
  n: number,
) {
  const { derivatives, varyingDerivatives, cellOfRow, cellCount } = rows;
  const D = derivatives.length;
  const T = terms.length;
  const nCells = cellCount.length;
  const effectFixed = new Float64Array(nCells * D);
  const effectVarying = terms.map((t) => new Float64Array(nCells * t.coefNames.length));
  if (spec.treatment !== null) {
    for (let i = 0; i < n; i++) {
      const c = cellOfRow[i];
      for (let d = 0; d < D; d++) {
        const der = derivatives[d];
        if (der) effectFixed[c * D + d] += der[i] / cellCount[c];
      }
      for (let t = 0; t < T; t++) {
        const K = terms[t].coefNames.length;
        for (let k = 0; k < K; k++) {
          const der = varyingDerivatives[t][k];
          if (der) effectVarying[t][c * K + k] += der[i] / cellCount[c];
        }
      }
    }
  }
  return { effectFixed, effectVarying };
}

function gaussianStats(
  columns: Float64Array[],
  y: Float64Array,
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
  const row = new Float64Array(D);
  for (let i = 0; i < y.length; i++) {
    const c = cellOfRow[i];
    for (let d = 0; d < D; d++) row[d] = columns[d][i];
    count[c]++;
    yty += y[i] * y[i];
    const base = c * D * D;
    for (let a = 0; a < D; a++) {
      wty[c * D + a] += row[a] * y[i];
      const ra = row[a];
      if (ra === 0) continue;
      for (let b = 0; b < D; b++) wtw[base + a * D + b] += ra * row[b];
    }
  }
  const G = new Float64Array(D * D);
  const h = new Float64Array(D);
  const B = new Float64Array(nCells * D * kTotal);
  const C = new Float64Array(nCells * kTotal * kTotal);
  const e = new Float64Array(nCells * kTotal);
  for (let c = 0; c < nCells; c++) {
    const m = c * D * D;
    for (let a = 0; a < D; a++) {
      h[a] += wty[c * D + a];
      for (let b = 0; b < D; b++) G[a * D + b] += wtw[m + a * D + b];
      for (let k = 0; k < kTotal; k++) {
        let v = 0;
        for (let b = 0; b < D; b++) v += wtw[m + a * D + b] * aHat[b * kTotal + k];
        B[(c * D + a) * kTotal + k] = v;
      }
    }
    for (let k = 0; k < kTotal; k++) {
      let v = 0;
      for (let a = 0; a < D; a++) v += aHat[a * kTotal + k] * wty[c * D + a];
      e[c * kTotal + k] = v;
      for (let l = 0; l < kTotal; l++) {
        let w = 0;
        for (let a = 0; a < D; a++) w += aHat[a * kTotal + k] * B[(c * D + a) * kTotal + l];
        C[(c * kTotal + k) * kTotal + l] = w;
      }
    }
  }
  return { kind: "gaussian", count, n: y.length, yty, G, h, B, C, e };
}

/**
 * One entry per unique covariate pattern within a cell (and per outcome value when the family
 * keeps outcomes apart): rows, Σ y, Σ trials and the shared y, each kept only when used.
 */
function patternStats(
  family: Family,
  columns: Float64Array[],
  y: Float64Array,
  trials: Float64Array | null,
  cellOfRow: Int32Array,
  aHat: Float64Array,
  kTotal: number,
): PatternStats {
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
    rows[p] += 1;
    ySum[p] += y[i];
    if (trials !== null) trialSum[p] += trials[i];
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
