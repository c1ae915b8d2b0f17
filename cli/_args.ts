/**
 * Checks of command-line option values, shared by the CLI entry points: every value is checked
 * when the command line is read (so `--dry-run` checks them too), an empty value (`--chains=`)
 * is reported as empty, numbers must be written in decimal and lie in the stated ranges, and
 * an option that takes a value may be given once unless it is repeatable (parseArgs would keep
 * the last silently).
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { closestName, HetfxError } from "../lib/errors.ts";

/**
 * Join `--name -1` into `--name=-1` for the given value-taking options, so that a negative
 * number reaches our range check instead of node:util's "argument is ambiguous" error.
 *
 * @example
 * ```ts
 * import { joinNegativeValues } from "./_args.ts";
 * console.assert(joinNegativeValues(["--chains", "-1"], ["chains"]).join() === "--chains=-1");
 * ```
 */
export function joinNegativeValues(argv: readonly string[], valued: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = /^--([a-z-]+)$/.exec(argv[i])?.[1];
    const next = argv[i + 1];
    if (
      name !== undefined && valued.includes(name) && next !== undefined &&
      /^-(\d|\.\d|Infinity|inf)/i.test(next)
    ) {
      out.push(`--${name}=${next}`);
      i++;
    } else out.push(argv[i]);
  }
  return out;
}

/** Refuse an empty value, e.g. `--chains=` or `--formula ""`. */
export function nonEmpty(name: string, text: string | undefined, example: string): void {
  if (text !== undefined && text.trim() === "") {
    throw new HetfxError(`Option --${name} is empty; give a value, e.g. --${name} ${example}.`);
  }
}

/**
 * A whole-number option within [min, max], or undefined when not given.
 *
 * @example
 * ```ts
 * import { wholeNumber } from "./_args.ts";
 * console.assert(wholeNumber("chains", "4", 1, 1000) === 4);
 * console.assert(wholeNumber("chains", undefined, 1, 1000) === undefined);
 * ```
 */
export function wholeNumber(
  name: string,
  text: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (text === undefined) return undefined;
  const example = String(Math.max(min, Math.min(max, 4)));
  nonEmpty(name, text, example);
  // Number() would also read "0x10", "1e3", " 12" and "0b1": decimal digits only (a zero
  // fraction, as in 1000.0, is still the whole number).
  const value = /^[+-]?\d+(?:\.0*)?$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value)) {
    throw new HetfxError(
      `Option --${name} expects a whole number, got "${text}"; write it in decimal digits, ` +
        `e.g. --${name} ${example}.`,
    );
  }
  if (value < min || value > max) {
    throw new HetfxError(
      `Option --${name} ${text} must be a whole number ≥ ${min}` +
        (max < Number.MAX_SAFE_INTEGER ? ` and ≤ ${max}` : "") + ".",
    );
  }
  return value;
}

/**
 * A number option within [min, max], or undefined when not given. `wider`: the library's own
 * rule, an open interval (lo, hi) that `what` states; a value outside it is told that rule
 * first, a value inside it only the command's narrower range.
 *
 * @example
 * ```ts
 * import { realNumber } from "./_args.ts";
 * console.assert(realNumber("adapt-delta", "0.95", 0.5, 0.9999) === 0.95);
 * ```
 */
export function realNumber(
  name: string,
  text: string | undefined,
  min: number,
  max: number,
  what = "",
  wider?: readonly [number, number],
): number | undefined {
  if (text === undefined) return undefined;
  nonEmpty(name, text, String(min));
  // Decimal notation (0.95, .95, 1e-3), not what else Number() reads ("0x1", " 1", "").
  const value = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : NaN;
  if (Number.isNaN(value)) {
    throw new HetfxError(
      `Option --${name} expects a number, got "${text}"; write it in decimal, e.g. ` +
        `--${name} ${min}.`,
    );
  }
  if (!(value >= min && value <= max)) {
    const rule = wider !== undefined && value > wider[0] && value < wider[1] ? "" : what;
    const outside = rule === "" ? " is outside the range" : "";
    throw new HetfxError(
      `Option --${name} ${text}${rule}${outside}; hetfx accepts ${min} to ${max}.`,
    );
  }
  return value;
}

/**
 * One of a fixed list of words, or undefined when not given.
 *
 * @example
 * ```ts
 * import { choice } from "./_args.ts";
 * console.assert(choice("metric", "dense", ["diag", "dense"]) === "dense");
 * ```
 */
export function choice<T extends string>(
  name: string,
  text: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (text === undefined) return undefined;
  nonEmpty(name, text, choices[0]);
  if (!(choices as readonly string[]).includes(text)) {
    throw new HetfxError(
      `Option --${name} "${text}" must be ${
        choices.slice(0, -1).map((c) => `"${c}"`).join(", ")
      } or "${choices[choices.length - 1]}".`,
    );
  }
  return text as T;
}

/**
 * Column names from repeatable, comma-separated values (`--factor a,b --factor c`).
 *
 * @example
 * ```ts
 * import { columnList } from "./_args.ts";
 * console.assert(columnList("factor", ["a, b", "c"])!.join() === "a,b,c");
 * ```
 */
export function columnList(
  name: string,
  values: readonly string[] | string | undefined,
): string[] | undefined {
  if (values === undefined) return undefined;
  const list = typeof values === "string" ? [values] : values;
  const columns: string[] = [];
  for (const value of list) {
    const names = value.split(",").map((c) => c.trim());
    if (names.some((c) => c === "")) {
      throw new HetfxError(
        `Option --${name} ${JSON.stringify(value)} has an empty column name; give column ` +
          `names separated by commas, e.g. --${name} a,b.`,
      );
    }
    columns.push(...names);
  }
  return columns;
}

/**
 * node:util parseArgs option entries for value-taking options, one per name.
 *
 * @example
 * ```ts
 * import { stringOptions } from "./_args.ts";
 * console.assert(stringOptions("out", "seed").seed.type === "string");
 * ```
 */
export function stringOptions<K extends string>(...names: K[]): Record<K, { type: "string" }> {
  return Object.fromEntries(names.map((n) => [n, { type: "string" }])) as Record<
    K,
    { type: "string" }
  >;
}

/**
 * node:util parseArgs option entries for on/off flags, one per name.
 *
 * @example
 * ```ts
 * import { flagOptions } from "./_args.ts";
 * console.assert(flagOptions("help").help.type === "boolean");
 * ```
 */
export function flagOptions<K extends string>(...names: K[]): Record<K, { type: "boolean" }> {
  return Object.fromEntries(names.map((n) => [n, { type: "boolean" }])) as Record<
    K,
    { type: "boolean" }
  >;
}

/**
 * Refuse an option that takes a value given twice (`--draws 100 --draws 200`), unless its
 * entry is `multiple` (repeatable, e.g. --prior): node:util parseArgs keeps the last one
 * silently. `tokens` are parseArgs's with `tokens: true`.
 *
 * @example
 * ```ts
 * import { parseArgs } from "node:util";
 * import { refuseRepeated, stringOptions } from "./_args.ts";
 * const options = { ...stringOptions("draws"), prior: { type: "string", multiple: true } } as const;
 * const ok = parseArgs({ args: ["--prior", "a", "--prior", "b"], options, tokens: true });
 * refuseRepeated(ok.tokens, options); // repeatable: fine
 * const twice = parseArgs({ args: ["--draws", "1", "--draws=2"], options, tokens: true });
 * try {
 *   refuseRepeated(twice.tokens, options);
 * } catch (e) {
 *   console.assert(String(e).includes("Option --draws is given twice"));
 * }
 * ```
 */
export function refuseRepeated(
  tokens: readonly { kind: string; name?: string; value?: unknown }[] | undefined,
  options: Readonly<Record<string, { type: string; multiple?: boolean }>>,
): void {
  const values = new Map<string, unknown>();
  for (const token of tokens ?? []) {
    if (token.kind !== "option" || token.name === undefined) continue;
    const option = options[token.name];
    if (option === undefined || option.type !== "string" || option.multiple) continue;
    if (values.has(token.name)) {
      const repeatable = Object.keys(options).filter((n) => options[n].multiple);
      throw new HetfxError(
        `Option --${token.name} is given twice (${JSON.stringify(values.get(token.name))}, then ` +
          `${JSON.stringify(token.value)}); give it once${
            repeatable.length === 0
              ? ""
              : ` (only ${repeatable.map((n) => `--${n}`).join(", ")} may be repeated)`
          }.`,
      );
    }
    values.set(token.name, token.value);
  }
}

/**
 * node:util parseArgs's error for an unknown or malformed option, as one paragraph for
 * `deno task <command>`: an unknown option gets the closest of the `known` names (did you
 * mean), a missing value says so, and each ends with the command's --help. Other errors are
 * returned as they are.
 *
 * @example
 * ```ts
 * import { parseArgs } from "node:util";
 * import { optionError } from "./_args.ts";
 * try {
 *   parseArgs({ args: ["--dialec", "x"], options: { dialect: { type: "string" } } });
 * } catch (e) {
 *   const message = String(optionError(e, ["dialect"], "sql"));
 *   console.assert(message.includes("Unknown option --dialec; did you mean --dialect?"));
 * }
 * ```
 */
export function optionError(error: unknown, known: readonly string[], command: string): unknown {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== "string" || !code.startsWith("ERR_PARSE_ARGS")) return error;
  const hint = `See deno task ${command} --help for its options.`;
  const message = (error as Error).message;
  const unknown = /^Unknown option '(-[^']*)'/.exec(message)?.[1];
  if (unknown !== undefined) {
    const close = closestName(unknown.replace(/^-+/, "").split("=")[0], known);
    return new HetfxError(
      `Unknown option ${unknown}${
        close === undefined ? "." : `; did you mean --${close}?`
      } ${hint}`,
    );
  }
  const missing = /^Option '(-[^' ]*)[^']*' argument missing/.exec(message)?.[1];
  if (missing !== undefined) {
    const name = missing.replace(/^-+/, "");
    return new HetfxError(`Option --${name} needs a value, e.g. --${name}=VALUE. ${hint}`);
  }
  return new HetfxError(`${message.replace(/\.?$/, ".")} ${hint}`);
}

/**
 * node:util parseArgs on a command's options (tokens kept; positionals allowed unless
 * `allowPositionals` is false): a value option followed by a negative number takes it
 * ({@link joinNegativeValues}), an unknown or malformed option becomes {@link optionError}'s
 * paragraph (did you mean one of `known`, by default the options' names), a repeated one
 * {@link refuseRepeated}'s.
 *
 * @example
 * ```ts
 * import { parseCommandLine } from "./_args.ts";
 * const { values } = parseCommandLine(["--run"], { run: { type: "boolean" } }, "sql");
 * console.assert(values.run === true);
 * ```
 */
export function parseCommandLine<O extends ParseArgsOptionsConfig>(
  argv: string[],
  options: O,
  command: string,
  allowPositionals = true,
  known: readonly string[] = Object.keys(options),
) {
  let parsed;
  try {
    const valued = Object.keys(options).filter((name) => options[name].type === "string");
    const args = joinNegativeValues(argv, valued);
    parsed = parseArgs({ args, allowPositionals, options, tokens: true });
  } catch (error) {
    throw optionError(error, known, command);
  }
  refuseRepeated(parsed.tokens, options);
  return parsed;
}
