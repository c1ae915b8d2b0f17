/**
 * Tomz & Weeks (2021) "Military Alliances and Public Support for War": the recodes the seed
 * paper applies before its hierarchical model (data/CODEBOOK.md).
 */
import { HetfxError } from "../../errors.ts";
import { type Column, type Table, withColumn } from "../table.ts";
import { numericColumn } from "../factor.ts";
import { loadTable } from "../load_table.ts";
import { shippedDataPath } from "./shipped_data.ts";

/** Region labels for codes 1–4, without spaces so coefficient names read "regionAsia". */
export const TOMZ_WEEKS_REGIONS = ["Africa", "Asia", "EasternEurope", "SouthAmerica"] as const;

/**
 * The seed paper's recodes of the raw Tomz & Weeks table: force = pref ≥ 4; alliance,
 * regime, costs = code 2; stakes = code 1; white = race 1; male = gender 1 (all 0/1);
 * hawk = |6 − hawk|; region a factor (Africa reference); intl and other columns untouched.
 * Missing values stay missing.
 *
 * @example
 * ```ts
 * import { tableFromCsvText } from "../load_table.ts";
 * import { prepareTomzWeeks } from "./tomz_weeks.ts";
 * const raw = tableFromCsvText(
 *   "alliance,regime,stakes,costs,region,pref,hawk,intl,gender,race\n2,1,1,2,3,4,1,5,1,1\n",
 * );
 * const t = prepareTomzWeeks(raw);
 * console.assert(t.columns.force.kind === "number" && t.columns.force.values[0] === 1);
 * ```
 */
export function prepareTomzWeeks(raw: Table): Table {
  const context = "Cannot prepare the Tomz & Weeks data";
  const get = (name: string) => numericColumn(raw, name, context);
  const num = (values: Float64Array): Column => ({ kind: "number", values });
  const indicator = (name: string, code: number): Column =>
    num(get(name).map((v) => (Number.isNaN(v) ? NaN : v === code ? 1 : 0)));

  let t = raw;
  t = withColumn(t, "force", num(get("pref").map((v) => (Number.isNaN(v) ? NaN : v >= 4 ? 1 : 0))));
  t = withColumn(t, "alliance", indicator("alliance", 2));
  t = withColumn(t, "regime", indicator("regime", 2));
  t = withColumn(t, "stakes", indicator("stakes", 1));
  t = withColumn(t, "costs", indicator("costs", 2));
  t = withColumn(t, "region", regionFactor(get("region"), context));
  t = withColumn(t, "white", indicator("race", 1));
  t = withColumn(t, "male", indicator("gender", 1));
  t = withColumn(t, "hawk", num(get("hawk").map((v) => Math.abs(6 - v))));
  get("intl"); // must exist and be numeric
  return t;
}

/**
 * Load and prepare the Tomz & Weeks CSV (by default the copy shipped in data/, found from any
 * working folder).
 *
 * @example
 * ```ts ignore
 * import { loadTomzWeeks } from "./tomz_weeks.ts";
 * const t = await loadTomzWeeks(); // 1,200 rows
 * ```
 */
export async function loadTomzWeeks(path = shippedDataPath("tomz_weeks_2017.csv")): Promise<Table> {
  return prepareTomzWeeks(await loadTable(path));
}

function regionFactor(codes: Float64Array, context: string): Column {
  const out = new Int32Array(codes.length);
  for (let row = 0; row < codes.length; row++) {
    const v = codes[row];
    if (Number.isNaN(v)) {
      out[row] = -1;
    } else if (Number.isInteger(v) && v >= 1 && v <= 4) {
      out[row] = v - 1;
    } else {
      throw new HetfxError(
        `${context}: column "region" row ${row + 1} has ${v}, but region codes are 1–4 ` +
          "(1 Africa, 2 Asia, 3 Eastern Europe, 4 South America).",
      );
    }
  }
  return { kind: "factor", codes: out, levels: [...TOMZ_WEEKS_REGIONS] };
}
