/**
 * Arguments to the post-fit API that are misspelt, mistyped or impossible are errors that name
 * the argument and what to do — never a silently ignored option, a NaN, or a TypeError.
 */
import assert from "node:assert/strict";
import { HetfxError } from "../../lib/errors.ts";
import { refuses } from "../_refuses.ts";
import { makeTable, type Table, withColumn } from "../../lib/data/table.ts";
import { datagrid } from "../../lib/posterior/effects.ts";
import type { Fit } from "../../lib/fit/mod.ts";
import { smallFit, smallTable } from "./_fixtures.ts";

Deno.test("misspelt option names are refused, with the name meant", async () => {
  const fit = await smallFit();
  refuses(
    () => fit.effects({ weight: "w" } as never),
    /unknown option "weight"; here it is weights/,
  );
  refuses(() => fit.effects({ byy: ["g"] } as never), /unknown option "byy"; did you mean "by"\?/);
  refuses(() => fit.predict(undefined, { scal: "link" } as never), /"scal"; did you mean "scale"/);
  refuses(() => fit.summary({ varyng: true } as never), /"varyng"; did you mean "varying"/);
  refuses(() => fit.hypothesis("treat > 0", { alph: 0.1 } as never), /did you mean "alpha"/);
  refuses(() => fit.ppCheck({ ndraws: 3 } as never), /"ndraws"; here it is draws/);
  refuses(() => fit.drawsToCsv({ parameter: ["sigma"] } as never), /did you mean "parameters"/);
  refuses(
    () => fit.poststratify(smallTable(), { weight: "w", scal: "link" } as never),
    /Cannot poststratify: unknown option "scal"/,
  );
  refuses(() => fit.plot.effectDistribution({ titel: "x" } as never), /did you mean "title"/);
  refuses(
    () => fit.plot.effects({ x: "g", colour: "g" } as never),
    /unknown option "colour"; here it is color/,
  );
  refuses(() => fit.plot.effects({ x: "g", col: "g" }), /"g" is given two roles/);
  refuses(() => fit.plot.effects({ x: "g", row: "g", color: "g" }), /"g" is given two roles/);
  // Colouring by the x modifier is allowed, as in the paper's Figure 3 caption.
  const colored = JSON.stringify(fit.plot.effects({ x: "g", color: "g" }).toVegaLite());
  assert.match(colored, /"color":\{"field":"g"/);
  refuses(() => fit.plot.shrinkage({ levl: 0.9 } as never), /did you mean "level"/);
  refuses(() => fit.plot.pairs("b_x", "b_treat", { maxPoint: 10 } as never), /"maxPoints"/);
  refuses(() => fit.effects("g" as never), /options must be an object/);
  refuses(() => fit.effects({ by: "g" } as never), /by must be a list of columns/);
});

Deno.test("impossible values and wrong types are messages, not NaN or TypeErrors", async () => {
  const fit: Fit = await smallFit();
  const weights = Float64Array.from({ length: 240 }, (_, i) => (i === 7 ? Infinity : 1));
  const table = withColumn(smallTable(), "wt", { kind: "number", values: weights });
  refuses(
    () => fit.effects({ newdata: table, weights: "wt" }),
    /weights column "wt" has Infinity in row 8; weights must be finite non-negative/,
  );
  refuses(() => fit.hypothesis("treat / 0 > 0"), /not a finite number in \d+ of \d+ draws/);
  refuses(() => fit.hypothesis(42 as never), /give a string such as "alliance > 0"/);
  refuses(() => fit.hypothesis("2treat > 0"), /unexpected "2treat" .*write "2 \* treat"/);
  refuses(() => fit.draws(42 as never), /give a parameter name/);
  refuses(() => fit.draws("treat"), /No parameter "treat".*did you mean "b_treat"\?/);
  refuses(() => fit.compareGroups(undefined as never, "1"), /name each group by its label/);
  refuses(
    () => fit.predict([{ x: 0, treat: 1, g: 1 }] as unknown as Table),
    /expected a table, got an array \(of records\?\); load the data first/,
  );
  refuses(() => fit.ppCheck({ draws: 2.5 }), /draws = 2.5 must be a whole number ≥ 1/);
  refuses(() => datagrid(fit, { tret: [0, 1] }), /"tret" is not a column .*did you mean "treat"\?/);
  // A column the model does not know, and unlike any of its columns, is still allowed.
  assert.equal(datagrid(fit, { treat: [0, 1], weight_col: [1] }).nRows, 2);
});

Deno.test('allowNewLevels is true or false: "no" is not taken as true', async () => {
  const fit = await smallFit();
  const newGroup = withColumn(smallTable(), "g", {
    kind: "number",
    values: new Float64Array(240).fill(9),
  });
  refuses(
    () => fit.predict(newGroup, { allowNewLevels: "no" as never }),
    /^Cannot predict: option allowNewLevels = "no" must be true or false\.$/,
  );
  refuses(
    () => fit.effects({ newdata: newGroup, allowNewLevels: 1 as never }),
    /option allowNewLevels = 1 must be true or false/,
  );
  refuses(() => fit.predict(newGroup, { allowNewLevels: false }), /group "9" of g/);
});

Deno.test("a bad allowNewLevels or seed, or a new group, is an error of the function called", async () => {
  // effects() and poststratify() said "Cannot predict: …", naming a function not called.
  const fit = await smallFit();
  const newGroup = withColumn(smallTable(), "g", {
    kind: "number",
    values: new Float64Array(240).fill(9),
  });
  refuses(
    () => fit.effects({ allowNewLevels: "yes" as never }),
    /^Cannot compute effects: option allowNewLevels = "yes" must be true or false\.$/,
  );
  refuses(
    () => fit.effects({ seed: 1.5 }),
    /^Cannot compute effects: option seed = 1\.5 must be a whole number/,
  );
  refuses(
    () => fit.effects({ newdata: newGroup }),
    /^Cannot compute effects: row 1 of newdata is in group "9" of g, .*pass allowNewLevels: true/,
  );
  const num = (...v: number[]) => ({ kind: "number" as const, values: Float64Array.from(v) });
  const population = makeTable({ g: num(1, 9), n: num(10, 20) });
  refuses(
    () => fit.poststratify(population, { weight: "n", seed: 0.5 }),
    /^Cannot poststratify: option seed = 0\.5 must be a whole number/,
  );
  refuses(
    () => fit.poststratify(population, { weight: "n" }),
    /^Cannot poststratify: row 2 of the population table is in group "9" of g, .*pass allowNewLevels: true/,
  );
  // predict keeps its own wording.
  refuses(
    () => fit.predict(newGroup, { seed: 1.5 }),
    /^Cannot predict: option seed = 1\.5 must be a whole number/,
  );
});

Deno.test("newdata missing a model column names it, not another model column it has", async () => {
  const fit = await smallFit();
  const num = (...v: number[]) => ({ kind: "number" as const, values: Float64Array.from(v) });
  // "x" is missing; "g" and "treat" are there: "did you mean" must not point at them.
  const noX = makeTable({ treat: num(0, 1), g: num(1, 2) });
  refuses(
    () => fit.predict(noX),
    /^Cannot predict: newdata has no column "x"; the model needs "x", "treat", "g"\.$/,
  );
  // A column the model does not read is still offered as the misspelling.
  const misspelt = makeTable({ xx: num(0, 1), treat: num(0, 1), g: num(1, 2) });
  refuses(() => fit.predict(misspelt), /no column "x"; did you mean "xx"\?/);
});

Deno.test("a chart saved into a missing folder says which folder", async () => {
  const fit = await smallFit();
  const folder = await Deno.makeTempDir();
  await assert.rejects(
    () => fit.plot.effectDistribution().save(`${folder}/missing/figure.svg`),
    (e: unknown) =>
      e instanceof HetfxError && /the folder ".*\/missing" does not exist/.test(e.message),
  );
  await Deno.remove(folder, { recursive: true });
});
