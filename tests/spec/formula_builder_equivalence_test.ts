/**
 * formula() and the hier() builder give deep-equal ModelSpecs for the same model, term order
 * included: the formula keeps R's order (order of appearance, then by degree) and the builder
 * adds terms in call order (then by degree), so a chain equals the formula written in the same
 * order (documented on hier()).
 *
 * Also covers: paper_models.ts (tomzWeeksModel, bushPratherModel and their formulas).
 */
import assert from "node:assert/strict";
import { formula } from "../../lib/spec/formula.ts";
import { hier, type HierBuilder } from "../../lib/spec/hier.ts";
import { normal } from "../../lib/spec/priors.ts";
import { withGroupMeans } from "../../lib/spec/group_means.ts";
import { groups } from "../../lib/data/groups.ts";
import { makeTable, type Table } from "../../lib/data/table.ts";
import { loadBushPrather, loadTomzWeeks } from "../../lib/data/datasets/mod.ts";
import {
  BUSH_PRATHER_FORMULA,
  bushPratherModel,
  PAPER_PRIORS,
  TOMZ_WEEKS_FORMULA,
  tomzWeeksModel,
} from "../../lib/spec/paper_models.ts";
import { eightRows, num, tomzLike } from "./_tables.ts";

/** Assert each [formula text, builder] pair gives the same spec on `table`. */
function assertSame(table: Table, cases: [string, HierBuilder][]): void {
  for (const [text, builder] of cases) {
    assert.deepStrictEqual(formula(text, table).toJSON(), builder.toJSON(), text);
  }
}

/** The README's Quick start builder chain (notebook), on a prepared Tomz & Weeks table. */
function readmeBuilder(df: Table): HierBuilder {
  const g = groups(df).by("white", "male", "intl", "hawk");
  return hier(df)
    .outcome("force").family("gaussian")
    .controls("regime", "stakes", "costs", "region")
    .treatment("alliance")
    .groupBy(g)
    .slopePredictors("white", "male", "intl", "hawk")
    .priors(PAPER_PRIORS);
}

const PAPER_TERMS = [
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
];

Deno.test("README quick start: the builder chain and the script's formula give one spec (real data)", async () => {
  const df = await loadTomzWeeks();
  const built = readmeBuilder(df).toJSON();
  const written = formula(TOMZ_WEEKS_FORMULA, df).priors(PAPER_PRIORS).toJSON();
  assert.deepStrictEqual(written, built);
  assert.deepStrictEqual(tomzWeeksModel(df).toJSON(), built);
  assert.deepStrictEqual(built.terms, PAPER_TERMS);
  assert.deepStrictEqual(JSON.parse(JSON.stringify(built)), built);
  assert.equal(built.priors.length, 5);
});

Deno.test("README quick start on a small table: same spec, and the terms in the formula's order", () => {
  const t = tomzLike();
  const built = readmeBuilder(t).toJSON();
  assert.deepStrictEqual(formula(TOMZ_WEEKS_FORMULA, t).priors(PAPER_PRIORS).toJSON(), built);
  assert.deepStrictEqual(built.terms, PAPER_TERMS);
});

Deno.test("term order: the issue's example agrees both ways round, and order matters", () => {
  const t = tomzLike();
  const b = hier(t).outcome("force");
  const treatmentFirst = b.treatment("alliance").controls("regime").groupBy("white");
  const controlsFirst = b.controls("regime").treatment("alliance").groupBy("white");
  assertSame(t, [
    ["force ~ 1 + alliance + regime + (1 + alliance | white)", treatmentFirst],
    ["force ~ 1 + regime + alliance + (1 + alliance | white)", controlsFirst],
  ]);
  assert.deepStrictEqual(treatmentFirst.toJSON().terms, ["alliance", "regime"]);
  assert.deepStrictEqual(controlsFirst.toJSON().terms, ["regime", "alliance"]);
});

Deno.test("term order: controls around the treatment, and a repeated .treatment() moves its term", () => {
  const t = tomzLike();
  const b = hier(t).outcome("force");
  assertSame(t, [
    [
      "force ~ regime + alliance + stakes + (1 + alliance | white)",
      b.controls("regime").treatment("alliance").controls("stakes").groupBy("white"),
    ],
    [
      "force ~ regime + stakes + alliance + (1 + alliance | white)",
      b.treatment("costs").controls("regime", "stakes").treatment("alliance").groupBy("white"),
    ],
    [
      "force ~ regime + stakes + (0 + alliance | white)",
      b.treatment("alliance").controls("regime", "stakes")
        .treatment("alliance", { mainEffect: false }).groupBy("white", { intercept: false }),
    ],
  ]);
});

Deno.test("slope predictors: treat * (x + z) with (1 + treat | g), controls before or after", () => {
  const t = eightRows({
    z: num(2, 2, 5, 5, 1, 1, 3, 3),
    c: num(9, 1, 8, 2, 7, 3, 6, 4),
    g: num(1, 1, 2, 2, 3, 3, 4, 4),
  });
  const b = hier(t).outcome("y");
  assertSame(t, [
    [
      "y ~ 1 + treat * (x + z) + (1 + treat | g)",
      b.treatment("treat").groupBy("g").slopePredictors("x", "z"),
    ],
    [
      "y ~ 1 + treat * (x + z) + c + (1 + treat | g)",
      b.treatment("treat").groupBy("g").slopePredictors("x", "z").controls("c"),
    ],
    [
      "y ~ 1 + c + treat * (x + z) + (1 + treat | g)",
      b.controls("c").treatment("treat").slopePredictors("x", "z").groupBy("g"),
    ],
    [
      "y ~ 1 + treat + treat:x + treat:z + (1 + treat | g)",
      b.treatment("treat").groupBy("g").slopePredictors("x", "z", { intercept: false }),
    ],
  ]);
  assert.deepStrictEqual(
    b.treatment("treat").groupBy("g").slopePredictors("x", "z").controls("c").toJSON().terms,
    ["treat", "x", "z", "c", "treat:x", "treat:z"],
  );
});

Deno.test("crossed terms: (1 + treat | a) + (1 + treat | b) on a small table", () => {
  const t = eightRows({
    a: num(1, 1, 2, 2, 1, 1, 2, 2),
    b: num(1, 2, 1, 2, 1, 2, 1, 2),
  });
  const h = hier(t).outcome("y");
  assertSame(t, [
    [
      "y ~ 1 + treat + (1 + treat | a) + (1 + treat | b)",
      h.treatment("treat").groupBy("a").groupBy("b"),
    ],
    [
      "y ~ 1 + (1 + treat | a) + (1 + treat | b)",
      h.treatment("treat", { mainEffect: false }).groupBy("a").groupBy("b"),
    ],
    [
      "y ~ x + treat + (1 + treat | b) + (1 + treat || a)",
      h.controls("x").treatment("treat").groupBy("b").groupBy("a", { correlated: false }),
    ],
    [
      "y ~ treat + x + (1 + treat | a) + (1 + treat | b) + (1 + treat | a:b)",
      h.treatment("treat").groupBy("a").controls("x").groupBy("b").groupBy("a", "b"),
    ],
  ]);
});

const BP_CROSSED = "ipe_support ~ 1 + college_educ + employ_dum" +
  " + (1 + treat_germrus | w2_vote_hill) + (1 + treat_germrus | pol_engage)" +
  " + (1 + treat_germrus | invest_cond) + (1 + treat_germrus | woman)";

Deno.test("crossed terms: the Bush & Prather model, with and without the average effect", async () => {
  const t = await loadBushPrather();
  const crossed = (b: HierBuilder) =>
    b.groupBy("w2_vote_hill").groupBy("pol_engage").groupBy("invest_cond").groupBy("woman");
  const base = hier(t).outcome("ipe_support").controls("college_educ", "employ_dum");
  const slopesOnly = crossed(base.treatment("treat_germrus", { mainEffect: false }));
  const withMain = crossed(base.treatment("treat_germrus"));
  assertSame(t, [
    [BP_CROSSED, slopesOnly],
    [BP_CROSSED.replace("employ_dum", "employ_dum + treat_germrus"), withMain],
  ]);
  const spec = slopesOnly.toJSON();
  assert.equal(BUSH_PRATHER_FORMULA, BP_CROSSED);
  assert.deepStrictEqual(bushPratherModel(t).toJSON(), slopesOnly.priors(PAPER_PRIORS).toJSON());
  assert.deepEqual(spec.terms, ["college_educ", "employ_dum"]);
  assert.deepEqual(spec.groupTerms.map((g) => g.group), [
    "w2_vote_hill",
    "pol_engage",
    "invest_cond",
    "woman",
  ]);
  assert.equal(spec.treatment, "treat_germrus");
});

Deno.test("slope predictors: the Bush & Prather model with group-level predictors (notebook chain)", async () => {
  const t = await loadBushPrather();
  const z = ["w2_vote_hill", "woman", "high_pol_engage", "invest_cond"];
  const built = hier(t).outcome("ipe_support").controls("college_educ", "employ_dum")
    .treatment("treat_germrus").groupBy(groups(t).by(...z)).slopePredictors(...z)
    .priors({ b: normal(0, 0.5) });
  const text = "ipe_support ~ 1 + college_educ + employ_dum + treat_germrus * (" + z.join(" + ") +
    ") + (1 + treat_germrus | " + z.join(":") + ")";
  assert.deepStrictEqual(formula(text, t).priors({ b: normal(0, 0.5) }).toJSON(), built.toJSON());
});

Deno.test("group terms: ||, 0 +, -1 and (0 + treat | g) with a control first", () => {
  const t = tomzLike();
  const base = hier(t).outcome("force").controls("regime").treatment("alliance");
  assertSame(t, [
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
      "force ~ regime + alliance*(white + male) + (1 + alliance | white:male)",
      base.groupBy("white", "male").slopePredictors("white", "male"),
    ],
    [
      "force ~ regime + alliance + alliance:white + (1 + alliance | white:male)",
      base.groupBy("white", "male").slopePredictors("white", { intercept: false }),
    ],
  ]);
});

Deno.test("group means: .groupMeans('x') equals the formula naming x and x_mean_g", () => {
  const t = eightRows({
    c: num(9, 1, 8, 2, 7, 3, 6, 4),
    g: num(1, 1, 2, 2, 3, 3, 4, 4),
  });
  const withMean = withGroupMeans(t, "x", ["g"]).table;
  const b = hier(t).outcome("y");
  const cases: [string, HierBuilder][] = [
    ["y ~ 1 + x + x_mean_g + (1 | g)", b.groupBy("g").groupMeans("x")],
    [
      "y ~ treat + x + x_mean_g + (1 + treat | g)",
      b.treatment("treat").groupBy("g").groupMeans("x"),
    ],
    [
      "y ~ x + c + treat + x_mean_g + (1 + treat | g)",
      b.controls("x", "c").treatment("treat").groupBy("g").groupMeans("x"),
    ],
  ];
  for (const [text, builder] of cases) {
    assert.deepStrictEqual(formula(text, withMean).toJSON(), builder.toJSON(), text);
    assert.ok(builder.table.names.includes("x_mean_g"));
  }
});

Deno.test("families: trials() in the formula, the trials option and .family() agree", () => {
  const t = makeTable({
    s: num(1, 0, 2, 3, 1, 2, 0, 3),
    n: num(3, 3, 3, 3, 3, 3, 3, 3),
    hit: num(1, 0, 1, 1, 0, 0, 1, 0),
    treat: num(0, 1, 0, 1, 0, 1, 0, 1),
    x: num(1, 2, 3, 4, 5, 6, 7, 9),
    g: num(1, 1, 2, 2, 3, 3, 4, 4),
  });
  const base = (outcome: string) => hier(t).outcome(outcome).treatment("treat").controls("x");
  const binomial = base("s").family("binomial", { trials: "n" }).groupBy("g");
  const rhs = "treat + x + (1 + treat | g)";
  assertSame(t, [[`s | trials(n) ~ ${rhs}`, binomial]]);
  const viaOptions = formula(`s ~ ${rhs}`, t, { family: "binomial", trials: "n" }).toJSON();
  assert.deepStrictEqual(viaOptions, binomial.toJSON());
  assert.equal(viaOptions.trials, "n");
  for (const [outcome, family] of [["hit", "bernoulli"], ["s", "poisson"]] as const) {
    assert.deepStrictEqual(
      formula(`${outcome} ~ ${rhs}`, t, { family }).toJSON(),
      base(outcome).family(family).groupBy("g").toJSON(),
      family,
    );
  }
});
