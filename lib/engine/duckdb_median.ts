/**
 * The exact median and MAD of a column inside DuckDB in bounded memory. DuckDB's MEDIAN keeps
 * every value (10⁷ rows: 80 MB of doubles, ~400 MB more at the process's peak with DuckDB's
 * buffers, the largest part of a 10⁷-row fit's peak). Here a
 * histogram pass (GROUP BY bucket: count, min, max per bucket, equal-width buckets between known
 * bounds) finds the bucket that holds each middle rank; a bucket of one value gives it at once, a
 * small one is read and sorted, a large one gets a finer histogram of its own range. The MAD is
 * the median of |v − median| the same way (its bounds are 0 and the larger distance to the min or
 * max). So memory is the histogram's (a few thousand rows) whatever the data, at the cost of more
 * scans (usually 2 per median). Equal to DuckDB's MEDIAN: the middle value, or for an even count
 * the two middle values a ≤ b combined as a + (b − a) / 2 (quantile_cont's interpolation).
 */

/** Runs one query and returns its columns (each an array of values). */
export type QueryColumns = (sql: string) => Promise<unknown[][]>;

/** Options of boundedMedianMad (defaults suit 10⁷–10⁹ rows; tests make them small). */
export interface BoundedMedianOptions {
  /** Buckets per histogram pass. Default 4096. */
  buckets?: number;
  /** A bucket with at most this many rows is read and sorted in JavaScript. Default 65,536. */
  fetchLimit?: number;
  /** Histogram passes per median before giving up (null: use DuckDB's MEDIAN). Default 12. */
  maxPasses?: number;
}

/** The rows' values: an SQL expression over a source, the rows a WHERE condition keeps. */
export interface MedianRows {
  /** The values, an SQL expression of the source's columns (a DOUBLE). */
  expr: string;
  /** A table, table function or parenthesised query with an alias. */
  source: string;
  /** The rows that count (SQL condition; "TRUE" for all). */
  where: string;
  /** Their number, and the values' minimum and maximum over them. */
  count: number;
  min: number;
  max: number;
}

/** A double as an SQL literal that reads back as the same double. */
function literal(v: number): string {
  return `CAST('${String(v)}' AS DOUBLE)`;
}

interface Context {
  query: QueryColumns;
  buckets: number;
  fetchLimit: number;
  maxPasses: number;
}

/**
 * The values at 0-based `ranks` (sorted) of `values` (a SELECT with one column v), all of which
 * lie in [lo, hi] with `below` values under lo; null when it gives up (pathological spacing).
 */
async function atRanks(
  c: Context,
  values: string,
  ranks: number[],
  range: { lo: number; hi: number; below: number },
  pass: number,
): Promise<Map<number, number> | null> {
  const { lo, hi, below } = range;
  const out = new Map<number, number>();
  if (lo === hi) {
    for (const r of ranks) out.set(r, lo);
    return out;
  }
  // Halves keep hi − lo finite for any finite bounds; the bucket index is monotone in v, so
  // buckets are disjoint ranges in order and [min, max] of a bucket holds only its rows.
  const scale = c.buckets / (hi * 0.5 - lo * 0.5);
  if (pass >= c.maxPasses || !Number.isFinite(scale)) return null;
  const inRange = `v >= ${literal(lo)} AND v <= ${literal(hi)}`;
  const bucket = `LEAST(${c.buckets - 1}, CAST(FLOOR((v * 0.5 - ${literal(lo * 0.5)}) * ` +
    `${literal(scale)}) AS BIGINT))`;
  const [, counts, mins, maxs] = await c.query(
    `SELECT ${bucket} AS b, COUNT(*) AS n, MIN(v) AS lo, MAX(v) AS hi FROM (${values}) ` +
      `WHERE ${inRange} GROUP BY b ORDER BY b`,
  );
  let cum = below;
  for (let j = 0; j < counts.length; j++) {
    const n = Number(counts[j]);
    const here = ranks.filter((r) => r >= cum && r < cum + n);
    if (here.length > 0) {
      const bLo = Number(mins[j]);
      const bHi = Number(maxs[j]);
      if (bLo === bHi) {
        for (const r of here) out.set(r, bLo);
      } else if (n <= c.fetchLimit) {
        const [v] = await c.query(
          `SELECT v FROM (${values}) WHERE v >= ${literal(bLo)} AND v <= ${literal(bHi)}`,
        );
        const sorted = Float64Array.from(v, Number).sort();
        if (sorted.length !== n) return null;
        for (const r of here) out.set(r, sorted[r - cum]);
      } else {
        const inner = await atRanks(c, values, here, { lo: bLo, hi: bHi, below: cum }, pass + 1);
        if (inner === null) return null;
        for (const [r, x] of inner) out.set(r, x);
      }
    }
    cum += n;
  }
  return ranks.every((r) => out.has(r)) ? out : null;
}

/** The median of `count` values in [lo, hi] (a SELECT with one column v), as DuckDB's MEDIAN. */
async function medianOf(
  c: Context,
  values: string,
  count: number,
  lo: number,
  hi: number,
): Promise<number | null> {
  const k1 = Math.floor((count - 1) / 2);
  const k2 = Math.ceil((count - 1) / 2);
  const at = await atRanks(c, values, k1 === k2 ? [k1] : [k1, k2], { lo, hi, below: 0 }, 0);
  if (at === null) return null;
  const a = at.get(k1)!;
  const b = at.get(k2)!;
  return a + (b - a) * 0.5;
}

/**
 * The exact median and MAD (unscaled: the median of |v − median|) of the rows' values, in
 * memory bounded by the histogram's size; null when the values are not all finite or their
 * spacing defeats the histogram (the caller then uses DuckDB's MEDIAN).
 *
 * @example
 * ```ts ignore
 * const query = async (sql: string) => (await con.runAndReadAll(sql)).getColumns();
 * const stats = await boundedMedianMad(query, {
 *   expr: '"y"', source: "read_parquet('big.parquet')", where: "TRUE", count, min, max,
 * });
 * ```
 */
export async function boundedMedianMad(
  query: QueryColumns,
  rows: MedianRows,
  options: BoundedMedianOptions = {},
): Promise<{ median: number; mad: number } | null> {
  const { count, min, max } = rows;
  if (!(count >= 1) || !Number.isFinite(min) || !Number.isFinite(max) || min > max) return null;
  const c: Context = {
    query,
    buckets: options.buckets ?? 4096,
    fetchLimit: options.fetchLimit ?? 65536,
    maxPasses: options.maxPasses ?? 12,
  };
  const select = (v: string) => `SELECT ${v} AS v FROM ${rows.source} WHERE ${rows.where}`;
  const median = await medianOf(c, select(`(${rows.expr})`), count, min, max);
  if (median === null) return null;
  // |v − m| is largest at the min or the max (v − m is monotone in v).
  const far = Math.max(Math.abs(max - median), Math.abs(min - median));
  const distances = select(`ABS((${rows.expr}) - ${literal(median)})`);
  const mad = await medianOf(c, distances, count, 0, far);
  return mad === null ? null : { median, mad };
}
