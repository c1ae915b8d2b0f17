/**
 * Model specification: the fluent builder, the formula parser, priors and validation. Both
 * `hier()` and `formula()` produce the same plain-JSON ModelSpec.
 *
 * @example
 * ```ts
 * import { formula, hier, normal } from "./mod.ts";
 * import { makeTable } from "../data/table.ts";
 * const num = (...v: number[]) => ({ kind: "number" as const, values: new Float64Array(v) });
 * const t = makeTable({ y: num(1, 2, 3, 4), t: num(0, 1, 0, 1), g: num(1, 1, 2, 2) });
 * const a = hier(t).outcome("y").treatment("t").groupBy("g").priors({ b: normal(0, 1) });
 * const b = formula("y ~ t + (1 + t | g)", t).priors({ b: normal(0, 1) });
 * console.assert(JSON.stringify(a) === JSON.stringify(b));
 * ```
 *
 * @module
 */
export type {
  Family,
  GroupTerm,
  ModelSpec,
  PriorClass,
  PriorDistribution,
  PriorSpec,
} from "./model_spec.ts";
export { FAMILIES } from "./model_spec.ts";
export {
  type GroupByOptions,
  type GroupingLike,
  type GroupTermState,
  hier,
  HierBuilder,
  type HierState,
  type OutcomeOptions,
  type SlopePredictorOptions,
  type TreatmentOptions,
} from "./hier.ts";
export { formula, type FormulaOptions } from "./formula.ts";
export {
  type FormulaAst,
  type FormulaExpr,
  parseFormula,
  printExpr,
  printFormula,
} from "./formula_parser.ts";
export { caretMessage, type Token, tokenize } from "./formula_lexer.ts";
export {
  cauchy,
  checkPrior,
  exponential,
  flat,
  formatPrior,
  gamma,
  halfCauchy,
  halfNormal,
  halfStudentT,
  invGamma,
  lkj,
  normal,
  parsePrior,
  type PriorObject,
  priorsFromObject,
  resolvePrior,
  studentT,
} from "./priors.ts";
export { coefficientNames, validateSpec } from "./validate.ts";
export {
  checkLevelList,
  checkOutcomeLevels,
  type DeclaredOutcome,
  declaredOutcome,
} from "./outcome_levels.ts";
export { groupMeanName, withGroupMeans } from "./group_means.ts";
