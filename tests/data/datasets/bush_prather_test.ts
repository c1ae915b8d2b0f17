import assert from "node:assert/strict";
import { loadBushPrather, prepareBushPrather } from "../../../lib/data/datasets/bush_prather.ts";
import { tableFromCsvText } from "../../../lib/data/load_table.ts";
import { countMissing } from "../../../lib/data/missing.ts";
import type { NumericColumn } from "../../../lib/data/table.ts";

const HEADER =
  "ipe_support,treat_germrus,w2_vote_hill,woman,employ,treat_ipetype,educ,polknowledge,polint";

Deno.test("prepareBushPrather recodes, drops incomplete cases, splits at the median", () => {
  const raw = tableFromCsvText(
    `${HEADER}\n` +
      "3,1,1,0,1,1,5,2,3\n" + // engage 5
      "4,0,,1,2,2,3,1,1\n" + // no vote: dropped
      "2,0,0,1,2,2,3,1,1\n" + // engage 2
      "1,1,1,1,1,3,6,3,4\n" + // engage 7
      "2,1,0,0,3,1,4,0,\n" + // no polint: dropped
      "4,0,1,0,1,2,2,3,1\n", // engage 4
  );
  const t = prepareBushPrather(raw);
  assert.equal(t.nRows, 4);
  const v = (name: string) => Array.from((t.columns[name] as NumericColumn).values);
  assert.deepEqual(v("employ_dum"), [1, 0, 1, 1]);
  assert.deepEqual(v("invest_cond"), [1, 0, 0, 0]);
  assert.deepEqual(v("college_educ"), [1, 0, 1, 0]);
  assert.deepEqual(v("pol_engage"), [5, 2, 7, 4]);
  // median of 2, 4, 5, 7 is 4.5
  assert.deepEqual(v("high_pol_engage"), [1, 0, 1, 0]);
});

Deno.test("real data: 468 complete cases, as the CODEBOOK says", async () => {
  const t = await loadBushPrather();
  assert.equal(t.nRows, 468);
  // The 1,104 rows left out are recorded, so that a fit's warnings say so (--recode).
  assert.equal(t.droppedMissing?.rows, 1572 - 468);
  assert.match(t.droppedMissing?.by ?? "", /Bush & Prather preparation/);
  const counts = countMissing(t, [
    "ipe_support",
    "treat_germrus",
    "w2_vote_hill",
    "woman",
    "pol_engage",
  ]);
  assert.ok(Object.values(counts).every((c) => c === 0));
  // pol_engage median over the complete cases is 6 (checked independently), so
  // high_pol_engage = pol_engage >= 6.
  const engage = (t.columns.pol_engage as NumericColumn).values;
  const high = (t.columns.high_pol_engage as NumericColumn).values;
  for (let i = 0; i < t.nRows; i++) assert.equal(high[i], engage[i] >= 6 ? 1 : 0);
  assert.ok(high.some((h) => h === 0) && high.some((h) => h === 1));
});
