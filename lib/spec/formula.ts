/**
 * brms-style formulas: `formula("y ~ 1 + x + t*(a + b) + (1 + t | a:b)", table)` expands the
 * parsed formula into terms exactly as R's `terms()` does and returns the same builder class
 * as `hier()`, so priors and fitting chain on it and `.toJSON()` gives the ModelSpec.
 */
import { HetfxError } from "../errors.ts";
import { columnNotFound, type Table } from "../data/table.ts";
import { type InMemoryTableSource, toTable } from "../data/load_table.ts";
import { checkOptions, optionNames } from "../options.ts";
import type { Family } from "./model_spec.ts";
import { familyAndLink } from "./family_link.ts";
import { caretMessage } from "./formula_lexer.ts";
import { type FormulaAst, type FormulaExpr, parseFormula } from "./formula_parser.ts";
import { type GroupTermState, HierBuilder } from "./hier.ts";
import { checkLevelList } from "./outcome_levels.ts";

/** Options of `formula()`. */
export interface FormulaOptions {
  /** Likelihood family (default gaussian); "cumulative(probit)" names a link too. */
  family?: Family | string;
  /** The link, for families with several ("cumulative": "logit" or "probit"). */
  link?: string;
  /** Column with the number of trials (binomial); or write `y | trials(n) ~ …`. */
  trials?: string;
  /** Column of likelihood weights; or write `y | weights(w) ~ …`. */
  weights?: string;
  /**
   * The treatment's reference level (a factor treatment's effects are contrasts against it;
   * default R's first level), as `.treatment(col, { reference })`.
   */
  reference?: string;
  /**
   * An ordinal outcome's categories in order, lowest first (R's ordered factor levels), as
   * `.outcome(col, { levels })`; cumulative family only.
   */
  levels?: readonly (string | number)[];
}

/** A term during expansion: its variables (as indices in order of first appearance). */
interface Term {
  vars: number[];
}

/** The result of expanding a sum: terms in order, the intercept, and the group terms. */
interface Expanded {
  terms: string[];
  intercept: boolean;
}

class Expander {
  private readonly order = new Map<string, number>();
  private readonly names: string[] = [];

  /**
   * Variables are numbered within `root`: the right-hand side without its group terms, or one
   * group term's left of "|". brms reads the population-level terms from R's terms() of the
   * whole formula, where a group term is a single variable, and each group term's effects from
   * its own formula, so `y ~ (1 + t | g) + x*t` has the interaction x:t, not t:x.
   */
  constructor(private readonly ast: FormulaAst, root: FormulaExpr) {
    this.collect(root);
  }

  fail(pos: number, message: string): never {
    throw new HetfxError(caretMessage("formula", this.ast.source, pos, message));
  }

  /** Number every variable by first appearance (left to right), as R's terms() does. */
  private collect(expr: FormulaExpr): void {
    switch (expr.kind) {
      case "var":
        if (!this.order.has(expr.name)) {
          this.order.set(expr.name, this.names.length);
          this.names.push(expr.name);
        }
        return;
      case "number":
        return;
      case "neg":
      case "paren":
        return this.collect(expr.expr);
      case "group":
        return; // its own variables are numbered by its own Expander
      case "binary":
        this.collect(expr.left);
        this.collect(expr.right);
    }
  }

  label(term: Term): string {
    return term.vars.map((v) => this.names[v]).join(":");
  }

  private key(term: Term): string {
    return term.vars.join(",");
  }

  private union(list: Term[], more: Term[]): Term[] {
    const out = [...list];
    const keys = new Set(out.map((t) => this.key(t)));
    for (const t of more) {
      if (!keys.has(this.key(t))) {
        keys.add(this.key(t));
        out.push(t);
      }
    }
    return out;
  }

  /** Expand a nested expression (inside `:`, `*` or parentheses) into terms. */
  expand(expr: FormulaExpr): Term[] {
    switch (expr.kind) {
      case "var":
        return [{ vars: [this.order.get(expr.name)!] }];
      case "number":
        return this.fail(
          expr.pos,
          `"${expr.text}" can only stand alone in a sum, as 1 (keep the intercept) or 0 ` +
            `(drop it)`,
        );
      case "neg":
        return this.fail(expr.pos, `"-" inside an expression is not supported here`);
      case "paren":
        return this.expand(expr.expr);
      case "group":
        return this.fail(
          expr.pos,
          `a group term "(… | …)" must be added on its own ("+ (1 + t | g)"), not combined ` +
            `with ":" or "*"`,
        );
      case "binary": {
        const left = this.expand(expr.left);
        const right = this.expand(expr.right);
        if (expr.op === "+") return this.union(left, right);
        if (expr.op === "-") {
          const drop = new Set(right.map((t) => this.key(t)));
          return left.filter((t) => !drop.has(this.key(t)));
        }
        const crossed: Term[] = [];
        for (const l of left) {
          for (const r of right) {
            crossed.push({ vars: [...new Set([...l.vars, ...r.vars])].sort((a, b) => a - b) });
          }
        }
        const inter = this.union([], crossed);
        return expr.op === ":" ? inter : this.union(this.union(left, right), inter);
      }
    }
  }

  /** Expand a top-level sum (the right-hand side, or the left of "|" in a group term). */
  sum(expr: FormulaExpr, groups: FormulaExpr[] | null): Expanded {
    const summands: { sign: 1 | -1; expr: FormulaExpr }[] = [];
    const flatten = (e: FormulaExpr, sign: 1 | -1) => {
      if (e.kind === "binary" && (e.op === "+" || e.op === "-")) {
        flatten(e.left, sign);
        flatten(e.right, e.op === "+" ? sign : (-sign as 1 | -1));
      } else if (e.kind === "neg") flatten(e.expr, -sign as 1 | -1);
      else summands.push({ sign, expr: e });
    };
    flatten(expr, 1);
    let intercept = true;
    let terms: Term[] = [];
    const removed: { term: Term; pos: number }[] = [];
    const literal = new Map<string, number>();
    for (const { sign, expr: e } of summands) {
      if (e.kind === "number") {
        const value = Number(e.text);
        if (value !== 0 && value !== 1) {
          this.fail(e.pos, `"${e.text}" is not a term; only 1 (intercept) or 0 (no intercept)`);
        }
        intercept = (value === 1) === (sign === 1);
        continue;
      }
      if (e.kind === "group") {
        if (groups === null) this.fail(e.pos, `a group term cannot be nested in another`);
        if (sign === -1) this.fail(e.pos, `a group term cannot be removed with "-"`);
        groups.push(e);
        continue;
      }
      const expanded = this.expand(e);
      if (sign === -1) {
        for (const term of expanded) removed.push({ term, pos: startPos(e) });
        continue;
      }
      if (isLiteral(e)) {
        const key = this.key(expanded[0]);
        if (literal.has(key)) {
          this.fail(
            startPos(e),
            `duplicate term "${this.label(expanded[0])}"; it is already in the formula`,
          );
        }
        literal.set(key, startPos(e));
      }
      terms = this.union(terms, expanded);
    }
    for (const { term, pos } of removed) {
      const before = terms.length;
      terms = terms.filter((t) => this.key(t) !== this.key(term));
      if (terms.length === before) {
        this.fail(pos, `cannot remove "${this.label(term)}": it is not a term of the formula`);
      }
    }
    const ordered = terms
      .map((t, index) => ({ t, index }))
      .sort((a, b) => a.t.vars.length - b.t.vars.length || a.index - b.index)
      .map(({ t }) => this.label(t));
    return { terms: ordered, intercept };
  }
}

/** The leftmost source position of an expression. */
function startPos(expr: FormulaExpr): number {
  if (expr.kind === "binary") return startPos(expr.left);
  return expr.pos;
}

/** A term written out as such (`x` or `a:b`), as opposed to one generated by `*` or `(…)`. */
function isLiteral(expr: FormulaExpr): boolean {
  if (expr.kind === "var") return true;
  return expr.kind === "binary" && expr.op === ":" && isLiteral(expr.left) && isLiteral(expr.right);
}

/**
 * The column names a formula reads (outcome first), without a table: what a data engine must
 * fetch before the model is built.
 *
 * @example
 * ```ts
 * import { formulaColumns } from "./formula.ts";
 * console.assert(formulaColumns("y ~ 1 + x + (1 + t | g)").join() === "y,x,t,g");
 * ```
 */
export function formulaColumns(text: string): string[] {
  return [...new Set(columnsOf(parseFormula(text)).map((c) => c.name))];
}

/** Every column name in the formula with its position, to check them against the table. */
function columnsOf(ast: FormulaAst): { name: string; pos: number }[] {
  const out: { name: string; pos: number }[] = [ast.response];
  if (ast.trials !== undefined) out.push(ast.trials);
  if (ast.weights !== undefined) out.push(ast.weights);
  const walk = (e: FormulaExpr) => {
    switch (e.kind) {
      case "var":
        out.push({ name: e.name, pos: e.pos });
        return;
      case "number":
        return;
      case "neg":
      case "paren":
        return walk(e.expr);
      case "group":
        walk(e.expr);
        out.push(...e.factors);
        return;
      case "binary":
        walk(e.left);
        walk(e.right);
    }
  };
  walk(ast.rhs);
  return out;
}

/**
 * Refuse a formula that names a column not among the data's `names`, as formula() refuses it:
 * the first such column, a close name, every name, and a caret under it in the formula (and a
 * column with ":" in its name, read as an interaction). For data whose column names are known
 * before they are read (DuckDB).
 *
 * @example
 * ```ts
 * import { checkFormulaColumns } from "./formula.ts";
 * checkFormulaColumns("y ~ x + (1 | g)", ["y", "x", "g"]); // every column present: returns
 * ```
 */
export function checkFormulaColumns(text: string, names: readonly string[]): void {
  checkColumnsOf(text, parseFormula(text), names);
}

/** {@link checkFormulaColumns} on the formula `text` already parsed (`ast`). */
function checkColumnsOf(text: string, ast: FormulaAst, names: readonly string[]): void {
  for (const { name, pos } of columnsOf(ast)) {
    if (name.includes(":")) {
      // A ModelSpec joins an interaction's variables with ":", so "a:b" would read as a × b.
      throw new HetfxError(
        caretMessage(
          "formula",
          text,
          pos,
          `column "${name}" has ":" in its name, which hetfx reads as an interaction; ` +
            `rename it (e.g. "${name.replaceAll(":", "_")}") before fitting`,
        ),
      );
    }
    if (!names.includes(name)) {
      const error = columnNotFound(name, names);
      throw new HetfxError(`${error.message}\n  ${text}\n  ${" ".repeat(pos)}^`);
    }
  }
}

/**
 * Build a model from a brms formula. Supports `+`, `-` (`- 1`, `- x`), `0 +`, `:`, `*`,
 * parentheses (`a*(b + c)`), `y | trials(n) ~ …`, and group terms `(1 + t | g)`,
 * `(1 + t || g)`, `(0 + t | g)`, `(t | g)`, `(1 | g)`, `(1 + t | g1:g2)`. The treatment is
 * the first term that varies by group (null when only intercepts vary).
 *
 * @example
 * ```ts
 * import { formula } from "./formula.ts";
 * import { makeTable } from "../data/table.ts";
 * const num = (...v: number[]) => ({ kind: "number" as const, values: new Float64Array(v) });
 * const t = makeTable({ y: num(1, 2, 3, 4), t: num(0, 1, 0, 1), a: num(1, 1, 2, 2) });
 * const spec = formula("y ~ t*a + (1 + t | a)", t).toJSON();
 * console.assert(spec.terms.join() === "t,a,t:a" && spec.treatment === "t");
 * ```
 */
export function formula(
  text: string,
  source: Table | InMemoryTableSource,
  options: FormulaOptions = {},
): HierBuilder {
  if (typeof text !== "string") {
    throw new HetfxError(
      `Cannot parse formula: expected a string like "y ~ 1 + x", got ${typeof text}.`,
    );
  }
  const table = toTable(source, "Cannot build model from formula");
  checkOptions(
    options,
    optionNames<FormulaOptions>({
      family: true,
      link: true,
      trials: true,
      weights: true,
      reference: true,
      levels: true,
    }),
    "Cannot build model from formula",
  );
  const ast = parseFormula(text);
  checkColumnsOf(text, ast, table.names);
  for (const role of ["trials", "weights"] as const) {
    const inFormula = ast[role]?.name;
    if (inFormula !== undefined && options[role] !== undefined && inFormula !== options[role]) {
      throw new HetfxError(
        `Cannot build model: ${role} given twice ("${inFormula}" in the formula, ` +
          `"${options[role]}" in the options); give it once.`,
      );
    }
  }
  const groups: FormulaExpr[] = [];
  const rhs = new Expander(ast, ast.rhs).sum(ast.rhs, groups);
  const groupTerms: GroupTermState[] = groups.map((g) => {
    if (g.kind !== "group") throw new Error("unreachable");
    const lhs = new Expander(ast, g.expr).sum(g.expr, null);
    return {
      factors: g.factors.map((f) => f.name),
      intercept: lhs.intercept,
      correlated: g.bar === "|",
      slopes: lhs.terms,
    };
  });
  const treatment = groupTerms.find((g) => (g.slopes ?? []).length > 0)?.slopes?.[0] ?? null;
  if (options.reference !== undefined && treatment === null) {
    throw new HetfxError(
      `Cannot build model from formula: option \`reference\` ("${options.reference}") is the ` +
        "treatment's reference level, but the formula has no treatment (no slope varies by " +
        "group, as in (1 + arm | g)); for a factor's reference level in its coefficients, " +
        `set it when loading: loadTable(source, { reference: { column: "${options.reference}" } }).`,
    );
  }
  const trials = ast.trials?.name ?? options.trials;
  const weights = ast.weights?.name ?? options.weights;
  const family = familyAndLink(
    options.family ?? (trials === undefined ? "gaussian" : "binomial"),
    options.link,
  );
  return new HierBuilder(Object.freeze({
    table,
    outcome: ast.response.name,
    ...(options.levels === undefined ? {} : { outcomeLevels: checkLevelList(options.levels) }),
    ...family,
    ...(trials === undefined ? {} : { trials }),
    ...(weights === undefined ? {} : { weights }),
    intercept: rhs.intercept,
    treatment,
    ...(options.reference === undefined ? {} : { treatmentReference: options.reference }),
    population: rhs.terms.map((term) => ({ kind: "term" as const, term })),
    groupTerms,
    priors: [],
  }));
}
