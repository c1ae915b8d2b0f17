/**
 * Tokenizer for brms-style formulas and prior statements. Every token carries its 0-based
 * offset in the source text so that errors can point at it with a caret.
 */
import { HetfxError } from "../errors.ts";

/** Token kinds: names, numbers, punctuation, and the end of the input. */
export type TokenKind =
  | "ident"
  | "number"
  | "~"
  | "+"
  | "-"
  | "*"
  | ":"
  | "|"
  | "||"
  | "/"
  | "^"
  | "("
  | ")"
  | "["
  | "]"
  | ","
  | "eof";

/** One token: its kind, its text as written, and its 0-based offset in the source. */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly pos: number;
}

const SINGLE: Readonly<Record<string, TokenKind>> = {
  "~": "~",
  "+": "+",
  "-": "-",
  "*": "*",
  ":": ":",
  "/": "/",
  "^": "^",
  "(": "(",
  ")": ")",
  "[": "[",
  "]": "]",
  ",": ",",
};

const isDigit = (c: string) => c >= "0" && c <= "9";
// Names may use letters of any script (café, größe, 収入), as R's make.names allows.
const isNameStart = (c: string) => /[\p{L}_.]/u.test(c);
const isNamePart = (c: string) => /[\p{L}\p{M}\p{N}_.]/u.test(c);

/** Deepest nesting of parentheses a formula, prior or hypothesis may have. */
export const MAX_NESTING = 100;
/** Most operators (`+ - * : / |`) a formula, prior or hypothesis may have. */
export const MAX_OPERATORS = 1000;

/**
 * A name as a formula writes it: as is when it is a plain name (letters, digits, `_`, `.`,
 * not starting with a digit), else in back-quotes (`` `my col` ``), as brms and R do.
 *
 * @example
 * ```ts
 * import { formatName } from "./formula_lexer.ts";
 * console.assert(formatName("größe") === "größe" && formatName("my col") === "`my col`");
 * ```
 */
export function formatName(name: string): string {
  return /^[\p{L}_.][\p{L}\p{M}\p{N}_.]*$/u.test(name) && !/^\.\d/.test(name)
    ? name
    : `\`${name}\``;
}

/** "(" after a name, possibly after spaces: a function call. */
const CALL = /\s*\(/y;

/** What to do instead of each brms/R function a formula may not call. */
const UNSUPPORTED_CALLS: Readonly<Record<string, string>> = {
  offset: "hetfx has no offset term; add the offset as a column (e.g. log_exposure) and use " +
    "it as a predictor, whose coefficient is then estimated instead of fixed at 1",
  s: "smooth terms are not supported; add polynomial or binned versions of the column as " +
    "predictors (e.g. columns x2 = x² or x_bin) computed before fitting",
  t2: "smooth terms are not supported; add polynomial or binned versions of the columns as " +
    "predictors, computed before fitting",
  gp: "Gaussian-process terms are not supported; add polynomial or binned versions of the " +
    "column as predictors, computed before fitting",
  mo: "monotonic effects are not supported; use the ordinal column as a factor (one " +
    "coefficient per level) or as a number (one slope)",
  poly: "compute the polynomial columns first (e.g. x2 = x², x3 = x³, centred) and add them " +
    "as terms: y ~ x + x2",
  I: "compute the column first (e.g. a column x2 = x^2 in the data) and name it in the formula",
  me: "measurement-error terms are not supported; use the observed column",
  mi: "missing-value imputation is not supported; drop the rows with missing values or impute " +
    "them before fitting",
  cs: "category-specific effects are not supported (hetfx has no ordinal families)",
  cse: "category-specific effects are not supported (hetfx has no ordinal families)",
  factor: "declare the column a factor when loading the data instead: " +
    'loadTable(source, { factors: ["x"] })',
  "as.factor": "declare the column a factor when loading the data instead: " +
    'loadTable(source, { factors: ["x"] })',
  scale: "standardise the column first (a new column (x - mean) / sd) and name it",
};

function unsupportedCall(source: string, start: number, name: string, what: string): never {
  const advice = UNSUPPORTED_CALLS[name] ??
    "functions of columns are not supported in formulas; compute the column first " +
      "(e.g. log_x = log(x) in the data) and name it";
  throw new HetfxError(
    caretMessage(what, source, start, `${name}() is not supported in hetfx formulas: ${advice}`),
  );
}

/**
 * A parse error message: what went wrong, the source, and a caret under `pos` (0-based).
 * The position in the text is 1-based, as editors count columns.
 *
 * @example
 * ```ts
 * import { caretMessage } from "./formula_lexer.ts";
 * const m = caretMessage("formula", "y ~ 1 + x +", 11, 'expected a term after "+"');
 * console.assert(m.endsWith("\n  y ~ 1 + x +\n             ^"));
 * ```
 */
export function caretMessage(what: string, source: string, pos: number, message: string): string {
  const at = Math.max(0, Math.min(pos, source.length));
  // A long source is shown as a window of 40 characters either side of the caret.
  const from = source.length > 100 ? Math.max(0, at - 40) : 0;
  const to = source.length > 100 ? Math.min(source.length, at + 40) : source.length;
  const before = from > 0 ? "…" : "";
  const shown = before + source.slice(from, to) + (to < source.length ? "…" : "");
  return `Cannot parse ${what} at position ${at + 1}: ${message}\n  ${shown}\n  ${
    " ".repeat(at - from + before.length)
  }^`;
}

/** The end of the number starting at `start` (digits, a fraction, an exponent). */
function numberEnd(source: string, start: number, what: string): number {
  let i = start;
  while (isDigit(source[i] ?? "")) i++;
  if (source[i] === ".") {
    i++;
    while (isDigit(source[i] ?? "")) i++;
  }
  if (source[i] === "e" || source[i] === "E") {
    let j = i + 1;
    if (source[j] === "+" || source[j] === "-") j++;
    if (isDigit(source[j] ?? "")) {
      i = j;
      while (isDigit(source[i] ?? "")) i++;
    }
  }
  if (isNameStart(source[i] ?? "")) {
    throw new HetfxError(
      caretMessage(
        what,
        source,
        start,
        `"${source.slice(start, i + 1)}…" is not a number or a column name ` +
          `(column names start with a letter, "_" or ".")`,
      ),
    );
  }
  return i;
}

/** The index of the back-quote closing the name opened at `start`; refused if none or empty. */
function quotedEnd(source: string, start: number, what: string): number {
  const close = source.indexOf("`", start + 1);
  if (close < 0) {
    throw new HetfxError(
      caretMessage(what, source, start, "unterminated back-quote; close the name with `"),
    );
  }
  if (close === start + 1) {
    throw new HetfxError(caretMessage(what, source, start, "empty back-quoted name ``"));
  }
  return close;
}

/** Refuse the character at `start`, with advice for quotes and expression operators. */
function unexpectedCharacter(source: string, start: number, what: string): never {
  const c = source[start];
  throw new HetfxError(
    caretMessage(
      what,
      source,
      start,
      `unexpected character "${c}" (names may use letters, digits, "_" and ".")` +
        (c === "'" || c === '"'
          ? "; write a column whose name has spaces or other characters in back-quotes: " +
            "`my col`"
          : c === "$" || c === "%" || c === "=" || c === "<" || c === ">" || c === "!"
          ? "; expressions are not supported in formulas: compute the column first and " +
            "name it (a name with such characters goes in back-quotes: `a$b`)"
          : ""),
    ),
  );
}

/**
 * Split `source` into tokens. Names are letters (of any script), digits, `_` and `.` (not
 * starting with a digit), or any text in back-quotes (`` `my col` ``); numbers are decimals
 * with an optional exponent (`2`, `0.5`, `.5`, `1e-3`). In a formula, a name followed by "("
 * is a function call, refused (except `trials`) with what to do instead. More than
 * {@link MAX_NESTING} nested parentheses or {@link MAX_OPERATORS} operators are refused (the
 * parser is recursive). The last token is always `eof`, positioned at the end of the input.
 *
 * @example
 * ```ts
 * import { tokenize } from "./formula_lexer.ts";
 * const tokens = tokenize("y ~ 1 + (x || g)");
 * console.assert(tokens.map((t) => t.kind).join(" ") === "ident ~ number + ( ident || ident ) eof");
 * console.assert(tokens[4].pos === 8);
 * ```
 */
export function tokenize(source: string, what = "formula"): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let depth = 0;
  let operators = 0;
  // Function calls are refused on the right-hand side only ("y | trials(n) ~ …" is allowed).
  let afterTilde = false;
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (isDigit(c) || (c === "." && isDigit(source[i + 1] ?? ""))) {
      i = numberEnd(source, start, what);
      tokens.push({ kind: "number", text: source.slice(start, i), pos: start });
      continue;
    }
    if (isNameStart(c)) {
      while (i < source.length && isNamePart(source[i])) i++;
      const text = source.slice(start, i);
      tokens.push({ kind: "ident", text, pos: start });
      CALL.lastIndex = i;
      if (what === "formula" && afterTilde && CALL.test(source)) {
        unsupportedCall(source, start, text, what);
      }
      continue;
    }
    if (c === "`") {
      const close = quotedEnd(source, start, what);
      tokens.push({ kind: "ident", text: source.slice(i + 1, close), pos: start });
      i = close + 1;
      continue;
    }
    if ("+-*:/|^".includes(c) && ++operators > MAX_OPERATORS) {
      throw new HetfxError(
        caretMessage(
          what,
          source,
          start,
          `more than ${MAX_OPERATORS} operators; hetfx reads at most ${MAX_OPERATORS} ` +
            "(split the model, or combine columns before fitting)",
        ),
      );
    }
    if (c === "(" && ++depth > MAX_NESTING) {
      throw new HetfxError(
        caretMessage(
          what,
          source,
          start,
          `parentheses nested more than ${MAX_NESTING} deep; hetfx reads at most ` +
            `${MAX_NESTING} levels (remove redundant parentheses)`,
        ),
      );
    }
    if (c === ")") depth = Math.max(0, depth - 1);
    if (c === "|") {
      if (source[i + 1] === "|") {
        tokens.push({ kind: "||", text: "||", pos: start });
        i += 2;
      } else {
        tokens.push({ kind: "|", text: "|", pos: start });
        i++;
      }
      continue;
    }
    const kind = SINGLE[c];
    if (kind === undefined) unexpectedCharacter(source, start, what);
    if (kind === "~") afterTilde = true;
    tokens.push({ kind, text: c, pos: start });
    i++;
  }
  tokens.push({ kind: "eof", text: "", pos: source.length });
  return tokens;
}
