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
  "(": "(",
  ")": ")",
  "[": "[",
  "]": "]",
  ",": ",",
};

const isDigit = (c: string) => c >= "0" && c <= "9";
const isNameStart = (c: string) => /[A-Za-z_.]/.test(c);
const isNamePart = (c: string) => /[A-Za-z0-9_.]/.test(c);

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
  return `Cannot parse ${what} at position ${at + 1}: ${message}\n  ${source}\n  ${
    " ".repeat(at)
  }^`;
}

/**
 * Split `source` into tokens. Names are letters, digits, `_` and `.` (not starting with a
 * digit); numbers are decimals with an optional exponent (`2`, `0.5`, `.5`, `1e-3`).
 * The last token is always `eof`, positioned at the end of the input.
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
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (isDigit(c) || (c === "." && isDigit(source[i + 1] ?? ""))) {
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
      tokens.push({ kind: "number", text: source.slice(start, i), pos: start });
      continue;
    }
    if (isNameStart(c)) {
      while (i < source.length && isNamePart(source[i])) i++;
      tokens.push({ kind: "ident", text: source.slice(start, i), pos: start });
      continue;
    }
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
    if (kind === undefined) {
      throw new HetfxError(
        caretMessage(
          what,
          source,
          start,
          `unexpected character "${c}" (names may use letters, digits, "_" and ".")` +
            (c === "`" || c === "'" || c === '"'
              ? "; a column whose name has spaces or other characters cannot be quoted: " +
                "rename it in the CSV header (e.g. my_outcome)"
              : ""),
        ),
      );
    }
    tokens.push({ kind, text: c, pos: start });
    i++;
  }
  tokens.push({ kind: "eof", text: "", pos: source.length });
  return tokens;
}
