/**
 * `deno task fit <data.csv> --formula "<brms formula>" [options]` — fit a model from the
 * command line, print a summary (progress on stderr) and, with --out, write the result as JSON
 * (README, "JSON output").
 * Bad input exits with status 2 and the HetfxError message, never a stack trace.
 */
import { inCliText, reportUserError } from "./_errors.ts";
import { checkOutPath, writeOut } from "./_out_path.ts";
import {
  choice,
  columnList,
  flagOptions,
  joinNegativeValues,
  nonEmpty,
  parseCommandLine,
  realNumber,
  stringOptions,
  wholeNumber,
} from "./_args.ts";
import { HetfxError } from "../lib/errors.ts";
import { loadTable } from "../lib/data/load_table.ts";
import { dropUnusedLevels } from "../lib/data/factor.ts";
import { encodingName, type TextEncodingName } from "../lib/data/text_encoding.ts";
import { checkDrawMemory } from "../lib/sampler/draw_memory.ts";
import { prepareTomzWeeks } from "../lib/data/datasets/tomz_weeks.ts";
import { prepareBushPrather } from "../lib/data/datasets/bush_prather.ts";
import { formatGroupSummary, groups } from "../lib/data/groups.ts";
import { getColumn, type Table, withColumn } from "../lib/data/table.ts";
import { formula, formulaColumns, type FormulaOptions } from "../lib/spec/formula.ts";
import {
  contrastText,
  namesContrasts,
  type TreatmentContrast,
  treatmentContrasts,
} from "../lib/spec/treatment_coding.ts";
import type { HierBuilder } from "../lib/spec/hier.ts";
import { formatPrior, parsePrior, PRIOR_CLASSES, PRIOR_DISTRIBUTIONS } from "../lib/spec/priors.ts";
import {
  DEFAULT_FAMILY,
  type Family,
  FAMILY_ROLES,
  type ModelSpec,
  type PriorSpec,
} from "../lib/spec/model_spec.ts";
import "../lib/fit/mod.ts"; // adds .fit() to the builders of lib/spec
import type { Fit, FitOptions } from "../lib/fit/mod.ts";
import { formatFitSummary } from "../lib/posterior/format_summary.ts";
import { type EffectEstimate, effectsToJSON } from "../lib/posterior/effects.ts";
import { compileModel, usedColumns } from "../lib/model/compile.ts";
import { FAMILY_LIST, familyOf, linksOf } from "../lib/families/mod.ts";
import type { CompiledData } from "../lib/model/compiled_data.ts";
import { categoryLabels } from "../lib/model/ordinal_outcome.ts";
import { aggregateDroppedMissing, readAggregate } from "../lib/model/aggregate.ts";
import { checkAggregatedAverage } from "../lib/posterior/training_rows.ts";
import {
  checkNumberKeys,
  type DataRoute,
  duckdbBuilder,
  type Engine,
  ENGINES,
  refuseQueryInMemory,
  usesDuckDB,
  withPlaceholders,
} from "./_data_source.ts";
import {
  applyBins,
  type BinOption,
  checkBinColumns,
  formatBins,
  parseBins,
  shellWord,
} from "./_bins.ts";

/** Help lines for the families' extra inputs: trials, and each parameter with its default prior. */
function familyHelp(): string {
  const pad = " ".repeat(26);
  // The names' column is as wide as the longest name.
  const width = Math.max(...FAMILY_LIST.map((f) => f.name.length)) + 1;
  return FAMILY_LIST.map((f) => {
    const extra = f.thresholds
      ? "thresholds b_Intercept[1..K-1]"
      : f.parameters.length === 0
      ? "no extra parameter"
      : f.parameters.map((p) => p.name).join(", ");
    const links = linksOf(f.name);
    const link = links.length > 1 ? `${links.join(" or ")} link` : `${f.link} link`;
    const lines = [`${pad}${f.name.padEnd(width - 1)} ${extra}; ${link}`];
    if (f.thresholds) {
      lines.push(
        `${pad}${" ".repeat(width)}outcome 1..K or --levels y=A,B,C; no intercept: thresholds`,
        `${pad}${" ".repeat(width)}(prior class Intercept, one: Intercept[k];`,
        `${pad}${" ".repeat(width)}default student_t(3, 0, 2.5)); effects on E[y], and in the JSON`,
        `${pad}${" ".repeat(width)}category_effects on each P(y = k) (with --effects-by)`,
      );
    }
    if (f.needsTrials) lines.push(`${pad}${" ".repeat(width)}needs trials: "y | trials(n) ~ …"`);
    for (const p of f.parameters) {
      lines.push(`${pad}${" ".repeat(width)}${p.name}: ${p.description}`);
    }
    return lines.join("\n");
  }).join("\n");
}

/** Items joined by ", " in lines of at most `width` characters, later lines indented `indent`. */
function wrap(items: readonly string[], indent: number, width: number): string {
  const lines: string[] = [];
  let line = "";
  for (const item of items) {
    const next = line === "" ? item : `${line}, ${item}`;
    if (indent + next.length + 1 > width && line !== "") {
      lines.push(line + ",");
      line = item;
    } else line = next;
  }
  lines.push(line);
  return lines.join("\n" + " ".repeat(indent));
}

const priorList = Object.entries(PRIOR_DISTRIBUTIONS)
  .map(([name, params]) => `${name}(${(params as readonly string[]).join(", ")})`);

export const USAGE = `Usage: deno task fit <data.csv> --formula "<brms formula>" [options]

Model
  --formula TEXT        brms formula, e.g. "y ~ 1 + x + (1 + treat | g)" (required)
  --family NAME         ${FAMILY_LIST.map((f) => f.name).join(" | ")}
                        (default gaussian)
${familyHelp()}
  --link NAME           cumulative's link: logit (default) | probit, or write
                        --family "cumulative(probit)"
  --treatment COLUMN    which varying slope is the treatment (default: the formula's first)
  --weights COLUMN      likelihood weights, as "y | weights(w) ~ …" (default: none)
  --reference LEVEL     a factor (or two-valued) treatment's reference: effects are each level
                        against it (default: the first level as --levels orders them)
  --prior "CLASS ~ D"   a prior, repeatable (default: brms's defaults; b is flat), e.g.
                        "b ~ normal(0, 0.5)", "b[alliance] ~ normal(0, 1)", "sd ~ normal(0, 1)",
                        "sd[g] ~ student_t(3, 0, 2.5)", "cor ~ lkj(1)", "sigma ~ exponential(1)",
                        "Intercept[2] ~ normal(0, 2)" (cumulative: threshold 2 only)
                        classes: ${PRIOR_CLASSES.join(", ")}
                        distributions: ${wrap(priorList, 24 + 15, 100)}

Data
  --levels COL=A,B,C    level order of a text column, the first the reference; repeatable
                        (default: sorted as R sorts them, so the reference is the first);
                        for a cumulative model's outcome, its categories lowest first
  --recode NAME         apply a documented data preparation first: tomz-weeks | bush-prather
                        (default: none)
  --factor A,B          read these columns as factors (categorical), repeatable (default: none)
  --encoding NAME       the CSV's encoding: utf-8 | latin1 | windows-1252 | utf-16le | utf-16be
                        (default utf-8; a byte-order mark is followed anyway)
  --drop-missing        drop rows with missing values in the model's columns (reported)
                        (default: off; missing values are an error)
  --bin COL=K|B0,B1,…   add the factor COL_bin: COL cut into K quantile bins, or at the cut
                        points B0,B1,… (R's cut, as groups(table).bin; on the rows left by
                        --drop-missing); repeatable; use COL_bin in --formula, --effects-by;
                        rows in memory only: not through DuckDB, not --aggregated
                        (default: none)
  --engine NAME         auto | memory | duckdb: who reads the data (default auto: DuckDB for
                        .parquet, CSVs of 64 MB or more and queries: SELECT …, WITH …,
                        VALUES …, FROM-first FROM t …, or one in parentheses; the rows are then
                        aggregated in DuckDB and never loaded)
  --aggregated          the data file is an aggregate (one row per key with n and sums, as
                        \`deno task sql\` computes; docs/aggregated-data.md) (default: off)

Sampler
  --chains N            1 to 1000 (default 4)    --warmup N   ≥ 0 (default 1000)
  --draws N             ≥ 1 (default 1000)       --seed N     (default 1)
                        (chains × draws must fit in 8 GiB of memory)
  --adapt-delta X       target acceptance, 0.5 to 0.9999 (default 0.8; the paper uses 0.95)
  --max-treedepth N     1 to 20 (default 10)     --metric auto|diag|dense (default auto)
  --backend NAME        auto | cpu | webgpu (default auto)
  --parameterization P  auto | centered | noncentered: sampled varying effects (default auto:
                        chosen per term from the data; recorded in the JSON); not for a
                        collapsed fit, which integrates them out
  --sd-scale S          auto | signed | log: how NUTS/WebGPU and the level-collapsed target hold
                        the sds (default auto: signed scales where the prior is symmetric
                        about 0); refused for the fully collapsed target (its own coordinate)
  --method M            auto | nuts | collapsed (default auto: gaussian models collapsed where
                        that is exact and cheap, NUTS otherwise; backend_reason says which)
  --warmup-start S      laplace | stan: warmup from the Laplace approximation's mode and
                        metric, or from Stan's random start and unit metric (default laplace)
  --workers N           threads for the chains, 1 to 1024 (default: min(chains, cores))

Output
  --out FILE            write the result as JSON (default: none); an existing file is
                        replaced only when empty or a result hetfx wrote
  --force               let --out replace any existing file (never the data file)
                        (default: off)
  --effects-by A,B      print the treatment effect (ATE, then per observed A×B cell) and add
                        it to the JSON; each value of a column is a cell, so bin a continuous
                        one first: --bin x=4 --effects-by x_bin (default: none)
  --dry-run             build and check the model, print its summary, do not sample
                        (default: off)
  --no-progress         no progress display (default: progress on stderr)
  --keep-partial        on Ctrl-C, print and write (--out) the result of the draws so far
                        (marked partial), then exit 130 (default: off)
  --help                this text`;

/** The parsed command line (shared with `deno task compare`). */
export interface CliArgs {
  data: string;
  formula: string;
  family: Family;
  /** --link: the link of a family that takes several (cumulative: logit or probit). */
  link?: string;
  /** Level orders from --levels: column → levels, the first the reference. */
  levels: Record<string, string[]>;
  /** --treatment: which varying slope is the treatment (default: the first). */
  treatment?: string;
  /** --weights: the likelihood-weight column (or `y | weights(w)` in the formula). */
  weights?: string;
  /** --reference: the treatment's reference level (default: R's first level). */
  reference?: string;
  recode?: string;
  dropMissing: boolean;
  priors: string[];
  fit: FitOptions;
  out?: string;
  /** --force: --out may replace a file hetfx did not write. */
  force: boolean;
  dryRun: boolean;
  /** Columns for the JSON `effects` array (undefined: no effects array). */
  effectsBy?: string[];
  /** Columns to read as factors (--factor). */
  factors?: string[];
  /** The CSV's encoding (--encoding). */
  encoding?: TextEncodingName;
  /** --bin: columns binned into `${column}_bin` (quantiles or cut points), in order. */
  bins: BinOption[];
  /** --engine and --aggregated. */
  engine: Engine;
  aggregated: boolean;
}

/** Most chains the CLI runs (each is a worker or a pass of the sampler). */
export const MAX_CHAINS = 1000;

/**
 * Options that may be given a negative number (`--reference -1`: a −1/+1 treatment's low side),
 * joined to theirs before parsing.
 */
export const VALUED = [
  "reference",
  "chains",
  "warmup",
  "draws",
  "seed",
  "adapt-delta",
  "max-treedepth",
  "workers",
] as const;

/**
 * "arm=control,low,high" → { arm: ["control", "low", "high"] }; HetfxError when malformed.
 */
export function parseLevels(values: readonly string[]): Record<string, string[]> {
  const levels: Record<string, string[]> = {};
  for (const text of values) {
    const eq = text.indexOf("=");
    const column = text.slice(0, eq).trim();
    const list = text.slice(eq + 1).split(",").map((l) => l.trim());
    if (eq < 1 || column === "" || list.some((l) => l === "")) {
      throw new HetfxError(
        `Option --levels expects COLUMN=LEVEL1,LEVEL2,… (the first level the reference), e.g. ` +
          `--levels arm=control,low,high; got "${text}".`,
      );
    }
    if (Object.hasOwn(levels, column)) {
      throw new HetfxError(
        `Option --levels gives the levels of "${column}" twice; give them once.`,
      );
    }
    levels[column] = list;
  }
  return levels;
}

/** The options `deno task fit` knows, as node:util parseArgs reads them. */
export const FIT_OPTIONS = {
  ...stringOptions(
    ...VALUED,
    "formula",
    "family",
    "link",
    "treatment",
    "weights",
    "recode",
    "encoding",
    "engine",
    "metric",
    "backend",
    "parameterization",
    "sd-scale",
    "method",
    "warmup-start",
    "out",
    "effects-by",
  ),
  ...flagOptions(
    "drop-missing",
    "aggregated",
    "dry-run",
    "no-progress",
    "keep-partial",
    "force",
    "help",
  ),
  levels: { type: "string", multiple: true },
  bin: { type: "string", multiple: true },
  factor: { type: "string", multiple: true },
  prior: { type: "string", multiple: true },
} as const;

/** node:util parseArgs on the fit options; an unknown option gets the closest known one. */
function readArgs(argv: string[], usage: string) {
  // The options of fit and of the command whose usage this is (sbc's --sims, say).
  const known = [
    ...new Set([
      ...Object.keys(FIT_OPTIONS),
      ...[...usage.matchAll(/--([a-z-]+)/g)].map((m) => m[1]),
    ]),
  ];
  const command = /deno task (\w+)/.exec(usage)?.[1] ?? "fit";
  return parseCommandLine(joinNegativeValues(argv, VALUED), FIT_OPTIONS, command, true, known);
}

/** The data file and --formula are given, and no value option is empty; returns the formula. */
function requiredFormula(parsed: ReturnType<typeof readArgs>, usage: string): string {
  const v = parsed.values;
  if (parsed.positionals.length !== 1) {
    throw new HetfxError(
      `Expected exactly one data file, got ${parsed.positionals.length}.\n\n${usage}`,
    );
  }
  if (v.formula === undefined) throw new HetfxError(`Missing --formula.\n\n${USAGE}`);
  nonEmpty("formula", v.formula, '"y ~ 1 + x + (1 + treat | g)"');
  nonEmpty("family", v.family, DEFAULT_FAMILY);
  nonEmpty("link", v.link, "probit");
  nonEmpty("recode", v.recode, "tomz-weeks");
  nonEmpty("weights", v.weights, "w");
  nonEmpty("out", v.out, "result.json");
  nonEmpty("effects-by", v["effects-by"], "g");
  nonEmpty("reference", v.reference, "control");
  for (const p of v.prior ?? []) nonEmpty("prior", p, '"b ~ normal(0, 1)"');
  if (parsed.positionals[0].trim() === "") {
    throw new HetfxError("The data file name is empty; give a CSV file, e.g. data.csv.");
  }
  return v.formula;
}

/** The sampler options (FitOptions) from the flags, each range-checked. */
function fitFlags(
  v: ReturnType<typeof readArgs>["values"],
  chains: number | undefined,
  draws: number | undefined,
): CliArgs["fit"] {
  return {
    chains,
    warmup: wholeNumber("warmup", v.warmup, 0, Number.MAX_SAFE_INTEGER),
    draws,
    seed: wholeNumber("seed", v.seed, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    adaptDelta: realNumber(
      "adapt-delta",
      v["adapt-delta"],
      0.5,
      0.9999,
      " must lie strictly between 0 and 1 (the target acceptance rate)",
      [0, 1],
    ),
    maxTreedepth: wholeNumber("max-treedepth", v["max-treedepth"], 1, 20),
    metric: choice("metric", v.metric, ["auto", "diag", "dense"]),
    backend: choice("backend", v.backend, ["auto", "cpu", "webgpu"]),
    parameterization: choice("parameterization", v.parameterization, [
      "auto" as const,
      "centered" as const,
      "noncentered" as const,
    ]),
    sdScale: choice("sd-scale", v["sd-scale"], ["auto", "signed", "log"]),
    method: choice("method", v.method, ["auto", "nuts", "collapsed"]),
    warmupStart: choice("warmup-start", v["warmup-start"], ["laplace", "stan"]),
    workers: wholeNumber("workers", v.workers, 1, 1024),
    progress: !(v["no-progress"] ?? false),
    keepPartial: v["keep-partial"] ?? false,
    ...(v.aggregated ? { aggregated: true } : {}),
  };
}

/** Parse the command line into options; HetfxError on anything malformed. */
export function parseCli(argv: string[], usage: string = USAGE): CliArgs | "help" {
  const parsed = readArgs(argv, usage);
  const v = parsed.values;
  if (v.help) return "help";
  const formulaText = requiredFormula(parsed, usage);
  // Before anything is read or allocated, a request too large for memory (at least one
  // parameter per draw) is refused with its size, even where a range check would also fail.
  const [c, d] = [Number(v.chains ?? 4), Number(v.draws ?? 1000)];
  if (Number.isInteger(c) && Number.isInteger(d) && c >= 1 && d >= 1) {
    checkDrawMemory(c, d, 1, { chains: "--chains", draws: "--draws" });
  }
  refuseIgnored(v);
  const chains = wholeNumber("chains", v.chains, 1, MAX_CHAINS);
  const draws = wholeNumber("draws", v.draws, 1, Number.MAX_SAFE_INTEGER);
  const family = (v.family ?? DEFAULT_FAMILY) as Family;
  const levels = parseLevels(v.levels ?? []);
  refuseOutcomeLevels(formulaText, family, levels);
  return {
    data: parsed.positionals[0],
    formula: formulaText,
    family,
    ...(v.link === undefined ? {} : { link: v.link }),
    levels,
    treatment: v.treatment,
    ...(v.weights === undefined ? {} : { weights: v.weights }),
    ...(v.reference === undefined ? {} : { reference: v.reference }),
    recode: v.recode,
    dropMissing: v["drop-missing"] ?? false,
    priors: v.prior ?? [],
    out: v.out,
    force: v.force ?? false,
    effectsBy: columnList("effects-by", v["effects-by"]),
    factors: columnList("factor", v.factor),
    encoding: v.encoding === undefined
      ? undefined
      : (nonEmpty("encoding", v.encoding, "latin1"), encodingName(v.encoding, "Option --encoding")),
    dryRun: v["dry-run"] ?? false,
    engine: choice("engine", v.engine, [...ENGINES]) ?? "auto",
    aggregated: v.aggregated ?? false,
    bins: parseBins(v.bin ?? []),
    fit: fitFlags(v, chains, draws),
  };
}

/**
 * --levels for the outcome orders an ordinal outcome's categories; for another family the
 * outcome is read as numbers, so say that rather than fail on making it a factor.
 */
function refuseOutcomeLevels(
  formulaText: string,
  family: string,
  levels: Record<string, string[]>,
): void {
  const outcome = formulaColumns(formulaText)[0];
  const name = /^\s*(\w+)/.exec(family)?.[1] ?? family;
  const roles = (FAMILY_ROLES as Record<string, object>)[name];
  if (!(outcome in levels) || roles === undefined || "thresholds" in roles) return;
  throw new HetfxError(
    `Option --levels ${outcome}=…: levels of the outcome "${outcome}" (its category order) ` +
      `apply to ordinal families (cumulative), not ${name}, whose outcome is read as numbers; ` +
      "leave them out, or add --family cumulative.",
  );
}

/** Refuse an option that would be ignored with the others given (no option is dropped silently). */
function refuseIgnored(v: ReturnType<typeof readArgs>["values"]): void {
  if (v.force && v.out === undefined) {
    throw new HetfxError(
      "Option --force only applies with --out (it lets --out replace an existing file); add " +
        "--out FILE or leave --force out.",
    );
  }
  if (v.aggregated && v.engine === "duckdb") {
    throw new HetfxError(
      "Option --engine duckdb does not apply with --aggregated: the aggregate is read as it is " +
        "(its query ran where the data live); leave one of them out.",
    );
  }
  if (v.aggregated && v.bin !== undefined) {
    throw new HetfxError(
      `Option --bin ${v.bin[0]} does not apply with --aggregated: an aggregate's rows are keys, ` +
        "not data rows (quantiles over them are not the data's, and a key's rows cannot be split " +
        "between bins); fit the data rows themselves (their CSV, with --engine memory) with " +
        "--bin, or bin them before aggregating.",
    );
  }
  if (v.aggregated && v["drop-missing"]) {
    throw new HetfxError(
      "Option --drop-missing does not apply with --aggregated: an aggregate's rows are keys, " +
        "not data rows; leave incomplete rows out where the aggregate is computed (deno task " +
        "sql --drop-missing) and leave --drop-missing out here.",
    );
  }
}

const RECODES: Record<string, (t: Table) => Table> = {
  "tomz-weeks": prepareTomzWeeks,
  "bush-prather": prepareBushPrather,
};

/**
 * The JSON's `data`: the engine, rows scanned, aggregate rows, cells and patterns (shared with
 * `deno task replicate`'s result.json).
 *
 * @example
 * ```ts ignore
 * const json = { ...fit.toJSON(), data: routeJSON({ engine: "memory" }, fit.data) };
 * ```
 */
export function routeJSON(route: DataRoute, data: CompiledData): Record<string, unknown> {
  return {
    engine: route.engine,
    rows: data.nRows,
    ...(route.rowsScanned === undefined ? {} : { rowsScanned: route.rowsScanned }),
    ...(route.rowsDropped === undefined ? {} : { rowsDropped: route.rowsDropped }),
    ...(route.keyRows === undefined ? {} : { aggregateRows: route.keyRows }),
    cells: data.nCells,
    ...(data.stats.kind === "patterns" ? { patterns: data.stats.nPatterns } : {}),
    ...(route.bins === undefined ? {} : { bins: route.bins }),
  };
}

/**
 * The model summary for aggregated data: the key rows stand for the rows; the treatment's
 * effects are read from the stand-ins that withPlaceholders gives a summed treatment.
 */
function aggregateSummary(spec: ModelSpec, table: Table, route: DataRoute): string {
  readAggregate(spec, table); // the model's checks of the aggregate (n counts rows) come first
  const scanned = route.rowsScanned === undefined
    ? ""
    : `${route.rowsScanned - (route.rowsDropped ?? 0)} rows aggregated by DuckDB into `;
  return [
    `Model: ${spec.family}, outcome ${spec.outcome}, ${scanned}${route.keyRows} aggregate rows` +
    (spec.weights === undefined ? "" : `, likelihood weights "${spec.weights}"`),
    populationLine(spec),
    treatmentLine(spec, table),
    ...varyingLines(spec, table, "n"),
    priorsLine(spec),
  ].join("\n");
}

/**
 * Each varying term with its groups' count and sizes, and the smallest groups; `count` names an
 * aggregate's column of rows per key row (n), so that the sizes are the data's rows.
 */
function varyingLines(spec: ModelSpec, table: Table, count?: string): string[] {
  return spec.groupTerms.map((g) => {
    const summary = groups(table).by(...g.factors).summary({ count });
    return `Varying ${[g.intercept ? "Intercept" : "", ...g.slopes].filter(Boolean).join(" + ")} ` +
      `by ${g.group}${g.correlated ? "" : " (uncorrelated)"}: ${summary.nGroups} groups, ` +
      `sizes ${summary.minSize}–${summary.maxSize}\n` +
      formatGroupSummary(summary, 10).split("\n").map((l) => "  " + l).join("\n");
  });
}

/** "Population-level terms: Intercept, x", or "(none)" for a model without intercept or terms. */
function populationLine(spec: ModelSpec): string {
  const terms = [...(spec.intercept ? ["Intercept"] : []), ...spec.terms];
  return `Population-level terms: ${terms.length ? terms.join(", ") : "(none)"}`;
}

/** "Priors given: b ~ normal(0, 1); …", or that none were (brms's defaults apply). */
function priorsLine(spec: ModelSpec): string {
  return "Priors given: " +
    (spec.priors.length
      ? spec.priors.map((p) =>
        `${p.class}${p.coef || p.group ? `[${p.coef ?? p.group}]` : ""} ~ ${formatPrior(p.prior)}`
      ).join("; ")
      : "none (brms-style defaults)");
}

/** "Treatment: t; effects: 1 - 0" (each contrast's name), or "(none)". */
function treatmentLine(spec: ModelSpec, table: Table): string {
  if (spec.treatment === null) return "Treatment: (none)";
  const names = treatmentContrasts(table, spec.treatment, spec.treatmentReference).map((c) =>
    c.name
  );
  return `Treatment: ${spec.treatment}; effects: ${names.join(", ")}`;
}

/** Describe the model before sampling: rows, groups and sizes, terms, priors. */
export function specSummary(spec: ModelSpec, table: Table): string {
  const lines = [
    `Model: ${spec.family}, outcome ${spec.outcome}, ${table.nRows} rows` +
    (spec.weights === undefined ? "" : `, likelihood weights "${spec.weights}"`),
    populationLine(spec),
    treatmentLine(spec, table),
    ...varyingLines(spec, table),
    priorsLine(spec),
  ];
  return lines.join("\n");
}

/**
 * Refuse the options of deno task fit that `command` (compare, sbc) does not use, so that none is
 * ignored silently; `extra` adds the command's own (flag → given).
 */
export function refuseFitOnly(
  args: CliArgs,
  command: string,
  usage: string,
  extra: Record<string, boolean> = {},
): void {
  const given = Object.entries({
    "--effects-by": args.effectsBy !== undefined,
    "--dry-run": args.dryRun,
    "--keep-partial": args.fit.keepPartial === true,
    ...extra,
  }).filter(([, on]) => on).map(([flag]) => flag);
  if (given.length > 0) {
    throw new HetfxError(
      `Option ${given.join(", ")} belongs to deno task fit, not ${command}.\n\n${usage}`,
    );
  }
}

/**
 * Check --effects-by before sampling: the model needs a treatment, the columns must exist, and
 * on aggregated data (`aggregated`: --aggregated or DuckDB) the average over key rows must be
 * the data rows' (not by a summed column), as fit.effects() would check after sampling.
 */
export function checkEffectsBy(
  spec: ModelSpec,
  table: Table,
  by: readonly string[],
  aggregated = false,
): void {
  if (spec.treatment === null) {
    throw new HetfxError(
      "Cannot compute --effects-by: the model has no treatment. The treatment is the first " +
        'slope that varies by group, e.g. "y ~ 1 + treat + (1 + treat | g)".',
    );
  }
  for (const column of by) {
    // An aggregate has the model's columns only: a data column the model does not use is not
    // there, though the rows have it.
    if (aggregated && !Object.hasOwn(table.columns, column)) {
      throw new HetfxError(
        `Option --effects-by ${column}: aggregated data (--aggregated, or rows aggregated by ` +
          `DuckDB) keep only the model's columns (${usedColumns(spec).join(", ")}), and ` +
          `"${column}" is not one of them; give one of the model's factors, or fit the rows ` +
          "themselves (their CSV, with --engine memory).",
      );
    }
    getColumn(table, column, "Cannot compute --effects-by");
  }
  if (aggregated) {
    const { input } = readAggregate(spec, table);
    try {
      checkAggregatedAverage(spec, { counts: input.n, summed: input.summed }, {
        by,
        scale: "response",
      });
    } catch (error) {
      if (!(error instanceof HetfxError)) throw error;
      // Worded for the command line: the option by name, and no newdata (it has no flag).
      throw new HetfxError(
        error.message.replace(/^Cannot compute effects on aggregated data/, "Option --effects-by")
          .replace(
            /, or pass newdata\.$/,
            ", or fit the data rows themselves (their CSV, with --engine memory).",
          ),
      );
    }
  }
}

/**
 * Ordinal families: `category_effects`, per category k the --effects-by estimates of the
 * effect on P(y = k) (the `effects` array holds those on E[y]); nothing for other families.
 */
function categoryEffects(fit: Fit, args: CliArgs): Record<string, unknown> {
  if (familyOf(fit.spec.family, fit.spec.link).thresholds === undefined) return {};
  // Keyed by the category's label (the declared level, or "1"…"K").
  const byCategory: Record<string, unknown> = {};
  categoryLabels(fit.data.thresholds!).forEach((label, k) => {
    byCategory[label] = effectsToJSON(fit.effects({ by: args.effectsBy, category: k + 1 }));
  });
  return { category_effects: byCategory };
}

/**
 * The --effects-by estimates as text: per contrast of the treatment, the ATE, then per cell.
 * Given the treatment's `contrasts`, a heading reads a contrast as "1 vs -1" (contrastText),
 * else by its name ("1 - -1").
 *
 * @example
 * ```ts ignore
 * console.log(formatEffects(fit.effects({ by: ["g"] }), "pm", fit.data.contrasts));
 * // Effect of pm (1 vs -1; response scale; mean [95% interval]): …
 * ```
 */
export function formatEffects(
  list: readonly EffectEstimate[],
  treatment: string,
  contrasts: readonly TreatmentContrast[] = [],
): string {
  const number = (v: number) => v.toFixed(3);
  const out: string[] = [];
  // A 0/1 treatment's one contrast goes unnamed.
  const named = namesContrasts(list.map((e) => e.contrast));
  const text = (name: string) => {
    const c = contrasts.find((c) => c.name === name);
    return c === undefined ? name : contrastText(c);
  };
  for (const contrast of new Set(list.map((e) => e.contrast))) {
    const entries = list.filter((e) => e.contrast === contrast);
    // An ordinal outcome's effect is on E[y] (category numbers), P(y = k) or P(y >= k): say which.
    const quantity = entries[0].quantity;
    const on = quantity === undefined || quantity === "latent" ? "" : ` on ${quantity}`;
    out.push(
      `Effect of ${treatment}${on} (${
        named && contrast !== undefined ? `${text(contrast)}; ` : ""
      }${entries[0].scale} scale; mean [95% interval]):`,
      ...entries.map((e) => {
        const cell = Object.entries(e.by).map(([k, v]) => `${k}=${v}`).join(", ") ||
          "all rows (ATE)";
        return `  ${cell}: ${number(e.mean)} [${number(e["q2.5"])}, ${
          number(e["q97.5"])
        }], n = ${e.n}`;
      }),
    );
  }
  return out.join("\n");
}

/** More distinct values than this in an --effects-by column get {@link effectsByNotes}' note. */
export const EFFECTS_BY_MANY_VALUES = 20;

/**
 * Notes for the text output (not the JSON) on --effects-by columns with more than
 * {@link EFFECTS_BY_MANY_VALUES} distinct values among the cells: each value is a cell of its own
 * (as marginaleffects' `by` groups by each unique value), so a continuous column prints one line
 * per value. The note says how to bin it first: --bin (with --engine memory where the rows went
 * through DuckDB, `inMemory` false: --bin needs the rows in memory).
 *
 * @example
 * ```ts
 * import { effectsByNotes } from "./fit.ts";
 * const cell = (x: string) => ({ by: { x } }) as never;
 * const notes = effectsByNotes([...Array(30).keys()].map((i) => cell(String(i))), ["x"]);
 * console.assert(notes.length === 1 && notes[0].includes("--bin x=4 --effects-by x_bin"));
 * ```
 */
export function effectsByNotes(
  list: readonly Pick<EffectEstimate, "by">[],
  by: readonly string[],
  inMemory = true,
): string[] {
  const notes: string[] = [];
  for (const column of by) {
    const values = new Set(list.map((e) => e.by[column]).filter((v) => v !== undefined)).size;
    if (values <= EFFECTS_BY_MANY_VALUES) continue;
    const binned = `${column}_bin`;
    const engine = inMemory
      ? ""
      : " with --engine memory (--bin needs the rows in memory; save a Parquet file or a query's " +
        "rows as CSV first)";
    const api = `groups(table).bin("${column}", { quantiles: 4 }).table`;
    notes.push(
      `Note: --effects-by ${column}: "${column}" has ${values} distinct values, so each is a ` +
        `cell of its own (as marginaleffects' by = "${column}" groups by each unique value). ` +
        `To see the effect across ${column}, bin it first and give the bins: fit again with ` +
        `--bin ${shellWord(`${column}=4`)} --effects-by ${
          shellWord(binned)
        }${engine} (quartiles; ` +
        `or cut points: --bin ${shellWord(`${column}=B0,B1,…`)}); in the API, fit formula(text, ` +
        `${api}) and call fit.effects({ by: ["${binned}"] }). See docs/binning.md.`,
    );
  }
  return notes;
}

/**
 * The model the command line describes: the data loaded (--levels, --recode, --drop-missing
 * applied), the formula, --treatment and the priors. Shared with `deno task compare`.
 */
export async function buildModel(args: CliArgs): Promise<HierBuilder> {
  // DuckDB: the rows are aggregated there and the model reads the aggregate.
  if (!args.aggregated && await usesDuckDB(args.data, args.engine)) {
    if (args.bins.length > 0) {
      throw new HetfxError(
        `Option --bin ${args.bins[0].text} needs the rows in memory: through DuckDB (--engine ` +
          "duckdb or auto for Parquet, queries and CSVs of 64 MB or more) the rows are " +
          "aggregated in DuckDB and never loaded, so they are not binned as groups(table).bin " +
          "bins them. Add --engine memory (a CSV), or save the rows as CSV first.",
      );
    }
    if (args.recode !== undefined || Object.keys(args.levels).length > 0) {
      throw new HetfxError(
        "Options --recode and --levels need the in-memory route; add --engine memory.",
      );
    }
    // DuckDB reads UTF-8 only: another encoding would be misread, not converted.
    if (args.encoding !== undefined && args.encoding !== "utf-8") {
      throw new HetfxError(
        `Option --encoding ${args.encoding} needs the in-memory route (DuckDB reads UTF-8 ` +
          "only); add --engine memory, or convert the file to UTF-8 " +
          `(e.g. iconv -f ${args.encoding} -t utf-8).`,
      );
    }
    const { builder, route } = await duckdbBuilder(
      args.data,
      args.formula,
      (t) => finishBuilder(args, formula(args.formula, t, formulaOptions(args))),
      {
        dropMissing: args.dropMissing,
        progress: args.fit.progress !== false,
        ...(args.factors === undefined ? {} : { factors: args.factors }),
        ...(args.weights === undefined ? {} : { weights: args.weights }),
      },
    );
    args.fit.aggregated = true;
    ROUTES.set(builder, route);
    return builder;
  }
  await refuseQueryInMemory(args.data);
  const loadOptions = {
    ...(args.factors === undefined ? {} : { factors: args.factors }),
    ...(args.encoding === undefined ? {} : { encoding: args.encoding }),
  };
  let table = await loadTable(args.data, loadOptions);
  for (const w of table.warnings ?? []) console.log(`WARNING: ${w}`);
  if (args.recode !== undefined) {
    const recode = RECODES[args.recode];
    if (!recode) {
      throw new HetfxError(
        `Unknown --recode "${args.recode}"; available: ${Object.keys(RECODES).join(", ")}.`,
      );
    }
    table = recode(table);
  }
  if (Object.keys(args.levels).length > 0) table = await loadTable(table, { levels: args.levels });
  const options = formulaOptions(args);
  if (args.aggregated) {
    await checkNumberKeys(args.data, table, args.formula, loadOptions);
    const builder = finishBuilder(
      args,
      formula(args.formula, withPlaceholders(table, args.formula), options),
    );
    // Rows the aggregation left out for missing values, as its columns record them.
    const dropped = aggregateDroppedMissing(table)?.rows;
    ROUTES.set(builder, {
      engine: "aggregated",
      keyRows: table.nRows,
      ...(dropped === undefined ? {} : { rowsDropped: dropped }),
    });
    return builder;
  }
  // A --weights column the data lack: name the option, as --treatment does (formula() would
  // report it as a column of the model).
  if (args.weights !== undefined) {
    getColumn(table, args.weights, `Option --weights ${args.weights}`);
  }
  // --bin: the columns binned as groups(table).bin bins them, on the rows the model reads. With
  // --drop-missing those are known once the model's columns are: its first builder reads each
  // column x's values in place of x_bin (the same rows missing), and the rows kept are binned.
  checkBinColumns(table, args.bins);
  const source = table;
  let bins = args.dropMissing ? undefined : applyBins(source, args.bins);
  if (bins !== undefined) table = bins.table;
  else {
    for (const b of args.bins) {
      table = withColumn(table, `${b.column}_bin`, source.columns[b.column]);
    }
  }
  let builder = formula(args.formula, table, options);
  if (args.dropMissing) {
    // loadTable's dropMissing records what it drops on the table, so that the fit's warnings
    // and the JSON say it too.
    const before = source.droppedMissing?.rows ?? 0;
    const binned = new Map(args.bins.map((b) => [`${b.column}_bin`, b.column]));
    const columns = [
      ...new Set(usedColumns(builder.toJSON()).map((c) => binned.get(c) ?? c)),
    ];
    table = source;
    // A level that only dropped rows had is dropped with them, as brms's model frame drops
    // unused levels: it would otherwise be a design column of zeros, refused.
    table = dropUnusedLevels(await loadTable(table, { dropMissing: columns }), columns);
    const dropped = table.droppedMissing;
    if (dropped !== undefined && dropped.rows > before) {
      const where = Object.entries(dropped.byColumn).map(([c, n]) => `${c}: ${n}`).join(", ");
      const rows = dropped.rows - before;
      console.log(
        `Dropped ${rows === 1 ? "1 row" : `${rows} rows`} with missing values (${where}).`,
      );
    }
    bins = applyBins(table, args.bins);
    table = bins.table;
    builder = formula(args.formula, table, options);
  }
  if (args.bins.length > 0) console.log(formatBins(bins!.records, bins!.notes));
  builder = finishBuilder(args, builder);
  ROUTES.set(builder, {
    engine: "memory",
    ...(args.bins.length === 0 ? {} : { bins: bins!.records }),
  });
  return builder;
}

/** How each built model's data arrived (for the summary and the JSON's `data`). */
const ROUTES = new WeakMap<HierBuilder, DataRoute>();

/** The data route of a builder from buildModel (memory when unknown). */
export function dataRoute(builder: HierBuilder): DataRoute {
  return ROUTES.get(builder) ?? { engine: "memory" };
}

/** The formula() options the CLI flags set. */
function formulaOptions(args: CliArgs): FormulaOptions {
  return {
    family: args.family,
    ...(args.link === undefined ? {} : { link: args.link }),
    ...(args.weights === undefined ? {} : { weights: args.weights }),
  };
}

/**
 * One --prior statement parsed; its error names the option and, where the library's message
 * does not show it, the statement as given.
 */
function priorOption(text: string): PriorSpec {
  try {
    return parsePrior(text);
  } catch (e) {
    if (!(e instanceof HetfxError)) throw e;
    const shown = e.message.includes(text) ? "" : ` ${JSON.stringify(text)}`;
    throw new HetfxError(`Option --prior${shown}: ${e.message}`);
  }
}

/** --treatment (with --reference) and --prior applied to the formula's builder. */
function finishBuilder(args: CliArgs, formulaBuilder: HierBuilder): HierBuilder {
  let builder = formulaBuilder;
  if (args.treatment !== undefined) {
    builder = withTreatment(builder, args.treatment, args.reference);
  } else if (args.reference !== undefined && builder.toJSON().treatment !== null) {
    // --reference of the formula's treatment (its first varying slope).
    builder = withTreatment(builder, builder.toJSON().treatment!, args.reference);
  }
  if (args.reference !== undefined && builder.toJSON().treatment === null) {
    throw new HetfxError(
      `Option --reference ${args.reference}: the model has no treatment; vary one by group in ` +
        '--formula, e.g. "y ~ 1 + arm + (1 + arm | g)".',
    );
  }
  for (const text of args.priors) {
    const p = priorOption(text);
    builder = builder.prior(p.class, p.prior, { coef: p.coef, group: p.group });
  }
  // --levels of the outcome declare its category order (as an ordered factor in R); a family
  // without thresholds refuses them with a message naming the family.
  const outcome = builder.state.outcome;
  if (outcome !== undefined && Object.hasOwn(args.levels, outcome)) {
    builder = builder.outcome(outcome, { levels: args.levels[outcome] });
  }
  return builder;
}

/**
 * --treatment: the formula's builder with another of its varying slopes as the treatment;
 * HetfxError listing the data's columns when the column is not one of them, and the slopes
 * when it is not a slope.
 */
function withTreatment(builder: HierBuilder, column: string, reference?: string): HierBuilder {
  // A column that is not in the data at all: say so, with the data's columns.
  getColumn(builder.table, column, `Option --treatment ${column}`);
  const spec = builder.toJSON();
  const slopes = [...new Set(spec.groupTerms.flatMap((g) => g.slopes))];
  if (!slopes.includes(column)) {
    throw new HetfxError(
      `Option --treatment ${column}: the treatment must be a slope that varies by group in the ` +
        `formula (${slopes.length ? `here: ${slopes.join(", ")}` : "this formula has none"}), ` +
        `e.g. "y ~ 1 + ${column} + (1 + ${column} | g)".`,
    );
  }
  return builder.treatment(column, {
    mainEffect: spec.terms.includes(column),
    ...(reference === undefined ? {} : { reference }),
  });
}

/** Run the CLI; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  try {
    const args = parseCli(argv);
    if (args === "help") {
      console.log(USAGE);
      return 0;
    }
    if (args.out !== undefined) {
      await checkOutPath(args.out, { input: args.data, force: args.force });
    }
    const builder = await buildModel(args);
    const spec = builder.toJSON();
    if (args.effectsBy !== undefined) {
      checkEffectsBy(spec, builder.table, args.effectsBy, args.fit.aggregated === true);
    }
    const route = dataRoute(builder);
    console.log(
      route.engine === "memory"
        ? specSummary(spec, builder.table)
        : aggregateSummary(spec, builder.table, route),
    );
    // A dry run compiles here; a fit compiles in fit(), which also checks the draws' memory.
    if (args.dryRun) {
      const data = compileModel(spec, builder.table, { aggregated: args.fit.aggregated });
      checkDrawMemory(args.fit.chains ?? 4, args.fit.draws ?? 1000, data.dim);
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
    // With progress on, fit() showed the data warnings before sampling: not again here.
    console.log(inCliText(formatFitSummary(fit, { dataWarnings: args.fit.progress === false })));
    const effects = args.effectsBy === undefined ? undefined : fit.effects({ by: args.effectsBy });
    if (effects !== undefined) {
      console.log(formatEffects(effects, fit.spec.treatment ?? "", fit.data.contrasts));
      const inMemory = route.engine === "memory";
      for (const note of effectsByNotes(effects, args.effectsBy!, inMemory)) console.log(note);
    }
    if (args.out) {
      // `data`: the engine (memory, duckdb, aggregated), rows, cells; rows scanned and
      // patterns where they apply.
      const withData = { ...fit.toJSON(), data: routeJSON(route, fit.data) };
      const json = effects === undefined
        ? withData
        : { ...withData, effects: effectsToJSON(effects), ...categoryEffects(fit, args) };
      await writeOut(args.out, JSON.stringify(json, null, 2) + "\n");
      console.log(`Wrote ${args.out}`);
    }
    return partial ? 130 : 0;
  } catch (error) {
    return reportUserError(error);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
