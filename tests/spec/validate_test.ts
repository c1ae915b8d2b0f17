/**
 * Also covers: model_spec.ts (its FAMILIES list is what an unknown family is checked against).
 */
import assert from "node:assert/strict";
import { coefficientNames, validateSpec } from "../../lib/spec/validate.ts";
import { hier } from "../../lib/spec/hier.ts";
import { formula } from "../../lib/spec/formula.ts";
import type { ModelSpec } from "../../lib/spec/model_spec.ts";
import { exponential, gamma, halfNormal, invGamma, lkj, normal } from "../../lib/spec/priors.ts";
import { makeTable, type Table } from "../../lib/data/table.ts";
import { fac, num, tomzLike } from "./_tables.ts";
import { refuses } from "../_refuses.ts";

const T = tomzLike();
const base = () => hier(T).outcome("force").treatment("alliance").groupBy("white");
const spec = (changes: Partial<ModelSpec>): ModelSpec => ({ ...base().toJSON(), ...changes });

Deno.test("validate: unknown columns everywhere, with a suggestion", () => {
  const msg = (col: string, sug: string) =>
    new RegExp(
      `^HetfxError: Cannot build model: column "${col}" not found; did you mean "${sug}"\\?`,
    );
  assert.throws(() => base().outcome("forc").toJSON(), msg("forc", "force"));
  assert.throws(() => base().treatment("alliance ").toJSON(), msg("alliance ", "alliance"));
  assert.throws(() => base().controls("regim").toJSON(), msg("regim", "regime"));
  assert.throws(() => base().groupBy("mael").toJSON(), msg("mael", "male"));
  assert.throws(() => base().family("binomial", { trials: "nn" }).toJSON(), msg("nn", "n"));
  assert.throws(
    () => validateSpec(spec({ terms: ["alliance", "alliance:whit"] }), T),
    msg("whit", "white"),
  );
  assert.throws(
    () =>
      validateSpec(
        spec({ groupTerms: [{ ...base().toJSON().groupTerms[0], slopes: ["aliance"] }] }),
        T,
      ),
    msg("aliance", "alliance"),
  );
});

Deno.test("validate: a treatment that varies in no group term is explained with (1 + treat | g)", () => {
  const s = spec({ treatment: "regime", terms: ["alliance", "regime"] });
  assert.throws(
    () => validateSpec(s, T),
    /^HetfxError: Cannot build model: the treatment "regime" does not vary in any group term, so its effect cannot differ between groups; vary it by group with \(1 \+ regime \| white\)\.$/,
  );
  // no group terms: a treatment without varying slopes is fine (a plain regression)
  assert.equal(validateSpec(spec({ groupTerms: [] }), T).treatment, "alliance");
});

Deno.test("validate: a treatment that is also its term's grouping factor is refused, saying why", () => {
  refuses(
    () => formula("force ~ alliance + (1 + alliance | alliance)", T).toJSON(),
    /^Cannot build model: group term "alliance" varies the slope of the treatment "alliance", which is also its grouping factor: within each group "alliance" is constant, so the slope is not identified/,
    /Group by other columns, e.g\. \(1 \+ alliance \| g\), or vary only the intercept: \(1 \| alliance\)\.$/,
  );
  // One of several factors, through the builder, and a slope that is not the treatment.
  refuses(
    () => base().groupBy("alliance", "white").toJSON(),
    /group term "alliance:white" varies the slope of the treatment "alliance", which is also one of its grouping factors/,
  );
  refuses(
    () => formula("force ~ alliance + (1 + alliance | white) + (1 + male | male)", T).toJSON(),
    /group term "male" varies the slope of "male", which is also its grouping factor/,
  );
  // A slope that varies within the groups is fine.
  assert.equal(
    formula("force ~ alliance + (1 + alliance | white)", T).toJSON().treatment,
    "alliance",
  );
});

Deno.test("validate: an interaction as the treatment says to vary its column first", () => {
  refuses(
    () => formula("force ~ alliance * white + (1 + alliance:white | male)", T).toJSON(),
    /^Cannot build model: the treatment "alliance:white" is an interaction, but a treatment is one column .* put the column first, e.g\. \(1 \+ alliance \+ alliance:white \| male\)\.$/,
  );
  // An interaction varying beside its column is supported.
  const s = formula("force ~ alliance * white + (1 + alliance + alliance:white | male)", T)
    .toJSON();
  assert.deepEqual(s.groupTerms[0].slopes, ["alliance", "alliance:white"]);
});

Deno.test("validate: single-level grouping factors and single observed groups", () => {
  assert.throws(
    () => hier(T).outcome("force").treatment("alliance").groupBy("constant").toJSON(),
    /grouping factor "constant" \(in "constant"\) has a single observed level; a varying effect needs at least two groups/,
  );
  assert.throws(
    () => hier(T).outcome("force").treatment("alliance").groupBy("white", "constant").toJSON(),
    /grouping factor "constant" \(in "white:constant"\)/,
  );
  const t = makeTable({
    y: num(1, 2, 3, 4),
    a: num(1, 2, NaN, NaN),
    b: num(NaN, NaN, 1, 2),
  });
  assert.throws(
    () => hier(t).outcome("y").groupBy("a", "b").toJSON(),
    /group term "a:b" has only 0 observed group; a varying effect needs at least two/,
  );
});

Deno.test("validate: duplicate terms and duplicate group terms", () => {
  assert.throws(
    () => base().controls("alliance").toJSON(),
    /^HetfxError: Cannot build model: duplicate term "alliance"; list each population-level term once/,
  );
  assert.throws(
    () =>
      validateSpec(spec({ terms: ["alliance", "white", "alliance:white", "white:alliance"] }), T),
    /duplicate term "white:alliance" \(same as "alliance:white"\)/,
  );
  assert.throws(
    () => base().groupBy("white").toJSON(),
    /duplicate group term "white"; vary several effects in one term \(1 \+ a \+ b \| white\)/,
  );
  assert.throws(
    () => formula("force ~ alliance + (1 + alliance | white) + (1 + alliance | white)", T).toJSON(),
    /duplicate group term "white"/,
  );
  // brms reads (1 | g) + (0 + t | g) as uncorrelated effects: the advice must say || too, not
  // only the correlated "|".
  assert.throws(
    () => formula("force ~ alliance + (1 | white) + (0 + alliance | white)", T).toJSON(),
    /\(1 \+ a \+ b \|\| white\) for uncorrelated ones/,
  );
});

Deno.test("validate: unknown family lists the valid ones", () => {
  assert.throws(
    () => base().family("gausian" as "gaussian").toJSON(),
    /^HetfxError: Cannot build model: unknown family "gausian"; did you mean "gaussian"\? \(families: gaussian, bernoulli, binomial, poisson, student, negbinomial, cumulative\)\.$/,
  );
});

Deno.test("validate: binomial needs trials; trials only for binomial", () => {
  assert.throws(
    () => base().family("binomial").toJSON(),
    /the binomial family needs the number of trials: \.family\("binomial", \{ trials: "n" \}\)/,
  );
  assert.throws(
    () => validateSpec(spec({ trials: "n" }), T),
    /trials \("n"\) only apply to the binomial family, not gaussian/,
  );
  assert.equal(base().family("binomial", { trials: "n" }).toJSON().trials, "n");
});

Deno.test("validate: the outcome used as a predictor", () => {
  assert.throws(
    () => base().controls("force").toJSON(),
    /^HetfxError: Cannot build model: the outcome "force" is also used as a predictor \(term "force"\); remove it there\.$/,
  );
  assert.throws(
    () => hier(T).outcome("force").treatment("alliance").groupBy("force").toJSON(),
    /grouping "force"/,
  );
});

Deno.test("validate: prior classes, coefs and groups must match something", () => {
  assert.throws(
    () => validateSpec(spec({ priors: [{ class: "sds" as "sd", prior: normal(0, 1) }] }), T),
    /unknown prior class "sds"; did you mean "sd"\?/,
  );
  assert.throws(
    () => base().prior("b", normal(0, 1), { coef: "aliance" }).toJSON(),
    /prior "b\[aliance\] ~ normal\(0, 1\)": coefficient "aliance" matches no b parameter; did you mean "alliance"\? \(coefficients: alliance\)/,
  );
  assert.throws(
    () => base().prior("sd", normal(0, 1), { group: "whit" }).toJSON(),
    /prior "sd\[whit\] ~ normal\(0, 1\)": group "whit" matches no group term; did you mean "white"\?/,
  );
  assert.throws(
    () => base().prior("sd", normal(0, 1), { group: "white", coef: "regime" }).toJSON(),
    /coefficient "regime" matches no sd parameter \(coefficients: Intercept, alliance\)/,
  );
  assert.throws(
    () => base().prior("sigma", normal(0, 1), { coef: "x" }).toJSON(),
    /class sigma takes no coef/,
  );
  assert.throws(
    () => base().prior("b", normal(0, 1), { group: "white" }).toJSON(),
    /only sd and cor priors take a group/,
  );
  // factor coefficients are named as brms names them
  const withRegion = base().controls("region");
  assert.throws(
    () => withRegion.prior("b", normal(0, 1), { coef: "regionAsai" }).toJSON(),
    /did you mean "regionAsia"\?/,
  );
  assert.equal(
    withRegion.prior("b", normal(0, 1), { coef: "regionAsia" }).toJSON().priors.length,
    1,
  );
  // brms's renaming ("-" is spelt M), and R's coding: with x in the formula, r gets contrasts;
  // alone, the interaction gets every level of r.
  const rx = makeTable({ r: fac(["a b", "c-d", "e"], 0, 1, 2), x: num(1, 2, 3) });
  assert.deepEqual(coefficientNames(rx, "x:r", ["x", "x:r"]), ["x:rcMd", "x:re"]);
  assert.deepEqual(coefficientNames(rx, "x:r"), ["x:rab", "x:rcMd", "x:re"]);
});

Deno.test("validate: sd/cor priors need group terms; class-specific priors", () => {
  const plain = hier(T).outcome("force").controls("alliance");
  assert.throws(
    () => plain.priors({ sd: halfNormal(0, 1) }).toJSON(),
    /prior "sd ~ normal\(0, 1\)": the model has no group terms, so there is no sd parameter/,
  );
  assert.throws(
    () => plain.priors({ cor: lkj(1) }).toJSON(),
    /no group terms, so there is no cor parameter/,
  );
  assert.throws(
    () => hier(T).outcome("force").groupBy("white").priors({ cor: lkj(1) }).toJSON(),
    /no group term has correlated varying effects/,
  );
  // A b prior on a model whose only population-level coefficient is the intercept.
  assert.throws(
    () => hier(T).outcome("force").groupBy("white").priors({ b: normal(0, 1) }).toJSON(),
    /prior "b ~ normal\(0, 1\)": the model has no population-level coefficients \(b\)/,
  );
  assert.equal(plain.priors({ b: normal(0, 1) }).toJSON().priors.length, 1);
  assert.throws(
    () =>
      hier(T).outcome("force").treatment("alliance").groupBy("white", { correlated: false }).priors(
        { cor: lkj(1) },
      ).toJSON(),
    /no group term has correlated varying effects/,
  );
  // (0 + f | g) with a three-level factor f has three correlated coefficients, so a cor prior
  // has a correlation to act on; it was refused as if the term had one effect.
  const arms = makeTable({
    y: num(1, 0, 1, 1, 0, 0, 1, 0, 1),
    x: num(0.5, 1, 2, 0.1, 3, 1, 2, 0.4, 1),
    f: fac(["a", "b", "c"], 0, 1, 2, 0, 1, 2, 0, 1, 2),
    g: fac(["u", "v", "w"], 0, 0, 0, 1, 1, 1, 2, 2, 2),
  });
  const factorSlopes = formula("y ~ 0 + f + (0 + f | g)", arms).priors({ cor: lkj(2) }).toJSON();
  assert.deepEqual(factorSlopes.priors.map((p) => p.class), ["cor"]);
  // A numeric slope alone is still one effect: no correlation.
  assert.throws(
    () => formula("y ~ 0 + f + (0 + x | g)", arms).priors({ cor: lkj(2) }).toJSON(),
    /no group term has correlated varying effects/,
  );
  assert.throws(
    () => base().priors({ cor: normal(0, 1) }).toJSON(),
    /class cor takes an lkj\(eta\) prior/,
  );
  assert.throws(() => base().priors({ b: lkj(1) }).toJSON(), /lkj is only for class cor/);
  // Positive-only distributions on unbounded classes (their density would be read on the whole
  // line); on sd and sigma they are fine.
  assert.throws(
    () => base().controls("regime").priors({ b: exponential(1) }).toJSON(),
    /prior "b ~ exponential\(1\)": exponential is a distribution of positive values, but b coefficients are unbounded/,
  );
  assert.throws(
    () => base().priors({ Intercept: gamma(2, 1) }).toJSON(),
    /gamma is a distribution of positive values, but the Intercept is unbounded/,
  );
  assert.throws(
    () => base().controls("regime").priors({ b: invGamma(0.4, 0.3) }).toJSON(),
    /inv_gamma is a distribution of positive values, but b coefficients are unbounded/,
  );
  assert.equal(base().priors({ sd: exponential(1), sigma: gamma(2, 1) }).toJSON().priors.length, 2);
  assert.throws(
    () => base().family("bernoulli").priors({ sigma: halfNormal(0, 1) }).toJSON(),
    /the bernoulli family has no sigma parameter/,
  );
  assert.throws(
    () => base().priors({ nu: normal(1, 1) }).toJSON(),
    /only the student family has a nu parameter/,
  );
  assert.throws(
    () => base().intercept(false).priors({ Intercept: normal(0, 1) }).toJSON(),
    /the model has no intercept/,
  );
  const ok = base().priors({
    Intercept: normal(0, 1),
    b: normal(0, 0.5),
    sd: halfNormal(0, 1),
    sigma: halfNormal(0, 1),
    cor: lkj(1),
  });
  assert.equal(ok.toJSON().priors.length, 5);
});

Deno.test("validate: a group term that varies nothing; an unsupported version", () => {
  assert.throws(
    () => formula("force ~ alliance + (0 | white)", T).toJSON(),
    /group term "\(0 \| white\)" varies nothing/,
  );
  assert.throws(() => validateSpec(spec({ hetfx: 2 as 1 }), T), /unsupported ModelSpec version 2/);
});

Deno.test("validateSpec: a spec validated on a table is not checked again, unless it changed", () => {
  // Counting reads of the table's columns: the first validation reads them, the second of the
  // same unchanged spec on the same table does not; a changed spec or another table is checked.
  const y = { kind: "number" as const, values: new Float64Array([1, 2, 3, 4]) };
  const x = { kind: "number" as const, values: new Float64Array([0, 1, 0, 1]) };
  let reads = 0;
  const counted = (t: Table): Table => ({
    ...t,
    columns: new Proxy(t.columns, {
      get: (target, key, receiver) => {
        reads++;
        return Reflect.get(target, key, receiver);
      },
    }),
  });
  const table = counted(makeTable({ y, x }));
  const spec = {
    hetfx: 1 as const,
    outcome: "y",
    family: "gaussian" as const,
    intercept: true,
    treatment: null,
    terms: ["x"],
    groupTerms: [],
    priors: [],
  };
  validateSpec(spec, table);
  const first = reads;
  assert.ok(first > 0);
  validateSpec(spec, table);
  assert.equal(reads, first);
  spec.terms = ["z"];
  assert.throws(() => validateSpec(spec, table), /"z"/);
  spec.terms = ["x"];
  const before = reads;
  validateSpec(spec, counted(makeTable({ y, x })));
  assert.ok(reads > before, "another table is checked");
});

Deno.test("validate: Intercept[k] only for ordinal families, k a whole number ≥ 1", () => {
  assert.throws(
    () => base().prior("Intercept", normal(0, 2), { coef: "2" }).toJSON(),
    /prior "Intercept\[2\] ~ normal\(0, 2\)": a prior on one threshold \(Intercept\[k\]\) applies to ordinal families \(cumulative\), not gaussian/,
  );
  const ordinal = base().family("cumulative");
  assert.equal(
    ordinal.prior("Intercept", normal(0, 2), { coef: "2" }).toJSON().priors[0].coef,
    "2",
  );
  assert.throws(
    () => ordinal.prior("Intercept", normal(0, 2), { coef: "first" }).toJSON(),
    /the threshold must be a number 1, 2, …, K − 1 .*got "first"/,
  );
});
