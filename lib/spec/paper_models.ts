/**
 * The seed paper's models (Alley 2024) as ready-made builders, and the numbers it reports,
 * so the replication job, notebooks and tests share one definition.
 */
import type { Table } from "../data/table.ts";
import { formula } from "./formula.ts";
import type { HierBuilder } from "./hier.ts";
import { halfNormal, lkj, normal, studentT } from "./priors.ts";

/** The paper's Tomz & Weeks model (CODEBOOK.md), in brms syntax. */
export const TOMZ_WEEKS_FORMULA =
  "force ~ 1 + regime + stakes + costs + region + alliance * (white + male + intl + hawk) " +
  "+ (1 + alliance | white:male:intl:hawk)";

/**
 * The robustness variant of the Tomz & Weeks model (issue 19): the 5-point `pref` itself as an
 * ordinal outcome (cumulative logit) instead of `force` = pref ≥ 4, same terms.
 */
export const TOMZ_WEEKS_ORDINAL_FORMULA = TOMZ_WEEKS_FORMULA.replace(/^force ~/, "pref ~");

/** The paper's Bush & Prather crossed model (appendix), in brms syntax. */
export const BUSH_PRATHER_FORMULA = "ipe_support ~ 1 + college_educ + employ_dum " +
  "+ (1 + treat_germrus | w2_vote_hill) + (1 + treat_germrus | pol_engage) " +
  "+ (1 + treat_germrus | invest_cond) + (1 + treat_germrus | woman)";

/** The paper's priors: Intercept N(0,1), b N(0,0.5), sd half-N(0,1), sigma half-N(0,1), LKJ(1). */
export const PAPER_PRIORS = {
  Intercept: normal(0, 1),
  b: normal(0, 0.5),
  sd: halfNormal(0, 1),
  sigma: halfNormal(0, 1),
  cor: lkj(1),
};

/** The paper's sampler settings. */
export const PAPER_SAMPLER = { chains: 4, warmup: 1000, draws: 1000, adaptDelta: 0.95 };

/** Figures 1–2 numbers the paper reports for Tomz & Weeks (CODEBOOK.md). */
export const TOMZ_WEEKS_PAPER_NUMBERS = {
  minEffect: 0.05,
  medianEffect: 0.31,
  maxEffect: 0.53,
  sdAllDraws: 0.13,
  sdVaryingSlope: 0.05,
  bAlliance: 0.20,
  bAllianceWhite: 0.13,
};

/**
 * The paper's Tomz & Weeks model on a prepared table (see prepareTomzWeeks).
 *
 * @example
 * ```ts
 * import { loadTomzWeeks } from "../data/datasets/tomz_weeks.ts";
 * import { tomzWeeksModel } from "./paper_models.ts";
 * const spec = tomzWeeksModel(await loadTomzWeeks()).toJSON();
 * console.assert(spec.treatment === "alliance");
 * ```
 */
export function tomzWeeksModel(prepared: Table): HierBuilder {
  return formula(TOMZ_WEEKS_FORMULA, prepared).priors(PAPER_PRIORS);
}

/**
 * The ordinal robustness model of Tomz & Weeks (cumulative logit on `pref`), with the priors
 * b N(0, 1), sd half-N(0, 1), thresholds student_t(3, 0, 2.5) (brms's default) and LKJ(1).
 *
 * @example
 * ```ts
 * import { loadTomzWeeks } from "../data/datasets/tomz_weeks.ts";
 * import { tomzWeeksOrdinalModel } from "./paper_models.ts";
 * const spec = tomzWeeksOrdinalModel(await loadTomzWeeks()).toJSON();
 * console.assert(spec.family === "cumulative" && spec.outcome === "pref");
 * ```
 */
export function tomzWeeksOrdinalModel(prepared: Table): HierBuilder {
  return formula(TOMZ_WEEKS_ORDINAL_FORMULA, prepared, { family: "cumulative" }).priors({
    Intercept: studentT(3, 0, 2.5),
    b: normal(0, 1),
    sd: halfNormal(0, 1),
    cor: lkj(1),
  });
}

/** The paper's Bush & Prather crossed model on a prepared table (see prepareBushPrather). */
export function bushPratherModel(prepared: Table): HierBuilder {
  return formula(BUSH_PRATHER_FORMULA, prepared).priors(PAPER_PRIORS);
}
