/**
 * Buffer layouts of the WebGPU backend, declared once: the list of bound buffers (their binding
 * numbers and WGSL types), the model's data packed for the kernels, and the WGSL header of
 * constants every kernel is compiled with. Kernels index chain state "chain-minor": element e of
 * chain c lives at `e * NC + c`, so neighbouring invocations (chains) read neighbouring words.
 *
 * Packing a {@link CompiledData}:
 * - patterns (`stats.kind` "patterns") are reordered by cell and cut into chunks of at most
 *   `chunkSize` patterns that never cross a cell; one workgroup reduces one chunk for a block of
 *   chains, so no shader loop runs more than `chunkSize` iterations whatever the row count.
 *   The patterns' rows (population columns, Â columns, outcome sum, weight) live in an
 *   rgba32float texture, `texelsPerRow` texels per pattern, read with textureLoad: lavapipe
 *   compiles a storage-buffer load inside a loop into a per-lane scalar loop with branches
 *   (≈ 10× slower than the texel fetch), and a texture has no 128 MiB binding limit.
 * - the likelihood kernel gives each invocation `chainsPerInvocation` chains, so one row fetch
 *   serves several chains; when there are few chains, the `planes` invocations of a chain block
 *   take neighbouring chunks (every invocation writes its own partials: no reduction). A cell is
 *   cut into chunks of equal size (± 1), so the planes of a workgroup do similar work.
 * - cell statistics (`stats.kind` "cells") keep the per-cell projections; the population part is re-centred at a least
 *   squares point β̂ computed here in f64 (rss = rss0 + ΔᵀGΔ − 2Δᵀδ + cell terms with Δ = β − β̂),
 *   so the f32 kernels never subtract yᵀy-sized numbers.
 *
 * @module
 */
import { HetfxError } from "../errors.ts";
import { choleskyLower } from "../sampler/metric.ts";
import type { CompiledData, GaussianStats, PatternStats } from "../model/compiled_data.ts";
import { familyOf } from "../families/mod.ts";
import type { PriorDistribution } from "../spec/model_spec.ts";
import { encodePrior } from "../model/prior_density.ts";

/** Every storage buffer the kernels bind, in binding order (binding = index), and its type. */
export const BUFFERS = [
  // Model data (written once); the pattern rows are in the texture at TEXTURE_BINDING.
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
/** Binding number of the pattern-row texture (texture_2d<f32>, rgba32float). */
export const TEXTURE_BINDING = BUFFERS.length + 1;
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

/** A prior in modelF (4 floats: kind, a, b, c; lib/model/prior_density.ts's encodePrior). */
function encodeModelPrior(p: PriorDistribution, what: string): number[] {
  const row = encodePrior(p);
  if (row === null) throw new HetfxError(`Cannot use the WebGPU backend: ${what} has an lkj prior`);
  return row;
}

/** Everything the kernels need about one model and chain count. */
export interface ModelLayout {
  /** WGSL: constants and buffer declarations, prepended to every kernel. */
  header: string;
  chains: number;
  dim: number;
  /** Design columns D (the first nB are sampled β), varying coefficients per cell KT, terms, groups. */
  D: number;
  nB: number;
  KT: number;
  nTerms: number;
  nGroups: number;
  nChunks: number;
  nCells: number;
  /** Accumulators per chunk partial. */
  nAcc: number;
  nGroupPartials: number;
  /** Rows reduce_sums sums (the partials but the KT ∂/∂ρ, then each term's group partials). */
  nReduceRows: number;
  /** Likelihood kernel: chains per invocation, chain slots per workgroup, chunk planes per slot. */
  chainsPerInvocation: number;
  chainSlotsPerWorkgroup: number;
  planes: number;
  /** Chains per likelihood workgroup (chainsPerInvocation × chainSlotsPerWorkgroup). */
  chainsPerWorkgroup: number;
  /** Pattern-row texture: texels per pattern, width and height (texels). */
  texelsPerRow: number;
  /** WGSL expression of each row field (β columns, Â columns, sum, weight): x0.y, 1.0, … */
  rowFields: string[];
  textureWidth: number;
  textureHeight: number;
  /** Bytes the likelihood kernel reads per evaluation of all chains (texels + theta). */
  likelihoodBytes: number;
  /** The data are Gaussian cell statistics, `stats.kind` "cells" (the gaussian_cells kernel). */
  cells: boolean;
  /** The family's WGSL (pattern_terms, family_extras, family_finalize; lib/families/). */
  familyWgsl: string;
  /** Parameter partials the pattern loop sums (0 to 2, or one per ordinal threshold). */
  extraPartials: number;
  /** The WGSL expression the pattern loop adds to each parameter partial (family's partialTerm). */
  partialTerms: string[];
  /** pattern_terms's `ex` comes per pattern from the chain's thresholds (FamilyWgsl). */
  thresholdExtras: boolean;
  /** Initial contents of the model-data buffers and the row texture (width × height texels). */
  data: {
    rows: Float32Array<ArrayBuffer>;
    idx: Uint32Array<ArrayBuffer>;
    modelF: Float32Array<ArrayBuffer>;
  };
  /** Indices of the unconstrained elements that are not z (population, scales, correlations). */
  nonZ: Uint32Array;
}

/** Options of {@link buildLayout}. */
export interface LayoutOptions {
  /** Largest number of patterns per chunk (default 4096, at most 65,535). */
  chunkSize?: number;
  /** Width of the row texture in texels, a power of two (default 8192). */
  textureWidth?: number;
  /** Largest texture height the device allows (default 8192). */
  maxTextureHeight?: number;
  /** Chains per likelihood invocation (1, 2, 4 or 8; default from the model's size). */
  chainsPerInvocation?: number;
}

function tooBig(what: string): never {
  throw new HetfxError(
    `Cannot use the WebGPU backend: ${what} exceeds the ${LOOP_LIMIT} iterations one shader loop ` +
      'may run; use backend "cpu".',
  );
}

/**
 * Whether the WebGPU kernels can run this geometry: every term plainly centred or non-centred
 * (no contrasts, no level mean moved into β, no data-centring, no partial λ).
 *
 * @example
 * ```ts ignore
 * if (!gpuSupportsGeometry(data)) data = applyParameterization(data, "noncentered");
 * ```
 */
export function gpuSupportsGeometry(data: CompiledData): boolean {
  return data.terms.every((t) =>
    !t.contrasts && !t.meanInBeta && !t.dataCentring &&
    (t.noncentering.every((l) => l === 1) || t.noncentering.every((l) => l === 0))
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
  const chunkSize = options.chunkSize ?? 4096;
  checkLayoutInput(data, chains, chunkSize);
  const D = data.columnNames.length;
  const KT = data.kTotal;
  const NB = (data.hasIntercept ? 1 : 0) + data.nFixed;
  const wgsl = familyOf(data.family, data.link).wgsl;
  if (wgsl === undefined) {
    throw new HetfxError(
      `Cannot use the WebGPU backend: the ${data.family} family has no WebGPU code yet; ` +
        `use backend "cpu".`,
    );
  }
  const cells = data.stats.kind === "cells";
  const nThresholds = data.thresholds?.count ?? 0;
  const extraPartials = typeof wgsl.extraPartials === "number"
    ? wgsl.extraPartials
    : wgsl.extraPartials(nThresholds);
  const partialTerms = Array.from(
    { length: extraPartials },
    (_, i) => wgsl.partialTerm?.(i) ?? `r.${"zw"[i]}`,
  );
  const nAcc = 1 + D + KT + extraPartials;

  const fields = planRowFields(data, NB);
  const texelsPerRow = Math.ceil(fields.stored.length / 4);
  const textureWidth = options.textureWidth ?? 8192;
  if (!(textureWidth >= 1) || (textureWidth & (textureWidth - 1)) !== 0) {
    throw new Error(`textureWidth must be a power of two, got ${textureWidth}`);
  }
  const chunks = data.stats.kind === "patterns"
    ? packPatterns(data.stats, data.nCells, fields, texelsPerRow, textureWidth, {
      chunkSize,
      maxTextureHeight: options.maxTextureHeight ?? 8192,
    })
    : cellChunks(data.nCells, textureWidth);
  const groups = groupCellLists(data);
  const idxTables = concatTables(
    [
      ["CHUNK", chunks.chunkTable],
      ["CELLGROUP", data.cellGroups],
      ["GCSTART", groups.groupCellStart],
      ["GCLIST", groups.groupCells],
      ["CCSTART", chunks.cellChunkStart],
    ],
    (n) => new Uint32Array(Math.max(1, n)),
  );
  const floats = modelFloats(data, D, KT);
  const partials = groupPartialSlots(data);
  if (groups.nGroups * chains >= 2 ** 32) tooBig(`the number of (group, chain) pairs`);
  checkLoopBudget(data, chains, {
    D,
    nChunks: chunks.chunkTable.length / 4,
    groups,
    cellChunkStart: chunks.cellChunkStart,
  });
  const nonZ = nonZIndices(data);
  const kernel = likelihoodShape(chains, NB, KT, nAcc, options.chainsPerInvocation);
  const header = wgslHeader(data, {
    chains,
    D,
    NB,
    nAcc,
    nChunks: chunks.chunkTable.length / 4,
    nGroups: groups.nGroups,
    nGroupPartials: partials.nGroupPartials,
    nNonZ: nonZ.length,
    kernel,
    texelsPerRow,
    textureWidth,
    idxOffsets: idxTables.offsets,
    fOffsets: floats.offsets,
    priorSd: floats.priorSd,
    parameterPriorSlots: floats.parameterPriorSlots,
    thresholdPriorSlot: floats.thresholdPriorSlot,
    termGroupStart: groups.termGroupStart,
    termGp: partials.termGp,
    termNgp: partials.termNgp,
  });

  return {
    header,
    chains,
    dim: data.dim,
    D,
    nB: NB,
    KT,
    nTerms: data.terms.length,
    nGroups: groups.nGroups,
    nChunks: chunks.chunkTable.length / 4,
    nCells: data.nCells,
    nAcc,
    nGroupPartials: partials.nGroupPartials,
    nReduceRows: nAcc - KT + partials.termNgp.reduce((a, b) => a + b, 0),
    chainsPerInvocation: kernel.cpi,
    chainSlotsPerWorkgroup: kernel.cw,
    planes: kernel.pl,
    chainsPerWorkgroup: kernel.cpi * kernel.cw,
    texelsPerRow,
    rowFields: fields.rowFields,
    textureWidth,
    textureHeight: chunks.textureHeight,
    likelihoodBytes: cells
      ? 0
      : (data.stats as PatternStats).nPatterns * texelsPerRow * 16 * Math.ceil(chains / kernel.cpi),
    cells,
    familyWgsl: wgsl.patternTerms + wgsl.finalize,
    extraPartials,
    partialTerms,
    thresholdExtras: wgsl.thresholdExtras === true,
    data: { rows: chunks.rows, idx: idxTables.values, modelF: floats.values },
    nonZ,
  };
}

/** Refuses chunk sizes, chain counts and models the kernels cannot run. */
function checkLayoutInput(data: CompiledData, chains: number, chunkSize: number): void {
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize >= LOOP_LIMIT) {
    throw new HetfxError(`Cannot use the WebGPU backend: chunkSize must be 1–${LOOP_LIMIT - 1}`);
  }
  if (!Number.isInteger(chains) || chains < 1 || chains > LOOP_LIMIT) {
    throw new HetfxError(`Cannot use the WebGPU backend with ${chains} chains (1–${LOOP_LIMIT}).`);
  }
  const first = data.hasIntercept ? 1 : 0;
  if (data.hasIntercept && data.interceptOffset !== 0) throw new Error("unexpected layout");
  if (data.bOffset !== first) throw new Error("unexpected layout");
  if (!gpuSupportsGeometry(data)) {
    throw new HetfxError(
      "Cannot use the WebGPU backend: its kernels hold each term plainly centred or non-centred; " +
        'compile with parameterization "noncentered" or "centered".',
    );
  }
  for (const t of data.terms) {
    if (t.coefNames.length > KMAX) {
      throw new HetfxError(
        `Cannot use the WebGPU backend: term ${t.group} has ${t.coefNames.length} varying ` +
          `coefficients (at most ${KMAX}); use backend "cpu".`,
      );
    }
  }
}

/** Slack for an invocation's loops of fixed length (K ≤ KMAX, D, the Cholesky steps) per term. */
const FIXED_LOOPS = 1024;

/** Iterations of a blocked loop over n items: n inner, ⌈n / 64⌉ outer, one exit. */
function blocked(n: number): number {
  return n + Math.ceil(n / 64) + 1;
}

/**
 * Refuses a layout whose kernels would run more loop iterations in one invocation than lavapipe
 * allows: it stops an invocation's loops once all of them together have run 65,535 iterations,
 * silently, so sums come out short (not per loop: a kernel with several data-sized loops
 * reaches it with each of them far below). Counted: reduce_sums's share of a sum over the
 * likelihood chunks or a term's groups (1/64 of it), varying_backward's loop over a group's
 * cells and their chunks, the ChEES kernels' loops over θ and over chains.
 */
function checkLoopBudget(
  data: CompiledData,
  chains: number,
  s: {
    D: number;
    nChunks: number;
    groups: { termGroupStart: number[]; groupCellStart: Uint32Array; groupCells: Uint32Array };
    cellChunkStart: Uint32Array;
  },
): void {
  const slack = FIXED_LOOPS * (1 + data.terms.length) + s.D * (s.D + 1);
  const refuse = (n: number, what: string): never => {
    throw new HetfxError(
      `Cannot use the WebGPU backend: ${what} would run ${n} loop iterations in one shader ` +
        `invocation, more than the ${LOOP_LIMIT} some drivers (lavapipe) run before stopping ` +
        'silently; use backend "cpu".',
    );
  };
  // reduce_sums: invocation l of a row's workgroup sums items l, l + 64, …, then a 6-step tree.
  const most = Math.max(s.nChunks, ...data.terms.map((t) => t.nGroups));
  const reduce = Math.ceil(most / 64) + 1 + 7 + slack;
  if (reduce >= LOOP_LIMIT) {
    const groups = data.terms.map((t) => `${t.nGroups} groups of ${t.group}`).join(", ");
    refuse(reduce, `summing ${s.nChunks} likelihood chunks (cells) and ${groups}`);
  }
  data.terms.forEach((t, i) => {
    const K = t.coefNames.length;
    for (let j = 0; j < t.nGroups; j++) {
      const g = s.groups.termGroupStart[i] + j;
      let n = slack;
      for (let q = s.groups.groupCellStart[g]; q < s.groups.groupCellStart[g + 1]; q++) {
        const cell = s.groups.groupCells[q];
        n += 1 + (s.cellChunkStart[cell + 1] - s.cellChunkStart[cell]) * (1 + K);
      }
      if (n >= LOOP_LIMIT) refuse(n, `summing the cells of group ${j + 1} of ${t.group}`);
    }
  });
  // begin, finish, chees_stat: a chain's workgroup of 64 splits θ, then a 6-step tree; begin's
  // share is the most, ⌈dim / 128⌉ normal pairs of 4 iterations each (the pair's loop of 2 and
  // exit).
  const perChain = 4 * Math.ceil(data.dim / 128) + 1 + 7 + slack;
  if (perChain >= LOOP_LIMIT) refuse(perChain, `the sampler's loop over ${data.dim} parameters`);
  const perElement = 2 * blocked(chains) + slack;
  if (perElement >= LOOP_LIMIT) refuse(perElement, `the sampler's loops over ${chains} chains`);
}

/** Which pattern-row fields are stored in the texture and how the kernel reads each. */
interface RowFieldPlan {
  /** WGSL expression of each field: a texel component, a literal, or an earlier field's. */
  rowFields: string[];
  /** The fields stored in the texture, in texel order. */
  stored: number[];
  /** Field m of pattern p (β columns, Â columns, then the family's y and n fields). */
  fieldOf(p: number, m: number): number;
}

/**
 * The pattern rows' fields (β columns that are sampled, Â, the family's y and n). A field that
 * is constant over the patterns (an intercept, a Bernoulli weight) becomes a literal in the
 * kernel and one equal to an earlier field (Â columns that repeat design columns) an alias, so
 * only the other fields are fetched. Cell statistics have no rows: every field is 0.0.
 */
function planRowFields(data: CompiledData, NB: number): RowFieldPlan {
  const D = data.columnNames.length;
  const KT = data.kTotal;
  const nFields = NB + KT + 2;
  const rowFields: string[] = [];
  const stored: number[] = [];
  if (data.stats.kind !== "patterns") {
    rowFields.push(...Array(nFields).fill("0.0"));
    return { rowFields, stored, fieldOf: () => 0 };
  }
  const s = data.stats;
  // The two per-pattern fields the family's pattern_terms reads as (y, n).
  const [yField, nField] = familyOf(data.family, data.link).wgsl!.gpuFields(s);
  const fieldOf = (p: number, m: number) =>
    m < NB
      ? s.w[p * D + m]
      : m < NB + KT
      ? s.wA[p * KT + m - NB]
      : m === NB + KT
      ? yField[p]
      : nField[p];
  const n = s.nPatterns;
  const value = (p: number, m: number) => Math.fround(fieldOf(p, m));
  for (let m = 0; m < nFields; m++) {
    let constant = true;
    for (let p = 1; p < n && constant; p++) constant = value(p, m) === value(0, m);
    if (constant) {
      rowFields.push(wgslFloat(n > 0 ? value(0, m) : 0));
      continue;
    }
    const alias = stored.find((o) => {
      for (let p = 0; p < n; p++) if (value(p, o) !== value(p, m)) return false;
      return true;
    });
    if (alias !== undefined) {
      rowFields.push(rowFields[alias]);
      continue;
    }
    const slot = stored.length;
    stored.push(m);
    rowFields.push(`x${slot >> 2}.${"xyzw"[slot & 3]}`);
  }
  return { rowFields, stored, fieldOf };
}

/** The row texture and the chunk table: chunks as (first, end, cell, 0), and each cell's first. */
interface Chunks {
  rows: Float32Array<ArrayBuffer>;
  textureHeight: number;
  chunkTable: number[];
  cellChunkStart: Uint32Array;
}

/**
 * Patterns sorted by cell into the row texture (`texelsPerRow` texels each), and each cell cut
 * into chunks of equal size (± 1) of at most `chunkSize` patterns.
 */
function packPatterns(
  s: PatternStats,
  nCells: number,
  fields: RowFieldPlan,
  texelsPerRow: number,
  textureWidth: number,
  limits: { chunkSize: number; maxTextureHeight: number },
): Chunks {
  const n = s.nPatterns;
  const textureHeight = Math.max(1, Math.ceil((n * texelsPerRow) / textureWidth));
  const maxHeight = limits.maxTextureHeight;
  if (textureHeight > maxHeight) {
    throw new HetfxError(
      `Cannot use the WebGPU backend: ${n} patterns need a ${textureWidth} × ${textureHeight} ` +
        `texture, more than the device's ${maxHeight} rows; use backend "cpu".`,
    );
  }
  const counts = new Uint32Array(nCells + 1);
  for (let p = 0; p < n; p++) counts[s.cell[p] + 1]++;
  for (let c = 0; c < nCells; c++) counts[c + 1] += counts[c];
  const cellStart = counts.slice();
  const order = new Uint32Array(n);
  const fill = counts.slice(0, nCells);
  for (let p = 0; p < n; p++) order[fill[s.cell[p]]++] = p;
  const rows = new Float32Array(4 * textureWidth * textureHeight);
  const stored = fields.stored;
  for (let i = 0; i < n; i++) {
    const p = order[i];
    const o = i * 4 * texelsPerRow;
    for (let q = 0; q < stored.length; q++) rows[o + q] = fields.fieldOf(p, stored[q]);
  }
  const chunkTable: number[] = [];
  const cellChunkStart = new Uint32Array(nCells + 1);
  for (let c = 0; c < nCells; c++) {
    cellChunkStart[c] = chunkTable.length / 4;
    const len = cellStart[c + 1] - cellStart[c];
    const pieces = Math.ceil(len / limits.chunkSize);
    for (let q = 0; q < pieces; q++) {
      const a = cellStart[c] + Math.floor((q * len) / pieces);
      chunkTable.push(a, cellStart[c] + Math.floor(((q + 1) * len) / pieces), c, 0);
    }
    if (chunkTable.length / 4 - cellChunkStart[c] >= LOOP_LIMIT) {
      tooBig(`the number of chunks of cell ${c}`);
    }
  }
  cellChunkStart[nCells] = chunkTable.length / 4;
  return { rows, textureHeight, chunkTable, cellChunkStart };
}

/** Cell statistics: one chunk per cell and an empty one-row texture. */
function cellChunks(nCells: number, textureWidth: number): Chunks {
  const chunkTable: number[] = [];
  const cellChunkStart = new Uint32Array(nCells + 1);
  for (let c = 0; c < nCells; c++) {
    cellChunkStart[c] = c;
    chunkTable.push(c, c + 1, c, 0);
  }
  cellChunkStart[nCells] = nCells;
  return { rows: new Float32Array(4 * textureWidth), textureHeight: 1, chunkTable, cellChunkStart };
}

/** Groups (all terms, numbered from termGroupStart[t]) → the cells they appear in (CSR). */
function groupCellLists(data: CompiledData) {
  const T = data.terms.length;
  const nCells = data.nCells;
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
  return { termGroupStart, nGroups, groupCellStart, groupCells };
}

/** Named tables laid end to end in one array, with each name's offset. */
function concatTables<A extends Float32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>>(
  parts: [string, ArrayLike<number>][],
  allocate: (length: number) => A,
): { values: A; offsets: Record<string, number> } {
  const offsets: Record<string, number> = {};
  let length = 0;
  for (const [name, values] of parts) {
    offsets[name] = length;
    length += values.length;
  }
  const values = allocate(length);
  for (const [name, part] of parts) values.set(part, offsets[name]);
  return { values, offsets };
}

/**
 * The float tables: priors (4 floats each: Intercept, b, sds, then the family's parameters at
 * slot PRIOR_<NAME>), then for cell statistics the centred Gaussian statistics, then the
 * number of rows.
 */
function modelFloats(data: CompiledData, D: number, KT: number) {
  const priors: number[] = [];
  if (data.hasIntercept) priors.push(...encodeModelPrior(data.interceptPrior, "the Intercept"));
  data.bPriors.forEach((p, i) => priors.push(...encodeModelPrior(p, `b_${data.fixedNames[i]}`)));
  const priorSd = priors.length / 4;
  for (const t of data.terms) {
    t.sdPriors.forEach((p, k) =>
      priors.push(...encodeModelPrior(p, `sd of ${t.group}:${t.coefNames[k]}`))
    );
  }
  const parameterPriorSlots = data.familyParameters.map((p) => {
    const slot = priors.length / 4;
    priors.push(...encodeModelPrior(p.prior, p.name));
    return slot;
  });
  // Ordinal thresholds' priors (on τ_k) from slot PRIOR_TH on.
  const thresholdPriorSlot = priors.length / 4;
  data.thresholds?.priors.forEach((p, k) =>
    priors.push(...encodeModelPrior(p, `b_Intercept[${k + 1}]`))
  );
  const fParts: [string, ArrayLike<number>][] = [["PRIOR", priors]];
  let nRowsWeight = data.nRows;
  if (data.stats.kind === "cells") {
    const g = gaussianCentring(data.stats, D, KT, data.nCells);
    fParts.push(["GB", data.stats.B], ["GC", data.stats.C], ["GE", g.eHat], ["BHAT", g.betaHat]);
    fParts.push(["DELTA", g.delta], ["G", data.stats.G], ["RSS0", [g.rss0]]);
    nRowsWeight = data.stats.n;
  } else {
    let n = 0;
    for (const r of data.stats.rows) n += r;
    nRowsWeight = n;
  }
  fParts.push(["N", [nRowsWeight]]);
  const { values, offsets } = concatTables(fParts, (n) => new Float32Array(n));
  for (const name of ["GB", "GC", "GE", "BHAT", "DELTA", "G", "RSS0"]) offsets[name] ??= 0;
  return { values, offsets, priorSd, parameterPriorSlots, thresholdPriorSlot };
}

/** Group partial slots: per term, per group: 1 (z prior) + K (d/d log sd) + K(K+1)/2 (dL). */
function groupPartialSlots(data: CompiledData) {
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
  return { termGp, termNgp, nGroupPartials };
}

/** Indices of θ's elements that are not z (population, scales, correlations, family). */
function nonZIndices(data: CompiledData): Uint32Array {
  const isZ = new Uint8Array(data.dim);
  for (const t of data.terms) isZ.fill(1, t.zOffset, t.zOffset + t.nGroups * t.coefNames.length);
  return Uint32Array.from(
    Array.from({ length: data.dim }, (_, i) => i).filter((i) => isZ[i] === 0),
  );
}

/** The sizes and offsets {@link wgslHeader} writes as constants. */
interface HeaderValues {
  chains: number;
  D: number;
  NB: number;
  nAcc: number;
  nChunks: number;
  nGroups: number;
  nGroupPartials: number;
  nNonZ: number;
  kernel: LikelihoodShape;
  texelsPerRow: number;
  textureWidth: number;
  idxOffsets: Record<string, number>;
  fOffsets: Record<string, number>;
  priorSd: number;
  parameterPriorSlots: number[];
  thresholdPriorSlot: number;
  termGroupStart: number[];
  termGp: number[];
  termNgp: number[];
}

/** The WGSL header: sizes, offsets, per-term tables and the buffer declarations. */
function wgslHeader(data: CompiledData, h: HeaderValues): string {
  const { D, NB, kernel } = h;
  const KT = data.kTotal;
  const T = data.terms.length;
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
  return [
    `const NC: u32 = ${u(h.chains)};`,
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
    // The gaussian_cells kernel reads SIGMA_OFF, so it is defined for every family.
    `const SIGMA_OFF: u32 = ${u(data.sigmaOffset >= 0 ? data.sigmaOffset : NONE)};`,
    ...data.familyParameters.filter((p) => p.name !== "sigma").map((p) =>
      `const ${p.name.toUpperCase()}_OFF: u32 = ${u(p.offset)};`
    ),
    // Ordinal thresholds: their count, θ offset and first prior slot (0 when there are none).
    `const NTH: u32 = ${u(data.thresholds?.count ?? 0)};`,
    `const NTHA: u32 = ${u(Math.max(1, data.thresholds?.count ?? 0))};`,
    `const TH_OFF: u32 = ${u(data.thresholds?.offset ?? 0)};`,
    `const PRIOR_TH: u32 = ${u(h.thresholdPriorSlot)};`,
    `const NACC: u32 = ${u(h.nAcc)};`,
    `const NACC_ALLOC: u32 = ${u(3 + D + KT)};`,
    `const NCHUNK: u32 = ${u(h.nChunks)};`,
    `const NCELL: u32 = ${u(data.nCells)};`,
    `const NG: u32 = ${u(h.nGroups)};`,
    `const NGPART: u32 = ${u(h.nGroupPartials)};`,
    `const NNONZ: u32 = ${u(h.nNonZ)};`,
    `const CPI: u32 = ${u(kernel.cpi)};`,
    `const CW: u32 = ${u(kernel.cw)};`,
    `const PL: u32 = ${u(kernel.pl)};`,
    `const LW: u32 = ${u(kernel.cw * kernel.pl)};`,
    `const TPR: u32 = ${u(Math.max(1, h.texelsPerRow))};`,
    `const TW_MASK: u32 = ${u(h.textureWidth - 1)};`,
    `const TW_SHIFT: u32 = ${u(Math.log2(h.textureWidth))};`,
    `const NSCAL: u32 = ${u(NSCAL)};`,
    ...Object.entries(S).map(([k, v]) => `const S_${k.toUpperCase()}: u32 = ${u(v)};`),
    ...Object.entries(h.idxOffsets).map(([k, v]) => `const IDX_${k}: u32 = ${u(v)};`),
    ...Object.entries(h.fOffsets).map(([k, v]) => `const F_${k}: u32 = ${u(v)};`),
    `const PRIOR_SD: u32 = ${u(h.priorSd)};`,
    ...data.familyParameters.map((p, i) =>
      `const PRIOR_${p.name.toUpperCase()}: u32 = ${u(h.parameterPriorSlots[i])};`
    ),
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
    // Bit k set: θ holds sd k of the term as a signed scale (lib/model/signed_scales.ts).
    `const T_SIGNED = ${
      arr(
        "u32",
        data.terms.map((t) => u((t.signedSd ?? []).reduce((m, s, k) => s ? m | (1 << k) : m, 0))),
      )
    };`,
    `const T_ETA = ${arr("f32", data.terms.map((t) => f(t.lkjEta)))};`,
    `const T_GSTART = ${arr("u32", h.termGroupStart.map(u))};`,
    `const T_GP = ${arr("u32", h.termGp.map(u))};`,
    `const T_NGP = ${arr("u32", h.termNgp.map(u))};`,
    ...BUFFERS.map(([name, type], binding) =>
      `@group(0) @binding(${binding}) var<storage, read_write> ${name}: array<${type}>;`
    ),
    `@group(0) @binding(${CONTROL_BINDING}) var<uniform> ctl: Control;`,
    `@group(0) @binding(${TEXTURE_BINDING}) var rowtex: texture_2d<f32>;`,
    "",
  ].join("\n");
}

/** Shape of the likelihood kernel: chains per invocation, chain slots and planes per workgroup. */
export interface LikelihoodShape {
  cpi: number;
  cw: number;
  pl: number;
}

/**
 * Chains per invocation (a power of two ≤ 8 that keeps the unrolled per-chain registers near
 * 128 floats and not above the chain count), then chain slots per workgroup (a power of two
 * ≤ 64) and planes (chunks per workgroup) so a workgroup has at least 8 invocations: lavapipe
 * runs 8 invocations per SIMD instruction.
 */
export function likelihoodShape(
  chains: number,
  NB: number,
  KT: number,
  nAcc: number,
  cpiOption?: number,
): LikelihoodShape {
  const pow2Floor = (v: number) => 2 ** Math.floor(Math.log2(Math.max(1, v)));
  const pow2Ceil = (v: number) => 2 ** Math.ceil(Math.log2(Math.max(1, v)));
  const cpi = cpiOption ?? Math.min(8, pow2Floor(128 / (NB + KT + nAcc)), pow2Ceil(chains));
  if (![1, 2, 4, 8].includes(cpi)) throw new Error(`chainsPerInvocation must be 1, 2, 4 or 8`);
  const slots = Math.ceil(chains / cpi);
  const cw = Math.min(64, pow2Ceil(slots));
  const pl = Math.max(1, 8 / cw);
  return { cpi, cw, pl };
}

/**
 * The body of log_density.wgsl's pattern_likelihood (replaces its `//@PATTERN_LOOP` line), with
 * the chains of an invocation (CPI), the population columns (NB) and varying columns (KT)
 * unrolled into scalar registers (lavapipe spills dynamically indexed private arrays to memory).
 * Per chain k: β, ρ of the chunk's cell, [σ, ν], accumulators; the loop over the chunk's
 * patterns (at most chunkSize < 65,535 iterations) fetches each pattern's texels once for all
 * CPI chains; then the chunk's partials of each chain.
 */
export function patternLoop(
  shape: { cpi: number; pl: number; cw: number },
  rows: { texelsPerRow: number; rowFields: readonly string[] },
  NB: number,
  D: number,
  KT: number,
  extraPartials: number,
  family: { partialTerms?: readonly string[]; thresholdExtras?: boolean } = {},
): string {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const { cpi } = shape;
  const nAcc = 1 + D + KT + extraPartials;
  const hasExtras = extraPartials > 0;
  const tpr = rows.texelsPerRow;
  const comp = (m: number) => rows.rowFields[m];
  const L: string[] = [];
  for (const k of range(cpi)) {
    L.push(`  let c${k} = min(slot * CPI + ${k}u, NC - 1u);`);
    L.push(`  var rho${k}: array<f32, KTA>;`, `  cell_rho(cell, c${k}, &rho${k});`);
    for (const a of range(NB)) L.push(`  let b${k}_${a} = theta[at(${a}u, c${k})];`);
    for (const j of range(KT)) L.push(`  let h${k}_${j} = rho${k}[${j}];`);
    if (family.thresholdExtras) {
      L.push(`  var tau${k}: array<f32, NTHA>;`, `  family_thresholds(c${k}, &tau${k});`);
    } else if (hasExtras) L.push(`  let ex${k} = family_extras(c${k});`);
    L.push(`  var lp${k} = 0.0;`);
    for (const a of range(NB)) L.push(`  var s${k}_${a} = 0.0;`);
    for (const j of range(KT)) L.push(`  var t${k}_${j} = 0.0;`);
    for (const i of range(extraPartials)) L.push(`  var gx${k}_${i} = 0.0;`);
  }
  L.push("  for (var p = start; p < end; p++) {");
  L.push("    let q = p * TPR;");
  for (const t of range(tpr)) {
    const q = t === 0 ? "q" : `(q + ${t}u)`;
    L.push(`    let x${t} = textureLoad(rowtex, vec2<u32>(${q} & TW_MASK, ${q} >> TW_SHIFT), 0);`);
  }
  for (const a of range(NB)) L.push(`    let w${a} = ${comp(a)};`);
  for (const j of range(KT)) L.push(`    let v${j} = ${comp(NB + j)};`);
  L.push(`    let ys = ${comp(NB + KT)};`, `    let yn = ${comp(NB + KT + 1)};`);
  for (const k of range(cpi)) {
    const eta = [
      ...range(NB).map((a) => `w${a} * b${k}_${a}`),
      ...range(KT).map((j) => `v${j} * h${k}_${j}`),
    ].join(" + ") || "0.0";
    L.push("    {");
    L.push(`      let eta = ${eta};`);
    const ex = family.thresholdExtras
      ? `pattern_extras(&tau${k}, ys)`
      : hasExtras
      ? `ex${k}`
      : "vec2<f32>(1.0, 1.0)";
    L.push(`      let r = pattern_terms(eta, ys, yn, ${ex});`);
    L.push(`      lp${k} += r.x;`);
    for (const a of range(NB)) L.push(`      s${k}_${a} += r.y * w${a};`);
    for (const j of range(KT)) L.push(`      t${k}_${j} += r.y * v${j};`);
    for (const i of range(extraPartials)) {
      L.push(`      gx${k}_${i} += ${family.partialTerms?.[i] ?? `r.${"zw"[i]}`};`);
    }
    L.push("    }");
  }
  L.push("  }");
  // Accumulator m of chain k (partials slot m): lp, ∂/∂β (0 for the varying-only columns),
  // ∂/∂ρ, then the family's parameter partials.
  const value = (k: number, m: number): string => {
    if (m === 0) return `lp${k}`;
    if (m <= D) return m - 1 < NB ? `s${k}_${m - 1}` : "0.0";
    if (m <= D + KT) return `t${k}_${m - 1 - D}`;
    return `gx${k}_${m - 1 - D - KT}`;
  };
  const write = (k: number, m: number, v: string) =>
    `    partials[(chunk * NACC + ${m}u) * NC + c${k}] = ${v};`;
  for (const k of range(cpi)) {
    L.push(`  if (slot * CPI + ${k}u < NC) {`);
    for (const m of range(nAcc)) L.push(write(k, m, value(k, m)));
    L.push("  }");
  }
  return L.join("\n");
}

/** A WGSL f32 literal of `v` (rounded to f32). */
function wgslFloat(v: number): string {
  const s = Math.fround(v).toString();
  if (!Number.isFinite(v)) throw new Error(`non-finite pattern field ${v}`);
  return /[.eE]/.test(s) ? s : `${s}.0`;
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
  const ridged = G.slice(0, n * n);
  for (let i = 0; i < n; i++) ridged[i * n + i] += ridge;
  const L = choleskyLower(ridged, n);
  if (typeof L === "number") return new Float64Array(n);
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
