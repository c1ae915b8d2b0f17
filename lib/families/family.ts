/**
 * The Family interface: everything hetfx knows about one likelihood family. Each family is one
 * file in lib/families/ and one line in lib/families/mod.ts; code outside lib/families/ asks the
 * registry (`familyOf(name)`) instead of switching on the family's name.
 */
import type { PriorDistribution } from "../spec/model_spec.ts";
import type { KeyedStream } from "../math/rng.ts";
import type { PatternStats } from "./compressed_stats.ts";
import type { OutcomeWhere } from "./outcome_message.ts";

/** A family parameter besides the linear predictor (brms's sigma, nu, …). */
export interface FamilyParameter {
  /** Draw name and brms prior class ("sigma"). */
  name: string;
  /** Lower bound: θ holds u = log(value − lower), so value = lower + exp(u). */
  lower: number;
  /** One line for help texts: what it is and its default prior. */
  description: string;
  /**
   * brms's default prior given the outcome's scale (the MAD-based scale of
   * lib/families/default_priors.ts, at least 2.5).
   */
  defaultPrior(scale: number): PriorDistribution;
}

/**
 * Per-draw values of a family's parameters, in `Family.parameters` order, followed (ordinal
 * families) by the thresholds τ_1 < … < τ_{K−1}.
 */
export type ParameterDraws = readonly Float64Array[];

/**
 * Ordinal families: the outcome's categories 1…K give K − 1 ordered thresholds that take the
 * population intercept's place (brms's `b_Intercept[k]`, prior class "Intercept"). θ holds them
 * unconstrained as u_1 = τ_1, u_k = log(τ_k − τ_{k−1}) (lib/families/ordered_thresholds.ts);
 * the model adds their priors (on τ) and the Jacobian; the family reads the u's after its
 * parameters' in `patternLogLikelihood`'s `extra` and adds ∂/∂u to `gradExtra`.
 */
export interface FamilyThresholds {
  /**
   * The number of categories K of the outcome values `y` (each already passed
   * `checkOutcome`), or a HetfxError naming `outcome` when they do not make 1…K (a gap, a single
   * category).
   */
  categories(y: Float64Array, outcome: string): number;
}

/** A pattern's sums for the pilot fit. */
export interface PilotSums {
  /** Σ y over the pattern's rows. */
  sum: number;
  /** The pattern's number of Bernoulli trials (binomial: summed trials) or rows. */
  weight: number;
  /** Σ y² over the rows (families with a scale; else 0). */
  sumSq: number;
}

/** See `Family.workingStep`. */
export interface WorkingStep {
  resid: number;
  weight: number;
  /** Residual sum of squares and rows (families with a scale; else 0). */
  rss: number;
  count: number;
}

/** The family's WGSL code for the WebGPU backend (lib/webgpu/layout.ts assembles the shader). */
export interface FamilyWgsl {
  /**
   * Defines `fn pattern_terms(eta: f32, y: f32, n: f32, ex: vec2<f32>) -> vec4<f32>`: one
   * pattern's (lp, ∂lp/∂η, two partial sums for the parameters' gradients) at η, given the
   * pattern fields `gpuFields` names (y, n) and the per-chain values `family_extras` returns.
   * Terms that do not depend on the pattern are added in `family_finalize`.
   */
  patternTerms: string;
  /**
   * Defines `fn family_extras(c: u32) -> vec2<f32>` (chain c's parameter values for
   * pattern_terms) and `fn family_finalize(c: u32, lik: f32, beta: ptr<function, array<f32, DA>>,
   * gbeta: ptr<function, array<f32, DA>>) -> f32`: the likelihood's total
   * for chain c given the patterns' summed lp `lik`, plus the parameters' priors and Jacobians;
   * it sets the parameters' gradients with set_grad. Parameter offsets and prior slots are
   * constants `<NAME>_OFF` and `PRIOR_<NAME>` (NAME: the parameter's name in capitals);
   * `modelF[F_N]` is the number of rows and `sum_partials(1u + D + KT + i, c)` the i-th summed
   * parameter partial.
   */
  finalize: string;
  /**
   * How many parameter partials the pattern loop sums: 0 to 2 (pattern_terms's z, w), or, for
   * a family whose partials are one per threshold, a function of the model's threshold count.
   */
  extraPartials: number | ((thresholds: number) => number);
  /**
   * The WGSL expression the pattern loop adds to parameter partial i, in terms of pattern_terms's
   * result `r` and the pattern's y field `ys` (default: `r.z` for 0, `r.w` for 1). Ordinal
   * families route each pattern's two threshold partials to the slots its category selects.
   */
  partialTerm?(i: number): string;
  /**
   * Ordinal families: pattern_terms's `ex` comes per pattern from the chain's thresholds. The
   * family then defines `fn family_thresholds(c: u32, tau: ptr<function, array<f32, NTHA>>)`
   * (chain c's τ) and `fn pattern_extras(tau: ptr<function, array<f32, NTHA>>, y: f32) ->
   * vec2<f32>`; the header defines NTH (the threshold count), NTHA = max(1, NTH), TH_OFF (θ's
   * first threshold) and PRIOR_TH (the first threshold's prior slot).
   */
  thresholdExtras?: boolean;
  /** The two per-pattern fields the shader reads as (y, n). */
  gpuFields(stats: PatternStats): [Float64Array, Float64Array];
}

/**
 * One likelihood family.
 *
 * @example
 * ```ts
 * import { familyOf } from "./mod.ts";
 * const f = familyOf("bernoulli");
 * console.assert(f.link === "logit" && f.inverseLink(0) === 0.5);
 * ```
 */
export interface Family {
  /** hetfx's name, the spec's `family` ("bernoulli"). */
  name: string;
  /** brms's spelling (`family = bernoulli()`; brms calls student "student"). */
  brms: string;
  link: "identity" | "logit" | "log" | "probit";
  /** What the linear predictor measures, for summaries ("on the log-odds scale"). */
  linkScale: string;
  inverseLink(eta: number): number;
  /** Parameters besides η, in the order θ holds them. */
  parameters: readonly FamilyParameter[];
  /** Whether the family needs a trials column (`trials(n)` in formulas). */
  needsTrials: boolean;
  /** Whether outcomes are counts (pp_check draws bars rather than densities). */
  discrete: boolean;
  /**
   * "cells": Gaussian sufficient statistics per cell (lib/model/compile.ts); the varying effects
   * can then be integrated out (collapsed samplers). "patterns": sums per covariate pattern.
   */
  compression: "cells" | "patterns";
  /** Patterns keep rows with different outcomes apart (the likelihood is not linear in y). */
  patternsKeepOutcome: boolean;
  /** Whether the collapsed (varying effects integrated out) samplers apply. */
  collapsible: boolean;
  /** What the outcome must hold, in a message's words ("1 for the event, 0 otherwise"). */
  outcomeAdvice: string;
  /**
   * Why outcome `y` (with `trials`, NaN without a trials column) does not suit the family, as
   * a message naming the column, row and value (lib/families/outcome_message.ts), or null when
   * it does. Non-finite values are refused before this.
   */
  checkOutcome(y: number, trials: number, where: OutcomeWhere): string | null;
  /**
   * Refuses an outcome column the family cannot fit (no variation, an unusable scale: a
   * HetfxError naming the column and the fix) and returns warnings for one that samples poorly;
   * lib/families/outcome_variation.ts has the checks. `trials`: the trials column, or null.
   */
  checkVariation(outcome: string, y: Float64Array, trials: Float64Array | null): string[];
  /**
   * Whether a predictor can separate the rows into events (y = trials, or 1) and non-events
   * (y = 0), leaving its coefficient unbounded; lib/model/degenerate_data.ts checks for it.
   */
  separable: boolean;
  /**
   * The same likelihood in the WebAssembly pattern kernel (lib/model/pattern_kernel.ts), where
   * it has one: which sum ("logit": Σ y·η − n·log(1 + e^η); "cumulativeLogit": the cumulative
   * logit over thresholds) and the (y, n) fields it reads per pattern.
   */
  wasmPatterns?: {
    likelihood: "logit" | "cumulativeLogit";
    fields(stats: PatternStats): [Float64Array, Float64Array];
  };
  /**
   * Σ over patterns of the log-likelihood (up to constants in the parameters), with
   * `dEta[p] = ∂/∂η_p` and `gradExtra[i] += ∂/∂u_i` (u: the unconstrained parameters in `extra`).
   * Used for "patterns" compression.
   */
  patternLogLikelihood(
    stats: PatternStats,
    eta: Float64Array,
    extra: Float64Array,
    dEta: Float64Array,
    gradExtra: Float64Array,
  ): number;
  /**
   * Row i's full log-likelihood (normalising constants included, as loo needs) per draw:
   * `eta` (linear predictor draws) is overwritten with log p(y | draw).
   */
  pointwiseLogLikelihood(y: number, trials: number, eta: Float64Array, extra: ParameterDraws): void;
  /**
   * E[y | η] (times trials where the family has them). Ordinal families read draw s's
   * thresholds from `extra` (E[y] = Σ k·P(y = k)).
   */
  expectedValue(eta: number, trials: number, extra?: ParameterDraws, s?: number): number;
  /** Ordinal families: their thresholds (see {@link FamilyThresholds}); absent otherwise. */
  thresholds?: FamilyThresholds;
  /**
   * Ordinal families: P(y = k) for k = 1…K into `out` (length K) given η and draw s's
   * thresholds in `extra`.
   */
  categoryProbabilities?(eta: number, extra: ParameterDraws, s: number, out: Float64Array): void;
  /**
   * One posterior predictive draw given the mean μ = inverseLink(η) and draw s's parameters
   * (ordinal families: inverseLink is the identity and μ the latent mean η).
   */
  predictiveDraw(
    mu: number,
    trials: number,
    extra: ParameterDraws,
    s: number,
    rng: KeyedStream,
  ): number;
  /**
   * The outcome values brms's default priors are centred and scaled on (median and MAD):
   * y itself, log y for log links, or null for fixed defaults (logit links). Read, never
   * written: it may be `y` itself.
   */
  priorOutcome(y: Float64Array): ArrayLike<number> | null;
  /** Pattern p's sums for the pilot fit (lib/model/auto_parameterization.ts). */
  pilotSums(stats: PatternStats, p: number): PilotSums;
  /**
   * One pilot (penalised iteratively reweighted least squares) step for a pattern at η: the
   * score residual and working weight; families with a scale also report the pattern's
   * residual sum of squares and row count, from which the pilot re-estimates 1/σ² (`invVar`).
   */
  workingStep(eta: number, sums: PilotSums, invVar: number): WorkingStep;
  /** The WebGPU backend's code; absent: the family samples on the CPU only. */
  wgsl?: FamilyWgsl;
}
