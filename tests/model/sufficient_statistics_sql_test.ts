/**
 * The sufficient-statistics query's text in each dialect: identifiers quoted as the dialect
 * quotes them, numbers cast to its double type, the median/MAD for default priors, incomplete
 * rows kept (n NULL) unless dropMissing, a summed treatment's range, and bad options refused. (The DuckDB query is run in
 * tests/engine/duckdb_engine_test.ts and gives the row-level log density.)
 *
 * Also covers: builder_sql.ts (the builder's method: its table's factors become keys).
 */
import assert from "node:assert/strict";
import {
  SQL_DIALECTS,
  sqlQuery,
  sufficientStatisticsSQL,
} from "../../lib/model/sufficient_statistics_sql.ts";
import { HetfxError } from "../../lib/errors.ts";
import { crossedSpec } from "./_fixtures.ts";

Deno.test("sufficientStatisticsSQL: each dialect quotes, casts and groups", () => {
  const spec = { ...crossedSpec("gaussian"), priors: [] };
  const expected = {
    duckdb: ['"x"', "AS DOUBLE)", "MEDIAN("],
    postgres: ['"x"', "AS DOUBLE PRECISION)", "PERCENTILE_CONT(0.5) WITHIN GROUP"],
    bigquery: ["`x`", "AS FLOAT64)", "PERCENTILE_CONT(`y`, 0.5) OVER ()"],
    spark: ["`x`", "AS DOUBLE)", "PERCENTILE(`y`, 0.5)"],
  };
  for (const dialect of SQL_DIALECTS) {
    const sql = sufficientStatisticsSQL(spec, { table: "db.survey", dialect, factors: ["f"] });
    for (const part of expected[dialect]) assert.ok(sql.includes(part), `${dialect}: ${part}`);
    assert.ok(sql.includes("FROM db.survey"));
    assert.match(sql, /IS NOT NULL AND/);
    assert.match(sql, /GROUP BY hetfx_rows.(["`])f\1, hetfx_rows.\1g1\1, hetfx_rows.\1g2\1/);
    assert.match(sql, /AS (["`])sum__x__y\1/);
    assert.match(sql, /AS y_mad/);
  }
});

Deno.test("sufficientStatisticsSQL: a query source is wrapped; bernoulli needs no median", () => {
  const sql = sufficientStatisticsSQL(crossedSpec("bernoulli"), {
    table: "SELECT * FROM t WHERE wave = 2;",
  });
  assert.ok(sql.includes("FROM (SELECT * FROM t WHERE wave = 2) AS hetfx_source"));
  assert.ok(!sql.includes("MEDIAN"));
  assert.ok(sql.includes('THEN COUNT(*) END AS "n"') && sql.includes('AS "sum__y"'));
});

Deno.test("sqlQuery: a query without its trailing semicolons and comments; quoted text kept", () => {
  assert.equal(sqlQuery("SELECT * FROM t"), "SELECT * FROM t");
  assert.equal(sqlQuery("  select 1 ;; \n"), "select 1");
  // A trailing line comment would comment out the ")" of "(query)".
  assert.equal(sqlQuery("SELECT * FROM t; -- wave 2"), "SELECT * FROM t");
  assert.equal(
    sqlQuery("-- rows\nWITH r AS (SELECT 1) SELECT * FROM r /* all */"),
    "WITH r AS (SELECT 1) SELECT * FROM r",
  );
  assert.equal(sqlQuery("SELECT * -- inner\nFROM t"), "SELECT * -- inner\nFROM t");
  assert.equal(sqlQuery("SELECT ';--' AS s, \"a;b\" FROM t;"), "SELECT ';--' AS s, \"a;b\" FROM t");
  assert.equal(sqlQuery("SELECT 'it''s' FROM t --"), "SELECT 'it''s' FROM t");
  for (const text of ["survey", "db.selection", "with_rows", "data/select.csv", ""]) {
    assert.equal(sqlQuery(text), undefined, text);
  }
});

Deno.test("sqlQuery: a query in parentheses, DuckDB's FROM-first and VALUES are queries", () => {
  // Only SELECT and WITH were: these read as table names, which the auto route could not find.
  assert.equal(sqlQuery("(SELECT 1);"), "(SELECT 1)");
  assert.equal(
    sqlQuery(" ( -- rows\n with r AS (SELECT 1) FROM r)"),
    "( -- rows\n with r AS (SELECT 1) FROM r)",
  );
  assert.equal(sqlQuery("((SELECT 1)) -- twice"), "((SELECT 1))");
  assert.equal(sqlQuery("FROM t WHERE wave = 2;"), "FROM t WHERE wave = 2");
  assert.equal(sqlQuery("from read_csv('rows.csv')"), "from read_csv('rows.csv')");
  assert.equal(sqlQuery("VALUES (1, 'a'), (2, 'b')"), "VALUES (1, 'a'), (2, 'b')");
  for (
    const text of [
      "from_rows",
      "values.rows",
      "from.csv",
      "(rows)",
      "(SELECT 1) AS t",
      "(')') AS t",
    ]
  ) {
    assert.equal(sqlQuery(text), undefined, text);
  }
});

Deno.test("sufficientStatisticsSQL: a query's trailing comment and semicolons are left outside its parentheses", () => {
  const sql = sufficientStatisticsSQL(crossedSpec("bernoulli"), {
    table: "SELECT * FROM t WHERE wave = 2; -- the second wave",
  });
  assert.ok(sql.includes("FROM (SELECT * FROM t WHERE wave = 2) AS hetfx_source"), sql);
});

Deno.test("sufficientStatisticsSQL: a summed treatment's range, in every dialect; none for a key", () => {
  const spec = {
    hetfx: 1 as const,
    outcome: "y",
    family: "gaussian" as const,
    intercept: true,
    treatment: "t",
    terms: ["t"],
    groupTerms: [{ group: "g", factors: ["g"], intercept: true, slopes: ["t"], correlated: true }],
    priors: [],
  };
  for (const dialect of SQL_DIALECTS) {
    const sql = sufficientStatisticsSQL(spec, { table: "s", dialect });
    const q = dialect === "bigquery" || dialect === "spark" ? "`" : '"';
    assert.ok(
      sql.includes(`hetfx_treatment AS (SELECT MIN(${q}t${q}) AS lo, MAX(${q}t${q}) AS hi`),
    );
    assert.ok(sql.includes(`MAX(hetfx_treatment.lo) AS ${q}min__t${q}`), dialect);
    assert.ok(sql.includes(`MAX(hetfx_treatment.hi) AS ${q}max__t${q}`), dialect);
    assert.match(
      sql,
      /SUM\(CASE WHEN hetfx_rows\.\W?t\W? > hetfx_treatment\.lo AND hetfx_rows\.\W?t\W? < hetfx_treatment\.hi THEN 1 ELSE 0 END\) AS \W?between__t/,
    );
  }
  // A range found beforehand (the DuckDB engine's first pass): constants, one read of the rows.
  const known = sufficientStatisticsSQL(spec, { table: "s", treatmentRange: { min: -1, max: 1 } });
  assert.doesNotMatch(known, /hetfx_treatment/);
  assert.match(known, /CAST\('-1' AS DOUBLE\) AS "min__t"/);
  assert.match(
    known,
    /SUM\(CASE WHEN hetfx_rows\."t" > CAST\('-1' AS DOUBLE\) AND hetfx_rows\."t" < CAST\('1' AS DOUBLE\) THEN 1 ELSE 0 END\) AS "between__t"/,
  );
  // Bernoulli's treatment is a key: its values are in the aggregate already.
  assert.ok(
    !sufficientStatisticsSQL({ ...spec, family: "bernoulli" }, { table: "s" }).includes("min__t"),
  );
});

Deno.test("sufficientStatisticsSQL: bad options are refused", () => {
  const spec = crossedSpec("bernoulli");
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => sufficientStatisticsSQL(spec, { table: "t", dialect: "mysql" as any }),
    (e) => e instanceof HetfxError && /unknown dialect "mysql"/.test(e.message),
  );
  assert.throws(
    () => sufficientStatisticsSQL(spec, { table: " " }),
    (e) => e instanceof HetfxError && /`table`/.test(e.message),
  );
});

Deno.test("builder.sufficientStatisticsSQL: the table's factor columns are keys", async () => {
  await import("../../lib/model/builder_sql.ts");
  const { formula } = await import("../../lib/spec/formula.ts");
  const { simulatedTable } = await import("./_fixtures.ts");
  const sql = formula("y ~ 1 + x + f + (1 | g1)", simulatedTable(50, "gaussian"))
    .sufficientStatisticsSQL({ table: "t", dialect: "postgres" });
  assert.match(sql, /GROUP BY hetfx_rows."f", hetfx_rows."g1"/);
  assert.match(sql, /AS "sum__x__x"/);
});

Deno.test("sufficientStatisticsSQL: a median and MAD computed beforehand become constants", () => {
  const spec = { ...crossedSpec("gaussian"), priors: [] };
  const outcomeMedianMad = { median: 0.30000000000000004, mad: 1e-7 };
  for (const dialect of SQL_DIALECTS) {
    const sql = sufficientStatisticsSQL(spec, { table: "t", dialect, outcomeMedianMad });
    assert.ok(!/MEDIAN\(|PERCENTILE/.test(sql), dialect);
    assert.ok(sql.includes(`CAST('0.30000000000000004' AS `) && sql.includes("AS y_median"));
    assert.ok(sql.includes(`CAST('1e-7' AS `) && sql.includes("* 1.4826 AS y_mad"));
  }
});

Deno.test("sufficientStatisticsSQL: by default keeps incomplete rows, n NULL for their keys", () => {
  const spec = { ...crossedSpec("gaussian"), priors: [] };
  for (const dialect of SQL_DIALECTS) {
    const sql = sufficientStatisticsSQL(spec, { table: "t", dialect });
    assert.equal(sql, sufficientStatisticsSQL(spec, { table: "t", dialect, dropMissing: false }));
    assert.doesNotMatch(sql, /WHERE/, dialect);
    assert.match(sql, /CASE WHEN .* IS NOT NULL .* THEN 0 ELSE 1 END AS hetfx_incomplete/);
    assert.match(sql, /CASE WHEN MAX\(hetfx_rows\.hetfx_incomplete\) = 0 THEN COUNT\(\*\) END AS/);
    assert.match(sql, /^-- Rows with a missing value in a model column are kept/m);
  }
  const dropping = sufficientStatisticsSQL(spec, { table: "t", dropMissing: true });
  assert.match(dropping, /WHERE/);
  assert.match(dropping, /^-- Rows with a missing value in a model column are left out/m);
});
