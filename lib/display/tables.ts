/**
 * HTML tables of posterior summaries for notebooks: parameters and group effects, with
 * convergence problems highlighted.
 */
import type { GroupEffect, ParameterSummary } from "../posterior/types.ts";
import { escapeHtml, formatNumber } from "./_format.ts";
import { ESS_THRESHOLD, RHAT_THRESHOLD } from "./diagnostic_plots.ts";
import { rowDigits } from "../posterior/format_summary.ts";

/** Options of {@link summaryTableHtml} and {@link groupEffectsTableHtml}. */
export interface TableOptions {
  /**
   * Decimals for estimates (mean, sd, quantiles); default 3, more on a row whose sd would show
   * as 0. R-hat always has 3, ESS none.
   */
  digits?: number;
  /** Highlight R-hat > 1.01 and ESS < 400 (and either missing, "NA"); default true. */
  highlight?: boolean;
}

const TABLE_STYLE = "border-collapse:collapse;font-family:sans-serif;font-size:13px";
const CELL_STYLE = "padding:2px 8px;border-bottom:1px solid #ddd";
const WARN_STYLE = "background:#fde0dd;color:#a50f15;font-weight:bold";

interface Column<T> {
  header: string;
  cell: (row: T) => string;
  numeric: boolean;
  warn?: (row: T) => boolean;
}

function renderTable<T>(rows: T[], columns: Column<T>[], highlight: boolean): string {
  const head = columns.map((c) =>
    `<th style="${CELL_STYLE};text-align:${c.numeric ? "right" : "left"}">${
      escapeHtml(c.header)
    }</th>`
  ).join("");
  const body = rows.map((row) => {
    const cells = columns.map((c) => {
      const warn = highlight && c.warn !== undefined && c.warn(row);
      const style = `${CELL_STYLE};text-align:${c.numeric ? "right" : "left"}${
        warn ? `;${WARN_STYLE}` : ""
      }`;
      const cls = warn ? ' class="hetfx-warn"' : "";
      return `<td${cls} style="${style}">${escapeHtml(c.cell(row))}</td>`;
    }).join("");
    return `<tr>${cells}</tr>`;
  }).join("\n");
  return `<table class="hetfx-table" style="${TABLE_STYLE}">\n<thead><tr>${head}</tr></thead>\n` +
    `<tbody>\n${body}\n</tbody>\n</table>`;
}

// An R-hat or ESS that cannot be computed (NaN) prints "NA", as the text summary and R do, and
// is highlighted: the draws are not known to have converged.
const rhatWarn = (r: { rhat: number }) => !(r.rhat <= RHAT_THRESHOLD);
const essWarn = (x: number) => !(x >= ESS_THRESHOLD);
const ess = (x: number) => (Number.isNaN(x) ? "NA" : formatNumber(x, 0));
const rhat = (x: number) => (Number.isNaN(x) ? "NA" : formatNumber(x, 3));

/** The summary fields a parameter and a group effect share, for a row of one table. */
type SummaryRow = Pick<
  ParameterSummary,
  "mean" | "sd" | "q2.5" | "q50" | "q97.5" | "rhat" | "ess_bulk"
>;

/**
 * Columns mean, sd, q2.5, q50, q97.5 (`digits` decimals, more where the sd would show as 0, as
 * the text summary does: rowDigits), R-hat and bulk ESS (highlighted).
 */
function summaryColumns<T extends SummaryRow>(digits: number): Column<T>[] {
  const f = (p: T, x: number) => formatNumber(x, rowDigits(p.sd, digits));
  return [
    { header: "mean", cell: (p) => f(p, p.mean), numeric: true },
    { header: "sd", cell: (p) => f(p, p.sd), numeric: true },
    { header: "q2.5", cell: (p) => f(p, p["q2.5"]), numeric: true },
    { header: "q50", cell: (p) => f(p, p.q50), numeric: true },
    { header: "q97.5", cell: (p) => f(p, p["q97.5"]), numeric: true },
    { header: "rhat", cell: (p) => rhat(p.rhat), numeric: true, warn: rhatWarn },
    {
      header: "ess_bulk",
      cell: (p) => ess(p.ess_bulk),
      numeric: true,
      warn: (p) => essWarn(p.ess_bulk),
    },
  ];
}

/**
 * HTML table of parameter summaries (mean, sd, q2.5, q50, q97.5, R-hat, bulk and tail ESS),
 * with R-hat > 1.01 and ESS < 400 highlighted (class "hetfx-warn"); names are HTML-escaped.
 *
 * @example
 * ```ts
 * import { summaryTableHtml } from "./tables.ts";
 * const html = summaryTableHtml([{ name: "b_alliance", mean: 0.2, sd: 0.05, "q2.5": 0.1,
 *   q50: 0.2, "q97.5": 0.3, rhat: 1.03, ess_bulk: 250, ess_tail: 900 }]);
 * console.assert(html.includes("hetfx-warn"));
 * ```
 */
export function summaryTableHtml(params: ParameterSummary[], options: TableOptions = {}): string {
  const d = options.digits ?? 3;
  return renderTable<ParameterSummary>(params, [
    { header: "parameter", cell: (p) => p.name, numeric: false },
    ...summaryColumns<ParameterSummary>(d),
    {
      header: "ess_tail",
      cell: (p) => ess(p.ess_tail),
      numeric: true,
      warn: (p) => essWarn(p.ess_tail),
    },
  ], options.highlight ?? true);
}

/**
 * HTML table of group effects: one row per group with its modifier levels (one column per
 * modifier; first the contrast, when the treatment has several), size n, mean, sd, q2.5, q50,
 * q97.5, R-hat and bulk ESS; problems highlighted as in {@link summaryTableHtml}.
 *
 * @example
 * ```ts
 * import { groupEffectsTableHtml } from "./tables.ts";
 * const html = groupEffectsTableHtml([{ term: "male", group: "1", levels: { male: "1" }, n: 10,
 *   mean: 0.3, sd: 0.1, "q2.5": 0.1, q50: 0.3, "q97.5": 0.5, rhat: 1, ess_bulk: 800 }]);
 * console.assert(html.includes("<th"));
 * ```
 */
export function groupEffectsTableHtml(effects: GroupEffect[], options: TableOptions = {}): string {
  const d = options.digits ?? 3;
  const modifiers = [...new Set(effects.flatMap((e) => Object.keys(e.levels)))];
  // A factor treatment lists every group once per contrast: each row names its contrast.
  const contrasts = new Set(effects.map((e) => e.contrast ?? ""));
  return renderTable<GroupEffect>(effects, [
    ...(contrasts.size > 1
      ? [{ header: "contrast", cell: (e: GroupEffect) => e.contrast ?? "", numeric: false }]
      : []),
    { header: "group", cell: (e) => e.group, numeric: false },
    ...modifiers.map((m) => ({
      header: m,
      cell: (e: GroupEffect) => e.levels[m] ?? "",
      numeric: false,
    })),
    { header: "n", cell: (e) => String(e.n), numeric: true },
    ...summaryColumns<GroupEffect>(d),
  ], options.highlight ?? true);
}
