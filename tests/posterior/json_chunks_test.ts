import assert from "node:assert/strict";
import { jsonChunks } from "../../lib/posterior/json_chunks.ts";
import { HetfxError } from "../../lib/errors.ts";

const VALUES: unknown[] = [
  { a: [[1, 2], [3, NaN]], b: "x" },
  [[[[0.1, -0], [Infinity, -Infinity]]], [[[1e-300, 5e300]]]],
  { nested: { deeper: [{ k: 1 }, { k: [true, false, null] }] }, empty: {}, none: [] },
  { skipped: undefined, fn: () => 1, kept: 2, arr: [undefined, () => 0, Symbol("s"), 3] },
  { quote: 'say "hi"\n\ttab \u2028 é 😀', 'key "with" quotes': 1 },
  { when: new Date(Date.UTC(2026, 11, 8)), custom: { toJSON: (key: string) => `at ${key}` } },
  [[{ toJSON: () => ({ inner: [1, 2] }) }]],
  42,
  "text",
  null,
  Array.from({ length: 50 }, (_, i) => Array.from({ length: 7 }, (_, j) => i * 7 + j / 3)),
];

Deno.test("jsonChunks joins to JSON.stringify's text, whatever the piece size", () => {
  for (const value of VALUES) {
    for (const size of [1, 7, 64, 1 << 20]) {
      assert.equal([...jsonChunks(value, size)].join(""), JSON.stringify(value), `size ${size}`);
    }
  }
});

Deno.test("jsonChunks: pieces of about the size asked for, longer only by one array of values", () => {
  // 4 chains × 500 draws × 10 levels × 2 coefficients, as resultToJSON shapes a varying effect.
  const value = {
    r_g: Array.from(
      { length: 4 },
      (_, c) =>
        Array.from(
          { length: 500 },
          (_, d) => Array.from({ length: 10 }, (_, j) => [c + d / 1000, j - d / 7]),
        ),
    ),
  };
  const pieces = [...jsonChunks(value, 10_000)];
  assert.ok(pieces.length > 20, `${pieces.length} pieces`);
  for (const piece of pieces) assert.ok(piece.length < 10_000 + 200, `${piece.length}`);
  assert.equal(pieces.join(""), JSON.stringify(value));
});

Deno.test("jsonChunks refuses a value JSON.stringify would write as nothing", () => {
  for (const value of [undefined, () => 1, { toJSON: () => undefined }]) {
    assert.throws(() => [...jsonChunks(value)], HetfxError);
  }
});
