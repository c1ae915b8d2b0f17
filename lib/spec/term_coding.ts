/**
 * How R's `model.matrix` codes each factor of each term, and the coefficient names brms gives
 * the columns. A factor in a term is coded by treatment contrasts (its first level dropped) when
 * the term without that factor is the intercept or is contained in an earlier term; otherwise
 * by indicators (one column per level). So `y ~ f` drops a level, `y ~ 0 + f` keeps all of them,
 * and `y ~ f:x` without `x` gets one slope of `x` per level of `f`. Without an intercept, the
 * first factor of the first term that has a factor is coded by indicators (R's model.c).
 *
 * @module
 */
import { HetfxError } from "../errors.ts";

/** The coding of one variable in one term. */
export type VariableCoding = "numeric" | "contrasts" | "indicators";

/**
 * Per term, per variable (in the term's order): how R's model.matrix codes it.
 *
 * @example
 * ```ts
 * import { termCodings } from "./term_coding.ts";
 * const isFactor = (v: string) => v === "f";
 * console.assert(termCodings(["f", "x"], false, isFactor)[0][0] === "indicators");
 * console.assert(termCodings(["f:x"], true, isFactor)[0].join() === "indicators,numeric");
 * console.assert(termCodings(["x", "f:x"], true, isFactor)[1][0] === "contrasts");
 * ```
 */
export function termCodings(
  terms: readonly string[],
  intercept: boolean,
  isFactor: (variable: string) => boolean,
): VariableCoding[][] {
  const sets = terms.map((t) => new Set(t.split(":")));
  const out = terms.map((term, j) =>
    term.split(":").map((variable): VariableCoding => {
      if (!isFactor(variable)) return "numeric";
      const rest = [...sets[j]].filter((v) => v !== variable);
      if (rest.length === 0) return "contrasts";
      for (let k = 0; k < j; k++) {
        if (rest.every((v) => sets[k].has(v))) return "contrasts";
      }
      return "indicators";
    })
  );
  if (!intercept) {
    // R goes through the variables in order of first appearance, per term.
    const order = [...new Set(terms.flatMap((t) => t.split(":")))];
    outer: for (let j = 0; j < terms.length; j++) {
      for (const variable of order) {
        const at = terms[j].split(":").indexOf(variable);
        if (at >= 0 && out[j][at] !== "numeric") {
          out[j][at] = "indicators";
          break outer;
        }
      }
    }
  }
  return out;
}

/**
 * A factor level as brms writes it in a coefficient name: spaces, brackets, commas and quotes
 * removed; `+ - * / ^ = $` spelled P, M, MU, D, E, EQ, USD (brms's `rename`). Characters that
 * are still not letters, digits, `_` or `.` are removed so that names stay parseable.
 *
 * @example
 * ```ts
 * import { cleanLevel } from "./term_coding.ts";
 * console.assert(cleanLevel("b+c") === "bPc" && cleanLevel("b-c") === "bMc");
 * console.assert(cleanLevel("New York") === "NewYork");
 * ```
 */
export function cleanLevel(level: string): string {
  return level
    .replace(/[ ()[\],"'?]/g, "")
    .replaceAll("+", "P")
    .replaceAll("-", "M")
    .replaceAll("*", "MU")
    .replaceAll("/", "D")
    .replaceAll("^", "E")
    .replaceAll("=", "EQ")
    .replaceAll("$", "USD")
    .replace(/[^\p{L}\p{N}_.]/gu, "");
}

/**
 * The levels of `variable` that get a column under `coding`, with the name part of each, after
 * refusing two levels that would get the same name.
 *
 * @example
 * ```ts
 * import { codedLevels } from "./term_coding.ts";
 * console.assert(codedLevels("f", ["a", "b"], "contrasts").map((l) => l.name).join() === "fb");
 * ```
 */
export function codedLevels(
  variable: string,
  levels: readonly string[],
  coding: "contrasts" | "indicators",
): { level: number; name: string }[] {
  const seen = new Map<string, string>();
  for (const level of levels) {
    const name = cleanLevel(level);
    const other = seen.get(name);
    if (other !== undefined) {
      throw new HetfxError(
        `Cannot build model: levels "${other}" and "${level}" of factor "${variable}" would both ` +
          `be named "${variable}${name}" in coefficient names (brms removes spaces, brackets and ` +
          `punctuation); rename one of the levels so that they differ in letters or digits.`,
      );
    }
    seen.set(name, level);
  }
  const first = coding === "contrasts" ? 1 : 0;
  const out: { level: number; name: string }[] = [];
  for (let k = first; k < levels.length; k++) {
    out.push({ level: k, name: `${variable}${cleanLevel(levels[k])}` });
  }
  return out;
}

/**
 * Refuse design columns that share a name (e.g. numeric column "f1" and level "1" of factor
 * "f"), naming both sources.
 *
 * @example
 * ```ts
 * import { requireUniqueNames } from "./term_coding.ts";
 * let message = "";
 * try { requireUniqueNames(["f1", "f1"], ["column f1", 'level "1" of f']); } catch (e) { message = String(e); }
 * console.assert(message.includes("column f1"));
 * ```
 */
export function requireUniqueNames(names: readonly string[], sources: readonly string[]): void {
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    const j = seen.get(name);
    if (j !== undefined) {
      throw new HetfxError(
        `Cannot build model: two design columns would both be named "${name}" (${sources[j]} ` +
          `and ${sources[i]}); rename a column or a level so that coefficient names are unique.`,
      );
    }
    seen.set(name, i);
  });
}
