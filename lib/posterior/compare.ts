/**
 * The seed paper's Table 1 made runnable: on the same data, each group's treatment effect by
 * (a) OLS with treatment × modifier interactions — the hierarchical model's population-level
 *     terms without the varying effects — with HC2 robust standard errors;
 * (b) separate subgroup analyses: the difference in means (treated − control) within each group,
 *     with the Welch/Neyman standard error √(s₁²/n₁ + s₀²/n₀), which equals the HC2 standard error
 *     of the within-group regression of y on the treatment;
 * (c) the hierarchical model (posterior mean, sd, 95% interval): the group effect with an identity
 *     link; for bernoulli, binomial and poisson the model's average effect over the group's rows
 *     on the outcome scale (probability, count), the scale (a) and (b) are on; for an ordinal
 *     family (cumulative) the change in E[y] = Σ k·P(y = k) over the category numbers k = 1…K,
 *     and (a) and (b) read the outcome as those numbers too (with declared levels, the position
 *     in the declared order, not the value: levels [3, 2, 1] or [1, 3, 5] are categories 1, 2, 3).
 * One tidy row per group, plus a shrinkage summary. Frequentist intervals are estimate ± t·SE
 * with Student's t quantile, as R's lm with coeftest and estimatr report them: (a) with the
 * residual degrees of freedom n − p; (b) with Welch–Satterthwaite's
 * (v₁ + v₀)² / (v₁²/(n₁ − 1) + v₀²/(n₀ − 1)), vₐ the arm's squared SE (t.test's, and
 * estimatr::difference_in_means's; with weights, vₐ the arm's HC2 variance and nₐ its rows of
 * positive weight, so weights of 1 give Welch's). The normal quantile would make a small
 * subgroup's interval too narrow (n₁ = n₀ = 5: 1.96 against t ≈ 2.31).
 *
 * With likelihood weights (`y | weights(w)`), every column uses them: (a) is weighted least
 * squares (R's `lm(weights = w)`) with HC2 as sandwich's `vcovHC(type = "HC2")` computes it for
 * that fit; (b) is the weighted difference in means, the coefficient of the weighted OLS of y on
 * the treatment within the group, with that regression's HC2 standard error; averages over a
 * group's rows ((a)'s treatment derivative, (c)'s outcome-scale effect) weigh each row by w (a
 * group whose weights are all 0 is averaged unweighted). Rows of weight 0 change no estimate.
 * Weights of 1 give the unweighted table exactly.
 *
 * OLS is by QR (ols_hc2.ts, ml-matrix), loaded on the first comparison: importing hetfx does not
 * load ml-matrix.
 */
import { HetfxError } from "../errors.ts";
import { checkOptions } from "../options.ts";
import {
  type Column,
  getColumn,
  labelAt,
  rowNumber,
  type Table,
  withColumn,
} from "../data/table.ts";
import { groupLabel, rowGroupLabel } from "../data/groups.ts";
import { designColumns } from "../model/design.ts";
import { tQuantile } from "../diagnostics/student_t_quantile.ts";
import { quantile } from "../diagnostics/quantiles.ts";
import type { ModelSpec } from "../spec/model_spec.ts";
import type { FitResult } from "./fit_result.ts";
import { effects } from "./effects.ts";
import { trainingTable } from "./linear_predictor.ts";
import type { EffectEstimate, EffectsOptions } from "./effects.ts";
import { familyOf } from "../families/mod.ts";
import type { OlsFit } from "./ols_hc2.ts";
import { likelihoodWeights } from "../model/likelihood_weights.ts";
import { declaredOutcome } from "../spec/outcome_levels.ts";
import { requireComplete } from "../data/missing.ts";
import { usedColumns } from "../model/used_columns.ts";

export type { OlsFit } from "./ols_hc2.ts";

/**
 * Least squares with HC2 robust covariance, by QR (see ols_hc2.ts): β = R⁻¹Qᵀy and
 * V = (XᵀX)⁻¹ Xᵀ diag(eᵢ² / (1 − hᵢᵢ)) X (XᵀX)⁻¹. `columns` are the columns of X (include a
 * column of ones for an intercept). With `weights`: weighted least squares and its HC2 (R's
 * `lm(weights = w)` and sandwich); rows of weight 0 are left out. Asynchronous because it loads
 * ml-matrix on first use.
 *
 * @example
 * ```ts
 * import { olsHc2 } from "./compare.ts";
 * const x = Float64Array.from([0, 0, 1, 1]);
 * const fit = await olsHc2([new Float64Array(4).fill(1), x], Float64Array.from([1, 2, 4, 6]), ["1", "x"]);
 * console.assert(Math.abs(fit.coef[1] - 3.5) < 1e-12);
 * ```
 */
export async function olsHc2(
  columns: Float64Array[],
  y: Float64Array,
  names: string[],
  weights?: Float64Array,
): Promise<OlsFit> {
  const { olsHc2Qr } = await import("./ols_hc2.ts");
  return olsHc2Qr(columns, y, names, weights);
}

/** One group's row of the comparison table. */
export interface ComparisonRow {
  group: string;
  levels: Record<string, string>;
  /** Rows of the group (of any weight), treated and control. */
  n: number;
  n_treated: number;
  n_control: number;
  interaction_estimate: number;
  /**
   * null where the effect has no HC2 variance: a row of leverage 1 moves it (a cell of the
   * interaction model with one treated or one control row; see `OlsFit.fullLeverage`).
   */
  interaction_se: number | null;
  interaction_lower: number | null;
  interaction_upper: number | null;
  /**
   * null where the group lacks treated or control rows (or has < 2 of either, for the SE);
   * with weights, rows of positive weight.
   */
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
export interface Comparison<F extends FitResult = FitResult> {
  treatment: string;
  term: string;
  level: number;
  ols: OlsFit;
  rows: ComparisonRow[];
  shrinkage: ShrinkageSummary;
  fit: F;
}

/**
 * Anything `compare` accepts: a fit, or a builder (fitted here with `options.fit`). Generic over
 * the fit and its options so that posterior/ needs no fitting code (lib/fit/ supplies `.fit()`).
 */
export type CompareSource<F extends FitResult = FitResult, O = never> =
  | F
  | { toJSON(): ModelSpec; table: Table; fit(options?: O): Promise<F> };

/** Fit options given to {@link compare} directly: they belong under `fit`. */
const FIT_OPTION_HINTS: Readonly<Record<string, string>> = Object.fromEntries(
  ["chains", "warmup", "draws", "seed", "adaptDelta", "maxTreedepth", "workers", "progress"].map(
    (k) => [k, `a fit option: compare(model, { fit: { ${k}: … } })`],
  ),
);

/**
 * Fit (if needed) and compare the three approaches of the paper's Table 1.
 *
 * @example
 * ```ts ignore
 * const c = await compare(tomzWeeksModel(table), { fit: { chains: 4, seed: 1 } });
 * console.table(c.rows);
 * ```
 */
export async function compare<F extends FitResult, O = never>(
  source: CompareSource<F, O>,
  options: { fit?: O; level?: number } = {},
): Promise<Comparison<F>> {
  checkOptions(options, ["fit", "level"], "Cannot compare", FIT_OPTION_HINTS);
  if (!("named" in source)) {
    // Refused before sampling: what the comparison cannot use (no 0/1 treatment, say).
    checkComparable(source.toJSON(), source.table);
    checkLevel(options.level ?? 0.95);
  }
  const fit = "named" in source ? source : await source.fit(options.fit);
  return await compareFit(fit, { level: options.level });
}

/** {@link compare} on an existing fit. */
export async function compareFit<F extends FitResult>(
  fit: F,
  options: { level?: number } = {},
): Promise<Comparison<F>> {
  checkOptions(options, ["level"], "Cannot compare");
  const level = checkLevel(options.level ?? 0.95);
  const { treatment, table, y, t } = comparisonData(fit);
  // Checked as the fit checks them: finite, non-negative, not all 0.
  const weights = likelihoodWeights(fit.spec, table, CONTEXT);
  const ols = await interactionOls(fit, table, y, weights);
  const factors = [...new Set(fit.spec.groupTerms.flatMap((g) => g.factors))];
  const rowsOf = rowsByCell(table, factors);
  const residualDf = ols.fit.n - ols.fit.names.length;
  // The interaction and subgroup estimates are differences in the outcome itself. With an
  // identity link the group effects are too; otherwise (log-odds, log rate) the hierarchical
  // column is the model's average effect over the group's rows on the outcome scale.
  const onOutcomeScale = hierarchicalOnOutcomeScale(fit, factors, table, weights, rowsOf);
  const effectDraws = fit.groupEffectDraws();
  const rows: ComparisonRow[] = fit.groupEffects().map((g, index) => {
    const members = rowsOf.get(g.group) ?? [];
    const interaction = interactionEffect(ols, members, weights, tQuantile(level, residualDf));
    const subgroup = subgroupDifference(members, y, t.values, weights, level);
    const outcome = onOutcomeScale?.get(g.group);
    if (onOutcomeScale !== undefined && outcome === undefined) {
      throw new Error(`no outcome-scale effect for group ${g.group}`);
    }
    const hier = outcome?.draws ?? effectDraws[index];
    return {
      group: g.group,
      levels: g.levels,
      n: members.length,
      ...subgroup.counts,
      ...interaction,
      ...subgroup.estimate,
      hierarchical_mean: (outcome ?? g).mean,
      hierarchical_sd: (outcome ?? g).sd,
      hierarchical_lower: quantile(hier, (1 - level) / 2),
      hierarchical_upper: quantile(hier, 1 - (1 - level) / 2),
    };
  });
  return {
    treatment,
    term: factors.join(":"),
    level,
    ols: ols.fit,
    rows,
    shrinkage: shrinkageSummary(rows),
    fit,
  };
}

const CONTEXT = "Cannot compare methods";

/** The interval level, checked: strictly between 0 and 1. */
function checkLevel(level: unknown): number {
  if (typeof level !== "number" || !(level > 0 && level < 1)) {
    throw new HetfxError(
      `${CONTEXT}: level = ${String(level)} must lie strictly between 0 and 1 (e.g. 0.95).`,
    );
  }
  return level;
}

/** The fit's training table, outcome (see {@link checkComparable}) and 0/1 treatment. */
function comparisonData(fit: FitResult): {
  treatment: string;
  table: Table;
  y: Float64Array;
  t: Extract<Column, { kind: "number" }>;
} {
  return checkComparable(fit.spec, trainingTable(fit, "the comparison"));
}

/**
 * The model's table, outcome and 0/1 treatment; HetfxError naming what is not so. The outcome is
 * as the OLS and subgroup columns read it: its values, or for an ordinal family its category
 * numbers 1…K in the declared order, the scale of the hierarchical column's E[y] = Σ k·P(y = k).
 */
function checkComparable(spec: ModelSpec, table: Table): {
  treatment: string;
  table: Table;
  y: Float64Array;
  t: Extract<Column, { kind: "number" }>;
} {
  const treatment = spec.treatment;
  if (treatment === null || spec.groupTerms.length === 0) {
    throw new HetfxError(
      `${CONTEXT}: the model needs a treatment whose effect varies by group, as in ` +
        `"${spec.outcome} ~ 1 + treat + (1 + treat | g)"; this one has ` +
        (spec.groupTerms.length === 0
          ? "no grouping term."
          : "no varying slope (the treatment is the first one, or the one .treatment() names)."),
    );
  }
  // Missing values as the model reports them (a missing treatment is no value to compare).
  requireComplete(table, usedColumns(spec), CONTEXT);
  const y = getColumn(table, spec.outcome, CONTEXT);
  const t = getColumn(table, treatment, CONTEXT);
  if (t.kind !== "number") {
    throw new HetfxError(
      `${CONTEXT}: the subgroup difference in means needs a 0/1 treatment; "${treatment}" is ` +
        "a factor. Fit the model and read each contrast's group effects (fit.groupEffects(), " +
        "--effects-by), or code one arm against another as 0/1.",
    );
  }
  // An ordinal outcome with a declared order (text, or numbers in another order or spacing):
  // the category numbers, not the values (levels [3, 2, 1] would turn the sign around).
  const categories = spec.outcomeLevels === undefined
    ? null
    : declaredOutcome(table, spec.outcome, spec.outcomeLevels).y;
  if (categories === null && y.kind !== "number") {
    throw new HetfxError(
      `${CONTEXT}: the outcome "${spec.outcome}" must be numeric, but row ${
        rowNumber(table, 0)
      } has "${labelAt(y, 0)}"; recode it to numbers first` +
        (spec.family === "cumulative"
          ? ", or declare its category order (levels, --levels)."
          : spec.family === "bernoulli"
          ? " (1 for the event, 0 otherwise)."
          : "."),
    );
  }
  const values = [...new Set(t.values)].sort((a, b) => a - b);
  if (values.some((v) => v !== 0 && v !== 1)) {
    const shown = values.slice(0, 5).join(", ") + (values.length > 5 ? ", …" : "");
    throw new HetfxError(
      `${CONTEXT}: every column compares "${treatment}" = 1 against 0, but it takes the ` +
        `values ${shown}. ` +
        (values.length === 2
          ? `Code it 0/1 (0 for ${values[0]}, 1 for ${values[1]}): each column is then the ` +
            `${signed(values[1])} − ${signed(values[0])} contrast the fit reports for it (its ` +
            `coefficient on the ${values[0]}/${values[1]} coding is that contrast over ` +
            `${values[1] - values[0]}).`
          : "compare needs two arms coded 0/1: code one arm 1 and the one to compare it with 0 " +
            "and drop the other rows."),
    );
  }
  // Every column is 1 − 0; a reference of 1 would turn the hierarchical one alone around.
  if (spec.treatmentReference !== undefined && spec.treatmentReference !== "0") {
    throw new HetfxError(
      `${CONTEXT}: every column compares "${treatment}" = 1 against 0, so the reference ` +
        `"${spec.treatmentReference}" cannot be used; drop it (or recode the treatment).`,
    );
  }
  return { treatment, table, y: categories ?? (y as { values: Float64Array }).values, t };
}

/** A number for a difference, in parentheses when negative: "(−1)". */
function signed(v: number): string {
  return v < 0 ? `(−${-v})` : String(v);
}

/**
 * (a) OLS (weighted least squares with weights) with HC2 on the population-level design, and
 * each column's treatment derivative.
 */
async function interactionOls(
  fit: FitResult,
  table: Table,
  y: Float64Array,
  weights: Float64Array | null,
): Promise<
  {
    fit: OlsFit;
    derivatives: (Float64Array | undefined)[];
    variance: typeof import("./ols_hc2.ts").hc2Variance;
  }
> {
  const spec = fit.spec;
  const n = table.nRows;
  const design = designColumns(table, spec.terms, spec.treatment!, spec.intercept);
  const columns = [
    ...(spec.intercept ? [new Float64Array(n).fill(1)] : []),
    ...design.map((d) => d.values),
  ];
  const names = [...(spec.intercept ? ["Intercept"] : []), ...design.map((d) => d.name)];
  return {
    fit: await olsHc2(columns, y, names, weights ?? undefined),
    variance: (await import("./ols_hc2.ts")).hc2Variance,
    derivatives: [...(spec.intercept ? [undefined] : []), ...design.map((d) => d.derivatives?.[0])],
  };
}

/** Rows of each cell of the grouping factors, labelled as the fit labels its cells. */
function rowsByCell(table: Table, factors: readonly string[]): Map<string, number[]> {
  const factorColumns = factors.map((f) => getColumn(table, f, CONTEXT));
  const rowsOf = new Map<string, number[]>();
  for (let i = 0; i < table.nRows; i++) {
    const label = rowGroupLabel(factorColumns, i);
    const list = rowsOf.get(label);
    if (list) list.push(i);
    else rowsOf.set(label, [i]);
  }
  return rowsOf;
}

/**
 * The interaction model's effect in a group: the mean derivative of the design with respect to
 * the treatment over the group's rows (weighted by `weights` unless they sum to 0 there), dotted
 * with the coefficients; its SE by the delta method.
 */
function interactionEffect(
  ols: Awaited<ReturnType<typeof interactionOls>>,
  members: readonly number[],
  weights: Float64Array | null,
  q: number,
): Pick<
  ComparisonRow,
  "interaction_estimate" | "interaction_se" | "interaction_lower" | "interaction_upper"
> {
  const p = ols.fit.names.length;
  const d = new Float64Array(p);
  const w = weights !== null && groupWeight(members, weights) > 0 ? weights : null;
  // Σ wᵢ·derᵢ / Σ wᵢ; with weights of 1, derᵢ / n as unweighted (1·v = v, Σ 1 = n exactly).
  const total = w === null ? members.length : groupWeight(members, w);
  for (const i of members) {
    for (let j = 0; j < p; j++) {
      const der = ols.derivatives[j];
      if (der) d[j] += (w === null ? der[i] : w[i] * der[i]) / total;
    }
  }
  let est = 0;
  for (let j = 0; j < p; j++) est += d[j] * ols.fit.coef[j];
  const variance = ols.variance(ols.fit, d);
  if (Number.isNaN(variance)) {
    return {
      interaction_estimate: est,
      interaction_se: null,
      interaction_lower: null,
      interaction_upper: null,
    };
  }
  const se = Math.sqrt(variance);
  return {
    interaction_estimate: est,
    interaction_se: se,
    interaction_lower: est - q * se,
    interaction_upper: est + q * se,
  };
}

/** The summed weight of a group's rows. */
function groupWeight(members: readonly number[], weights: Float64Array): number {
  let total = 0;
  for (const i of members) total += weights[i];
  return total;
}

/**
 * (b) The difference in means (treated − control) in a group, with the Welch/Neyman SE; with
 * weights, the weighted difference in means with its HC2 SE (see {@link armMean}).
 */
function subgroupDifference(
  members: readonly number[],
  y: Float64Array,
  t: Float64Array,
  weights: Float64Array | null,
  level: number,
): {
  counts: Pick<ComparisonRow, "n_treated" | "n_control">;
  estimate: Pick<
    ComparisonRow,
    "subgroup_estimate" | "subgroup_se" | "subgroup_lower" | "subgroup_upper"
  >;
} {
  const [c0, c1] = [0, 1].map((arm) => {
    const rows = members.filter((i) => t[i] === arm);
    return { rows: rows.length, ...armMean(rows, y, weights) };
  });
  const sub = c0.n > 0 && c1.n > 0 ? c1.mean - c0.mean : null;
  const subSe = c0.n > 1 && c1.n > 1 ? Math.sqrt(c1.variance + c0.variance) : null;
  const hasSe = sub !== null && subSe !== null;
  // Welch–Satterthwaite; with both arms constant (SE 0) the interval is the point.
  const df = (c1.variance + c0.variance) ** 2 /
    (c1.variance ** 2 / (c1.n - 1) + c0.variance ** 2 / (c0.n - 1));
  const q = hasSe && subSe > 0 ? tQuantile(level, df) : 0;
  return {
    counts: { n_treated: c1.rows, n_control: c0.rows },
    estimate: {
      subgroup_estimate: sub,
      subgroup_se: hasSe ? subSe : null,
      subgroup_lower: hasSe ? sub - q * subSe : null,
      subgroup_upper: hasSe ? sub + q * subSe : null,
    },
  };
}

/**
 * One arm's mean and the variance of that mean. Unweighted: the mean and s²/n. Weighted: the
 * weighted mean ȳ = Σwᵢyᵢ / W over the rows of positive weight (W = Σwᵢ, `n` of them) and
 * Σ wᵢ²eᵢ² / (1 − wᵢ/W) / W², eᵢ = yᵢ − ȳ: the HC2 variance of the arm's coefficient in the
 * weighted regression of y on the two arms' indicators, whose hat values are wᵢ/W (so the
 * difference of two arms is the within-group weighted OLS on the treatment, with HC2). With
 * every weight of the arm equal, it is the unweighted mean and s²/n, computed as such.
 */
function armMean(
  rows: readonly number[],
  y: Float64Array,
  weights: Float64Array | null,
): { n: number; mean: number; variance: number } {
  const kept = weights === null ? rows : rows.filter((i) => weights[i] > 0);
  if (weights === null || kept.every((i) => weights[i] === weights[kept[0]])) {
    const ys = kept.map((i) => y[i]);
    const mean = ys.reduce((s, v) => s + v, 0) / ys.length;
    const v = ys.reduce((s, x) => s + (x - mean) ** 2, 0) / (ys.length - 1);
    return { n: ys.length, mean, variance: v / ys.length };
  }
  let total = 0, sum = 0;
  for (const i of kept) (total += weights[i]), (sum += weights[i] * y[i]);
  const mean = sum / total;
  let meat = 0;
  for (const i of kept) {
    const we = weights[i] * (y[i] - mean);
    meat += (we * we) / (1 - weights[i] / total);
  }
  return { n: kept.length, mean, variance: meat / (total * total) };
}

/**
 * For a family whose link is not the identity, each group's average treatment effect on the
 * outcome scale (by group label), weighted by the likelihood weights where there are any
 * (unweighted in a group whose weights are all 0); undefined for identity-link families.
 */
function hierarchicalOnOutcomeScale(
  fit: FitResult,
  factors: readonly string[],
  table: Table,
  weights: Float64Array | null,
  rowsOf: ReadonlyMap<string, number[]>,
): Map<string, EffectEstimate> | undefined {
  if (familyOf(fit.spec.family, fit.spec.link).link === "identity") return undefined;
  let options: EffectsOptions = { by: factors, scale: "response" };
  if (weights !== null) {
    const averaging = Float64Array.from(weights);
    for (const members of rowsOf.values()) {
      if (groupWeight(members, weights) === 0) { for (const i of members) averaging[i] = 1; }
    }
    let name = "(compare weight)";
    while (table.names.includes(name)) name += "'";
    const newdata = withColumn(table, name, { kind: "number", values: averaging });
    options = { ...options, newdata, weights: name };
  }
  const byGroup = new Map<string, EffectEstimate>();
  for (const e of effects(fit, options).slice(1)) {
    byGroup.set(groupLabel(factors.map((f) => e.by[f])), e);
  }
  return byGroup;
}

/** Sample standard deviation; NaN for fewer than two values (sqrt(0 / −1) would give −0). */
function sdOf(xs: number[]): number {
  if (xs.length < 2) return NaN;
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
      interaction: medianOf(
        rows.filter((r) => r.interaction_se !== null).map((r) =>
          r.interaction_upper! - r.interaction_lower!
        ),
      ),
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
  const weights = c.fit.spec.weights;
  const lines = [
    `Effect of ${c.treatment} by ${c.term}: three methods (${Math.round(c.level * 100)}% ` +
    `intervals${weights === undefined ? "" : `; every method weighted by "${weights}"`}${
      c.fit.data.thresholds === undefined ? "" : "; the outcome as its category number 1…K"
    })`,
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
