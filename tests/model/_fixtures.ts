/** Small simulated tables and specs shared by the model tests. */
import { makeTable, type Table } from "../../lib/data/table.ts";
import type { Family, ModelSpec } from "../../lib/spec/model_spec.ts";
import { seeded } from "../_seeded.ts";
import type { CompiledData } from "../../lib/model/compiled_data.ts";
import { withTermGeometry } from "../../lib/model/term_geometry.ts";
import type { DataCentring } from "../../lib/model/data_centring.ts";

export { seeded } from "../_seeded.ts";
import assert from "node:assert/strict";
import type { LogDensity } from "../../lib/sampler/log_density.ts";

/** The families the model and backend tests run (simulatedTable simulates each). */
export const FAMILIES_UNDER_TEST: readonly Family[] = [
  "gaussian",
  "bernoulli",
  "binomial",
  "poisson",
  "student",
  "negbinomial",
];

/** A table of numeric columns, e.g. `numericTable({ y, x, g })`. */
export function numericTable(columns: Record<string, Float64Array>): Table {
  return makeTable(
    Object.fromEntries(
      Object.entries(columns).map(([name, values]) => [name, { kind: "number", values }]),
    ),
  );
}

/** n rows: binary treatment, a numeric control x, a 3-level factor f, two crossed groupings. */
export function simulatedTable(n: number, family: Family, seed = 7): Table {
  const u = seeded(seed);
  const treat = new Float64Array(n);
  const x = new Float64Array(n);
  const fCodes = new Int32Array(n);
  const g1 = new Float64Array(n);
  const g2Codes = new Int32Array(n);
  const y = new Float64Array(n);
  const trials = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    treat[i] = u() < 0.5 ? 1 : 0;
    x[i] = Math.round((u() * 4 - 2) * 4) / 4; // few distinct values so patterns repeat
    fCodes[i] = Math.floor(u() * 3);
    g1[i] = 1 + Math.floor(u() * 4);
    g2Codes[i] = Math.floor(u() * 3);
    const eta = 0.3 + 0.5 * treat[i] * (g1[i] / 4) - 0.2 * x[i] + 0.1 * fCodes[i];
    trials[i] = 1 + Math.floor(u() * 5);
    switch (family) {
      case "gaussian":
      case "student":
        y[i] = eta + (u() - 0.5);
        break;
      case "bernoulli":
        y[i] = u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
        break;
      case "binomial": {
        let s = 0;
        for (let k = 0; k < trials[i]; k++) s += u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
        y[i] = s;
        break;
      }
      case "poisson":
        y[i] = Math.floor(Math.exp(eta) * 2 * u());
        break;
      case "negbinomial": // overdispersed counts: mean e^η, a long right tail
        y[i] = Math.floor(Math.exp(eta) * 4 * u() * u());
        break;
      case "cumulative":
        y[i] = latentCategory(eta, u());
        break;
    }
  }
  return makeTable({
    y: { kind: "number", values: y },
    trials: { kind: "number", values: trials },
    treat: { kind: "number", values: treat },
    x: { kind: "number", values: x },
    f: { kind: "factor", codes: fCodes, levels: ["lo", "mid", "hi"] },
    g1: { kind: "number", values: g1 },
    g2: { kind: "factor", codes: g2Codes, levels: ["a", "b", "c"] },
  });
}

/** y ~ 1 + x + f + treat + treat:g1 + (1 + treat + x | g1) + (1 + treat || g2). */
export function crossedSpec(family: Family): ModelSpec {
  return {
    hetfx: 1,
    outcome: "y",
    family,
    ...(family === "binomial" ? { trials: "trials" } : {}),
    intercept: true,
    treatment: "treat",
    terms: ["x", "f", "treat", "treat:g1"],
    groupTerms: [
      { group: "g1", factors: ["g1"], intercept: true, slopes: ["treat", "x"], correlated: true },
      { group: "g2", factors: ["g2"], intercept: true, slopes: ["treat"], correlated: false },
    ],
    priors: [
      { class: "b", prior: { dist: "normal", mu: 0, sigma: 1 } },
      { class: "b", coef: "x", prior: { dist: "student_t", df: 3, mu: 0, sigma: 2 } },
      { class: "Intercept", prior: { dist: "normal", mu: 0, sigma: 2 } },
      { class: "sd", prior: { dist: "normal", mu: 0, sigma: 1 } },
      { class: "sd", group: "g2", prior: { dist: "exponential", rate: 2 } },
      { class: "cor", prior: { dist: "lkj", eta: 2 } },
      ...(family === "gaussian" || family === "student"
        ? [{ class: "sigma" as const, prior: { dist: "normal" as const, mu: 0, sigma: 1 } }]
        : []),
    ],
  };
}

/**
 * y ~ 1 + x + f + treat + treat:g1 + (1 + treat | g1): one correlated two-coefficient term, whose
 * groups are the Gaussian cells (the compiled model's fast paths for that common case).
 */
export function singleTermSpec(family: Family): ModelSpec {
  const spec = crossedSpec(family);
  return {
    ...spec,
    groupTerms: [
      { group: "g1", factors: ["g1"], intercept: true, slopes: ["treat"], correlated: true },
    ],
    priors: spec.priors.filter((p) => !("group" in p && p.group === "g2")),
  };
}

/**
 * A bernoulli spec y ~ 1 + terms + (1 + treat | g) with a normal(0, bSigma) prior on every b,
 * for tables with columns y, treat, g and the terms.
 */
export function treatSlopeSpec(terms: string[], bSigma: number): ModelSpec {
  return {
    hetfx: 1,
    outcome: "y",
    family: "bernoulli",
    intercept: true,
    treatment: "treat",
    terms,
    groupTerms: [{
      group: "g",
      factors: ["g"],
      intercept: true,
      slopes: ["treat"],
      correlated: true,
    }],
    priors: [{ class: "b", prior: { dist: "normal", mu: 0, sigma: bSigma } }],
  };
}

/**
 * `data` with b_`coef`'s prior replaced after validation by an exponential(1), which the spec
 * refuses on b (lib/spec/validate.ts: a prior of positive values on an unbounded class): the
 * one kind of prior the collapsed target samples beside φ instead of integrating it out
 * (lib/model/sampled_coefficients.ts), so that path's algebra stays tested.
 */
export function withSampledBPrior(data: CompiledData, coef = "x"): CompiledData {
  const index = data.fixedNames.indexOf(coef);
  assert.ok(index >= 0, `no coefficient ${coef}`);
  const bPriors = data.bPriors.map((p, i) =>
    i === index ? { dist: "exponential" as const, rate: 1 } : p
  );
  return { ...data, bPriors };
}

/** `spec` with the student-t prior on b_x made normal, so that a Gaussian fit can be collapsed. */
export function withNormalPriors(spec: ModelSpec): ModelSpec {
  return {
    ...spec,
    priors: spec.priors.map((p) =>
      p.class === "b" && p.coef === "x" ? { ...p, prior: { dist: "normal", mu: 0.2, sigma: 2 } } : p
    ),
  };
}

/** Variants of a one-term spec: K = 2 correlated (as given, and without intercept), K = 1 (the
 * slope only), K = 3 (slopes treat and x). */
export function oneTermSpecs(base: ModelSpec): Record<string, ModelSpec> {
  const term = base.groupTerms[0];
  return {
    "K = 2": base,
    "K = 2, no intercept": {
      ...base,
      intercept: false,
      priors: base.priors.filter((p) => p.class !== "Intercept"),
    },
    "K = 1": {
      ...base,
      groupTerms: [{ ...term, intercept: false, correlated: false }],
      priors: base.priors.filter((p) => p.class !== "cor"),
    },
    "K = 3": { ...base, groupTerms: [{ ...term, slopes: ["treat", "x"] }] },
  };
}

/**
 * Ways θ can hold the varying effects of {@link crossedSpec} (terms g1: K = 3 correlated, g2:
 * K = 2 uncorrelated), from the plain ones to per-coefficient mixtures with contrasts and the
 * level mean moved into the coefficients, and data-centred: every one must give the same model.
 */
export const GEOMETRIES: Record<string, (data: CompiledData) => CompiledData> = {
  noncentered: (data) => data,
  centered: (data) =>
    withTermGeometry(
      data,
      data.terms.map((t) => ({
        noncentering: t.coefNames.map(() => 0),
        contrasts: false,
        meanInBeta: false,
      })),
    ),
  "mixed contrasts": (data) =>
    withTermGeometry(data, [
      { noncentering: [0, 1, 0.4], contrasts: true, meanInBeta: true },
      { noncentering: [0.7, 0], contrasts: true, meanInBeta: true },
    ]),
  "mixed levels": (data) =>
    withTermGeometry(data, [
      { noncentering: [1, 0, 0.5], contrasts: false, meanInBeta: true },
      { noncentering: [0, 0.3], contrasts: false, meanInBeta: false },
    ]),
  "data-centred": dataCentred,
  "data-centred jointly": (data) => dataCentred(data, true),
};

/**
 * Made-up data-centring numbers for a term (J × K): informations from 0 (non-centred) to 400
 * and estimates within ±0.5, so both ends of the map and the middle are exercised.
 */
export function syntheticDataCentring(term: CompiledData["terms"][number]): DataCentring {
  const size = term.nGroups * term.coefNames.length;
  const information = Float64Array.from({ length: size }, (_, i) => [0, 3, 40, 400][i % 4]);
  return {
    information,
    estimate: Float64Array.from({ length: size }, (_, i) => 0.5 * Math.sin(1 + i)),
  };
}

/**
 * Joint data-centring numbers: each row's K × K information has {@link syntheticDataCentring}'s
 * diagonal and correlations 0.6 (positive semi-definite; a zero diagonal entry zeroes its row).
 */
export function syntheticJointCentring(term: CompiledData["terms"][number]): DataCentring {
  const base = syntheticDataCentring(term);
  const K = term.coefNames.length;
  const joint = new Float64Array(base.information.length * K);
  for (let j = 0; j < term.nGroups; j++) {
    for (let a = 0; a < K; a++) {
      for (let b = 0; b < K; b++) {
        const ia = base.information[j * K + a], ib = base.information[j * K + b];
        joint[j * K * K + a * K + b] = (a === b ? 1 : 0.6) * Math.sqrt(ia * ib);
      }
    }
  }
  return { ...base, jointInformation: joint };
}

/**
 * Every term data-centred (row by row when `joint`): the first as contrasts with its mean in β,
 * the others as levels.
 */
function dataCentred(data: CompiledData, joint = false): CompiledData {
  return withTermGeometry(
    data,
    data.terms.map((t, i) => ({
      noncentering: t.coefNames.map(() => 1),
      contrasts: i === 0,
      meanInBeta: i === 0,
      dataCentring: joint ? syntheticJointCentring(t) : syntheticDataCentring(t),
    })),
  );
}

/**
 * Geometries of {@link singleTermSpec}'s one term (K = 2): plain, centred, mixed with contrasts,
 * data-centred contrasts.
 */
export const SINGLE_TERM_GEOMETRIES: Record<string, (data: CompiledData) => CompiledData> = {
  noncentered: (data) => data,
  centered: GEOMETRIES.centered,
  "mixed contrasts": (data) =>
    withTermGeometry(data, [{ noncentering: [0.5, 0], contrasts: true, meanInBeta: true }]),
  "data-centred": dataCentred,
  "data-centred jointly": (data) => dataCentred(data, true),
};

/**
 * Assert that `target`'s analytic gradient at `point` matches central finite differences with
 * step h (default 1e-5): O(h²) truncation plus rounding |lp|·ε/h ≈ 1e-8 (1e-7 at h = 1e-6), so
 * 1e-5 relative is ample.
 */
export function assertGradientMatchesDifferences(
  target: LogDensity,
  point: Float64Array,
  label: string,
  h = 1e-5,
): void {
  const grad = new Float64Array(target.dim);
  const scratch = new Float64Array(target.dim);
  assert.ok(Number.isFinite(target.logDensityGradient(point, grad)), `${label}: not finite`);
  for (let i = 0; i < target.dim; i++) {
    const plus = Float64Array.from(point);
    plus[i] += h;
    const minus = Float64Array.from(point);
    minus[i] -= h;
    const numeric = (target.logDensityGradient(plus, scratch) -
      target.logDensityGradient(minus, scratch)) / (2 * h);
    assert.ok(
      Math.abs(numeric - grad[i]) < 1e-5 * Math.max(1, Math.abs(numeric)),
      `${label} [${i}]: analytic ${grad[i]} vs numeric ${numeric}`,
    );
  }
}

/** Crossed terms (dense algebra) and one term (block-arrowhead / level-collapsed), normal priors. */
export const COLLAPSIBLE: Record<string, () => ModelSpec> = {
  crossed: () => withNormalPriors(crossedSpec("gaussian")),
  "one term": () => withNormalPriors(singleTermSpec("gaussian")),
};

/**
 * An ordinal outcome from a latent logistic η + ε cut at −0.5, 0.5 and 1.5 (categories 1…4);
 * `v` is a uniform draw.
 */
export function latentCategory(eta: number, v: number): number {
  const w = Math.min(Math.max(v, 1e-12), 1 - 1e-12);
  const z = eta + Math.log(w / (1 - w));
  return 1 + (z > -0.5 ? 1 : 0) + (z > 0.5 ? 1 : 0) + (z > 1.5 ? 1 : 0);
}
