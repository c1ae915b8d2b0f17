/**
 * Draws of the linear predictor η for arbitrary rows (brms `posterior_linpred`): the fit's
 * population-level draws (b_*) applied to the rows' design columns, plus each row's varying
 * effects r_* for groups seen in training. Groups not seen in training either raise a HetfxError
 * naming the level, or (`allowNewLevels`) get, per draw, a fresh draw from the group
 * distribution N(0, diag(sd) Ω diag(sd)) — brms's `sample_new_levels = "gaussian"`.
 */
import { didYouMean, HetfxError } from "../errors.ts";
import { checkBoolean, checkSeed } from "../options.ts";
import {
  type Column,
  formatValue,
  getColumn,
  labelAt,
  makeTable,
  requireTable,
  rowNumber,
  type Table,
} from "../data/table.ts";
import { groupKey, groupLabel } from "../data/groups.ts";
import { designColumns } from "../model/design.ts";
import { termColumns, usedColumns } from "../model/used_columns.ts";
import { KeyedStream } from "../math/rng.ts";
import type { FitResult } from "./fit_result.ts";
import { varyingName } from "./generated.ts";

/** Counter-RNG stream ids (word c2) of posterior analysis; the samplers use 0–2. */
export const PosteriorStreams = { newLevels: 16, prediction: 17 } as const;

/** Grouping term t's new levels draw from stream newLevels + this · t (term 0: newLevels). */
const NEW_LEVEL_TERM_STRIDE = 1 << 16;

/** Options shared by everything that predicts. */
export interface LinearPredictorOptions {
  /** Draw varying effects of groups not seen in training from the group distribution. */
  allowNewLevels?: boolean;
  /** Seed of the new-level draws (default: the fit's seed). */
  seed?: number;
}

/**
 * Who asks for predictions, for its messages: how an error opens ("Cannot compute effects"),
 * naming the function the user called, and what the user called the rows ("newdata", "the
 * population table").
 */
export interface PredictionCaller {
  context: string;
  rows: string;
}

/** predict()'s messages: "Cannot predict: … of newdata …". */
export const PREDICT_CALLER: PredictionCaller = { context: "Cannot predict", rows: "newdata" };

/** The training table of a fit, or a HetfxError saying to pass `newdata`. */
export function trainingTable(fit: FitResult, what: string, levelsOnly = false): Table {
  if (fit.data.aggregated && !levelsOnly) {
    throw new HetfxError(
      `Cannot compute ${what}: the model was fitted to aggregated data (one row per key with ` +
        `counts and sums), which holds no individual rows. Pass newdata, or fit the rows.`,
    );
  }
  if (fit.table === null) {
    throw new HetfxError(
      `Cannot compute ${what}: this fit does not carry the table it was fitted to; ` +
        "pass newdata explicitly.",
    );
  }
  return fit.table;
}

/**
 * `newdata` recoded to the training table's columns: factor columns get the training levels
 * (so dummies get the same names), numeric columns stay numeric. Only `columns` are kept.
 * A value that is not a training level, or a missing column, throws a HetfxError, except in
 * grouping columns (`grouping.columns`, those that only define groups) when `grouping.allowNew`:
 * there new levels are appended after the training levels.
 */
export function alignTable(
  training: Table,
  newdata: Table,
  columns: readonly string[],
  caller: PredictionCaller,
  grouping: { columns: ReadonlySet<string>; allowNew: boolean } = {
    columns: new Set(),
    allowNew: false,
  },
): Table {
  const { context, rows } = caller;
  requireTable(newdata, `${context} (${rows})`);
  const out: Record<string, Column> = {};
  for (const name of columns) {
    const reference = training.columns[name];
    const column = newdata.columns[name];
    if (column === undefined) {
      // Only a column the model does not read can be a misspelling of this one: "did you
      // mean" another model column that newdata has would point at the wrong column.
      const unused = newdata.names.filter((c) => !columns.includes(c));
      throw new HetfxError(
        `${context}: ${rows} has no column "${name}"${didYouMean(name, unused)}; ` +
          `the model needs ${columns.map((c) => `"${c}"`).join(", ")}.`,
      );
    }
    if (reference === undefined || reference.kind === "number") {
      if (column.kind === "number") out[name] = column;
      else {
        const values = new Float64Array(newdata.nRows);
        for (let i = 0; i < newdata.nRows; i++) {
          const label = labelAt(column, i);
          // A blank cell is missing (Number("") is 0: it predicted at 0, silently).
          const missing = label === "NA" || label.trim() === "";
          values[i] = missing ? NaN : Number(label);
          if (!missing && !Number.isFinite(values[i])) {
            throw new HetfxError(
              `${context}: column "${name}" of ${rows} has "${label}" in row ${
                rowNumber(newdata, i)
              }, ` +
                "but the model's column is numeric.",
            );
          }
        }
        out[name] = { kind: "number", values };
      }
      continue;
    }
    const index = new Map(reference.levels.map((l, k) => [l, k]));
    const levels = [...reference.levels];
    const codes = new Int32Array(newdata.nRows);
    for (let i = 0; i < newdata.nRows; i++) {
      const label = column.kind === "number" ? formatValue(column.values[i]) : labelAt(column, i);
      let code = label === "NA" ? -1 : index.get(label);
      const isGrouping = grouping.columns.has(name);
      if (code === undefined && isGrouping && grouping.allowNew) {
        code = levels.push(label) - 1;
        index.set(label, code);
      }
      if (code === undefined) {
        throw new HetfxError(
          `${context}: column "${name}" of ${rows} has level "${label}" (row ${
            rowNumber(newdata, i)
          }), which ` +
            `the model was not fitted with; levels: ${reference.levels.join(", ")}` +
            (isGrouping
              ? `. "${name}" defines groups: pass allowNewLevels: true to draw the new ` +
                "group's varying effects from the fitted group distribution."
              : "."),
        );
      }
      codes[i] = code;
    }
    out[name] = { kind: "factor", codes, levels };
  }
  // Messages about the aligned rows name them as the user's rows (rowNumber).
  const aligned = makeTable(out, [...columns]);
  return newdata.rowNumbers ? { ...aligned, rowNumbers: newdata.rowNumbers } : aligned;
}

/**
 * The columns that only define groups (a grouping factor that is no population-level or varying
 * term's variable): with allowNewLevels they may hold levels not seen in training, whose groups
 * get fresh varying effects; a column of the design may not.
 */
export function groupingOnlyColumns(spec: FitResult["spec"]): Set<string> {
  const designVariables = new Set(
    [...spec.terms, ...spec.groupTerms.flatMap((g) => g.slopes)].flatMap((t) => t.split(":")),
  );
  return new Set(
    spec.groupTerms.flatMap((g) => g.factors).filter((f) => !designVariables.has(f)),
  );
}

/**
 * Columns a prediction needs: the model's columns without the outcome and the likelihood
 * weights (trials included), unless a term also uses the weights column (y | weights(w) ~ w).
 */
export function predictorColumns(fit: FitResult): string[] {
  const spec = fit.spec;
  const terms = termColumns(spec);
  return usedColumns(spec).filter((c) =>
    c !== spec.outcome && (c !== spec.weights || terms.has(c))
  );
}

/**
 * Linear-predictor draws for the rows of one table. Build it once, then call `eta(row, out)`
 * for each row; `draws` is the number of posterior draws (chains × draws per chain, chain-major).
 *
 * @example
 * ```ts ignore
 * const lp = new LinearPredictor(fit, newdata);
 * const eta = lp.eta(0, new Float64Array(lp.draws));
 * ```
 */
export class LinearPredictor {
  readonly draws: number;
  readonly nRows: number;
  /** nRows × P design (uncentred) and the S × P coefficient draws, coefficient-major. */
  readonly #x: Float64Array;
  readonly #b: Float64Array[];
  readonly #intercept: Float64Array | null;
  readonly #terms: {
    K: number;
    /** Per row: index of the group among training groups, or −(1 + new-level index). */
    group: Int32Array;
    /** nRows × K varying design values. */
    z: Float64Array;
    /** Per coefficient k, per training group j: the r draws (S). */
    r: Float64Array[][];
    /** Per new level: S × K draws. */
    fresh: Float64Array[];
  }[];

  constructor(
    fit: FitResult,
    newdata: Table,
    options: LinearPredictorOptions = {},
    caller: PredictionCaller = PREDICT_CALLER,
  ) {
    const { context, rows } = caller;
    checkBoolean(options.allowNewLevels, "allowNewLevels", context);
    checkSeed(options.seed, context);
    // Only the training columns' kinds and levels are read (aggregated data have them too).
    const training = trainingTable(fit, "predictions", true);
    const spec = fit.spec;
    const groupingOnly = groupingOnlyColumns(spec);
    // η needs the trials column only where it is also a predictor (k | trials(n) ~ n).
    const terms = termColumns(spec);
    const columns = predictorColumns(fit).filter((c) => c !== spec.trials || terms.has(c));
    const table = alignTable(training, newdata, columns, caller, {
      columns: groupingOnly,
      allowNew: options.allowNewLevels === true,
    });
    this.nRows = table.nRows;
    this.draws = fit.named.chains * fit.named.drawsPerChain;
    for (const c of columns) {
      const col = table.columns[c];
      for (let i = 0; i < table.nRows; i++) {
        if (col.kind === "number" ? Number.isNaN(col.values[i]) : col.codes[i] < 0) {
          throw new HetfxError(
            `${context}: column "${c}" of ${rows} is missing in row ${rowNumber(newdata, i)}.`,
          );
        }
      }
    }
    const fixed = designColumns(table, spec.terms, spec.treatment, spec.intercept);
    const names = fit.data.fixedNames;
    if (fixed.length !== names.length || fixed.some((f, p) => f.name !== names[p])) {
      throw new HetfxError(
        `${context}: ${rows} gives design columns ${fixed.map((f) => f.name).join(", ")} but the ` +
          `model has ${names.join(", ")}.`,
      );
    }
    const P = names.length;
    this.#x = new Float64Array(this.nRows * P);
    for (let p = 0; p < P; p++) {
      for (let i = 0; i < this.nRows; i++) this.#x[i * P + p] = fixed[p].values[i];
    }
    this.#b = names.map((n) => fit.draws(`b_${n}`));
    this.#intercept = fit.data.hasIntercept ? fit.draws("b_Intercept") : null;
    const seed = options.seed ?? fit.info.options.seed;
    this.#terms = fit.data.terms.map((term, t) => {
      const K = term.coefNames.length;
      const g = spec.groupTerms[t];
      const slopes = designColumns(table, g.slopes, spec.treatment, g.intercept);
      const z = new Float64Array(this.nRows * K);
      for (let i = 0; i < this.nRows; i++) {
        let k = 0;
        if (g.intercept) z[i * K + k++] = 1;
        for (const s of slopes) z[i * K + k++] = s.values[i];
      }
      // Found by their levels, not their labels: a new combination ("a", "b_c") must not take
      // the effects of a fitted ("a_b", "c"), whose label "a_b_c" it shares.
      const keyIndex = new Map(
        term.levels.map((levels, j) => [groupKey(term.factors.map((f) => levels[f])), j]),
      );
      const factorColumns = term.factors.map((f) => getColumn(table, f, context));
      const newLevels: string[] = [];
      const group = new Int32Array(this.nRows);
      for (let i = 0; i < this.nRows; i++) {
        const levels = factorColumns.map((c) => labelAt(c, i));
        const label = groupLabel(levels);
        const j = keyIndex.get(groupKey(levels));
        if (j !== undefined) group[i] = j;
        else {
          if (!options.allowNewLevels) {
            throw new HetfxError(
              `${context}: row ${rowNumber(newdata, i)} of ${rows} is in group "${label}" of ` +
                `${term.group}, ` +
                "which was not in the training data; pass allowNewLevels: true to draw its " +
                "varying effects from the fitted group distribution.",
            );
          }
          const key = groupKey(levels);
          let m = newLevels.indexOf(key);
          if (m < 0) m = newLevels.push(key) - 1;
          group[i] = -(1 + m);
        }
      }
      const r = term.coefNames.map((coef) =>
        term.labels.map((label) => fit.draws(varyingName(term.group, label, coef)))
      );
      const fresh = newLevels.map((_, m) => newLevelDraws(fit, t, this.draws, seed, m));
      return { K, group, z, r, fresh };
    });
  }

  /** Fill `out` (length `draws`) with η of row `row` for every draw; returns `out`. */
  eta(row: number, out: Float64Array): Float64Array {
    const S = this.draws;
    if (this.#intercept) out.set(this.#intercept);
    else out.fill(0);
    const P = this.#b.length;
    for (let p = 0; p < P; p++) {
      const x = this.#x[row * P + p];
      if (x === 0) continue;
      const b = this.#b[p];
      for (let s = 0; s < S; s++) out[s] += x * b[s];
    }
    for (const term of this.#terms) {
      const g = term.group[row];
      for (let k = 0; k < term.K; k++) {
        const z = term.z[row * term.K + k];
        if (z === 0) continue;
        if (g >= 0) {
          const r = term.r[k][g];
          for (let s = 0; s < S; s++) out[s] += z * r[s];
        } else {
          const fresh = term.fresh[-g - 1];
          for (let s = 0; s < S; s++) out[s] += z * fresh[s * term.K + k];
        }
      }
    }
    return out;
  }
}

/**
 * S × K draws of a new group's varying effects: per draw s, L_s · ξ with L_s the Cholesky factor
 * of diag(sd_s) Ω_s diag(sd_s) and ξ standard normal from the counter RNG keyed by
 * (seed, draw s, new level m, stream newLevels + NEW_LEVEL_TERM_STRIDE · t): the grouping terms
 * are independent in the model, so each term's new levels get their own normals (keyed by level
 * alone, a row new in two terms had the same ξ in both: their effects perfectly correlated).
 */
function newLevelDraws(
  fit: FitResult,
  t: number,
  S: number,
  seed: number,
  m: number,
): Float64Array {
  const stream = PosteriorStreams.newLevels + NEW_LEVEL_TERM_STRIDE * t;
  const rng = new KeyedStream(seed, 0, 0, stream);
  const term = fit.data.terms[t];
  const K = term.coefNames.length;
  const sd = term.coefNames.map((c) => fit.draws(`sd_${term.group}__${c}`));
  const cor: (Float64Array | null)[] = new Array(K * K).fill(null);
  if (term.correlated) {
    for (let a = 0; a < K; a++) {
      for (let b = a + 1; b < K; b++) {
        cor[a * K + b] = cor[b * K + a] = fit.draws(
          `cor_${term.group}__${term.coefNames[a]}__${term.coefNames[b]}`,
        );
      }
    }
  }
  const out = new Float64Array(S * K);
  const L = new Float64Array(K * K);
  const xi = new Float64Array(K);
  for (let s = 0; s < S; s++) {
    // Cholesky of the correlation matrix Ω_s (K is small).
    L.fill(0);
    for (let a = 0; a < K; a++) {
      for (let b = 0; b <= a; b++) {
        let v = a === b ? 1 : (cor[a * K + b]?.[s] ?? 0);
        for (let c = 0; c < b; c++) v -= L[a * K + c] * L[b * K + c];
        L[a * K + b] = a === b ? Math.sqrt(Math.max(v, 0)) : v / L[b * K + b];
      }
    }
    rng.reset(seed, s, m, stream);
    rng.fillNormals(xi);
    for (let a = 0; a < K; a++) {
      let u = 0;
      for (let c = 0; c <= a; c++) u += L[a * K + c] * xi[c];
      out[s * K + a] = sd[a][s] * u;
    }
  }
  return out;
}
