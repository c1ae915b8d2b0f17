/**
 * Option objects checked by name: a misspelt option (`{ weight: "w" }` for `weights`) must be an
 * error, not a silently ignored setting.
 */
import { didYouMean, HetfxError } from "./errors.ts";

/**
 * The names of an options type, written once as an object so the compiler checks the list
 * against the type (a key missing or extra is a type error).
 *
 * @example
 * ```ts
 * import { optionNames } from "./options.ts";
 * interface O { by?: string[]; scale?: string }
 * console.assert(optionNames<O>({ by: true, scale: true }).join() === "by,scale");
 * ```
 */
export function optionNames<T>(names: { [K in keyof Required<T>]: true }): string[] {
  return Object.keys(names);
}

/**
 * Throw a HetfxError unless `options` is undefined or a plain object whose keys are all `known`;
 * the message suggests the closest name. `aliases` maps names users bring from other tools
 * (brms, marginaleffects) to what they are called here.
 *
 * @example
 * ```ts
 * import { checkOptions } from "./options.ts";
 * checkOptions({ by: ["male"] }, ["by", "scale"], "Cannot compute effects"); // fine
 * try {
 *   checkOptions({ byy: ["male"] }, ["by", "scale"], "Cannot compute effects");
 * } catch (e) {
 *   console.assert(String(e).includes('did you mean "by"'));
 * }
 * ```
 */
export function checkOptions(
  options: unknown,
  known: readonly string[],
  context: string,
  aliases: Readonly<Record<string, string>> = {},
): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new HetfxError(
      `${context}: options must be an object such as { ${known[0]}: … }, got ${
        Array.isArray(options) ? "an array" : options === null ? "null" : typeof options
      }.`,
    );
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const hint = Object.hasOwn(aliases, key)
      ? `; here it is ${aliases[key]}`
      : didYouMean(key, known);
    throw new HetfxError(
      `${context}: unknown option "${key}"${hint} (options: ${known.join(", ")}).`,
    );
  }
}
