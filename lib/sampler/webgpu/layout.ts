/**
 * Buffer layouts of the WebGPU backend, declared once: the list of bound buffers (their binding
 * numbers and WGSL types), the model's data packed for the kernels, and the WGSL header of
 * constants every kernel is compiled with. Kernels index chain state "chain-minor": element e of
 * chain c lives at `e * NC + c`, so neighbouring invocations (chains) read neighbouring words.
 *
 * Packing a {@link CompiledData}:
 * - patterns (non-Gaussian families) are reordered by cell and cut into chunks of at most
 *   `chunkSize` patterns that never cross a cell; one workgroup reduces one chunk for a block of
 *   chains, so no shader loop runs more than `chunkSize` iterations whatever the row count.
 * - Gaussian models keep the per-cell projections; the population part is re-centred at a least
 *   squares point β̂ computed here in f64 (rss = rss0 + ΔᵀGΔ − 2Δᵀδ + cell terms with Δ = β − β̂),
 *   so the f32 kernels never subtract yᵀy-sized numbers.
 *
 * @module
 */
import { HetfxError } from "../../errors.ts";
import type { CompiledData, GaussianStats, PatternStats } from "../../model/compiled_data.ts";
import type { PriorDistribution } from "../../spec/model_spec.ts";

/** Every storage buffer the kernels bind, in binding order (binding = index), and its type. */
export const BUFFERS = [
  // Model data (written once).
  ["pw", "f32"], // nPatterns × D design rows, sorted by cell
  ["pwa", "f32"], // nPatterns × KT: w_p Â
  ["pys", "f32"], // nPatterns × 2: (sum, weight)
  ["idx", "u32"], // integer tables, offsets IDX_* in the header
  ["modelF", "f32"], // priors and Gaussian statistics, offsets F_* in the header
  // Chain state, chain-minor.
  ["theta", "f32"], // DIM × NC positions
  ["mom", "f32"], // DIM × NC momenta
  ["grad", "f32"], // DIM × NC gradient of log π at theta
  ["q0", "f32"], // DIM × NC position at the start of the transition
  ["g0", "f32"], // DIM × NC gradient at q0
  ["scal", "f32"], // NSCAL × NC per-chain scalars (S_* slots)
  ["dimbuf", "f32"], // 6 × DIM: inverse metric, cross-chain means, warmup window sums
  ["partials", "f32"], // NCHUNK × NACC × NC likelihood partial sums per chunk
  ["gpart", "f32"], // NGPART × NC per-group partial sums of the varying-effect gradient
  ["draws", "f32"], // slots × DIM × NC kept draws
  ["dstats", "f32"], // slots × 4 × NC: lp, accept prob, energy, divergent
] as const;

/** Name of a bound storage buffer. */
export type BufferName = typeof BUFFERS[number][0];

/** Binding number of the uniform control block. */
export const CONTROL_BINDING = BUFFERS.length;
/** Size of the control block in bytes (see `struct Control` in common.wgsl). */
export const CONTROL_BYTES = 32;

/** Per-chain scalar slots in `scal`. */
export const S = {
  lp: 0,
  lp0: 1,
  h0: 2,
  alpha: 3,
  accepted: 4,
  energy: 5,
  divergent: 6,
  chees: 7,
  h1: 8,
} as const;
export const NSCAL = 9;

/** Largest number of varying coefficients per term the kernels support. */
export const KMAX = 8;
/** Iteration bound used by every blocked shader loop (far below lavapipe's 65,535 cap). */
export const LOOP_LIMIT = 65535;

/** Family codes in the header. */
export const FAMILY_CODE = { gaussian: 0, bernoulli: 1, binomial: 1, poisson: 2, student: 3 };

/** Prior kinds in modelF (4 floats per prior: kind, a, b, c). */
function encodePrior(p: PriorDistribution, what: string): number[] {
  switch (p.dist) {
    case "flat":
      return [0, 0, 0, 0];
    case "normal":
      return [1, p.mu, p.sigma, 0];
    case "student_t":
      return [2, p.df, p.mu, p.sigma];
    case "cauchy":
      return [2, 1, p.mu, p.sigma];
    case "exponential":
      return [3, p.rate, 0, 0];
    case "gamma":
      return [4, p.shape, p.rate, 0];
    case "lkj":
      throw new HetfxError(`Cannot use the WebGPU backend: ${what} has an lkj prior`);
  }
}

/** Everything the kernels need about one model and chain count. */
export interface ModelLayout {
  /** WGSL: constants and buffer declarations, prepended to every kernel. */
  header: string;
  chains: number;
  dim: number;
  /** Design columns D, varying coefficients per cell KT, terms, total groups. */
  D: number;
  KT: number;
  nTerms: number;
  nGroups: number;
  nChunks: number;
  nCells: number;
  /** Accumulators per chunk partial. */
  nAcc: number;
  nGroupPartials: number;
  /** Chains per workgroup and pattern lanes per chain in the likelihood kernel. */
  chainsPerWorkgroup: number;
  gaussian: boolean;
  /** Initial contents of the model-data buffers. */
  data: {
    pw: Float32Array<ArrayBuffer>;
    pwa: Float32Array<ArrayBuffer>;
    pys: Float32Array<ArrayBuffer>;
    idx: Uint32Array<ArrayBuffer>;
    modelF: Float32Array<ArrayBuffer>;
  };
  /** Indices of the unconstrained elements that are not z (population, scales, correlations). */
  nonZ: Uint32Array;
}

/** Options of {@link buildLayout}. */
export interface LayoutOptions {
  /** Largest number of patterns per chunk (default 1024). */
  chunkSize?: number;
}

function tooBig(what: string): never {
  throw new HetfxError(
    `Cannot use the WebGPU backend: ${what} exceeds the ${LOOP_LIMIT} iterations one shader loop ` +
      'may run; use backend "cpu".',
  );
}

/**
 * Packs `data` for `chains` chains.
 *
 * @example
 * ```ts ignore
 * const layout = buildLayout(compileModel(spec, table), 256);
 * console.log(layout.nChunks, layout.header.length);
 * ```
 */
export function buildLayout(
  data: CompiledData,
  chains: number,
  options: LayoutOptions = {},
): ModelLayout {
  const chunkSize = options.chunkSize ?? 1024;
  if (!Number.isInteger(chains) || chains < 1 || chains > LOOP_LIMIT) {
    throw new HetfxError(`Cannot use the WebGPU backend with ${chains} chains (1–${LOOP_LIMIT}).`);
  }
  const D = data.columnNames.length;
  const KT = data.kTotal;
  const T = data.terms.length;
  const nCells = data.nCells;
  const first = data.hasIntercept ? 1 : 0;
  const NB = first + data.nFixed;
  if (data.hasIntercept && data.interceptOffset !== 0) throw new Error("unexpected layout");
  if (data.bOffset !== first) throw new Error("unexpected layout");
  for (const t of data.terms) {
    if (t.coefNames.length > KMAX) {
      throw new HetfxError(
        `Cannot use the WebGPU backend: term ${t.group} has ${t.coefNames.length} varying ` +
          `coefficients (at most ${KMAX}); use backend "cpu".`,
      );
    }
  }
  const gaussian = data.stats.kind === "gaussian";
  const student = data.family === "student";
  const nAcc = 1 + D + KT + (student ? 2 : 0);

  // Cells → chunks of patterns.
  let pw = new Float32Array(0);
  let pwa = new Float32Array(0);
  let pys = new Float32Array(0);
  const chunkTable: number[] = [];
  const cellChunkStart = new Uint32Array(nCells + 1);
  if (data.stats.kind === "patterns") {
    const s: PatternStats = data.stats;
    const n = s.nPatterns;
    const counts = new Uint32Array(nCells + 1);
    for (let p = 0; p < n; p++) counts[s.cell[p] + 1]++;
    for (let c = 0; c < nCells; c++) counts[c + 1] += counts[c];
    const cellStart = counts.slice();
    const order = new Uint32Array(n);
    const fill = counts.slice(0, nCells);
    for (let p = 0; p < n; p++) order[fill[s.cell[p]]++] = p;
    pw = new Float32Array(Math.max(1, n * D));
    pwa = new Float32Array(Math.max(1, n * KT));
    pys = new Float32Array(Math.max(1, 2 * n));
    for (let i = 0; i < n; i++) {
      const p = order[i];
      for (let a = 0; a < D; a++) pw[i * D + a] = s.w[p * D + a];
      for (let k = 0; k < KT; k++) pwa[i * KT + k] = s.wA[p * KT + k];
      pys[2 * i] = s.sum[p];
      pys[2 * i + 1] = s.weight[p];
    }
    for (let c = 0; c < nCells; c++) {
      cellChunkStart[c] = chunkTable.length / 4;
      for (let a = cellStart[c]; a < cellStart[c + 1]; a += chunkSize) {
        chunkTable.push(a, Math.min(a + chunkSize, cellStart[c + 1]), c, 0);
      }
      if (chunkTable.length / 4 - cellChunkStart[c] >= LOOP_LIMIT) {
        tooBig(`the number of chunks of cell ${c}`);
      }
    }
    cellChunkStart[nCells] = chunkTable.length / 4;
  } else {
    for (let c = 0; c < nCells; c++) {
      cellChunkStart[c] = c;
      chunkTable.push(c, c + 1, c, 0);
    }
    cellChunkStart[nCells] = nCells;
  }
  const nChunks = chunkTable.length / 4;

  // Groups (all terms) → the cells they appear in (CSR).
  const termGroupStart: number[] = [];
  let nGroups = 0;
  for (const t of data.terms) {
    termGroupStart.push(nGroups);
    nGroups += t.nGroups;
  }
  const groupCount = new Uint32Array(nGroups + 1);
  for (let c = 0; c < nCells; c++) {
    for (let t = 0; t < T; t++) groupCount[termGroupStart[t] + data.cellGroups[c * T + t] + 1]++;
  }
  for (let g = 0; g < nGroups; g++) {
    if (groupCount[g + 1] >= LOOP_LIMIT) tooBig(`the number of cells of group ${g}`);
    groupCount[g + 1] += groupCount[g];
  }
  const groupCellStart = groupCount.slice();
  const groupCells = new Uint32Array(Math.max(1, groupCount[nGroups]));
  const gfill = groupCount.slice(0, nGroups);
  for (let c = 0; c < nCells; c++) {
    for (let t = 0; t < T; t++) {
      groupCells[gfill[termGroupStart[t] + data.cellGroups[c * T + t]]++] = c;
    }
  }

  // Integer tables.
  const idxParts: [string, ArrayLike<number>][] = [
    ["CHUNK", chunkTable],
    ["CELLGROUP", data.cellGroups],
    ["GCSTART", groupCellStart],
    ["GCLIST", groupCells],
    ["CCSTART", cellChunkStart],
  ];
  const idxOffsets: Record<string, number> = {};
  let idxLength = 0;
  for (const [name, values] of idxParts) {
    idxOffsets[name] = idxLength;
    idxLength += values.length;
  }
  const idx = new Uint32Array(Math.max(1, idxLength));
  for (const [name, values] of idxParts) idx.set(values, idxOffsets[name]);

  // Float tables: priors, then the Gaussian statistics.
  const priors: number[] = [];
  if (data.hasIntercept) priors.push(...encodePrior(data.interceptPrior, "the Intercept"));
  data.bPriors.forEach((p, i) => priors.push(...encodePrior(p, `b_${data.fixedNames[i]}`)));
  const priorSd = priors.length / 4;
  for (const t of data.terms) {
    t.sdPriors.forEach((p, k) =>
      priors.push(...encodePrior(p, `sd of ${t.group}:${t.coefNames[k]}`))
    );
  }
  const priorSigma = priors.length / 4;
  priors.push(...encodePrior(data.sigmaPrior, "sigma"));
  const priorNu = priors.length / 4;
  priors.push(...encodePrior(data.nuPrior, "nu"));
  const fParts: [string, ArrayLike<number>][] = [["PRIOR", priors]];
  let nRowsWeight = data.nRows;
  if (data.stats.kind === "gaussian") {
    const g = gaussianCentring(data.stats, D, KT, nCells);
    fParts.push(["GB", data.stats.B], ["GC", data.stats.C], ["GE", g.eHat], ["BHAT", g.betaHat]);
    fParts.push(["DELTA", g.delta], ["G", data.stats.G], ["RSS0", [g.rss0]]);
    nRowsWeight = data.stats.n;
  } else if (student) {
    let n = 0;
    for (const w of data.stats.weight) n += w;
    nRowsWeight = n;
  }
  fParts.push(["N", [nRowsWeight]]);
  const fOffsets: Record<string, number> = {};
  let fLength = 0;
  for (const [name, values] of fParts) {
    fOffsets[name] = fLength;
    fLength += values.length;
  }
  const modelF = new Float32Array(fLength);
  for (const [name, values] of fParts) modelF.set(values, fOffsets[name]);
  for (const name of ["GB", "GC", "GE", "BHAT", "DELTA", "G", "RSS0"]) fOffsets[name] ??= 0;

  // Group partial slots: per term, per group: 1 (z prior) + K (d/d log sd) + K(K+1)/2 (dL).
  const termGp: number[] = [];
  const termNgp: number[] = [];
  let nGroupPartials = 0;
  for (const t of data.terms) {
    const K = t.coefNames.length;
    const ngp = 1 + K + (t.correlated ? (K * (K + 1)) / 2 : 0);
    termGp.push(nGroupPartials);
    termNgp.push(ngp);
    nGroupPartials += ngp * t.nGroups;
    if (t.nGroups >= LOOP_LIMIT * 64) tooBig(`the number of groups of ${t.group}`);
  }

  // Non-z elements of θ.
  const isZ = new Uint8Array(data.dim);
  for (const t of data.terms) isZ.fill(1, t.zOffset, t.zOffset + t.nGroups * t.coefNames.length);
  const nonZ = Uint32Array.from(
    Array.from({ length: data.dim }, (_, i) => i).filter((i) => isZ[i] === 0),
  );

  const cw = chains >= 64 ? 64 : 1 << Math.ceil(Math.log2(chains));
  const u = (v: number) => `${v >>> 0}u`;
  const f = (v: number) => {
    const s = Math.fround(v).toString();
    return /[.eE]/.test(s) ? s : `${s}.0`;
  };
  const arr = (type: string, values: string[]) =>
    `array<${type}, ${Math.max(1, values.length)}>(${
      values.length ? values.join(", ") : type === "f32" ? "0.0" : "0u"
    })`;
  const K = data.terms.map((t) => t.coefNames.length);
  let koff = 0;
  const termKoff = K.map((k) => {
    const o = koff;
    koff += k;
    return o;
  });
  const NONE = 0xffffffff;
  const header = [
    `const NC: u32 = ${u(chains)};`,
    `const DIM: u32 = ${u(data.dim)};`,
    `const D: u32 = ${u(D)};`,
    `const DA: u32 = ${u(Math.max(1, D))};`,
    `const NB: u32 = ${u(NB)};`,
    `const KT: u32 = ${u(KT)};`,
    `const KTA: u32 = ${u(Math.max(1, KT))};`,
    `const NT: u32 = ${u(T)};`,
    `const NTA: u32 = ${u(Math.max(1, T))};`,
    // Per-model bound on K: small private arrays keep the kernels in registers.
    `const KMAX: u32 = ${u(Math.max(1, ...K))};`,
    `const FAMILY: u32 = ${u(FAMILY_CODE[data.family])};`,
    `const SIGMA_OFF: u32 = ${u(data.sigmaOffset >= 0 ? data.sigmaOffset : NONE)};`,
    `const NU_OFF: u32 = ${u(data.nuOffset >= 0 ? data.nuOffset : NONE)};`,
    `const NACC: u32 = ${u(nAcc)};`,
    `const NACC_ALLOC: u32 = ${u(3 + D + KT)};`,
    `const NCHUNK: u32 = ${u(nChunks)};`,
    `const NCELL: u32 = ${u(nCells)};`,
    `const NG: u32 = ${u(nGroups)};`,
    `const NGPART: u32 = ${u(nGroupPartials)};`,
    `const NNONZ: u32 = ${u(nonZ.length)};`,
    `const CW: u32 = ${u(cw)};`,
    `const PL: u32 = ${u(64 / cw)};`,
    `const NSCAL: u32 = ${u(NSCAL)};`,
    ...Object.entries(S).map(([k, v]) => `const S_${k.toUpperCase()}: u32 = ${u(v)};`),
    ...Object.entries(idxOffsets).map(([k, v]) => `const IDX_${k}: u32 = ${u(v)};`),
    ...Object.entries(fOffsets).map(([k, v]) => `const F_${k}: u32 = ${u(v)};`),
    `const PRIOR_SD: u32 = ${u(priorSd)};`,
    `const PRIOR_SIGMA: u32 = ${u(priorSigma)};`,
    `const PRIOR_NU: u32 = ${u(priorNu)};`,
    `const T_K = ${arr("u32", K.map(u))};`,
    `const T_J = ${arr("u32", data.terms.map((t) => u(t.nGroups)))};`,
    `const T_LOGSD = ${arr("u32", data.terms.map((t) => u(t.logSdOffset)))};`,
    `const T_COR = ${arr("u32", data.terms.map((t) => u(t.corOffset)))};`,
    `const T_Z = ${arr("u32", data.terms.map((t) => u(t.zOffset)))};`,
    `const T_KOFF = ${arr("u32", termKoff.map(u))};`,
    `const T_CORR = ${arr("u32", data.terms.map((t) => u(t.correlated ? 1 : 0)))};`,
    `const T_CENT = ${
      arr("u32", data.terms.map((t) => u(t.noncentering.every((l) => l === 0) ? 1 : 0)))
    };`,
    `const T_ETA = ${arr("f32", data.terms.map((t) => f(t.lkjEta)))};`,
    `const T_GSTART = ${arr("u32", termGroupStart.map(u))};`,
    `const T_GP = ${arr("u32", termGp.map(u))};`,
    `const T_NGP = ${arr("u32", termNgp.map(u))};`,
    ...BUFFERS.map(([name, type], binding) =>
      `@group(0) @binding(${binding}) var<storage, read_write> ${name}: array<${type}>;`
    ),
    `@group(0) @binding(${CONTROL_BINDING}) var<uniform> ctl: Control;`,
    "",
  ].join("\n");

  return {
    header,
    chains,
    dim: data.dim,
    D,
    KT,
    nTerms: T,
    nGroups,
    nChunks,
    nCells,
    nAcc,
    nGroupPartials,
    chainsPerWorkgroup: cw,
    gaussian,
    data: { pw, pwa, pys, idx, modelF },
    nonZ,
  };
}

/**
 * The pattern loop of log_density.wgsl (replaces its `//@PATTERN_LOOP` line) with D and KT
 * unrolled: scalar accumulators stay in registers (lavapipe spills dynamically indexed private
 * arrays to memory, which made this loop several times slower).
 */
export function patternLoop(D: number, KT: number, student: boolean): string {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const lines = [
    ...range(D).map((a) => `  let b${a} = beta[${a}];\n  var s${a} = 0.0;`),
    ...range(KT).map((k) => `  let h${k} = rho[${k}];\n  var t${k} = 0.0;`),
    "  var lp_acc = 0.0;",
    "  var gs_acc = 0.0;",
    "  var gn_acc = 0.0;",
    "  for (var p = start + plane; p < end; p += PL) {",
    ...range(D).map((a) => `    let w${a} = pw[p * D + ${a}u];`),
    ...range(KT).map((k) => `    let v${k} = pwa[p * KT + ${k}u];`),
    `    let eta = ${
      [...range(D).map((a) => `w${a} * b${a}`), ...range(KT).map((k) => `v${k} * h${k}`)].join(
        " + ",
      ) || "0.0"
    };`,
    "    let r = pattern_terms(eta, pys[2u * p], pys[2u * p + 1u], sigma, nu);",
    "    lp_acc += r.x;",
    ...range(D).map((a) => `    s${a} += r.y * w${a};`),
    ...range(KT).map((k) => `    t${k} += r.y * v${k};`),
    ...(student ? ["    gs_acc += r.z;", "    gn_acc += r.w;"] : []),
    "  }",
    "  acc[0] = lp_acc;",
    ...range(D).map((a) => `  acc[${1 + a}] = s${a};`),
    ...range(KT).map((k) => `  acc[${1 + D + k}] = t${k};`),
    `  acc[${1 + D + KT}] = gs_acc;`,
    `  acc[${2 + D + KT}] = gn_acc;`,
  ];
  return lines.join("\n");
}

/** β̂ (least squares, f64), δ = h − Gβ̂, ê_c = e_c − B_cᵀβ̂ and rss0 = yᵀy − 2β̂ᵀh + β̂ᵀGβ̂. */
function gaussianCentring(s: GaussianStats, D: number, K: number, nCells: number) {
  const betaHat = solveSpd(s.G, s.h, D);
  const delta = new Float64Array(D);
  let rss0 = s.yty;
  for (let a = 0; a < D; a++) {
    let ga = 0;
    for (let b = 0; b < D; b++) ga += s.G[a * D + b] * betaHat[b];
    delta[a] = s.h[a] - ga;
    rss0 += betaHat[a] * (ga - 2 * s.h[a]);
  }
  const eHat = new Float64Array(nCells * K);
  for (let c = 0; c < nCells; c++) {
    for (let k = 0; k < K; k++) {
      let v = s.e[c * K + k];
      for (let a = 0; a < D; a++) v -= s.B[(c * D + a) * K + k] * betaHat[a];
      eHat[c * K + k] = v;
    }
  }
  return { betaHat, delta, eHat, rss0: Math.max(rss0, 0) };
}

/** Solves G x = h by Cholesky with a small ridge; zeros when G is not positive definite. */
function solveSpd(G: Float64Array, h: Float64Array, n: number): Float64Array {
  let trace = 0;
  for (let i = 0; i < n; i++) trace += G[i * n + i];
  const ridge = 1e-10 * (trace / Math.max(n, 1) || 1);
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = G[j * n + j] + ridge;
    for (let k = 0; k < j; k++) d -= L[j * n + k] ** 2;
    if (!(d > 0)) return new Float64Array(n);
    const ljj = Math.sqrt(d);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let v = G[i * n + j];
      for (let k = 0; k < j; k++) v -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = v / ljj;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v = h[i];
    for (let k = 0; k < i; k++) v -= L[i * n + k] * y[k];
    y[i] = v / L[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let v = y[i];
    for (let k = i + 1; k < n; k++) v -= L[k * n + i] * x[k];
    x[i] = v / L[i * n + i];
  }
  return x.every(Number.isFinite) ? x : new Float64Array(n);
}
