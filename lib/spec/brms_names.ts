/**
 * brms's spelling of coefficient names. hetfx names a coefficient after its column (and a
 * factor's level) as written: `b_my treat`, `b_armhigh dose`. brms cleans model.matrix's column
 * names with its internal `rename()`: it drops ` ( ) [ ] , " ' ?` and writes `+` as P, `-` as M,
 * `*` as MU, `/` as D, `^` as E and `=` as EQ, keeping `:` (interactions), `.` and `_`; so brms
 * says `b_mytreat`, `b_armhighdose`. hetfx's names (and its JSON) stay as they are; where a
 * name is looked up (fit.draws, hypothesis, a prior's coef) brms's spelling is taken as an alias
 * of the one hetfx name it cleans to (docs/names.md).
 */

const DROPPED = /[ ()[\],"'?]/g;
const REPLACED: Record<string, string> = {
  "+": "P",
  "-": "M",
  "*": "MU",
  "/": "D",
  "^": "E",
  "=": "EQ",
};

/**
 * brms's name of coefficient `name` (brms's `rename()` defaults).
 *
 * @example
 * ```ts
 * import { brmsCoefName } from "./brms_names.ts";
 * console.assert(brmsCoefName("my treat") === "mytreat");
 * console.assert(brmsCoefName("dose(mg/kg)") === "dosemgDkg");
 * console.assert(brmsCoefName("alliance:white") === "alliance:white");
 * ```
 */
export function brmsCoefName(name: string): string {
  return name.replace(DROPPED, "").replace(/[+\-*/^=]/g, (c) => REPLACED[c]);
}

/**
 * What `given` names among `names`: itself when it is one of them; else the names that brms
 * spells `given` (`clean` maps a hetfx name to brms's): one is an alias, several are ambiguous.
 *
 * @example
 * ```ts
 * import { brmsCoefName, resolveBrmsName } from "./brms_names.ts";
 * console.assert(resolveBrmsName("mytreat", ["x", "my treat"], brmsCoefName)[0] === "my treat");
 * ```
 */
export function resolveBrmsName(
  given: string,
  names: readonly string[],
  clean: (name: string) => string,
): string[] {
  if (names.includes(given)) return [given];
  return names.filter((n) => n !== given && clean(n) === given);
}
