import assert from "node:assert/strict";
import { caretMessage, tokenize } from "../../lib/spec/formula_lexer.ts";
import { HetfxError } from "../../lib/errors.ts";

Deno.test("tokenize: kinds, texts and 0-based positions", () => {
  const tokens = tokenize("force ~ 1 + alliance*(white+male) + (1 + alliance || w:m)");
  assert.deepEqual(
    tokens.map((t) => [t.kind, t.text, t.pos]),
    [
      ["ident", "force", 0],
      ["~", "~", 6],
      ["number", "1", 8],
      ["+", "+", 10],
      ["ident", "alliance", 12],
      ["*", "*", 20],
      ["(", "(", 21],
      ["ident", "white", 22],
      ["+", "+", 27],
      ["ident", "male", 28],
      [")", ")", 32],
      ["+", "+", 34],
      ["(", "(", 36],
      ["number", "1", 37],
      ["+", "+", 39],
      ["ident", "alliance", 41],
      ["||", "||", 50],
      ["ident", "w", 53],
      [":", ":", 54],
      ["ident", "m", 55],
      [")", ")", 56],
      ["eof", "", 57],
    ],
  );
});

Deno.test("tokenize: names with digits, dots and underscores; numbers with fractions and exponents", () => {
  const tokens = tokenize("w2_vote.hill x.1 _z 0.5 .5 1e-3 2E+2 12");
  assert.deepEqual(tokens.map((t) => `${t.kind}:${t.text}`), [
    "ident:w2_vote.hill",
    "ident:x.1",
    "ident:_z",
    "number:0.5",
    "number:.5",
    "number:1e-3",
    "number:2E+2",
    "number:12",
    "eof:",
  ]);
});

Deno.test("tokenize: | and || and brackets and commas", () => {
  assert.deepEqual(tokenize("a|b||c[d,e]").map((t) => t.kind), [
    "ident",
    "|",
    "ident",
    "||",
    "ident",
    "[",
    "ident",
    ",",
    "ident",
    "]",
    "eof",
  ]);
});

Deno.test("tokenize: an unexpected character is reported with a caret under it", () => {
  assert.throws(
    () => tokenize("y ~ x + $z"),
    (e: unknown) => {
      assert.ok(e instanceof HetfxError);
      assert.equal(
        e.message,
        'Cannot parse formula at position 9: unexpected character "$" (names may use letters, ' +
          'digits, "_" and "."); expressions are not supported in formulas: compute the column ' +
          "first and name it (a name with such characters goes in back-quotes: `a$b`)" +
          "\n  y ~ x + $z\n          ^",
      );
      return true;
    },
  );
});

Deno.test("tokenize: a name starting with a digit is an error at its start", () => {
  assert.throws(
    () => tokenize("y ~ 2x"),
    /position 5: "2x…" is not a number or a column name[^]*\n {6}\^$/,
  );
});

Deno.test("caretMessage: caret under the end of the input, 1-based position in the text", () => {
  assert.equal(
    caretMessage("formula", "y ~ 1 + x +", 11, 'expected a term after "+"'),
    'Cannot parse formula at position 12: expected a term after "+"\n  y ~ 1 + x +\n             ^',
  );
});
