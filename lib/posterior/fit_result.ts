/**
 * What a fit is, as the analyses in lib/posterior and lib/display read it: the spec, the
 * compiled data, the draws and how they were made. lib/fit/fit.ts's `Fit` implements it; the
 * analyses take this interface, so they never depend on the fitting code.
 *
 * @module
 */
import type { Table } from "../data/table.ts";
import type { ModelSpec } from "../spec/model_spec.ts";
import type { CompiledData } from "../model/compiled_data.ts";
import type { ChainDraws, SampleSettings } from "../sampler/backend.ts";
import type { WebGpuRunInfo } from "../webgpu/webgpu_backend.ts";
import type { NamedDraws } from "./generated.ts";
import type {
  DrawSummary,
  EffectSpread,
  GroupEffect,
  ParameterSummary,
  SlopeCoefficient,
} from "./types.ts";

/** How the posterior is sampled: NUTS on every parameter, or coefficients integrated out. */
export type InferenceMethod = "nuts" | "collapsed";

/** Sampler-level diagnostics (the CLI JSON `diagnostics`). */
export interface FitDiagnostics {
  divergences: number;
  max_rhat: number;
  min_ess_bulk: number;
  min_ess_tail: number;
  max_treedepth_hits: number;
  ebfmi_min: number;
}

/** How one term was parameterised (fit.info.parameterization). */
export interface TermParameterizationInfo {
  term: string;
  /** Per coefficient: 1 non-centred, 0 centred, in between partially centred. */
  noncentering: Record<string, number>;
  /** Sampled as the level mean (non-centred) and contrasts between levels. */
  contrasts: boolean;
  /**
   * The contrasts (or levels) held relative to a pilot fit's estimates and information
   * (lib/model/data_centring.ts): non-centred where the data say little, centred where they
   * dominate. The level mean is always non-centred, so `noncentering` is not used and reads 1.
   */
  data_centring: boolean;
  /** The level mean moved into the population-level coefficients. */
  mean_in_coefficients: boolean;
  /** Chosen by the "auto" rule. */
  auto: boolean;
  /**
   * Per coefficient: how the sampler held its sd, "signed" (u, sd = |u|), "log" (log sd) or, in
   * a fully collapsed fit (crossed or few-level terms), "knee" (log sd with a compressed left
   * tail, lib/model/sd_knee.ts). A collapsed fit's target chooses on its own, whatever the fit
   * option sdScale (lib/model/collapsed_target.ts collapsedSdScales).
   */
  sd_scale: Record<string, "signed" | "log" | "knee">;
}

/** How the fit was made. */
export interface FitInfo {
  backend: "cpu" | "webgpu";
  /**
   * "nuts" (every parameter) or "collapsed" (coefficients integrated out), and why; on WebGPU
   * every parameter is sampled with ChEES-HMC, not NUTS, which the reason says.
   */
  method: InferenceMethod;
  methodReason: string;
  /** NUTS's metric ("diag" or "dense", fit option metric "auto" chooses) and why. */
  metric?: "diag" | "dense";
  metricReason?: string;
  adapter: string | null;
  backendReason: string;
  /**
   * Wall seconds: warmup_s runs from compiled until every chain has left warmup, sampling_s from
   * then to the end. With more chains than cores a chain that finished warmup early samples inside
   * warmup_s, so compare phases with the chain-seconds instead: warmup_chain_s and
   * sampling_chain_s sum each chain's own time in each phase (absent where the backend does not
   * time its chains, e.g. WebGPU, whose chains run in lockstep).
   */
  timing: {
    compile_s: number;
    warmup_s: number;
    sampling_s: number;
    total_s: number;
    warmup_chain_s?: number;
    sampling_chain_s?: number;
  };
  /** The sampler settings used (the user's options with the defaults filled in). */
  options: SampleSettings;
  rows: number;
  cells: number;
  compressedTo: number;
  /** WebGPU runs: step size, trajectory length, steps per iteration, gradient evaluations. */
  webgpu?: WebGpuRunInfo;
  /**
   * WebGPU runs (many short chains): the largest nested R-hat (Margossian et al. 2023) over the
   * unconstrained population-level, scale, correlation and family parameters, with superchains
   * of 4 consecutive chains (1 when the chain count is not a multiple; lib/fit/fit_info.ts).
   */
  nestedRhat?: { max: number; superchainSize: number };
  /** How each term's varying effects were parameterised (see FitOptions.parameterization). */
  parameterization: TermParameterizationInfo[];
  /** True when sampling was cancelled and the Fit holds partial draws (keepPartial). */
  cancelled?: boolean;
}

/** A fitted model as the posterior analyses read it (implemented by lib/fit/fit.ts's Fit). */
export interface FitResult {
  readonly spec: ModelSpec;
  readonly data: CompiledData;
  readonly chains: ChainDraws[];
  readonly info: FitInfo;
  readonly named: NamedDraws;
  /** The table the model was fitted to (null when the result was built without it). */
  readonly table: Table | null;
  /** Names of every parameter with draws (brms names), lp__ last. */
  readonly parameterNames: string[];
  /** Draws of one parameter, chains concatenated; HetfxError with a suggestion if unknown. */
  draws(name: string): Float64Array;
  /** Draws of one parameter split by chain. */
  chainDraws(name: string): Float64Array[];
  /** Posterior summary of every parameter (r_* only with `{ varying: true }`). */
  summary(options?: { varying?: boolean }): ParameterSummary[];
  /** The treatment effect in every observed group. */
  groupEffects(): GroupEffect[];
  /** Draws of each group's effect, in the order of groupEffects(). */
  groupEffectDraws(): Float64Array[];
  /** Each group's effect split into the group-level-predictor part and the varying part. */
  groupEffectParts(): { predicted: DrawSummary; varying: DrawSummary }[];
  /** The paper's Figure 2 numbers (of one contrast: `{ contrast }` for a factor treatment). */
  effectSpread(options?: { contrast?: string }): EffectSpread;
  /** The effect spread of every contrast of the treatment. */
  effectSpreads(): EffectSpread[];
  /** λ: the treatment's population-level coefficients and its interactions. */
  slopeCoefficients(): SlopeCoefficient[];
  /** Divergences, R-hat, ESS, tree depth and E-BFMI over the whole fit. */
  diagnostics(): FitDiagnostics;
  /** Warnings a user must read (partial result, data, convergence). */
  warnings(): string[];
  /** Sampler warnings only. */
  convergenceWarnings(): string[];
  /** True only when no divergences and R-hat/ESS pass. */
  readonly converged: boolean;
}
