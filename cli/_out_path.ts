/**
 * The --out file of the command line: checked before any sampling (a folder that exists, not a
 * device, not the data file, and not a file of the user's that hetfx did not write unless
 * --force), and written with file-system errors in plain words.
 */
import { dirname, resolve } from "node:path";
import { HetfxError } from "../lib/errors.ts";

/** Options of {@link checkOutPath}. */
export interface OutPathOptions {
  /** The data file, which --out must not name (even with --force). */
  input?: string;
  /** --force: an existing file that is not a hetfx result may be overwritten. */
  force?: boolean;
  /** The file name the messages suggest (default result.json). */
  example?: string;
}

/**
 * Refuse an --out path that cannot be written before any sampling is spent: not "-" (standard
 * output, which the commands do not write to), its folder must exist, the path must not be a
 * folder or a device, it must not be the data file `options.input` (which --out would overwrite
 * with JSON), and an existing file must be empty or a result hetfx wrote, unless
 * `options.force`.
 *
 * @example
 * ```ts
 * import { checkOutPath } from "./_out_path.ts";
 * await checkOutPath("result.json"); // a new file in the working folder: fine
 * ```
 */
export async function checkOutPath(out: string, options: OutPathOptions = {}): Promise<void> {
  const { input, force = false, example = "result.json" } = options;
  if (out.trim() === "") throw new HetfxError(`Option --out needs a file name, e.g. ${example}.`);
  if (out.trim() === "-") {
    throw new HetfxError(
      `Option --out - would write a file named "-": the result is not written to standard ` +
        `output; give a file name, e.g. --out ${example}.`,
    );
  }
  if (/^\/dev\//.test(resolve(out))) {
    throw new HetfxError(
      `Cannot write --out ${out}: it is a device, not a file; give a file name, e.g. ` +
        `--out ${example}.`,
    );
  }
  if (input !== undefined && await samePath(out, input)) {
    throw new HetfxError(
      `Cannot write --out ${out}: it is the data file, which the result would overwrite; ` +
        `give another name, e.g. --out ${example}.`,
    );
  }
  const folder = out.endsWith("/") ? out : dirname(out);
  const kind = async (path: string) => {
    try {
      return (await Deno.stat(path)).isDirectory ? "folder" : "file";
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return "none";
      throw new HetfxError(
        `Cannot write --out ${out}: ${plainReason(error)}; choose a file in a folder you can ` +
          `write to, e.g. --out ${example}.`,
      );
    }
  };
  const folderKind = await kind(folder);
  if (folderKind !== "folder") {
    throw new HetfxError(
      `Cannot write --out ${out}: ${
        folderKind === "none" ? `the folder "${folder}" does not exist` : `"${folder}" is a file`
      }; create the folder first (mkdir -p ${shellWord(folder)}) or choose another path.`,
    );
  }
  if (await kind(out) === "folder") {
    throw new HetfxError(
      `Cannot write --out ${out}: it is a folder; give a file name, e.g. ${
        out.replace(/\/?$/, `/${example}`)
      }.`,
    );
  }
  const info = await Deno.stat(out).catch(() => undefined);
  if (info !== undefined && !info.isFile) {
    throw new HetfxError(
      `Cannot write --out ${out}: it is not a regular file (a device or a pipe); give a file ` +
        `name, e.g. --out ${example}.`,
    );
  }
  if (info === undefined || info.size === 0 || force) return;
  const other = await notHetfxResult(out, info.size);
  if (other !== null) {
    throw new HetfxError(
      `Cannot write --out ${out}: the file exists and is not a result hetfx wrote (${other}), ` +
        `so writing would destroy it; give a new file name, e.g. --out ${example}, or add ` +
        "--force to overwrite it.",
    );
  }
}

/**
 * The top-level keys by which a JSON result of each command is known: fit (also --keep-partial),
 * compare and sbc (sql's CSV aggregate is known by its header, {@link isAggregateHeader}).
 */
const RESULT_KEYS = [
  ["spec", "parameters"],
  ["treatment", "ols", "rows", "shrinkage"],
  ["sims", "parameters"],
];

/** Files larger than this are not read to see whether hetfx wrote them (none of ours is). */
const MAX_RESULT_BYTES = 256 * 2 ** 20;

/**
 * Whether the first line of a CSV is the header of an aggregate `deno task sql --run` wrote:
 * the row count `n` and the sufficient statistics `sum__…`.
 */
function isAggregateHeader(firstLine: string): boolean {
  const names = firstLine.split(",").map((name) => name.trim());
  return names.includes("n") && names.some((name) => name.startsWith("sum__"));
}

/** Null when the file at `path` is a hetfx result; else what it is instead, in words. */
async function notHetfxResult(path: string, size: number): Promise<string | null> {
  if (size > MAX_RESULT_BYTES) return `a ${Math.round(size / 2 ** 20)} MB file`;
  const text = await Deno.readTextFile(path).catch(() => "");
  if (isAggregateHeader(text.split("\n", 1)[0])) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return "it is not JSON";
  }
  const isResult = typeof json === "object" && json !== null && !Array.isArray(json) &&
    RESULT_KEYS.some((keys) => keys.every((k) => Object.hasOwn(json as object, k)));
  return isResult ? null : "JSON, but not one of hetfx's results";
}

/**
 * Write the result `text` to `out`; a file-system error becomes a HetfxError in plain words.
 *
 * @example
 * ```ts
 * import { writeOut } from "./_out_path.ts";
 * const path = await Deno.makeTempFile({ suffix: ".json" });
 * await writeOut(path, "{}\n");
 * await Deno.remove(path);
 * ```
 */
export async function writeOut(out: string, text: string): Promise<void> {
  try {
    await Deno.writeTextFile(out, text);
  } catch (error) {
    throw new HetfxError(
      `Cannot write --out ${out}: ${plainReason(error)}; choose a file in a folder you can ` +
        "write to, e.g. --out result.json.",
    );
  }
}

/**
 * A file-system error in words a user of `deno task fit` can act on: Deno's own advice (run
 * again with a permission flag) does not apply to a task whose flags are fixed.
 */
function plainReason(error: unknown): string {
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return "permission denied";
  }
  return String((error as Error)?.message ?? error).replace(/,? run again with[^]*$/, "");
}

/**
 * A path as one shell word, for advice the user pastes: as it is when plain, else in single
 * quotes (a space would split `mkdir -p new results` into two folders).
 */
function shellWord(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}

/** Whether two paths name the same file (through links and relative parts). */
async function samePath(a: string, b: string): Promise<boolean> {
  if (resolve(a) === resolve(b)) return true;
  try {
    return await Deno.realPath(a) === await Deno.realPath(b);
  } catch {
    return false; // one of them does not exist yet, so they differ
  }
}
