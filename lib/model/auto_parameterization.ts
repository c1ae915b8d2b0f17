/**
 * `parameterization: "auto"`: per term, plain non-centred (many sparse groups) or the level mean
 * plus data-centred contrasts (lib/model/data_centring.ts), decided from one cheap pilot fit on
 * the compressed data (each level's estimate and information) and an approximate posterior of
 * the term's sd. The rule: docs/ARCHITECTURE.md#choosing-the-parameterisation.
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import { dataCentringFromLevels } from "./data_centring.ts";
import type { CompiledData } from "./compiled_data.ts";
import { type Family, familyOf, type PilotSums } from "../families/mod.ts";
import { PilotFactor } from "./pilot_factor.ts";
import { priorLogDensity } from "./prior_density.ts";
import { gaussianNormalEquations } from "./normal_equations.ts";
import type { PriorDistribution } from "../spec/model_spec.ts";
import { canMoveMeanIntoBeta, type TermGeometry, withTermGeometry } from "./term_geometry.ts";

/** Weight of the low end of τ's interval in the rule (docs/ARCHITECTURE.md, the auto rule). */
export const LOW_END_WEIGHT = 0.8;
/** τ's interval is [q, 1 − q] of its approximate posterior. */
export const SD_QUANTILE = 0.02;
/** λ within this distance of 0 or 1 is snapped to fully centred / non-centred. */
export const SNAP = 0.1;
/** The pilot fit is skipped (every term non-centred) above this many coefficients. */
export const MAX_PILOT_COEFFICIENTS = 600;

/**
 * How "auto" data-centres a term's rows: "joint" (each row of contrasts as a whole,
 * joint_data_centring.ts; the default) or "marginal" (coefficient by coefficient given the
 * earlier ones, data_centring.ts). Internal: benchmarks switch it to compare the two.
 */
export const AUTO_SETTINGS: { centring: "joint" | "marginal" } = { centring: "joint" };

/** The choice for one term and the numbers behind it. */
export interface TermChoice extends TermGeometry {
  group: string;
  /** Per coefficient: the data's information about its least-informed level (see the rule). */
  information: number[];
  /** Per coefficient: the 2% and 98% points of the approximate posterior of its sd. */
  sdInterval: [number, number][];
  /**
   * Per coefficient: the rule's partial-centring weight λ (1 non-centred … 0 centred); the term
   * stays plain when every λ is 1, and is data-centred otherwise.
   */
  lambda: number[];
}

/**
 * The per-term choice of the "auto" rule (docs/ARCHITECTURE.md#choosing-the-parameterisation).
 * Deterministic: depends on the compiled data only.
 *
 * @example
 * ```ts ignore
 * const choices = autoParameterization(data);
 * console.log(choices.map((c) => [c.group, c.lambda, c.dataCentring !== undefined]));
 * ```
 */
export function autoParameterization(data: CompiledData): TermChoice[] {
  const pilot = pilotFit(data);
  return data.terms.map((term, t) => {
    const K = term.coefNames.length;
    const J = term.nGroups;
    const information: number[] = [];
    const sdInterval: [number, number][] = [];
    const lambdas: number[] = [];
    for (let k = 0; k < K; k++) {
      if (pilot === null) {
        information.push(NaN), sdInterval.push([NaN, NaN]), lambdas.push(1);
        continue;
      }
      const est = new Float64Array(J);
      const info = new Float64Array(J);
      for (let j = 0; j < J; j++) {
        const i = pilot.termOffset[t] + j * K + k;
        est[j] = pilot.x[i];
        info[j] = pilot.information[i];
      }
      const harmonic = contrastInformation(pilot, t, k, J, K, term.sdPriors[k]);
      const [lo, hi] = sdPosteriorInterval(est, info, term.sdPriors[k]);
      const lambdaStar = (tau: number) => 1 / (1 + harmonic * tau * tau);
      let lambda = LOW_END_WEIGHT * lambdaStar(lo) + (1 - LOW_END_WEIGHT) * lambdaStar(hi);
      if (!Number.isFinite(lambda)) lambda = 1;
      if (lambda > 1 - SNAP) lambda = 1;
      if (lambda < SNAP) lambda = 0;
      information.push(harmonic), sdInterval.push([lo, hi]), lambdas.push(lambda);
    }
    const noncentering = lambdas.map(() => 1);
    const numbers = { group: term.group, information, sdInterval, lambda: lambdas };
    const plain = lambdas.every((l) => l === 1) || !canMoveMeanIntoBeta(data, term);
    if (plain || pilot === null) {
      return { ...numbers, noncentering, contrasts: false, meanInBeta: false };
    }
    const offset = pilot.termOffset[t];
    const dataCentring = dataCentringFromLevels(
      pilot.x.subarray(offset, offset + J * K),
      pilot.information.subarray(offset, offset + J * K),
      J,
      K,
      true,
      AUTO_SETTINGS.centring === "joint" ? pilot.levelBlocks[t] : undefined,
    );
    return { ...numbers, noncentering, contrasts: true, meanInBeta: true, dataCentring };
  });
}

/**
 * How one term holds its varying effects: "auto" (the rule above), "centered" (θ holds r;
 * every coefficient centred, levels as they are) or "noncentered" (θ holds z with
 * r_j = diag(sd) L z_j).
 */
export type TermParameterization = "auto" | "centered" | "noncentered";

/**
 * One choice for every term, or per term by group name (e.g. `{ race: "centered" }`; terms not
 * named use "auto").
 */
export type Parameterization = TermParameterization | Record<string, TermParameterization>;

const PLAIN_NONCENTERED = { contrasts: false, meanInBeta: false };

/**
 * `data` (compiled with every term plainly non-centred) with `parameterization` applied; terms
 * set by the "auto" rule carry its numbers in `term.auto`.
 *
 * @example
 * ```ts ignore
 * const auto = applyParameterization(compileModel(spec, table), "auto");
 * ```
 */
export function applyParameterization(
  data: CompiledData,
  parameterization: Parameterization,
): CompiledData {
  const perTerm = data.terms.map((term) =>
    typeof parameterization === "string"
      ? parameterization
      : (parameterization[term.group] ?? "auto")
  );
  if (typeof parameterization !== "string") {
    const known = new Set(data.terms.map((t) => t.group));
    for (const [group, value] of Object.entries(parameterization)) {
      if (!known.has(group)) {
        throw new HetfxError(
          `Cannot set the parameterisation: no varying-effects term "${group}" (terms: ` +
            `${[...known].map((g) => `"${g}"`).join(", ")}).`,
        );
      }
      if (!["auto", "centered", "noncentered"].includes(value)) {
        throw new HetfxError(
          `Cannot set the parameterisation of term "${group}": ${JSON.stringify(value)} must be ` +
            '"auto", "centered" or "noncentered".',
        );
      }
    }
  }
  const choices = perTerm.includes("auto") ? autoParameterization(data) : null;
  const geometries = data.terms.map((term, t) => {
    const K = term.coefNames.length;
    switch (perTerm[t]) {
      case "centered":
        return { noncentering: new Array(K).fill(0), ...PLAIN_NONCENTERED };
      case "noncentered":
        return { noncentering: new Array(K).fill(1), ...PLAIN_NONCENTERED };
      default:
        return choices![t];
    }
  });
  const out = withTermGeometry(data, geometries);
  out.terms.forEach((term, t) => {
    if (perTerm[t] === "auto") {
      const { information, sdInterval, lambda } = choices![t];
      term.auto = { information, sdInterval, lambda };
    } else delete term.auto;
  });
  return out;
}

/**
 * The data's information about the least-informed level of coefficient k of term t relative to
 * the others, with everything else (population-level coefficients, other terms) integrated
 * out: from the pilot's posterior covariance Σ, V = max_j var(r_j − r̄) · J/(J − 1) is one
 * level's data variance in the balanced case; the information is 1/V less the pilot's own
 * ridge on the level. Levels confounded with population-level coefficients (a group-level
 * predictor, an interaction with the grouping factor) are known only through the prior and get
 * little information; so does a level with few rows.
 */
function contrastInformation(
  pilot: Pilot,
  t: number,
  k: number,
  J: number,
  K: number,
  prior: PriorDistribution,
): number {
  if (J < 2) return 0;
  const idx = Array.from({ length: J }, (_, j) => pilot.position[pilot.termOffset[t] + j * K + k]);
  const cov = (a: number, b: number) => {
    const { inverseFactor: F, N } = pilot;
    let sum = 0;
    const start = Math.max(a, b);
    for (let m = start; m < N; m++) sum += F[m * N + a] * F[m * N + b];
    return sum;
  };
  const block = new Float64Array(J * J);
  for (let a = 0; a < J; a++) {
    for (let b = a; b < J; b++) block[a * J + b] = block[b * J + a] = cov(idx[a], idx[b]);
  }
  let total = 0;
  const rowSums = new Float64Array(J);
  for (let a = 0; a < J; a++) {
    for (let b = 0; b < J; b++) rowSums[a] += block[a * J + b];
    total += rowSums[a];
  }
  let worst = 0;
  for (let j = 0; j < J; j++) {
    worst = Math.max(worst, block[j * J + j] - (2 * rowSums[j]) / J + total / (J * J));
  }
  const dataVariance = (worst * J) / (J - 1);
  return Math.max(0, 1 / dataVariance - 1 / priorScale(prior) ** 2);
}

interface Pilot {
  /**
   * L⁻¹ (N × N, row-major) for the pilot's penalised Hessian P L Lᵀ Pᵀ: Σ = P L⁻ᵀ L⁻¹ Pᵀ, rows
   * and columns of L by `position` (lib/model/pilot_factor.ts).
   */
  inverseFactor: Float64Array;
  position: Int32Array;
  N: number;
  x: Float64Array;
  /** The likelihood's curvature along each coefficient at x (no ridge). */
  information: Float64Array;
  /** Per term, each level's K × K block of the likelihood's information at x (J × K × K). */
  levelBlocks: Float64Array[];
  termOffset: number[];
}

/** Each term's per-level K × K blocks of an N × N matrix (row-major), scaled by `scale`. */
function levelBlocks(
  data: CompiledData,
  termOffset: number[],
  H: Float64Array,
  N: number,
  scale: number,
): Float64Array[] {
  return data.terms.map((term, t) => {
    const K = term.coefNames.length;
    const out = new Float64Array(term.nGroups * K * K);
    for (let j = 0; j < term.nGroups; j++) {
      const base = termOffset[t] + j * K;
      for (let a = 0; a < K; a++) {
        for (let b = 0; b < K; b++) {
          out[j * K * K + a * K + b] = H[(base + a) * N + base + b] * scale;
        }
      }
    }
    return out;
  });
}

/** A rough scale of a prior on a positive parameter (for the pilot's ridge and τ's grid). */
function priorScale(p: PriorDistribution): number {
  switch (p.dist) {
    case "normal":
    case "student_t":
    case "cauchy":
      return Math.abs(p.mu) + p.sigma;
    case "exponential":
      return 1 / p.rate;
    case "gamma":
      return p.shape / p.rate;
    case "inv_gamma":
      return p.scale / (p.shape + 1); // its mode (the mean is infinite for shape ≤ 1)
    default:
      return 1;
  }
}

/**
 * The pilot's Newton iterations stop once no coefficient moves by more than this. The pilot only
 * places and scales the parameterisation (the posterior does not depend on it), so 1e-4 on the
 * link scale is ample; outcomes fitted through a Gaussian working model (ordinal, Student-t)
 * converge only linearly, as the residual variance and the coefficients adjust in turn (Tomz &
 * Weeks `pref`: 22 iterations to 1e-8 against 14 to 1e-4, each a dense solve in every fit's start).
 */
const PILOT_TOLERANCE = 1e-4;

/**
 * Penalised Newton fit of the linear predictor with every level effect as a coefficient:
 * population-level coefficients under a ridge of scale 10, level effects under a ridge of their
 * sd prior's scale. Gaussian sufficient statistics give the normal equations directly (σ² from
 * the residuals, a few rounds); pattern data are fitted by IRLS (student-t patterns as
 * Gaussian). Returns null when the model is too big for a dense solve or the solve fails.
 */
function pilotFit(data: CompiledData): Pilot | null {
  const nb = (data.hasIntercept ? 1 : 0) + data.nFixed;
  const termOffset: number[] = [];
  let N = nb;
  for (const term of data.terms) {
    termOffset.push(N);
    N += term.nGroups * term.coefNames.length;
  }
  if (N > MAX_PILOT_COEFFICIENTS) return null;
  const ridge = new Float64Array(N).fill(1 / 100);
  data.terms.forEach((term, t) => {
    const K = term.coefNames.length;
    for (let j = 0; j < term.nGroups; j++) {
      for (let k = 0; k < K; k++) {
        ridge[termOffset[t] + j * K + k] = 1 / priorScale(term.sdPriors[k]) ** 2;
      }
    }
  });
  const x = new Float64Array(N);
  const H = new Float64Array(N * N);
  const g = new Float64Array(N);
  const curvature = new Float64Array(N);
  const factor = new PilotFactor(N, nb);
  // The pilot at x, from the last factor (the penalised Hessian's there).
  const pilotAt = (levelBlocks: Float64Array[]): Pilot => ({
    x,
    information: curvature,
    levelBlocks,
    termOffset,
    inverseFactor: factor.inverseFactor(),
    position: factor.position,
    N,
  });
  const s = data.stats;
  if (s.kind === "cells") {
    const { xtx, xty } = gaussianNormalEquations(data, termOffset, N);
    let invVar = s.n > 0 ? s.n / Math.max(s.yty, 1e-12) : 1;
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < N * N; i++) H[i] = xtx[i] * invVar;
      for (let i = 0; i < N; i++) {
        H[i * N + i] += ridge[i];
        g[i] = xty[i] * invVar;
      }
      if (!factor.factor(H)) return null;
      x.set(factor.solve(g));
      let rss = s.yty;
      for (let i = 0; i < N; i++) {
        let q = 0;
        for (let k = 0; k < N; k++) q += xtx[i * N + k] * x[k];
        rss += x[i] * (q - 2 * xty[i]);
      }
      invVar = 1 / Math.max(rss / Math.max(s.n, 1), 1e-12);
    }
    for (let i = 0; i < N; i++) curvature[i] = xtx[i * N + i] * invVar;
    const blocks = levelBlocks(data, termOffset, xtx, N, invVar);
    for (let i = 0; i < N * N; i++) H[i] = xtx[i] * invVar;
    for (let i = 0; i < N; i++) H[i * N + i] += ridge[i];
    if (!factor.factor(H)) return null;
    return pilotAt(blocks);
  }
  const family = familyOf(data.family, data.link);
  const rows = patternRows(data, nb, termOffset, family);
  let invVar = 1 / Math.max(outcomeVariance(rows), 1e-12);
  let blocks: Float64Array[] = [];
  for (let iter = 0; iter < 50; iter++) {
    H.fill(0), g.fill(0), curvature.fill(0);
    let rss = 0;
    let count = 0;
    for (const row of rows) {
      const eta = rowDot(row, x);
      const { resid, weight, rss: rowRss, count: rowCount } = family.workingStep(eta, row, invVar);
      rss += rowRss;
      count += rowCount;
      addRow(row, resid, weight, g, curvature, H, N);
    }
    blocks = levelBlocks(data, termOffset, H, N, 1);
    for (let i = 0; i < N; i++) {
      g[i] -= ridge[i] * x[i];
      H[i * N + i] += ridge[i];
    }
    if (!factor.factor(H)) return null;
    const step = factor.solve(g);
    let largest = 0;
    for (let i = 0; i < N; i++) largest = Math.max(largest, Math.abs(step[i]));
    const damp = largest > 2 ? 2 / largest : 1;
    for (let i = 0; i < N; i++) x[i] += damp * step[i];
    if (count > 0) invVar = 1 / Math.max(rss / count, 1e-12);
    if (largest < PILOT_TOLERANCE) break;
  }
  // The factor is the penalised Hessian's at (nearly) the final x.
  return pilotAt(blocks);
}

/** A sparse row's η = row · x. */
function rowDot(row: DesignRow, x: Float64Array): number {
  let eta = 0;
  for (let e = 0; e < row.index.length; e++) eta += row.value[e] * x[row.index[e]];
  return eta;
}

/**
 * One row's IRLS terms: g += resid·row, curvature += weight·row², H += weight·row rowᵀ. A
 * function of its own: as inner loops of the pilot's iterations V8 compiled them alone (OSR) and
 * discarded that code at every exit.
 */
function addRow(
  row: DesignRow,
  resid: number,
  weight: number,
  g: Float64Array,
  curvature: Float64Array,
  H: Float64Array,
  N: number,
): void {
  const { index, value } = row;
  for (let a = 0; a < index.length; a++) {
    const ia = index[a];
    const va = value[a];
    g[ia] += resid * va;
    curvature[ia] += weight * va * va;
    for (let b = 0; b < index.length; b++) H[ia * N + index[b]] += weight * va * value[b];
  }
}

/** A pattern's sparse design row and its sums (lib/families/family.ts, PilotSums). */
interface DesignRow extends PilotSums {
  index: Int32Array;
  value: Float64Array;
}

function outcomeVariance(rows: DesignRow[]): number {
  let n = 0, s = 0, ss = 0;
  for (const r of rows) n += r.weight, s += r.sum, ss += r.sumSq;
  return n > 0 ? ss / n - (s / n) ** 2 : 1;
}

/** One sparse design row per covariate pattern, over [β, every level effect]. */
function patternRows(
  data: CompiledData,
  nb: number,
  termOffset: number[],
  family: Family,
): DesignRow[] {
  const s = data.stats;
  if (s.kind !== "patterns") throw new Error("unreachable");
  const T = data.terms.length;
  const D = data.columnNames.length;
  const kTotal = data.kTotal;
  const rows: DesignRow[] = [];
  for (let p = 0; p < s.nPatterns; p++) {
    const index: number[] = [];
    const value: number[] = [];
    for (let d = 0; d < nb; d++) {
      const v = s.w[p * D + d];
      if (v !== 0) index.push(d), value.push(v);
    }
    let kBase = 0;
    data.terms.forEach((term, t) => {
      const K = term.coefNames.length;
      const j = data.cellGroups[s.cell[p] * T + t];
      for (let k = 0; k < K; k++) {
        const v = s.wA[p * kTotal + kBase + k];
        if (v !== 0) index.push(termOffset[t] + j * K + k), value.push(v);
      }
      kBase += K;
    });
    rows.push({
      index: Int32Array.from(index),
      value: Float64Array.from(value),
      ...family.pilotSums(s, p),
    });
  }
  return rows;
}

/**
 * The {@link SD_QUANTILE} and 1 − SD_QUANTILE points of an approximate posterior of a
 * coefficient's sd τ: the sd prior (with the Jacobian of log τ) times the likelihood of the
 * deviations r̂_j − r̄ with variances V_j = τ² + 1/I_j and J − 1 degrees of freedom, on a grid
 * of log τ.
 */
function sdPosteriorInterval(
  est: Float64Array,
  info: Float64Array,
  prior: PriorDistribution,
): [number, number] {
  const J = est.length;
  let mean = 0;
  for (let j = 0; j < J; j++) mean += est[j] / J;
  const scale = priorScale(prior);
  const n = 400;
  const lo = Math.log(1e-4 * scale);
  const hi = Math.log(20 * scale);
  const logp = new Float64Array(n);
  const dof = J > 1 ? (J - 1) / J : 0;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = lo + ((hi - lo) * i) / (n - 1);
    const tau = Math.exp(t);
    let l = priorLogDensity(prior, tau)[0] + t;
    for (let j = 0; j < J; j++) {
      if (!(info[j] > 0)) continue;
      // Σ_j (r̂_j − r̄)² / V ~ χ²(J − 1) when every V_j = V: J − 1 degrees of freedom.
      const v = tau * tau + 1 / info[j];
      const d = est[j] - mean;
      l += -0.5 * dof * Math.log(v) - (d * d) / (2 * v);
    }
    logp[i] = l;
    if (l > max) max = l;
  }
  let total = 0;
  const cdf = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    total += Math.exp(logp[i] - max);
    cdf[i] = total;
  }
  const at = (q: number) => {
    let i = 0;
    while (i < n - 1 && cdf[i] < q * total) i++;
    return Math.exp(lo + ((hi - lo) * i) / (n - 1));
  };
  return [at(SD_QUANTILE), at(1 - SD_QUANTILE)];
}
