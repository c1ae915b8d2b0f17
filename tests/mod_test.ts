import assert from "node:assert/strict";
import * as hetfx from "../mod.ts";

Deno.test("mod.ts exports the public API", () => {
  const names = [
    "hier",
    "groups",
    "formula",
    "loadTable",
    "HetfxError",
    "normal",
    "halfNormal",
    "studentT",
    "exponential",
    "lkj",
    "invGamma",
    "loadTomzWeeks",
    "loadBushPrather",
    "tomzWeeksModel",
    "bushPratherModel",
    "PAPER_PRIORS",
    "PAPER_SAMPLER",
    "TOMZ_WEEKS_PAPER_NUMBERS",
    "TOMZ_WEEKS_FORMULA",
    "BUSH_PRATHER_FORMULA",
    "Chart",
    "HtmlView",
    "fitModel",
    // Named in error messages as what to call.
    "dropMissingRows",
    "asFactor",
  ];
  const exported = hetfx as Record<string, unknown>;
  for (const name of names) assert.ok(exported[name] !== undefined, `mod.ts lacks ${name}`);
});

Deno.test("mod.ts: the builder and the formula give the same spec", () => {
  const t = hetfx.tableFromColumns({ y: [1, 2, 3, 4], t: [0, 1, 0, 1], g: [1, 1, 2, 2] });
  const a = hetfx.hier(t).outcome("y").treatment("t").groupBy("g").toJSON();
  const b = hetfx.formula("y ~ t + (1 + t | g)", t).toJSON();
  assert.deepEqual(a, b);
});
