/**
 * Scale benchmark (issue 8): a 10⁶-row Gaussian and a 10⁶-row Bernoulli table generated in
 * memory (binary treatment, two binary and one 3-level covariate, two crossed grouping factors),
 * each compiled and fitted (2 chains, modest warmup/draws). Writes bench/results/scale.json with
 * generation, compile and sampling times, the compressed size, the compiled model's bytes, the
 * draws' bytes and the peak resident memory. Not a test: nothing here asserts timing.
 *
 *   deno run -A bench/scale.ts [rows]        (default 1000000; each family in a subprocess)
 *   deno task bench scale
 *   deno run -A bench/scale.ts --duckdb [rows] [--formats parquet,csv] [--fit] [--dir DIR]
 *                                            (the DuckDB engine; bench/scale_duckdb.ts)
 */
import { formula } from "../lib/spec/formula.ts";
import { fitModel } from "../lib/fit/mod.ts";
import { SCALE_FORMULA, scaleTable, typedArrayBytes } from "../tests/reliability/_scale_data.ts";
import { peakRssMb, runScaleProcess, writeResults } from "./_scale_common.ts";

// `--duckdb`: the DuckDB engine's benchmark (bench/scale_duckdb.ts) instead.
if (Deno.args[0] === "--duckdb") {
  const { scaleDuckDB } = await import("./scale_duckdb.ts");
  await scaleDuckDB(Deno.args.slice(1));
  Deno.exit(0);
}

const rows = Number(Deno.args[0] ?? 1_000_000);
const MB = 2 ** 20;

/** Fit one family in this process and return its numbers. */
async function runOne(family: "gaussian" | "bernoulli") {
  const t0 = performance.now();
  const table = scaleTable(rows, family, 1);
  const generated = performance.now();
  const rssTable = await peakRssMb();
  const fit = await fitModel(formula(SCALE_FORMULA, table, { family }).toJSON(), table, {
    chains: 2,
    warmup: 300,
    draws: 300,
    seed: 1,
    progress: false,
  });
  const data = fit.data;
  const d = fit.diagnostics();
  return {
    family,
    rows,
    formula: SCALE_FORMULA,
    chains: 2,
    warmup: 300,
    draws: 300,
    generate_s: (generated - t0) / 1000,
    compile_s: fit.info.timing.compile_s,
    warmup_s: fit.info.timing.warmup_s,
    sampling_s: fit.info.timing.sampling_s,
    total_fit_s: fit.info.timing.total_s,
    compressed_to: data.stats.kind === "cells" ? data.nCells : data.stats.nPatterns,
    compressed_kind: data.stats.kind === "cells" ? "cells" : "covariate patterns",
    parameters: data.dim,
    table_bytes: typedArrayBytes(table),
    compiled_model_bytes: typedArrayBytes(data),
    draws_bytes: typedArrayBytes(fit.chains),
    peak_rss_after_generate_mb: rssTable,
    peak_rss_mb: await peakRssMb(),
    heap_used_after_mb: Deno.memoryUsage().heapUsed / MB,
    max_rhat: d.max_rhat,
    min_ess_bulk: d.min_ess_bulk,
    divergences: d.divergences,
    b_treat_mean: fit.summary().find((p) => p.name === "b_treat")?.mean ?? null,
  };
}

// Each family in its own process, so that each peak RSS is that fit's alone.
const only = Deno.args[1] as "gaussian" | "bernoulli" | undefined;
if (only) {
  console.log(JSON.stringify(await runOne(only)));
  Deno.exit(0);
}
const results = [];
for (const family of ["gaussian", "bernoulli"]) {
  results.push(await runScaleProcess([String(rows), family]));
}

await writeResults("scale.json", { results });
