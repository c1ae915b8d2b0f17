/**
 * The WebAssembly pattern kernel against the JavaScript reference (PatternDesign plus the family's
 * patternLogLikelihood): log-likelihood and gradient to 1e-12 relative on random designs (sparse
 * and dense, tails |η| > 30, fractional and zero counts, 1 to 5 thresholds) and on the Tomz & Weeks
 * models as whole log densities; the kernel's exp against Math.exp. The two differ only by
 * rounding (the kernel sums pairs of patterns in f64x2 lanes and has its own exp, within about an
 * ulp of e^x): over ~1,000 terms that is near 1e-14 relative, so 1e-12 leaves a margin while any
 * indexing or formula slip gives errors of order one. The finite-difference checks of the
 * kernel path are tests/model/compiled_model_test.ts's (models use the kernel by default).
 */
import assert from "node:assert/strict";
import { PatternKernel } from "../../lib/model/pattern_kernel.ts";
import { PatternDesign } from "../../lib/model/pattern_design.ts";
import { PATTERN_KERNEL_WASM } from "../../lib/model/pattern_kernel_wasm.ts";
import { kernelInstance, type KernelMemory, kernelModule } from "../../lib/math/_wasm.ts";
import { CompiledModel } from "../../lib/model/compiled_model.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { familyOf } from "../../lib/families/mod.ts";
import type { PatternStats } from "../../lib/families/compressed_stats.ts";
import { loadTomzWeeks } from "../../lib/data/datasets/tomz_weeks.ts";
import { tomzWeeksOrdinalModel } from "../../lib/spec/paper_models.ts";
import { TOMZ_WEEKS_FORMULA } from "../../lib/spec/paper_models.ts";
import { formula } from "../../mod.ts";
import { seeded } from "../_seeded.ts";

/** Deno has WebAssembly SIMD: the kernel must exist here (the fallback is for other runtimes). */
Deno.test("the pattern kernel's module compiles in Deno", () => {
  assert.notEqual(kernelModule(PATTERN_KERNEL_WASM), null);
});

Deno.test("the kernel's exp is within 1e-15 relative of Math.exp over [−30, 30]", () => {
  // The range the kernel uses it on (|η| ≤ 30; beyond, patterns take the tail path).
  const module = kernelModule(PATTERN_KERNEL_WASM)!;
  const { exp } = kernelInstance<KernelMemory & { exp(x: number): number }>(
    module,
    "pattern kernel",
    (s) => s,
  );
  const u = seeded(7);
  let worst = 0;
  for (let i = 0; i < 200_000; i++) {
    const x = i < 100_000 ? -30 + 60 * u() : (i - 150_000) * 1e-4; // uniform, and a grid near 0
    worst = Math.max(worst, Math.abs(exp(x) / Math.exp(x) - 1));
  }
  for (const x of [-30, 30, Math.LN2 / 2, -Math.LN2 / 2]) {
    worst = Math.max(worst, Math.abs(exp(x) / Math.exp(x) - 1));
  }
  assert.ok(worst <= 1e-15, `worst relative difference ${worst}`);
  assert.equal(exp(0), 1);
});

type Likelihood = "bernoulli" | "binomial" | "cumulative";

/**
 * P patterns, D columns (indicator-like or continuous), K varying coefficients, C cells; `scale`
 * stretches β so that some |η| exceed 30; counts include zeros and fractions (weights).
 */
function randomCase(
  family: Likelihood,
  seed: number,
  o: { P: number; D: number; K: number; C: number; indicator: boolean; scale: number; nt: number },
) {
  const u = seeded(seed);
  const { P, D, K, C, nt } = o;
  const w = new Float64Array(P * D).map((_, i) => {
    const a = i % D;
    if (a === 0) return 1;
    return o.indicator ? (u() < 0.6 ? 0 : Math.floor(u() * (2 + (a % 4))) + 1) - 0.3 : u() - 0.5;
  });
  const wA = new Float64Array(P * K).map((_, i) => (i % K === 0 ? 1 : u() - 0.5));
  const cell = new Int32Array(P).map(() => Math.floor(u() * C));
  const count = () => {
    const r = u();
    return r < 0.1
      ? 0
      : r < 0.4
      ? 1
      : r < 0.55
      ? 2
      : r < 0.8
      ? 0.5 + 3 * u()
      : Math.floor(10 * u());
  };
  const rows = new Float64Array(P).map(count);
  const trialSum = family === "binomial"
    ? rows.map((n) => n + Math.floor(3 * u()))
    : new Float64Array(0);
  const n = family === "binomial" ? trialSum : rows;
  const ySum = n.map((m) => Math.floor((m + 1) * u()) % (m + 1));
  const y = new Float64Array(P).map(() => 1 + Math.floor(u() * (nt + 1)));
  const stats = {
    kind: "patterns",
    nPatterns: P,
    cell,
    w,
    wA,
    rows,
    ySum: family === "cumulative" ? new Float64Array(0) : ySum,
    trialSum,
    y: family === "cumulative" ? y : new Float64Array(0),
  } as unknown as PatternStats;
  const beta = new Float64Array(D).map(() => o.scale * (2 * u() - 1));
  const rho = new Float64Array(C * K).map(() => o.scale * (u() - 0.5));
  // Thresholds held as τ_1 and log increments (lib/families/ordered_thresholds.ts).
  const thresholds = new Float64Array(nt).map((_, k) => (k === 0 ? o.scale * (u() - 1) : u() - 1));
  return { stats, beta, rho, thresholds };
}

function relativeClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string) {
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    assert.ok(d <= 1e-12 * scale, `${what}[${i}]: ${actual[i]} vs ${expected[i]} (scale ${scale})`);
  }
}

function compare(family: Likelihood, seed: number, o: Parameters<typeof randomCase>[2]) {
  const { stats, beta, rho, thresholds } = randomCase(family, seed, o);
  const fam = family === "cumulative" ? familyOf("cumulative", "logit") : familyOf(family);
  const design = new PatternDesign(stats, o.D, o.K);
  assert.equal(design.sparse, o.indicator, "the design takes the intended layout");
  const kernel = PatternKernel.create(fam, stats, design, rho.length, o.nt)!;
  assert.notEqual(kernel, null);
  // JavaScript reference.
  const eta = new Float64Array(o.P), dEta = new Float64Array(o.P);
  const refBeta = new Float64Array(o.D), refRho = new Float64Array(rho.length);
  const refExtra = new Float64Array(o.nt);
  design.forward(beta, rho, eta);
  let maxEta = 0;
  for (const e of eta) maxEta = Math.max(maxEta, Math.abs(e));
  const refLp = fam.patternLogLikelihood(stats, eta, thresholds, dEta, refExtra);
  design.backward(dEta, refBeta, refRho);
  // Kernel, twice (the second call must not see the first's sums).
  const gotBeta = new Float64Array(o.D), gotRho = new Float64Array(rho.length);
  const gotExtra = new Float64Array(o.nt);
  let lp = NaN;
  for (let call = 0; call < 2; call++) {
    gotBeta.fill(0), gotRho.fill(0), gotExtra.fill(0);
    lp = kernel.logLikelihood(beta, rho, thresholds, 0, gotBeta, gotRho, gotExtra);
  }
  assert.ok(Number.isFinite(refLp), `reference lp ${refLp}`);
  assert.ok(Math.abs(lp - refLp) <= 1e-12 * Math.abs(refLp), `lp ${lp} vs ${refLp}`);
  relativeClose(gotBeta, refBeta, "∂/∂β");
  relativeClose(gotRho, refRho, "∂/∂ρ");
  relativeClose(gotExtra, refExtra, "∂/∂τ");
  return maxEta;
}

const SHAPES = [
  { P: 400, D: 6, K: 2, C: 12, indicator: true },
  { P: 300, D: 5, K: 3, C: 7, indicator: false },
  { P: 200, D: 4, K: 1, C: 30, indicator: true },
  { P: 150, D: 3, K: 0, C: 1, indicator: false },
];

for (const family of ["bernoulli", "binomial", "cumulative"] as const) {
  Deno.test(`pattern kernel, ${family}: log-likelihood and gradient match JavaScript`, () => {
    let tails = 0;
    for (const [i, shape] of SHAPES.entries()) {
      for (const nt of family === "cumulative" ? [1, 4, 5] : [0]) {
        for (const scale of [1, 40]) {
          const maxEta = compare(family, 10 * i + nt + scale, { ...shape, scale, nt });
          if (maxEta > 30) tails++;
        }
      }
    }
    assert.ok(tails > 0, "some cases reach the tails |η| > 30");
  });
}

/** The T&W models' whole log densities with and without the kernel at random points. */
for (const [name, family] of [["force", "bernoulli"], ["pref", "cumulative"]] as const) {
  Deno.test(`Tomz & Weeks ${name} (${family}): the kernel's log density and gradient match JavaScript`, async () => {
    const tw = await loadTomzWeeks();
    const builder = family === "cumulative"
      ? tomzWeeksOrdinalModel(tw)
      : formula(TOMZ_WEEKS_FORMULA, tw, { family: "bernoulli" });
    const data = compileModel(builder.toJSON(), tw);
    const wasm = new CompiledModel(data);
    const js = new CompiledModel(data, { wasm: false });
    const u = seeded(3);
    const ga = new Float64Array(data.dim), gb = new Float64Array(data.dim);
    for (let rep = 0; rep < 5; rep++) {
      const theta = new Float64Array(data.dim).map(() => (rep + 1) * 0.3 * (u() - 0.5));
      const a = wasm.logDensityGradient(theta, ga);
      const b = js.logDensityGradient(theta, gb);
      assert.ok(Number.isFinite(b));
      assert.ok(Math.abs(a - b) <= 1e-12 * Math.abs(b), `lp ${a} vs ${b}`);
      relativeClose(ga, gb, "gradient");
    }
  });
}
