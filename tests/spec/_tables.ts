/** Small tables for the spec tests. */
import { type Column, makeTable, type Table } from "../../lib/data/table.ts";

export const num = (...values: number[]): Column => ({
  kind: "number",
  values: new Float64Array(values),
});

export const fac = (levels: string[], ...codes: number[]): Column => ({
  kind: "factor",
  codes: new Int32Array(codes),
  levels,
});

/** 8 rows: outcome y, a 0/1 treat and a numeric x, then the `extra` columns. */
export function eightRows(extra: Record<string, Column>): Table {
  return makeTable({
    y: num(1, 3, 2, 5, 4, 6, 8, 7),
    treat: num(0, 1, 0, 1, 0, 1, 0, 1),
    x: num(1, 2, 3, 4, 5, 6, 7, 9),
    ...extra,
  });
}

/** A table shaped like the prepared Tomz & Weeks data (8 rows). */
export function tomzLike(): Table {
  return makeTable({
    force: num(1, 0, 1, 1, 0, 0, 1, 0),
    alliance: num(1, 0, 1, 0, 1, 0, 1, 0),
    regime: num(0, 1, 1, 0, 0, 1, 1, 0),
    stakes: num(1, 1, 0, 0, 1, 1, 0, 0),
    costs: num(0, 0, 0, 1, 1, 1, 0, 1),
    region: fac(["Africa", "Asia", "EasternEurope", "SouthAmerica"], 0, 1, 2, 3, 0, 1, 2, 3),
    white: num(1, 1, 0, 0, 1, 1, 0, 0),
    male: num(1, 0, 1, 0, 1, 0, 1, 0),
    intl: num(1, 2, 3, 4, 5, 1, 2, 3),
    hawk: num(5, 4, 3, 2, 1, 5, 4, 3),
    n: num(3, 3, 3, 3, 3, 3, 3, 3),
    constant: num(7, 7, 7, 7, 7, 7, 7, 7),
  });
}
