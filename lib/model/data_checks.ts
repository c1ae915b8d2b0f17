/**
 * Checks of the data a model is compiled from that go beyond the spec: a treatment that does
 * not vary, constant or perfectly collinear population-level predictors (refused: their
 * coefficients would be unidentified, and with flat priors the posterior improper), and the
 * warnings a user must read (one-row groups, groups where everyone or no one is treated, more
 * parameters than the data can inform).
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import { type Column, formatValue, getColumn, labelAt, type Table } from "../data/table.ts";

const FAIL = "Cannot build model";
/** A column whose residual (relative to its own norm) falls below this is a linear combination. */
const RANK_TOLERANCE = 1e-9;
/** Groups listed by name in a warning before "and N more". */
const MAX_LISTED = 8;

/** A design column to check: its coefficient name and values (centred when there is an intercept). */
export interface NamedColumn {
  name: string;
  values: Float64Array;
}

/**
 * Refuse a treatment that has the same value in every row: its effect cannot be estimated.
 *
 * @example
 * ```ts
 * import { checkTreatmentVaries } from "./data_checks.ts";
 * import { makeTable } from "../data/table.ts";
 * const t = makeTable({ treat: { kind: "number", values: new Float64Array([1, 1]) } });
 * try { checkTreatmentVaries(t, "treat"); } catch (e) { console.assert(String(e).includes("same value")); }
 * ```
 */
export function checkTreatmentVaries(table: Table, treatment: string | null): void {
  if (treatment === null || table.nRows === 0) return;
  const column = getColumn(table, treatment, FAIL);
  const first = labelAt(column, 0);
  for (let i = 1; i < table.nRows; i++) if (labelAt(column, i) !== first) return;
  throw new HetfxError(
    `${FAIL}: the treatment "${treatment}" has the same value (${first}) in all ` +
      `${table.nRows} rows, so its effect cannot be estimated; a treatment needs rows with ` +
      `different values (treated and untreated). Check the data or the rows you filtered.`,
  );
}

/**
 * Refuse constant and perfectly collinear population-level predictors, naming them. `columns`
 * are the design columns in order (the intercept first when there is one; the others centred
 * when there is an intercept, as compile.ts builds them). The check is a Cholesky
 * factorisation, in column order, of the column-normalised Gram matrix: a column whose
 * residual after the earlier columns vanishes is a combination of them.
 *
 * @example
 * ```ts
 * import { checkPopulationDesign } from "./data_checks.ts";
 * const one = new Float64Array([1, 1, 1]);
 * const x = new Float64Array([-1, 0, 1]);
 * const z = new Float64Array([-2, 0, 2]);
 * try {
 *   checkPopulationDesign([{ name: "Intercept", values: one }, { name: "x", values: x }, { name: "z", values: z }], true);
 * } catch (e) { console.assert(String(e).includes('"z"') && String(e).includes('"x"')); }
 * ```
 */
export function checkPopulationDesign(
  columns: readonly NamedColumn[],
  hasIntercept: boolean,
  fixedMeans?: Float64Array,
): void {
  const D = columns.length;
  if (D === 0) return;
  const n = columns[0].values.length;
  const gram = new Float64Array(D * D);
  for (let a = 0; a < D; a++) {
    const va = columns[a].values;
    for (let b = 0; b <= a; b++) {
      const s = dot(va, columns[b].values, n);
      gram[a * D + b] = s;
      gram[b * D + a] = s;
    }
  }
  checkDesignGram(gram, columns.map((c) => c.name), hasIntercept, fixedMeans);
}

/**
 * Σᵢ aᵢ bᵢ over the first n entries. Its own function so that V8 optimises it once: as the
 * inner loop of checkPopulationDesign it was compiled on the stack and deoptimised at every
 * exit (13 times for a 16-column design), running the rows' sums unoptimised.
 */
function dot(a: Float64Array, b: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/**
 * {@link checkPopulationDesign} from the columns' Gram matrix (D × D, row-major): what an
 * aggregated Gaussian compile has (lib/model/aggregate_stats.ts) instead of the columns. A
 * diagonal entry at most `reference[a]` × 1e-9 (the uncentred column's sum of squares: the sums'
 * rounding) counts as a constant column.
 *
 * @example
 * ```ts
 * import { checkDesignGram } from "./data_checks.ts";
 * // Intercept and x over 3 rows with x − mean = −1, 0, 1: fine.
 * checkDesignGram(new Float64Array([3, 0, 0, 2]), ["Intercept", "x"], true);
 * let message = "";
 * try { checkDesignGram(new Float64Array([3, 0, 0, 0]), ["Intercept", "x"], true); }
 * catch (e) { message = String(e); }
 * console.assert(message.includes('"x" has the same value'));
 * ```
 */
export function checkDesignGram(
  gram: Float64Array,
  names: readonly string[],
  hasIntercept: boolean,
  fixedMeans?: Float64Array,
  reference?: Float64Array,
): void {
  const D = names.length;
  const first = hasIntercept ? 1 : 0;
  const scale = new Float64Array(D);
  for (let a = 0; a < D; a++) {
    const diag = gram[a * D + a];
    if (diag > (reference ? RANK_TOLERANCE * reference[a] : 0)) {
      scale[a] = 1 / Math.sqrt(diag);
      continue;
    }
    const name = names[a];
    const value = hasIntercept && fixedMeans ? formatValue(fixedMeans[a - first]) : "0";
    throw new HetfxError(
      `${FAIL}: predictor "${name}" has the same value (${value}) in every row, so its ` +
        `coefficient cannot be estimated; remove it from the formula` +
        (value === "0"
          ? ` (a level of a factor that no row has any more: drop unused levels with dropUnusedLevels()).`
          : "."),
    );
  }
  // Normalised Gram: unit diagonal. Cholesky in column order, skipping nothing.
  const R = new Float64Array(D * D);
  for (let a = 0; a < D; a++) {
    for (let b = 0; b < D; b++) R[a * D + b] = gram[a * D + b] * scale[a] * scale[b];
  }
  const L = new Float64Array(D * D);
  for (let j = 0; j < D; j++) {
    for (let k = 0; k < j; k++) {
      let s = R[j * D + k];
      for (let m = 0; m < k; m++) s -= L[j * D + m] * L[k * D + m];
      L[j * D + k] = s / L[k * D + k];
    }
    let residual = R[j * D + j];
    for (let m = 0; m < j; m++) residual -= L[j * D + m] * L[j * D + m];
    if (residual > RANK_TOLERANCE) {
      L[j * D + j] = Math.sqrt(residual);
      continue;
    }
    // Column j = Σ c_k column_k over earlier k: solve L Lᵀ c = R[·, j] (normalised units).
    const y = new Float64Array(j);
    for (let k = 0; k < j; k++) {
      let s = R[k * D + j];
      for (let m = 0; m < k; m++) s -= L[k * D + m] * y[m];
      y[k] = s / L[k * D + k];
    }
    const c = new Float64Array(j);
    for (let k = j - 1; k >= 0; k--) {
      let s = y[k];
      for (let m = k + 1; m < j; m++) s -= L[m * D + k] * c[m];
      c[k] = s / L[k * D + k];
    }
    const partners = [];
    for (let k = 0; k < j; k++) if (Math.abs(c[k]) > 1e-6) partners.push(names[k]);
    const name = names[j];
    const others = partners.filter((p) => p !== "Intercept");
    const what = others.length === 0
      ? "the intercept (it is constant)"
      : others.map((p) => `"${p}"`).join(", ") +
        (partners.includes("Intercept") ? " and the intercept" : "");
    throw new HetfxError(
      `${FAIL}: predictor "${name}" is perfectly collinear with ${what}: it is an exact ` +
        `linear combination of those, so their coefficients cannot be told apart; remove ` +
        `"${name}" or one of the others from the formula.`,
    );
  }
}

/** What {@link dataWarnings} needs about one varying-effects term. */
export interface TermGroups {
  group: string;
  labels: readonly string[];
  sizes: readonly number[];
  /** Each row's group (−1: none). */
  index: Int32Array;
  /** Whether the treatment's slope varies in this term. */
  slopeVaries: boolean;
}

function listGroups(labels: string[]): string {
  const shown = labels.slice(0, MAX_LISTED).map((l) => `"${l}"`).join(", ");
  return labels.length > MAX_LISTED ? `${shown} and ${labels.length - MAX_LISTED} more` : shown;
}

/**
 * Refuse a binned column (binColumn) with a bin that no row falls in, among `columns` (the
 * model's predictors and slopes): its coefficient would be 0 in every row. Explicit breaks
 * make such bins (R's cut keeps them as levels; its model frame then drops them).
 *
 * @example
 * ```ts
 * import { checkEmptyBins } from "./data_checks.ts";
 * import { makeTable } from "../data/table.ts";
 * const t = makeTable({ a_bin: { kind: "factor", codes: new Int32Array([0, 0]),
 *   levels: ["[0,5]", "(5,9]"], binned: { from: "a" } } });
 * let message = "";
 * try { checkEmptyBins(t, ["a_bin"]); } catch (e) { message = String(e); }
 * console.assert(message.includes('bin "(5,9]" of "a_bin" has no rows'));
 * ```
 */
export function checkEmptyBins(table: Table, columns: Iterable<string>): void {
  for (const name of columns) {
    const column = table.columns[name];
    if (column?.kind !== "factor" || column.binned === undefined) continue;
    const used = new Uint8Array(column.levels.length);
    for (const code of column.codes) if (code >= 0) used[code] = 1;
    const empty = column.levels.filter((_, j) => used[j] === 0);
    if (empty.length === 0) continue;
    const bins = empty.map((level) => `"${level}"`).join(", ");
    const one = empty.length === 1;
    throw new HetfxError(
      `${FAIL}: bin${one ? "" : "s"} ${bins} of "${name}" ${one ? "has" : "have"} no rows (no ` +
        `value of "${column.binned.from}" falls in ${one ? "it" : "them"}), so the model ` +
        `cannot estimate ${one ? "its" : "their"} coefficient. Give breaks that leave no bin ` +
        `empty, or drop the empty bin${one ? "" : "s"} first: dropUnusedLevels(table, ` +
        `["${name}"]).`,
    );
  }
}

/**
 * The notes binColumn left on the model's binned columns: ties in the binned column merged
 * equal quantile breaks, so a column has fewer bins than were asked for.
 *
 * @example
 * ```ts
 * import { binNoteWarnings } from "./data_checks.ts";
 * import { makeTable } from "../data/table.ts";
 * const note = '"a_bin": ties in "a" merged equal quantile breaks, so it has 2 bins, not 3.';
 * const t = makeTable({ a_bin: { kind: "factor", codes: new Int32Array([0, 1]),
 *   levels: ["[1,2]", "(2,5]"], binned: { from: "a", note } } });
 * console.assert(binNoteWarnings(t, ["a_bin"])[0] === note);
 * ```
 */
export function binNoteWarnings(table: Table, columns: readonly string[]): string[] {
  return columns.flatMap((name) => {
    const column = table.columns[name];
    return column?.kind === "factor" && column.binned?.note ? [column.binned.note] : [];
  });
}

/**
 * Warnings about text columns whose levels differ only in spaces before or after the text
 * ("east" and "east "): they are different levels, as in R's read.csv, so different groups,
 * which a printed table shows as one label twice. A survey export's trailing space is the usual
 * cause. (A factor treatment or predictor with such levels is refused: its coefficient names
 * would clash.)
 *
 * @example
 * ```ts
 * import { spacedLevelWarnings } from "./data_checks.ts";
 * import { makeTable } from "../data/table.ts";
 * const t = makeTable({ g: { kind: "factor", codes: new Int32Array([0, 1]), levels: ["east", "east "] } });
 * console.assert(spacedLevelWarnings(t, ["g"])[0].includes('"east" and "east "'));
 * ```
 */
export function spacedLevelWarnings(table: Table, columns: readonly string[]): string[] {
  const out: string[] = [];
  for (const name of columns) {
    const column = table.columns[name];
    if (column?.kind !== "factor") continue;
    const byTrimmed = new Map<string, string[]>();
    for (const level of column.levels) {
      const key = level.trim();
      byTrimmed.set(key, [...(byTrimmed.get(key) ?? []), level]);
    }
    const twins = [...byTrimmed.values()].filter((levels) => levels.length > 1);
    if (twins.length === 0) continue;
    const shown = twins.slice(0, MAX_LISTED).map((levels) => {
      const quoted = levels.map((l) => JSON.stringify(l));
      return `${quoted.slice(0, -1).join(", ")} and ${quoted.at(-1)}`;
    }).join("; ");
    const more = twins.length > MAX_LISTED ? ` and ${twins.length - MAX_LISTED} more` : "";
    out.push(
      `Column "${name}": levels ${shown}${more} differ only in spaces before or after the ` +
        "text, so the model treats them as different levels (different groups); if they are " +
        "the same, remove the spaces in the data.",
    );
  }
  return out;
}

/**
 * An aggregate's summed treatment (lib/model/aggregate.ts): per key row, its data rows `n`, the
 * sum of their treatment values and of their squares; `low` and `high` its smallest and largest
 * value over all rows.
 */
export interface SummedTreatment {
  n: Float64Array;
  sum: Float64Array;
  sumSquares: Float64Array;
  low: number;
  high: number;
}

/** Each group's first treatment value, and whether every row of it has that value. */
function treatmentPerGroup(
  term: TermGroups,
  valueAt: (row: number) => number,
  n: number,
): { first: Float64Array; constant: Uint8Array } {
  const first = new Float64Array(term.labels.length).fill(NaN);
  const constant = new Uint8Array(term.labels.length).fill(1);
  for (let i = 0; i < n; i++) {
    const g = term.index[i];
    if (g < 0) continue;
    const v = valueAt(i);
    if (Number.isNaN(first[g])) first[g] = v;
    else if (first[g] !== v) constant[g] = 0;
  }
  return { first, constant };
}

/**
 * {@link treatmentPerGroup} from sums: a group's treatment is constant when the variance of its
 * rows' values, n·Σt² − (Σt)² over n², vanishes (to rounding); its value is then the mean,
 * snapped to `low` or `high` when within rounding of them.
 */
function summedTreatmentPerGroup(
  term: TermGroups,
  summed: SummedTreatment,
  low: number,
  high: number,
): { first: Float64Array; constant: Uint8Array } {
  const J = term.labels.length;
  const n = new Float64Array(J), sum = new Float64Array(J), squares = new Float64Array(J);
  term.index.forEach((g, i) => {
    if (g < 0) return;
    n[g] += summed.n[i];
    sum[g] += summed.sum[i];
    squares[g] += summed.sumSquares[i];
  });
  const first = new Float64Array(J).fill(NaN);
  const constant = new Uint8Array(J);
  const tolerance = 1e-9;
  for (let g = 0; g < J; g++) {
    if (n[g] === 0) continue;
    const spread = n[g] * squares[g] - sum[g] * sum[g];
    const mean = sum[g] / n[g];
    constant[g] = spread <= tolerance * Math.max(n[g] * squares[g], 1) ? 1 : 0;
    const near = (v: number) => Math.abs(mean - v) <= tolerance * Math.max(1, Math.abs(v));
    first[g] = near(high) ? high : near(low) ? low : mean;
  }
  return { first, constant };
}

function treatmentValue(column: Column, row: number): number {
  return column.kind === "number" ? column.values[row] : column.codes[row];
}

/**
 * Warnings about data that are allowed but that a user must know of: groups with a single
 * row, groups where every row has the same treatment value (all treated or none treated: the
 * group's effect is driven by the prior and the other groups), and more parameters than rows
 * or fewer than 10 rows per population-level coefficient. On aggregated data whose treatment is
 * summed, `summed` gives each key row's sums, from which a group's treatment is found constant
 * or not.
 *
 * @example
 * ```ts
 * import { dataWarnings } from "./data_checks.ts";
 * import { makeTable } from "../data/table.ts";
 * const t = makeTable({ treat: { kind: "number", values: new Float64Array([0, 1, 1]) } });
 * const w = dataWarnings(t, "treat", [
 *   { group: "g", labels: ["a", "b"], sizes: [2, 1], index: new Int32Array([0, 0, 1]), slopeVaries: true },
 * ], { parameters: 9, populationCoefficients: 2 });
 * console.assert(w.some((m) => m.includes('"b"')));
 * ```
 */
export function dataWarnings(
  table: Table,
  treatment: string | null,
  terms: readonly TermGroups[],
  counts: { parameters: number; populationCoefficients: number; rows?: number },
  summed?: SummedTreatment,
): string[] {
  const out: string[] = [];
  const n = table.nRows;
  // Aggregated data: `rows` data rows stand behind the table's key rows.
  const rows = counts.rows ?? n;
  if (table.droppedMissing !== undefined) {
    const { rows: dropped, byColumn, by } = table.droppedMissing;
    const where = Object.entries(byColumn).map(([c, k]) => `${c}: ${k}`).join(", ");
    out.push(
      `${dropped === 1 ? "1 row" : `${dropped} rows`} with missing values (${where}) ` +
        `${dropped === 1 ? "was" : "were"} dropped ` +
        (by === undefined ? "when the table was loaded (dropMissing)" : `by ${by}`) +
        `; the model uses the other ${rows}.`,
    );
  }
  const column = treatment === null || summed ? null : getColumn(table, treatment, FAIL);
  let low = Infinity;
  let high = -Infinity;
  if (column) {
    for (let i = 0; i < n; i++) {
      const v = treatmentValue(column, i);
      if (v < low) low = v;
      if (v > high) high = v;
    }
  } else if (summed) [low, high] = [summed.low, summed.high];
  for (const term of terms) {
    const single = term.labels.filter((_, g) => term.sizes[g] === 1);
    if (single.length > 0) {
      out.push(
        `Group term "${term.group}": ${single.length} group${
          single.length > 1 ? "s have" : " has"
        } ` +
          `a single row (${listGroups(single)}); ${single.length > 1 ? "their" : "its"} ` +
          `varying effects rest on the prior and on the other groups (partial pooling), not on ` +
          `${single.length > 1 ? "their" : "its"} own data.`,
      );
    }
    if (!term.slopeVaries || (!column && !summed)) continue;
    const { first, constant } = column
      ? treatmentPerGroup(term, (i) => treatmentValue(column, i), n)
      : summedTreatmentPerGroup(term, summed!, low, high);
    const J = term.labels.length;
    const allHigh: string[] = [];
    const allLow: string[] = [];
    const other: string[] = [];
    for (let g = 0; g < J; g++) {
      if (!constant[g] || term.sizes[g] < 2) continue;
      if (first[g] === high) allHigh.push(term.labels[g]);
      else if (first[g] === low) allLow.push(term.labels[g]);
      else other.push(term.labels[g]);
    }
    const count = allHigh.length + allLow.length + other.length;
    if (count === 0) continue;
    const label = (v: number) => column?.kind === "factor" ? column.levels[v] : formatValue(v);
    const parts = [
      allHigh.length ? `every row ${treatment} = ${label(high)} in ${listGroups(allHigh)}` : "",
      allLow.length ? `every row ${treatment} = ${label(low)} in ${listGroups(allLow)}` : "",
      other.length ? `a single ${treatment} value in ${listGroups(other)}` : "",
    ].filter(Boolean);
    out.push(
      `Group term "${term.group}": in ${count} group${count > 1 ? "s" : ""} the treatment does ` +
        `not vary (${parts.join("; ")}); ${count > 1 ? "their" : "its"} treatment effect is ` +
        `driven by the prior and the other groups, not by ${count > 1 ? "their" : "its"} own ` +
        `data (all treated or none treated).`,
    );
  }
  const { parameters, populationCoefficients } = counts;
  if (parameters > rows) {
    out.push(
      `The model has ${parameters} parameters but the data have only ${rows} rows: estimates ` +
        `will lean heavily on the priors. Use fewer groups or terms, or more data.`,
    );
  } else if (populationCoefficients * 10 > rows) {
    out.push(
      `Only ${rows} rows for ${populationCoefficients} population-level coefficients (fewer than ` +
        `10 rows each): estimates will lean on the priors. Use fewer terms or more data.`,
    );
  }
  return out;
}
