import assert from "node:assert/strict";
import { closestName, didYouMean, editDistance, HetfxError } from "../lib/errors.ts";

Deno.test("HetfxError: an Error named HetfxError carrying the message as given", () => {
  const e = new HetfxError('Cannot build model: column "x" not found.');
  assert.ok(e instanceof Error);
  assert.equal(e.name, "HetfxError");
  assert.equal(String(e), 'HetfxError: Cannot build model: column "x" not found.');
});

Deno.test("editDistance: Levenshtein distance, symmetric, zero only for equal strings", () => {
  const cases: [string, string, number][] = [
    ["", "", 0],
    ["", "abc", 3],
    ["kitten", "sitting", 3],
    ["flaw", "lawn", 2],
    ["alliance", "aliance", 1],
    ["Regime", "regime", 1], // case-sensitive
  ];
  for (const [a, b, d] of cases) {
    assert.equal(editDistance(a, b), d, `${a} → ${b}`);
    assert.equal(editDistance(b, a), d, `${b} → ${a}`);
  }
});

Deno.test("closestName: case and spaces always match; far names give undefined", () => {
  const names = ["alliance", "regime", "stakes"];
  assert.equal(closestName(" Alliance ", names), "alliance");
  assert.equal(closestName("regim", names), "regime");
  assert.equal(closestName("stake", names), "stakes");
  assert.equal(closestName("zzz", names), undefined);
  assert.equal(closestName("x", []), undefined);
  // Allowed distance grows with the name: max(2, floor(length / 3)).
  assert.equal(closestName("abcdefghi", ["abcdefxyz"]), "abcdefxyz");
  assert.equal(closestName("abcdefghi", ["abcdwxyzi"]), undefined);
});

Deno.test("didYouMean: the suggestion clause, or nothing", () => {
  assert.equal(didYouMean("regim", ["regime"]), '; did you mean "regime"?');
  assert.equal(didYouMean("weather", ["regime"]), "");
});
