/**
 * The family registry: every likelihood family hetfx fits, by name. Adding a family is one file
 * in this folder, one line in FAMILY_LIST and its tests (docs/ARCHITECTURE.md, "Add a family").
 */
import { HetfxError } from "../errors.ts";
import type { Family } from "./family.ts";
import { gaussian } from "./gaussian.ts";
import { bernoulli } from "./bernoulli.ts";
import { binomial } from "./binomial.ts";
import { poisson } from "./poisson.ts";
import { student } from "./student.ts";
import { negbinomial } from "./negbinomial.ts";
import { cumulative, cumulativeProbit } from "./cumulative.ts";

export type {
  Family,
  FamilyParameter,
  FamilyThresholds,
  FamilyWgsl,
  ParameterDraws,
  PilotSums,
  WorkingStep,
} from "./family.ts";
export type { CompressedStats, GaussianStats, PatternStats } from "./compressed_stats.ts";

/** Every registered family, in the order help texts list them. */
export const FAMILY_LIST: readonly Family[] = [
  gaussian,
  bernoulli,
  binomial,
  poisson,
  student,
  negbinomial,
  cumulative,
];

/** Families under a link other than their default (FAMILY_LIST's entry of the same name). */
export const LINK_VARIANTS: readonly Family[] = [cumulativeProbit];

const BY_NAME = new Map(FAMILY_LIST.map((f) => [f.name, f]));
const BY_LINK = new Map(LINK_VARIANTS.map((f) => [`${f.name}(${f.link})`, f]));

/**
 * The family called `name` with `link` (absent: its default link); a HetfxError listing the
 * families for an unknown name or the links for an unknown link.
 *
 * @example
 * ```ts
 * import { familyOf } from "./mod.ts";
 * console.assert(familyOf("poisson").link === "log");
 * console.assert(familyOf("cumulative", "probit").link === "probit");
 * ```
 */
export function familyOf(name: string, link?: string): Family {
  const family = BY_NAME.get(name);
  if (family === undefined) {
    throw new HetfxError(
      `Unknown family "${name}" (families: ${FAMILY_LIST.map((f) => f.name).join(", ")}).`,
    );
  }
  if (link === undefined || link === family.link) return family;
  const variant = BY_LINK.get(`${name}(${link})`);
  if (variant === undefined) {
    throw new HetfxError(
      `Family "${name}" has no link "${link}" (links: ${linksOf(name).join(", ")}).`,
    );
  }
  return variant;
}

/**
 * The links family `name` takes, its default first.
 *
 * @example
 * ```ts
 * import { linksOf } from "./mod.ts";
 * console.assert(linksOf("cumulative").join() === "logit,probit");
 * ```
 */
export function linksOf(name: string): string[] {
  return [...FAMILY_LIST, ...LINK_VARIANTS].filter((f) => f.name === name).map((f) => f.link);
}
