/**
 * `deno task compare [--chains 4] [--warmup 1000] [--draws 1000] [--seed 1] [--out file.json]` —
 * the seed paper's Table 1 on the Tomz & Weeks data: each group's alliance effect by OLS with
 * interactions (HC2), by subgroup difference in means, and by the hierarchical model, side by
 * side, with a shrinkage summary.
 */
import { reportUserError } from "./_errors.ts";
import { parseArgs } from "node:util";
import { HetfxError } from "../lib/errors.ts";
import { loadTomzWeeks } from "../lib/data/datasets/tomz_weeks.ts";
import { PAPER_SAMPLER, tomzWeeksModel } from "../lib/spec/paper_models.ts";
import { compare, formatComparison } from "../lib/posterior/compare.ts";

/** Run the CLI; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  try {
    const { values: v } = parseArgs({
      args: argv,
      options: {
        data: { type: "string" },
        chains: { type: "string" },
        warmup: { type: "string" },
        draws: { type: "string" },
        seed: { type: "string" },
        out: { type: "string" },
        "no-progress": { type: "boolean" },
      },
    });
    const num = (name: string, text: string | undefined, fallback: number) => {
      if (text === undefined) return fallback;
      const value = Number(text);
      if (!Number.isInteger(value)) {
        throw new HetfxError(`Option --${name} expects a whole number, got "${text}".`);
      }
      return value;
    };
    const table = await loadTomzWeeks(v.data);
    const result = await compare(tomzWeeksModel(table), {
      fit: {
        ...PAPER_SAMPLER,
        chains: num("chains", v.chains, PAPER_SAMPLER.chains),
        warmup: num("warmup", v.warmup, PAPER_SAMPLER.warmup),
        draws: num("draws", v.draws, PAPER_SAMPLER.draws),
        seed: num("seed", v.seed, 1),
        progress: !(v["no-progress"] ?? false),
      },
    });
    console.log(formatComparison(result));
    if (v.out) {
      const { fit: _, ols, ...rest } = result;
      const json = { ...rest, ols: { names: ols.names, coef: [...ols.coef], se: [...ols.se] } };
      await Deno.writeTextFile(v.out, JSON.stringify(json, null, 2) + "\n");
      console.log(`Wrote ${v.out}`);
    }
    return 0;
  } catch (error) {
    return reportUserError(error);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
