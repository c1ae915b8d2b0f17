/** The replication data sets the notebooks use, with the seed paper's recodes. */
export { loadTomzWeeks, prepareTomzWeeks, TOMZ_WEEKS_REGIONS } from "./tomz_weeks.ts";
export {
  BUSH_PRATHER_ANALYSIS_COLUMNS,
  loadBushPrather,
  prepareBushPrather,
} from "./bush_prather.ts";
