/**
 * A fit as HTML for notebooks: sampler, diagnostics (warnings highlighted), the spread of group
 * effects and the parameter table.
 *
 * @module
 */
import type { FitResult } from "../posterior/fit_result.ts";
import { familyOf } from "../families/mod.ts";
import { describeContrast } from "../spec/treatment_coding.ts";
import { summaryTableHtml } from "./tables.ts";
import { fixed } from "../posterior/format_summary.ts";
import { levelsLabel } from "./_format.ts";
import type { GroupEffect } from "../posterior/types.ts";

/**
 * The HTML a notebook shows for a bare `fit` (what `fit.toHTML()` returns).
 *
 * @example
 * ```ts ignore
 * const html = fitToHtml(fit);
 * ```
 */
export function fitToHtml(fit: FitResult): string {
  const d = fit.diagnostics();
  const o = fit.info.options;
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const warnings = fit.warnings();
  const spreads = fit.data.treatment !== null ? fit.effectSpreads() : [];
  // A group as the figures and the text summary name it: "white=0, male=1", not "0_1".
  const named = (g: GroupEffect) => `${g.mean.toFixed(2)} (${esc(levelsLabel(g.levels))})`;
  return [
    `<div class="hetfx-fit"><b>hetfx fit</b>: ${esc(fit.spec.family)} model of ` +
    `<code>${esc(fit.spec.outcome)}</code>, ${fit.info.rows} rows ` +
    `(compressed to ${fit.info.compressedTo}), ${fit.data.terms.length} varying-effect term(s)<br>`,
    `${
      fit.info.backend === "webgpu" ? `ChEES-HMC on WebGPU (${fit.info.adapter})` : "NUTS on cpu"
    }: ${o.chains} chains × (${o.warmup} + ${o.draws}), ` +
    `adapt_delta ${o.adaptDelta}, ${fit.info.timing.total_s.toFixed(2)} s<br>`,
    `Divergences ${d.divergences}, max R-hat ${fixed(d.max_rhat, 3)}, ` +
    `min ESS bulk/tail ${fixed(d.min_ess_bulk, 0)}/${fixed(d.min_ess_tail, 0)}, ` +
    `tree-depth hits ${d.max_treedepth_hits}<br>`,
    warnings.map((w) => `<div style="color:#b00020">⚠ ${esc(w)}</div>`).join("") +
    (fit.converged ? `<div style="color:#1b5e20">All convergence checks passed.</div>` : ""),
    spreads.map((spread, h) =>
      `Effect of <code>${esc(describeContrast(fit.data.treatment!, fit.data.contrasts[h]))}` +
      `</code> ${
        familyOf(fit.spec.family, fit.spec.link).linkScale
      }: sd of all group-effect draws ` +
      `${spread.sd_all_draws.toFixed(2)}; min ${named(spread.min)}, median ` +
      `${named(spread.median)}, max ${named(spread.max)}`
    ).join("<br>"),
    summaryTableHtml(fit.summary().filter((p) => p.name !== "lp__")),
    "</div>",
  ].join("\n");
}
