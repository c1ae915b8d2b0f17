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

export type {
  Family,
  FamilyParameter,
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
];

const BY_NAME = new Map(FAMILY_LIST.map((f) => [f.name, f]));

/**
 * The family called `name`; a HetfxError listing the families for an unknown name.
 *
 * @example
 * ```ts
 * import { familyOf } from "./mod.ts";
 * console.assert(familyOf("poisson").link === "log");
 * ```
 */
export function familyOf(name: string): Family {
  const family = BY_NAME.get(name);
  if (family === undefined) {
    throw new HetfxError(
      `Unknown family "${name}" (families: ${FAMILY_LIST.map((f) => f.name).join(", ")}).`,
    );
  }
  return family;
}
