/**
 * Export for R and Python. Draws as CSV in the layout R's posterior package reads as a
 * `draws_df` — one column per parameter (brms names), then `.chain`, `.iteration`, `.draw`
 * (1-based) — and the whole result as JSON (fit.toJSON() plus the draws per chain, shaped
 * as ArviZ `from_dict` wants, with its `coords` and `dims`).
 *
 * In R: `posterior::as_draws_df(read.csv("draws.csv", check.names = FALSE))`
 * (check.names = FALSE keeps names such as `b_alliance:white` and `r_g[1_0,Intercept]`).
 */
import { HetfxError } from "../errors.ts";
import { checkOptions, optionNames } from "../options.ts";
import type { FitResult } from "./fit_result.ts";
import { fitToJSON } from "./fit_json.ts";
import { jsonChunks } from "./json_chunks.ts";
import { brmsAliases, varyingName } from "./generated.ts";
import { brmsCoefName } from "../spec/brms_names.ts";

/** Options of {@link drawsToCsv} and {@link resultToJSON}. */
export interface ExportOptions {
  /** Parameters to export (default: all, lp__ included). */
  parameters?: readonly string[];
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A draw as CSV text that reads back as the same number: shortest round trip, -0 kept. */
function csvNumber(value: number): string {
  return Object.is(value, -0) ? "-0" : String(value);
}

const EXPORT_OPTION_NAMES = optionNames<ExportOptions>({ parameters: true });

/**
 * Longest string V8 makes (2²⁹ − 24 UTF-16 units): a draws CSV longer than this cannot be one
 * string, so {@link drawsToCsv} refuses it and {@link writeDrawsCsv} writes it in pieces.
 */
export const MAX_STRING_CHARS = 2 ** 29 - 24;

/**
 * The draws CSV of {@link drawsToCsv} in pieces of about `chunkChars` characters (whole lines,
 * the header first), so that a file of any size can be written without one string holding it.
 *
 * @example
 * ```ts ignore
 * for (const piece of drawsCsvChunks(fit)) await writer.write(new TextEncoder().encode(piece));
 * ```
 */
export function* drawsCsvChunks(
  fit: FitResult,
  options: ExportOptions = {},
  chunkChars = 1 << 20,
): Generator<string> {
  checkOptions(options, EXPORT_OPTION_NAMES, "Cannot export draws", { variables: "parameters" });
  const names = options.parameters ? [...options.parameters] : fit.parameterNames;
  const columns = names.map((n) => fit.draws(n));
  const { chains, drawsPerChain } = fit.named;
  let lines = [[...names.map(csvField), ".chain", ".iteration", ".draw"].join(",")];
  let size = lines[0].length;
  for (let c = 0; c < chains; c++) {
    for (let s = 0; s < drawsPerChain; s++) {
      const d = c * drawsPerChain + s;
      const row = columns.map((v) => csvNumber(v[d]));
      row.push(String(c + 1), String(s + 1), String(d + 1));
      const line = row.join(",");
      if (size + line.length > chunkChars && lines.length > 0) {
        yield lines.join("\n") + "\n";
        lines = [];
        size = 0;
      }
      lines.push(line);
      size += line.length + 1;
    }
  }
  if (lines.length > 0) yield lines.join("\n") + "\n";
}

/**
 * Joins CSV pieces into one string, or throws a {@link HetfxError} naming
 * {@link writeDrawsCsv} when they would pass `maxChars` (a RangeError from V8 otherwise).
 */
export function joinCsvChunks(chunks: Iterable<string>, maxChars = MAX_STRING_CHARS): string {
  const pieces: string[] = [];
  let length = 0;
  for (const piece of chunks) {
    length += piece.length;
    if (length > maxChars) {
      throw new HetfxError(
        `Cannot export draws as one string: the CSV passes ${maxChars.toLocaleString("en-US")} ` +
          `characters, the longest string JavaScript holds. Write it to a file with ` +
          `writeDrawsCsv(fit, "draws.csv") (fit.writeDrawsCsv), or export fewer parameters ` +
          `({ parameters: [...] }).`,
      );
    }
    pieces.push(piece);
  }
  return pieces.join("");
}

/**
 * Draws as CSV text: a header, then one line per draw (chain-major). A CSV too long for one string
 * is refused with an error that names {@link writeDrawsCsv}.
 *
 * @example
 * ```ts ignore
 * await Deno.writeTextFile("draws.csv", drawsToCsv(fit));
 * ```
 */
export function drawsToCsv(fit: FitResult, options: ExportOptions = {}): string {
  return joinCsvChunks(drawsCsvChunks(fit, options));
}

/**
 * Writes the draws CSV of {@link drawsToCsv} to `path` piece by piece: any number of draws and
 * parameters, at about a megabyte of text in memory at a time. The file is replaced.
 *
 * @example
 * ```ts ignore
 * await writeDrawsCsv(fit, "draws.csv");
 * ```
 */
export async function writeDrawsCsv(
  fit: FitResult,
  path: string | URL,
  options: ExportOptions = {},
): Promise<void> {
  await writeChunks(path, drawsCsvChunks(fit, options));
}

/**
 * Writes `JSON.stringify(resultToJSON(fit, options))` to `path` piece by piece
 * (lib/posterior/json_chunks.ts), for results whose JSON is longer than one string can be. The
 * file is replaced.
 *
 * @example
 * ```ts ignore
 * await writeResultJSON(fit, "fit.json");
 * ```
 */
export async function writeResultJSON(
  fit: FitResult,
  path: string | URL,
  options: ExportOptions = {},
): Promise<void> {
  const result = resultToJSON(fit, options);
  await writeChunks(path, jsonChunks(result));
}

/** Writes text pieces to `path` as UTF-8; the first is made before the file is opened. */
async function writeChunks(path: string | URL, chunks: Generator<string>): Promise<void> {
  // A bad option throws here, before the file exists.
  let next = chunks.next();
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    const encoder = new TextEncoder();
    for (; !next.done; next = chunks.next()) {
      const bytes = encoder.encode(next.value);
      for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
    }
  } finally {
    file.close();
  }
}

/** The draws of {@link resultToJSON}: a parameter's [chain][draw], or [chain][draw][level][coef]. */
export type ExportedDraws = Record<string, number[][] | number[][][][]>;

/**
 * The full result as a JSON-ready object: fit.toJSON() (README, "JSON output") plus the draws in the shape
 * ArviZ's `az.from_dict(posterior=draws, coords=coords, dims=dims)` reads:
 * - `draws`: each parameter as `number[chain][draw]`, except the varying effects
 *   `r_<group>[<level>,<coef>]`, which become one variable `r_<group>` shaped
 *   `number[chain][draw][level][coef]`;
 * - `coords`: `{ <group>: levels, <group>__coef: coefficient names }`;
 * - `dims`: `{ r_<group>: [<group>, <group>__coef] }`; a group named like a parameter (a
 *   factor named "sigma"), or named "chain" or "draw" (ArviZ's sample dimensions), has its
 *   levels' dimension named `<group>__level` instead.
 *
 * @example
 * ```ts ignore
 * await Deno.writeTextFile("fit.json", JSON.stringify(resultToJSON(fit)));
 * ```
 */
export function resultToJSON(fit: FitResult, options: ExportOptions = {}): Record<string, unknown> {
  checkOptions(options, EXPORT_OPTION_NAMES, "Cannot export the result", {
    variables: "parameters",
  });
  const names = options.parameters ? [...options.parameters] : fit.parameterNames;
  const draws: ExportedDraws = {};
  const coords: Record<string, string[]> = {};
  const dims: Record<string, [string, string]> = {};
  type Variable = { levels: string[]; coefs: string[]; cells: Map<string, Float64Array[]> };
  const varying = new Map<string, Variable>();
  const effects = varyingEffectNames(fit);
  for (const name of names) {
    const parts = effects.get(name);
    if (parts === undefined) {
      draws[name] = fit.chainDraws(name).map((c) => Array.from(c));
      continue;
    }
    const entry: Variable = varying.get(parts.variable) ??
      { levels: [], coefs: [], cells: new Map() };
    varying.set(parts.variable, entry);
    if (!entry.levels.includes(parts.level)) entry.levels.push(parts.level);
    if (!entry.coefs.includes(parts.coef)) entry.coefs.push(parts.coef);
    entry.cells.set(cellKey(parts.level, parts.coef), fit.chainDraws(name));
  }
  for (const [variable, { levels, coefs, cells }] of varying) {
    const first = cells.values().next().value!;
    const array: number[][][][] = first.map((_, c) =>
      Array.from(
        first[c],
        (_, d) =>
          levels.map((level) =>
            coefs.map((coef) => cells.get(cellKey(level, coef))?.[c][d] ?? NaN)
          ),
      )
    );
    // A dimension named like a variable (a grouping factor named "sigma") is refused by
    // xarray, and one named "chain" or "draw" (a factor of retail chains) is taken by ArviZ for
    // its own sample dimension: such a dimension is named <group>__level instead.
    const group = variable.slice(2);
    const taken = names.includes(group) || group === "chain" || group === "draw";
    const levelDim = taken ? `${group}__level` : group;
    draws[variable] = array;
    coords[levelDim] = levels;
    coords[`${group}__coef`] = coefs;
    dims[variable] = [levelDim, `${group}__coef`];
  }
  return { ...fitToJSON(fit), draws, coords, dims };
}

function cellKey(level: string, coef: string): string {
  return JSON.stringify([level, coef]);
}

/**
 * Each varying-effect name of the fit (`r_g[1_0,Intercept]`, and its brms spelling
 * `r_g[1_0,mytreat]` where brms cleans the coefficient) → variable `r_g`, level `1_0`, coef
 * `Intercept`. Read from the fit's terms, not parsed from the name: a level and a coefficient
 * (a column named `round(x, 2)`) may both hold commas.
 */
function varyingEffectNames(
  fit: FitResult,
): Map<string, { variable: string; level: string; coef: string }> {
  const out = new Map<string, { variable: string; level: string; coef: string }>();
  const aliases = brmsAliases(fit.data);
  for (const term of fit.data.terms) {
    const variable = `r_${term.group}`;
    for (const level of term.labels) {
      for (const coef of term.coefNames) {
        const name = varyingName(term.group, level, coef);
        out.set(name, { variable, level, coef });
        const brms = varyingName(term.group, level, brmsCoefName(coef));
        if (aliases.get(brms) === name) {
          out.set(brms, { variable, level, coef: brmsCoefName(coef) });
        }
      }
    }
  }
  return out;
}
