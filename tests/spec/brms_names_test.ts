/**
 * brms's spelling of coefficient names as an alias of hetfx's: the cleaning, a prior's coef in
 * either spelling, and a fit's parameters looked up by it (fit.draws, hypothesis).
 * Also covers: posterior/generated.ts (brmsAliases), model/default_prior_outcome.ts (an sd
 * prior's coef in brms's spelling).
 */
import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import assert from "node:assert/strict";
import { HetfxError } from "../../lib/errors.ts";
import { makeTable, type Table, withColumn } from "../../lib/data/table.ts";
import { brmsCoefName, resolveBrmsName } from "../../lib/spec/brms_names.ts";
import { formula } from "../../lib/spec/formula.ts";
import { normal, parsePrior, resolvePrior } from "../../lib/spec/priors.ts";
import { smallTable } from "../posterior/_fixtures.ts";

/** smallTable's columns under names with a space and a minus: "my treat", "x-1". */
function symbolTable(): Table {
  const t = smallTable();
  return makeTable({
    y: t.columns.y,
    "x-1": t.columns.x,
    "my treat": t.columns.treat,
    g: t.columns.g,
  });
}

const MODEL = "y ~ 1 + `x-1` + `my treat` + (1 + `my treat` | g)";

Deno.test("brmsCoefName cleans a name as brms's rename() does", () => {
  assert.equal(brmsCoefName("my treat"), "mytreat");
  assert.equal(brmsCoefName("armhigh dose"), "armhighdose");
  assert.equal(brmsCoefName("x-1"), "xM1");
  assert.equal(brmsCoefName("a+b*c/d^2=e"), "aPbMUcDdE2EQe");
  assert.equal(brmsCoefName(`f(x)[1],"q'?`), "fx1q");
  // Interactions, dots and underscores are kept.
  assert.equal(brmsCoefName("my.var_2:white"), "my.var_2:white");
  assert.deepEqual(resolveBrmsName("mytreat", ["x", "my treat"], brmsCoefName), ["my treat"]);
  assert.deepEqual(resolveBrmsName("x", ["x", "my treat"], brmsCoefName), ["x"]);
});

Deno.test("a prior's coef in brms's spelling names the hetfx coefficient", () => {
  const priors = [parsePrior("b ~ normal(0, 1)"), parsePrior("b[mytreat] ~ normal(0, 0.5)")];
  assert.equal(resolvePrior(priors, "b", { coef: "my treat" }, normal(0, 9)), priors[1].prior);
  assert.equal(resolvePrior(priors, "b", { coef: "x" }, normal(0, 9)), priors[0].prior);
  // Validation takes it (it said 'coefficient "mytreat" matches no b parameter').
  const spec = formula(MODEL, symbolTable()).prior("b", normal(0, 1), { coef: "mytreat" })
    .prior("sd", normal(0, 1), { coef: "mytreat" });
  assert.equal(spec.toJSON().priors.length, 2);
  const refused = (build: () => unknown, message: string) =>
    assert.throws(build, (e) => e instanceof HetfxError && e.message === message);
  // The same coefficient in both spellings is given twice.
  refused(
    () =>
      formula(MODEL, symbolTable()).prior("b", normal(0, 1), { coef: "mytreat" })
        .prior("b", normal(0, 2), { coef: "my treat" }).toJSON(),
    'Cannot build model: prior "b[my treat] ~ normal(0, 2)" is given twice (also ' +
      '"b[mytreat] ~ normal(0, 1)", the same coefficient "my treat" as brms spells it); give ' +
      "each coefficient one prior.",
  );
  // A spelling that names two coefficients is refused, not applied to both.
  const both = withColumn(symbolTable(), "mytreat", smallTable().columns.x);
  refused(
    () =>
      formula("y ~ 1 + `my treat` + mytreat + (1 | g)", both)
        .prior("b", normal(0, 1), { coef: "mytreat" }).toJSON(),
    'Cannot build model: prior "b[mytreat] ~ normal(0, 1)": "mytreat" is brms\'s spelling of ' +
      '"my treat" and a coefficient itself, so it names more than one coefficient; rename a ' +
      "column so that the names differ in more than spaces and symbols.",
  );
});

Deno.test("a fit's parameters answer to brms's spelling: draws, hypothesis, priors", async () => {
  // fit.draws("b_mytreat") said 'No parameter "b_mytreat"'; hypothesis("mytreat > 0") likewise.
  const fit = await formula(MODEL, symbolTable())
    .prior("b", normal(0, 0.001), { coef: "mytreat" })
    .fit({ chains: 1, warmup: 100, draws: 50, seed: 1, progress: false });
  // hetfx's names are unchanged (the JSON's contract).
  assert.ok(fit.parameterNames.includes("b_my treat"));
  assert.ok(!fit.parameterNames.includes("b_mytreat"));
  const same = (alias: string, name: string) => assert.equal(fit.draws(alias), fit.draws(name));
  same("b_mytreat", "b_my treat");
  same("b_xM1", "b_x-1");
  same("sd_g__mytreat", "sd_g__my treat");
  same("cor_g__Intercept__mytreat", "cor_g__Intercept__my treat");
  same("r_g[2,mytreat]", "r_g[2,my treat]");
  // The prior given as b[mytreat] applied: normal(0, 0.001) holds the coefficient near 0.
  assert.ok(fit.draws("b_my treat").every((v) => Math.abs(v) < 0.01));
  const [row] = fit.hypothesis("mytreat - xM1 = 0");
  const hand = fit.draws("b_my treat").map((v, s) => v - fit.draws("b_x-1")[s]);
  assert.ok(Math.abs(row.Estimate - hand.reduce((a, b) => a + b, 0) / hand.length) < 1e-12);
  assert.throws(() => fit.draws("b_mytret"), /did you mean "b_my treat"\?/);
});
