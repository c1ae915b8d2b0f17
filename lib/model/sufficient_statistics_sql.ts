/**
 * The GROUP BY query that computes a model's aggregate (lib/model/aggregate.ts) where the data
 * live: DuckDB, PostgreSQL, BigQuery or Spark SQL. Its result, saved as CSV and fitted with
 * `--aggregated` (or `fitModel(spec, table, { aggregated: true })`), gives the posterior of the
 * row-level fit.
 */
import { HetfxError } from "../errors.ts";
import { FAMILY_ROLES, type ModelSpec } from "../spec/model_spec.ts";
import { aggregateLayout, treatmentRangeNames } from "./aggregate.ts";
import { usedColumns } from "./used_columns.ts";

/** The SQL dialects the query is written for. */
export const SQL_DIALECTS = ["duckdb", "postgres", "bigquery", "spark"] as const;
export type SqlDialect = typeof SQL_DIALECTS[number];

/** Options of sufficientStatisticsSQL. */
export interface SufficientStatisticsSqlOptions {
  /**
   * A table name (as the engine spells it), a table function call, or a query ({@link sqlQuery}:
   * SELECT, WITH, VALUES, DuckDB's FROM-first `FROM t …`, or one in parentheses).
   */
  table: string;
  /** Default "duckdb". */
  dialect?: SqlDialect;
  /**
   * Which variables are categorical (GROUP BY keys rather than summed numbers); grouping
   * factors always are. A builder's `sufficientStatisticsSQL` takes them from its table.
   */
  factors?: readonly string[];
  /**
   * The median and MAD (unscaled) of the prior outcome values, computed beforehand (the DuckDB
   * engine's bounded-memory pass, lib/engine/duckdb_median.ts): the query then selects them as
   * constants instead of computing them (an exact median holds every row).
   */
  outcomeMedianMad?: { median: number; mad: number };
  /**
   * A summed treatment's smallest and largest value over the rows, computed beforehand (the
   * DuckDB engine's first pass): the query then selects them as constants, and counts the rows
   * between them in its one read of the rows, instead of finding them with a second scan.
   */
  treatmentRange?: { min: number; max: number };
  /**
   * Leave out rows with a missing value (NULL) in a used column. The default, false, keeps
   * them and makes `n` NULL for each key that has one, so that fitting the result refuses it
   * rather than reading sums that skipped the NULLs: no row is lost unless asked (as
   * `loadTable` refuses missing values unless `dropMissing`).
   */
  dropMissing?: boolean;
}

/**
 * The refusal of an outcome (or trials) column `name` that holds text (`type`: the engine's
 * word for it, "text" by default): an aggregate sums it. An ordinal outcome's text categories
 * point to the in-memory route, where `--levels` orders them (DuckDB cannot).
 *
 * @example
 * ```ts
 * import { textOutcomeError } from "./sufficient_statistics_sql.ts";
 * const spec = { hetfx: 1 as const, outcome: "y", family: "cumulative" as const, intercept: true,
 *   treatment: null, terms: [], groupTerms: [], priors: [] };
 * console.assert(textOutcomeError(spec, "y", "VARCHAR").message.includes("--engine memory"));
 * ```
 */
export function textOutcomeError(spec: ModelSpec, name: string, type = "text"): HetfxError {
  const start = `Cannot build model: column "${name}" is ${type} in the data; it must be numeric`;
  if (name !== spec.outcome || !("thresholds" in FAMILY_ROLES[spec.family])) {
    return new HetfxError(`${start}: recode it to numbers where the data live.`);
  }
  return new HetfxError(
    `${start} to be aggregated in SQL: a ${spec.family} outcome as its categories 1, 2, …, K. ` +
      `Recode it so, or fit the rows in memory, which orders text categories: deno task fit ` +
      `DATA --engine memory --levels ${name}=LOWEST,…,HIGHEST (API: formula(text, table, ` +
      `{ levels: [...] })).`,
  );
}

const DOUBLE: Record<SqlDialect, string> = {
  duckdb: "DOUBLE",
  postgres: "DOUBLE PRECISION",
  bigquery: "FLOAT64",
  spark: "DOUBLE",
};

/** Quote an identifier for the dialect. */
function quote(name: string, dialect: SqlDialect): string {
  if (dialect === "bigquery" || dialect === "spark") return "`" + name.replaceAll("`", "``") + "`";
  return '"' + name.replaceAll('"', '""') + '"';
}

/**
 * The query that `text` holds (SELECT, WITH, DuckDB's FROM-first `FROM t …`, VALUES, or one of
 * these in parentheses), as one subquery can hold it: without comments or semicolons before or
 * after it (a trailing `-- …` would comment out the closing parenthesis of `(query)`);
 * undefined when `text` is not a query (a table name or a path).
 * Quoted text ('…', "…", `…`) is skipped whole, so a `;` or `--` inside it is kept.
 *
 * @example
 * ```ts
 * import { sqlQuery } from "./sufficient_statistics_sql.ts";
 * console.assert(sqlQuery("SELECT * FROM t; -- wave 2\n") === "SELECT * FROM t");
 * console.assert(sqlQuery("(FROM t) -- wave 2") === "(FROM t)");
 * console.assert(sqlQuery("survey") === undefined);
 * ```
 */
export function sqlQuery(text: string): string | undefined {
  let start = -1;
  let end = 0;
  for (let i = 0; i < text.length;) {
    const c = text[i];
    const after = commentEnd(text, i);
    if (after > i) {
      i = after;
    } else if (/\s|;/.test(c)) {
      i++;
    } else {
      if (start < 0) start = i;
      i = "'\"`".includes(c) ? quotedEnd(text, i) : i + 1;
      end = i;
    }
  }
  const body = start < 0 ? "" : text.slice(start, end);
  // A keyword followed by "." is a path or a table's schema (select.csv, values.rows).
  const isQuery = /^(select|with|from|values)\b(?!\.)/i.test(body) ||
    (body.startsWith("(") && closingParen(body) === body.length - 1 &&
      sqlQuery(body.slice(1, -1)) !== undefined);
  return isQuery ? body : undefined;
}

/**
 * The index of the ")" closing the "(" that `text` opens with (quoted text and comments skipped),
 * else -1: `(SELECT 1)` is one query in parentheses, `(SELECT …) AS t` is not.
 */
function closingParen(text: string): number {
  if (!text.startsWith("(")) return -1;
  let depth = 0;
  for (let i = 0; i < text.length;) {
    const c = text[i];
    const after = commentEnd(text, i);
    if (after > i) {
      i = after;
    } else if ("'\"`".includes(c)) {
      i = quotedEnd(text, i);
    } else {
      if (c === "(") depth++;
      if (c === ")" && --depth === 0) return i;
      i++;
    }
  }
  return -1;
}

/** The end of the SQL comment ("-- …" line or "/* … *\/") opening at `i`; `i` when none does. */
function commentEnd(text: string, i: number): number {
  if (text.startsWith("--", i)) {
    const eol = text.indexOf("\n", i);
    return eol < 0 ? text.length : eol + 1;
  }
  if (text.startsWith("/*", i)) {
    const close = text.indexOf("*/", i + 2);
    return close < 0 ? text.length : close + 2;
  }
  return i;
}

/** The end of the quoted text opening at `start` (a doubled quote inside it is kept). */
function quotedEnd(text: string, start: number): number {
  const quote = text[start];
  let i = start + 1;
  while (i < text.length) {
    if (text[i] !== quote) i++;
    else if (text[i + 1] === quote) i += 2;
    else return i + 1;
  }
  return text.length;
}

/** The median of `expr` over the rows CTE, as a scalar subquery-free aggregate. */
function medianOf(expr: string, dialect: SqlDialect, from: string): string {
  switch (dialect) {
    case "duckdb":
      return `SELECT MEDIAN(${expr}) AS m FROM ${from}`;
    case "postgres":
      return `SELECT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY ${expr}) AS m FROM ${from}`;
    case "spark":
      return `SELECT PERCENTILE(${expr}, 0.5) AS m FROM ${from}`;
    case "bigquery":
      return `SELECT ANY_VALUE(m) AS m FROM (SELECT PERCENTILE_CONT(${expr}, 0.5) OVER () AS m ` +
        `FROM ${from})`;
  }
}

/**
 * The SQL expression of the values whose median and MAD brms's default priors use: `y` itself,
 * or for log links ln y with 0 as 0.1 (`y` is an SQL expression of the outcome as a double).
 *
 * @example
 * ```ts
 * import { priorOutcomeSQL } from "./sufficient_statistics_sql.ts";
 * console.assert(priorOutcomeSQL("identity", '"y"') === '"y"');
 * console.assert(priorOutcomeSQL("log", "y").startsWith("LN("));
 * ```
 */
export function priorOutcomeSQL(kind: "identity" | "log", y: string): string {
  return kind === "log" ? `LN(CASE WHEN ${y} = 0 THEN 0.1 ELSE ${y} END)` : y;
}

/**
 * The query (one statement) whose result is the model's aggregate: one row per key with `n` and
 * the sums of products. Rows with a missing value in a used column are kept, with `n` NULL for
 * their keys (fitting such an aggregate is refused); `dropMissing: true` leaves them out.
 *
 * @example
 * ```ts
 * import { sufficientStatisticsSQL } from "./sufficient_statistics_sql.ts";
 * const spec = { hetfx: 1 as const, outcome: "y", family: "bernoulli" as const, intercept: true,
 *   treatment: null, terms: ["x"], groupTerms: [], priors: [] };
 * const sql = sufficientStatisticsSQL(spec, { table: "survey", dialect: "postgres" });
 * console.assert(sql.includes('GROUP BY hetfx_rows."x"') && sql.includes('AS "sum__y"'));
 * ```
 */
export function sufficientStatisticsSQL(
  spec: ModelSpec,
  options: SufficientStatisticsSqlOptions,
): string {
  const dialect = options.dialect ?? "duckdb";
  if (!(SQL_DIALECTS as readonly string[]).includes(dialect)) {
    throw new HetfxError(
      `sufficientStatisticsSQL: unknown dialect "${dialect}"; use one of ${
        SQL_DIALECTS.join(", ")
      }.`,
    );
  }
  if (typeof options.table !== "string" || options.table.trim() === "") {
    throw new HetfxError(
      "sufficientStatisticsSQL: `table` must name a table or hold a query (SELECT, WITH, " +
        "VALUES, FROM-first FROM t …).",
    );
  }
  const factors = new Set(options.factors ?? []);
  for (const v of [spec.outcome, ...(spec.trials ? [spec.trials] : [])]) {
    if (factors.has(v)) throw textOutcomeError(spec, v);
  }
  const layout = aggregateLayout(spec, (v) => factors.has(v));
  const q = (name: string) => quote(name, dialect);
  const keySet = new Set(layout.keys);
  const query = sqlQuery(options.table);
  const source = query !== undefined ? `(${query}) AS hetfx_source` : options.table.trim();
  const used = usedColumns(spec);
  const drop = options.dropMissing ?? false;
  const complete = used.map((v) => `${q(v)} IS NOT NULL`).join(" AND ");
  // The rows CTE: used columns, numbers as doubles, incomplete rows left out (or flagged).
  const select = used.map((v) =>
    keySet.has(v) ? q(v) : `CAST(${q(v)} AS ${DOUBLE[dialect]}) AS ${q(v)}`
  );
  if (!drop) select.push(`CASE WHEN ${complete} THEN 0 ELSE 1 END AS hetfx_incomplete`);
  const lines = [
    `-- hetfx aggregate (${spec.family}): keys ${layout.keys.join(", ") || "(none)"}; ` +
    `fit its result with --aggregated`,
    ...(drop ? ["-- Rows with a missing value in a model column are left out (dropMissing)."] : [
      "-- Rows with a missing value in a model column are kept: n is NULL for their keys, and",
      "-- hetfx refuses such an aggregate (SUM would skip the NULLs). To leave those rows out,",
      "-- use dropMissing (deno task sql --drop-missing).",
    ]),
    `WITH hetfx_rows AS (`,
    `  SELECT ${select.join(", ")}`,
    `  FROM ${source}`,
    ...(drop ? [`  WHERE ${complete}`] : []),
    `)`,
  ];
  const from = ["hetfx_rows"];
  const extra: string[] = [];
  const given = options.outcomeMedianMad;
  // A constant computed beforehand (a JavaScript number's text reads back as the same double;
  // quoted, so that no dialect reads it as a decimal).
  const number = (v: number) => `CAST('${String(v)}' AS ${DOUBLE[dialect]})`;
  if (layout.priorOutcome !== null && given !== undefined) {
    extra.push(`${number(given.median)} AS y_median`, `${number(given.mad)} * 1.4826 AS y_mad`);
  } else if (layout.priorOutcome !== null) {
    // brms's default priors: the median and MAD (× 1.4826) of y (log y, 0 as 0.1, for log links).
    const expr = priorOutcomeSQL(layout.priorOutcome, q(spec.outcome));
    lines.push(
      `, hetfx_median AS (${medianOf(expr, dialect, "hetfx_rows")})`,
      `, hetfx_mad AS (${
        medianOf(`ABS(${expr} - hetfx_median.m)`, dialect, "hetfx_rows CROSS JOIN hetfx_median")
      })`,
    );
    from.push("hetfx_median", "hetfx_mad");
    extra.push(`MAX(hetfx_median.m) AS y_median`, `MAX(hetfx_mad.m) * 1.4826 AS y_mad`);
  }
  if (layout.treatmentRange !== null) {
    // A summed treatment's range over all rows and, per key, its rows strictly inside it: the
    // contrast the rows would give (lib/model/aggregate.ts). Given beforehand: constants;
    // otherwise a one-row CTE (a second read of the rows).
    const t = q(layout.treatmentRange);
    const names = treatmentRangeNames(layout.treatmentRange);
    const known = options.treatmentRange;
    let lo = "hetfx_treatment.lo";
    let hi = "hetfx_treatment.hi";
    if (known !== undefined) {
      lo = number(known.min);
      hi = number(known.max);
      extra.push(`${lo} AS ${q(names.min)}`, `${hi} AS ${q(names.max)}`);
    } else {
      lines.push(
        `, hetfx_treatment AS (SELECT MIN(${t}) AS lo, MAX(${t}) AS hi FROM hetfx_rows)`,
      );
      from.push("hetfx_treatment");
      extra.push(`MAX(${lo}) AS ${q(names.min)}`, `MAX(${hi}) AS ${q(names.max)}`);
    }
    extra.push(
      `SUM(CASE WHEN hetfx_rows.${t} > ${lo} AND hetfx_rows.${t} < ${hi} THEN 1 ELSE 0 END) ` +
        `AS ${q(names.between)}`,
    );
  }
  const sums = layout.sums.map((s) =>
    s.vars.length === 0
      ? drop
        ? `COUNT(*) AS ${q("n")}`
        : `CASE WHEN MAX(hetfx_rows.hetfx_incomplete) = 0 THEN COUNT(*) END AS ${q("n")}`
      : `SUM(${s.vars.map((v) => `hetfx_rows.${q(v)}`).join(" * ")}) AS ${q(s.name)}`
  );
  const keys = layout.keys.map((k) => `hetfx_rows.${q(k)}`);
  lines.push(
    `SELECT ${[...keys, ...sums, ...extra].join(",\n  ")}`,
    `FROM ${from.join(" CROSS JOIN ")}`,
  );
  if (keys.length > 0) lines.push(`GROUP BY ${keys.join(", ")}`, `ORDER BY ${keys.join(", ")}`);
  return lines.join("\n") + ";\n";
}
