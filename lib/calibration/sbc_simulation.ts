/**
 * One simulation of simulation-based calibration, a pure function of (design, seed, s): the
 * parameters drawn from the pinned priors with streams keyed by (seed, s), outcomes simulated
 * on the design's covariates and groups, the model fitted at seed·100003 + s, and each true
 * value ranked among thinned posterior draws. sbc() runs it in this thread or in workers
 * (sbc_workers.ts); the ranks are the same either way.
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import { getColumn, type Table, withColumn } from "../data/table.ts";
import { rowGroupLabel } from "../data/groups.ts";
import { KeyedStream } from "../math/rng.ts";
import type { ModelSpec, PriorClass, PriorSpec } from "../spec/model_spec.ts";
import { compileModel } from "../model/compile.ts";
import type { CompiledData } from "../model/compiled_data.ts";
import { designColumns } from "../model/design.ts";
import type { FitOptions } from "../fit/mod.ts";
import { fitModelInternal } from "../fit/fit.ts";
import { SamplingCancelled } from "../sampler/cancellation.ts";
import { drawPrior, lkjCholesky } from "./prior_draw.ts";
import { simulateOutcome } from "./simulate_outcome.ts";
import { drawThresholds, hasEveryCategory } from "./threshold_draw.ts";
import { thresholdName } from "../families/ordered_thresholds.ts";

const SBC_STREAM = 40;

/** Fit options of every SBC fit (seed, progress and signal are set per simulation). */
export type SbcFitOptions = Omit<FitOptions, "seed" | "progress" | "signal">;

/** A design prepared once per thread: pinned priors, compiled model, design matrices. */
export interface SbcDesign {
  spec: ModelSpec;
  table: Table;
  data: CompiledData;
  fixed: { values: Float64Array }[];
  terms: { term: CompiledData["terms"][number]; K: number; z: Float64Array; group: Int32Array }[];
  trials: Float64Array | null;
}

/** What one simulation gives: every ranked parameter's name and rank, and whether it warned. */
export interface SimulationResult {
  names: string[];
  ranks: number[];
  /** The fit had convergence warnings, or its first attempt failed (see `refit`). */
  warned: boolean;
  /** The error of a first fit that failed and was run again with another seed, else null. */
  refit: string | null;
}

/** The fitting function runSimulation calls (fitModelInternal; tests pass a failing one). */
export type SbcFitter = typeof fitModelInternal;

/** Added to a failed fit's seed for its second attempt. */
const REFIT_SEED_OFFSET = 7919;

/** Resolved priors of every parameter class, pinned as explicit PriorSpecs. */
function pinPriors(spec: ModelSpec, table: Table): ModelSpec {
  const d = compileModel(spec, table);
  const priors: PriorSpec[] = [];
  if (d.hasIntercept) priors.push({ class: "Intercept", prior: d.interceptPrior });
  // Ordinal thresholds: each threshold's own prior (Intercept[k], brms coef = k).
  d.thresholds?.priors.forEach((prior, k) =>
    priors.push({ class: "Intercept", coef: String(k + 1), prior })
  );
  d.fixedNames.forEach((coef, p) => priors.push({ class: "b", coef, prior: d.bPriors[p] }));
  d.terms.forEach((term, t) => {
    term.coefNames.forEach((coef, k) =>
      priors.push({ class: "sd", group: term.group, coef, prior: term.sdPriors[k] })
    );
    // A term whose several effects come from one factor slope ("(0 + f | g)") is correlated,
    // but validateSpec refuses a cor prior for it (it counts the effects as written): its prior
    // is then the default lkj(1), not data-dependent, so it resolves the same unpinned.
    const g = spec.groupTerms[t];
    if (term.correlated && (g.intercept ? 1 : 0) + g.slopes.length >= 2) {
      priors.push({ class: "cor", group: term.group, prior: { dist: "lkj", eta: term.lkjEta } });
    }
  });
  for (const p of d.familyParameters) priors.push({ class: p.name as PriorClass, prior: p.prior });
  // A class-wide cor prior still reaches the terms left unpinned above (pins per group win).
  const corPriors = spec.priors.filter((p) => p.class === "cor" && p.group === undefined);
  return { ...spec, priors: [...corPriors, ...priors] };
}

/**
 * Pins the priors (resolved once on the observed data, so that data-dependent defaults do not
 * move between simulations), compiles the model and builds the design; refuses improper
 * priors (drawPrior names the class).
 *
 * @example
 * ```ts ignore
 * const design = prepareSbc(spec, table);
 * ```
 */
export function prepareSbc(spec: ModelSpec, table: Table): SbcDesign {
  if (spec.weights !== undefined) {
    // A weighted log-likelihood (w·log p(y | θ)) is no data-generating process: outcomes drawn
    // one per row from p(y | θ) and fitted with the weights have a posterior that is not θ's
    // given those data, so the ranks would be off even for an exact sampler.
    throw new HetfxError(
      `Cannot run sbc: the model has likelihood weights (column "${spec.weights}"), which ` +
        "multiply each row's log-likelihood; outcomes simulated one per row and fitted with " +
        "those weights would not be calibrated even for an exact sampler. Calibrate the " +
        "model without the weights (drop --weights, or weights(…) from the formula).",
    );
  }
  const pinned = pinPriors(spec, table);
  const data = compileModel(pinned, table);
  const probe = new KeyedStream(1, 0, 0, SBC_STREAM);
  if (data.hasIntercept) drawPrior(data.interceptPrior, probe, -Infinity, "Intercept");
  data.fixedNames.forEach((n, p) => drawPrior(data.bPriors[p], probe, -Infinity, `b (${n})`));

  // The columns coded as compileModel codes them (populationDesign, the varying terms): a
  // formula without an intercept (brms "0 +") codes a factor by every level, a group term
  // without one (brms "(0 + f | g)") its slope factor likewise.
  const fixed = designColumns(
    table,
    spec.terms,
    spec.treatment,
    spec.intercept,
    spec.treatmentReference,
  );
  sameNames("population-level", fixed.map((c) => c.name), data.fixedNames);
  const n = table.nRows;
  const terms = data.terms.map((term, t) => {
    const g = spec.groupTerms[t];
    const K = term.coefNames.length;
    const slopes = designColumns(
      table,
      g.slopes,
      spec.treatment,
      g.intercept,
      spec.treatmentReference,
    );
    sameNames(
      `(… | ${g.group})`,
      [...(g.intercept ? ["Intercept"] : []), ...slopes.map((c) => c.name)],
      term.coefNames,
    );
    const z = new Float64Array(n * K);
    const group = new Int32Array(n);
    const index = new Map(term.labels.map((l, j) => [l, j]));
    const factors = term.factors.map((f) => getColumn(table, f, "sbc"));
    for (let i = 0; i < n; i++) {
      let k = 0;
      if (g.intercept) z[i * K + k++] = 1;
      for (const s of slopes) z[i * K + k++] = s.values[i];
      group[i] = index.get(rowGroupLabel(factors, i)) ?? -1;
    }
    return { term, K, z, group };
  });
  const trials = spec.trials
    ? (getColumn(table, spec.trials, "sbc") as { values: Float64Array }).values
    : null;
  // Simulated ordinal outcomes are the categories 1…K themselves (the observed data's K), so
  // the simulations' spec declares no levels.
  const { outcomeLevels: _, ...simulated } = pinned;
  return { spec: simulated, table, data, fixed, terms, trials };
}

/**
 * Refuses (an internal error, not a user's) a simulation design whose columns are not the
 * fitted model's, which would pair each drawn coefficient with another coefficient's column.
 */
function sameNames(what: string, simulated: readonly string[], fitted: readonly string[]) {
  if (simulated.join("\u0000") === fitted.join("\u0000")) return;
  throw new Error(
    `sbc: the simulation's ${what} columns (${simulated.join(", ")}) are not the model's ` +
      `(${fitted.join(", ")}).`,
  );
}

/**
 * Simulation `s` of the run seeded `seed`: the true parameter values (brms names) and the
 * table with the simulated outcome.
 *
 * @example
 * ```ts ignore
 * const { truth, table } = simulateData(prepareSbc(spec, observed), 1, 0);
 * ```
 */
export function simulateData(
  design: SbcDesign,
  seed: number,
  s: number,
): { truth: Map<string, number>; table: Table } {
  // Ordinal: a data set missing a category would have fewer thresholds, so θ and y are drawn
  // again together (rejection on y alone leaves θ | y the posterior: ranks stay uniform).
  for (let attempt = 1;; attempt++) {
    const drawn = drawOnce(design, new KeyedStream(seed, s, attempt - 1, SBC_STREAM));
    if (drawn.tau === null || hasEveryCategory(drawn.y, drawn.tau.length + 1, attempt)) {
      const { spec } = design;
      const y = drawn.y;
      return {
        truth: drawn.truth,
        table: withColumn(design.table, spec.outcome, { kind: "number", values: y }),
      };
    }
  }
}

/** One draw of the parameters from their priors and of the outcome given them. */
function drawOnce(
  design: SbcDesign,
  rng: KeyedStream,
): { truth: Map<string, number>; y: Float64Array; tau: Float64Array | null } {
  const { data, fixed, terms, spec } = design;
  const n = design.table.nRows;
  const truth = new Map<string, number>();
  const ic = data.hasIntercept ? drawPrior(data.interceptPrior, rng, -Infinity, "Intercept") : 0;
  const b = data.fixedNames.map((nm, p) => drawPrior(data.bPriors[p], rng, -Infinity, nm));
  const eta = new Float64Array(n);
  let shift = 0;
  b.forEach((bp, p) => (shift += bp * data.fixedMeans[p]));
  if (data.hasIntercept) truth.set("b_Intercept", ic - shift);
  // Ordinal: the priors are on the centred thresholds τ; η below is uncentred, so it is cut at
  // brms's b_Intercept[k] = τ_k + shift.
  const tau = data.thresholds ? drawThresholds(data.thresholds.priors, rng) : null;
  tau?.forEach((t, k) => truth.set(thresholdName(k), tau[k] = t + shift));
  data.fixedNames.forEach((nm, p) => truth.set(`b_${nm}`, b[p]));
  for (let i = 0; i < n; i++) {
    let e = data.hasIntercept ? ic - shift : 0;
    for (let p = 0; p < fixed.length; p++) e += b[p] * fixed[p].values[i];
    eta[i] = e;
  }
  for (const { term, K, z, group } of terms) {
    const sd = term.coefNames.map((c, k) =>
      drawPrior(term.sdPriors[k], rng, 0, `sd_${term.group}__${c}`)
    );
    sd.forEach((v, k) => truth.set(`sd_${term.group}__${term.coefNames[k]}`, v));
    const Lc = term.correlated && K > 1 ? lkjCholesky(K, term.lkjEta, rng) : null;
    if (Lc) {
      for (let a = 0; a < K; a++) {
        for (let c = a + 1; c < K; c++) {
          let r = 0;
          for (let m = 0; m < K; m++) r += Lc[a * K + m] * Lc[c * K + m];
          truth.set(`cor_${term.group}__${term.coefNames[a]}__${term.coefNames[c]}`, r);
        }
      }
    }
    const r = new Float64Array(term.nGroups * K);
    const u = new Float64Array(K);
    for (let j = 0; j < term.nGroups; j++) {
      for (let k = 0; k < K; k++) u[k] = rng.normal();
      for (let k = 0; k < K; k++) {
        let v = 0;
        if (Lc) { for (let m = 0; m <= k; m++) v += Lc[k * K + m] * u[m]; }
        else v = u[k];
        r[j * K + k] = sd[k] * v;
      }
    }
    for (let i = 0; i < n; i++) {
      const j = group[i];
      for (let k = 0; k < K; k++) eta[i] += z[i * K + k] * r[j * K + k];
    }
  }
  const aux = { sigma: NaN, nu: NaN, shape: NaN };
  data.familyParameters.forEach((p) => {
    // The parameter's own lower bound (sigma, shape > 0; nu > 1), as the model truncates it.
    const value = drawPrior(p.prior, rng, p.lower, p.name);
    (aux as Record<string, number>)[p.name] = value;
    truth.set(p.name, value);
  });
  const y = simulateOutcome(spec.family, eta, aux, design.trials, rng, { link: spec.link, tau });
  return { truth, y, tau };
}

/**
 * Simulates data set `s`, fits it (a failed fit once more with another seed) and ranks each
 * true value among `thinnedDraws` evenly spaced posterior draws (rank = how many are below it:
 * 0…thinnedDraws).
 *
 * @example
 * ```ts ignore
 * const { names, ranks } = await runSimulation(prepareSbc(spec, table), 1, 0, 99, { chains: 2 });
 * ```
 */
export async function runSimulation(
  design: SbcDesign,
  seed: number,
  s: number,
  thinnedDraws: number,
  fit: SbcFitOptions = {},
  signal?: AbortSignal,
  fitter: SbcFitter = fitModelInternal,
): Promise<SimulationResult> {
  if (!Number.isInteger(thinnedDraws) || thinnedDraws < 1) {
    throw new HetfxError(`sbc: thinnedDraws must be a positive integer (got ${thinnedDraws}).`);
  }
  const { truth, table } = simulateData(design, seed, s);
  // A constant simulated outcome (all-zero bernoulli, say) is fitted, not refused: it is a
  // draw of the prior predictive, and skipping it would bias the ranks.
  const fitOnce = (fitSeed: number) =>
    fitter(design.spec, table, {
      // Small fits run fastest in one thread (a chain pool costs more to start than the fit);
      // sbc() runs simulations, not chains, in parallel.
      workers: 1,
      ...fit,
      seed: fitSeed,
      progress: false,
      signal,
    }, { allowDegenerateOutcome: true });
  // A fit that fails (a step size that cannot be tuned, say) is run once more with another
  // seed: any successful fit of this data set gives a valid rank, so the retry does not bias
  // the ranks, and the failure is kept in `refit` (result.refits) rather than hidden.
  let result;
  let refit: string | null = null;
  try {
    result = await fitOnce(seed * 100003 + s);
  } catch (error) {
    if (!(error instanceof HetfxError) || error instanceof SamplingCancelled) throw error;
    refit = error.message;
    try {
      result = await fitOnce(seed * 100003 + s + REFIT_SEED_OFFSET);
    } catch (again) {
      if (!(again instanceof HetfxError) || again instanceof SamplingCancelled) throw again;
      throw new HetfxError(
        `sbc: simulation ${s} (seed ${seed}) failed to fit twice: ${refit} / ${again.message}`,
      );
    }
  }
  const names: string[] = [];
  const ranks: number[] = [];
  for (const [name, value] of truth) {
    const draws = result.draws(name);
    const step = draws.length / thinnedDraws;
    let rank = 0;
    for (let l = 0; l < thinnedDraws; l++) if (draws[Math.floor(l * step)] < value) rank++;
    names.push(name);
    ranks.push(rank);
  }
  return { names, ranks, warned: refit !== null || result.convergenceWarnings().length > 0, refit };
}
