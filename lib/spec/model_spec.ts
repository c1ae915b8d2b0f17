/**
 * The ModelSpec: plain JSON, the single source of truth for a model. The fluent builder
 * (`hier`) and the formula parser (`formula`) both produce it; lib/model compiles it.
 *
 * Terms are strings in brms/R notation: a main effect is a column name ("regime"), an
 * interaction joins column names with ":" ("alliance:white"). Population-level terms are kept
 * in R's order: main effects in order of appearance, then two-way interactions, and so on.
 */

/**
 * What a ModelSpec needs to know of each likelihood family (lib/families/ holds the rest): whether
 * its (canonical) link, whether it takes a trials column and the prior classes of its parameters
 * besides η. The registry's test checks that lib/families/mod.ts agrees.
 */
export const FAMILY_ROLES = {
  gaussian: { link: "identity", trials: false, parameters: ["sigma"] },
  bernoulli: { link: "logit", trials: false, parameters: [] },
  binomial: { link: "logit", trials: true, parameters: [] },
  poisson: { link: "log", trials: false, parameters: [] },
  student: { link: "identity", trials: false, parameters: ["sigma", "nu"] },
  negbinomial: { link: "log", trials: false, parameters: ["shape"] },
  // Ordinal: K − 1 ordered thresholds (prior class Intercept) in place of the intercept.
  cumulative: {
    link: "logit",
    links: ["logit", "probit"],
    trials: false,
    parameters: [],
    thresholds: true,
  },
} as const satisfies Record<
  string,
  {
    link: string;
    links?: readonly string[];
    trials: boolean;
    parameters: readonly string[];
    thresholds?: boolean;
  }
>;

/** Likelihood families. */
export type Family = keyof typeof FAMILY_ROLES;

export const FAMILIES: readonly Family[] = Object.keys(FAMILY_ROLES) as Family[];

/** The family of a model that names none (brms's default too). */
export const DEFAULT_FAMILY: Family = "gaussian";

/** One varying-effects term, brms `(1 + treat | g1:g2)` or with `||` (`correlated: false`). */
export interface GroupTerm {
  /** The grouping factor as written: factors joined by ":" ("white:male:intl:hawk"). */
  group: string;
  /** The columns whose observed combinations define the groups. */
  factors: string[];
  /** Whether the intercept varies by group. */
  intercept: boolean;
  /** Terms whose coefficients vary by group (usually just the treatment). */
  slopes: string[];
  /** false for `||`: independent varying effects. */
  correlated: boolean;
}

/** Prior distributions; bounds come from the parameter class (sd and sigma are ≥ 0). */
export type PriorDistribution =
  | { dist: "normal"; mu: number; sigma: number }
  | { dist: "student_t"; df: number; mu: number; sigma: number }
  | { dist: "cauchy"; mu: number; sigma: number }
  | { dist: "exponential"; rate: number }
  | { dist: "gamma"; shape: number; rate: number }
  /** Inverse gamma (Stan's inv_gamma(alpha, beta)): density ∝ x^−(shape+1) e^(−scale/x). */
  | { dist: "inv_gamma"; shape: number; scale: number }
  | { dist: "lkj"; eta: number }
  | { dist: "flat" };

/** brms prior classes. */
export type PriorClass = "Intercept" | "b" | "sd" | "cor" | "sigma" | "nu" | "shape";

/** One prior statement: `b ~ normal(0, 0.5)`, optionally for one coefficient or group. */
export interface PriorSpec {
  class: PriorClass;
  /** A coefficient name as brms prints it ("alliance", "regionAsia"); all when absent. */
  coef?: string;
  /** A grouping term ("white:male:intl:hawk"); all when absent. Only for sd and cor. */
  group?: string;
  prior: PriorDistribution;
}

/** A whole model. */
export interface ModelSpec {
  /** Format version of this JSON. */
  hetfx: 1;
  outcome: string;
  /**
   * The outcome's categories in order, lowest first (an ordinal family's declared factor order,
   * brms's ordered factor): rows' values, as text, are matched to them. Absent: the integers
   * 1…K. See lib/spec/outcome_levels.ts.
   */
  outcomeLevels?: string[];
  family: Family;
  /**
   * The link, where the family takes several (cumulative: "logit" or "probit"); absent: the
   * family's default.
   */
  link?: string;
  /** Column with the number of trials (binomial only). */
  trials?: string;
  /**
   * Column of likelihood weights (brms `y | weights(w)`): each row's log-likelihood is
   * multiplied by its weight. Absent: every row weighs 1.
   */
  weights?: string;
  /** Whether the model has a population-level intercept. */
  intercept: boolean;
  /** The treatment whose effect varies; null when the model names none. */
  treatment: string | null;
  /**
   * A factor (or two-valued) treatment's reference level: effects are contrasts against it.
   * Absent: R's first level (the lower value). See lib/spec/treatment_coding.ts.
   */
  treatmentReference?: string;
  /** Population-level terms, intercept excluded. */
  terms: string[];
  /** Varying-effects terms, possibly several (crossed). */
  groupTerms: GroupTerm[];
  /** User-given priors; defaults (documented in lib/spec/priors.ts) fill the rest at compile time. */
  priors: PriorSpec[];
}
