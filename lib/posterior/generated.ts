/**
 * From unconstrained draws to brms-named quantities: b_*, sd_<group>__*, cor_<group>__*__*,
 * sigma, nu, r_<group>[<label>,<coef>], and the treatment effect of every cell.
 * Draws are stored compactly: one Float64Array per quantity, chains concatenated.
 */
import { brmsCoefName } from "../spec/brms_names.ts";
import type { CompiledData } from "../model/compiled_data.ts";
import type { ChainDraws } from "../sampler/backend.ts";
import { choleskyCorrForward } from "../model/cholesky_corr.ts";
import { coefficientsFromTheta, varyingEffectsFromTheta } from "../model/varying_effects.ts";
import { thresholdName, thresholdsFromUnconstrained } from "../families/ordered_thresholds.ts";

/** Named draws: `values[name]` has chains × drawsPerChain entries, chain-major. */
export interface NamedDraws {
  chains: number;
  drawsPerChain: number;
  names: string[];
  values: Map<string, Float64Array>;
  /**
   * Per effect entry (e = contrast × nCells + cell, contrasts of lib/spec/treatment_coding.ts):
   * treatment-effect draws, and its group-level-predictor and varying parts.
   */
  cellEffects: Float64Array[];
  cellPredicted: Float64Array[];
  cellVarying: Float64Array[];
}

/** brms name of a varying-effect draw. */
export function varyingName(group: string, label: string, coef: string): string {
  return `r_${group}[${label},${coef}]`;
}

const aliasCache = new WeakMap<CompiledData, ReadonlyMap<string, string>>();

/**
 * brms's spelling of each parameter name whose coefficient brms would clean (lib/spec/
 * brms_names.ts: `b_mytreat` for hetfx's `b_my treat`, `sd_g__mytreat`, `r_g[1,mytreat]`),
 * mapped to the hetfx name; a spelling that is itself a hetfx name, or that two names share, is
 * left out (it names no one parameter).
 *
 * @example
 * ```ts ignore
 * brmsAliases(fit.data).get("b_mytreat"); // "b_my treat"
 * ```
 */
export function brmsAliases(data: CompiledData): ReadonlyMap<string, string> {
  const cached = aliasCache.get(data);
  if (cached) return cached;
  const pairs: [string, string][] = data.fixedNames.map((n) => [`b_${n}`, `b_${brmsCoefName(n)}`]);
  for (const term of data.terms) {
    const coefs = term.coefNames;
    for (const c of coefs) {
      pairs.push([`sd_${term.group}__${c}`, `sd_${term.group}__${brmsCoefName(c)}`]);
    }
    if (term.correlated) {
      for (let a = 0; a < coefs.length; a++) {
        for (let b = a + 1; b < coefs.length; b++) {
          pairs.push([
            `cor_${term.group}__${coefs[a]}__${coefs[b]}`,
            `cor_${term.group}__${brmsCoefName(coefs[a])}__${brmsCoefName(coefs[b])}`,
          ]);
        }
      }
    }
    for (const label of term.labels) {
      for (const c of coefs) {
        pairs.push([
          varyingName(term.group, label, c),
          varyingName(term.group, label, brmsCoefName(c)),
        ]);
      }
    }
  }
  const names = new Set(pairs.map(([name]) => name));
  const aliases = new Map<string, string>();
  const shared = new Set<string>();
  for (const [name, alias] of pairs) {
    if (alias === name || names.has(alias)) continue;
    if (aliases.has(alias) && aliases.get(alias) !== name) shared.add(alias);
    aliases.set(alias, name);
  }
  for (const alias of shared) aliases.delete(alias);
  aliasCache.set(data, aliases);
  return aliases;
}

/** One group term's named arrays: its sds and, when correlated, its correlations. */
interface TermArrays {
  term: CompiledData["terms"][number];
  K: number;
  sd: Float64Array[];
  cor: { a: number; b: number; array: Float64Array }[];
  /** One draw's sds (scratch). */
  sdValues: Float64Array;
}

/**
 * Draw `out` of one group term from θ: its correlations (from the Cholesky factor, left in
 * `L`), sds and varying effects (left in `r`, and written to `rArrays`).
 */
function termDraw(
  { term, K, sd, cor, sdValues }: TermArrays,
  theta: Float64Array,
  L: Float64Array,
  r: Float64Array,
  scratch: Float64Array,
  rArrays: Float64Array[],
  out: number,
): void {
  if (term.correlated) {
    choleskyCorrForward(
      theta.subarray(term.corOffset, term.corOffset + (K * (K - 1)) / 2),
      K,
      term.lkjEta,
      L,
    );
    for (const { a, b: c, array } of cor) {
      let omega = 0;
      for (let m = 0; m <= a; m++) omega += L[a * K + m] * L[c * K + m];
      array[out] = omega;
    }
  }
  for (let k = 0; k < K; k++) {
    sdValues[k] = Math.exp(theta[term.logSdOffset + k]);
    sd[k][out] = sdValues[k];
  }
  varyingEffectsFromTheta(term, theta, sdValues, L, r, scratch);
  for (let i = 0; i < r.length; i++) rArrays[i][out] = r[i];
}

/**
 * Effect entry `e` (contrast × nCells + cell) of one draw into `parts`: its population-level
 * part from the coefficients `beta` and its varying part from the varying effects `rs`.
 */
function effectParts(
  data: CompiledData,
  e: number,
  beta: Float64Array,
  rs: Float64Array[],
  parts: Float64Array,
): void {
  const D = data.columnNames.length;
  const T = data.terms.length;
  const c = e % data.nCells;
  let predicted = 0;
  for (let d = data.hasIntercept ? 1 : 0; d < D; d++) {
    predicted += data.effectFixed[e * D + d] * beta[d];
  }
  let varying = 0;
  for (let t = 0; t < T; t++) {
    const K = data.terms[t].coefNames.length;
    const g = data.cellGroups[c * T + t];
    for (let k = 0; k < K; k++) {
      varying += data.effectVarying[t][e * K + k] * rs[t][g * K + k];
    }
  }
  parts[0] = predicted;
  parts[1] = varying;
}

/**
 * Zeroed arrays of `length` cut from shared buffers of about 4 MB: one allocation for many
 * quantities instead of one each (a fit has hundreds).
 */
function slabOf(length: number): () => Float64Array {
  const perBuffer = Math.max(1, Math.floor(2 ** 19 / Math.max(1, length)));
  let buffer = new Float64Array(0);
  let used = perBuffer;
  return () => {
    if (used === perBuffer) {
      buffer = new Float64Array(perBuffer * length);
      used = 0;
    }
    return buffer.subarray(length * used, length * ++used);
  };
}

/**
 * Compute every named quantity for every kept draw.
 *
 * @example
 * ```ts
 * import { generateQuantities } from "./generated.ts";
 * console.assert(typeof generateQuantities === "function");
 * ```
 */
export function generateQuantities(data: CompiledData, chains: ChainDraws[]): NamedDraws {
  const nChains = chains.length;
  const drawsPerChain = chains[0].logDensity.length;
  const total = nChains * drawsPerChain;
  const names: string[] = [];
  const values = new Map<string, Float64Array>();
  const slab = slabOf(total);
  const add = (name: string) => {
    const array = slab();
    names.push(name);
    values.set(name, array);
    return array;
  };
  const bIntercept = data.hasIntercept ? add("b_Intercept") : null;
  const thresholds = data.thresholds;
  const thresholdArrays = Array.from(
    { length: thresholds?.count ?? 0 },
    (_, k) => add(thresholdName(k)),
  );
  const tau = new Float64Array(thresholdArrays.length);
  const b = data.fixedNames.map((n) => add(`b_${n}`));
  const termArrays = data.terms.map((term): TermArrays => {
    const K = term.coefNames.length;
    const sd = term.coefNames.map((c) => add(`sd_${term.group}__${c}`));
    const cor: { a: number; b: number; array: Float64Array }[] = [];
    if (term.correlated) {
      for (let a = 0; a < K; a++) {
        for (let c = a + 1; c < K; c++) {
          cor.push({
            a,
            b: c,
            array: add(`cor_${term.group}__${term.coefNames[a]}__${term.coefNames[c]}`),
          });
        }
      }
    }
    return { term, K, sd, cor, sdValues: new Float64Array(K) };
  });
  const familyParameters = data.familyParameters.map((p) => ({ p, array: add(p.name) }));
  const rArrays = data.terms.map((term) =>
    term.labels.flatMap((label) =>
      term.coefNames.map((c) => add(varyingName(term.group, label, c)))
    )
  );
  const lp = add("lp__");

  const D = data.columnNames.length;
  const nCells = data.nCells;
  const nEntries = data.treatment === null ? 0 : data.contrasts.length * nCells;
  const entries = () => Array.from({ length: nEntries }, slab);
  const cellEffects = entries();
  const cellPredicted = entries();
  const cellVarying = entries();

  const dim = data.dim;
  const first = data.hasIntercept ? 1 : 0;
  const beta = new Float64Array(D);
  const rs = data.terms.map((t) => new Float64Array(t.nGroups * t.coefNames.length));
  const scratch = data.terms.map((t) => new Float64Array(t.nGroups * t.coefNames.length));
  const Ls = data.terms.map((t) => new Float64Array(t.coefNames.length ** 2));
  const meanScratch = new Float64Array(Math.max(1, ...data.terms.map((t) => t.coefNames.length)));
  const T = data.terms.length;
  const parts = new Float64Array(2);
  for (let ch = 0; ch < nChains; ch++) {
    const chain = chains[ch];
    for (let s = 0; s < drawsPerChain; s++) {
      const out = ch * drawsPerChain + s;
      const theta = chain.theta.subarray(s * dim, (s + 1) * dim);
      lp[out] = chain.logDensity[s];
      for (let t = 0; t < T; t++) {
        termDraw(termArrays[t], theta, Ls[t], rs[t], scratch[t], rArrays[t], out);
      }
      coefficientsFromTheta(data, theta, rs, beta, meanScratch);
      for (let p = 0; p < data.nFixed; p++) b[p][out] = beta[first + p];
      if (bIntercept) {
        let intercept = beta[0];
        for (let p = 0; p < data.nFixed; p++) intercept -= data.fixedMeans[p] * beta[first + p];
        bIntercept[out] = intercept;
      }
      for (const { p, array } of familyParameters) array[out] = p.lower + Math.exp(theta[p.offset]);
      if (thresholds) {
        // θ holds the thresholds of the centred design; brms reports them uncentred.
        thresholdsFromUnconstrained(theta, thresholds.offset, tau);
        let shift = 0;
        for (let p = 0; p < data.nFixed; p++) shift += data.fixedMeans[p] * beta[first + p];
        for (let k = 0; k < tau.length; k++) thresholdArrays[k][out] = tau[k] + shift;
      }
      for (let e = 0; e < nEntries; e++) {
        effectParts(data, e, beta, rs, parts);
        cellPredicted[e][out] = parts[0];
        cellVarying[e][out] = parts[1];
        cellEffects[e][out] = parts[0] + parts[1];
      }
    }
  }
  return { chains: nChains, drawsPerChain, names, values, cellEffects, cellPredicted, cellVarying };
}

/** Split a chain-major draws array into one view per chain. */
export function splitChains(values: Float64Array, chains: number): Float64Array[] {
  const per = values.length / chains;
  return Array.from({ length: chains }, (_, c) => values.subarray(c * per, (c + 1) * per));
}
