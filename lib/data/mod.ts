/** The data layer: loading tables, missing values, factors, bins, rescaling, groups. */
export type { Column, FactorColumn, NumericColumn, Table } from "./table.ts";
export { getColumn, makeTable, takeRows, withColumn } from "./table.ts";
export { parseCsv, type ParsedCsv } from "./csv.ts";
export {
  type ColumnValues,
  type DataFrameLike,
  loadTable,
  type LoadTableOptions,
  tableFromColumns,
  tableFromCsvText,
  tableFromDataFrame,
  tableFromRecords,
  type TableSource,
} from "./load_table.ts";
export {
  countMissing,
  type DropMissingResult,
  dropMissingRows,
  requireComplete,
} from "./missing.ts";
export { asFactor, type AsFactorOptions, dropUnusedLevels, numericColumn } from "./factor.ts";
export {
  type BinBreaks,
  binBreaks,
  binColumn,
  type BinSpec,
  intervalLabels,
  quantileType7,
} from "./bin.ts";
export { centre, rescale2sd, type RescaleOptions } from "./rescale.ts";
export {
  formatGroupSummary,
  type Grouping,
  type GroupKeys,
  groupKeys,
  groups,
  type GroupSummary,
  type GroupSummaryRow,
} from "./groups.ts";
export * from "./datasets/mod.ts";
