/** Quoting of text for the DuckDB engine's SQL (private to lib/engine). */

/** `s` as an SQL string literal: 'it''s'. */
export function sqlString(s: string): string {
  return "'" + s.replaceAll("'", "''") + "'";
}

/** `name` as a quoted SQL identifier: "my ""col""". */
export function sqlIdentifier(name: string): string {
  return '"' + name.replaceAll('"', '""') + '"';
}
