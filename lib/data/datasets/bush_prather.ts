/**
 * Bush & Prather (2020) "Foreign meddling and mass attitudes toward international economic
 * engagement", US 2016 wave: the seed paper's appendix recodes (data/CODEBOOK.md).
 */
import { HetfxError } from "../../errors.ts";
import { type Column, type Table, withColumn } from "../table.ts";
import { numericColumn } from "../factor.ts";
import { dropMissingRecorded } from "../missing.ts";
import { loadTable } from "../load_table.ts";
import { shippedDataPath } from "./shipped_data.ts";
import { median } from "../../math/median.ts";

/** The columns on which incomplete cases are dropped (468 complete cases in the 2016 data). */
export const BUSH_PRATHER_ANALYSIS_COLUMNS = [
  "ipe_support",
  "treat_germrus",
  "w2_vote_hill",
  "woman",
  "pol_engage",
  "invest_cond",
  "college_educ",
  "employ_dum",
] as const;

/**
 * The seed paper's recodes of the raw Bush & Prather table: employ_dum = employ == 1,
 * invest_cond = treat_ipetype == 1, college_educ = educ ≥ 5 (all 0/1),
 * pol_engage = polknowledge + polint; then only complete cases on
 * {@link BUSH_PRATHER_ANALYSIS_COLUMNS}; then high_pol_engage = pol_engage ≥ its median
 * over those complete cases.
 *
 * @example
 * ```ts
 * import { tableFromCsvText } from "../load_table.ts";
 * import { prepareBushPrather } from "./bush_prather.ts";
 * const raw = tableFromCsvText(
 *   "ipe_support,treat_germrus,w2_vote_hill,woman,employ,treat_ipetype,educ,polknowledge,polint\n" +
 *     "3,1,1,0,1,1,5,2,3\n4,0,,1,2,2,3,1,1\n2,0,0,1,2,2,3,1,1\n",
 * );
 * const t = prepareBushPrather(raw);
 * console.assert(t.nRows === 2);
 * ```
 */
export function prepareBushPrather(raw: Table): Table {
  const context = "Cannot prepare the Bush & Prather data";
  const get = (name: string) => numericColumn(raw, name, context);
  const num = (values: Float64Array): Column => ({ kind: "number", values });
  const test = (name: string, predicate: (v: number) => boolean): Column =>
    num(get(name).map((v) => (Number.isNaN(v) ? NaN : predicate(v) ? 1 : 0)));

  let t = raw;
  t = withColumn(t, "employ_dum", test("employ", (v) => v === 1));
  t = withColumn(t, "invest_cond", test("treat_ipetype", (v) => v === 1));
  t = withColumn(t, "college_educ", test("educ", (v) => v >= 5));
  const knowledge = get("polknowledge");
  const interest = get("polint");
  t = withColumn(t, "pol_engage", num(knowledge.map((v, i) => v + interest[i])));
  for (const name of ["ipe_support", "treat_germrus", "w2_vote_hill", "woman"]) get(name);

  // The paper's complete cases: the rows dropped are recorded, so that a fit says how many.
  t = dropMissingRecorded(
    t,
    BUSH_PRATHER_ANALYSIS_COLUMNS,
    "the Bush & Prather preparation (the paper's complete cases on its analysis columns)",
  );
  const engage = numericColumn(t, "pol_engage", context);
  if (engage.length === 0) {
    throw new HetfxError(`${context}: no complete cases remain.`);
  }
  const middle = median(engage);
  return withColumn(t, "high_pol_engage", num(engage.map((v) => (v >= middle ? 1 : 0))));
}

/**
 * Load and prepare the Bush & Prather CSV (by default the copy shipped in data/).
 *
 * @example
 * ```ts ignore
 * import { loadBushPrather } from "./bush_prather.ts";
 * const t = await loadBushPrather(); // 468 complete cases
 * ```
 */
export async function loadBushPrather(
  path = shippedDataPath("bush_prather_2016_us.csv"),
): Promise<Table> {
  return prepareBushPrather(await loadTable(path));
}
