/**
 * Simulation-based calibration (Talts et al. 2018; Modrák et al. 2023) of a model on a given
 * design: per simulation, parameters drawn from the prior (the priors resolved once on the
 * observed data, then pinned, so that data-dependent defaults do not move between simulations),
 * outcomes simulated on the table's covariates and groups, the model fitted with the public fit
 * API, and each population-level and hyper-parameter's true value ranked among thinned
 * posterior draws (sbc_simulation.ts), in this thread or in parallel workers (sbc_workers.ts).
 * Calibrated inference gives uniform ranks.
 */
import { HetfxError } from "../errors.ts";
import { FIT_DEFAULTS } from "../fit/options.ts";
import type { Table } from "../data/table.ts";
import type { ModelSpec } from "../spec/model_spec.ts";
import { SamplingCancelled } from "../sampler/cancellation.ts";
import {
  prepareSbc,
  runSimulation,
  type SbcFitOptions,
  type SimulationResult,
} from "./sbc_simulation.ts";
import { runInWorkers } from "./sbc_workers.ts";
import { chiSquareUniformity, holmAdjust, rankHistogram } from "./uniformity.ts";
import { ecdfBands } from "./ecdf_bands.ts";
import type { SbcParameter } from "./sbc_parameter.ts";
import { type SbcPlotOptions, sbcPlotSpec } from "./sbc_plot.ts";
import { Chart } from "../display/display_object.ts";
export type { SbcParameter } from "./sbc_parameter.ts";
export type { SbcFitOptions } from "./sbc_simulation.ts";

/** Options of {@link sbc}; fit options other than seed/progress/signal pass to every fit. */
export interface SbcOptions {
  /** Number of simulated data sets (default 100). */
  sims?: number;
  /** Seed of the whole run: simulation s uses streams keyed by (seed, s). */
  seed?: number;
  /**
   * Posterior draws kept per fit for ranking (default 99: ranks 0…99); at most the fit's
   * chains × draws.
   */
  thinnedDraws?: number;
  /** Bins of the rank histogram and chi-square test (default 10; best a divisor of thinnedDraws + 1). */
  bins?: number;
  /** Options of every fit (chains, warmup, draws, method, backend, …). */
  fit?: SbcFitOptions;
  /** Called after each simulation with (done, total). */
  onProgress?: (done: number, total: number) => void;
  /** Cancels the run between and inside fits (HetfxError "sampling cancelled"). */
  signal?: AbortSignal;
  /**
   * Simulations run in parallel in this many Web Workers (default
   * navigator.hardwareConcurrency; 1: in this thread). The ranks are the same for any count.
   */
  workers?: number;
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
    /** Share of fits with at least one convergence warning or a failed first attempt. */
    readonly warnings_share: number,
    readonly parameters: SbcParameter[],
    /** Simulations whose first fit failed (and was run again with another seed), and why. */
    readonly refits: { sim: number; error: string }[] = [],
  ) {}

  /** The ECDF-difference plot with simultaneous bands above the rank histograms. */
  plot(options: SbcPlotOptions = {}): Chart {
    return new Chart(sbcPlotSpec(this.parameters, { maxRank: this.max_rank, ...options }));
  }

  /** The JSON of `deno task sbc --out` (bands left out; histograms kept). */
  toJSON(): Record<string, unknown> {
    return {
      sims: this.sims,
      time_s: this.time_s,
      warnings_share: this.warnings_share,
      refits: this.refits,
      max_rank: this.max_rank,
      parameters: this.parameters.map((p) => ({
        name: p.name,
        ranks: p.ranks,
        p_uniform: p.p_uniform,
        p_uniform_holm: p.p_uniform_holm,
        ecdf_in_bands: p.ecdf_in_bands,
        histogram: p.histogram,
      })),
    };
  }
}

/**
 * Runs simulation-based calibration of `spec` (a ModelSpec, or a model builder: its `toJSON()`)
 * on the design of `table` (its outcome column is replaced by simulated outcomes).
 *
 * @example
 * ```ts ignore
 * const result = await sbc(spec, table, { sims: 100, seed: 1 });
 * result.parameters.map((p) => [p.name, p.p_uniform, p.ecdf_in_bands]);
 * ```
 */
export async function sbc(
  model: ModelSpec | { toJSON(): ModelSpec },
  table: Table,
  options: SbcOptions = {},
): Promise<SbcResult> {
  const spec: ModelSpec = "hetfx" in model ? model : model.toJSON();
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
  // Each rank counts L of a fit's chains × draws posterior draws: with more L than draws, some
  // draws are counted twice and the ranks are not uniform even for a calibrated model.
  const chains = options.fit?.chains ?? FIT_DEFAULTS.chains;
  const draws = options.fit?.draws ?? FIT_DEFAULTS.draws;
  if (Number.isInteger(chains) && Number.isInteger(draws) && L > chains * draws) {
    throw new HetfxError(
      `sbc: thinnedDraws ${L} exceeds the ${chains * draws} posterior draws of each fit ` +
        `(chains ${chains} × draws ${draws}); give thinnedDraws ≤ ${chains * draws}, or more ` +
        "chains or draws.",
    );
  }
  if (!Number.isInteger(bins) || bins < 2) {
    throw new HetfxError(`sbc: bins must be an integer ≥ 2 (got ${bins}).`);
  }
  const workers = options.workers ?? navigator.hardwareConcurrency ?? 1;
  if (!Number.isInteger(workers) || workers < 1) {
    throw new HetfxError(`sbc: workers must be a whole number ≥ 1 (got ${workers}).`);
  }
  const fit = options.fit ?? {};
  const start = performance.now();
  // Prepared here in any case: improper priors and bad designs are refused before any worker.
  const design = prepareSbc(spec, table);
  let results: SimulationResult[];
  if (Math.min(workers, sims) > 1) {
    if (fit.adapterProvider !== undefined) {
      throw new HetfxError(
        "sbc: fit.adapterProvider is a function and cannot be sent to worker threads; " +
          "pass workers: 1 to run the simulations in this thread.",
      );
    }
    results = await runInWorkers({
      spec,
      table,
      seed,
      sims,
      thinnedDraws: L,
      fit,
      workers,
      onProgress: options.onProgress,
      signal: options.signal,
    });
  } else {
    results = [];
    for (let s = 0; s < sims; s++) {
      if (options.signal?.aborted) throw new SamplingCancelled();
      results.push(await runSimulation(design, seed, s, L, fit, options.signal));
      options.onProgress?.(s + 1, sims);
    }
  }
  const names = results[0].names;
  const ranks = new Map(names.map((name, k) => [name, results.map((r) => r.ranks[k])]));
  const warned = results.filter((r) => r.warned).length;
  const parameters = names.map((name, i) => {
    const rs = ranks.get(name)!;
    const histogram = rankHistogram(rs, L, bins);
    const bands = ecdfBands(rs, L, { seed: seed + i });
    const parameter: SbcParameter = {
      name,
      ranks: rs,
      histogram,
      p_uniform: chiSquareUniformity(histogram, L),
      ecdf_in_bands: bands.inBands,
      bands,
    };
    return parameter;
  });
  const holm = holmAdjust(parameters.map((p) => p.p_uniform));
  parameters.forEach((p, i) => (p.p_uniform_holm = holm[i]));
  const refits = results.flatMap((r, sim) => r.refit === null ? [] : [{ sim, error: r.refit }]);
  const time = (performance.now() - start) / 1000;
  return new SbcResult(sims, L, time, warned / sims, parameters, refits);
}
