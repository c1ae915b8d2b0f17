/**
 * `deno task sbc data.csv --formula … [--family …] [--prior …] --sims N [--out sbc.json]`:
 * simulation-based calibration of a model on the design of a data file. The formula, family,
 * prior and sampler flags are `deno task fit`'s (parsed by its parseCli); --sims,
 * --thinned-draws and --workers are this command's. The JSON holds sims, time_s, warnings_share and
 * parameters[] with name, ranks, p_uniform, p_uniform_holm and ecdf_in_bands.
 */
import { HetfxError } from "../lib/errors.ts";
import { sbc, type SbcResult } from "../lib/calibration/sbc.ts";
import { FIT_DEFAULTS } from "../lib/fit/options.ts";
import { buildModel, parseCli, refuseFitOnly } from "./fit.ts";
import { reportUserError } from "./_errors.ts";
import { checkOutPath, writeOut } from "./_out_path.ts";
import { refuseRepeated, stringOptions, wholeNumber } from "./_args.ts";

export const SBC_USAGE =
  `Usage: deno task sbc <data.csv> --formula "<brms formula>" --sims N [options]

Simulation-based calibration on the data file's design (its outcome is replaced by outcomes
simulated from the prior). Takes deno task fit's --formula, --family, --prior and sampler
options, and:
  --sims N              simulated data sets (default 100)
  --thinned-draws L     posterior draws ranked per fit, at most chains × draws (default 99:
                        ranks 0…99)
  --workers W           simulations fitted in parallel threads (default: CPU cores)
  --out FILE            write the result as JSON; an existing file is replaced only when
                        empty or a result hetfx wrote
  --force               let --out replace any existing file (never the data file)

The data are read as deno task fit reads them (--recode, --levels, --factor, --encoding,
--drop-missing, --bin, --treatment, --reference apply); --effects-by, --dry-run,
--keep-partial, --aggregated and --engine duckdb are refused (outcomes are simulated per row),
and so are likelihood weights (--weights: a weighted likelihood simulates no data).

Exit status: 0 when every simulation ran, whatever the calibration shows (read p_uniform and
ecdf_in_bands; a fit that failed once and was run again is listed); 2 on bad input (one
"Error: …" line, as deno task fit); 130 when interrupted (Ctrl-C); 1 on an internal error.`;

/** This command's own options and the least value of each. */
const LEAST = { sims: 2, "thinned-draws": 1, workers: 1 } as const;
const OWN_OPTIONS = stringOptions("sims", "thinned-draws", "workers");

/**
 * Splits this command's own options off (each a whole number, given once); the rest goes to
 * fit's parser.
 */
export function parseSbcArgs(
  argv: string[],
): { sims: number; thinnedDraws: number; workers?: number; rest: string[] } | "help" {
  const rest: string[] = [];
  const tokens: { kind: "option"; name: keyof typeof LEAST; value: string }[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith("--") ? a.split("=", 2) : [a, undefined];
    if (flag === "--help") return "help";
    const name = flag.slice(2);
    if (!flag.startsWith("--") || !Object.hasOwn(LEAST, name)) {
      rest.push(a);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) {
      throw new HetfxError(`Option ${flag} needs a value, e.g. ${flag} 4.`);
    }
    tokens.push({ kind: "option", name: name as keyof typeof LEAST, value });
  }
  refuseRepeated(tokens, OWN_OPTIONS);
  const own = (name: keyof typeof LEAST) =>
    wholeNumber(
      name,
      tokens.find((t) => t.name === name)?.value,
      LEAST[name],
      Number.MAX_SAFE_INTEGER,
    );
  return {
    sims: own("sims") ?? 100,
    thinnedDraws: own("thinned-draws") ?? 99,
    workers: own("workers"),
    rest,
  };
}

export async function main(argv: string[]): Promise<number> {
  try {
    const own = parseSbcArgs(argv);
    if (own === "help") {
      console.log(SBC_USAGE);
      return 0;
    }
    const args = parseCli(own.rest, SBC_USAGE);
    if (args === "help") {
      console.log(SBC_USAGE);
      return 0;
    }
    // Ranks among more thinned draws than a fit has would repeat draws (ranks in steps).
    const chains = args.fit.chains ?? FIT_DEFAULTS.chains;
    const draws = args.fit.draws ?? FIT_DEFAULTS.draws;
    if (own.thinnedDraws > chains * draws) {
      throw new HetfxError(
        `Option --thinned-draws ${own.thinnedDraws}${
          argv.some((a) => a.startsWith("--thinned-draws")) ? "" : " (the default)"
        } exceeds the ${chains * draws} posterior draws of each fit (--chains ${chains} × ` +
          `--draws ${draws}); give --thinned-draws ${chains * draws} or less, or more --chains ` +
          "or --draws.",
      );
    }
    if (args.out !== undefined) {
      await checkOutPath(args.out, { input: args.data, force: args.force });
    }
    // Outcomes are simulated row by row: the rows must be in memory, not aggregated.
    refuseFitOnly(args, "sbc", SBC_USAGE, {
      "--aggregated": args.aggregated,
      "--engine duckdb": args.engine === "duckdb",
    });
    // The data as deno task fit reads them: --recode, --levels, --factor, --encoding,
    // --drop-missing, --link, --treatment and --reference all apply (sbc refuses --weights).
    const builder = await buildModel({ ...args, engine: "memory" });
    const controller = new AbortController();
    const onInterrupt = () => controller.abort();
    Deno.addSignalListener("SIGINT", onInterrupt);
    const { seed, progress, keepPartial: _, ...fit } = args.fit;
    let result: SbcResult;
    try {
      result = await sbc(builder.toJSON(), builder.table, {
        sims: own.sims,
        thinnedDraws: own.thinnedDraws,
        workers: own.workers,
        seed: seed ?? 1,
        fit,
        signal: controller.signal,
        onProgress: progress
          ? (done, total) =>
            Deno.stderr.writeSync(new TextEncoder().encode(`\rSBC ${done}/${total}`))
          : undefined,
      });
    } catch (error) {
      if (!controller.signal.aborted) throw error;
      console.error("\nInterrupted: SBC cancelled (Ctrl-C); no results written.");
      return 130;
    } finally {
      Deno.removeSignalListener("SIGINT", onInterrupt);
    }
    if (progress) console.error("");
    console.log(
      `${result.sims} simulations in ${result.time_s.toFixed(1)} s; ` +
        `${(100 * result.warnings_share).toFixed(0)}% of fits had warnings.`,
    );
    for (const r of result.refits) {
      console.log(`Simulation ${r.sim}: the first fit failed and was run again (${r.error})`);
    }
    for (const p of result.parameters) {
      console.log(
        `${p.name.padEnd(40)} p_uniform ${p.p_uniform.toFixed(3)}  p_holm ${
          (p.p_uniform_holm ?? NaN).toFixed(3)
        }  ECDF ${p.ecdf_in_bands ? "inside" : "OUTSIDE"} bands`,
      );
    }
    const P = result.parameters.length;
    if (P > 1) {
      console.log(
        `Each parameter is tested alone: for a calibrated model about 5% of the ${P} p_uniform ` +
          "fall below 0.05, and of the ECDFs outside their 95% bands, by chance; p_holm " +
          `(p_uniform adjusted by Holm for the ${P} tests) below 0.05 is the evidence of ` +
          "miscalibration.",
      );
    }
    if (args.out !== undefined) {
      await writeOut(args.out, JSON.stringify(result, null, 2) + "\n");
    }
    return 0;
  } catch (error) {
    return reportUserError(error);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
