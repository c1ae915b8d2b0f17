import assert from "node:assert/strict";
import {
  mean,
  median,
  quantile,
  sd,
  sorted,
  summarizeDraws,
  variance,
} from "../../lib/diagnostics/quantiles.ts";
import { HetfxError } from "../../lib/errors.ts";
import { assertClose, bernTheta } from "./_helpers.ts";

Deno.test("mean, variance and sd (n − 1) on hand-checked values", () => {
  const x = new Float64Array([2, 4, 4, 4, 5, 5, 7, 9]);
  assert.equal(mean(x), 5);
  assertClose(variance(x), 32 / 7, 1e-14, "variance");
  assertClose(sd(x), Math.sqrt(32 / 7), 1e-14, "sd");
  assert.ok(Number.isNaN(variance(new Float64Array([1]))));
});

Deno.test("quantile follows R type 7: index 1 + (n − 1)p, linear interpolation", () => {
  const x = Float64Array.from({ length: 10 }, (_, i) => 10 - i); // 1..10 shuffled order
  // R: quantile(1:10, c(0, 0.1, 0.25, 0.5, 0.9, 1)) = 1, 1.9, 3.25, 5.5, 9.1, 10
  const expected: [number, number][] = [[0, 1], [0.1, 1.9], [0.25, 3.25], [0.5, 5.5], [0.9, 9.1], [
    1,
    10,
  ]];
  for (const [p, q] of expected) assertClose(quantile(x, p), q, 1e-12, `q${p}`);
  // ties: no interpolation artefacts between equal order statistics
  assert.equal(quantile(new Float64Array([3, 3, 3, 7]), 0.5), 3);
  assert.throws(() => quantile(x, 1.2), HetfxError);
});

Deno.test("median matches R's median (mean of the two middle values)", () => {
  assert.equal(median(new Float64Array([5, 1, 3])), 3);
  assert.equal(median(new Float64Array([4, 1, 3, 2])), 2.5);
});

Deno.test("summarizeDraws on Stan's bernoulli theta draws matches CmdStan's mean and sd", () => {
  const all = Float64Array.from(bernTheta().flatMap((c) => Array.from(c)));
  const s = summarizeDraws(all);
  // Reference: cmdstan-2-35-0-stansummary.csv (stan-dev/stan test data), theta row.
  assertClose(s.mean, 0.251297410482, 1e-11, "mean");
  assertClose(s.sd, 0.121546686658, 1e-11, "sd");
  // Quantiles are type 7 on the pooled draws; checked against the definition directly.
  const sortedAll = Float64Array.from(all).sort();
  const h = 1 + 3999 * 0.975;
  const lo = Math.floor(h);
  const expected975 = (1 - (h - lo)) * sortedAll[lo - 1] + (h - lo) * sortedAll[lo];
  assertClose(s["q97.5"], expected975, 1e-15, "q97.5");
  assertClose(s.q50, (sortedAll[1999] + sortedAll[2000]) / 2, 1e-15, "q50");
  assert.ok(s["q2.5"] < s.q50 && s.q50 < s["q97.5"]);
});

Deno.test("sorted: Float64Array's sort order to the bit, −0 before 0 and every NaN last", () => {
  // A NaN with its sign bit set (x86's default NaN) as well as a positive one.
  const negativeNaN = new Float64Array(new BigUint64Array([0xfff8000000000000n]).buffer)[0];
  let state = 11;
  const u = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const special = [NaN, negativeNaN, 0, -0, Infinity, -Infinity, 5e-324, -5e-324, 1, 1, -0, 0];
  for (const n of [0, 1, 12, 300, 5000]) {
    const x = Float64Array.from(
      { length: n },
      (_, i) => i < special.length ? special[i] : (u() - 0.5) * 10 ** Math.floor(u() * 20 - 10),
    );
    const expected = x.slice().sort();
    const got = sorted(x);
    assert.equal(got.length, n);
    for (let i = 0; i < n; i++) assert.ok(Object.is(got[i], expected[i]), `n=${n} i=${i}`);
    assert.deepEqual([...sorted([...x])].map(String), [...expected].map(String));
  }
});
