/**
 * A fit as plain text for terminals and logs: sampler, timing, diagnostics, warnings,
 * parameters, and the spread of group effects.
 */
import type { FitResult } from "./fit_result.ts";
import type { GroupEffect } from "./types.ts";
import { familyOf } from "../families/mod.ts";
import { describeContrast } from "../spec/treatment_coding.ts";

/**
 * `x` with `digits` decimals, or NA where it could not be computed (too few draws).
 *
 * @example
 * ```ts
 * import { fixed } from "./format_summary.ts";
 * console.assert(fixed(1.234) === "1.23" && fixed(NaN, 3) === "NA");
 * ```
 */
export function fixed(x: number, digits = 2): string {
  return Number.isFinite(x) ? x.toFixed(digits) : "NA";
}

/**
 * Decimals for a parameter's row: `digits` (2, as brms prints), unless its posterior sd would
 * print as 0 with them; then as many as show the sd to two significant digits (at most 8), so
 * that a coefficient of 0.00034 ± 0.0001 does not print as 0.00 ± 0.00.
 *
 * @example
 * ```ts
 * import { rowDigits } from "./format_summary.ts";
 * console.assert(rowDigits(0.3) === 2 && rowDigits(0.0001) === 5 && rowDigits(0.0004, 3) === 5);
 * ```
 */
export function rowDigits(sd: number, digits = 2): number {
  if (!(sd > 0 && sd < 0.5 * 10 ** -digits)) return digits;
  return Math.min(8, 1 - Math.floor(Math.log10(sd)));
}

/** A rounded count, or NA when it could not be computed (too few draws). */
function count(x: number): string {
  return Number.isFinite(x) ? String(Math.round(x)) : "NA";
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}

/** "white=1, male=1, intl=5, hawk=1: 0.53 [0.38, 0.68]" */
export function describeGroupEffect(g: GroupEffect): string {
  const levels = Object.entries(g.levels).map(([k, v]) => `${k}=${v}`).join(", ");
  return `${levels} (n=${g.n}): ${fixed(g.mean)} [${fixed(g["q2.5"])}, ${fixed(g["q97.5"])}]`;
}

/**
 * The whole fit as text. `dataWarnings: false` leaves out the data warnings found while
 * compiling, for a caller that showed them before sampling (the CLI with progress on).
 *
 * @example
 * ```ts ignore
 * console.log(formatFitSummary(fit));
 * ```
 */
export function formatFitSummary(
  fit: FitResult,
  options: { dataWarnings?: boolean } = {},
): string {
  const info = fit.info;
  const d = fit.diagnostics();
  const o = info.options;
  const out: string[] = [];
  out.push(
    `Sampler: ${
      info.backend === "webgpu" ? `ChEES-HMC on WebGPU "${info.adapter}"` : "NUTS on cpu"
    } (${info.backendReason}); ${o.chains} chains × ` +
      `(${o.warmup} warmup + ${o.draws} draws), adapt_delta ${o.adaptDelta}, seed ${o.seed}`,
    `Method: ${info.method} (${info.methodReason})`,
    ...(info.metricReason ? [`Metric: ${info.metric} (${info.metricReason})`] : []),
    `Data: ${info.rows} rows compressed to ${info.compressedTo} ` +
      `${fit.data.stats.kind === "cells" ? "cells (sufficient statistics)" : "covariate patterns"}`,
    `Time: compile ${fixed(info.timing.compile_s)} s, warmup ${fixed(info.timing.warmup_s)} s, ` +
      `sampling ${fixed(info.timing.sampling_s)} s, total ${fixed(info.timing.total_s)} s` +
      (info.timing.warmup_chain_s !== undefined
        ? ` (chain-seconds: warmup ${fixed(info.timing.warmup_chain_s)}, ` +
          `sampling ${fixed(info.timing.sampling_chain_s!)})`
        : ""),
    `Diagnostics: ${d.divergences} divergences, max R-hat ${fixed(d.max_rhat, 3)}, ` +
      (info.nestedRhat
        ? `nested R-hat ${fixed(info.nestedRhat.max, 3)} (superchains of ` +
          `${info.nestedRhat.superchainSize}), `
        : "") +
      `min ESS bulk ${count(d.min_ess_bulk)}, tail ${count(d.min_ess_tail)}, ` +
      `tree-depth hits ${d.max_treedepth_hits}, min E-BFMI ${fixed(d.ebfmi_min)}`,
  );
  const shown = options.dataWarnings === false ? new Set(fit.data.warnings ?? []) : new Set();
  const warnings = fit.warnings().filter((w) => !shown.has(w));
  out.push(...warnings.map((w) => `WARNING: ${w}`));
  if (fit.converged) out.push("All convergence checks passed.");
  // Declared ordinal levels: which label each category number (and threshold) stands for.
  const labels = fit.data.thresholds?.labels;
  if (labels !== undefined) {
    out.push(
      `Categories of ${fit.spec.outcome}: ${labels.map((l, k) => `${k + 1} = ${l}`).join(", ")} ` +
        `(b_Intercept[k] is the cut between categories k and k + 1)`,
    );
  }
  out.push(
    "",
    table(
      ["parameter", "mean", "sd", "q2.5", "q50", "q97.5", "rhat", "ess_bulk", "ess_tail"],
      fit.summary().filter((p) => p.name !== "lp__").map((p) => [
        p.name,
        ...[p.mean, p.sd, p["q2.5"], p.q50, p["q97.5"]].map((v) => fixed(v, rowDigits(p.sd))),
        fixed(p.rhat, 3),
        count(p.ess_bulk),
        count(p.ess_tail),
      ]),
    ),
  );
  const treatment = fit.data.treatment;
  if (treatment !== null) {
    for (const [h, s] of fit.effectSpreads().entries()) {
      const contrast = fit.data.contrasts[h];
      out.push(
        "",
        `Effect of ${describeContrast(treatment, contrast)} across ${fit.data.nCells} groups, ` +
          `${familyOf(fit.spec.family, fit.spec.link).linkScale} (sd of all draws ${
            fixed(s.sd_all_draws)
          }):`,
        `  min    ${describeGroupEffect(s.min)}`,
        `  median ${describeGroupEffect(s.median)}`,
        `  max    ${describeGroupEffect(s.max)}`,
      );
    }
  }
  return out.join("\n");
}
