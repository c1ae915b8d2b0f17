import assert from "node:assert/strict";
import { nestedRhat } from "../../lib/diagnostics/nested_rhat.ts";
import { rhatBasic } from "../../lib/diagnostics/rhat.ts";
import { HetfxError } from "../../lib/errors.ts";
import { assertClose, iidChains } from "./_helpers.ts";

Deno.test("nested R-hat by hand on a 4-chain, 2-superchain example", () => {
  const chains = [
    new Float64Array([1, 2, 3]),
    new Float64Array([2, 3, 4]),
    new Float64Array([4, 5, 6]),
    new Float64Array([6, 7, 8]),
  ];
  // chain means 2, 3, 5, 7; chain variances all 1.
  // superchain means 2.5, 6 → B = var(2.5, 6) = 6.125.
  // W = mean(1 + var(2, 3), 1 + var(5, 7)) = mean(1.5, 3) = 2.25.
  assertClose(nestedRhat(chains, 2), Math.sqrt(1 + 6.125 / 2.25), 1e-14, "hand value");
});

Deno.test("superchains of one chain: nR̂² = unsplit R-hat² + 1/n", () => {
  const chains = iidChains(51, 6, 40);
  chains[2] = chains[2].map((v) => v + 1);
  const n = 40;
  const basic = rhatBasic(chains, { split: false });
  assertClose(nestedRhat(chains, 1) ** 2, basic * basic + 1 / n, 1e-12, "identity");
});

Deno.test("many short iid chains ≈ 1; superchains started apart ≫ 1", () => {
  const chains = iidChains(52, 256, 20);
  const r = nestedRhat(chains, 16);
  assert.ok(r < 1.05, `iid nested rhat ${r}`);
  // half the superchains shifted by 2 sd: B ≈ 1, W ≈ 1, so nR̂ ≈ √2.
  const apart = chains.map((c, i) => (i < 128 ? c : c.map((v) => v + 2)));
  assert.ok(nestedRhat(apart, 16) > 1.3);
});

Deno.test("nested R-hat works for chains of one draw and rejects bad superchain sizes", () => {
  const oneDraw = iidChains(53, 64, 1);
  assert.ok(Number.isFinite(nestedRhat(oneDraw, 8)));
  assert.throws(() => nestedRhat(iidChains(54, 6, 10), 4), HetfxError);
  assert.ok(
    Number.isNaN(nestedRhat([new Float64Array(4).fill(1), new Float64Array(4).fill(1)], 1)),
  );
});
