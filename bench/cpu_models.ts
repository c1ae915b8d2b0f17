/**
 * CPU inference benchmarks (issue 4): wall time (compile, warmup, sampling), min bulk/tail ESS,
 * ESS per second and peak memory for
 *   (a) the paper's Tomz & Weeks model on the real data (paper settings), its ordinal variant
 *       (the 5-point `pref`, cumulative logit; issue 19) and the logit model of `force` with the
 *       same priors,
 *   (b) a simulated crossed 4-term model (race × gender × hawk × intl, 36 cells), 3,000 rows,
 *       Gaussian and Bernoulli,
 *   (c) the same at 100,000 rows,
 *   (e) a 26-predictor regression with correlated predictors (Gaussian 5,000 rows, logit 1,000),
 *   (d) the paper's appendix Bush & Prather model (four crossed terms) on the real data with the
 *       priors of issue 20 (Intercept student_t(3, 3, 2.5): brms's kind of default, so the
 *       Intercept is sampled beside the scales by the partially collapsed target).
 * Gaussian models run twice: with the default method (auto → collapsed: coefficients integrated
 * out, NUTS on scales/correlations/sigma) and with method "nuts" on every parameter.
 * Writes bench/results/cpu_models.json. Not a test: nothing here asserts timing.
 *
 *   deno task bench            (all benchmarks)
 *   deno run -A bench/cpu_models.ts
 *   deno run -A bench/cpu_models.ts --only tomz   (models whose name contains "tomz"; prints,
 *                                                  does not write the results file)
 *   deno run -A bench/cpu_models.ts --warm   (each model fitted twice with keepWorkers, the
 *                                             second fit recorded: a notebook's refit, its
 *                                             threads warm; writes cpu_models_warm.json)
 */
import "../lib/fit/mod.ts"; // adds .fit() to the model builders
import { makeTable, type Table } from "../lib/data/table.ts";
import { loadTomzWeeks } from "../lib/data/datasets/tomz_weeks.ts";
import { loadBushPrather } from "../lib/data/datasets/bush_prather.ts";
import {
  BUSH_PRATHER_FORMULA,
  PAPER_SAMPLER,
  TOMZ_WEEKS_FORMULA,
  tomzWeeksModel,
  tomzWeeksOrdinalModel,
} from "../lib/spec/paper_models.ts";
import { formula } from "../lib/spec/formula.ts";
import { halfNormal, lkj, normal, studentT } from "../lib/spec/priors.ts";
import type { HierBuilder } from "../lib/spec/hier.ts";
import type { FitInfo } from "../lib/posterior/fit_result.ts";
import type { Family } from "../lib/spec/model_spec.ts";
import { seeded } from "../tests/_seeded.ts";
import { releaseWorkers } from "../lib/sampler/parallel.ts";

const WARM = Deno.args.includes("--warm");

/** race (3) × gender (2) × hawk (3) × intl (2) = 36 cells; effect varies by each modifier. */
export function crossedTable(rows: number, family: Family, seed = 1): Table {
  const u = seeded(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const cols = {
    treat: new Float64Array(rows),
    race: new Float64Array(rows),
    gender: new Float64Array(rows),
    hawk: new Float64Array(rows),
    intl: new Float64Array(rows),
    y: new Float64Array(rows),
  };
  const raceEffect = [0.1, -0.05, 0.2];
  const hawkEffect = [-0.1, 0, 0.15];
  for (let i = 0; i < rows; i++) {
    const race = Math.floor(u() * 3);
    const gender = u() < 0.5 ? 0 : 1;
    const hawk = Math.floor(u() * 3);
    const intl = u() < 0.5 ? 0 : 1;
    const treat = u() < 0.5 ? 0 : 1;
    const effect = 0.3 + raceEffect[race] + 0.1 * gender + hawkEffect[hawk] + 0.05 * intl;
    const eta = -0.2 + 0.1 * race + effect * treat;
    cols.treat[i] = treat;
    cols.race[i] = race + 1;
    cols.gender[i] = gender;
    cols.hawk[i] = hawk + 1;
    cols.intl[i] = intl;
    cols.y[i] = family === "bernoulli"
      ? (u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0)
      : eta + 0.5 * gauss();
  }
  const num = (values: Float64Array) => ({ kind: "number" as const, values });
  return makeTable(Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, num(v)])));
}

/**
 * A 26-predictor regression (brms's "diamonds" case, issue 20): predictors x1…x26 sharing a common
 * factor with weight `shared` (0: independent; 0.95: pairwise correlations ≈ 0.9); a Gaussian
 * outcome (noise sd 1) or a Bernoulli one on the logit scale.
 */
export function regressionTable(
  rows: number,
  shared: number,
  seed = 3,
  family: "gaussian" | "bernoulli" = "bernoulli",
): Table {
  const u = seeded(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const cols: Record<string, Float64Array> = { y: new Float64Array(rows) };
  for (let p = 1; p <= REGRESSION_PREDICTORS; p++) cols[`x${p}`] = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const common = gauss();
    let eta = 0.5;
    for (let p = 1; p <= REGRESSION_PREDICTORS; p++) {
      const x = shared * common + Math.sqrt(1 - shared * shared) * gauss();
      cols[`x${p}`][i] = x;
      eta += (p % 3 === 0 ? 0.3 : -0.1) * x;
    }
    cols.y[i] = family === "bernoulli" ? (u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0) : eta + gauss();
  }
  return makeTable(
    Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, { kind: "number", values: v }])),
  );
}

const REGRESSION_PREDICTORS = 26;
/** `y ~ 1 + x1 + … + x26`. */
export const REGRESSION_FORMULA = "y ~ 1 + " +
  Array.from({ length: REGRESSION_PREDICTORS }, (_, p) => `x${p + 1}`).join(" + ");

export const CROSSED_FORMULA = "y ~ 1 + treat + (1 + treat | race) + (1 + treat | gender) " +
  "+ (1 + treat | hawk) + (1 + treat | intl)";

/** The crossed benchmark model with its priors (sigma only for gaussian). */
export function crossedModel(table: Table, family: Family): HierBuilder {
  return formula(CROSSED_FORMULA, table, { family }).priors({
    Intercept: normal(0, 1),
    b: normal(0, 0.5),
    sd: normal(0, 0.5),
    cor: lkj(2),
    ...(family === "gaussian" ? { sigma: normal(0, 1) } : {}),
  });
}

/** The appendix Bush & Prather model with issue 20's priors. */
export function bushPratherAppendixModel(table: Table): HierBuilder {
  return formula(BUSH_PRATHER_FORMULA, table).priors({
    Intercept: studentT(3, 3, 2.5),
    b: normal(0, 0.5),
    sd: normal(0, 1),
    sigma: studentT(3, 0, 2.5),
    cor: lkj(1),
  });
}

/** fit.info.timing's seconds (its chain-seconds: the warmup/sampling ratio to read) and more. */
interface Result extends Readonly<FitInfo["timing"]> {
  name: string;
  method: string;
  rows: number;
  compressed_to: number;
  chains: number;
  warmup: number;
  draws: number;
  adapt_delta: number;
  divergences: number;
  max_treedepth_hits: number;
  max_rhat: number;
  min_ess_bulk: number;
  min_ess_tail: number;
  min_ess_bulk_per_s: number;
  /** Leapfrog steps over the kept draws of all chains, and the adapted step sizes. */
  sampling_leapfrog_steps: number;
  /** Leapfrog steps of the warmup transitions (all chains; Laplace start not counted). */
  warmup_leapfrog_steps: number;
  step_sizes: number[];
  peak_rss_mb: number;
}

async function run(
  name: string,
  builder: HierBuilder,
  method?: "nuts",
  options = PAPER_SAMPLER,
): Promise<Result> {
  const settings = { ...options, seed: 1, progress: false, method, keepWorkers: WARM };
  // --warm: a first fit of the same model in this process (not recorded), as a refit in a
  // notebook finds the threads: the worker kept, the code compiled.
  if (WARM) await builder.fit(settings);
  const fit = await builder.fit(settings);
  const d = fit.diagnostics();
  const t = fit.info.timing;
  const result: Result = {
    name,
    method: fit.info.method,
    rows: fit.info.rows,
    compressed_to: fit.info.compressedTo,
    chains: options.chains,
    warmup: options.warmup,
    draws: options.draws,
    adapt_delta: options.adaptDelta,
    compile_s: t.compile_s,
    warmup_s: t.warmup_s,
    sampling_s: t.sampling_s,
    total_s: t.total_s,
    warmup_chain_s: t.warmup_chain_s,
    sampling_chain_s: t.sampling_chain_s,
    divergences: d.divergences,
    max_treedepth_hits: d.max_treedepth_hits,
    max_rhat: d.max_rhat,
    min_ess_bulk: d.min_ess_bulk,
    min_ess_tail: d.min_ess_tail,
    min_ess_bulk_per_s: d.min_ess_bulk / t.total_s,
    sampling_leapfrog_steps: fit.chains.reduce(
      (sum, c) => sum + c.nLeapfrog.reduce((a, b) => a + b, 0),
      0,
    ),
    warmup_leapfrog_steps: fit.chains.reduce((sum, c) => sum + (c.warmupLeapfrog ?? 0), 0),
    step_sizes: fit.chains.map((c) => c.adaptedStepSize),
    peak_rss_mb: Deno.memoryUsage().rss / 2 ** 20,
  };
  console.log(
    `${name} (${result.method}): ${result.total_s.toFixed(2)} s total (warmup ${
      result.warmup_s.toFixed(2)
    }, ` +
      `sampling ${result.sampling_s.toFixed(2)}; chain-seconds warmup ` +
      `${t.warmup_chain_s?.toFixed(2)}, sampling ${t.sampling_chain_s?.toFixed(2)}), ` +
      `${d.divergences} divergences, ${d.max_treedepth_hits} at max tree depth, max R-hat ` +
      `${d.max_rhat.toFixed(3)}, min bulk ESS ${Math.round(d.min_ess_bulk)} → ` +
      `${Math.round(result.min_ess_bulk_per_s)} ESS/s; leapfrog steps warmup ` +
      `${result.warmup_leapfrog_steps}, sampling ${result.sampling_leapfrog_steps}`,
  );
  return result;
}

if (import.meta.main) {
  const only = Deno.args.indexOf("--only") >= 0 ? Deno.args[Deno.args.indexOf("--only") + 1] : null;
  const wanted = (name: string) => only === null || name.includes(only);
  const results: Result[] = [];
  if (wanted("tomz_weeks_paper_model")) {
    const tw = await loadTomzWeeks();
    results.push(await run("tomz_weeks_paper_model", tomzWeeksModel(tw)));
  }
  if (wanted("tomz_weeks_ordinal_pref")) {
    const tw = await loadTomzWeeks();
    results.push(await run("tomz_weeks_ordinal_pref", tomzWeeksOrdinalModel(tw)));
  }
  if (wanted("tomz_weeks_bernoulli_force")) {
    // The dichotomised outcome under a logit link with the ordinal model's priors (issue 19).
    const tw = await loadTomzWeeks();
    const builder = formula(TOMZ_WEEKS_FORMULA, tw, { family: "bernoulli" }).priors({
      Intercept: studentT(3, 0, 2.5),
      b: normal(0, 1),
      sd: halfNormal(0, 1),
      cor: lkj(1),
    });
    results.push(await run("tomz_weeks_bernoulli_force", builder));
  }
  if (wanted("bush_prather_appendix")) {
    const bp = bushPratherAppendixModel(await loadBushPrather());
    results.push(await run("bush_prather_appendix", bp));
    results.push(await run("bush_prather_appendix_nuts", bp, "nuts"));
  }
  for (const family of ["gaussian", "bernoulli"] as const) {
    for (const rows of [3000, 100000]) {
      const name = `crossed_4_terms_${family}_${rows}`;
      if (!wanted(name)) continue;
      const table = crossedTable(rows, family);
      results.push(await run(name, crossedModel(table, family)));
      if (family === "gaussian") {
        results.push(await run(`${name}_nuts`, crossedModel(table, family), "nuts"));
      }
    }
  }
  for (const family of ["gaussian", "bernoulli"] as const) {
    // Pairwise predictor correlation ≈ 0.9; brms's default priors for the Gaussian (5,000 rows;
    // flat b: collapsed), Intercept student_t(3, 0, 2.5) and b normal(0, 1) for the logit (1,000
    // rows, each its own covariate pattern: NUTS on every coefficient).
    const name = `correlated_regression_26_${family}`;
    if (!wanted(name)) continue;
    const table = regressionTable(family === "gaussian" ? 5000 : 1000, 0.95, 3, family);
    const builder = formula(REGRESSION_FORMULA, table, { family });
    results.push(
      await run(
        name,
        family === "gaussian"
          ? builder
          : builder.priors({ Intercept: studentT(3, 0, 2.5), b: normal(0, 1) }),
      ),
    );
  }
  releaseWorkers();
  if (only !== null) Deno.exit(0);
  const out = {
    benchmark: "cpu_models",
    date: new Date().toISOString(),
    machine: { cores: navigator.hardwareConcurrency, deno: Deno.version.deno, os: Deno.build.os },
    note: "4 chains × (1000 warmup + 1000 draws), adapt_delta 0.95, seed 1, chains in parallel " +
      "workers on the machine's cores; ESS/s = min bulk ESS over parameters / total wall time." +
      (WARM ? " Warm: each model's second fit in the process, its worker kept (keepWorkers)." : ""),
    results,
  };
  await Deno.mkdir("bench/results", { recursive: true });
  const file = `bench/results/cpu_models${WARM ? "_warm" : ""}.json`;
  await Deno.writeTextFile(file, JSON.stringify(out, null, 2) + "\n");
  console.log(`Wrote ${file}`);
}
