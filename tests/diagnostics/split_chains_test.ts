import assert from "node:assert/strict";
import { splitChains } from "../../lib/diagnostics/split_chains.ts";

const f = (...v: number[]) => new Float64Array(v);

Deno.test("splitChains: first halves of every chain, then second halves; odd lengths drop the middle", () => {
  const even = splitChains([f(1, 2, 3, 4), f(5, 6, 7, 8)]);
  assert.deepEqual(even.map((c) => [...c]), [[1, 2], [5, 6], [3, 4], [7, 8]]);
  const odd = splitChains([f(1, 2, 3, 4, 5), f(6, 7, 8, 9, 10)]);
  assert.deepEqual(odd.map((c) => [...c]), [[1, 2], [6, 7], [4, 5], [9, 10]]);
});

Deno.test("splitChains: one-draw chains and no chains stay as they are, as copies", () => {
  const input = [f(1), f(2)];
  const out = splitChains(input);
  assert.deepEqual(out.map((c) => [...c]), [[1], [2]]);
  out[0][0] = 99;
  assert.equal(input[0][0], 1);
  assert.deepEqual(splitChains([]), []);
  const halves = splitChains([f(1, 2)]);
  halves[0][0] = 99;
  assert.deepEqual(halves.map((c) => [...c]), [[99], [2]]);
});
