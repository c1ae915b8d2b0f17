/**
 * How every command line entry point ends on an error a user can fix: one "Error: …" paragraph
 * on stderr and exit status 2, never a stack trace. Anything else is a bug and is rethrown.
 */
import { HetfxError } from "../lib/errors.ts";

/**
 * Print a user error and return exit status 2; rethrow anything that is not one (a HetfxError,
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
    console.error(`Error: ${(error as Error).message}`);
    return 2;
  }
  throw error;
}
