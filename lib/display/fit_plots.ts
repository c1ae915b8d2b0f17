/**
 * `fit.plot.*`: the paper's figures and diagnostics of a fit as notebook-ready Chart objects.
 * Each is a one-liner over a pure spec function of this folder, reading the fit through the
 * FitResult interface (lib/posterior/fit_result.ts).
 */
import { Chart } from "./display_object.ts";
import { coefficientPlotSpec } from "./figure_coefficients.ts";
import { effectDistributionSpec } from "./figure_effect_distribution.ts";
import { type GroupEffectRoles, groupEffectsSpec } from "./figure_group_effects.ts";
import { rankPlotSpec, rhatEssSpec, tracePlotSpec } from "./diagnostic_plots.ts";
import {
  type EffectsByModifierOptions,
  effectsByModifierSpec,
} from "./figure_effects_by_modifier.ts";
import { type ComparisonOptions, comparisonSpec } from "./figure_comparison.ts";
import { type ShrinkageOptions, shrinkageSpec } from "./figure_shrinkage.ts";
import { type PairPlotOptions, pairPlotSpec } from "./pair_plot.ts";
import { type PpCheckPlotOptions, ppCheckSpec } from "./pp_check_plot.ts";
import { HetfxError } from "../errors.ts";
import { contrastPanels } from "./contrast_panels.ts";
import { contrastText, describeContrast, namesContrasts } from "../spec/treatment_coding.ts";
import { pickContrast } from "../posterior/fit_summaries.ts";
import type { FitResult } from "../posterior/fit_result.ts";
import { type EffectEstimate, effects, type EffectsOptions } from "../posterior/effects.ts";
import { compareFit } from "../posterior/compare.ts";
import { ppCheck, type PpCheckOptions } from "../posterior/pp_check.ts";
import { checkNoArguments, checkOptions, optionNames } from "../options.ts";
import type { Table } from "../data/table.ts";
import { familyOf } from "../families/mod.ts";

/**
 * Concatenate every group's effect draws (the input of Figure 2), of one contrast of the
 * treatment (default: all of them, for a treatment with one contrast).
 */
export function pooledGroupEffectDraws(fit: FitResult, contrast?: string): Float64Array {
  const effects = fit.groupEffects();
  const parts = fit.groupEffectDraws().filter((_, i) =>
    contrast === undefined || effects[i].contrast === contrast
  );
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) (out.set(p, offset), offset += p.length);
  return out;
}

/** Every chain's divergence flags concatenated in chain order (the order of `fit.draws`). */
export function divergentFlags(fit: FitResult): Uint8Array {
  const out = new Uint8Array(fit.chains.reduce((s, c) => s + c.divergent.length, 0));
  let offset = 0;
  for (const c of fit.chains) (out.set(c.divergent, offset), offset += c.divergent.length);
  return out;
}

const CONTEXT = "Cannot draw the chart";

/**
 * The level order of each factor column of `table` (declared, or sorted as R sorts them), which
 * the figures follow, as ggplot follows a factor's levels.
 */
function factorLevels(table: Table | null | undefined): Record<string, readonly string[]> {
  const out: Record<string, readonly string[]> = {};
  for (const [name, column] of Object.entries(table?.columns ?? {})) {
    if (column.kind === "factor") out[name] = column.levels;
  }
  return out;
}
const EFFECTS_BY_NAMES = optionNames<EffectsByModifierOptions>({
  title: true,
  y: true,
  width: true,
  height: true,
  levels: true,
  scale: true,
});
const COMPARISON_NAMES = optionNames<ComparisonOptions>({
  title: true,
  width: true,
  height: true,
  groupLabels: true,
});
const SHRINKAGE_NAMES = optionNames<ShrinkageOptions>({ title: true, size: true });
const PAIRS_NAMES = optionNames<PairPlotOptions>({ maxPoints: true, title: true, size: true });
const PP_CHECK_PLOT_NAMES = optionNames<PpCheckPlotOptions>({
  title: true,
  gridPoints: true,
  prob: true,
  width: true,
  height: true,
});

/** The plots of one fit. */
export class FitPlots {
  constructor(private readonly fit: FitResult) {}

  /**
   * Figure 1: λ, the coefficients of the treatment and its interactions with predictors, on the
   * link scale (named on the axis where the link is not the identity).
   */
  coefficients(options: { title?: string } = {}): Chart {
    checkOptions(options, ["title"], CONTEXT);
    return new Chart(
      coefficientPlotSpec(this.fit.slopeCoefficients(), {
        ...options,
        ...this.effectScale(),
        ...this.perUnitNote(),
        levels: factorLevels(this.fit.table),
      }),
    );
  }

  /**
   * Figure 2: the distribution of all group effects with the min, median and max group; one
   * panel per contrast for a factor treatment (or only `{ contrast }`'s).
   */
  effectDistribution(options: { title?: string; contrast?: string } = {}): Chart {
    checkOptions(options, ["title", "contrast"], CONTEXT);
    const { contrast, ...rest } = options;
    const names = this.contrasts(contrast);
    return new Chart(
      contrastPanels(
        names,
        rest.title ?? "Distribution of group effects",
        (c) =>
          effectDistributionSpec(
            {
              draws: pooledGroupEffectDraws(this.fit, c),
              spread: this.fit.effectSpread({ contrast: c }),
            },
            {
              ...this.panelTitle(c, names.length > 1, rest.title),
              xTitle: this.groupEffectTitle(),
            },
          ),
      ),
    );
  }

  /**
   * For a two-valued treatment whose values are not 1 apart (−1/+1): that λ is per unit of it,
   * and its effect, as the other figures show it, that many times λ; for a factor treatment,
   * the level its levels' coefficients are against (R's first), and the contrasts' reference
   * where that is another.
   */
  private perUnitNote(): { subtitle?: string } {
    const [c, ...more] = this.fit.data.contrasts;
    const t = this.fit.data.treatment;
    // A factor's coefficients are its levels' effects against R's first level, which no label
    // names ("arm drugB", "arm placebo"), and which is not the contrasts' reference when
    // another was chosen (docs/treatments.md).
    const coded = t === undefined || t === null ? undefined : factorLevels(this.fit.table)[t]?.[0];
    if (c?.kind === "factor" && coded !== undefined) {
      return {
        subtitle: coded === c.low
          ? `Each level of ${t} against ${coded}, its reference`
          : `Each level of ${t} against ${coded} (R's coding); the effects are against ${c.low}`,
      };
    }
    if (c === undefined || more.length > 0 || c.kind !== "two-valued" || c.difference === 1) {
      return {};
    }
    return {
      subtitle: `Per unit of ${t}: the effect (${contrastText(c)}) is ${c.difference} × these`,
    };
  }

  /** The contrasts to draw: `contrast` (checked) or every contrast of the treatment. */
  private contrasts(contrast: string | undefined): string[] {
    const names = this.fit.data.contrasts.map((c) => c.name);
    return contrast === undefined ? names : [pickContrast(names, contrast, CONTEXT)];
  }

  /**
   * The scale of the group effects where the link is not the identity ("on the log-odds
   * scale"), as the text summary names it; none for an identity link.
   */
  private effectScale(): { scale?: string } {
    const family = familyOf(this.fit.spec.family, this.fit.spec.link);
    return family.link === "identity" ? {} : { scale: family.linkScale };
  }

  /**
   * What averaged effects measure where the link is not the identity: the link scale ("on the
   * log-odds scale"), or on the response scale the difference in E[y] (a probability for
   * bernoulli) or in the ordinal quantity asked for ("P(y = 3)"); nothing for an identity link.
   */
  private averageScale(list: readonly EffectEstimate[]): { scale?: string } {
    const family = familyOf(this.fit.spec.family, this.fit.spec.link);
    if (list.length === 0 || family.link === "identity") return {};
    return list[0].scale === "link"
      ? { scale: family.linkScale }
      : { scale: `difference in ${list[0].quantity ?? "E[y]"}` };
  }

  /** The axis title of group effects: "Treatment effect", with the scale where it has one. */
  private groupEffectTitle(): string {
    const { scale } = this.effectScale();
    return scale === undefined ? "Treatment effect" : `Treatment effect (${scale})`;
  }

  /**
   * "Effect of arm (drugA vs placebo)", "Effect of pm (1 vs -1)" (a panel's title), as the
   * summary names the effect (describeContrast), not "Effect of pm: 1 - -1".
   */
  private effectTitle(contrast: string): string {
    const treatment = this.fit.data.treatment!;
    const c = this.fit.data.contrasts.find((c) => c.name === contrast);
    return c === undefined
      ? `Effect of ${treatment}: ${contrast}`
      : `Effect of ${describeContrast(treatment, c)}`;
  }

  /**
   * The title of contrast `contrast`'s panel: its contrast named in a figure of several; alone,
   * `title` when given, else the contrast named too unless the treatment is 0/1 (a "-1 - 1" or
   * "control - treated" effect must say so), else none (the figure's default).
   */
  private panelTitle(
    contrast: string,
    several: boolean,
    title: string | undefined,
  ): { title?: string } {
    if (several) return { title: this.effectTitle(contrast) };
    if (title !== undefined) return { title };
    const named = namesContrasts(this.fit.data.contrasts.map((c) => c.name));
    return named ? { title: this.effectTitle(contrast) } : {};
  }

  /**
   * Figure 3: every group's effect, modifiers in any role: `{ col, row, x, color }`; one panel
   * per contrast for a factor treatment (or only `{ contrast }`'s).
   */
  effects(roles: GroupEffectRoles, options: { title?: string; contrast?: string } = {}): Chart {
    checkOptions(roles, ["x", "col", "row", "color", "y"], `${CONTEXT} (roles)`, {
      colour: "color",
    });
    checkOptions(options, ["title", "contrast"], CONTEXT);
    const { contrast, ...rest } = options;
    // Colour may repeat x (the paper's Figure 3: "X-axis divided by gender and colors
    // demarcate gender"); no other role may repeat one.
    const color = roles.color === roles.x ? undefined : roles.color;
    const modifiers = [roles.x, roles.col, roles.row, color].filter((m) => m !== undefined);
    const twice = modifiers.find((m, i) => modifiers.indexOf(m) !== i);
    if (twice !== undefined) {
      throw new HetfxError(
        `${CONTEXT}: "${twice}" is given two roles; give each modifier one of x, col, row, ` +
          "color (color may also be x's).",
      );
    }
    const names = this.contrasts(contrast);
    const all = this.fit.groupEffects();
    return new Chart(
      contrastPanels(names, rest.title ?? "Treatment effect by group", (c) =>
        groupEffectsSpec(
          all.filter((e) => e.contrast === c),
          roles,
          {
            ...this.panelTitle(c, names.length > 1, rest.title),
            ...this.effectScale(),
            levels: factorLevels(this.fit.table),
          },
        )),
    );
  }

  /** Trace plot of one parameter by chain. */
  trace(name: string): Chart {
    return new Chart(tracePlotSpec(name, this.fit.chainDraws(name)));
  }

  /** Rank histograms of one parameter by chain. */
  rank(name: string): Chart {
    return new Chart(rankPlotSpec(name, this.fit.chainDraws(name)));
  }

  /** R-hat and ESS of every parameter against their thresholds. */
  rhatEss(): Chart {
    checkNoArguments(arguments, "fit.plot.rhatEss()");
    return new Chart(rhatEssSpec(this.fit.summary().filter((p) => p.name !== "lp__")));
  }

  /**
   * Average treatment effects by modifier (`fit.effects(options)`) with the ATE as reference: one
   * panel per contrast for a factor treatment (or only `{ contrast }`'s).
   */
  effectsBy(
    options: EffectsOptions,
    plotOptions: EffectsByModifierOptions & { contrast?: string } = {},
  ): Chart {
    checkOptions(plotOptions, [...EFFECTS_BY_NAMES, "contrast"], CONTEXT);
    const { contrast, ...plot } = plotOptions;
    const picked = contrast === undefined ? undefined : this.contrasts(contrast)[0];
    const list = effects(this.fit, options).filter((e) =>
      picked === undefined || e.contrast === picked
    );
    // One panel per contrast of a factor treatment.
    const names = [...new Set(list.map((e) => e.contrast ?? ""))];
    return new Chart(
      contrastPanels(
        names,
        plot.title ?? "Average treatment effect by modifier",
        (c) =>
          effectsByModifierSpec(
            list.filter((e) => (e.contrast ?? "") === c),
            {
              levels: factorLevels(options.newdata ?? this.fit.table),
              ...this.averageScale(list),
              ...plot,
              ...this.panelTitle(c, names.length > 1, plot.title),
            },
          ),
      ),
    );
  }

  /**
   * Each group's effect by the interaction model, subgroup analysis and this fit (compare).
   * Asynchronous (`await fit.plot.comparison()`): the OLS step loads ml-matrix on first use.
   */
  comparison(options: { level?: number } = {}, plot: ComparisonOptions = {}): Promise<Chart> {
    // Misspelt options throw here, synchronously, like every other chart method.
    checkOptions(options, ["level"], CONTEXT);
    checkOptions(plot, COMPARISON_NAMES, CONTEXT);
    return compareFit(this.fit, options).then((c) => new Chart(comparisonSpec(c, plot)));
  }

  /**
   * Subgroup difference in means against the hierarchical estimate, per group (compare).
   * Asynchronous (`await fit.plot.shrinkage()`), as {@link comparison}.
   */
  shrinkage(options: { level?: number } = {}, plot: ShrinkageOptions = {}): Promise<Chart> {
    checkOptions(options, ["level"], CONTEXT);
    checkOptions(plot, SHRINKAGE_NAMES, CONTEXT);
    return compareFit(this.fit, options).then((c) => new Chart(shrinkageSpec(c, plot)));
  }

  /** Draws of two parameters against each other, divergent transitions in red. */
  pairs(x: string, y: string, options: PairPlotOptions = {}): Chart {
    checkOptions(options, PAIRS_NAMES, CONTEXT);
    const divergent = divergentFlags(this.fit);
    const xs = this.fit.draws(x);
    if (divergent.length !== xs.length) {
      throw new HetfxError(
        `Cannot draw the pair plot: the chains record ${divergent.length} divergence flags ` +
          `for ${xs.length} draws.`,
      );
    }
    return new Chart(
      pairPlotSpec({ x: xs, y: this.fit.draws(y), divergent, names: [x, y] }, options),
    );
  }

  /** Posterior predictive check: replicated data (`fit.ppCheck(options)`) over the observed. */
  ppCheck(options: PpCheckOptions = {}, plot: PpCheckPlotOptions = {}): Chart {
    checkOptions(plot, PP_CHECK_PLOT_NAMES, CONTEXT);
    return new Chart(ppCheckSpec(ppCheck(this.fit, options), plot));
  }
}
