/**
 * brms's default priors for a family and outcome: the Intercept's student_t(3, median, scale),
 * flat b, the sd's student_t(3, 0, scale), lkj(1), and each family parameter's own default
 * (lib/families/<family>.ts). The median and scale (MAD, at least 2.5, both rounded to one
 * decimal) are of the values the family's `priorOutcome` gives (y, log y, or none: 0 and 2.5).
 */
import type { PriorDistribution } from "../spec/model_spec.ts";
import type { FamilyParameter } from "./family.ts";
import { roundR1 } from "../spec/priors.ts";
import { medianAndMad } from "../math/median.ts";
import { familyOf } from "./mod.ts";
import { NU, SIGMA } from "./student.ts";

/**
 * The default prior of each class for one family and outcome. Read-only: the Intercept, sd and
 * sigma entries are getters computed from the outcome's median and MAD on first read, so a fit
 * whose priors are all given never sorts the rows.
 */
export interface DefaultPriors {
  readonly Intercept: PriorDistribution;
  readonly b: PriorDistribution;
  readonly sd: PriorDistribution;
  readonly cor: PriorDistribution;
  /** brms's sigma default (used by the families with a sigma; given for all). */
  readonly sigma: PriorDistribution;
  /** brms's nu default (used by student; given for all). */
  readonly nu: PriorDistribution;
  /** The default prior of the family's parameter `name` (see `Family.parameters`). */
  parameter(name: string): PriorDistribution;
}

/**
 * brms's default priors for `family` given the outcome values `y`.
 *
 * @example
 * ```ts
 * import { defaultPriors } from "./default_priors.ts";
 * const d = defaultPriors("gaussian", new Float64Array([1, 2, 3, 4, 100]));
 * console.assert(d.Intercept.dist === "student_t" && d.b.dist === "flat");
 * ```
 */
export function defaultPriors(family: string, y: Float64Array): DefaultPriors {
  const definition = familyOf(family);
  // brms centres the Intercept's prior on the outcome's median and scales it (and the sd and
  // sigma priors) by its MAD; both pass over every row, so they run when first asked for.
  return defaultPriorsAt(family, () => {
    const values = definition.priorOutcome(y);
    return values === null ? null : medianAndMad(values);
  });
}

/**
 * brms's default priors for `family` given the median and MAD of the values the family's
 * `priorOutcome` gives (null: the family's fixed defaults), asked for on first use. Aggregated
 * data carry these two numbers instead of the rows (lib/model/aggregate.ts).
 *
 * @example
 * ```ts
 * import { defaultPriorsAt } from "./default_priors.ts";
 * const d = defaultPriorsAt("gaussian", () => ({ median: 3.04, mad: 7 }));
 * console.assert(d.Intercept.dist === "student_t" && d.Intercept.mu === 3);
 * ```
 */
export function defaultPriorsAt(
  family: string,
  outcome: () => { median: number; mad: number } | null,
): DefaultPriors {
  const definition = familyOf(family);
  let memo: { location: number; scale: number } | undefined;
  const stats = () => (memo ??= outcomeLocationScale(outcome()));
  return {
    get Intercept(): PriorDistribution {
      return { dist: "student_t", df: 3, mu: stats().location, sigma: stats().scale };
    },
    b: { dist: "flat" },
    get sd(): PriorDistribution {
      return { dist: "student_t", df: 3, mu: 0, sigma: stats().scale };
    },
    cor: { dist: "lkj", eta: 1 },
    get sigma(): PriorDistribution {
      return SIGMA.defaultPrior(stats().scale);
    },
    nu: NU.defaultPrior(2.5),
    parameter(name: string): PriorDistribution {
      const p = definition.parameters.find((q) => q.name === name);
      if (p === undefined) throw new Error(`family ${family} has no parameter ${name}`);
      // A default that ignores the scale (nu, shape) does not compute the median and MAD.
      return usesOutcomeScale(p) ? p.defaultPrior(stats().scale) : p.defaultPrior(2.5);
    },
  };
}

/**
 * Whether a family parameter's default prior depends on the outcome's scale (sigma's does; nu's
 * and shape's do not): probed at two scales.
 *
 * @example
 * ```ts
 * import { usesOutcomeScale } from "./default_priors.ts";
 * import { NU, SIGMA } from "./student.ts";
 * console.assert(usesOutcomeScale(SIGMA) && !usesOutcomeScale(NU));
 * ```
 */
export function usesOutcomeScale(p: FamilyParameter): boolean {
  return JSON.stringify(p.defaultPrior(2.5)) !== JSON.stringify(p.defaultPrior(25));
}

/** The default priors' location (median) and scale (MAD, at least 2.5), as brms sets them. */
function outcomeLocationScale(
  values: { median: number; mad: number } | null,
): { location: number; scale: number } {
  let location = 0;
  let scale = 2.5;
  if (values !== null) {
    const m = values.median;
    const s = values.mad;
    if (Number.isFinite(m)) location = roundR1(m);
    if (Number.isFinite(s)) scale = Math.max(2.5, roundR1(s));
  }
  return { location, scale };
}
