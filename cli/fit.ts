/**
 * `deno task fit <data.csv> --formula "<brms formula>" [options]` — fit a model from the
 * command line, print a summary (progress on stderr) and, with --out, write the DESIGN.md JSON.
 * Bad input exits with status 2 and the HetfxError message, never a stack trace.
 */
import { reportUserError } from "./_errors.ts";
import { parseArgs } from "node:util";
import { dirname } from "node:path";
import { closestName, HetfxError } from "../lib/errors.ts";
import { loadTable } from "../lib/data/load_table.ts";
import { prepareTomzWeeks } from "../lib/data/datasets/tomz_weeks.ts";
import { prepareBushPrather } from "../lib/data/datasets/bush_prather.ts";
import { formatGroupSummary, groups } from "../lib/data/groups.ts";
import { getColumn, type Table } from "../lib/data/table.ts";
import { formula } from "../lib/spec/formula.ts";
import { formatPrior, parsePrior } from "../lib/spec/priors.ts";
import type { Family, ModelSpec } from "../lib/spec/model_spec.ts";
import type { Fit, FitOptions } from "../lib/posterior/fit.ts";
import { formatFitSummary } from "../lib/posterior/format_summary.ts";
import { type EffectEstimate, effectsToJSON } from "../lib/posterior/effects.ts";
import { dropMissingRows } from "../lib/data/missing.ts";
import { compileModel, usedColumns } from "../lib/model/compile.ts";

export const USAGE = `Usage: deno task fit <data.csv> --formula "<brms formula>" [options]

  --formula TEXT        brms formula, e.g. "y ~ 1 + x + (1 + treat | g)" (required)
  --family NAME         gaussian | bernoulli | binomial | poisson | student (default gaussian)
  --recode NAME         apply a documented data preparation first: tomz-weeks | bush-prather
  --drop-missing        drop rows with missing values in the model's columns (reported)
  --prior "CLASS ~ D"   a prior, repeatable: "b ~ normal(0, 0.5)", "sd ~ normal(0, 1)",
                        "b[alliance] ~ normal(0, 1)", "cor ~ lkj(1)", "sigma ~ exponential(1)"
  --chains N            (default 4)        --warmup N   (default 1000)
  --draws N             (default 1000)     --seed N     (default 1)
  --adapt-delta X       target acceptance in (0, 1) (default 0.8; the paper uses 0.95)
  --max-treedepth N     (default 10)       --metric diag|dense (default diag)
  --backend NAME        auto | cpu | webgpu (default auto)
  --parameterization P  auto | centered | noncentered: varying effects (default auto: chosen
                        per term from the data; recorded in the JSON)
  --sd-scale S          auto | signed | log: how NUTS/WebGPU hold the sds of non-centred terms
                        (default auto: signed scales where the prior is symmetric about 0)
  --out FILE            write the result as JSON
  --effects-by A,B      print the treatment effect (ATE, then per observed A×B cell) and add
                        it to the JSON
  --dry-run             build and check the model, print its summary, do not sample
  --no-progress         no progress display
  --keep-partial        on Ctrl-C, print and write (--out) the result of the draws so far
                        (marked partial), then exit 130
  --help                this text`;

export interface CliArgs {
  data: string;
  formula: string;
  family: Family;
  recode?: string;
  dropMissing: boolean;
  priors: string[];
  fit: FitOptions;
  out?: string;
  dryRun: boolean;
  /** Columns for the JSON `effects` array (undefined: no effects array). */
  effectsBy?: string[];
}

function integer(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value)) {
    throw new HetfxError(`Option --${name} expects a whole number, got "${text}".`);
  }
  return value;
}

/** Parse the command line into options; HetfxError on anything malformed. */
export function parseCli(argv: string[]): CliArgs | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        formula: { type: "string" },
        family: { type: "string" },
        recode: { type: "string" },
        "drop-missing": { type: "boolean" },
        prior: { type: "string", multiple: true },
        chains: { type: "string" },
        warmup: { type: "string" },
        draws: { type: "string" },
        seed: { type: "string" },
        "adapt-delta": { type: "string" },
        "max-treedepth": { type: "string" },
        metric: { type: "string" },
        backend: { type: "string" },
        parameterization: { type: "string" },
        "sd-scale": { type: "string" },
        out: { type: "string" },
        "effects-by": { type: "string" },
        "dry-run": { type: "boolean" },
        "no-progress": { type: "boolean" },
        "keep-partial": { type: "boolean" },
        help: { type: "boolean" },
      },
    });
  } catch (error) {
    const unknown = /^Unknown option '--([^']+)'/.exec((error as Error).message)?.[1];
    if (unknown === undefined) throw new HetfxError(`${(error as Error).message}\n\n${USAGE}`);
    const close = closestName(unknown, [...USAGE.matchAll(/--([a-z-]+)/g)].map((m) => m[1]));
    throw new HetfxError(
      `Unknown option --${unknown}${close === undefined ? "" : `; did you mean --${close}?`}` +
        `\n\n${USAGE}`,
    );
  }
  const v = parsed.values;
  if (v.help) return "help";
  if (parsed.positionals.length !== 1) {
    throw new HetfxError(
      `Expected exactly one data file, got ${parsed.positionals.length}.\n\n${USAGE}`,
    );
  }
  if (!v.formula) throw new HetfxError(`Missing --formula.\n\n${USAGE}`);
  const adaptDelta = v["adapt-delta"] === undefined ? undefined : Number(v["adapt-delta"]);
  if (adaptDelta !== undefined && Number.isNaN(adaptDelta)) {
    throw new HetfxError(`Option --adapt-delta expects a number, got "${v["adapt-delta"]}".`);
  }
  return {
    data: parsed.positionals[0],
    formula: v.formula,
    family: (v.family ?? "gaussian") as Family,
    recode: v.recode,
    dropMissing: v["drop-missing"] ?? false,
    priors: v.prior ?? [],
    out: v.out,
    effectsBy: v["effects-by"] === undefined
      ? undefined
      : v["effects-by"].split(",").map((c) => c.trim()).filter((c) => c !== ""),
    dryRun: v["dry-run"] ?? false,
    fit: {
      chains: integer("chains", v.chains),
      warmup: integer("warmup", v.warmup),
      draws: integer("draws", v.draws),
      seed: integer("seed", v.seed),
      adaptDelta,
      maxTreedepth: integer("max-treedepth", v["max-treedepth"]),
      metric: v.metric as FitOptions["metric"],
      backend: v.backend as FitOptions["backend"],
      parameterization: v.parameterization as FitOptions["parameterization"],
      sdScale: v["sd-scale"] as FitOptions["sdScale"],
      progress: !(v["no-progress"] ?? false),
      keepPartial: v["keep-partial"] ?? false,
    },
  };
}

const RECODES: Record<string, (t: Table) => Table> = {
  "tomz-weeks": prepareTomzWeeks,
  "bush-prather": prepareBushPrather,
};

/** Describe the model before sampling: rows, groups and sizes, terms, priors. */
export function specSummary(spec: ModelSpec, table: Table): string {
  const lines = [
    `Model: ${spec.family}, outcome ${spec.outcome}, ${table.nRows} rows`,
    `Population-level terms: ${spec.intercept ? "Intercept, " : ""}${spec.terms.join(", ")}`,
    `Treatment: ${spec.treatment ?? "(none)"}`,
  ];
  for (const g of spec.groupTerms) {
    const summary = groups(table).by(...g.factors).summary();
    lines.push(
      `Varying ${[g.intercept ? "Intercept" : "", ...g.slopes].filter(Boolean).join(" + ")} ` +
        `by ${g.group}${g.correlated ? "" : " (uncorrelated)"}: ${summary.nGroups} groups, ` +
        `sizes ${summary.minSize}–${summary.maxSize}`,
      formatGroupSummary(summary, 10).split("\n").map((l) => "  " + l).join("\n"),
    );
  }
  lines.push(
    "Priors given: " +
      (spec.priors.length
        ? spec.priors.map((p) =>
          `${p.class}${p.coef || p.group ? `[${p.coef ?? p.group}]` : ""} ~ ${formatPrior(p.prior)}`
        ).join("; ")
        : "none (brms-style defaults)"),
  );
  return lines.join("\n");
}

/**
 * Refuse an --out path that cannot be written before any sampling is spent: its folder must
 * exist and the path must not be a folder.
 */
export async function checkOutPath(out: string): Promise<void> {
  if (out.trim() === "") throw new HetfxError("Option --out needs a file name, e.g. result.json.");
  const folder = out.endsWith("/") ? out : dirname(out);
  const kind = async (path: string) => {
    try {
      return (await Deno.stat(path)).isDirectory ? "folder" : "file";
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return "none";
      throw new HetfxError(`Cannot write --out ${out}: ${(error as Error).message}.`);
    }
  };
  const folderKind = await kind(folder);
  if (folderKind !== "folder") {
    throw new HetfxError(
      `Cannot write --out ${out}: ${
        folderKind === "none" ? `the folder "${folder}" does not exist` : `"${folder}" is a file`
      }; create the folder first (mkdir -p ${folder}) or choose another path.`,
    );
  }
  if (await kind(out) === "folder") {
    throw new HetfxError(
      `Cannot write --out ${out}: it is a folder; give a file name, e.g. ${
        out.replace(/\/?$/, "/result.json")
      }.`,
    );
  }
}

/** Check --effects-by before sampling: the model needs a treatment and the columns must exist. */
export function checkEffectsBy(spec: ModelSpec, table: Table, by: readonly string[]): void {
  if (spec.treatment === null) {
    throw new HetfxError(
      "Cannot compute --effects-by: the model has no treatment. The treatment is the first " +
        'slope that varies by group, e.g. "y ~ 1 + treat + (1 + treat | g)".',
    );
  }
  for (const column of by) getColumn(table, column, "Cannot compute --effects-by");
}

/** The --effects-by estimates as text: the ATE, then one line per cell. */
export function formatEffects(list: readonly EffectEstimate[], treatment: string): string {
  const number = (v: number) => v.toFixed(3);
  const lines = list.map((e) => {
    const cell = Object.entries(e.by).map(([k, v]) => `${k}=${v}`).join(", ") || "all rows (ATE)";
    return `  ${cell}: ${number(e.mean)} [${number(e["q2.5"])}, ${number(e["q97.5"])}], n = ${e.n}`;
  });
  return [`Effect of ${treatment} (${list[0]?.scale ?? "response"} scale; mean [95% interval]):`]
    .concat(lines).join("\n");
}

/** Run the CLI; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  try {
    const args = parseCli(argv);
    if (args === "help") {
      console.log(USAGE);
      return 0;
    }
    if (args.out !== undefined) await checkOutPath(args.out);
    let table = await loadTable(args.data);
    if (args.recode !== undefined) {
      const recode = RECODES[args.recode];
      if (!recode) {
        throw new HetfxError(
          `Unknown --recode "${args.recode}"; available: ${Object.keys(RECODES).join(", ")}.`,
        );
      }
      table = recode(table);
    }
    let builder = formula(args.formula, table, { family: args.family });
    if (args.dropMissing) {
      const dropped = dropMissingRows(table, usedColumns(builder.toJSON()));
      if (dropped.droppedRows > 0) {
        const where = Object.entries(dropped.byColumn).filter(([, n]) => n > 0)
          .map(([c, n]) => `${c}: ${n}`).join(", ");
        console.log(`Dropped ${dropped.droppedRows} rows with missing values (${where}).`);
      }
      table = dropped.table;
      builder = formula(args.formula, table, { family: args.family });
    }
    for (const p of args.priors.map(parsePrior)) {
      builder = builder.prior(p.class, p.prior, { coef: p.coef, group: p.group });
    }
    const spec = builder.toJSON();
    if (args.effectsBy !== undefined) checkEffectsBy(spec, builder.table, args.effectsBy);
    console.log(specSummary(spec, builder.table));
    if (args.dryRun) {
      const data = compileModel(spec, builder.table);
      for (const w of data.warnings ?? []) console.log(`WARNING: ${w}`);
      console.log(`Model checked: ${data.dim} parameters; dry run, nothing sampled.`);
      return 0;
    }
    // Ctrl-C stops sampling promptly (exit 130, the shell's convention for SIGINT); with
    // --keep-partial the draws so far are summarised and written first.
    const controller = new AbortController();
    const onInterrupt = () => controller.abort();
    Deno.addSignalListener("SIGINT", onInterrupt);
    let fit: Fit;
    try {
      fit = await builder.fit({ ...args.fit, signal: controller.signal });
    } catch (error) {
      if (!controller.signal.aborted) throw error;
      console.error(
        args.fit.keepPartial
          ? `Interrupted (Ctrl-C): ${(error as Error).message.replace(/\.?$/, ".")} ` +
            "No results written."
          : "Interrupted: sampling cancelled (Ctrl-C); no results written.",
      );
      return 130;
    } finally {
      Deno.removeSignalListener("SIGINT", onInterrupt);
    }
    const partial = fit.info.cancelled === true;
    if (partial) {
      console.error(
        `Interrupted: sampling cancelled (Ctrl-C); partial result from ` +
          `${fit.chains[0].logDensity.length} of ${fit.info.options.draws} draws per chain.`,
      );
    }
    console.log(inCliText(formatFitSummary(fit)));
    const effects = args.effectsBy === undefined ? undefined : fit.effects({ by: args.effectsBy });
    if (effects !== undefined) console.log(formatEffects(effects, fit.spec.treatment ?? ""));
    if (args.out) {
      const json = effects === undefined
        ? fit.toJSON()
        : { ...fit.toJSON(), effects: effectsToJSON(effects) };
      try {
        await Deno.writeTextFile(args.out, JSON.stringify(json, null, 2) + "\n");
      } catch (error) {
        throw new HetfxError(`Cannot write --out ${args.out}: ${(error as Error).message}.`);
      }
      console.log(`Wrote ${args.out}`);
    }
    return partial ? 130 : 0;
  } catch (error) {
    return reportUserError(inCliTerms(error));
  }
}

/** Library option names and the flags that set them. */
const FLAGS: Record<string, string> = {
  chains: "--chains",
  warmup: "--warmup",
  draws: "--draws",
  seed: "--seed",
  adaptDelta: "--adapt-delta",
  maxTreedepth: "--max-treedepth",
  metric: "--metric",
  backend: "--backend",
  parameterization: "--parameterization",
  sdScale: "--sd-scale",
};

/**
 * A library error worded for the command line: option names become flags, and the advice to
 * call loadTable with dropMissing becomes --drop-missing.
 */
export function inCliTerms(error: unknown): unknown {
  if (!(error instanceof HetfxError)) return error;
  const message = inCliText(
    error.message
      .replace(
        /\boption (\w+) = /,
        (all, name: string) => Object.hasOwn(FLAGS, name) ? `${FLAGS[name]} ` : all,
      )
      .replace(
        /Drop incomplete rows first: loadTable\(source, \{ dropMissing: true \}\)[^]*$/,
        "Rerun with --drop-missing to drop the rows with a missing value in the model's " +
          "columns (they are counted and reported), or fill those values in.",
      )
      // --drop-missing already looks at the model's columns only.
      .replace(/, and if some are not model columns, drop missing values only in[^]*$/, "."),
  );
  return message === error.message ? error : new HetfxError(message);
}

/** Advice in text (warnings, messages) that names sampler options, worded as flags. */
export function inCliText(text: string): string {
  return text.replace(/\badaptDelta\b/g, "--adapt-delta")
    .replace(/\bmaxTreedepth\b/g, "--max-treedepth");
}

if (import.meta.main) Deno.exit(await main(Deno.args));
