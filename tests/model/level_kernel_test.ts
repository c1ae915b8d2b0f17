import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { LevelCollapsedGaussian } from "../../lib/model/level_collapsed_gaussian.ts";
import { LevelKernel } from "../../lib/model/level_kernel.ts";
import { loadTomzWeeks } from "../../lib/data/datasets/tomz_weeks.ts";
import { tomzWeeksModel } from "../../lib/spec/paper_models.ts";
import { seeded, simulatedTable, singleTermSpec } from "./_fixtures.ts";
import type { PriorDistribution } from "../../lib/spec/model_spec.ts";

/**
 * The WebAssembly level loop against the JavaScript one on the same target: log density and
 * gradient at random points agree to rounding (the two sum in different orders, so not bit for
 * bit; 1e-10 relative is ~10⁵ times the f64 rounding of these sums).
 */
function assertSameTarget(wasm: LevelCollapsedGaussian, js: LevelCollapsedGaussian, seed: number) {
  const u = seeded(seed);
  const gw = new Float64Array(wasm.dim), gj = new Float64Array(js.dim);
  for (let rep = 0; rep < 20; rep++) {
    const x = Float64Array.from({ length: wasm.dim }, () => u() - 0.5);
    const lw = wasm.logDensityGradient(x, gw);
    const lj = js.logDensityGradient(x, gj);
    assert.ok(Math.abs(lw - lj) <= 1e-10 * Math.max(1, Math.abs(lj)), `lp ${lw} vs ${lj}`);
    for (let i = 0; i < gw.length; i++) {
      assert.ok(
        Math.abs(gw[i] - gj[i]) <= 1e-10 * Math.max(1, Math.abs(gj[i])),
        `gradient ${i}: ${gw[i]} vs ${gj[i]}`,
      );
    }
  }
}

Deno.test("level kernel: this runtime has WebAssembly SIMD, so the paper's model uses it", async () => {
  const tw = await loadTomzWeeks();
  const data = compileModel(tomzWeeksModel(tw).toJSON(), tw);
  const wasm = new LevelCollapsedGaussian(data);
  const js = new LevelCollapsedGaussian(data, { kernel: "js" });
  // Deno's V8 has SIMD: a null kernel here would be a silent fallback, so it is an error.
  assert.ok((wasm as unknown as { kernel: unknown }).kernel instanceof LevelKernel);
  assert.equal((js as unknown as { kernel: unknown }).kernel, null);
  assertSameTarget(wasm, js, 1);
});

Deno.test("level kernel: same log density and gradient as the JavaScript loop (odd n_β too)", () => {
  // singleTermSpec: (1 + treat | g1) with population-level x and treat: n_β = 3, padded to 4.
  const data = compileModel(singleTermSpec("gaussian"), simulatedTable(300, "gaussian"));
  const wasm = new LevelCollapsedGaussian(data);
  const js = new LevelCollapsedGaussian(data, { kernel: "js" });
  assertSameTarget(wasm, js, 2);
});

Deno.test("level kernel: a D_j that is not positive definite is reported, as by the JS loop", () => {
  // One level, one coefficient: Z_jᵀZ_j = [[1, 2], [2, 1]] (indefinite) with Q = 0.
  const kernel = LevelKernel.create(
    Float64Array.of(1, 1),
    Float64Array.of(1, 1),
    Float64Array.of(1, 2, 2, 1),
    1,
    1,
  )!;
  kernel.beta[0] = 0;
  assert.equal(kernel.run(0, 0, 0, 1), false);
  assert.equal(kernel.run(5, 0, 5, 1), true);
  // D = [[6, 2], [2, 6]], c = [1, 1]: μ = D⁻¹c = [1/8, 1/8]; ½ cᵀμ − ½ log 32.
  assert.ok(Math.abs(kernel.mu[0] - 0.125) < 1e-15 && Math.abs(kernel.mu[1] - 0.125) < 1e-15);
  assert.ok(Math.abs(kernel.logLikelihood - (0.125 - 0.5 * Math.log(32))) < 1e-14);
  // β gradient: −X_jᵀZ_j μ = −(1·1/8 + 1·1/8).
  assert.ok(Math.abs(kernel.betaGradient[0] + 0.25) < 1e-15);
});

/**
 * The whole target in WebAssembly ("wasm") against the level loop alone in it ("loop"): the same
 * arithmetic in the same order with V8's own exp, log, log1p and tanh, so log density and gradient
 * are equal bit for bit, at points inside the support and at points outside it (−∞).
 */
function assertSameBits(data: ReturnType<typeof compileModel>, sdScale: "signed" | "log") {
  const whole = new LevelCollapsedGaussian(data, { sdScale });
  const loop = new LevelCollapsedGaussian(data, { sdScale, kernel: "loop" });
  assert.equal((whole as unknown as { wholeInKernel: boolean }).wholeInKernel, true);
  assert.equal((loop as unknown as { wholeInKernel: boolean }).wholeInKernel, false);
  const u = seeded(11);
  const gw = new Float64Array(whole.dim), gl = new Float64Array(loop.dim);
  let infinite = 0;
  const points = Array.from({ length: 60 }, (_, rep) => {
    // Half the points near the origin, half spread wide.
    const spread = rep % 2 === 0 ? 1 : 40;
    return Float64Array.from({ length: whole.dim }, () => (u() - 0.5) * spread);
  });
  // Outside the support or at its edge: σ → 0 or ∞ (log σ is the last coordinate), sd's of 0.
  for (const logSigma of [-400, 400]) {
    points.push(
      Float64Array.from({ length: whole.dim }, (_, i) => i === whole.dim - 1 ? logSigma : 0.1),
    );
  }
  points.push(new Float64Array(whole.dim));
  for (const x of points) {
    const lw = whole.logDensityGradient(x, gw);
    const ll = loop.logDensityGradient(x, gl);
    assert.ok(Object.is(lw, ll), `lp ${lw} vs ${ll} at ${x}`);
    if (lw === -Infinity) {
      infinite++;
      continue;
    }
    assert.deepEqual(Array.from(gw), Array.from(gl));
    assert.ok(Object.is(whole.logMarginalLikelihood(x), loop.logMarginalLikelihood(x)));
  }
  return infinite;
}

Deno.test("level kernel: the whole target in WebAssembly equals the JavaScript around the loop, bit for bit", async () => {
  const tw = await loadTomzWeeks();
  assertSameBits(compileModel(tomzWeeksModel(tw).toJSON(), tw), "signed");
  const table = simulatedTable(300, "gaussian");
  const base = singleTermSpec("gaussian"); // a student-t prior on b_x
  const term = base.groupTerms[0];
  const specs = {
    "K = 2": base,
    "no intercept": {
      ...base,
      intercept: false,
      priors: base.priors.filter((p) => p.class !== "Intercept"),
    },
    "uncorrelated": {
      ...base,
      groupTerms: [{ ...term, correlated: false }],
      priors: base.priors.filter((p) => p.class !== "cor"),
    },
    // Every prior the kernel computes, on β, the sd's and σ.
    "other priors": {
      ...base,
      priors: [
        ...base.priors.filter((p) => p.class !== "sigma" && p.class !== "Intercept"),
        { class: "Intercept", prior: { dist: "cauchy", mu: 0, sigma: 2 } },
        { class: "b", coef: "treat", prior: { dist: "flat" } },
        { class: "sd", group: "g1", coef: "treat", prior: { dist: "gamma", shape: 2, rate: 1 } },
        { class: "sd", group: "g1", coef: "Intercept", prior: { dist: "exponential", rate: 2 } },
        { class: "sigma", prior: { dist: "inv_gamma", shape: 3, scale: 2 } },
      ],
    },
  } as const;
  let infinite = 0;
  for (const spec of Object.values(specs)) {
    const data = compileModel(spec as typeof base, table);
    for (const sdScale of ["signed", "log"] as const) infinite += assertSameBits(data, sdScale);
  }
  assert.ok(infinite > 0, "some points are outside the support");
});

Deno.test("level kernel: bit for bit with more priors, LKJ shapes and population-level sizes", () => {
  const table = simulatedTable(240, "gaussian", 3);
  const base = singleTermSpec("gaussian");
  const term = base.groupTerms[0];
  const noPrior = (cls: string) => base.priors.filter((p) => p.class !== cls);
  const sd = (prior: PriorDistribution, coef?: string) =>
    ({ class: "sd", group: "g1", ...(coef ? { coef } : {}), prior }) as const;
  const specs: Record<string, typeof base> = {
    // brms's default sd and sigma priors: half-Student-t(3, 0, 2.5), signed scales under "signed".
    "student_t sds and sigma, LKJ(1)": {
      ...base,
      priors: [
        ...base.priors.filter((p) => !["sd", "sigma", "cor"].includes(p.class)),
        sd({ dist: "student_t", df: 3, mu: 0, sigma: 2.5 }),
        { class: "sigma", prior: { dist: "student_t", df: 3, mu: 0, sigma: 2.5 } },
        { class: "cor", prior: { dist: "lkj", eta: 1 } },
      ],
    },
    // Half-Cauchy and flat sds (both signed scales), σ ~ exponential, LKJ(0.5).
    "cauchy and flat sds": {
      ...base,
      priors: [
        ...base.priors.filter((p) => !["sd", "sigma", "cor"].includes(p.class)),
        sd({ dist: "cauchy", mu: 0, sigma: 1.5 }, "Intercept"),
        sd({ dist: "flat" }, "treat"),
        { class: "sigma", prior: { dist: "exponential", rate: 0.7 } },
        { class: "cor", prior: { dist: "lkj", eta: 0.5 } },
      ],
    },
    // Normal sds off 0 (log sds even under "signed"), σ ~ gamma, β priors off 0.
    "located priors": {
      ...base,
      priors: [
        ...base.priors.filter((p) => !["sd", "sigma", "b", "Intercept"].includes(p.class)),
        { class: "b", prior: { dist: "normal", mu: 0.4, sigma: 0.8 } },
        { class: "Intercept", prior: { dist: "student_t", df: 5, mu: -1, sigma: 3 } },
        sd({ dist: "normal", mu: 1, sigma: 0.5 }),
        { class: "sigma", prior: { dist: "gamma", shape: 2, rate: 3 } },
      ],
    },
    // n_β = 1 (intercept only) and n_β = 0 (no population-level coefficient), uncorrelated too.
    "intercept only": { ...base, terms: [], priors: base.priors.filter((p) => p.class !== "b") },
    "no population-level coefficient": {
      ...base,
      intercept: false,
      terms: [],
      priors: noPrior("Intercept").filter((p) => p.class !== "b"),
    },
    "no population-level coefficient, uncorrelated": {
      ...base,
      intercept: false,
      terms: [],
      groupTerms: [{ ...term, correlated: false }],
      priors: noPrior("Intercept").filter((p) => p.class !== "b" && p.class !== "cor"),
    },
  };
  for (const [name, spec] of Object.entries(specs)) {
    const data = compileModel(spec, table);
    for (const sdScale of ["signed", "log"] as const) {
      try {
        const layout = new LevelCollapsedGaussian(data, { sdScale }).layout;
        const signed = layout.terms[0].signedSd ?? [];
        // Signed scales under "signed" wherever the sd prior is centred at 0 (all but one spec).
        const suits = name !== "located priors";
        assert.deepEqual(signed, [0, 1].map(() => sdScale === "signed" && suits));
        assert.equal(layout.nBeta, data.nFixed + (data.hasIntercept ? 1 : 0));
        // Most points are inside the support: the gradients are compared there.
        assert.ok(assertSameBits(data, sdScale) < 40);
      } catch (e) {
        throw new Error(`${name}, ${sdScale}: ${(e as Error).message}`);
      }
    }
  }
});

Deno.test("level kernel: after the whole-kernel gradient, draws and the marginal likelihood are the loop's", () => {
  // The whole target in WebAssembly leaves the JavaScript's β, Σ⁻¹ work and μ untouched:
  // drawCoefficients and logMarginalLikelihood must not read them from a previous gradient.
  const data = compileModel(singleTermSpec("gaussian"), simulatedTable(300, "gaussian"));
  for (const sdScale of ["signed", "log"] as const) {
    const whole = new LevelCollapsedGaussian(data, { sdScale });
    const loop = new LevelCollapsedGaussian(data, { sdScale, kernel: "loop" });
    const u = seeded(5);
    const g = new Float64Array(whole.dim);
    const noise = Float64Array.from({ length: whole.gammaDim }, () => u() - 0.5);
    for (let rep = 0; rep < 20; rep++) {
      const x = Float64Array.from({ length: whole.dim }, () => (u() - 0.5) * 3);
      const y = Float64Array.from({ length: whole.dim }, () => (u() - 0.5) * 3);
      // A gradient at x, then draws at y: each must be y's alone.
      whole.logDensityGradient(x, g);
      loop.logDensityGradient(x, g);
      const gw = new Float64Array(whole.gammaDim), gl = new Float64Array(loop.gammaDim);
      assert.equal(whole.drawCoefficients(y, noise, gw), loop.drawCoefficients(y, noise, gl));
      assert.deepEqual(Array.from(gw), Array.from(gl));
      assert.ok(Object.is(whole.logMarginalLikelihood(y), loop.logMarginalLikelihood(y)));
    }
  }
});
