/**
 * Simulated tables with known treatment effects for tests/reliability/treatment_codings_test.ts:
 * a −1/+1 treatment, a three-arm factor treatment and a continuous dose, each with six groups
 * whose effects differ by a known amount and Gaussian noise of sd 0.5.
 */
import { makeTable, type Table } from "../../lib/data/table.ts";
import { seeded } from "../_seeded.ts";

/** Number of groups and rows per group of every table here. */
export const GROUPS = 6;
export const ROWS_PER_GROUP = 60;

/** The true deviation of group j's effect from the average effect. */
export function groupShift(j: number, size = 0.3): number {
  return size * Math.sin(j + 1);
}

/** A standard normal draw from a seeded uniform generator (Box–Muller). */
function normal(u: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

function groupColumn(n: number) {
  const codes = Int32Array.from({ length: n }, (_, i) => Math.floor(i / ROWS_PER_GROUP));
  const levels = Array.from({ length: GROUPS }, (_, j) => `g${j + 1}`);
  return { kind: "factor" as const, codes, levels };
}

/**
 * Rows i = 0 … GROUPS × ROWS_PER_GROUP − 1 in groups of ROWS_PER_GROUP: treatment value
 * `treatment(i)`, outcome `mean(value, group index) + 0.5 · noise`.
 */
function simulate(
  seed: number,
  treatment: (i: number) => number,
  mean: (value: number, j: number) => number,
): { y: Float64Array; t: Float64Array; g: ReturnType<typeof groupColumn> } {
  const n = GROUPS * ROWS_PER_GROUP;
  const u = seeded(seed);
  const t = Float64Array.from({ length: n }, (_, i) => treatment(i));
  const y = t.map((v, i) => mean(v, Math.floor(i / ROWS_PER_GROUP)) + 0.5 * normal(u));
  return { y, t, g: groupColumn(n) };
}

/**
 * `pm` in {−1, +1}: y = 0.2 + pm · (difference + shift_j) / 2 + noise, so the effect of moving
 * from −1 to +1 in group j is `difference` + groupShift(j).
 */
export function plusMinusTable(difference: number, seed = 11): Table {
  const { y, t, g } = simulate(
    seed,
    (i) => i % 2 === 0 ? -1 : 1,
    (pm, j) => 0.2 + (pm * (difference + groupShift(j))) / 2,
  );
  return makeTable({ y: { kind: "number", values: y }, pm: { kind: "number", values: t }, g });
}

/** The arms of {@link threeArmTable} in R's level order, and each arm's true effect. */
export const ARMS = ["drugA", "drugB", "placebo"];
export const ARM_EFFECT: Record<string, number> = { drugA: 1.0, drugB: -0.5, placebo: 0 };

/** True effect of `arm` against placebo in group j. */
export function armTruth(arm: string, j: number): number {
  return arm === "placebo" ? 0 : ARM_EFFECT[arm] + groupShift(j, arm === "drugA" ? 0.4 : -0.3);
}

/** `arm` a factor (drugA, drugB, placebo; rows rotate through them): y = 1 + armTruth + noise. */
export function threeArmTable(seed = 12): Table {
  const { y, t, g } = simulate(seed, (i) => i % 3, (code, j) => 1 + armTruth(ARMS[code], j));
  const arm = { kind: "factor" as const, codes: Int32Array.from(t), levels: ARMS };
  return makeTable({ y: { kind: "number", values: y }, arm, g });
}

/** `dose` in {0, 1, 2, 3, 4}: y = 0.5 + dose · (slope + shift_j) + noise. */
export function doseTable(slope: number, seed = 13): Table {
  const { y, t, g } = simulate(
    seed,
    (i) => i % 5,
    (dose, j) => 0.5 + dose * (slope + groupShift(j, 0.1)),
  );
  return makeTable({ y: { kind: "number", values: y }, dose: { kind: "number", values: t }, g });
}

/** CSV text of a table whose columns are all numeric or factor (for CLI tests). */
export function tableCsv(table: Table): string {
  const lines = [table.names.join(",")];
  for (let i = 0; i < table.nRows; i++) {
    lines.push(
      table.names.map((name) => {
        const c = table.columns[name];
        return c.kind === "number" ? String(c.values[i]) : c.levels[c.codes[i]];
      }).join(","),
    );
  }
  return lines.join("\n") + "\n";
}
