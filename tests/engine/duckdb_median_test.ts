/**
 * The bounded-memory median and MAD equal DuckDB's exact MEDIAN (and the MEDIAN of |v − MEDIAN|,
 * as the sufficient-statistics query writes it) on awkward data — ties, odd and even counts,
 * all-equal values, negative values, heavy tails, one bucket holding most rows, huge magnitudes,
 * NULLs left out by the WHERE — with the default settings and with tiny ones that force several
 * histogram passes; it gives up (null) rather than guess. (Through duckdbAggregate:
 * tests/engine/duckdb_engine_test.ts.)
 */
import assert from "node:assert/strict";
import { boundedMedianMad, type QueryColumns } from "../../lib/engine/duckdb_median.ts";
import { closeDuckDB, connectDuckDB } from "../../lib/engine/duckdb_engine.ts";

const con = await connectDuckDB();
const query: QueryColumns = async (sql) => (await con.runAndReadAll(sql)).getColumns();

/** u(k): a uniform in (0, 1) from a hash of the row i and a stream k (fixed data). */
const u = (k: number) => `((hash(i * 13 + ${k}) % 1000003) + 0.5) / 1000003.0`;

/** Data sets: name → SELECT with a column y (DOUBLE, maybe NULL) over range(n) t(i). */
const DATA: Record<string, string> = {
  "ties, odd n": `SELECT CAST(i % 7 AS DOUBLE) AS y FROM range(1001) t(i)`,
  "ties, even n": `SELECT CAST(i % 4 AS DOUBLE) - 1.5 AS y FROM range(1000) t(i)`,
  "even n, distinct": `SELECT ${u(1)} * 10 - 3 AS y FROM range(2000) t(i)`,
  "all equal": `SELECT 5.5 :: DOUBLE AS y FROM range(400) t(i)`,
  "one row": `SELECT -2.25 :: DOUBLE AS y FROM range(1) t(i)`,
  "two rows": `SELECT CAST(i AS DOUBLE) * 0.1 + 0.2 AS y FROM range(2) t(i)`,
  "negative": `SELECT -exp(${u(2)} * 5) AS y FROM range(3001) t(i)`,
  "heavy tails (Cauchy)": `SELECT tan(pi() * (${u(3)} - 0.5)) AS y FROM range(20000) t(i)`,
  // 95% of the rows within 1e-6 of 3, the rest at ±1e6: one equal-width bucket holds them.
  "one crowded bucket": `SELECT CASE WHEN i % 20 = 0 THEN (${u(4)} - 0.5) * 2e6 ` +
    `ELSE 3 + ${u(5)} * 1e-6 END AS y FROM range(10000) t(i)`,
  "huge magnitudes": `SELECT (${u(6)} - 0.4) * 1e300 AS y FROM range(999) t(i)`,
  "with NULLs": `SELECT CASE WHEN i % 3 = 0 THEN NULL ELSE ${u(7)} END AS y ` +
    `FROM range(1500) t(i)`,
};

/** DuckDB's exact median and MAD of y over the table's non-NULL rows, as the query writes them. */
async function exact(table: string): Promise<{ median: number; mad: number }> {
  const [[m], [d]] = await query(
    `WITH r AS (SELECT y AS v FROM ${table} WHERE y IS NOT NULL), ` +
      `hm AS (SELECT MEDIAN(v) AS m FROM r) ` +
      `SELECT (SELECT m FROM hm), (SELECT MEDIAN(ABS(v - hm.m)) FROM r CROSS JOIN hm)`,
  );
  return { median: Number(m), mad: Number(d) };
}

/** The rows' count, min and max of y (the engine's first pass). */
async function rowsOf(table: string) {
  const [[n], [lo], [hi]] = await query(
    `SELECT COUNT(y), MIN(y), MAX(y) FROM ${table} WHERE y IS NOT NULL`,
  );
  return {
    expr: "y",
    source: table,
    where: "y IS NOT NULL",
    count: Number(n),
    min: Number(lo),
    max: Number(hi),
  };
}

let id = 0;
for (const [name, select] of Object.entries(DATA)) {
  Deno.test(`boundedMedianMad: equals DuckDB's MEDIAN and MAD (${name})`, async () => {
    const table = `median_case_${id++}`;
    await con.runAndReadAll(`CREATE TABLE ${table} AS ${select}`);
    const want = await exact(table);
    const rows = await rowsOf(table);
    // Defaults (one or two passes), and tiny settings that force many passes and reads.
    for (const options of [{}, { buckets: 4, fetchLimit: 3 }, { buckets: 2, fetchLimit: 1 }]) {
      const got = await boundedMedianMad(query, rows, { ...options, maxPasses: 100 });
      assert.ok(got !== null, `${name} ${JSON.stringify(options)}: gave up`);
      // The same doubles, combined by the same arithmetic: exactly equal.
      assert.equal(got.median, want.median, `${name} ${JSON.stringify(options)}: median`);
      assert.equal(got.mad, want.mad, `${name} ${JSON.stringify(options)}: MAD`);
    }
  });
}

Deno.test("boundedMedianMad: gives up (null) instead of guessing", async () => {
  // 2^-k, k = 0…199: two buckets a pass peel one value each, so 3 passes cannot finish.
  await con.runAndReadAll(
    `CREATE TABLE median_geometric AS SELECT pow(2.0, -i) AS y FROM range(200) t(i)`,
  );
  const rows = await rowsOf("median_geometric");
  assert.equal(
    await boundedMedianMad(query, rows, { buckets: 2, fetchLimit: 1, maxPasses: 3 }),
    null,
  );
  assert.equal(await boundedMedianMad(query, { ...rows, max: Infinity }), null);
  assert.equal(await boundedMedianMad(query, { ...rows, count: 0 }), null);
  // With the defaults it finishes, equal to DuckDB's.
  assert.deepEqual(await boundedMedianMad(query, rows), await exact("median_geometric"));
});

// Last in the file: DuckDB's memory freed now, not by finalizers when the test process ends.
Deno.test("duckdb median: the connection closes", () => closeDuckDB(con));
