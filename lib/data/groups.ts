/**
 * Groups are the observed combinations of effect modifiers (the seed paper's first step).
 * `groupKeys` assigns each row its group; `groups(table).by(…).bin(…)` is the immutable
 * builder the model specification takes.
 */
import { HetfxError } from "../errors.ts";
import { checkOptions } from "../options.ts";
import { type Column, formatValue, getColumn, labelAt, rowNumber, type Table } from "./table.ts";
import { binColumn, type BinSpec } from "./bin.ts";
import { type InMemoryTableSource, toTable } from "./load_table.ts";

/** Every observed combination of some factors, and which rows fall in each. */
export interface GroupKeys {
  /** The grouping columns, in order. */
  factors: string[];
  /** Group index per row; −1 when any factor is missing in that row. */
  index: Int32Array;
  /** Group labels: the factors' values joined by "_", as brms writes them ("1_1_5_1"). */
  labels: string[];
  /** Each group's value of each factor. */
  levels: Record<string, string>[];
  /** Rows per group. */
  sizes: number[];
}

/** One row of a {@link GroupSummary}. */
export interface GroupSummaryRow {
  group: string;
  levels: Record<string, string>;
  n: number;
  /** True when the group has fewer rows than the summary's tiny threshold. */
  tiny: boolean;
}

/** How many groups there are and how big, for a first look before fitting. */
export interface GroupSummary {
  factors: string[];
  nGroups: number;
  /** Rows in some group (rows with a missing factor are in none). */
  nRows: number;
  /** Rows left out because a grouping factor is missing. */
  nMissing: number;
  minSize: number;
  maxSize: number;
  tinyThreshold: number;
  /** Number of groups with fewer rows than `tinyThreshold`. */
  nTiny: number;
  groups: GroupSummaryRow[];
  /** Things worth knowing before fitting (single-level factors, merged bins). */
  notes: string[];
}

/** The immutable grouping builder: `groups(table).by("white", "male").bin("age", { quantiles: 3 })`. */
export interface Grouping {
  /** The table, with any binned columns added. */
  readonly table: Table;
  /** The grouping columns, in the order given. */
  readonly factors: string[];
  /** Notes gathered while building (for example, bins merged by ties). */
  readonly notes: readonly string[];
  /** A new Grouping that also groups by `cols`. */
  by(...cols: string[]): Grouping;
  /** A new Grouping with `${col}_bin` (binned `col`) added to its table and its factors. */
  bin(col: string, spec: BinSpec): Grouping;
  /** Each row's group. */
  keys(): GroupKeys;
  /**
   * Group sizes; `tiny` (default 5) marks groups with fewer rows. `count` names a column of
   * rows each row stands for (an aggregate's `n`): the sizes sum it, as they would count the rows.
   */
  summary(options?: { tiny?: number; count?: string }): GroupSummary;
}

/**
 * Each row's group among the observed combinations of `factors`. Groups are sorted by the
 * factors' level order (numeric columns ascending by value, factor columns by level order),
 * the first factor varying slowest.
 *
 * @example
 * ```ts
 * import { makeTable } from "./table.ts";
 * import { groupKeys } from "./groups.ts";
 * const t = makeTable({
 *   a: { kind: "number", values: new Float64Array([2, 1, 2]) },
 *   b: { kind: "factor", codes: new Int32Array([0, 1, 0]), levels: ["x", "y"] },
 * });
 * const k = groupKeys(t, ["a", "b"]);
 * console.assert(k.labels.join() === "1_y,2_x" && k.sizes.join() === "1,2");
 * ```
 */
export function groupKeys(table: Table, factors: readonly string[]): GroupKeys {
  if (factors.length === 0) {
    throw new HetfxError("Cannot form groups: name at least one column to group by.");
  }
  const duplicate = factors.find((f, i) => factors.indexOf(f) !== i);
  if (duplicate !== undefined) {
    throw new HetfxError(`Cannot form groups: column "${duplicate}" is named twice.`);
  }
  const columns = factors.map((name) => getColumn(table, name, "Cannot form groups"));
  columns.forEach((column, f) => checkExactLabels(table, column, factors[f]));
  const ranks = columns.map(rankCodes);
  const n = table.nRows;
  // A row's key: its rank codes in mixed radix (first factor most significant), or the
  // codes joined as a string when that number would exceed 2^53.
  const radices = ranks.map(levelCount);
  const keySpace = radices.reduce((p, r) => p * r, 1);
  const numericKeys = keySpace <= Number.MAX_SAFE_INTEGER;
  // Small key spaces (the usual case): counts per key number, in key order.
  if (keySpace <= Math.max(4 * n, 1 << 16)) return denseGroupKeys(factors, columns, ranks, radices);
  const groupOf = new Map<number | string, number>();
  const rankTuples: number[][] = [];
  const firstRow: number[] = [];
  const provisional = new Int32Array(n);
  const tuple = new Array<number>(ranks.length);
  for (let row = 0; row < n; row++) {
    let missing = false;
    let number = 0;
    for (let f = 0; f < ranks.length; f++) {
      const code = ranks[f][row];
      if (code < 0) {
        missing = true;
        break;
      }
      tuple[f] = code;
      number = number * radices[f] + code;
    }
    if (missing) {
      provisional[row] = -1;
      continue;
    }
    let g = groupOf.get(numericKeys ? number : tuple.join(","));
    if (g === undefined) {
      g = rankTuples.length;
      groupOf.set(numericKeys ? number : tuple.join(","), g);
      rankTuples.push([...tuple]);
      firstRow.push(row);
    }
    provisional[row] = g;
  }
  const order = rankTuples.map((_, g) => g).sort((a, b) =>
    compareTuples(rankTuples[a], rankTuples[b])
  );
  const position = new Int32Array(order.length);
  order.forEach((g, i) => (position[g] = i));
  const index = new Int32Array(n);
  for (let row = 0; row < n; row++) {
    const g = provisional[row];
    index[row] = g < 0 ? -1 : position[g];
  }
  const sizes = new Array<number>(order.length).fill(0);
  for (const g of index) if (g >= 0) sizes[g]++;
  const { labels, levels } = groupLabels(factors, columns, order.map((g) => firstRow[g]));
  return { factors: [...factors], index, labels, levels, sizes };
}

/**
 * How many groups of `factors` the table's rows form, counted up to two (0, 1, or 2 for "two or
 * more"), as {@link groupKeys} would find them (rows with a missing value in no group): one pass
 * that stops at the first row in a second group. Validation needs no more than this.
 *
 * @example
 * ```ts
 * import { makeTable } from "./table.ts";
 * import { countGroupsUpToTwo } from "./groups.ts";
 * const t = makeTable({ a: { kind: "number", values: new Float64Array([NaN, 3, 3, 5]) } });
 * console.assert(countGroupsUpToTwo(t, ["a"]) === 2);
 * ```
 */
export function countGroupsUpToTwo(table: Table, factors: readonly string[]): 0 | 1 | 2 {
  const columns = factors.map((name) => getColumn(table, name, "Cannot form groups"));
  const value = (c: Column, row: number) =>
    c.kind === "number" ? c.values[row] : c.codes[row] < 0 ? NaN : c.codes[row];
  let first = -1;
  for (let row = 0; row < table.nRows; row++) {
    let missing = false;
    for (const c of columns) if (Number.isNaN(value(c, row))) missing = true;
    if (missing) continue;
    if (first < 0) first = row;
    // A different value (−0 and 0 the same group, as groupKeys ranks them) in any factor.
    else if (columns.some((c) => value(c, row) !== value(c, first))) return 2;
  }
  return first < 0 ? 0 : 1;
}

/**
 * groupKeys over a small key space: each row's key number (rank codes in mixed radix, first
 * factor most significant) counted in a table indexed by it. Key numbers ascend in the order of
 * the rank tuples, so the observed keys in number order are the groups in sorted order.
 */
function denseGroupKeys(
  factors: readonly string[],
  columns: Column[],
  ranks: Int32Array[],
  radices: number[],
): GroupKeys {
  const n = ranks[0].length;
  const F = ranks.length;
  let keySpace = 1;
  for (const r of radices) keySpace *= r;
  const count = new Int32Array(keySpace);
  const firstRow = new Int32Array(keySpace).fill(-1);
  const index = new Int32Array(n);
  for (let row = 0; row < n; row++) {
    let number = 0;
    for (let f = 0; f < F; f++) {
      const code = ranks[f][row];
      if (code < 0) {
        number = -1;
        break;
      }
      number = number * radices[f] + code;
    }
    index[row] = number;
    if (number < 0) continue;
    if (count[number]++ === 0) firstRow[number] = row;
  }
  // Key number → group position.
  const position = new Int32Array(keySpace);
  const sizes: number[] = [];
  const first: number[] = [];
  for (let key = 0; key < keySpace; key++) {
    if (count[key] === 0) continue;
    position[key] = sizes.length;
    sizes.push(count[key]);
    first.push(firstRow[key]);
  }
  for (let row = 0; row < n; row++) {
    const key = index[row];
    index[row] = key < 0 ? -1 : position[key];
  }
  const { labels, levels } = groupLabels(factors, columns, first);
  return { factors: [...factors], index, labels, levels, sizes };
}

/**
 * Refuse a numeric grouping column holding an integer beyond 2^53: a double cannot hold such a
 * value exactly (an 18-digit ID), so IDs that differ may have been read as one number, and
 * their groups merged.
 */
function checkExactLabels(table: Table, column: Column, name: string): void {
  if (column.kind !== "number") return;
  const row = column.values.findIndex((v) => Math.abs(v) > Number.MAX_SAFE_INTEGER);
  if (row < 0) return;
  throw new HetfxError(
    `Cannot form groups: column "${name}" holds ${formatValue(column.values[row])} (row ${
      rowNumber(table, row)
    }), an integer too large for a number to hold exactly, so different IDs ` +
      `may have been read as one; read the column as text: --factor ${name} (API: ` +
      `loadTable(data, { factors: ["${name}"] })).`,
  );
}

/**
 * A group's label: its levels (one per grouping factor, in the term's order) joined by "_", as
 * brms labels the groups of `a:b` (r_a:b[x_y,...]). Every place that finds a group by its
 * label builds it here; {@link checkDistinctLabels} refuses labels two groups would share.
 *
 * @example
 * ```ts
 * import { groupLabel } from "./groups.ts";
 * console.assert(groupLabel(["white", "female"]) === "white_female");
 * ```
 */
export function groupLabel(levels: readonly string[]): string {
  return levels.join("_");
}

/**
 * The label ({@link groupLabel}) of row `row`'s group, its levels read from `columns` (the
 * grouping factors' columns, in the term's order).
 *
 * @example
 * ```ts
 * import { rowGroupLabel } from "./groups.ts";
 * import { makeTable } from "./table.ts";
 * const t = makeTable({ a: { kind: "factor", levels: ["x", "y"], codes: new Int32Array([1]) },
 *   b: { kind: "number", values: new Float64Array([2]) } });
 * console.assert(rowGroupLabel([t.columns.a, t.columns.b], 0) === "y_2");
 * ```
 */
export function rowGroupLabel(columns: readonly Column[], row: number): string {
  return groupLabel(columns.map((c) => labelAt(c, row)));
}

/**
 * An unambiguous key of a group's levels (in the term's order), for finding a group of other
 * rows (newdata) among the fitted ones: unlike {@link groupLabel}, levels holding "_" cannot make
 * two groups' keys equal (("a", "b_c") and ("a_b", "c") share the label "a_b_c").
 *
 * @example
 * ```ts
 * import { groupKey } from "./groups.ts";
 * console.assert(groupKey(["a", "b_c"]) !== groupKey(["a_b", "c"]));
 * ```
 */
export function groupKey(levels: readonly string[]): string {
  return JSON.stringify(levels);
}

/** Each group's levels and label, read from its first row. */
function groupLabels(
  factors: readonly string[],
  columns: Column[],
  firstRow: readonly number[],
): { labels: string[]; levels: Record<string, string>[] } {
  const levels = firstRow.map((row) => {
    const record: Record<string, string> = {};
    factors.forEach((name, f) => (record[name] = labelAt(columns[f], row)));
    return record;
  });
  const labels = levels.map((record) => groupLabel(factors.map((name) => record[name])));
  checkDistinctLabels(labels, levels, factors);
  return { labels, levels };
}

/**
 * Refuse group labels that two different groups share. A group's label joins its levels with
 * "_" (brms's labels of `a:b`), so levels that contain "_" can make the same label for two
 * groups (a = "x_y", b = "z" and a = "x", b = "y_z"); every result that finds a group by its
 * label (parameter names, effects, predictions, comparisons) would then mix them.
 *
 * @example
 * ```ts
 * import { checkDistinctLabels } from "./groups.ts";
 * checkDistinctLabels(["1_a", "2_a"], [{ g: "1", h: "a" }, { g: "2", h: "a" }], ["g", "h"]);
 * ```
 */
export function checkDistinctLabels(
  labels: readonly string[],
  levels: readonly Record<string, string>[],
  factors: readonly string[],
): void {
  if (factors.length < 2) return; // one factor: labels are its distinct levels
  const first = new Map<string, number>();
  for (let g = 0; g < labels.length; g++) {
    const other = first.get(labels[g]);
    if (other === undefined) {
      first.set(labels[g], g);
      continue;
    }
    const show = (record: Record<string, string>) =>
      factors.map((f) => `${f} = "${record[f]}"`).join(", ");
    const withUnderscore = factors.filter((f) =>
      levels[g][f].includes("_") || levels[other][f].includes("_")
    );
    throw new HetfxError(
      `Cannot form groups of ${factors.join(":")}: the groups ${show(levels[other])} and ` +
        `${show(levels[g])} both have the label "${labels[g]}" (a group's label joins its ` +
        `levels with "_"). Recode the levels of ${
          withUnderscore.map((f) => `"${f}"`).join(" or ")
        } without "_" (e.g. replace it with "-").`,
    );
  }
}

/**
 * Start a grouping of `table`; add factors with `.by(…)` and binned columns with `.bin(…)`.
 *
 * @example
 * ```ts
 * import { makeTable } from "./table.ts";
 * import { groups } from "./groups.ts";
 * const t = makeTable({
 *   male: { kind: "number", values: new Float64Array([0, 1, 1, 0]) },
 *   age: { kind: "number", values: new Float64Array([20, 30, 40, 50]) },
 * });
 * const g = groups(t).by("male").bin("age", { quantiles: 2 });
 * console.assert(g.factors.join() === "male,age_bin" && g.keys().labels.length === 4);
 * ```
 */
export function groups(table: Table | InMemoryTableSource): Grouping {
  return makeGrouping(toTable(table, "Cannot group"), [], []);
}

function makeGrouping(
  table: Table,
  factors: readonly string[],
  notes: readonly string[],
): Grouping {
  return Object.freeze({
    table,
    factors: Object.freeze([...factors]) as string[],
    notes: Object.freeze([...notes]),
    by(...cols: string[]): Grouping {
      if (cols.length === 0) {
        throw new HetfxError("Cannot group: `by()` needs at least one column name.");
      }
      const added = [...factors];
      for (const col of cols) {
        getColumn(table, col, "Cannot group");
        if (added.includes(col)) {
          throw new HetfxError(`Cannot group: already grouped by "${col}"; name each column once.`);
        }
        added.push(col);
      }
      return makeGrouping(table, added, notes);
    },
    bin(col: string, spec: BinSpec): Grouping {
      const newName = `${col}_bin`;
      if (factors.includes(newName)) {
        throw new HetfxError(`Cannot group: already grouped by "${newName}"; bin "${col}" once.`);
      }
      if (newName in table.columns) {
        throw new HetfxError(
          `Cannot bin "${col}": the table already has a column "${newName}", where the bins ` +
            `would go; rename that column first (or group by it with .by("${newName}")).`,
        );
      }
      const binned = binColumn(table, col, spec);
      const column = binned.columns[newName];
      const note = column.kind === "factor" ? column.binned?.note : undefined;
      const extra = note === undefined ? [] : [note];
      return makeGrouping(binned, [...factors, newName], [...notes, ...extra]);
    },
    keys(): GroupKeys {
      return groupKeys(table, factors);
    },
    summary(options: { tiny?: number; count?: string } = {}): GroupSummary {
      // A misspelt { tinny: 3 } would leave the default threshold, silently.
      checkOptions(options, ["tiny", "count"], "Cannot summarise groups");
      return summarise(table, factors, notes, options.tiny ?? 5, options.count);
    },
  });
}

function summarise(
  table: Table,
  factors: readonly string[],
  buildNotes: readonly string[],
  tiny: number,
  count?: string,
): GroupSummary {
  if (!(tiny >= 0)) {
    throw new HetfxError(`Cannot summarise groups: \`tiny\` must be a number ≥ 0; got ${tiny}.`);
  }
  const keys = groupKeys(table, factors);
  const counts = count === undefined ? undefined : rowCounts(table, count);
  const sizes = counts === undefined ? keys.sizes : countedSizes(keys, counts);
  const notes = [...buildNotes];
  const nRows = sizes.reduce((a, b) => a + b, 0);
  for (const name of factors) {
    const seen = new Set(keys.levels.map((record) => record[name]));
    if (seen.size === 1) {
      notes.push(
        `"${name}" has a single value (${[...seen][0]}) in the grouped rows, so it does not ` +
          "split the data; drop it from the grouping.",
      );
    }
  }
  const counted = counts?.reduce((a, b) => a + b, 0) ?? table.nRows;
  const nMissing = counted - nRows;
  if (nMissing > 0) {
    notes.push(
      nMissing === 1
        ? "1 row has a missing grouping value and belongs to no group."
        : `${nMissing} rows have a missing grouping value and belong to no group.`,
    );
  }
  const groupsOut = keys.labels.map((group, g) => ({
    group,
    levels: keys.levels[g],
    n: sizes[g],
    tiny: sizes[g] < tiny,
  }));
  const nTiny = groupsOut.filter((g) => g.tiny).length;
  return {
    factors: [...factors],
    nGroups: keys.labels.length,
    nRows,
    nMissing,
    minSize: sizes.length > 0 ? Math.min(...sizes) : 0,
    maxSize: sizes.length > 0 ? Math.max(...sizes) : 0,
    tinyThreshold: tiny,
    nTiny,
    groups: groupsOut,
    notes,
  };
}

/** The numeric column `count`'s values: rows each row stands for (a whole number ≥ 0). */
function rowCounts(table: Table, count: string): Float64Array {
  const column = getColumn(table, count, "Cannot summarise groups");
  const values = column.kind === "number" ? column.values : undefined;
  const bad = values === undefined ? 0 : values.findIndex((v) => !(Number.isInteger(v) && v >= 0));
  if (values === undefined || bad >= 0) {
    throw new HetfxError(
      `Cannot summarise groups: \`count\` column "${count}" must hold row counts (whole ` +
        `numbers ≥ 0)${values === undefined ? "" : `; row ${bad + 1} has ${values[bad]}`}. ` +
        "Name the aggregate's count column (n).",
    );
  }
  return values;
}

/** Each group's size as the sum of its rows' counts. */
function countedSizes(keys: GroupKeys, counts: Float64Array): number[] {
  const sizes = new Array<number>(keys.labels.length).fill(0);
  keys.index.forEach((g, row) => {
    if (g >= 0) sizes[g] += counts[row];
  });
  return sizes;
}

/**
 * A plain-text report of a GroupSummary for the CLI and notebooks: a headline, up to
 * `maxRows` groups (smallest first), and the notes.
 *
 * @example
 * ```ts
 * import { makeTable } from "./table.ts";
 * import { formatGroupSummary, groups } from "./groups.ts";
 * const t = makeTable({ g: { kind: "number", values: new Float64Array([1, 1, 2]) } });
 * const text = formatGroupSummary(groups(t).by("g").summary());
 * console.assert(text.startsWith("2 groups by g"));
 * ```
 */
export function formatGroupSummary(summary: GroupSummary, maxRows = 20): string {
  const lines = [
    `${summary.nGroups} groups by ${summary.factors.join(" × ")}, ${summary.nRows} rows; ` +
    `sizes ${summary.minSize}–${summary.maxSize}; ${summary.nTiny} with fewer than ` +
    `${summary.tinyThreshold} rows`,
  ];
  const shown = [...summary.groups].sort((a, b) => a.n - b.n).slice(0, Math.max(0, maxRows));
  if (shown.length > 0) {
    const width = Math.max(5, ...shown.map((g) => g.group.length));
    lines.push(`  ${"group".padEnd(width)}  ${"n".padStart(5)}`);
    for (const g of shown) {
      lines.push(`  ${g.group.padEnd(width)}  ${String(g.n).padStart(5)}${g.tiny ? "  tiny" : ""}`);
    }
    if (summary.groups.length > shown.length) {
      lines.push(`  … ${summary.groups.length - shown.length} larger groups not shown`);
    }
  }
  for (const note of summary.notes) lines.push(`note: ${note}`);
  return lines.join("\n");
}

/** Per-row rank of a column's value in its level order; −1 when missing. */
function rankCodes(column: Column): Int32Array {
  if (column.kind === "factor") return column.codes;
  const values = column.values;
  return smallIntegerRanks(values) ?? sortedRanks(values);
}

/** Number of distinct ranks (largest rank + 1; at least 1). */
function levelCount(ranks: Int32Array): number {
  let max = 0;
  for (let row = 0; row < ranks.length; row++) if (ranks[row] > max) max = ranks[row];
  return max + 1;
}

/** Ranks of integer-valued columns with a small range, in two linear passes; null otherwise. */
function smallIntegerRanks(values: Float64Array): Int32Array | null {
  let min = Infinity;
  let max = -Infinity;
  for (let row = 0; row < values.length; row++) {
    const v = values[row];
    if (Number.isNaN(v)) continue;
    if (!Number.isInteger(v)) return null;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min > max) return new Int32Array(values.length).fill(-1);
  const range = max - min + 1;
  if (range > Math.max(4 * values.length, 1 << 16)) return null;
  const rankOf = new Int32Array(range);
  for (let row = 0; row < values.length; row++) {
    if (!Number.isNaN(values[row])) rankOf[values[row] - min] = 1;
  }
  for (let i = 0, k = 0; i < range; i++) rankOf[i] = rankOf[i] === 1 ? k++ : -1;
  const codes = new Int32Array(values.length);
  for (let row = 0; row < values.length; row++) {
    const v = values[row];
    codes[row] = Number.isNaN(v) ? -1 : rankOf[v - min];
  }
  return codes;
}

/** Ranks by sorting the distinct values and a binary search per row. */
function sortedRanks(values: Float64Array): Int32Array {
  // Distinct non-missing values, ascending (typed-array sort is numeric; NaN sorts last).
  const sorted = Float64Array.from(values).sort();
  let k = 0;
  for (let i = 0; i < sorted.length && !Number.isNaN(sorted[i]); i++) {
    if (k === 0 || sorted[i] !== sorted[k - 1]) sorted[k++] = sorted[i];
  }
  const distinct = sorted.subarray(0, k);
  const codes = new Int32Array(values.length);
  for (let row = 0; row < values.length; row++) {
    const v = values[row];
    if (Number.isNaN(v)) {
      codes[row] = -1;
      continue;
    }
    let lo = 0;
    let hi = k - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (distinct[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    codes[row] = lo;
  }
  return codes;
}

function compareTuples(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
