/**
 * Simulation-based calibration (Talts et al. 2018; Modrák et al. 2023) of a model on a given
 * design: per simulation, parameters drawn from the prior (the priors resolved once on the
 * observed data, then pinned, so that data-dependent defaults do not move between simulations),
 * outcomes simulated on the table's covariates and groups, the model fitted with the public fit
 * API, and each population-level and hyper-parameter's true value ranked among thinned
 * posterior draws. Calibrated inference gives uniform ranks.
 */
import { HetfxError } from "../errors.ts";
import { getColumn, labelAt, type Table, withColumn } from "../data/table.ts";
import { KeyedStream } from "../math/rng.ts";
import type { ModelSpec, PriorSpec } from "../spec/model_spec.ts";
import { compileModel } from "../model/compile.ts";
import { designColumns } from "../model/design.ts";
import { type Fit, fitModel, type FitOptions } from "../fit/mod.ts";
import type { PriorClass } from "../spec/model_spec.ts";
import { drawPrior, lkjCholesky } from "./prior_draw.ts";
import { drawThresholds, hasEveryCategory } from "./threshold_draw.ts";
import { thresholdName } from "../families/ordered_thresholds.ts";
import { simulateOutcome } from "./simulate_outcome.ts";
import { chiSquareUniformity, rankHistogram } from "./uniformity.ts";
import { ecdfBands } from "./ecdf_bands.ts";
import type { SbcParameter } from "./sbc_parameter.ts";
import { type SbcPlotOptions, sbcPlotSpec } from "./sbc_plot.ts";
import { Chart } from "../display/display_object.ts";
export type { SbcParameter } from "./sbc_parameter.ts";

/** Options of {@link sbc}; fit options other than seed/progress/signal pass to every fit. */
export interface SbcOptions {
  /** Number of simulated data sets (default 100). */
  sims?: number;
  /** Seed of the whole run: simulation s uses streams keyed by (seed, s). */
  seed?: number;
  /** Posterior draws kept per fit for ranking (default 99: ranks 0…99). */
  thinnedDraws?: number;
  /** Bins of the rank histogram and chi-square test (default 10; should divide thinnedDraws + 1). */
  bins?: number;
  /** Options of every fit (chains, warmup, draws, method, backend, …). */
  fit?: Omit<FitOptions, "seed" | "progress" | "signal">;
  /** Called after each simulation with (done, total). */
  onProgress?: (done: number, total: number) => void;
  /** Cancels the run between and inside fits (throws the fit's cancellation error). */
  signal?: AbortSignal;
}

/** The result of {@link sbc}: per-parameter ranks and tests, `plot()`, and `toJSON()`. */
export class SbcResult {
  constructor(
    /** Simulations run. */
    readonly sims: number,
    /** Largest possible rank (thinned draws per fit). */
    readonly max_rank: number,
    /** Wall time of the whole run, seconds. */
    readonly time_s: number,
    /** Share of fits with at least one convergence warning. */
    readonly warnings_share: number,
    readonly parameters: SbcParameter[],
  ) {}

  /** The ECDF-difference plot with simultaneous bands above the rank histograms. */
  plot(options: SbcPlotOptions = {}): Chart {
    return new Chart(sbcPlotSpec(this.parameters, options));
  }

  /** The JSON of `deno task sbc --out` (bands left out; histograms kept). */
  toJSON(): Record<string, unknown> {
    return {
      sims: this.sims,
      time_s: this.time_s,
      warnings_share: this.warnings_share,
      max_rank: this.max_rank,
      parameters: this.parameters.map((p) => ({
        name: p.name,
        ranks: p.ranks,
        p_uniform: p.p_uniform,
        ecdf_in_bands: p.ecdf_in_bands,
        histogram: p.histogram,
      })),
    };
  }
}

const SBC_STREAM = 40;

/** Resolved priors of every parameter class, pinned as explicit PriorSpecs. */
function pinPriors(spec: ModelSpec, table: Table): { spec: ModelSpec; priors: PriorSpec[] } {
  const d = compileModel(spec, table);
  const priors: PriorSpec[] = [];
  if (d.hasIntercept) priors.push({ class: "Intercept", prior: d.interceptPrior });
  // Ordinal thresholds: the Intercept class's one prior (a spec sets no per-threshold coef).
  if (d.thresholds) priors.push({ class: "Intercept", prior: d.thresholds.priors[0] });
  d.fixedNames.forEach((coef, p) => priors.push({ class: "b", coef, prior: d.bPriors[p] }));
  for (const term of d.terms) {
    term.coefNames.forEach((coef, k) =>
      priors.push({ class: "sd", group: term.group, coef, prior: term.sdPriors[k] })
    );
    if (term.correlated && term.coefNames.length > 1) {
      priors.push({ class: "cor", group: term.group, prior: { dist: "lkj", eta: term.lkjEta } });
    }
  }
  for (const p of d.familyParameters) priors.push({ class: p.name as PriorClass, prior: p.prior });
  return { spec: { ...spec, priors }, priors };
}

/**
 * Runs simulation-based calibration of `spec` on the design of `table` (its outcome column is
 * replaced by simulated outcomes).
 *
 * @example
 * ```ts ignore
 * const result = await sbc(spec, table, { sims: 100, seed: 1 });
 * result.parameters.map((p) => [p.name, p.p_uniform, p.ecdf_in_bands]);
 * ```
 */
export async function sbc(
  spec: ModelSpec,
  table: Table,
  options: SbcOptions = {},
): Promise<SbcResult> {
  const sims = options.sims ?? 100;
  const seed = options.seed ?? 1;
  const L = options.thinnedDraws ?? 99;
  const bins = options.bins ?? 10;
  if (!Number.isInteger(sims) || sims < 2) {
    throw new HetfxError(`sbc: sims must be an integer ≥ 2 (got ${sims}).`);
  }
  if (!Number.isInteger(L) || L < 1) {
    throw new HetfxError(`sbc: thinnedDraws must be a positive integer (got ${L}).`);
  }
  const start = performance.now();
  const pinned = pinPriors(spec, table);
  const data = compileModel(pinned.spec, table);
  // Refuse improper priors before any fit (drawPrior names the class).
  const probe = new KeyedStream(seed, 0, 0, SBC_STREAM);
  if (data.hasIntercept) drawPrior(data.interceptPrior, probe, -Infinity, "Intercept");
  data.fixedNames.forEach((n, p) => drawPrior(data.bPriors[p], probe, -Infinity, `b (${n})`));

  const fixed = designColumns(table, spec.terms, spec.treatment);
  const n = table.nRows;
  const terms = data.terms.map((term, t) => {
    const g = spec.groupTerms[t];
    const K = term.coefNames.length;
    const slopes = designColumns(table, g.slopes, spec.treatment);
    const z = new Float64Array(n * K);
    const group = new Int32Array(n);
    const index = new Map(term.labels.map((l, j) => [l, j]));
    const factors = term.factors.map((f) => getColumn(table, f, "sbc"));
    for (let i = 0; i < n; i++) {
      let k = 0;
      if (g.intercept) z[i * K + k++] = 1;
      for (const s of slopes) z[i * K + k++] = s.values[i];
      group[i] = index.get(factors.map((c) => labelAt(c, i)).join("_")) ?? -1;
    }
    return { term, K, z, group };
  });
  const trials = spec.trials
    ? (getColumn(table, spec.trials, "sbc") as { values: Float64Array }).values
    : null;

  const names: string[] = [];
  const ranks = new Map<string, number[]>();
  let warned = 0;
  let attempt = 0; // ordinal: redraws of simulation s (see below)
  for (let s = 0; s < sims; s++) {
    options.signal?.throwIfAborted();
    const rng = new KeyedStream(seed, s, attempt, SBC_STREAM);
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
    data.familyParameters.forEach((p, index) => {
      const value = drawPrior(p.prior, rng, index, p.name);
      (aux as Record<string, number>)[p.name] = value;
      truth.set(p.name, value);
    });
    const y = simulateOutcome(spec.family, eta, aux, trials, rng, { link: spec.link, tau });
    // Ordinal: a data set missing a category would have fewer thresholds, so θ and y are drawn
    // again together (rejection on y alone leaves θ | y the posterior: ranks stay uniform).
    if (tau && !hasEveryCategory(y, tau.length + 1, ++attempt)) {
      s--;
      continue;
    }
    attempt = 0;
    const simulated = withColumn(table, spec.outcome, { kind: "number", values: y });
    const fit: Fit = await fitModel(pinned.spec, simulated, {
      // Small fits run fastest in this thread (a worker pool costs more to start than the fit).
      workers: 1,
      ...options.fit,
      seed: seed * 100003 + s,
      progress: false,
      signal: options.signal,
    });
    if (fit.convergenceWarnings().length > 0) warned++;
    for (const [name, value] of truth) {
      if (!ranks.has(name)) (names.push(name), ranks.set(name, []));
      const draws = fit.draws(name);
      const step = draws.length / L;
      let rank = 0;
      for (let l = 0; l < L; l++) if (draws[Math.floor(l * step)] < value) rank++;
      ranks.get(name)!.push(rank);
    }
    options.onProgress?.(s + 1, sims);
  }
  const parameters = names.map((name, i) => {
    const rs = ranks.get(name)!;
    const histogram = rankHistogram(rs, L, bins);
    const bands = ecdfBands(rs, L, { seed: seed + i });
    return {
      name,
      ranks: rs,
      histogram,
      p_uniform: chiSquareUniformity(histogram),
      ecdf_in_bands: bands.inBands,
      bands,
    };
  });
  return new SbcResult(sims, L, (performance.now() - start) / 1000, warned / sims, parameters);
}
