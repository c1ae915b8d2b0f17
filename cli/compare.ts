/**
 * `deno task compare <data.csv> --formula "<brms formula>" [options]` — the seed paper's Table 1
 * on any data: each group's treatment effect by OLS with interactions (HC2), by subgroup
 * difference in means, and by the hierarchical model, side by side, with a shrinkage summary.
 * The data file, formula, priors and sampler options are read exactly as `deno task fit` reads
 * them. With no data file and no --formula it runs the paper's own Tomz & Weeks model.
 */
import { inCliText, reportUserError } from "./_errors.ts";
import { checkOutPath, writeOut } from "./_out_path.ts";
import { flagOptions, parseCommandLine, stringOptions, wholeNumber } from "./_args.ts";
import { HetfxError } from "../lib/errors.ts";
import { loadTomzWeeks } from "../lib/data/datasets/tomz_weeks.ts";
import { shippedDataPath } from "../lib/data/datasets/shipped_data.ts";
import { PAPER_SAMPLER, tomzWeeksModel } from "../lib/spec/paper_models.ts";
import { compare, type Comparison, formatComparison } from "../lib/posterior/compare.ts";
import { buildModel, MAX_CHAINS, parseCli, refuseFitOnly, specSummary } from "./fit.ts";

const MAX = Number.MAX_SAFE_INTEGER;

export const USAGE = `Usage: deno task compare <data.csv> --formula "<brms formula>" [options]
       deno task compare [--chains N --warmup N --draws N --seed N --out FILE --force]
                         (no data file: the paper's Tomz & Weeks model and sampler settings)

Each group's treatment effect by three methods: OLS with treatment × modifier interactions
(HC2 standard errors), the difference in means within the group, and the hierarchical model.
The model needs a 0/1 treatment that varies by group, e.g. "y ~ 1 + treat + (1 + treat | g)".
The interaction column is OLS on the formula's population-level terms: write the modifiers'
interactions with the treatment there, as the paper does, e.g.
"y ~ treat * (m1 + m2) + (1 + treat | m1:m2)"; with "y ~ 1 + treat" it is one common effect.

  --formula TEXT        brms formula (required with a data file)
  --family NAME         any of deno task fit's (default gaussian); --link NAME as there
  --treatment COLUMN    which varying slope is the treatment (default: the formula's first)
  --weights COLUMN      likelihood weights, as "y | weights(w) ~ …" (default: none); every
                        method uses them: weighted least squares with HC2, weighted
                        differences in means with HC2, and the weighted model
  --prior "CLASS ~ D"   a prior, repeatable, as for deno task fit (default: brms's defaults)
  --levels COL=A,B,C    level order of a text column, the first the reference; repeatable
                        (default: sorted as R sorts them)
  --recode NAME         tomz-weeks | bush-prather (default: none)
  --factor A,B          read these columns as factors, repeatable (default: none)
  --encoding NAME       the CSV's encoding, as for deno task fit (default utf-8)
  --drop-missing        drop rows with missing values in the model's columns (default: off)
  --bin COL=K|B0,B1,…   add the factor COL_bin (K quantile bins or these cut points), as for
                        deno task fit, repeatable (default: none)
  --chains N            (default 4)          --warmup N   (default 1000)
  --draws N             (default 1000)       --seed N     (default 1)
  --adapt-delta X       (default 0.8)        --max-treedepth N (default 10)
  --metric M            auto|diag|dense (default auto)  --backend auto|cpu|webgpu (default auto)
  --parameterization P  auto | centered | noncentered (default auto)
  --sd-scale S          auto | signed | log (default auto)
  --method M            auto | nuts | collapsed (default auto)   --warmup-start laplace|stan
  --workers N           threads for the chains (default: min(chains, cores))
  --out FILE            write the table, the OLS fit and the shrinkage summary as JSON; an
                        existing file is replaced only when empty or a result hetfx wrote
  --force               let --out replace any existing file (never the data file)
  --no-progress         no progress display (default: progress on stderr)
  --help                this text

deno task fit --help lists the families' parameters and every prior distribution.`;

/** The comparison on the user's data and formula. */
async function dataComparison(argv: string[]): Promise<{ result: Comparison; out?: string }> {
  const args = parseCli(argv, USAGE);
  if (args === "help") throw new Error("unreachable: --help is handled first");
  refuseFitOnly(args, "compare", USAGE);
  if (args.aggregated || args.engine === "duckdb") {
    throw new HetfxError(
      `Option ${args.aggregated ? "--aggregated" : "--engine duckdb"} does not apply to ` +
        "deno task compare: its OLS and subgroup columns are computed from the individual rows, " +
        "so it reads them in memory; give the rows as a CSV.",
    );
  }
  if (args.out !== undefined) {
    await checkOutPath(args.out, { input: args.data, force: args.force });
  }
  // The rows in memory whatever the file's size (DuckDB would hand the model an aggregate).
  const builder = await buildModel({ ...args, engine: "memory" });
  console.log(specSummary(builder.toJSON(), builder.table));
  const { keepPartial: _, ...fit } = args.fit;
  return { result: await compare(builder, { fit }), out: args.out };
}

/** The paper's Table 1: Tomz & Weeks with the paper's priors and sampler settings. */
async function paperComparison(argv: string[]): Promise<{ result: Comparison; out?: string }> {
  const options = {
    ...stringOptions("data", "chains", "warmup", "draws", "seed", "out"),
    ...flagOptions("no-progress", "force"),
  };
  const { values: v, positionals } = parseCommandLine(argv, options, "compare");
  if (positionals.length > 0) {
    throw new HetfxError(
      `Missing --formula: with a data file (${positionals.join(", ")}), give the model, e.g. ` +
        `--formula "y ~ 1 + treat + (1 + treat | g)".\n\n${USAGE}`,
    );
  }
  if (v.force && v.out === undefined) {
    throw new HetfxError(
      "Option --force only applies with --out (it lets --out replace an existing file); add " +
        "--out FILE or leave --force out.",
    );
  }
  // The file read, shipped or --data: --out must not overwrite it, even with --force.
  const data = v.data ?? shippedDataPath("tomz_weeks_2017.csv");
  if (v.out !== undefined) await checkOutPath(v.out, { input: data, force: v.force });
  const table = await loadTomzWeeks(data);
  const result = await compare(tomzWeeksModel(table), {
    fit: {
      ...PAPER_SAMPLER,
      chains: wholeNumber("chains", v.chains, 1, MAX_CHAINS) ?? PAPER_SAMPLER.chains,
      warmup: wholeNumber("warmup", v.warmup, 0, MAX) ?? PAPER_SAMPLER.warmup,
      draws: wholeNumber("draws", v.draws, 1, MAX) ?? PAPER_SAMPLER.draws,
      seed: wholeNumber("seed", v.seed, -MAX, MAX) ?? 1,
      progress: !(v["no-progress"] ?? false),
    },
  });
  return { result, out: v.out };
}

/** Run the CLI; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  try {
    if (argv.includes("--help") || argv.includes("-h")) {
      console.log(USAGE);
      return 0;
    }
    const withFormula = argv.some((a) => a === "--formula" || a.startsWith("--formula="));
    const { result, out } = withFormula ? await dataComparison(argv) : await paperComparison(argv);
    console.log(formatComparison(result));
    // The hierarchical column is a posterior: its convergence checks, as fit prints them.
    const warnings = result.fit.warnings();
    // Their advice worded as flags (--adapt-delta, not adaptDelta), as fit prints it.
    for (const w of warnings) console.log(`WARNING: ${inCliText(w)}`);
    if (out) {
      const { fit, ols, ...rest } = result;
      const json = {
        ...rest,
        diagnostics: fit.diagnostics(),
        warnings,
        ols: { names: ols.names, coef: [...ols.coef], se: [...ols.se] },
      };
      await writeOut(out, JSON.stringify(json, null, 2) + "\n");
      console.log(`Wrote ${out}`);
    }
    return 0;
  } catch (error) {
    return reportUserError(error);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
