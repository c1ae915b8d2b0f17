/**
 * Also covers: webgpu/device.ts (every GPU test opens its device through it).
 * Also covers: families/cumulative_wgsl.ts (the cumulative tests: its WGSL against the CPU's f64).
 */
import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { CompiledModel } from "../../lib/model/compiled_model.ts";
import type { CompiledData } from "../../lib/model/compiled_data.ts";
import type { GpuContext } from "../../lib/webgpu/device.ts";
import { GpuModel, type GpuModelOptions } from "../../lib/webgpu/gpu_model.ts";
import { crossedSpec, FAMILIES_UNDER_TEST, seeded, simulatedTable } from "../model/_fixtures.ts";
import { withColumn } from "../../lib/data/table.ts";
import type { ModelSpec } from "../../lib/spec/model_spec.ts";
import { gpuTest } from "./_gpu.ts";
import { hasSignedScales, withSdScales } from "../../lib/model/signed_scales.ts";
import { aliased, continuousBernoulli } from "./_models.ts";

/**
 * Tolerances. f32 has unit roundoff u = 2^-24 ≈ 6e-8. The log density is a sum of n ≈ 10^3–10^5
 * terms accumulated as: ≤ chunk sequential terms per invocation, then (reduce_sums) 64 strided
 * sums of nChunks/64 chunk partials and a 6-level tree; the worst-case error of such a sum is
 * about (chunk + nChunks/64 + 6) · u · Σ|terms|, ≈ 3,100 u ≈ 2e-4 of Σ|terms| for the
 * largest chunk here (3,000 rows in one cell; 4,096 in the 140,000-row test), and √ of that count
 * times u for random rounding (≈ 3.5e-6). The inputs are rounded to f32 first and the CPU
 * evaluates at the same rounded point, so only arithmetic differs. We check
 * |Δlp| ≤ 2e-5 · (|lp| + dim) and each gradient entry to 2e-5 · (‖g‖∞ + 1): about 6× the typical
 * error (the worst case, every rounding in one direction, is not reached by random data). The
 * Bernoulli log(1 + e^−|η|) is computed as log(1 + e): an absolute error ≲ 1e-7 per row, while
 * |lp| is ≈ 0.5 per row for these data, so ≲ 2e-7 relative. Transcendentals in f32 (exp, log,
 * tanh, lgamma) add a few ulps per term, inside the same budget.
 */
const LP_TOL = 2e-5;
const GRAD_TOL = 2e-5;

async function compare(
  gpu: GpuContext,
  data: CompiledData,
  chains: number,
  seed: number,
  scale = 1,
  options: GpuModelOptions = {},
): Promise<{ lp: number; grad: number }> {
  const model = await GpuModel.create(gpu, data, chains, { kernels: "evaluate", ...options });
  try {
    const u = seeded(seed);
    const points = Array.from(
      { length: chains },
      () => Float64Array.from({ length: data.dim }, () => Math.fround(scale * (2 * u() - 1))),
    );
    const got = await model.evaluate(points);
    const cpu = new CompiledModel(data);
    const g = new Float64Array(data.dim);
    let worstLp = 0;
    let worstGrad = 0;
    points.forEach((theta, c) => {
      const lp = cpu.logDensityGradient(theta, g);
      const lpErr = Math.abs(got.lp[c] - lp) / (Math.abs(lp) + data.dim);
      worstLp = Math.max(worstLp, lpErr);
      let gmax = 0;
      for (const v of g) gmax = Math.max(gmax, Math.abs(v));
      for (let e = 0; e < data.dim; e++) {
        worstGrad = Math.max(worstGrad, Math.abs(got.grad[c][e] - g[e]) / (gmax + 1));
      }
    });
    assert.ok(worstLp <= LP_TOL, `log density relative error ${worstLp}`);
    assert.ok(worstGrad <= GRAD_TOL, `gradient relative error ${worstGrad}`);
    return { lp: worstLp, grad: worstGrad };
  } finally {
    model.destroy();
  }
}

const FAMILIES = FAMILIES_UNDER_TEST;
for (const family of FAMILIES) {
  gpuTest(
    `${family}: GPU log density and gradient equal CompiledModel (f64) to f32 tolerance`,
    async (gpu) => {
      // Crossed terms (correlated 3×3 and uncorrelated), centred fixed effects, several priors;
      // varying effects non-centred, centred (θ holds r), and non-centred with the sds of the
      // normal-prior term held as signed scales (points draw them from ±1.5).
      for (const geometry of ["noncentered", "centered", "signed"] as const) {
        const compiled = compileModel(crossedSpec(family), simulatedTable(3000, family), {
          parameterization: geometry === "centered" ? "centered" : "noncentered",
        });
        const data = geometry === "signed" ? withSdScales(compiled, "signed") : compiled;
        assert.equal(hasSignedScales(data), geometry === "signed");
        // 5 chains (8 lanes × 8 pattern lanes per workgroup) and 70 chains (2 blocks of 64).
        await compare(gpu, data, geometry === "centered" ? 70 : 5, 11, 1.5);
      }
    },
  );
}

for (const link of ["logit", "probit"]) {
  gpuTest(
    `cumulative(${link}): GPU log density and gradient (thresholds' priors and Jacobian included) equal CompiledModel (f64) to f32 tolerance`,
    async (gpu) => {
      // 4 categories (3 thresholds, one partial slot each), crossed terms, both geometries the
      // thresholds allow. θ's threshold increments u_k ∈ ±1.5 give gaps e^u ≥ 0.22, so the
      // middle categories' 1 − F(b)/F(a) stays far from f32 cancellation.
      for (const parameterization of ["noncentered", "centered"] as const) {
        const spec = { ...crossedSpec("cumulative"), link };
        const data = compileModel(spec, simulatedTable(3000, "cumulative"), { parameterization });
        assert.equal(data.thresholds?.count, 3);
        await compare(gpu, data, parameterization === "centered" ? 70 : 5, 11, 1.5);
      }
    },
  );
}

gpuTest(
  "likelihood weights: the GPU log density and gradient equal the CPU's for every family",
  async (gpu) => {
    // Weights 0.5–3 (a quarter of them 0): the shader reads the patterns' summed weights and
    // weighted sums (Gaussian: weighted cell statistics) exactly as the CPU does.
    for (const family of FAMILIES) {
      const table = simulatedTable(2000, family, 13);
      const u = seeded(17);
      const w = Float64Array.from(
        { length: table.nRows },
        () => (u() < 0.25 ? 0 : 0.5 + 2.5 * u()),
      );
      const weighted = withColumn(table, "w", { kind: "number", values: w });
      const data = compileModel({ ...crossedSpec(family), weights: "w" }, weighted);
      await compare(gpu, data, 5, 29, 1.5);
    }
  },
);

gpuTest(
  "no shader loop truncation: 140,000 patterns, one cell with > 65,535, equal the CPU",
  async (gpu) => {
    // lavapipe silently stops a loop after 65,535 iterations. Every pattern here is its own
    // compressed row, and group 0's cell alone has ≈ 84,000 patterns; a kernel that looped over
    // a cell's (or all) patterns in one loop would drop ≥ 18,000 terms and miss the CPU by far
    // more than the tolerance.
    const data = continuousBernoulli(140_000, 4, 5);
    assert.equal(data.stats.kind, "patterns");
    if (data.stats.kind !== "patterns") return;
    assert.ok(data.stats.nPatterns > 2 * 65_535);
    let biggest = 0;
    const perCell = new Map<number, number>();
    for (const c of data.stats.cell) perCell.set(c, (perCell.get(c) ?? 0) + 1);
    for (const v of perCell.values()) biggest = Math.max(biggest, v);
    assert.ok(biggest > 65_535, `largest cell has ${biggest} patterns`);
    await compare(gpu, data, 3, 21, 0.5);
  },
);

gpuTest(
  "likelihood kernel shapes: 1/2/4/8 chains per invocation, with and without chunk planes",
  async (gpu) => {
    // Each (chains per invocation, chain count) pair below runs a different unrolled kernel:
    // 3 and 5 chains put several chunks in one workgroup (planes), 70 chains one chunk per
    // workgroup; small chunks and a narrow texture put rows across texture rows and cells
    // across chunks. Same tolerance as above (f32 sums of ≤ 256-term chunks).
    const data = continuousBernoulli(3000, 40, 9, { skewed: false });
    const cases: [number, number][] = [[1, 70], [2, 5], [4, 3], [8, 5], [8, 70]];
    for (const [cpi, chains] of cases) {
      await compare(gpu, data, chains, 31 + cpi, 1, {
        chainsPerInvocation: cpi,
        chunkSize: 256,
        textureWidth: 64,
      });
    }
    // An aliased row field (layout_test.ts) read from its shared texel component.
    await compare(gpu, aliased(data), 70, 41, 1, { chunkSize: 256 });
  },
);

gpuTest(
  "negbinomial: 8 chains over one 4,000-pattern chunk equal the CPU (no loop per pattern)",
  async (gpu) => {
    // lavapipe stops an invocation's loops once all of them together have run 65,535 iterations.
    // A loop in pattern_terms (up to 16 steps of Σ_{k<y} log(φ + k), 8 of lgamma_'s recurrence)
    // runs per pattern and chain: 4,000 patterns × 8 chains × ~2 steps passed that budget and
    // the kernel silently dropped most of the chunk's terms (lp off by 73%, far beyond LP_TOL).
    const table = simulatedTable(12_000, "negbinomial", 3);
    const u = seeded(9);
    const x = Float64Array.from({ length: table.nRows }, () => 2 * u() - 1);
    const spec: ModelSpec = {
      ...crossedSpec("negbinomial"),
      terms: ["x", "treat"],
      groupTerms: [
        { group: "g2", factors: ["g2"], intercept: true, slopes: ["treat"], correlated: true },
      ],
    };
    const data = compileModel(spec, withColumn(table, "x", { kind: "number", values: x }));
    assert.ok(data.stats.kind === "patterns" && data.stats.nPatterns > 11_000);
    await compare(gpu, data, 8, 5, 1, { chainsPerInvocation: 8 });
  },
);

for (const family of ["bernoulli", "gaussian"] as const) {
  for (const groups of [7_000, 20_000]) {
    gpuTest(
      `${family}, ~${groups} groups: GPU equals the CPU (finalize no longer sums every group)`,
      async (gpu) => {
        // lavapipe counts every loop iteration of an invocation against one 65,535 budget. When
        // finalize summed 11 partials over every chunk and group in one invocation per chain, the
        // last sums came out short past ~5,500 groups: at 7,000 groups the correlation's
        // gradient was off by 5% of ‖g‖∞, at 20,000 the log density by 35% (far beyond the
        // tolerances). reduce_sums now gives each (row, chain) 64 invocations.
        // 4 rows per group at random: all but ~2% of the groups have rows (e^-4).
        const data = continuousBernoulli(4 * groups, groups, 4, { skewed: false, family });
        assert.ok(data.terms[0].nGroups > 0.97 * groups);
        await compare(gpu, data, 3, 5, 1);
      },
    );
  }
}
