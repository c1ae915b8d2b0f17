/**
 * Signed sd scales in the full model: a plain non-centred term may hold each sd as u, sd = |u|,
 * r_j = diag(u) L z_j, with no Jacobian, instead of log sd; {@link canonicalTheta} maps every
 * draw back to the log-sd parameterisation with the correlations' and effects' signs matched.
 * Why the target is invariant under the reflection:
 * docs/ARCHITECTURE.md#signed-scales-in-the-full-model.
 *
 * @module
 */
import type { ChainDraws } from "../sampler/backend.ts";
import type { CompiledData, CompiledTerm } from "./compiled_data.ts";
import { signedScaleSuits } from "./level_covariance.ts";
import { choleskyCorrForward, reflectCorrelationReals } from "./cholesky_corr.ts";

/** How the full model holds its sds: "auto" (see {@link withSdScales}), "signed" or "log". */
export type SdScale = "auto" | "signed" | "log";

/** True when the term's r is the plain non-centred diag(sd) L z, the only form signed scales fit. */
export function plainNonCentred(term: CompiledTerm): boolean {
  return !term.contrasts && !term.dataCentring && term.noncentering.every((lambda) => lambda === 1);
}

/**
 * True when the term may hold signed scales: plain non-centred, or data-centred with every other
 * row non-centred (λ = 1). There every coefficient's rows depend on sd_a only through c = sd_a L_aa
 * (odd in sd_a) and on Σ (even), so reflecting sd_a, the correlations of a and the θ block's column
 * a leaves every effect unchanged (docs/ARCHITECTURE.md#signed-scales-in-the-full-model).
 */
export function signedScaleForm(term: CompiledTerm): boolean {
  if (plainNonCentred(term)) return true;
  return term.dataCentring !== undefined && term.noncentering.every((lambda) => lambda === 1);
}

/**
 * `data` with each term's `signedSd` set: "log" none; "signed" every sd of a plain non-centred
 * or data-centred term (see {@link signedScaleForm}) whose prior is symmetric about 0; "auto" the
 * same for plain non-centred terms only. A data-centred term's contrasts are mostly pinned by the
 * data away from 0, which separates the ± modes of a signed sd: on the crossed Bernoulli bench it
 * removed the divergences but cost 2–10× the gradients and two thirds of the ESS (bench/README.md). Unlike the level-collapsed target
 * (lib/model/level_collapsed_gaussian.ts), "auto" does not measure where the sd's posterior
 * lies: in the full model a signed scale costs nothing where the sd stays away from 0 and gains
 * much where it reaches 0.
 *
 * @example
 * ```ts ignore
 * const data = withSdScales(compileModel(spec, table), "auto");
 * ```
 */
export function withSdScales(data: CompiledData, scale: SdScale): CompiledData {
  const terms = data.terms.map((term) => {
    const { signedSd: _old, ...rest } = term;
    const suits = scale === "signed" ? signedScaleForm(term) : plainNonCentred(term);
    if (scale === "log" || !suits) return rest;
    const signedSd = term.sdPriors.map((prior) => signedScaleSuits(prior));
    return signedSd.some((s) => s) ? { ...rest, signedSd } : rest;
  });
  return { ...data, terms };
}

/** True when any sd of `data` is held as a signed scale. */
export function hasSignedScales(data: CompiledData): boolean {
  return data.terms.some((t) => t.signedSd?.some((s) => s) ?? false);
}

/**
 * Maps one point θ (in place) from signed scales to the log-sd parameterisation: per term,
 * d_k = sign(u_k), log sd_k = log|u_k|, correlation reals of (a, b) times d_a d_b, z_jk times d_k.
 */
export function canonicalTheta(data: CompiledData, theta: Float64Array, offset = 0): void {
  for (const term of data.terms) {
    const signed = term.signedSd;
    if (!signed) continue;
    const K = term.coefNames.length;
    const flip = flipScratch.length >= K ? flipScratch : (flipScratch = new Array<number>(K));
    let any = false;
    for (let k = 0; k < K; k++) {
      flip[k] = 1;
      if (!signed[k]) continue;
      const at = offset + term.logSdOffset + k;
      const u = theta[at];
      if (u < 0) flip[k] = -1, any = true;
      theta[at] = logScale(u);
    }
    if (!any) continue;
    if (term.correlated) reflectCorrelationReals(theta, K, flip, offset + term.corOffset);
    flipLevels(theta, offset + term.zOffset, term.nGroups, K, flip);
  }
}

/** The signs d_k of one term at one point (reused: canonicalChainDraws maps every draw). */
let flipScratch: number[] = [];

/**
 * z_jk times d_k for the J levels from `z0`. A function of its own: as an inner loop of a
 * whole chain's mapping V8 would compile it alone (OSR) and discard that code at every exit.
 */
function flipLevels(theta: Float64Array, z0: number, J: number, K: number, flip: number[]): void {
  for (let j = 0; j < J; j++) {
    for (let k = 0; k < K; k++) if (flip[k] < 0) theta[z0 + j * K + k] = -theta[z0 + j * K + k];
  }
}

/** log|u|, finite at u = 0 (an f32 draw can land there exactly): the smallest positive double. */
function logScale(u: number): number {
  return Math.log(Math.max(Math.abs(u), Number.MIN_VALUE));
}

/**
 * A chain's draws with every θ mapped by {@link canonicalTheta} and its log density moved to the
 * log-sd parameterisation (+ Σ log sd); the same object when the model has no signed scales. The
 * adapted inverse metric stays that of the sampled (signed) coordinates.
 */
export function canonicalChainDraws(data: CompiledData, draws: ChainDraws): ChainDraws {
  if (!hasSignedScales(data)) return draws;
  const theta = Float64Array.from(draws.theta);
  const logDensity = Float64Array.from(draws.logDensity);
  // The signed coordinates' offsets, found once (not per draw).
  const signed: number[] = [];
  for (const term of data.terms) {
    term.signedSd?.forEach((s, k) => s && signed.push(term.logSdOffset + k));
  }
  for (let d = 0; d < logDensity.length; d++) {
    // lp of the log-sd parameterisation: + log sd, the Jacobian of sd = exp(log sd).
    for (let i = 0; i < signed.length; i++) {
      logDensity[d] += logScale(theta[d * data.dim + signed[i]]);
    }
    canonicalTheta(data, theta, d * data.dim);
  }
  return { ...draws, theta, logDensity };
}

/**
 * A plain non-centred term's effects at θ: r_j = diag(s) L z_j with s = exp(log sd), or the
 * signed scale itself where the term holds one (J × K, group-major).
 */
export function plainEffectsAt(term: CompiledTerm, theta: Float64Array): Float64Array {
  const K = term.coefNames.length;
  const L = new Float64Array(K * K);
  for (let k = 0; k < K; k++) L[k * K + k] = 1;
  if (term.correlated) choleskyCorrForward(theta, K, term.lkjEta, L, term.corOffset);
  const s = Array.from({ length: K }, (_, k) => {
    const v = theta[term.logSdOffset + k];
    return term.signedSd?.[k] ? v : Math.exp(v);
  });
  const r = new Float64Array(term.nGroups * K);
  for (let j = 0; j < term.nGroups; j++) {
    for (let a = 0; a < K; a++) {
      let lz = 0;
      for (let b = 0; b <= a; b++) lz += L[a * K + b] * theta[term.zOffset + j * K + b];
      r[j * K + a] = s[a] * lz;
    }
  }
  return r;
}
