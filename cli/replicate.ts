/**
 * `deno task replicate [--out-dir out/replicate] [--seed 1]`: the README's main job. Fits the
 * seed paper's Tomz & Weeks model on the shipped data with the paper's priors and sampler
 * settings, writes Figures 1–3 (PNG and SVG), the fit as JSON, and a markdown table of the
 * paper's numbers next to ours.
 */
import { reportUserError } from "./_errors.ts";
import { HetfxError } from "../lib/errors.ts";
import { nonEmpty, parseCommandLine, wholeNumber } from "./_args.ts";
import { loadTomzWeeks } from "../lib/data/datasets/tomz_weeks.ts";
import {
  PAPER_SAMPLER,
  TOMZ_WEEKS_PAPER_NUMBERS,
  tomzWeeksModel,
} from "../lib/spec/paper_models.ts";
import "../lib/fit/mod.ts"; // adds .fit() to the builders of lib/spec
import type { Fit } from "../lib/fit/mod.ts";
import { formatFitSummary } from "../lib/posterior/format_summary.ts";
import { routeJSON } from "./fit.ts";

const MAX = Number.MAX_SAFE_INTEGER;

/** A group by its modifiers' levels: "white=1, male=0, intl=5, hawk=1". */
function levelsText(levels: Record<string, string>): string {
  return Object.entries(levels).map(([k, v]) => `${k}=${v}`).join(", ");
}

/** The paper's numbers beside ours, as markdown. */
export function comparisonMarkdown(fit: Fit): string {
  const spread = fit.effectSpread();
  const p = TOMZ_WEEKS_PAPER_NUMBERS;
  const param = (name: string) => fit.summary().find((s) => s.name === name)!;
  const sdSlope = param("sd_white:male:intl:hawk__alliance");
  const f = (x: number) => x.toFixed(2);
  const interval = (s: { "q2.5": number; "q97.5": number }) =>
    `[${f(s["q2.5"])}, ${f(s["q97.5"])}]`;
  const rows = [
    ["smallest group effect", p.minEffect, spread.min.mean, interval(spread.min)],
    ["median group effect", p.medianEffect, spread.median.mean, interval(spread.median)],
    ["largest group effect", p.maxEffect, spread.max.mean, interval(spread.max)],
    ["sd of all group-effect draws", p.sdAllDraws, spread.sd_all_draws, ""],
    ["sd of the varying alliance slope", p.sdVaryingSlope, sdSlope.mean, interval(sdSlope)],
    ["b_alliance", p.bAlliance, param("b_alliance").mean, interval(param("b_alliance"))],
    [
      "b_alliance:white",
      p.bAllianceWhite,
      param("b_alliance:white").mean,
      interval(param("b_alliance:white")),
    ],
  ] as const;
  const d = fit.diagnostics();
  return [
    "# Tomz & Weeks (2021) re-analysed as in Alley (2024)",
    "",
    "| quantity | paper | hetfx (posterior mean) | hetfx 95% interval |",
    "|---|---|---|---|",
    ...rows.map(([name, paper, ours, iv]) => `| ${name} | ${f(paper)} | ${f(ours)} | ${iv} |`),
    "",
    `Groups: min ${levelsText(spread.min.levels)}; median ${levelsText(spread.median.levels)}; ` +
    `max ${levelsText(spread.max.levels)}.`,
    "",
    `Sampler: ${fit.info.options.chains} chains × (${fit.info.options.warmup} + ` +
    `${fit.info.options.draws}), adapt_delta ${fit.info.options.adaptDelta}, seed ` +
    `${fit.info.options.seed}; ${d.divergences} divergences, max R-hat ${d.max_rhat.toFixed(3)}, ` +
    `min bulk ESS ${Math.round(d.min_ess_bulk)}; ${fit.info.timing.total_s.toFixed(1)} s on ` +
    `${fit.info.backend}.`,
    "",
  ].join("\n");
}

const USAGE = `Usage: deno task replicate [--out-dir out/replicate] [--seed 1] [--data FILE]

Fits the seed paper's Tomz & Weeks model on the shipped data (or FILE, the same columns) with the
paper's priors and sampler settings, and writes Figures 1-3 (PNG and SVG), the fit as
result.json and the paper's numbers beside ours as results.md into the --out-dir folder (its
files of those names are replaced). Exit status: 0 done, 2 bad input, 1 internal error.`;

/**
 * Create the --out-dir folder (and its parents) before anything is fitted; a path that is a
 * file, or a folder that cannot be made, is refused in words.
 */
export async function makeOutDir(outDir: string): Promise<void> {
  const refuse = (why: string) =>
    new HetfxError(
      `Cannot write to --out-dir ${outDir}: ${why}; give a folder, e.g. --out-dir out/replicate.`,
    );
  try {
    await Deno.mkdir(outDir, { recursive: true });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists || error instanceof Deno.errors.NotADirectory) {
      throw refuse("it (or a folder above it) is a file, not a folder");
    }
    if (error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable) {
      throw refuse("permission denied");
    }
    throw refuse((error as Error).message.replace(/,? run again with[^]*$/, ""));
  }
}

/** Run the replication; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  try {
    const options = {
      "out-dir": { type: "string", default: "out/replicate" },
      data: { type: "string", default: "data/tomz_weeks_2017.csv" },
      seed: { type: "string", default: "1" },
      help: { type: "boolean" },
    } as const;
    const { values } = parseCommandLine(argv, options, "replicate", false);
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    nonEmpty("out-dir", values["out-dir"], "out/replicate");
    const seed = wholeNumber("seed", values.seed, -MAX, MAX)!;
    const outDir = values["out-dir"]!;
    // The data first: a bad --data leaves no empty folder behind.
    const table = await loadTomzWeeks(values.data);
    await makeOutDir(outDir);
    console.log(
      "Fitting the paper's Tomz & Weeks model (4 chains × 1000 + 1000, adapt_delta 0.95)…",
    );
    const fit = await tomzWeeksModel(table).fit({ ...PAPER_SAMPLER, seed });
    console.log(formatFitSummary(fit));
    const figures = {
      figure1_coefficients: fit.plot.coefficients({
        title: "Figure 1: what predicts the alliance effect (λ)",
      }),
      figure2_effect_distribution: fit.plot.effectDistribution({
        title: "Figure 2: alliance effect across 100 groups",
      }),
      figure3_group_effects: fit.plot.effects(
        { col: "intl", row: "hawk", x: "male", color: "white" },
        { title: "Figure 3: alliance effect by group" },
      ),
    };
    for (const [name, chart] of Object.entries(figures)) {
      await chart.save(`${outDir}/${name}.png`);
      await chart.save(`${outDir}/${name}.svg`);
    }
    // As deno task fit --out writes it: with `data` (engine, rows, cells).
    const json = { ...fit.toJSON(), data: routeJSON({ engine: "memory" }, fit.data) };
    await Deno.writeTextFile(`${outDir}/result.json`, JSON.stringify(json, null, 2) + "\n");
    const markdown = comparisonMarkdown(fit);
    await Deno.writeTextFile(`${outDir}/results.md`, markdown);
    console.log("\n" + markdown);
    console.log(`Wrote Figures 1–3 (PNG, SVG), result.json and results.md to ${outDir}/`);
    return 0;
  } catch (error) {
    return reportUserError(error);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
