/**
 * The seed paper's Table 1 made runnable: on the same data, each group's treatment effect by
 * (a) OLS with treatment × modifier interactions — the hierarchical model's population-level
 *     terms without the varying effects — with HC2 robust standard errors;
 * (b) separate subgroup analyses: the difference in means (treated − control) within each group,
 *     with the Welch/Neyman standard error √(s₁²/n₁ + s₀²/n₀), which equals the HC2 standard error
 *     of the within-group regression of y on the treatment;
 * (c) the hierarchical model (posterior mean, sd, 95% interval): the group effect with an identity
 *     link; for bernoulli, binomial and poisson the model's average effect over the group's rows
 *     on the outcome scale (probability, count), the scale (a) and (b) are on.
 * One tidy row per group, plus a shrinkage summary. Frequentist intervals are estimate ± z·SE
 * with the normal quantile (not t): with hundreds of rows the difference is in the third digit.
 *
 * OLS uses ml-matrix (npm) for the inverse of XᵀX.
 */
import { inverse, Matrix } from "ml-matrix";
import { HetfxError } from "../errors.ts";
import { getColumn, labelAt, type Table } from "../data/table.ts";
import { designColumns } from "../model/design.ts";
import { normalQuantile } from "../diagnostics/normal_quantile.ts";
import { quantile } from "../diagnostics/quantiles.ts";
import type { ModelSpec } from "../spec/model_spec.ts";
import type { Fit, FitOptions } from "./fit.ts";
import { trainingTable } from "./linear_predictor.ts";
import { compareLevels, type EffectEstimate } from "./effects.ts";

/** An OLS fit with HC2 standard errors. */
export interface OlsFit {
  names: string[];
  coef: Float64Array;
  /** HC2 covariance, p × p row-major. */
  vcov: Float64Array;
  se: Float64Array;
  n: number;
}

/**
 * Least squares with HC2 robust covariance: β = (XᵀX)⁻¹Xᵀy,
 * V = (XᵀX)⁻¹ Xᵀ diag(eᵢ² / (1 − hᵢᵢ)) X (XᵀX)⁻¹ with leverages hᵢᵢ = xᵢᵀ(XᵀX)⁻¹xᵢ.
 * `columns` are the columns of X (include a column of ones for an intercept).
 *
 * @example
 * ```ts
 * import { olsHc2 } from "./compare.ts";
 * const x = Float64Array.from([0, 0, 1, 1]);
 * const fit = olsHc2([new Float64Array(4).fill(1), x], Float64Array.from([1, 2, 4, 6]), ["1", "x"]);
 * console.assert(Math.abs(fit.coef[1] - 3.5) < 1e-12);
 * ```
 */
export function olsHc2(columns: Float64Array[], y: Float64Array, names: string[]): OlsFit {
  const n = y.length;
  const p = columns.length;
  if (n <= p) {
    throw new HetfxError(`Cannot fit OLS: ${n} rows for ${p} coefficients.`);
  }
  const X = new Matrix(n, p);
  for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) X.set(i, j, columns[j][i]);
  const xtx = X.transpose().mmul(X);
  let xtxInv: Matrix;
  try {
    xtxInv = inverse(xtx);
  } catch {
    throw new HetfxError(`Cannot fit OLS: the design (${names.join(", ")}) is singular.`);
  }
  const xty = X.transpose().mmul(Matrix.columnVector(Array.from(y)));
  const beta = xtxInv.mmul(xty);
  const coef = Float64Array.from(beta.getColumn(0));
  const meat = new Matrix(p, p);
  const xi = new Float64Array(p);
  const a = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    let fitted = 0;
    for (let j = 0; j < p; j++) (xi[j] = columns[j][i]), (fitted += xi[j] * coef[j]);
    let h = 0;
    for (let j = 0; j < p; j++) {
      let v = 0;
      for (let k = 0; k < p; k++) v += xtxInv.get(j, k) * xi[k];
      a[j] = v;
      h += xi[j] * v;
    }
    const e = y[i] - fitted;
    const w = (e * e) / (1 - h);
    if (!Number.isFinite(w)) continue; // leverage 1: the row fits itself; HC2 undefined → 0
    for (let j = 0; j < p; j++) {
      for (let k = 0; k < p; k++) meat.set(j, k, meat.get(j, k) + w * xi[j] * xi[k]);
    }
  }
  const V = xtxInv.mmul(meat).mmul(xtxInv);
  const vcov = Float64Array.from(V.to1DArray());
  const se = Float64Array.from({ length: p }, (_, j) => Math.sqrt(vcov[j * p + j]));
  return { names, coef, vcov, se, n };
}

/** One group's row of the comparison table. */
export interface ComparisonRow {
  group: string;
  levels: Record<string, string>;
  n: number;
  n_treated: number;
  n_control: number;
  interaction_estimate: number;
  interaction_se: number;
  interaction_lower: number;
  interaction_upper: number;
  /** null where the group lacks treated or control rows (or has < 2 of either, for the SE). */
  subgroup_estimate: number | null;
  subgroup_se: number | null;
  subgroup_lower: number | null;
  subgroup_upper: number | null;
  hierarchical_mean: number;
  hierarchical_sd: number;
  hierarchical_lower: number;
  hierarchical_upper: number;
}

/** How the methods differ across groups. */
export interface ShrinkageSummary {
  groups: number;
  /** Groups where the subgroup difference in means and its SE exist. */
  groups_with_subgroup: number;
  /** Standard deviation of the point estimates across groups, per method. */
  sd_estimates: { interaction: number; subgroup: number; hierarchical: number };
  /** Median interval width across groups, per method. */
  median_width: { interaction: number; subgroup: number; hierarchical: number };
  /** Mean |hierarchical − subgroup| and mean |hierarchical − interaction| over groups. */
  mean_abs_shift_from_subgroup: number;
  mean_abs_shift_from_interaction: number;
  /**
   * 1 − slope of the regression of hierarchical on subgroup estimates (0: no pooling,
   * 1: complete pooling to a common value).
   */
  pooling_factor: number;
}

/** The result of {@link compare}. */
export interface Comparison {
  treatment: string;
  term: string;
  level: number;
  ols: OlsFit;
  rows: ComparisonRow[];
  shrinkage: ShrinkageSummary;
  fit: Fit;
}

/** Anything `compare` accepts: a builder (fitted here), or a fit. */
export type CompareSource =
  | Fit
  | { toJSON(): ModelSpec; table: Table; fit(options?: FitOptions): Promise<Fit> };

/**
 * Fit (if needed) and compare the three approaches of the paper's Table 1.
 *
 * @example
 * ```ts ignore
 * const c = await compare(tomzWeeksModel(table), { fit: { chains: 4, seed: 1 } });
 * console.table(c.rows);
 * ```
 */
export async function compare(
  source: CompareSource,
  options: { fit?: FitOptions; level?: number } = {},
): Promise<Comparison> {
  const fit = "named" in source ? source : await source.fit(options.fit);
  return compareFit(fit, options);
}

/** {@link compare} on an existing fit (synchronous). */
export function compareFit(fit: Fit, options: { level?: number } = {}): Comparison {
  const context = "Cannot compare methods";
  const level = options.level ?? 0.95;
  if (typeof level !== "number" || !(level > 0 && level < 1)) {
    throw new HetfxError(
      `${context}: level = ${String(level)} must lie strictly between 0 and 1 (e.g. 0.95).`,
    );
  }
  const spec = fit.spec;
  const treatment = spec.treatment;
  if (treatment === null || spec.groupTerms.length === 0) {
    throw new HetfxError(`${context}: the model needs a treatment and a grouping term.`);
  }
  const table = trainingTable(fit, "the comparison");
  const y = getColumn(table, spec.outcome, context);
  const t = getColumn(table, treatment, context);
  if (y.kind !== "number" || t.kind !== "number") {
    throw new HetfxError(`${context}: outcome and treatment must be numeric.`);
  }
  for (const v of t.values) {
    if (v !== 0 && v !== 1) {
      throw new HetfxError(
        `${context}: the subgroup difference in means needs a 0/1 treatment; ` +
          `"${treatment}" has the value ${v}.`,
      );
    }
  }
  const z = normalQuantile(1 - (1 - level) / 2);
  const n = table.nRows;

  // (a) OLS on the population-level design.
  const design = designColumns(table, spec.terms, treatment, spec.intercept);
  const columns = [
    ...(spec.intercept ? [new Float64Array(n).fill(1)] : []),
    ...design.map((d) => d.values),
  ];
  const names = [...(spec.intercept ? ["Intercept"] : []), ...design.map((d) => d.name)];
  const ols = olsHc2(columns, y.values, names);
  const derivatives = [
    ...(spec.intercept ? [undefined] : []),
    ...design.map((d) => d.derivative),
  ];

  // Rows of each cell, labelled as the fit labels its cells.
  const factors = [...new Set(spec.groupTerms.flatMap((g) => g.factors))];
  const factorColumns = factors.map((f) => getColumn(table, f, context));
  const rowsOf = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const label = factorColumns.map((c) => labelAt(c, i)).join("_");
    const list = rowsOf.get(label);
    if (list) list.push(i);
    else rowsOf.set(label, [i]);
  }
  const p = names.length;
  // The interaction and subgroup estimates are differences in the outcome itself. With an
  // identity link the group effects are too; otherwise (log-odds, log rate) the hierarchical
  // column is the model's average effect over the group's rows on the outcome scale.
  const onOutcomeScale = hierarchicalOnOutcomeScale(fit, factors);
  const effectDraws = fit.groupEffectDraws();
  const rows: ComparisonRow[] = fit.groupEffects().map((g, index) => {
    const members = rowsOf.get(g.group) ?? [];
    // Interaction model: mean derivative of the design w.r.t. the treatment over the group.
    const d = new Float64Array(p);
    for (const i of members) {
      for (let j = 0; j < p; j++) {
        const der = derivatives[j];
        if (der) d[j] += der[i] / members.length;
      }
    }
    let est = 0, variance = 0;
    for (let j = 0; j < p; j++) {
      est += d[j] * ols.coef[j];
      for (let k = 0; k < p; k++) variance += d[j] * ols.vcov[j * p + k] * d[k];
    }
    const se = Math.sqrt(variance);
    // Subgroup difference in means.
    const stats = [0, 1].map((arm) => {
      const ys = members.filter((i) => t.values[i] === arm).map((i) => y.values[i]);
      const mean = ys.reduce((s, v) => s + v, 0) / ys.length;
      const v = ys.reduce((s, x) => s + (x - mean) ** 2, 0) / (ys.length - 1);
      return { n: ys.length, mean, v };
    });
    const [c0, c1] = stats;
    const sub = c0.n > 0 && c1.n > 0 ? c1.mean - c0.mean : null;
    const subSe = c0.n > 1 && c1.n > 1 ? Math.sqrt(c1.v / c1.n + c0.v / c0.n) : null;
    const hasSe = sub !== null && subSe !== null;
    const outcome = onOutcomeScale?.get(g.group);
    if (onOutcomeScale !== undefined && outcome === undefined) {
      throw new Error(`no outcome-scale effect for group ${g.group}`);
    }
    const hier = outcome?.draws ?? effectDraws[index];
    return {
      group: g.group,
      levels: g.levels,
      n: members.length,
      n_treated: c1.n,
      n_control: c0.n,
      interaction_estimate: est,
      interaction_se: se,
      interaction_lower: est - z * se,
      interaction_upper: est + z * se,
      subgroup_estimate: sub,
      subgroup_se: hasSe ? subSe : null,
      subgroup_lower: hasSe ? sub - z * subSe : null,
      subgroup_upper: hasSe ? sub + z * subSe : null,
      hierarchical_mean: (outcome ?? g).mean,
      hierarchical_sd: (outcome ?? g).sd,
      hierarchical_lower: quantile(hier, (1 - level) / 2),
      hierarchical_upper: quantile(hier, 1 - (1 - level) / 2),
    };
  });
  rows.sort((a, b) =>
    compareLevels(factors.map((f) => a.levels[f]), factors.map((f) => b.levels[f]))
  );
  return {
    treatment,
    term: factors.join(":"),
    level,
    ols,
    rows,
    shrinkage: shrinkageSummary(rows),
    fit,
  };
}

/**
 * For a family whose link is not the identity, each group's average treatment effect on the
 * outcome scale (by group label); undefined for gaussian and student.
 */
function hierarchicalOnOutcomeScale(
  fit: Fit,
  factors: readonly string[],
): Map<string, EffectEstimate> | undefined {
  if (fit.spec.family === "gaussian" || fit.spec.family === "student") return undefined;
  const byGroup = new Map<string, EffectEstimate>();
  for (const e of fit.effects({ by: factors, scale: "response" }).slice(1)) {
    byGroup.set(factors.map((f) => e.by[f]).join("_"), e);
  }
  return byGroup;
}

function sdOf(xs: number[]): number {
  const m = xs.reduce((s, v) => s + v, 0) / xs.length;
  return Math.sqrt(xs.reduce((s, v) => s + (v - m) ** 2, 0) / (xs.length - 1));
}

function medianOf(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) / 2;
  return (s[Math.floor(h)] + s[Math.ceil(h)]) / 2;
}

/** The shrinkage summary of comparison rows. */
export function shrinkageSummary(rows: readonly ComparisonRow[]): ShrinkageSummary {
  const withSub = rows.filter((r) => r.subgroup_se !== null);
  const subEst = withSub.map((r) => r.subgroup_estimate!);
  const hierOnSub = withSub.map((r) => r.hierarchical_mean);
  const ms = subEst.reduce((s, v) => s + v, 0) / subEst.length;
  const mh = hierOnSub.reduce((s, v) => s + v, 0) / hierOnSub.length;
  let sxy = 0, sxx = 0;
  subEst.forEach((x, i) => ((sxy += (x - ms) * (hierOnSub[i] - mh)), (sxx += (x - ms) ** 2)));
  return {
    groups: rows.length,
    groups_with_subgroup: withSub.length,
    sd_estimates: {
      interaction: sdOf(rows.map((r) => r.interaction_estimate)),
      subgroup: sdOf(subEst),
      hierarchical: sdOf(rows.map((r) => r.hierarchical_mean)),
    },
    median_width: {
      interaction: medianOf(rows.map((r) => r.interaction_upper - r.interaction_lower)),
      subgroup: medianOf(withSub.map((r) => r.subgroup_upper! - r.subgroup_lower!)),
      hierarchical: medianOf(rows.map((r) => r.hierarchical_upper - r.hierarchical_lower)),
    },
    mean_abs_shift_from_subgroup: withSub.reduce(
      (s, r) => s + Math.abs(r.hierarchical_mean - r.subgroup_estimate!),
      0,
    ) / withSub.length,
    mean_abs_shift_from_interaction: rows.reduce(
      (s, r) => s + Math.abs(r.hierarchical_mean - r.interaction_estimate),
      0,
    ) / rows.length,
    pooling_factor: 1 - sxy / sxx,
  };
}

/** The comparison as a fixed-width text table (for the CLI). */
export function formatComparison(c: Comparison): string {
  const f = (v: number | null) => (v === null ? "    —" : v.toFixed(2).padStart(5));
  const ci = (lo: number | null, hi: number | null) =>
    lo === null ? "      —      " : `[${f(lo)},${f(hi)}]`;
  const header = `${"group".padEnd(12)} ${"n".padStart(4)} ${"n1".padStart(4)}  ` +
    `${"interaction (HC2)".padEnd(20)}  ${"subgroup diff-in-means".padEnd(22)}  hierarchical`;
  const lines = [
    `Effect of ${c.treatment} by ${c.term}: three methods (${
      Math.round(c.level * 100)
    }% intervals)`,
    header,
    "-".repeat(header.length + 8),
  ];
  for (const r of c.rows) {
    lines.push(
      `${r.group.padEnd(12)} ${String(r.n).padStart(4)} ${String(r.n_treated).padStart(4)}  ` +
        `${f(r.interaction_estimate)} ${ci(r.interaction_lower, r.interaction_upper)}  ` +
        `${f(r.subgroup_estimate)} ${ci(r.subgroup_lower, r.subgroup_upper)}    ` +
        `${f(r.hierarchical_mean)} ${ci(r.hierarchical_lower, r.hierarchical_upper)}`,
    );
  }
  const s = c.shrinkage;
  lines.push(
    "",
    `Groups: ${s.groups} (${s.groups_with_subgroup} with a subgroup standard error)`,
    `SD of group estimates: interaction ${s.sd_estimates.interaction.toFixed(3)}, subgroup ` +
      `${s.sd_estimates.subgroup.toFixed(3)}, hierarchical ${
        s.sd_estimates.hierarchical.toFixed(3)
      }`,
    `Median interval width: interaction ${s.median_width.interaction.toFixed(3)}, subgroup ` +
      `${s.median_width.subgroup.toFixed(3)}, hierarchical ${
        s.median_width.hierarchical.toFixed(3)
      }`,
    `Mean |hierarchical − subgroup| ${s.mean_abs_shift_from_subgroup.toFixed(3)}; ` +
      `mean |hierarchical − interaction| ${s.mean_abs_shift_from_interaction.toFixed(3)}; ` +
      `pooling factor ${s.pooling_factor.toFixed(2)} (0 none, 1 complete)`,
  );
  return lines.join("\n");
}
