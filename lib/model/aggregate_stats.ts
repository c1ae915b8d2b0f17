/**
 * The compiled model's statistics from aggregated data (lib/model/aggregate.ts): the outcome's
 * checks on key-row sums, and the Gaussian per-cell sufficient statistics from the sums of
 * products of the summed variables.
 */
import { HetfxError } from "../errors.ts";
import { getColumn, type Table } from "../data/table.ts";
import type { ModelSpec } from "../spec/model_spec.ts";
import { familyOf } from "../families/mod.ts";
import type { GaussianStats } from "./compiled_data.ts";
import type { AggregateInput } from "./aggregate.ts";

/**
 * Check the aggregate's outcome sums for the family and return the per-key-row outcome (its
 * mean, or the key's value for families whose patterns keep outcomes apart). A sum of counts
 * must be a whole number ≥ 0, at most n for 0/1 outcomes and at most the trials' sum.
 *
 * @example
 * ```ts
 * import { checkAggregateOutcome } from "./aggregate_stats.ts";
 * import { readAggregate } from "./aggregate.ts";
 * import { makeTable } from "../data/table.ts";
 * const spec = { hetfx: 1 as const, outcome: "y", family: "bernoulli" as const, intercept: true,
 *   treatment: null, terms: [], groupTerms: [], priors: [] };
 * const agg = makeTable({
 *   n: { kind: "number", values: new Float64Array([4]) },
 *   sum__y: { kind: "number", values: new Float64Array([5]) },
 * });
 * const { table, input } = readAggregate(spec, agg);
 * let refused = false;
 * try { checkAggregateOutcome(spec, table, input); } catch { refused = true; }
 * console.assert(refused); // 5 events in 4 rows
 * ```
 */
export function checkAggregateOutcome(
  spec: ModelSpec,
  table: Table,
  agg: AggregateInput,
): Float64Array {
  const family = familyOf(spec.family);
  const y = getColumn(table, spec.outcome);
  if (y.kind !== "number") {
    throw new HetfxError(`Aggregated data: outcome column "${spec.outcome}" must be numeric.`);
  }
  const sum = agg.sum([spec.outcome]);
  const trials = spec.trials ? agg.sum([spec.trials]) : null;
  // A 0/1 outcome: 1 is allowed and 2 is not (asked of the family, not by its name).
  const atMostOne = family.discrete && !family.needsTrials &&
    family.checkOutcome(1, NaN, { family: family.name, outcome: spec.outcome, row: 0 }) === null &&
    family.checkOutcome(2, NaN, { family: family.name, outcome: spec.outcome, row: 0 }) !== null;
  const where = (i: number) => `column "sum__${spec.outcome}", row ${i + 1}`;
  for (let i = 0; i < table.nRows; i++) {
    const s = sum[i];
    if (family.discrete && (s < 0 || !Number.isInteger(s))) {
      throw new HetfxError(
        `Aggregated data: ${where(i)} holds ${s}; family "${family.name}" needs a whole ` +
          `number ≥ 0 (${family.outcomeAdvice}, summed).`,
      );
    }
    if (atMostOne && s > agg.n[i]) {
      throw new HetfxError(
        `Aggregated data: ${where(i)} holds ${s} events in ${agg.n[i]} rows (column "n").`,
      );
    }
    if (trials && s > trials[i]) {
      throw new HetfxError(
        `Aggregated data: ${where(i)} holds ${s} successes, more than the ${trials[i]} trials ` +
          `of column "sum__${spec.trials}".`,
      );
    }
    if (family.patternsKeepOutcome) {
      const message = family.checkOutcome(y.values[i], NaN, {
        family: family.name,
        outcome: spec.outcome,
        row: i,
      });
      if (message !== null) throw new HetfxError(`Aggregated data: ${message}`);
      if (Math.abs(s - y.values[i] * agg.n[i]) > 1e-9 * Math.max(1, Math.abs(s))) {
        throw new HetfxError(
          `Aggregated data: ${where(i)} is not n × "${spec.outcome}" (the outcome is a key).`,
        );
      }
    }
  }
  return y.values;
}

/** A design column as the aggregated compile holds it (see populationDesign in compile.ts). */
interface AggregateDesign {
  /** Per key row: the column's factor part. */
  columns: Float64Array[];
  /** Per column: the summed variables whose product it multiplies, and its centring mean. */
  vars: string[][];
  centres: number[];
}

/**
 * Gaussian sufficient statistics from aggregated sums. Column a of a data row is
 * f_a·Π vars_a − c_a where f_a is the key row's factor part and c_a the column's mean, so per
 * key row Σ W_a W_b = f_a f_b S(a∪b) − c_b f_a S(a) − c_a f_b S(b) + c_a c_b n and
 * Σ W_a y = f_a S(a∪y) − c_a S(y), with S the aggregate's sums of products.
 *
 * @example
 * ```ts
 * import { aggregateGaussianStats } from "./aggregate_stats.ts";
 * const n = new Float64Array([2]);
 * const sums: Record<string, number> = { "": 2, y: 3, "y,y": 5 };
 * const agg = { n, summed: new Set(["y"]), priorOutcome: null,
 *   sum: (v: readonly string[]) => new Float64Array([sums[[...v].sort().join()]]) };
 * const design = { columns: [new Float64Array([1])], vars: [[]], centres: [0] };
 * const s = aggregateGaussianStats(design, "y", agg, new Int32Array([0]), 1, new Float64Array(0), 0);
 * console.assert(s.G[0] === 2 && s.h[0] === 3 && s.yty === 5 && s.n === 2);
 * ```
 */
export function aggregateGaussianStats(
  design: AggregateDesign,
  outcome: string,
  agg: AggregateInput,
  cellOfRow: Int32Array,
  nCells: number,
  aHat: Float64Array,
  kTotal: number,
): GaussianStats {
  const { columns, vars, centres } = design;
  const D = columns.length;
  const rowsN = agg.n.length;
  const S = (v: readonly string[]) => agg.sum(v);
  const count = new Float64Array(nCells);
  const wtw = new Float64Array(nCells * D * D);
  const wty = new Float64Array(nCells * D);
  const sy = S([outcome]);
  const sa = vars.map((v) => S(v));
  const say = vars.map((v) => S([...v, outcome]));
  for (let a = 0; a < D; a++) {
    for (let b = 0; b <= a; b++) {
      const sab = S([...vars[a], ...vars[b]]);
      const ca = centres[a], cb = centres[b];
      for (let i = 0; i < rowsN; i++) {
        const fa = columns[a][i], fb = columns[b][i];
        const v = fa * fb * sab[i] - cb * fa * sa[a][i] - ca * fb * sa[b][i] +
          ca * cb * agg.n[i];
        const base = cellOfRow[i] * D * D;
        wtw[base + a * D + b] += v;
        if (a !== b) wtw[base + b * D + a] += v;
      }
    }
    for (let i = 0; i < rowsN; i++) {
      wty[cellOfRow[i] * D + a] += columns[a][i] * say[a][i] - centres[a] * sy[i];
    }
  }
  let n = 0;
  for (let i = 0; i < rowsN; i++) count[cellOfRow[i]] += agg.n[i], n += agg.n[i];
  const yty = S([outcome, outcome]).reduce((s, v) => s + v, 0);
  return cellStatistics(count, n, yty, wtw, wty, aHat, kTotal);
}

/**
 * The cell statistics from per-cell WᵀW and Wᵀy: G and h summed over cells and each cell's
 * B = WᵀW Â, C = ÂᵀWᵀW Â, e = ÂᵀWᵀy.
 *
 * @example
 * ```ts
 * import { cellStatistics } from "./aggregate_stats.ts";
 * const s = cellStatistics(new Float64Array([2]), 2, 5, new Float64Array([2]),
 *   new Float64Array([3]), new Float64Array([1]), 1);
 * console.assert(s.C[0] === 2 && s.e[0] === 3 && s.B[0] === 2);
 * ```
 */
export function cellStatistics(
  count: Float64Array,
  n: number,
  yty: number,
  wtw: Float64Array,
  wty: Float64Array,
  aHat: Float64Array,
  kTotal: number,
): GaussianStats {
  const nCells = count.length;
  const D = wty.length / Math.max(1, nCells);
  const G = new Float64Array(D * D);
  const h = new Float64Array(D);
  const B = new Float64Array(nCells * D * kTotal);
  const C = new Float64Array(nCells * kTotal * kTotal);
  const e = new Float64Array(nCells * kTotal);
  for (let c = 0; c < nCells; c++) {
    const m = c * D * D;
    for (let a = 0; a < D; a++) {
      h[a] += wty[c * D + a];
      for (let b = 0; b < D; b++) G[a * D + b] += wtw[m + a * D + b];
      for (let k = 0; k < kTotal; k++) {
        let v = 0;
        for (let b = 0; b < D; b++) v += wtw[m + a * D + b] * aHat[b * kTotal + k];
        B[(c * D + a) * kTotal + k] = v;
      }
    }
    for (let k = 0; k < kTotal; k++) {
      let v = 0;
      for (let a = 0; a < D; a++) v += aHat[a * kTotal + k] * wty[c * D + a];
      e[c * kTotal + k] = v;
      for (let l = 0; l < kTotal; l++) {
        let w = 0;
        for (let a = 0; a < D; a++) w += aHat[a * kTotal + k] * B[(c * D + a) * kTotal + l];
        C[(c * kTotal + k) * kTotal + l] = w;
      }
    }
  }
  return { kind: "cells", count, n, yty, G, h, B, C, e };
}
