/**
 * How every command line entry point ends on an error a user can fix: one "Error: …" paragraph
 * on stderr and exit status 2, never a stack trace, the library's advice worded as flags
 * ({@link inCliTerms}). Anything else is a bug and is rethrown.
 */
import { HetfxError } from "../lib/errors.ts";

/**
 * Print a user error (worded for the command line by {@link inCliTerms}) and return exit
 * status 2; rethrow anything that is not one (a HetfxError,
 * or node:util parseArgs's ERR_PARSE_ARGS_* for unknown or malformed options).
 *
 * @example
 * ```ts
 * import { HetfxError } from "../lib/errors.ts";
 * import { reportUserError } from "./_errors.ts";
 * console.assert(reportUserError(new HetfxError("bad column")) === 2);
 * ```
 */
export function reportUserError(error: unknown): number {
  const code = (error as { code?: unknown })?.code;
  if (error instanceof HetfxError || (typeof code === "string" && code.startsWith("ERR_PARSE"))) {
    console.error(`Error: ${(inCliTerms(error) as Error).message}`);
    return 2;
  }
  throw error;
}

/** Library option names and the flags that set them. */
const FLAGS: Record<string, string> = {
  chains: "--chains",
  warmup: "--warmup",
  draws: "--draws",
  seed: "--seed",
  adaptDelta: "--adapt-delta",
  maxTreedepth: "--max-treedepth",
  metric: "--metric",
  backend: "--backend",
  parameterization: "--parameterization",
  sdScale: "--sd-scale",
};

/**
 * A library error worded for the command line: option names become flags, and the advice to
 * call loadTable with dropMissing, factors or encoding becomes --drop-missing, --factor or
 * --encoding.
 */
export function inCliTerms(error: unknown): unknown {
  if (!(error instanceof HetfxError)) return error;
  const message = inCliText(
    error.message
      .replace(
        /\boption (\w+) = /,
        (all, name: string) => Object.hasOwn(FLAGS, name) ? `${FLAGS[name]} ` : all,
      )
      .replace(
        /Drop incomplete rows first: loadTable\(source, \{ dropMissing: true \}\)[^]*$/,
        "Rerun with --drop-missing to drop the rows with a missing value in the model's " +
          "columns (they are counted and reported), or fill those values in.",
      )
      // On the command line an unused level comes from --levels: leave it out there.
      .replace(
        /no row has any more: drop unused levels with dropUnusedLevels\(\)/,
        "no row has: leave it out of --levels",
      )
      // --drop-missing already looks at the model's columns only.
      .replace(/, and if some are not model columns, drop missing values only in[^]*$/, ".")
      .replace(
        /loadTable\((?:source|path), \{ factors: \["([^"]*)"\] \}\)/g,
        (_all, name: string) => `rerun with --factor ${name}`,
      )
      .replace(
        /read it in memory: loadTable\(path, \{ encoding: "([^"]*)" \}\)/,
        (_all, name: string) =>
          `read it in memory: deno task fit --engine memory --encoding ${name}`,
      )
      .replace(
        /loadTable\((?:source|path), \{ encoding: "([^"]*)" \}\)/g,
        (_all, name: string) => `--encoding ${name}`,
      )
      .replace(/Use fewer chains or draws/, "Use fewer --chains or --draws")
      .replace(/add it to `levels`/, "add it to --levels")
      .replace(/the one \.treatment\(\) names/, "the one --treatment names")
      .replace(/option `factors`/g, "--factor")
      .replace(/option `levels`/g, "--levels")
      .replace(/option `encoding`/g, "--encoding"),
  );
  return message === error.message ? error : new HetfxError(message);
}

/** Advice in text (warnings, messages) that names sampler options, worded as flags. */
export function inCliText(text: string): string {
  return text.replace(/\badaptDelta\b/g, "--adapt-delta")
    .replace(/\bmaxTreedepth\b/g, "--max-treedepth");
}
