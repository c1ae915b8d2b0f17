/**
 * Scale benchmark of the DuckDB engine (issue 21), run by `bench/scale.ts --duckdb`: DuckDB
 * generates N rows (default 10⁷) into Parquet and CSV — Gaussian: 1,000 cells (g1 × g2, 50 × 20)
 * and one continuous covariate x; Bernoulli: 2,000 covariate patterns (g1 × g2 × treat) — then,
 * each in its own process so that each peak RSS is its own, the data are aggregated by DuckDB
 * and the model compiled from the aggregate: load + compile time and peak resident memory.
 * `--fit` also samples (2 chains, 300 + 300), for the end-to-end run (e.g. 10⁸ rows in Parquet).
 * Writes bench/results/scale_duckdb.json. Not a test: nothing here asserts timing.
 *
 *   deno run -A bench/scale.ts --duckdb [rows] [--formats parquet,csv] [--fit] [--dir DIR]
 */
import { connectDuckDB, duckdbAggregate, duckdbSource } from "../lib/engine/duckdb_engine.ts";
import { compileModel } from "../lib/model/compile.ts";
import { formula } from "../lib/spec/formula.ts";
import { fitModel } from "../lib/fit/mod.ts";
import { makeTable } from "../lib/data/table.ts";
import type { Family } from "../lib/spec/model_spec.ts";
import { peakRssMb, runScaleProcess, writeResults } from "./_scale_common.ts";

const MB = 2 ** 20;
const FORMULAS: Record<"gaussian" | "bernoulli", string> = {
  gaussian: "y ~ 1 + x + treat + (1 + treat | g1) + (1 | g2)",
  bernoulli: "y ~ 1 + treat + (1 + treat | g1) + (1 | g2)",
};

/** DuckDB SQL generating the rows (hash-based noise, so the same N gives the same data). */
function generator(family: "gaussian" | "bernoulli", rows: number): string {
  // u(k): a uniform in (0, 1) from a hash of the row and a stream k.
  const u = (k: number) => `((hash(i * 7 + ${k}) % 1000000) + 0.5) / 1000000.0`;
  const normal = (k: number) => `sqrt(-2 * ln(${u(k)})) * cos(2 * pi() * ${u(k + 1)})`;
  const base = `SELECT i, i % 50 AS g1, 'c' || ((i // 50) % 20) AS g2, ` +
    `CAST(hash(i * 7 + 5) % 2 AS DOUBLE) AS treat, ${normal(1)} AS x, ` +
    `0.3 + (0.2 + 0.01 * (i % 50)) * CAST(hash(i * 7 + 5) % 2 AS DOUBLE) + ` +
    `0.05 * ((i // 50) % 20) AS eta FROM range(${rows}) t(i)`;
  return family === "gaussian"
    ? `SELECT g1, g2, treat, x, eta + 0.4 * x + ${normal(3)} AS y FROM (${base})`
    : `SELECT g1, g2, treat, CASE WHEN ${u(3)} < 1 / (1 + exp(-(eta - 0.8))) THEN 1 ELSE 0 END ` +
      `AS y FROM (${base})`;
}

/** Write each family's rows as Parquet and CSV (DuckDB's COPY), reusing files already there. */
async function generate(dir: string, rows: number, formats: string[]) {
  const con = await connectDuckDB();
  for (const family of ["gaussian", "bernoulli"] as const) {
    for (const format of formats) {
      const path = `${dir}/${family}_${rows}.${format}`;
      if (await Deno.stat(path).then(() => true, () => false)) continue;
      const t0 = performance.now();
      await con.runAndReadAll(
        `COPY (${generator(family, rows)}) TO '${path}' (FORMAT ${format})`,
      );
      console.error(`generated ${path} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  }
}

/** One family and format in this process: aggregate, compile (and fit with --fit). */
async function runOne(path: string, family: "gaussian" | "bernoulli", fit: boolean) {
  const t0 = performance.now();
  const con = await connectDuckDB();
  // A one-row stand-in table with the formula's columns for the spec (the rows stay in DuckDB).
  const stub = makeTable({
    y: { kind: "number", values: new Float64Array([0, 1]) },
    x: { kind: "number", values: new Float64Array([0, 1]) },
    treat: { kind: "number", values: new Float64Array([0, 1]) },
    g1: { kind: "number", values: new Float64Array([0, 1]) },
    g2: { kind: "factor", codes: new Int32Array([0, 1]), levels: ["a", "b"] },
  });
  const spec = formula(FORMULAS[family], stub, { family: family as Family }).toJSON();
  const agg = await duckdbAggregate(con, spec, duckdbSource(path));
  const aggregated = performance.now();
  const data = compileModel(spec, agg.table, { aggregated: true });
  const compiled = performance.now();
  const result: Record<string, unknown> = {
    family,
    file: path.split("/").pop(),
    file_mb: (await Deno.stat(path)).size / MB,
    rows: agg.rowsScanned,
    aggregate_rows: agg.table.nRows,
    compressed_to: data.stats.kind === "cells" ? data.nCells : data.stats.nPatterns,
    compressed_kind: data.stats.kind === "cells" ? "cells" : "covariate patterns",
    aggregate_s: (aggregated - t0) / 1000,
    compile_s: (compiled - aggregated) / 1000,
    load_compile_s: (compiled - t0) / 1000,
    peak_rss_mb: await peakRssMb(),
  };
  if (fit) {
    const f = await fitModel(spec, agg.table, {
      aggregated: true,
      chains: 2,
      warmup: 300,
      draws: 300,
      seed: 1,
      progress: false,
    });
    const d = f.diagnostics();
    Object.assign(result, {
      fit_total_s: f.info.timing.total_s,
      max_rhat: d.max_rhat,
      min_ess_bulk: d.min_ess_bulk,
      divergences: d.divergences,
      b_treat_mean: f.summary().find((p) => p.name === "b_treat")?.mean ?? null,
      peak_rss_after_fit_mb: await peakRssMb(),
    });
  }
  return result;
}

/** `bench/scale.ts --duckdb …`: generate, then one subprocess per family and format. */
export async function scaleDuckDB(args: string[]): Promise<void> {
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const one = flag("--one");
  if (one !== undefined) {
    const [path, family] = one.split("::");
    const r = await runOne(path, family as "gaussian" | "bernoulli", args.includes("--fit"));
    console.log(JSON.stringify(r));
    return;
  }
  const rows = Number(args.find((a) => /^\d+(e\d+)?$/.test(a)) ?? 1e7);
  const formats = (flag("--formats") ?? "parquet,csv").split(",");
  const dir = flag("--dir") ?? await Deno.makeTempDir({ prefix: "hetfx_scale_" });
  await generate(dir, rows, formats);
  const results = [];
  for (const family of ["gaussian", "bernoulli"]) {
    for (const format of formats) {
      const path = `${dir}/${family}_${rows}.${format}`;
      results.push(
        await runScaleProcess([
          "--duckdb",
          "--one",
          `${path}::${family}`,
          ...(args.includes("--fit") ? ["--fit"] : []),
        ]),
      );
    }
  }
  if (flag("--dir") === undefined) await Deno.remove(dir, { recursive: true });
  await writeResults("scale_duckdb.json", { rows, results });
}
