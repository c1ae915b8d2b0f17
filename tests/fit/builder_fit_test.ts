/**
 * Also covers: fit/fit.ts, fit/sample.ts (every fit here runs through fitModel and sampleFit).
 */
import assert from "node:assert/strict";
import { Fit } from "../../lib/fit/mod.ts";
import { hier, HierBuilder } from "../../lib/spec/hier.ts";
import { formula } from "../../lib/spec/formula.ts";
import { HetfxError } from "../../lib/errors.ts";
import { smallTable } from "../posterior/_fixtures.ts";

const OPTIONS = { chains: 1, warmup: 30, draws: 20, seed: 4, progress: false } as const;

Deno.test("importing lib/fit adds .fit() to the spec builders; hier and formula fit alike", async () => {
  assert.equal(typeof HierBuilder.prototype.fit, "function");
  const t = smallTable();
  const a = await hier(t).outcome("y").treatment("treat").controls("x").groupBy("g").fit(OPTIONS);
  const b = await formula("y ~ treat + x + (1 + treat | g)", t).fit(OPTIONS);
  assert.ok(a instanceof Fit && b instanceof Fit);
  assert.deepEqual(a.spec, b.spec);
  // Same spec, table and seed: the same draws.
  assert.deepEqual(a.draws("b_treat"), b.draws("b_treat"));
});

Deno.test(".fit() rejects (not throws) on a bad spec and on bad options", async () => {
  const t = smallTable();
  const call = hier(t).outcome("nope").fit(OPTIONS);
  assert.ok(call instanceof Promise);
  await assert.rejects(call, (e: unknown) => e instanceof HetfxError && /"nope"/.test(e.message));
  await assert.rejects(
    formula("y ~ x + (1 | g)", t).fit({ chains: 0 }),
    /Cannot fit: option chains = 0/,
  );
});
