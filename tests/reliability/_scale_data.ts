/**
 * Large simulated tables shared by tests/reliability/scale_test.ts and bench/scale.ts: a binary
 * treatment, three covariates (two binary, one 3-level factor) and two crossed grouping factors
 * (12 × 8 levels), so the number of covariate patterns is fixed (2·2·3·2 · 96 cells at most)
 * however many rows there are.
 */
import { makeTable, type Table } from "../../lib/data/table.ts";
import type { Family } from "../../lib/spec/model_spec.ts";
import { seeded } from "../_seeded.ts";

/** The model fitted to a scale table. */
export const SCALE_FORMULA = "y ~ c1 + c2 + c3 + treat + (1 + treat | g1) + (1 + treat | g2)";

/** `rows` rows of the scale design with a Gaussian or Bernoulli outcome. */
export function scaleTable(
  rows: number,
  family: "gaussian" | "bernoulli" | Family,
  seed = 1,
): Table {
  const u = seeded(seed);
  const treat = new Float64Array(rows);
  const c1 = new Float64Array(rows);
  const c3 = new Float64Array(rows);
  const c2 = new Int32Array(rows);
  const g1 = new Int32Array(rows);
  const g2 = new Int32Array(rows);
  const y = new Float64Array(rows);
  const g1Effect = Array.from({ length: 12 }, (_, j) => 0.3 * Math.sin(j));
  const g2Effect = Array.from({ length: 8 }, (_, j) => 0.2 * Math.cos(j));
  for (let i = 0; i < rows; i++) {
    treat[i] = u() < 0.5 ? 1 : 0;
    c1[i] = u() < 0.4 ? 1 : 0;
    c3[i] = u() < 0.6 ? 1 : 0;
    c2[i] = Math.floor(u() * 3);
    g1[i] = Math.floor(u() * 12);
    g2[i] = Math.floor(u() * 8);
    const eta = -0.2 + 0.3 * c1[i] - 0.2 * c3[i] + 0.1 * c2[i] +
      treat[i] * (0.4 + g1Effect[g1[i]] + g2Effect[g2[i]]);
    if (family === "bernoulli") y[i] = u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    else {
      const gauss = Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
      y[i] = eta + gauss;
    }
  }
  return makeTable({
    y: { kind: "number", values: y },
    treat: { kind: "number", values: treat },
    c1: { kind: "number", values: c1 },
    c2: { kind: "factor", codes: c2, levels: ["low", "mid", "high"] },
    c3: { kind: "number", values: c3 },
    g1: { kind: "factor", codes: g1, levels: Array.from({ length: 12 }, (_, j) => `a${j}`) },
    g2: { kind: "factor", codes: g2, levels: Array.from({ length: 8 }, (_, j) => `b${j}`) },
  });
}

/** Elements held in typed arrays anywhere inside `value` (the compiled model's size). */
export function typedArrayLength(value: unknown, seen = new Set<unknown>()): number {
  if (value === null || typeof value !== "object" || seen.has(value)) return 0;
  seen.add(value);
  if (ArrayBuffer.isView(value)) return (value as unknown as ArrayLike<number>).length ?? 0;
  let total = 0;
  for (const v of Object.values(value)) total += typedArrayLength(v, seen);
  return total;
}

/** Bytes held in typed arrays anywhere inside `value`. */
export function typedArrayBytes(value: unknown, seen = new Set<unknown>()): number {
  if (value === null || typeof value !== "object" || seen.has(value)) return 0;
  seen.add(value);
  if (ArrayBuffer.isView(value)) return value.byteLength;
  let total = 0;
  for (const v of Object.values(value)) total += typedArrayBytes(v, seen);
  return total;
}
