/** LogProduct: Σ n·log f through running products, against the sum of logarithms term by term. */
import assert from "node:assert/strict";
import { LogProduct } from "../../lib/families/log_product.ts";
import { seeded } from "../_seeded.ts";

Deno.test("LogProduct equals Σ n·log f over thousands of factors, large and fractional ones included", () => {
  const u = seeded(7);
  const acc = new LogProduct();
  let direct = 0;
  for (let i = 0; i < 5000; i++) {
    // Mostly factors in (1, 3] with counts 1 or 2 (the product path); some huge factors and
    // fractional or zero counts (their own logarithm).
    const f = i % 97 === 0 ? 1e40 * (1 + u()) : 1 + 2 * u();
    const n = i % 13 === 0 ? 0.37 : i % 29 === 0 ? 0 : i % 3 === 0 ? 2 : 1;
    acc.add(f, n);
    direct += n * Math.log(f);
  }
  // The product of N factors has a relative error ≈ N·2⁻⁵³ ≈ 6e-13, an absolute error that small
  // in the sum; the sum itself is thousands.
  assert.ok(
    Math.abs(acc.total() - direct) <= 1e-12 * Math.abs(direct),
    `${acc.total()} vs ${direct}`,
  );
});

Deno.test("LogProduct's reset starts a new sum, and an empty sum is 0", () => {
  const acc = new LogProduct();
  acc.add(5, 1);
  acc.reset();
  assert.equal(acc.total(), 0);
  acc.add(Math.E, 2);
  assert.ok(Math.abs(acc.total() - 2) < 1e-15);
});
