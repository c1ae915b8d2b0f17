/**
 * Recursive-descent parser for the brms formula subset hetfx understands, producing an AST
 * that keeps every node's source position (for error carets) and prints back to text.
 *
 * Grammar (lowest precedence first, as in R):
 *
 *     formula  := response "~" sum EOF
 *     response := NAME [ "|" addition { "+" addition } ]
 *     addition := ("trials" | "weights") "(" NAME ")"
 *     sum      := [ "-" ] product { ("+" | "-") product }
 *     product  := inter { "*" inter }
 *     inter    := atom { ":" atom }
 *     atom     := NAME | NUMBER | "(" sum [ ("|" | "||") nested ] ")"
 *     nested   := factors { "/" factors }
 *     factors  := NAME { ":" NAME }
 *
 * Nesting is expanded as brms does: `(1 + t | a/b)` is `(1 + t | a) + (1 + t | a:b)`.
 * A NAME is a plain name or any text in back-quotes (see formula_lexer.ts).
 */
import { HetfxError } from "../errors.ts";
import { caretMessage, formatName, type Token, tokenize, type TokenKind } from "./formula_lexer.ts";

/** A node of a formula's right-hand side. `pos` is the 0-based offset of the node's token. */
export type FormulaExpr =
  | { kind: "var"; name: string; pos: number }
  | { kind: "number"; text: string; pos: number }
  | {
    kind: "binary";
    op: "+" | "-" | "*" | ":";
    left: FormulaExpr;
    right: FormulaExpr;
    pos: number;
  }
  | { kind: "neg"; expr: FormulaExpr; pos: number }
  | { kind: "paren"; expr: FormulaExpr; pos: number }
  | {
    kind: "group";
    expr: FormulaExpr;
    bar: "|" | "||";
    factors: { name: string; pos: number }[];
    pos: number;
  };

/** A parsed formula: `response [| trials(n) + weights(w)] ~ rhs`. */
export interface FormulaAst {
  response: { name: string; pos: number };
  trials?: { name: string; pos: number };
  /** brms's `weights(w)`: each row's log-likelihood times w. */
  weights?: { name: string; pos: number };
  rhs: FormulaExpr;
  source: string;
}

class Parser {
  private readonly tokens: Token[];
  private index = 0;

  constructor(private readonly source: string) {
    this.tokens = tokenize(source, "formula");
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private get previous(): Token | undefined {
    return this.tokens[this.index - 1];
  }

  private fail(pos: number, message: string): never {
    throw new HetfxError(caretMessage("formula", this.source, pos, message));
  }

  private describe(token: Token): string {
    return token.kind === "eof" ? "the end of the formula" : `"${token.text}"`;
  }

  private expect(kind: TokenKind, what: string): Token {
    const token = this.peek();
    if (token.kind !== kind) {
      this.fail(token.pos, `expected ${what}, found ${this.describe(token)}`);
    }
    this.index++;
    return token;
  }

  parseFormula(): FormulaAst {
    if (this.peek().kind !== "ident") {
      this.fail(
        this.peek().pos,
        `expected the outcome column before "~" (like "y ~ 1 + x"), found ${
          this.describe(this.peek())
        }`,
      );
    }
    const name = this.peek();
    this.index++;
    // brms's addition terms after "|": trials(n), weights(w), joined by "+" in any order.
    const addition: Partial<Record<"trials" | "weights", { name: string; pos: number }>> = {};
    if (this.peek().kind === "|") {
      do {
        this.index++;
        const [kind, column] = this.parseAddition();
        if (addition[kind] !== undefined) {
          this.fail(column.pos, `${kind}() given twice in the outcome; give it once`);
        }
        addition[kind] = column;
      } while (this.peek().kind === "+");
    }
    if (this.peek().kind !== "~") {
      this.fail(
        this.peek().pos,
        `expected "~" after the outcome "${name.text}", found ${this.describe(this.peek())}`,
      );
    }
    this.index++;
    const rhs = this.parseSum();
    if (this.peek().kind !== "eof") {
      const hint = this.peek().kind === ")"
        ? " (unbalanced parentheses)"
        : this.peek().kind === "^"
        ? ' (R\'s "(a + b)^2" crossing is not supported: write the products, a * b)'
        : this.peek().kind === "/"
        ? ' (nesting "a/b" is supported only after "|" in a group term: (1 | a/b))'
        : "";
      this.fail(
        this.peek().pos,
        `expected "+", "-", "*", ":" or the end of the formula, found ${
          this.describe(this.peek())
        }${hint}`,
      );
    }
    const ast: FormulaAst = {
      response: { name: name.text, pos: name.pos },
      rhs,
      source: this.source,
    };
    if (addition.trials !== undefined) ast.trials = addition.trials;
    if (addition.weights !== undefined) ast.weights = addition.weights;
    return ast;
  }

  /** One addition term of the outcome: `trials(column)` or `weights(column)`. */
  private parseAddition(): ["trials" | "weights", { name: string; pos: number }] {
    const fn = this.peek();
    if (fn.kind !== "ident" || (fn.text !== "trials" && fn.text !== "weights")) {
      this.fail(fn.pos, `expected "trials(column)" or "weights(column)" after "|" in the outcome`);
    }
    const kind = fn.text as "trials" | "weights";
    this.index++;
    this.expect("(", `"(" after "${kind}"`);
    const constant = this.peek();
    if (constant.kind === "number") {
      const what = kind === "trials" ? "the number of trials" : "the weights";
      this.fail(
        constant.pos,
        `${kind}(${constant.text}): give ${what} as a column — add a column, ` +
          `say n, equal to ${constant.text} in every row and write ${kind}(n)`,
      );
    }
    const column = this.expect(
      "ident",
      kind === "trials" ? "the column with the number of trials" : "the column of weights",
    );
    this.expect(")", `")" after the ${kind} column`);
    return [kind, { name: column.text, pos: column.pos }];
  }

  private parseSum(): FormulaExpr {
    let expr: FormulaExpr;
    if (this.peek().kind === "-") {
      const pos = this.peek().pos;
      this.index++;
      expr = { kind: "neg", expr: this.parseProduct(), pos };
    } else {
      expr = this.parseProduct();
    }
    while (this.peek().kind === "+" || this.peek().kind === "-") {
      const op = this.peek().kind as "+" | "-";
      const pos = this.peek().pos;
      this.index++;
      expr = { kind: "binary", op, left: expr, right: this.parseProduct(), pos };
    }
    return expr;
  }

  private parseProduct(): FormulaExpr {
    let expr = this.parseInter();
    while (this.peek().kind === "*") {
      const pos = this.peek().pos;
      this.index++;
      expr = { kind: "binary", op: "*", left: expr, right: this.parseInter(), pos };
    }
    return expr;
  }

  private parseInter(): FormulaExpr {
    let expr = this.parseAtom();
    while (this.peek().kind === ":") {
      const pos = this.peek().pos;
      this.index++;
      expr = { kind: "binary", op: ":", left: expr, right: this.parseAtom(), pos };
    }
    return expr;
  }

  private parseAtom(): FormulaExpr {
    const token = this.peek();
    if (token.kind === "ident") {
      if (token.text === "." && this.source[token.pos] === ".") {
        this.fail(
          token.pos,
          '"." (all other columns) is not supported: list the columns, e.g. y ~ x1 + x2',
        );
      }
      this.index++;
      return { kind: "var", name: token.text, pos: token.pos };
    }
    if (token.kind === "number") {
      this.index++;
      return { kind: "number", text: token.text, pos: token.pos };
    }
    if (token.kind === "(") {
      this.index++;
      const expr = this.parseSum();
      if (this.peek().kind === "|" || this.peek().kind === "||") {
        const bar = this.peek().kind as "|" | "||";
        this.index++;
        const nested = [this.parseFactors()];
        while (this.peek().kind === "/") {
          this.index++;
          nested.push(this.parseFactors());
        }
        if (this.peek().kind !== ")") {
          const hint = this.peek().kind === "+"
            ? ` (a group term has one grouping factor: write (… | a) + (… | b), or a:b for their combinations)`
            : "";
          this.fail(this.peek().pos, `expected ")" to close the group term${hint}`);
        }
        this.index++;
        // brms's expansion of nesting: (… | a/b/c) = (… | a) + (… | a:b) + (… | a:b:c).
        let result: FormulaExpr | undefined;
        let factors: { name: string; pos: number }[] = [];
        for (const level of nested) {
          factors = [...factors, ...level];
          const group: FormulaExpr = { kind: "group", expr, bar, factors, pos: token.pos };
          result = result === undefined
            ? group
            : { kind: "binary", op: "+", left: result, right: group, pos: token.pos };
        }
        return result!;
      }
      if (this.peek().kind !== ")") {
        this.fail(
          this.peek().pos,
          `expected ")" to close the "(" at position ${token.pos + 1}, found ${
            this.describe(this.peek())
          }`,
        );
      }
      this.index++;
      return { kind: "paren", expr, pos: token.pos };
    }
    const previous = this.previous;
    const after = previous !== undefined && previous.kind !== "ident" && previous.kind !== "number"
      ? ` after "${previous.text}"`
      : "";
    const found = token.kind === "eof" ? "" : `, found "${token.text}"`;
    this.fail(token.pos, `expected a term${after}${found}`);
  }

  private parseFactors(): { name: string; pos: number }[] {
    const factors: { name: string; pos: number }[] = [];
    for (;;) {
      const token = this.peek();
      if (token.kind !== "ident") {
        this.fail(
          token.pos,
          `expected a grouping column after "${this.previous?.text}" (like "| g", "| g1:g2" or ` +
            `"| g1/g2")`,
        );
      }
      this.index++;
      factors.push({ name: token.text, pos: token.pos });
      if (this.peek().kind !== ":") return factors;
      this.index++;
    }
  }
}

/**
 * Parse a brms-style formula into an AST (no column checks; see `formula()` for that).
 * Malformed input throws a HetfxError whose message shows the formula with a caret.
 *
 * @example
 * ```ts
 * import { parseFormula } from "./formula_parser.ts";
 * const ast = parseFormula("y ~ 1 + x + (1 + x | g)");
 * console.assert(ast.response.name === "y" && ast.rhs.kind === "binary");
 * ```
 */
export function parseFormula(source: string): FormulaAst {
  return new Parser(source).parseFormula();
}

/**
 * Print an expression back to formula text (canonical spacing; parentheses as written).
 *
 * @example
 * ```ts
 * import { parseFormula, printExpr } from "./formula_parser.ts";
 * console.assert(printExpr(parseFormula("y~a*(b+c)+(1+a||g1:g2)").rhs) === "a * (b + c) + (1 + a || g1:g2)");
 * ```
 */
export function printExpr(expr: FormulaExpr): string {
  switch (expr.kind) {
    case "var":
      return formatName(expr.name);
    case "number":
      return expr.text;
    case "neg":
      return `-${printExpr(expr.expr)}`;
    case "paren":
      return `(${printExpr(expr.expr)})`;
    case "group":
      return `(${printExpr(expr.expr)} ${expr.bar} ${
        expr.factors.map((f) => formatName(f.name)).join(":")
      })`;
    case "binary":
      return expr.op === ":"
        ? `${printExpr(expr.left)}:${printExpr(expr.right)}`
        : `${printExpr(expr.left)} ${expr.op} ${printExpr(expr.right)}`;
  }
}

/**
 * Print a whole formula AST back to text.
 *
 * @example
 * ```ts
 * import { parseFormula, printFormula } from "./formula_parser.ts";
 * console.assert(printFormula(parseFormula("s|trials(n)~x")) === "s | trials(n) ~ x");
 * console.assert(printFormula(parseFormula("s|weights(w)+trials(n)~x")) === "s | trials(n) + weights(w) ~ x");
 * ```
 */
export function printFormula(ast: FormulaAst): string {
  const addition = [
    ...(ast.trials === undefined ? [] : [`trials(${formatName(ast.trials.name)})`]),
    ...(ast.weights === undefined ? [] : [`weights(${formatName(ast.weights.name)})`]),
  ];
  const bar = addition.length === 0 ? "" : ` | ${addition.join(" + ")}`;
  return `${formatName(ast.response.name)}${bar} ~ ${printExpr(ast.rhs)}`;
}
