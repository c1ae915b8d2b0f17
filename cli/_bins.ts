/**
 * `--bin x=4` (quantile bins) and `--bin x=0,18,30,65` (cut points) of deno task fit, compare and
 * sbc: the API's binning, `groups(table).bin("x", spec)` (R's `cut`), applied to the rows loaded,
 * adding the factor column `x_bin` (docs/binning.md).
 */
import { HetfxError } from "../lib/errors.ts";
import { binBreaks, type BinSpec } from "../lib/data/bin.ts";
import { groups } from "../lib/data/groups.ts";
import { numericColumn } from "../lib/data/factor.ts";
import type { Table } from "../lib/data/table.ts";

/** One --bin: the column, how to bin it, and the option as given (for messages). */
export interface BinOption {
  column: string;
  spec: BinSpec;
  /** The option's value as given, e.g. "x=4". */
  text: string;
}

/** How one column was binned: what the JSON's `data.bins` records and --dry-run shows. */
export interface BinRecord {
  /** The column binned. */
  column: string;
  /** The column added (`${column}_bin`). */
  name: string;
  /** Quantile bins asked for (--bin x=4), or the cut points given (--bin x=0,18,30,65). */
  quantiles?: number;
  cuts?: number[];
  /** The breaks used (quantiles: computed on the rows binned; ties merged). */
  breaks: number[];
  /** One label per bin, R's cut intervals: "[0,18]", "(18,30]", …. */
  labels: string[];
  /** Rows per bin. */
  counts: number[];
  /** Rows whose value is missing (their bin is missing too). */
  missing: number;
}

/**
 * A word as the shell takes it: as it is when plain, else in single quotes.
 *
 * @example
 * ```ts
 * import { shellWord } from "./_bins.ts";
 * console.assert(shellWord("x=4") === "x=4" && shellWord("my x=4") === "'my x=4'");
 * ```
 */
export function shellWord(text: string): string {
  return /^[\w.,=:+…-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * "x=4" → 4 quantile bins of x; "x=0,18,30,65" → those cut points; HetfxError naming the option
 * and value when malformed (no column, quantiles below 2, cut points not numbers or not
 * increasing, a column given twice). The data are not needed: their checks come in applyBins.
 *
 * @example
 * ```ts
 * import { parseBins } from "./_bins.ts";
 * const [q, c] = parseBins(["age=4", "x=0,18,30"]);
 * console.assert(q.column === "age" && "quantiles" in q.spec && q.spec.quantiles === 4);
 * console.assert("breaks" in c.spec && c.spec.breaks.length === 3);
 * ```
 */
export function parseBins(values: readonly string[]): BinOption[] {
  const bins: BinOption[] = [];
  for (const text of values) {
    const option = `Option --bin ${shellWord(text)}`;
    const examples = "e.g. --bin age=4 (4 quantile bins) or --bin age=0,18,30,65 (cut points)";
    // Values hold no "=", so the last one ends the column's name.
    const eq = text.lastIndexOf("=");
    const column = text.slice(0, eq).trim();
    const value = text.slice(eq + 1).trim();
    if (eq < 1 || column === "" || value === "") {
      throw new HetfxError(
        `${option}: expected COLUMN=K (K quantile bins) or COLUMN=B0,B1,… (cut points), ${examples}.`,
      );
    }
    if (bins.some((b) => b.column === column)) {
      throw new HetfxError(`${option}: "${column}" is binned twice; give one --bin for it.`);
    }
    const parts = value.split(",").map((p) => p.trim());
    const numbers = parts.map((
      p,
    ) => (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(p) ? +p : NaN));
    const bad = parts.find((_, i) => !Number.isFinite(numbers[i]));
    if (bad !== undefined) {
      throw new HetfxError(
        `${option}: ${JSON.stringify(bad)} is not a number; give a number of quantile bins or ` +
          `cut points separated by commas, ${examples}.`,
      );
    }
    let spec: BinSpec;
    if (parts.length === 1) {
      const q = numbers[0];
      if (!Number.isInteger(q) || q < 2) {
        throw new HetfxError(
          `${option}: the number of quantile bins must be a whole number, 2 or more (got ` +
            `${parts[0]}); or give two or more cut points, e.g. --bin ${
              shellWord(`${column}=0,10,20`)
            }.`,
        );
      }
      spec = { quantiles: q };
    } else {
      for (let j = 1; j < numbers.length; j++) {
        if (!(numbers[j] > numbers[j - 1])) {
          throw new HetfxError(
            `${option}: the cut points must increase strictly (${parts[j]} comes after ` +
              `${parts[j - 1]}); give them sorted, each once, e.g. --bin ${
                shellWord(`${column}=${[...new Set(numbers)].sort((a, b) => a - b).join(",")}`)
              }.`,
          );
        }
      }
      spec = { breaks: numbers };
    }
    bins.push({ column, spec, text });
  }
  return bins;
}

/**
 * Check each --bin column before anything else reads the data: it exists, is numeric, and the
 * data have no column `${column}_bin` already. The messages name the option and value.
 */
export function checkBinColumns(table: Table, bins: readonly BinOption[]): void {
  for (const b of bins) {
    numericColumn(table, b.column, `Option --bin ${shellWord(b.text)}`);
    const name = `${b.column}_bin`;
    if (Object.hasOwn(table.columns, name)) {
      throw new HetfxError(
        `Option --bin ${shellWord(b.text)}: the data already have a column "${name}", where ` +
          `the bins of "${b.column}" would go; rename that column, or leave --bin out and use it.`,
      );
    }
  }
}

/**
 * The table with each --bin column binned exactly as the API bins it, `groups(table).bin(column,
 * spec)` (same breaks, labels, merged ties and refusals), and a record of each binning; the
 * API's message is prefixed with the option.
 *
 * @example
 * ```ts
 * import { applyBins, parseBins } from "./_bins.ts";
 * import { makeTable } from "../lib/data/table.ts";
 * const t = makeTable({ x: { kind: "number", values: new Float64Array([1, 2, 3, 4]) } });
 * const { table, records } = applyBins(t, parseBins(["x=2"]));
 * console.assert(table.names.includes("x_bin") && records[0].counts.join() === "2,2");
 * ```
 */
export function applyBins(
  table: Table,
  bins: readonly BinOption[],
): { table: Table; records: BinRecord[]; notes: string[] } {
  checkBinColumns(table, bins);
  let grouping = groups(table);
  const records: BinRecord[] = [];
  for (const b of bins) {
    try {
      grouping = grouping.bin(b.column, b.spec);
    } catch (error) {
      if (!(error instanceof HetfxError)) throw error;
      throw new HetfxError(`Option --bin ${shellWord(b.text)}: ${error.message}`);
    }
    const name = `${b.column}_bin`;
    const column = grouping.table.columns[name];
    if (column.kind !== "factor") throw new Error("unreachable: a binned column is a factor");
    const counts = new Array<number>(column.levels.length).fill(0);
    let missing = 0;
    for (const code of column.codes) code < 0 ? missing++ : counts[code]++;
    records.push({
      column: b.column,
      name,
      ...("quantiles" in b.spec
        ? { quantiles: b.spec.quantiles }
        : { cuts: Array.from(b.spec.breaks) }),
      // binBreaks is what binColumn bins by: the same breaks, exact (labels round them).
      breaks: binBreaks(numericColumn(table, b.column, "Cannot bin"), b.spec, b.column).breaks,
      labels: [...column.levels],
      counts,
      missing,
    });
  }
  return { table: grouping.table, records, notes: [...grouping.notes] };
}

/**
 * The bins and their rows, for the text output (deno task fit prints it before the model's
 * summary, --dry-run included), with the notes of ties merging quantile breaks.
 *
 * @example
 * ```ts
 * import { formatBins } from "./_bins.ts";
 * const text = formatBins([{ column: "x", name: "x_bin", quantiles: 2, breaks: [1, 2.5, 4],
 *   labels: ["[1,2.5]", "(2.5,4]"], counts: [2, 2], missing: 0 }], []);
 * console.assert(text.startsWith("Binned x into x_bin (2 quantile bins)"));
 * ```
 */
export function formatBins(records: readonly BinRecord[], notes: readonly string[]): string {
  const lines: string[] = [];
  for (const r of records) {
    const how = r.quantiles !== undefined
      ? `${r.quantiles} quantile bins${
        r.labels.length < r.quantiles ? `, ${r.labels.length} after ties merged breaks` : ""
      }`
      : `cut points ${r.cuts!.join(", ")}`;
    lines.push(`Binned ${r.column} into ${r.name} (${how}), rows per bin:`);
    r.labels.forEach((label, j) => lines.push(`  ${label}: ${r.counts[j]}`));
    if (r.missing > 0) lines.push(`  ${r.column} missing: ${r.missing}`);
  }
  for (const note of notes) lines.push(`  note: ${note}`);
  return lines.join("\n");
}
