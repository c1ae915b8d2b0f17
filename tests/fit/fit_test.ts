/**
 * The Fit facade refuses what it would otherwise ignore: an argument to a method that takes
 * none, and an on/off option that is not true or false.
 */
import assert from "node:assert/strict";
import { refuses } from "../_refuses.ts";
import { smallFit } from "../posterior/_fixtures.ts";

Deno.test("Fit methods that take no arguments refuse one, naming the method and the value", async () => {
  const fit = await smallFit();
  // deno-lint-ignore no-explicit-any
  const untyped = fit as any;
  refuses(
    () => untyped.groupEffects("nope"),
    /^fit\.groupEffects\(\) takes no arguments, got "nope"/,
  );
  for (
    const method of [
      "toHTML",
      "groupEffectsHTML",
      "groupEffectDraws",
      "groupEffectParts",
      "effectSpreads",
      "slopeCoefficients",
      "diagnostics",
      "warnings",
      "convergenceWarnings",
      "loo",
    ]
  ) {
    refuses(
      () => untyped[method]({ by: "g" }),
      new RegExp(`fit\\.${method}\\(\\) takes no arguments`),
    );
  }
  refuses(() => untyped.plot.rhatEss({ title: "x" }), /fit\.plot\.rhatEss\(\) takes no arguments/);
  // Without arguments they still answer.
  assert.ok(fit.groupEffects().length > 0);
  assert.ok(fit.plot.rhatEss() !== undefined);
});

Deno.test("fit.summary({ varying }) takes true or false only", async () => {
  const fit = await smallFit();
  refuses(
    () => fit.summary({ varying: "yes" as never }),
    /^Cannot summarise: option varying = "yes" must be true or false\.$/,
  );
  refuses(() => fit.summary({ varying: 1 as never }), /option varying = 1 must be true or false/);
  const all = fit.summary({ varying: true });
  assert.ok(all.some((p) => p.name.startsWith("r_")));
  assert.ok(!fit.summary({ varying: false }).some((p) => p.name.startsWith("r_")));
});
