import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { LevelCollapsedGaussian } from "../../lib/model/level_collapsed_gaussian.ts";
import { LevelKernel } from "../../lib/model/level_kernel.ts";
import { loadTomzWeeks } from "../../lib/data/datasets/tomz_weeks.ts";
import { tomzWeeksModel } from "../../lib/spec/paper_models.ts";
import { seeded, simulatedTable, singleTermSpec } from "./_fixtures.ts";

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
