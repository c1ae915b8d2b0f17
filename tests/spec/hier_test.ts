import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import assert from "node:assert/strict";
import { hier } from "../../lib/spec/hier.ts";
import { formula } from "../../lib/spec/formula.ts";
import { halfNormal, lkj, normal } from "../../lib/spec/priors.ts";
import { groups } from "../../lib/data/groups.ts";
import { HetfxError } from "../../lib/errors.ts";
import { makeTable } from "../../lib/data/table.ts";
import { num, tomzLike } from "./_tables.ts";

Deno.test("hier: every method returns a new builder and leaves the original unchanged", () => {
  const t = tomzLike();
  const base = hier(t).outcome("force").treatment("alliance").groupBy("white");
  const before = JSON.stringify(base.toJSON());
  const derived = [
    base.outcome("regime"),
    base.family("binomial", { trials: "n" }),
    base.intercept(false),
    base.treatment("regime"),
    base.controls("stakes"),
    base.groupBy("male"),
    base.slopePredictors("male"),
    base.priors({ b: normal(0, 1) }),
    base.prior("sd", halfNormal(0, 1), { group: "white" }),
  ];
  for (const b of derived) {
    assert.notEqual(b, base);
    assert.notEqual(JSON.stringify(b.toJSON()), before);
  }
  assert.equal(JSON.stringify(base.toJSON()), before);
  assert.ok(Object.isFrozen(base) && Object.isFrozen(base.state));
});

Deno.test("hier: terms in call order, then by degree; group terms for the paper's model", () => {
  const spec = hier(tomzLike()).outcome("force").treatment("alliance")
    .slopePredictors("white", "male").controls("regime", "region").groupBy("white", "male")
    .toJSON();
  assert.deepStrictEqual(spec, {
    hetfx: 1,
    outcome: "force",
    family: "gaussian",
    intercept: true,
    treatment: "alliance",
    terms: ["alliance", "white", "male", "regime", "region", "alliance:white", "alliance:male"],
    groupTerms: [
      {
        group: "white:male",
        factors: ["white", "male"],
        intercept: true,
        slopes: ["alliance"],
        correlated: true,
      },
    ],
    priors: [],
  });
});

Deno.test("hier: the treatment can be set after groupBy; slopes follow it", () => {
  const a = hier(tomzLike()).outcome("force").groupBy("white").treatment("alliance").toJSON();
  assert.deepEqual(a.groupTerms[0].slopes, ["alliance"]);
  const noTreatment = hier(tomzLike()).outcome("force").groupBy("white").toJSON();
  assert.deepEqual(noTreatment.groupTerms[0].slopes, []);
  assert.equal(noTreatment.treatment, null);
});

Deno.test("hier: groupBy options, crossed terms, slopePredictors without main effects", () => {
  const spec = hier(tomzLike()).outcome("force").treatment("alliance")
    .groupBy("white", { correlated: false }).groupBy("male", { intercept: false })
    .slopePredictors("white", { intercept: false }).toJSON();
  assert.deepEqual(spec.terms, ["alliance", "alliance:white"]);
  assert.deepEqual(spec.groupTerms.map((g) => [g.group, g.intercept, g.correlated]), [
    ["white", true, false],
    ["male", false, true],
  ]);
});

Deno.test("hier: groupBy(grouping) brings the grouping's binned columns into the table", () => {
  const t = makeTable({
    y: num(1, 2, 3, 4, 5, 6, 7, 8),
    tr: num(0, 1, 0, 1, 0, 1, 0, 1),
    white: num(1, 1, 0, 0, 1, 1, 0, 0),
    age: num(20, 30, 40, 50, 60, 70, 25, 65),
  });
  const g = groups(t).by("white").bin("age", { quantiles: 2 });
  const b = hier(t).outcome("y").treatment("tr").groupBy(g, { correlated: false });
  const spec = b.toJSON();
  assert.deepEqual(spec.groupTerms[0].factors, ["white", "age_bin"]);
  assert.equal(spec.groupTerms[0].group, "white:age_bin");
  assert.equal(spec.groupTerms[0].correlated, false);
  assert.ok(b.table.names.includes("age_bin"));
  assert.ok(!t.names.includes("age_bin"));
  assert.throws(
    () => hier(makeTable({ y: num(1, 2) })).groupBy(g),
    /^HetfxError: Cannot build model: the grouping has 8 rows but the model's table has 2/,
  );
  // The model's table has its own age_bin (another split): the grouping's bins are not silently
  // replaced by it. The same bins again (a refit's builder, whose table has them) are fine.
  const own = makeTable({ ...t.columns, age_bin: num(1, 1, 1, 1, 2, 2, 2, 2) });
  assert.throws(
    () => hier(own).outcome("y").treatment("tr").groupBy(g),
    /the grouping's column "age_bin" differs from the model's table's own "age_bin"/,
  );
  const again = hier(b.table).outcome("y").treatment("tr").groupBy(g).toJSON();
  assert.deepEqual(again.groupTerms[0].factors, ["white", "age_bin"]);
});

Deno.test("hier: toJSON is what JSON.stringify writes, and priors keep their order", () => {
  const b = hier(tomzLike()).outcome("force").treatment("alliance").groupBy("white")
    .priors({ sigma: halfNormal(0, 1), b: normal(0, 0.5) })
    .prior("b", normal(0, 2), { coef: "alliance" })
    .prior("cor", lkj(2), { group: "white" });
  assert.deepStrictEqual(JSON.parse(JSON.stringify(b)), b.toJSON());
  assert.deepStrictEqual(b.toJSON().priors, [
    { class: "b", prior: { dist: "normal", mu: 0, sigma: 0.5 } },
    { class: "sigma", prior: { dist: "normal", mu: 0, sigma: 1 } },
    { class: "b", coef: "alliance", prior: { dist: "normal", mu: 0, sigma: 2 } },
    { class: "cor", group: "white", prior: { dist: "lkj", eta: 2 } },
  ]);
});

Deno.test("hier: builder misuse is a HetfxError that says what to call", () => {
  const t = tomzLike();
  assert.throws(
    () => hier(t).treatment("alliance").toJSON(),
    /no outcome; call \.outcome\("column"\)/,
  );
  assert.throws(
    () => hier(t).outcome("force").slopePredictors("white").toJSON(),
    /\.slopePredictors\(\) predict the treatment effect, but no treatment is set; call \.treatment\("column"\)/,
  );
  assert.throws(() => hier(t).groupBy(), /\.groupBy\(\) needs at least one grouping column/);
  assert.throws(
    () => hier(t).prior("bb" as "b", normal(0, 1)),
    /Cannot set prior: unknown prior class "bb"; did you mean "b"\?/,
  );
  // The coefficient misspelt as a key, or given bare: the prior became class-wide, silently.
  assert.throws(
    () => hier(t).prior("b", normal(0, 1), { coeff: "alliance" } as unknown as { coef: string }),
    /Cannot set prior: unknown option "coeff"; did you mean "coef"\?/,
  );
  assert.throws(
    () => hier(t).prior("b", normal(0, 1), "alliance" as unknown as { coef: string }),
    /Cannot set prior: options must be an object such as \{ coef: … \}, got string/,
  );
  // .family()'s options too: { lnk: "probit" } fitted the logit link.
  assert.throws(
    () => hier(t).family("cumulative", { lnk: "probit" } as unknown as { link: string }),
    /Cannot build model: unknown option "lnk"; did you mean "link"\?/,
  );
  assert.throws(
    () => hier(t).controls(3 as unknown as string),
    /\.controls\(\) takes column names/,
  );
});

Deno.test("hier: fit() rejects a bad spec before sampling", async () => {
  await assert.rejects(
    () => hier(tomzLike()).outcome("forse").fit(),
    (e: unknown) =>
      e instanceof HetfxError && /column "forse" not found; did you mean "force"\?/.test(e.message),
  );
});

Deno.test("hier: .groupMeans() adds a column that a formula already names only once", () => {
  const t = makeTable({
    y: num(1, 3, 2, 5, 4, 6),
    x: num(1, 2, 3, 4, 5, 7),
    g: num(1, 1, 2, 2, 3, 3),
  });
  const spec = formula("y ~ x + (1 | g)", t).groupMeans("x").toJSON();
  assert.deepEqual(spec.terms, ["x", "x_mean_g"]);
  assert.deepEqual(hier(t).outcome("y").groupBy("g").groupMeans("x").toJSON(), spec);
});

Deno.test("hier() and formula() take a DataFrame or records as loadTable does", async () => {
  const { formula } = await import("../../lib/spec/formula.ts");
  const frame = {
    columns: ["y", "treat", "g"],
    values: [[1.2, 0, "b"], [2.3, 1, "a"], [0.7, 0, "a"], [1.9, 1, "b"]],
  };
  const records = frame.values.map(([y, treat, g]) => ({ y, treat, g }));
  for (const source of [frame, records]) {
    const built = hier(source).outcome("y").treatment("treat").groupBy(groups(source).by("g"));
    const fromFormula = formula("y ~ 1 + treat + (1 + treat | g)", source);
    assert.deepEqual(built.table.columns.g, fromFormula.table.columns.g);
    assert.deepEqual((built.table.columns.g as { levels: readonly string[] }).levels, ["a", "b"]);
    assert.equal(fromFormula.toJSON().treatment, "treat");
  }
  assert.throws(() => hier("data.csv" as never), /Cannot build model: got a string; .*loadTable/);
  assert.throws(
    () => formula("y ~ x", 42 as never),
    (e: unknown) =>
      e instanceof HetfxError &&
      /expected a table, got number; load the data first/.test(e.message),
  );
});

Deno.test("hier: a numeric reference is refused as text wanted; .family() keeps the formula's trials", () => {
  const t = makeTable({
    k: num(1, 2, 0, 3),
    n: num(3, 4, 2, 5),
    t: num(0, 1, 0, 1),
    g: num(1, 1, 2, 2),
  });
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => formula("k ~ 1 + t + (1 + t | g)", t).treatment("t", { reference: 1 as any }),
    (e) =>
      e instanceof HetfxError &&
      /reference is a level or value .* got 1; write "1"/.test(e.message),
  );
  const spec = formula("k | trials(n) ~ 1 + t", t).family("binomial").toJSON();
  assert.equal(spec.trials, "n");
  // Naming trials in .family() still replaces them.
  const m = makeTable({ ...t.columns, m: num(3, 4, 2, 5) });
  assert.equal(
    formula("k | trials(n) ~ 1 + t", m).family("binomial", { trials: "m" }).toJSON().trials,
    "m",
  );
});

Deno.test("hier: a misspelt option or an array of columns is refused, not silently ignored", () => {
  const t = tomzLike();
  const base = hier(t).outcome("force").treatment("alliance");
  const cases: [() => unknown, RegExp][] = [
    // Each was ignored: a correlated term, main effects added, no slope predictor at all.
    [
      () => base.groupBy("white", { correlate: false } as never),
      /\.groupBy\(\).*unknown option "correlate"; did you mean "correlated"/,
    ],
    [
      () => base.groupBy("white").slopePredictors("male", { intercepts: false } as never),
      /\.slopePredictors\(\).*unknown option "intercepts"/,
    ],
    [
      () => base.groupBy("white").slopePredictors(["male"] as never),
      /\.slopePredictors\(\) takes column names as separate arguments.*\.slopePredictors\("male"\)/,
    ],
    [
      () => base.groupBy("white").groupMeans(["intl"] as never),
      /\.groupMeans\(\) takes column names as separate arguments/,
    ],
    [() => base.groupBy(["white"] as never), /\.groupBy\(\) takes column names as separate/],
    // A TypeError (stack trace) before.
    [
      () => base.groupBy("white").groupMeans("intl", { by: "white" } as never),
      /\.groupMeans\(\)'s `by` is a list of column names, e.g. \{ by: \["white"\] \}/,
    ],
  ];
  for (const [run, message] of cases) {
    assert.throws(run, (e) => e instanceof HetfxError && message.test(e.message), String(message));
  }
});
