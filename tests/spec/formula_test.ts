import assert from "node:assert/strict";
import { formula } from "../../lib/spec/formula.ts";
import { hier } from "../../lib/spec/hier.ts";
import { halfNormal, lkj, normal } from "../../lib/spec/priors.ts";
import { loadBushPrather, loadTomzWeeks } from "../../lib/data/datasets/mod.ts";
import { makeTable } from "../../lib/data/table.ts";
import { num, tomzLike } from "./_tables.ts";

const PAPER =
  "force ~ 1 + regime + stakes + costs + region + alliance * (white + male + intl + hawk)" +
  " + (1 + alliance | white:male:intl:hawk)";
const PAPER_PRIORS = {
  Intercept: normal(0, 1),
  b: normal(0, 0.5),
  sd: halfNormal(0, 1),
  sigma: halfNormal(0, 1),
  cor: lkj(1),
};

/** A table with the given numeric columns, every one with enough distinct values. */
function abc(...names: string[]) {
  const cols: Record<string, ReturnType<typeof num>> = {};
  names.forEach((n, j) => cols[n] = num(...[0, 1, 2, 3, 4, 5].map((i) => (i + j) % (2 + (j % 3)))));
  return makeTable(cols);
}

const terms = (text: string, ...cols: string[]) => formula(text, abc("y", ...cols)).toJSON().terms;

Deno.test("formula: terms in R's order (main effects, then 2-way, then 3-way)", () => {
  assert.deepEqual(terms("y ~ a*b*c", "a", "b", "c"), [
    "a",
    "b",
    "c",
    "a:b",
    "a:c",
    "b:c",
    "a:b:c",
  ]);
  assert.deepEqual(terms("y ~ a*(b + c + d)", "a", "b", "c", "d"), [
    "a",
    "b",
    "c",
    "d",
    "a:b",
    "a:c",
    "a:d",
  ]);
  assert.deepEqual(terms("y ~ a:b + c", "a", "b", "c"), ["c", "a:b"]);
  assert.deepEqual(terms("y ~ (a + b):c", "a", "b", "c"), ["a:c", "b:c"]);
});

Deno.test("formula: terms generated twice are merged; interaction names follow first appearance", () => {
  assert.deepEqual(terms("y ~ a*b + a + a:b", "a", "b"), ["a", "b", "a:b"]);
  assert.deepEqual(terms("y ~ b:a + a", "a", "b"), ["a", "b:a"]);
  assert.deepEqual(terms("y ~ a + b:a", "a", "b"), ["a", "a:b"]);
});

Deno.test("formula: intercept removal with 0 +, -1, - 1; term removal with - x", () => {
  const t = abc("y", "x", "z");
  assert.equal(formula("y ~ x", t).toJSON().intercept, true);
  assert.equal(formula("y ~ 0 + x", t).toJSON().intercept, false);
  assert.equal(formula("y ~ -1 + x", t).toJSON().intercept, false);
  assert.equal(formula("y ~ x - 1", t).toJSON().intercept, false);
  assert.equal(formula("y ~ 1 + x", t).toJSON().intercept, true);
  assert.deepEqual(formula("y ~ x*z - x:z", t).toJSON().terms, ["x", "z"]);
  assert.deepEqual(formula("y ~ x*z - x", t).toJSON().terms, ["z", "x:z"]);
});

Deno.test("formula: a literally repeated term is an error pointing at the repeat", () => {
  assert.throws(
    () => formula("y ~ x + z + x", abc("y", "x", "z")),
    /^HetfxError: Cannot parse formula at position 13: duplicate term "x"; it is already in the formula\n {2}y ~ x \+ z \+ x\n {14}\^$/,
  );
  assert.throws(
    () => formula("y ~ x:z + z:x", abc("y", "x", "z")),
    /position 11: duplicate term "x:z"/,
  );
});

Deno.test("formula: other expansion errors carry a caret", () => {
  const t = abc("y", "x", "z");
  assert.throws(
    () => formula("y ~ 2 + x", t),
    /position 5: "2" is not a term; only 1 \(intercept\) or 0/,
  );
  assert.throws(() => formula("y ~ x:1", t), /position 7: "1" can only stand alone in a sum/);
  assert.throws(() => formula("y ~ x - z", t), /position 9: cannot remove "z": it is not a term/);
  assert.throws(
    () => formula("y ~ x:(1 | z)", t),
    /position 7: a group term "\(… \| …\)" must be added on its own/,
  );
  assert.throws(
    () => formula("y ~ x + ((1 | z) | x)", t),
    /position 10: a group term cannot be nested/,
  );
  assert.throws(() => formula("y ~ x - (1 | z)", t), /position 9: a group term cannot be removed/);
});

Deno.test("formula: an unknown column is named with a suggestion and a caret", () => {
  const t = tomzLike();
  assert.throws(
    () => formula("force ~ aliance + (1 + alliance | white)", t),
    (e: unknown) => {
      assert.ok(e instanceof Error && e.name === "HetfxError");
      assert.match(
        e.message,
        /^Cannot build model: column "aliance" not found; did you mean "alliance"\?/,
      );
      assert.ok(e.message.endsWith("\n  force ~ aliance + (1 + alliance | white)\n          ^"));
      return true;
    },
  );
  assert.throws(
    () => formula("force ~ alliance + (1 | whte)", t),
    /column "whte" not found; did you mean "white"\?/,
  );
});

Deno.test("formula: group term variants", () => {
  const t = abc("y", "t", "g", "h");
  const g = (text: string) => formula(text, t).toJSON().groupTerms;
  assert.deepEqual(g("y ~ t + (1 + t | g)"), [
    { group: "g", factors: ["g"], intercept: true, slopes: ["t"], correlated: true },
  ]);
  assert.deepEqual(g("y ~ t + (1 + t || g)")[0].correlated, false);
  assert.deepEqual(g("y ~ t + (0 + t | g)")[0].intercept, false);
  assert.deepEqual(g("y ~ t + (t | g)")[0], g("y ~ t + (1 + t | g)")[0]);
  assert.deepEqual(g("y ~ t + (1 | g)")[0].slopes, []);
  assert.deepEqual(g("y ~ t + (1 + t | g:h)")[0], {
    group: "g:h",
    factors: ["g", "h"],
    intercept: true,
    slopes: ["t"],
    correlated: true,
  });
});

Deno.test("formula: the treatment is the first term varying by group, or null", () => {
  const t = abc("y", "t", "u", "g", "h");
  assert.equal(formula("y ~ t + (1 + t | g)", t).toJSON().treatment, "t");
  assert.equal(formula("y ~ t + u + (1 + t | g) + (1 + u | h)", t).toJSON().treatment, "t");
  assert.equal(formula("y ~ t + (1 | g) + (1 + u | h)", t).toJSON().treatment, "u");
  assert.equal(formula("y ~ t + (1 | g)", t).toJSON().treatment, null);
});

Deno.test("formula: y | trials(n) gives a binomial model with trials", () => {
  const t = tomzLike();
  const spec = formula("force | trials(n) ~ alliance + (1 + alliance | white)", t).toJSON();
  assert.equal(spec.family, "binomial");
  assert.equal(spec.trials, "n");
  assert.equal(
    formula("force ~ alliance", t, { family: "binomial", trials: "n" }).toJSON().trials,
    "n",
  );
});

Deno.test("builder ≡ formula: the paper's Tomz & Weeks model (small table)", () => {
  const t = tomzLike();
  const built = hier(t).outcome("force").family("gaussian").treatment("alliance")
    .controls("regime", "stakes", "costs", "region").groupBy("white", "male", "intl", "hawk")
    .slopePredictors("white", "male", "intl", "hawk").priors(PAPER_PRIORS);
  assert.deepStrictEqual(formula(PAPER, t).priors(PAPER_PRIORS).toJSON(), built.toJSON());
  assert.deepStrictEqual(built.toJSON().terms, [
    "regime",
    "stakes",
    "costs",
    "region",
    "alliance",
    "white",
    "male",
    "intl",
    "hawk",
    "alliance:white",
    "alliance:male",
    "alliance:intl",
    "alliance:hawk",
  ]);
});

Deno.test("builder ≡ formula: the paper's Tomz & Weeks model on the real data", async () => {
  const t = await loadTomzWeeks();
  const built = hier(t).outcome("force").family("gaussian").treatment("alliance")
    .controls("regime", "stakes", "costs", "region").groupBy("white", "male", "intl", "hawk")
    .slopePredictors("white", "male", "intl", "hawk").priors(PAPER_PRIORS);
  const spec = formula(PAPER, t).priors(PAPER_PRIORS).toJSON();
  assert.deepStrictEqual(spec, built.toJSON());
  assert.deepStrictEqual(JSON.parse(JSON.stringify(spec)), spec);
  assert.equal(spec.priors.length, 5);
});

const BP_CROSSED = "ipe_support ~ 1 + college_educ + employ_dum" +
  " + (1 + treat_germrus | w2_vote_hill) + (1 + treat_germrus | pol_engage)" +
  " + (1 + treat_germrus | invest_cond) + (1 + treat_germrus | woman)";

Deno.test("builder ≡ formula: Bush & Prather crossed model (treatment only in the varying slopes)", async () => {
  const t = await loadBushPrather();
  const built = hier(t).outcome("ipe_support").treatment("treat_germrus", { mainEffect: false })
    .controls("college_educ", "employ_dum")
    .groupBy("w2_vote_hill").groupBy("pol_engage").groupBy("invest_cond").groupBy("woman");
  const spec = formula(BP_CROSSED, t).toJSON();
  assert.deepStrictEqual(spec, built.toJSON());
  assert.deepEqual(spec.terms, ["college_educ", "employ_dum"]);
  assert.deepEqual(spec.groupTerms.map((g) => g.group), [
    "w2_vote_hill",
    "pol_engage",
    "invest_cond",
    "woman",
  ]);
  assert.equal(spec.treatment, "treat_germrus");
});

Deno.test("builder ≡ formula: Bush & Prather crossed model with the average effect as a term", async () => {
  const t = await loadBushPrather();
  const built = hier(t).outcome("ipe_support").treatment("treat_germrus")
    .controls("college_educ", "employ_dum")
    .groupBy("w2_vote_hill").groupBy("pol_engage").groupBy("invest_cond").groupBy("woman");
  const text = BP_CROSSED.replace("employ_dum", "employ_dum + treat_germrus");
  assert.deepStrictEqual(formula(text, t).toJSON(), built.toJSON());
});

Deno.test("builder ≡ formula: Bush & Prather model with group-level predictors", async () => {
  const t = await loadBushPrather();
  const z = ["w2_vote_hill", "woman", "high_pol_engage", "invest_cond"];
  const built = hier(t).outcome("ipe_support").treatment("treat_germrus")
    .controls("college_educ", "employ_dum").groupBy(...z).slopePredictors(...z)
    .priors({ b: normal(0, 0.5) });
  const text = "ipe_support ~ 1 + college_educ + employ_dum + treat_germrus * (" + z.join(" + ") +
    ") + (1 + treat_germrus | " + z.join(":") + ")";
  assert.deepStrictEqual(formula(text, t).priors({ b: normal(0, 0.5) }).toJSON(), built.toJSON());
});

Deno.test("builder ≡ formula: ||, 0 +, -1 and (0 + treat | g)", () => {
  const t = tomzLike();
  const base = hier(t).outcome("force").treatment("alliance").controls("regime");
  const cases: [string, ReturnType<typeof hier>][] = [
    [
      "force ~ regime + alliance + (1 + alliance || white)",
      base.groupBy("white", { correlated: false }),
    ],
    [
      "force ~ 0 + regime + alliance + (1 + alliance | white)",
      base.intercept(false).groupBy("white"),
    ],
    [
      "force ~ -1 + regime + alliance + (1 + alliance | white)",
      base.intercept(false).groupBy("white"),
    ],
    [
      "force ~ regime + alliance - 1 + (1 + alliance | white)",
      base.intercept(false).groupBy("white"),
    ],
    [
      "force ~ regime + alliance + (0 + alliance | white)",
      base.groupBy("white", { intercept: false }),
    ],
    [
      "force ~ regime + alliance + (0 + alliance || white:male)",
      base.groupBy("white", "male", { intercept: false, correlated: false }),
    ],
    [
      "force ~ regime + alliance + (1 + alliance | white) + (1 + alliance | male) + (1 + alliance | white:male)",
      base.groupBy("white").groupBy("male").groupBy("white", "male"),
    ],
    [
      "force ~ regime + alliance*(white + male) + (1 + alliance | white:male)",
      base.groupBy("white", "male").slopePredictors("white", "male"),
    ],
    [
      "force ~ regime + alliance + alliance:white + (1 + alliance | white:male)",
      base.groupBy("white", "male").slopePredictors("white", { intercept: false }),
    ],
  ];
  for (const [text, builder] of cases) {
    assert.deepStrictEqual(formula(text, t).toJSON(), builder.toJSON(), text);
  }
});

Deno.test("formula() returns a builder: immutable, and its methods chain", () => {
  const t = tomzLike();
  const f = formula("force ~ alliance + (1 + alliance | white)", t);
  const g = f.priors({ b: normal(0, 1) });
  assert.deepEqual(f.toJSON().priors, []);
  assert.deepEqual(g.toJSON().priors, [{ class: "b", prior: { dist: "normal", mu: 0, sigma: 1 } }]);
  assert.equal(g.table, t);
});
