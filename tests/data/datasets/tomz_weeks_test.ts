import assert from "node:assert/strict";
import { loadTomzWeeks, prepareTomzWeeks } from "../../../lib/data/datasets/tomz_weeks.ts";
import { tableFromCsvText } from "../../../lib/data/load_table.ts";
import { groups } from "../../../lib/data/groups.ts";
import type { FactorColumn, NumericColumn } from "../../../lib/data/table.ts";

const HEADER = "alliance,regime,stakes,costs,region,pref,hawk,intl,gender,race,educ";

Deno.test("prepareTomzWeeks applies exactly the CODEBOOK recodes", () => {
  const raw = tableFromCsvText(
    `${HEADER}\n2,1,1,2,1,4,1,5,1,1,6\n1,2,2,1,4,3,5,1,2,3,2\n2,2,1,1,3,5,3,2,1,8,1\n`,
  );
  const t = prepareTomzWeeks(raw);
  const v = (name: string) => Array.from((t.columns[name] as NumericColumn).values);
  assert.deepEqual(v("force"), [1, 0, 1]);
  assert.deepEqual(v("alliance"), [1, 0, 1]);
  assert.deepEqual(v("regime"), [0, 1, 1]);
  assert.deepEqual(v("stakes"), [1, 0, 1]);
  assert.deepEqual(v("costs"), [1, 0, 0]);
  assert.deepEqual(v("white"), [1, 0, 0]);
  assert.deepEqual(v("male"), [1, 0, 1]);
  assert.deepEqual(v("hawk"), [5, 1, 3]);
  assert.deepEqual(v("intl"), [5, 1, 2]);
  assert.deepEqual(v("educ"), [6, 2, 1]);
  const region = t.columns.region as FactorColumn;
  assert.deepEqual(region.levels, ["Africa", "Asia", "EasternEurope", "SouthAmerica"]);
  assert.deepEqual(Array.from(region.codes), [0, 3, 2]);
  // The raw table is not changed.
  assert.deepEqual(Array.from((raw.columns.hawk as NumericColumn).values), [1, 5, 3]);
});

Deno.test("prepareTomzWeeks rejects a region code outside 1-4 and a missing column", () => {
  const bad = tableFromCsvText(`${HEADER}\n2,1,1,2,5,4,1,5,1,1,6\n`);
  assert.throws(
    () => prepareTomzWeeks(bad),
    /column "region" row 1 has 5, but region codes are 1–4/,
  );
  const noPref = tableFromCsvText("alliance\n1\n");
  assert.throws(
    () => prepareTomzWeeks(noPref),
    /Cannot prepare the Tomz & Weeks data: column "pref" not found/,
  );
});

Deno.test("real data: 1,200 rows; white × male × intl × hawk gives 100 groups of 1–57", async () => {
  const t = await loadTomzWeeks();
  assert.equal(t.nRows, 1200);
  const s = groups(t).by("white", "male", "intl", "hawk").summary();
  assert.equal(s.nGroups, 100);
  assert.equal(s.minSize, 1);
  assert.equal(s.maxSize, 57);
  assert.equal(s.nRows, 1200);
  assert.equal(s.groups.reduce((a, g) => a + g.n, 0), 1200);
  // brms-style labels, first group the lowest levels.
  assert.equal(s.groups[0].group, "0_0_1_1");
  assert.match(s.groups[s.groups.length - 1].group, /^1_1_5_\d$/);
});
