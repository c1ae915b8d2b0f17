/**
 * One gradient of a logit pattern likelihood in WebAssembly (source: tools/wasm/pattern_kernel.ts;
 * the module is lib/model/pattern_kernel_wasm.ts): the patterns' η from the design (its rows
 * zero-padded to an even length, and PatternDesign's sparse columns for ∂/∂β, copied into the
 * kernel's memory once), the Bernoulli/binomial logit or cumulative logit sum with ∂/∂η, and the
 * reverse pass into β, the cells' effects and the thresholds, all in one call. The JavaScript path
 * (PatternDesign and the family's patternLogLikelihood) stays the reference, which tests compare
 * to 1e-12 relative, and the fallback where WebAssembly SIMD is missing. Where the design splits
 * (lib/model/pattern_split.ts), η and its reverse pass go through the split's two tables, e^η_p
 * is the product of the tables' exponentials e^A·e^B where every |A| + |B| ≤ 30 (Tomz & Weeks: 213
 * exponentials instead of 1,009), and the patterns are taken in runs of one category and count
 * class, ordered here (bench/README.md: the Bernoulli gradient 10.6 → 6.2 µs, ordinal 16.8 → 8.0).
 *
 * @module
 */
import { PATTERN_KERNEL_WASM } from "./pattern_kernel_wasm.ts";
import { kernelInstance, type KernelMemory, kernelModule } from "../math/_wasm.ts";
import type { PatternDesign } from "./pattern_design.ts";
import { PatternSplit } from "./pattern_split.ts";
import type { Family } from "../families/family.ts";
import type { PatternStats } from "../families/compressed_stats.ts";
import {
  addThresholdGradient,
  thresholdsFromUnconstrained,
} from "../families/ordered_thresholds.ts";

interface KernelExports extends KernelMemory {
  logitGradient(): number;
  cumulativeGradient(): number;
}

/** Header slots (u32) at heapStart, in the order tools/wasm/pattern_kernel.ts reads them. */
const HEADER_SLOTS = 52;
const ARRAYS = [
  "cell",
  "wA",
  "mode",
  "start",
  "row",
  "value",
  "w",
  "y",
  "n",
  "beta",
  "rho",
  "tau",
  "dEta",
  "gradBeta",
  "gradRho",
  "gradTau",
  "expTau",
  "expNegTau",
  "logGap",
  "gapQ",
  "aOf",
  "bOf",
  "colsA",
  "colsB",
  "cellA",
  "wAA",
  "tableA",
  "tableB",
  "etaA",
  "etaB",
] as const;
/** The split's exponential tables and y sums, whose slots follow the split's four counts. */
const SPLIT_ARRAYS = [
  "expA",
  "expB",
  "invA",
  "invB",
  "yA",
  "yB",
  "aStart",
  "aList",
  "bStart",
  "bList",
  "runs",
] as const;
type ArrayName = typeof ARRAYS[number] | typeof SPLIT_ARRAYS[number];

/** The design row-major with each row zero-padded to Dp columns (an even number). */
function paddedRows(design: PatternDesign, Dp: number): Float64Array {
  const { P, D, w } = design;
  const out = new Float64Array(P * Dp);
  for (let p = 0; p < P; p++) out.set(w.subarray(p * D, (p + 1) * D), p * Dp);
  return out;
}

/** Σ of `values` over each table row's patterns (`rowOf`: each pattern's row of `rows`). */
function rowSums(values: Float64Array, rowOf: Int32Array, rows: number): Float64Array {
  const sums = new Float64Array(rows);
  for (let p = 0; p < rowOf.length; p++) sums[rowOf[p]] += values[p];
  return sums;
}

/** Each table row's patterns: rows + 1 starts into a list of pattern indices (counting sort). */
function rowLists(rowOf: Int32Array, rows: number): { start: Int32Array; list: Int32Array } {
  const start = new Int32Array(rows + 1);
  for (const r of rowOf) start[r + 1]++;
  for (let r = 0; r < rows; r++) start[r + 1] += start[r];
  const next = start.slice(0, rows);
  const list = new Int32Array(rowOf.length);
  rowOf.forEach((r, p) => (list[next[r]++] = p));
  return { start, list };
}

/** A pattern's count class in the kernel's runs: 1 (one row or trial), 2 (two) or 3 (any other). */
function countClass(n: number): number {
  return n === 1 ? 1 : n === 2 ? 2 : 3;
}

/**
 * The split's pattern order, by category (cumulative; so that ∂/∂τ sums in runs) and count class
 * (stable), and its runs: start, end, category (0 for logit) and class of each, flattened.
 */
function runOrder(
  y: Float64Array,
  n: Float64Array,
  cumulative: boolean,
): { order: Int32Array; runs: Int32Array } {
  const key = (p: number) => (cumulative ? y[p] * 4 : 0) + countClass(n[p]);
  const order = Int32Array.from(n.keys()).sort((a, b) => key(a) - key(b) || a - b);
  const runs: number[] = [];
  for (let i = 0; i < order.length; i++) {
    const p = order[i];
    if (i === 0 || key(p) !== key(order[i - 1])) {
      if (i > 0) runs[runs.length - 3] = i;
      runs.push(i, order.length, cumulative ? y[p] : 0, countClass(n[p]));
    }
  }
  return { order, runs: Int32Array.from(runs) };
}

/**
 * The kernel of one model's patterns.
 *
 * @example
 * ```ts
 * import { PatternKernel } from "./pattern_kernel.ts";
 * import { PatternDesign } from "./pattern_design.ts";
 * import { bernoulli } from "../families/bernoulli.ts";
 * // two patterns in one cell, an intercept column, no varying coefficient
 * const stats = { kind: "patterns" as const, nPatterns: 2, cell: new Int32Array([0, 0]),
 *   w: new Float64Array([1, 1]),
 *   wA: new Float64Array(0), ySum: new Float64Array([1, 0]), rows: new Float64Array([1, 1]),
 *   trialSum: new Float64Array(0), y: new Float64Array(0) };
 * const kernel = PatternKernel.create(bernoulli, stats, new PatternDesign(stats, 1, 0), 0);
 * if (kernel) {
 *   const gradBeta = new Float64Array(1);
 *   const lp = kernel.logLikelihood(new Float64Array([0]), new Float64Array(0),
 *     new Float64Array(0), -1, gradBeta, new Float64Array(0), new Float64Array(0));
 *   console.assert(Math.abs(lp + 2 * Math.log(2)) < 1e-15 && gradBeta[0] === 0);
 * }
 * ```
 */
export class PatternKernel {
  private readonly exports: KernelExports;
  private readonly cumulative: boolean;
  private readonly view: Record<
    "beta" | "rho" | "tau" | "gradBeta" | "gradRho" | "gradTau",
    Float64Array
  >;

  /**
   * A kernel for `family`'s patterns (nRho = nCells × K cell effects, nThresholds τ), with η
   * and its reverse pass from the design's rows or through the split's tables (`layout`), or
   * null where the family has no kernel (Family.wasmPatterns), WebAssembly SIMD is unavailable or
   * the instance cannot be made.
   */
  static create(
    family: Family,
    stats: PatternStats,
    layout: PatternDesign | PatternSplit,
    nRho: number,
    nThresholds = 0,
  ): PatternKernel | null {
    const spec = family.wasmPatterns;
    if (!spec) return null;
    const module = kernelModule(PATTERN_KERNEL_WASM);
    if (!module) return null;
    try {
      const [y, n] = spec.fields(stats);
      const cumulative = spec.likelihood === "cumulativeLogit";
      return new PatternKernel(module, layout, y, n, nRho, nThresholds, cumulative);
    } catch {
      // Instantiation or memory growth refused (e.g. a memory limit): JavaScript runs instead.
      return null;
    }
  }

  private constructor(
    module: WebAssembly.Module,
    layout: PatternDesign | PatternSplit,
    y: Float64Array,
    n: Float64Array,
    nRho: number,
    nt: number,
    cumulative: boolean,
  ) {
    const { P, D, K } = layout;
    // The split's tables replace the design's rows and columns: the kernel reads one or the other.
    const split = layout instanceof PatternSplit ? layout : null;
    const design = split ? null : layout as PatternDesign;
    const noIndex = new Int32Array(0);
    const Dp = (D + 1) & ~1;
    const none = new Float64Array(0);
    // With the split nothing outside the kernel sees the patterns' order: the kernel takes them
    // in runs of one category and count class (tools/wasm/pattern_kernel.ts).
    const { order, runs } = split
      ? runOrder(y, n, cumulative)
      : { order: null, runs: new Int32Array(0) };
    const permuted = <T extends Float64Array | Int32Array>(a: T): T =>
      order ? (a.map((_, i) => a[order[i]]) as T) : a;
    const aOf = split ? permuted(split.aOf) : new Int32Array(0);
    const bOf = split ? permuted(split.bOf) : new Int32Array(0);
    const aRows = rowLists(aOf, split?.nA ?? 0), bRows = rowLists(bOf, split?.nB ?? 0);
    const data: Record<ArrayName, Float64Array | Int32Array> = {
      cell: design?.cell ?? noIndex,
      wA: design?.wA ?? none,
      mode: design?.mode ?? none,
      start: design?.start ?? noIndex,
      row: design?.row ?? noIndex,
      value: design?.value ?? none,
      w: design ? paddedRows(design, Dp) : none,
      y: permuted(y),
      n: permuted(n),
      beta: new Float64Array(Dp),
      rho: new Float64Array(nRho),
      tau: new Float64Array(nt),
      dEta: new Float64Array(P),
      gradBeta: new Float64Array(Dp),
      gradRho: new Float64Array(nRho),
      // ∂/∂τ and the tables by category k = 1 … nt + 1, with a slot either side.
      gradTau: new Float64Array(nt + 2),
      expTau: new Float64Array(nt + 2),
      expNegTau: new Float64Array(nt + 2),
      logGap: new Float64Array(nt + 2),
      gapQ: new Float64Array(nt + 2),
      aOf,
      bOf,
      colsA: split?.colsA ?? none,
      colsB: split?.colsB ?? none,
      cellA: split?.cellA ?? none,
      wAA: split?.wAA ?? none,
      tableA: split?.wTableA ?? none,
      tableB: split?.wTableB ?? none,
      etaA: new Float64Array(split ? (split.nA + 1) & ~1 : 0),
      etaB: new Float64Array(split ? (split.nB + 1) & ~1 : 0),
      expA: new Float64Array(split ? (split.nA + 1) & ~1 : 0),
      expB: new Float64Array(split ? (split.nB + 1) & ~1 : 0),
      invA: new Float64Array(split && cumulative ? (split.nA + 1) & ~1 : 0),
      invB: new Float64Array(split && cumulative ? (split.nB + 1) & ~1 : 0),
      yA: split && !cumulative ? rowSums(y, split.aOf, split.nA) : none,
      yB: split && !cumulative ? rowSums(y, split.bOf, split.nB) : none,
      aStart: aRows.start,
      aList: aRows.list,
      bStart: bRows.start,
      bList: bRows.list,
      runs,
    };
    const at: Partial<Record<ArrayName, number>> = {};
    const exports = kernelInstance<KernelExports>(module, "pattern kernel", (heapStart) => {
      let end = heapStart + 4 * HEADER_SLOTS;
      for (const name of [...ARRAYS, ...SPLIT_ARRAYS]) {
        at[name] = end;
        end += Math.ceil(data[name].byteLength / 16) * 16;
      }
      return end;
    });
    const buffer = exports.memory.buffer;
    const header = new Uint32Array(buffer, exports.heapStart(), HEADER_SLOTS);
    const counts = split
      ? [split.nA, split.nB, split.colsA.length, split.colsB.length]
      : [0, 0, 0, 0];
    header.set([
      P,
      D,
      K,
      nt,
      design?.sparse ? 1 : 0,
      nRho,
      ...ARRAYS.map((a) => at[a]!),
      ...counts,
      ...SPLIT_ARRAYS.map((a) => at[a]!),
      runs.length / 4,
    ]);
    for (const name of [...ARRAYS, ...SPLIT_ARRAYS]) {
      const src = data[name];
      if (src instanceof Int32Array) new Int32Array(buffer, at[name]!, src.length).set(src);
      else new Float64Array(buffer, at[name]!, src.length).set(src);
    }
    const f64 = (name: ArrayName) => new Float64Array(buffer, at[name]!, data[name].length);
    this.view = {
      beta: f64("beta"),
      rho: f64("rho"),
      tau: f64("tau"),
      gradBeta: f64("gradBeta"),
      gradRho: f64("gradRho"),
      gradTau: new Float64Array(buffer, at.gradTau! + 8, nt),
    };
    this.exports = exports;
    this.cumulative = cumulative;
  }

  /**
   * The patterns' log-likelihood at β and the cells' effects ρ (and, for the cumulative logit,
   * the thresholds held unconstrained in θ from `thresholdOffset`); adds ∂/∂β into gradBeta,
   * ∂/∂ρ into gradRho and ∂/∂θ of the thresholds into `gradient`.
   */
  logLikelihood(
    beta: Float64Array,
    rho: Float64Array,
    theta: Float64Array,
    thresholdOffset: number,
    gradBeta: Float64Array,
    gradRho: Float64Array,
    gradient: Float64Array,
  ): number {
    const v = this.view;
    v.beta.set(beta);
    v.rho.set(rho);
    let lp: number;
    if (this.cumulative) {
      thresholdsFromUnconstrained(theta, thresholdOffset, v.tau);
      lp = this.exports.cumulativeGradient();
      addThresholdGradient(v.gradTau, v.tau, gradient, thresholdOffset);
    } else lp = this.exports.logitGradient();
    for (let a = 0; a < gradBeta.length; a++) gradBeta[a] += v.gradBeta[a];
    for (let i = 0; i < gradRho.length; i++) gradRho[i] += v.gradRho[i];
    return lp;
  }
}
