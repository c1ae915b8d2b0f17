/**
 * Export for R and Python. Draws as CSV in the layout R's posterior package reads as a
 * `draws_df` — one column per parameter (brms names), then `.chain`, `.iteration`, `.draw`
 * (1-based) — and the whole result as JSON (fit.toJSON() plus the draws per chain, shaped
 * [chain][draw] as ArviZ `from_dict` wants).
 *
 * In R: `posterior::as_draws_df(read.csv("draws.csv", check.names = FALSE))`
 * (check.names = FALSE keeps names such as `b_alliance:white` and `r_g[1_0,Intercept]`).
 */
import { checkOptions, optionNames } from "../options.ts";
import type { FitResult } from "./fit_result.ts";
import { fitToJSON } from "./fit_json.ts";

/** Options of {@link drawsToCsv} and {@link resultToJSON}. */
export interface ExportOptions {
  /** Parameters to export (default: all, lp__ included). */
  parameters?: readonly string[];
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const EXPORT_OPTION_NAMES = optionNames<ExportOptions>({ parameters: true });

/**
 * Draws as CSV text: a header, then one line per draw (chain-major).
 *
 * @example
 * ```ts ignore
 * await Deno.writeTextFile("draws.csv", drawsToCsv(fit));
 * ```
 */
export function drawsToCsv(fit: FitResult, options: ExportOptions = {}): string {
  checkOptions(options, EXPORT_OPTION_NAMES, "Cannot export draws", { variables: "parameters" });
  const names = options.parameters ? [...options.parameters] : fit.parameterNames;
  const columns = names.map((n) => fit.draws(n));
  const { chains, drawsPerChain } = fit.named;
  const lines = [[...names.map(csvField), ".chain", ".iteration", ".draw"].join(",")];
  for (let c = 0; c < chains; c++) {
    for (let s = 0; s < drawsPerChain; s++) {
      const d = c * drawsPerChain + s;
      const row = columns.map((v) => String(v[d]));
      row.push(String(c + 1), String(s + 1), String(d + 1));
      lines.push(row.join(","));
    }
  }
  return lines.join("\n") + "\n";
}

/**
 * The full result as a JSON-ready object: fit.toJSON() (README, "JSON output") plus `draws`:
 * `{ [parameter]: number[chain][draw] }`.
 *
 * @example
 * ```ts ignore
 * await Deno.writeTextFile("fit.json", JSON.stringify(resultToJSON(fit)));
 * ```
 */
export function resultToJSON(fit: FitResult, options: ExportOptions = {}): Record<string, unknown> {
  const names = options.parameters ? [...options.parameters] : fit.parameterNames;
  const draws: Record<string, number[][]> = {};
  for (const name of names) draws[name] = fit.chainDraws(name).map((c) => Array.from(c));
  return { ...fitToJSON(fit), draws };
}
