/**
 * `fit.plot.*`: the paper's figures and diagnostics of a fit as notebook-ready Chart objects.
 * Each is a one-liner over a pure spec function in lib/display.
 */
import { Chart } from "../display/display_object.ts";
import { coefficientPlotSpec } from "../display/figure_coefficients.ts";
import { effectDistributionSpec } from "../display/figure_effect_distribution.ts";
import { type GroupEffectRoles, groupEffectsSpec } from "../display/figure_group_effects.ts";
import { rankPlotSpec, rhatEssSpec, tracePlotSpec } from "../display/diagnostic_plots.ts";
import type { Fit } from "./fit.ts";

/** Concatenate every group's effect draws (the input of Figure 2). */
export function pooledGroupEffectDraws(fit: Fit): Float64Array {
  const parts = fit.groupEffectDraws();
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) (out.set(p, offset), offset += p.length);
  return out;
}

/** The plots of one fit. */
export class FitPlots {
  constructor(private readonly fit: Fit) {}

  /** Figure 1: λ, the coefficients of the treatment and its interactions with predictors. */
  coefficients(options: { title?: string } = {}): Chart {
    return new Chart(coefficientPlotSpec(this.fit.slopeCoefficients(), options));
  }

  /** Figure 2: the distribution of all group effects with the min, median and max group. */
  effectDistribution(options: { title?: string } = {}): Chart {
    return new Chart(
      effectDistributionSpec(
        { draws: pooledGroupEffectDraws(this.fit), spread: this.fit.effectSpread() },
        options,
      ),
    );
  }

  /** Figure 3: every group's effect, modifiers in any role: `{ col, row, x, color }`. */
  effects(roles: GroupEffectRoles, options: { title?: string } = {}): Chart {
    return new Chart(groupEffectsSpec(this.fit.groupEffects(), roles, options));
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
    return new Chart(rhatEssSpec(this.fit.summary().filter((p) => p.name !== "lp__")));
  }
}
