/**
 * The summaries a fit shows: draws of a parameter by name, every parameter's posterior summary,
 * the treatment effect of every group, the spread of those effects (paper Figure 2) and the
 * slope coefficients λ (Figure 1). Functions of the named draws and the compiled data.
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import type { CompiledData } from "../model/compiled_data.ts";
import { convergenceStatsAndSorted } from "../diagnostics/convergence_stats.ts";
import { summarizeDraws } from "../diagnostics/quantiles.ts";
import { type NamedDraws, splitChains } from "./generated.ts";
import type {
  DrawSummary,
  EffectSpread,
  GroupEffect,
  ParameterSummary,
  SlopeCoefficient,
} from "./types.ts";

/**
 * Draws of parameter `name`, chains concatenated; a HetfxError suggesting brms names
 * (`treat` → `b_treat`) or names sharing a prefix when there is no such parameter.
 *
 * @example
 * ```ts
 * import { parameterDraws } from "./fit_summaries.ts";
 * const named = { chains: 1, drawsPerChain: 2, names: ["b_t"], values: new Map([["b_t", new Float64Array([1, 2])]]), cellEffects: [], cellPredicted: [], cellVarying: [] };
 * console.assert(parameterDraws(named, "t", "b_t")[1] === 2);
 * ```
 */
export function parameterDraws(
  named: NamedDraws,
  treatment: string | null,
  name: string,
  aliases: ReadonlyMap<string, string> = new Map(),
): Float64Array {
  if (typeof name !== "string") {
    throw new HetfxError(
      `Cannot get draws: give a parameter name such as "b_${treatment ?? "x"}", ` +
        `got ${name === null ? "null" : typeof name}. See fit.parameterNames.`,
    );
  }
  // brms's spelling of a coefficient (b_mytreat for b_my treat) names the parameter too.
  const values = named.values.get(name) ?? named.values.get(aliases.get(name) ?? "");
  if (values === undefined) {
    // brms names: a bare coefficient is b_<name>; otherwise names sharing a prefix.
    const prefixed = ["b_", "sd_", "r_"].map((p) => p + name).filter((n) => named.values.has(n));
    const close = prefixed.length > 0
      ? prefixed
      : named.names.filter((n) => n.startsWith(name.slice(0, 4))).slice(0, 5);
    throw new HetfxError(
      `No parameter "${name}" in this fit` +
        (close.length ? `; did you mean ${close.map((n) => `"${n}"`).join(", ")}?` : ".") +
        " See fit.parameterNames.",
    );
  }
  return values;
}

/**
 * Posterior summary, R-hat and bulk/tail ESS of one parameter's draws (`chains` chains,
 * concatenated).
 *
 * @example
 * ```ts
 * import { summarizeParameter } from "./fit_summaries.ts";
 * const s = summarizeParameter("x", Float64Array.from({ length: 40 }, (_, i) => Math.sin(i)), 2);
 * console.assert(s.name === "x" && Number.isFinite(s.rhat));
 * ```
 */
export function summarizeParameter(
  name: string,
  values: Float64Array,
  chains: number,
): ParameterSummary {
  const { stats, sortedDraws } = convergenceStatsAndSorted(splitChains(values, chains));
  return {
    name,
    ...summarizeDraws(values, sortedDraws),
    rhat: stats.rhat,
    ess_bulk: stats.essBulk,
    ess_tail: stats.essTail,
  };
}

/**
 * The treatment effect in every observed cell of the model's grouping terms, per contrast of the
 * treatment (contrast-major: all cells of the first contrast, then the next); a HetfxError when
 * the model has no treatment.
 *
 * @example
 * ```ts ignore
 * const effects = groupEffectSummaries(fit.data, fit.named);
 * ```
 */
export function groupEffectSummaries(data: CompiledData, named: NamedDraws): GroupEffect[] {
  if (data.treatment === null) {
    throw new HetfxError(
      "This model has no treatment, so it has no group effects; set one with .treatment(col) " +
        "or a varying slope (1 + treat | g).",
    );
  }
  const term = [...new Set(data.terms.flatMap((t) => t.factors))].join(":");
  return named.cellEffects.map((values, e) => {
    // One sort for R-hat, bulk-ESS (both to the last bit as rhat() and essBulk() give them)
    // and the quantiles.
    const { stats, sortedDraws } = convergenceStatsAndSorted(splitChains(values, named.chains));
    const c = e % data.nCells;
    return {
      term,
      group: data.cellLabels[c],
      levels: data.cellLevels[c],
      contrast: data.contrasts[Math.floor(e / data.nCells)].name,
      n: data.cellCount[c],
      ...summarizeDraws(values, sortedDraws),
      rhat: stats.rhat,
      ess_bulk: stats.essBulk,
    };
  });
}

/**
 * Each cell's effect split into its group-level-predictor part and its varying part.
 *
 * @example
 * ```ts ignore
 * const parts = groupEffectParts(fit.named);
 * ```
 */
export function groupEffectParts(
  named: NamedDraws,
): { predicted: DrawSummary; varying: DrawSummary }[] {
  return named.cellPredicted.map((p, c) => ({
    predicted: summarizeDraws(p),
    varying: summarizeDraws(named.cellVarying[c]),
  }));
}

/**
 * The name of one of the treatment's contrasts: `contrast` when it is one, the only contrast when
 * there is one; otherwise a HetfxError listing them (a factor treatment has one per level).
 *
 * @example
 * ```ts
 * import { pickContrast } from "./fit_summaries.ts";
 * console.assert(pickContrast(["1 - 0"], undefined, "Cannot plot") === "1 - 0");
 * try { pickContrast(["b - a", "c - a"], "d - a", "Cannot plot"); } catch (e) {
 *   console.assert(String(e).includes('"b - a"'));
 * }
 * ```
 */
export function pickContrast(
  contrasts: readonly string[],
  contrast: string | undefined,
  context: string,
): string {
  if (contrast === undefined && contrasts.length === 1) return contrasts[0];
  if (contrast !== undefined && contrasts.includes(contrast)) return contrast;
  throw new HetfxError(
    `${context}: ${
      contrast === undefined
        ? "the treatment has several contrasts"
        : `"${contrast}" is not a contrast of the treatment`
    }; name one with { contrast }: ${contrasts.map((c) => `"${c}"`).join(", ")}.`,
  );
}

/**
 * The paper's Figure 2 numbers for one contrast of the treatment (`contrast`; may be left out
 * when the treatment has one): sd of all draws of all its group effects; the groups with the
 * smallest, median and largest mean effect.
 *
 * @example
 * ```ts ignore
 * const spread = effectSpreadOf(fit.groupEffects(), fit.groupEffectDraws());
 * ```
 */
export function effectSpreadOf(
  allEffects: GroupEffect[],
  allDraws: Float64Array[],
  contrast?: string,
): EffectSpread {
  const names = [...new Set(allEffects.map((e) => e.contrast ?? ""))];
  const chosen = pickContrast(names, contrast, "Cannot compute the effect spread");
  const keep = allEffects.map((e, i) => (e.contrast ?? "") === chosen ? i : -1).filter((i) =>
    i >= 0
  );
  const effects = keep.map((i) => allEffects[i]);
  const draws = keep.map((i) => allDraws[i]);
  let sum = 0;
  let count = 0;
  for (const a of draws) for (const v of a) (sum += v), count++;
  const mean = sum / count;
  let ss = 0;
  for (const a of draws) for (const v of a) ss += (v - mean) * (v - mean);
  const order = effects.map((_, i) => i).sort((a, b) => effects[a].mean - effects[b].mean);
  return {
    contrast: chosen,
    sd_all_draws: Math.sqrt(ss / (count - 1)),
    min: effects[order[0]],
    median: effects[order[Math.floor((order.length - 1) / 2)]],
    max: effects[order[order.length - 1]],
  };
}

/**
 * λ: the treatment's population-level coefficient and its interactions with predictors
 * (paper Figure 1); a HetfxError when the model has no treatment.
 *
 * @example
 * ```ts ignore
 * const lambda = slopeCoefficientsOf(fit.data, (name) => fit.draws(name));
 * ```
 */
export function slopeCoefficientsOf(
  data: CompiledData,
  draws: (name: string) => Float64Array,
): SlopeCoefficient[] {
  const treatment = data.treatment;
  if (treatment === null) {
    throw new HetfxError("This model has no treatment, so it has no slope coefficients.");
  }
  const out: SlopeCoefficient[] = [];
  data.fixedNames.forEach((name, p) => {
    const vars = data.fixedTerms[p].split(":");
    if (!vars.includes(treatment)) return;
    // The name's parts follow the term's variables ("armlow:male" for arm:male): the others
    // are those at the other variables' places (a factor treatment's part is "armlow").
    const others = name.split(":").filter((_, v) => vars[v] !== treatment);
    out.push({
      name: `b_${name}`,
      label: name.split(":").join(" × "),
      predictor: others.length ? others.join(":") : "(treatment)",
      ...summarizeDraws(draws(`b_${name}`)),
    });
  });
  return out;
}
