import assert from "node:assert/strict";
import { HetfxError } from "../../lib/errors.ts";
import { loadTomzWeeks } from "../../lib/data/datasets/tomz_weeks.ts";
import { tomzWeeksModel } from "../../lib/spec/paper_models.ts";
import { fitModel } from "../../lib/fit/mod.ts";
import { WebGpuBackend } from "../../lib/webgpu/webgpu_backend.ts";
import { gpuTest } from "./_gpu.ts";
import type { Fit } from "../../lib/fit/fit.ts";
import { formula } from "../../lib/spec/formula.ts";
import { ordinalTable } from "../posterior/_ordinal_fixture.ts";

gpuTest(
  "Tomz & Weeks: WebGPU (64 chains, ChEES) and CPU (NUTS) posteriors agree within MC error",
  async () => {
    const table = await loadTomzWeeks();
    const spec = tomzWeeksModel(table).toJSON();
    const gpu = await fitModel(spec, table, {
      backend: "webgpu",
      chains: 64,
      warmup: 200,
      draws: 30,
      seed: 11,
      progress: false,
    });
    assert.equal(gpu.info.backend, "webgpu");
    assert.ok(gpu.info.adapter && gpu.info.adapter.length > 0);
    assert.match(gpu.info.backendReason, /webgpu/);
    assert.ok(gpu.info.nestedRhat && Number.isFinite(gpu.info.nestedRhat.max));
    assert.ok(gpu.info.nestedRhat.max < 1.1, `nested R-hat ${gpu.info.nestedRhat.max}`);
    const json = gpu.toJSON() as { backend: string; adapter: string; nested_rhat?: unknown };
    assert.equal(json.backend, "webgpu");
    assert.ok(json.nested_rhat);
    const cpu = await fitModel(spec, table, {
      backend: "cpu",
      chains: 4,
      warmup: 500,
      draws: 500,
      seed: 11,
      progress: false,
    });
    assert.equal(cpu.info.backend, "cpu");
    // Population-level, sd, cor and sigma parameters (20 of them).
    assertPosteriorsAgree(gpu, cpu, 15);
  },
);

/**
 * Each parameter's posterior mean and sd agree between two fits (r_ excluded). Means: z = Δ /
 * √(mcse₁² + mcse₂²) with mcse = sd/√ESS_bulk. Sds: se(sd) ≈ sd/√(2 ESS) holds for normal draws
 * with the ESS of the squared deviations; ESS_bulk over many 40-draw chains overstates that ESS,
 * so the se is inflated 1.5×. |z| < 4.5 each: family-wise failure ≈ 40 × 6.8e-6 ≈ 3e-4 for
 * correct samplers.
 */
function assertPosteriorsAgree(gpu: Fit, cpu: Fit, minChecked: number): void {
  const byName = new Map(cpu.summary().map((p) => [p.name, p]));
  let checked = 0;
  for (const g of gpu.summary()) {
    const c = byName.get(g.name);
    if (!c || g.name === "lp__" || g.name.startsWith("r_")) continue;
    const mcse = Math.hypot(g.sd / Math.sqrt(g.ess_bulk), c.sd / Math.sqrt(c.ess_bulk));
    assert.ok(Math.abs(g.mean - c.mean) < 4.5 * mcse, `${g.name}: mean ${g.mean} vs ${c.mean}`);
    const seSd = 1.5 *
      Math.hypot(g.sd / Math.sqrt(2 * g.ess_bulk), c.sd / Math.sqrt(2 * c.ess_bulk));
    assert.ok(Math.abs(g.sd - c.sd) < 4.5 * seSd, `${g.name}: sd ${g.sd} vs ${c.sd}`);
    checked++;
  }
  assert.ok(checked >= minChecked, `only ${checked} parameters compared`);
}

for (const link of ["logit", "probit"] as const) {
  gpuTest(
    `cumulative(${link}): WebGPU (64 chains, ChEES) and CPU (NUTS) posteriors agree within MC error`,
    async () => {
      // 600 rows, 4 categories, 6 groups: thresholds b_Intercept[1..3], b_treat, sd_g.
      const table = ordinalTable(600, 5, { probit: link === "probit" });
      const spec = {
        ...formula("y ~ 1 + treat + (1 | g)", table, { family: "cumulative" }).toJSON(),
        link,
      };
      const options = { seed: 7, progress: false } as const;
      const gpu = await fitModel(spec, table, {
        ...options,
        backend: "webgpu",
        chains: 64,
        warmup: 300,
        draws: 40,
      });
      assert.equal(gpu.info.backend, "webgpu");
      const cpu = await fitModel(spec, table, {
        ...options,
        backend: "cpu",
        chains: 4,
        warmup: 500,
        draws: 500,
      });
      assertPosteriorsAgree(gpu, cpu, 5);
      assert.ok(gpu.summary().some((p) => p.name === "b_Intercept[3]"));
    },
  );
}

Deno.test("WebGPU backend with no adapter: HetfxError from the backend and from fitModel", async () => {
  const provider = () => Promise.resolve(null);
  const backend = new WebGpuBackend({ provider });
  await assert.rejects(() => backend.gpu(), HetfxError);
  const table = await loadTomzWeeks();
  const spec = tomzWeeksModel(table).toJSON();
  await assert.rejects(
    () => fitModel(spec, table, { backend: "webgpu", adapterProvider: provider, progress: false }),
    (e) => e instanceof HetfxError && /no WebGPU adapter/.test(e.message),
  );
  // method "nuts": with auto, a Gaussian one-term model is collapsed, which always runs on the CPU
  // without asking for an adapter.
  const auto = await fitModel(spec, table, {
    backend: "auto",
    method: "nuts",
    adapterProvider: provider,
    chains: 2,
    warmup: 30,
    draws: 20,
    progress: false,
  });
  assert.equal(auto.info.backend, "cpu");
  assert.equal(auto.info.adapter, null);
  assert.match(auto.info.backendReason, /auto: CPU/);
});
