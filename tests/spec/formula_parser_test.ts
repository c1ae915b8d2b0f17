import assert from "node:assert/strict";
import {
  type FormulaAst,
  type FormulaExpr,
  parseFormula,
  printExpr,
  printFormula,
} from "../../lib/spec/formula_parser.ts";

/** The AST without source positions, to compare trees parsed from differently spaced text. */
function shape(expr: FormulaExpr): unknown {
  switch (expr.kind) {
    case "var":
      return expr.name;
    case "number":
      return Number(expr.text);
    case "neg":
      return ["neg", shape(expr.expr)];
    case "paren":
      return ["()", shape(expr.expr)];
    case "group":
      return [expr.bar, shape(expr.expr), expr.factors.map((f) => f.name)];
    case "binary":
      return [expr.op, shape(expr.left), shape(expr.right)];
  }
}

function astShape(ast: FormulaAst): unknown {
  return [ast.response.name, ast.trials?.name, shape(ast.rhs)];
}

const CASES: [string, string][] = [
  ["y~x", "y ~ x"],
  ["y ~ 1 + x", "y ~ 1 + x"],
  ["y ~ 0 + x", "y ~ 0 + x"],
  ["y ~ -1 + x", "y ~ -1 + x"],
  ["y ~ x - 1", "y ~ x - 1"],
  ["y ~ a + b - b", "y ~ a + b - b"],
  ["y ~ a:b", "y ~ a:b"],
  ["y ~ a*b", "y ~ a * b"],
  ["y ~ a*(b+c+d)", "y ~ a * (b + c + d)"],
  ["y ~ (a + b):c", "y ~ (a + b):c"],
  ["y ~ (1 + t | g)", "y ~ (1 + t | g)"],
  ["y ~ (1+t||g)", "y ~ (1 + t || g)"],
  ["y ~ (0 + t | g)", "y ~ (0 + t | g)"],
  ["y ~ (t | g)", "y ~ (t | g)"],
  ["y ~ (1 | g)", "y ~ (1 | g)"],
  ["y ~ 1 + (1 + t | g1:g2)", "y ~ 1 + (1 + t | g1:g2)"],
  ["s | trials(n) ~ x", "s | trials(n) ~ x"],
  ["s | weights(w) ~ x", "s | weights(w) ~ x"],
  ["s|weights(w)+trials(n)~x", "s | trials(n) + weights(w) ~ x"],
  [
    "force ~ 1 + regime + stakes + costs + region + alliance * (white + male + intl + hawk) + " +
    "(1 + alliance | white:male:intl:hawk)",
    "force ~ 1 + regime + stakes + costs + region + alliance * (white + male + intl + hawk) + " +
    "(1 + alliance | white:male:intl:hawk)",
  ],
];

for (const [input, printed] of CASES) {
  Deno.test(`parser round trip: ${input}`, () => {
    const ast = parseFormula(input);
    assert.equal(printFormula(ast), printed);
    assert.deepEqual(astShape(parseFormula(printFormula(ast))), astShape(ast));
  });
}

Deno.test("parser: precedence is + < * < : and + - are left-associative", () => {
  assert.deepEqual(
    shape(parseFormula("y ~ a + b:c * d - e").rhs),
    ["-", ["+", "a", ["*", [":", "b", "c"], "d"]], "e"],
  );
  assert.deepEqual(shape(parseFormula("y ~ a:b:c").rhs), [":", [":", "a", "b"], "c"]);
});

Deno.test("parser: a group term keeps its bar, its left side and its factors", () => {
  const ast = parseFormula("y ~ (1 + t || w:m:i)");
  assert.deepEqual(shape(ast.rhs), ["||", ["+", 1, "t"], ["w", "m", "i"]]);
  assert.equal(ast.rhs.pos, 4);
  assert.equal(printExpr(ast.rhs), "(1 + t || w:m:i)");
});

const ERRORS: [string, RegExp][] = [
  [
    "y ~ 1 + x +",
    /^HetfxError: Cannot parse formula at position 12: expected a term after "\+"\n {2}y ~ 1 \+ x \+\n {13}\^$/,
  ],
  [
    "~ x",
    /^HetfxError: Cannot parse formula at position 1: expected the outcome column before "~"[^]*\n {2}~ x\n {2}\^$/,
  ],
  ["y x", /position 3: expected "~" after the outcome "y", found "x"\n {2}y x\n {4}\^$/],
  [
    "y ~ (1 + x | g",
    /position 15: expected "\)" to close the group term\n {2}y ~ \(1 \+ x \| g\n {16}\^$/,
  ],
  [
    "y ~ (a + b",
    /position 11: expected "\)" to close the "\(" at position 5, found the end of the formula/,
  ],
  [
    "y ~ a)",
    /position 6: expected "\+", "-", "\*", ":" or the end of the formula, found "\)" \(unbalanced parentheses\)/,
  ],
  [
    "y ~ (1 | a + b)",
    /position 12: expected "\)" to close the group term \(a group term has one grouping factor/,
  ],
  ["y ~ (1 | )", /position 10: expected a grouping column after "\|"/],
  ["y ~ a * * b", /position 9: expected a term after "\*", found "\*"/],
  [
    "y | binomial(n) ~ x",
    /position 5: expected "trials\(column\)" or "weights\(column\)" after "\|"/,
  ],
  ["y | weights(w) + weights(v) ~ x", /position 26: weights\(\) given twice in the outcome/],
  ["y | weights(2) ~ x", /weights\(2\): give the weights as a column/],
];

for (const [input, pattern] of ERRORS) {
  Deno.test(`parser error with caret: ${input}`, () => {
    assert.throws(() => parseFormula(input), pattern);
  });
}
