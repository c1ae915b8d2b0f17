/**
 * Option objects checked by name: a misspelt option (`{ weight: "w" }` for `weights`) must be an
 * error, not a silently ignored setting; and the two checks every options object shares: an
 * on/off option is true or false (not a truthy "yes"), and a method that takes nothing is given
 * nothing.
 */
import { didYouMean, HetfxError, showValue } from "./errors.ts";

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

/**
 * Throw a HetfxError `"<context>: option <name> = <value> must be true or false."` unless
 * `value` is undefined or a boolean: "yes", 1 or {} would otherwise count as true, and "no" too.
 *
 * @example
 * ```ts
 * import { checkBoolean } from "./options.ts";
 * checkBoolean(true, "varying", "Cannot summarise"); // fine, as is undefined
 * try {
 *   checkBoolean("yes", "varying", "Cannot summarise");
 * } catch (e) {
 *   console.assert(String(e).includes('option varying = "yes" must be true or false'));
 * }
 * ```
 */
export function checkBoolean(value: unknown, name: string, context: string): void {
  if (value === undefined || typeof value === "boolean") return;
  throw new HetfxError(`${context}: option ${name} = ${showValue(value)} must be true or false.`);
}

/**
 * Throw a HetfxError `"<context>: option seed = <value> must be a whole number …"` unless
 * `value` is undefined or a safe integer, the seeds a fit takes: the counter RNG would key a
 * text, NaN or 1.5 silently as some other seed (every text and NaN as the same one).
 *
 * @example
 * ```ts
 * import { checkSeed } from "./options.ts";
 * checkSeed(42, "Cannot predict"); // fine, as is undefined
 * try {
 *   checkSeed("42", "Cannot predict");
 * } catch (e) {
 *   console.assert(String(e).includes('option seed = "42" must be a whole number'));
 * }
 * ```
 */
export function checkSeed(value: unknown, context: string): void {
  if (value === undefined || Number.isSafeInteger(value)) return;
  throw new HetfxError(
    `${context}: option seed = ${showValue(value)} must be a whole number (at most 2^53 − 1 ` +
      "in size), as a fit's seed.",
  );
}

/**
 * Throw a HetfxError unless `args` (a method's arguments) is empty: an argument given to a
 * method that takes none (`fit.groupEffects("male")`) would otherwise be ignored silently.
 * `call` is the method as a user writes it, e.g. `"fit.groupEffects()"`.
 *
 * @example
 * ```ts
 * import { checkNoArguments } from "./options.ts";
 * checkNoArguments([], "fit.loo()"); // fine
 * try {
 *   checkNoArguments(["male"], "fit.groupEffects()");
 * } catch (e) {
 *   console.assert(String(e).includes('fit.groupEffects() takes no arguments, got "male"'));
 * }
 * ```
 */
export function checkNoArguments(args: ArrayLike<unknown>, call: string): void {
  if (args.length === 0) return;
  const given = Array.from(args, showValue).join(", ");
  throw new HetfxError(
    `${call} takes no arguments, got ${given}; call it without any (and pick from its result).`,
  );
}
