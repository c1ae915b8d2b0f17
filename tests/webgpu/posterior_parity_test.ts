/**
 * Fit-level parity of the WebGPU backend (ChEES-HMC, f32 kernels) against the CPU reference
 * (NUTS or collapsed, f64): small `(1 + treat | g)` models of five families, a factor treatment,
 * a dose (continuous) treatment and a group with a single row (level 7 of every table). The
 * factor treatment runs with the gaussian family and the dose with poisson, to keep the file short.
 */
import assert from "node:assert/strict";
import { makeTable, type Table } from "../../lib/data/table.ts";
import { fitModel } from "../../lib/fit/mod.ts";
import type { Fit } from "../../lib/fit/fit.ts";
import { formula } from "../../lib/spec/formula.ts";
import type { Family } from "../../lib/spec/model_spec.ts";
import { seeded } from "../_seeded.ts";
import { latentCategory } from "../model/_fixtures.ts";
import { gpuTest } from "./_gpu.ts";

type Treatment = "binary" | "factor" | "dose";

/**
 * n rows in 6 groups plus a 7th group holding one row; y from η = 0.2 + 0.3 x + effect of treat
 * (group-varying), per family.
 */
function parityTable(n: number, family: Family, treatment: Treatment, seed: number): Table {
  const u = seeded(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const a = Array.from({ length: 7 }, () => 0.5 * normal());
  const s = Array.from({ length: 7 }, () => 0.3 * normal());
  const y = new Float64Array(n);
  const x = new Float64Array(n);
  const g = new Float64Array(n);
  const treat = new Float64Array(n);
  const arm = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    g[i] = i === n - 1 ? 7 : 1 + (i % 6);
    x[i] = 2 * u() - 1;
    arm[i] = Math.floor(u() * 3);
    treat[i] = treatment === "dose" ? Math.round(u() * 8) / 4 : u() < 0.5 ? 1 : 0;
    const t = treatment === "factor" ? (arm[i] === 0 ? 0 : arm[i] === 1 ? 0.6 : -0.4) : treat[i];
    const eta = 0.2 + 0.3 * x[i] + a[g[i] - 1] + (0.5 + s[g[i] - 1]) * t;
    switch (family) {
      case "gaussian":
        y[i] = eta + normal();
        break;
      case "bernoulli":
        y[i] = u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
        break;
      case "poisson":
      case "negbinomial": {
        // Poisson counts by inversion; negbinomial: a gamma(2)-mixed mean.
        const mean = Math.exp(eta) * (family === "negbinomial" ? -Math.log(u() * u()) / 2 : 1);
        let k = 0;
        let p = Math.exp(-mean);
        let c = p;
        const v = u();
        while (v > c && k < 200) c += p *= mean / ++k;
        y[i] = k;
        break;
      }
      case "cumulative":
        y[i] = latentCategory(eta, u());
        break;
    }
  }
  return makeTable({
    y: { kind: "number", values: y },
    x: { kind: "number", values: x },
    g: { kind: "number", values: g },
    treat: treatment === "factor"
      ? { kind: "factor", codes: arm, levels: ["control", "a", "b"] }
      : { kind: "number", values: treat },
  });
}

/**
 * Worst |Δ| / tolerance over b, sd, cor, family parameters and a few r_ (K below). Measured on
 * lavapipe: gaussian (factor) 0.82, bernoulli 0.65, poisson (dose) 0.75, cumulative 0.50,
 * negbinomial 0.36.
 */
function worstRatio(
  gpu: Fit,
  cpu: Fit,
): { ratio: number; at: string; checked: number; oneRowGroup: number } {
  const byName = new Map(cpu.summary({ varying: true }).map((p) => [p.name, p]));
  let worst = { ratio: 0, at: "", checked: 0, oneRowGroup: 0 };
  let rCount = 0;
  for (const g of gpu.summary({ varying: true })) {
    const c = byName.get(g.name);
    if (!c || g.name === "lp__") continue;
    // A few r_: the first two levels and the one-row group's (level 7).
    if (g.name.startsWith("r_") && !(rCount++ < 4 || g.name.includes("[7,"))) continue;
    const mcse = Math.hypot(g.sd / Math.sqrt(g.ess_bulk), c.sd / Math.sqrt(c.ess_bulk));
    const seSd = 1.5 * Math.hypot(
      g.sd * Math.sqrt((kurtosis(gpu.draws(g.name)) - 1) / (4 * g.ess_bulk)),
      c.sd * Math.sqrt((kurtosis(cpu.draws(c.name)) - 1) / (4 * c.ess_bulk)),
    );
    for (
      const [what, d, tol] of [
        ["mean", g.mean - c.mean, K * mcse],
        ["sd", g.sd - c.sd, K * seSd],
      ] as const
    ) {
      const ratio = Math.abs(d) / tol;
      if (ratio > worst.ratio) worst = { ...worst, ratio, at: `${g.name} ${what}` };
    }
    worst.checked++;
    if (g.name.startsWith("r_g[7,")) worst.oneRowGroup++;
  }
  return worst;
}

/** The draws' kurtosis m₄/m₂² (3 for normal draws). */
function kurtosis(x: Float64Array): number {
  const mean = x.reduce((a, v) => a + v, 0) / x.length;
  let m2 = 0;
  let m4 = 0;
  for (const v of x) {
    const d2 = (v - mean) ** 2;
    m2 += d2;
    m4 += d2 * d2;
  }
  return (m4 / x.length) / (m2 / x.length) ** 2;
}

/**
 * K combined standard errors. Means: z = Δ / √(mcse₁² + mcse₂²), mcse = sd/√ESS_bulk. Sds:
 * se(sd) ≈ sd·√((κ − 1)/(4 ESS)), κ the draws' kurtosis (the delta method on the variance:
 * sd/√(2 ESS) for normal draws), inflated 1.5× because ESS_bulk over many short GPU chains
 * overstates the ESS of the squared deviations. The kurtosis matters for the one-row group's
 * effects, whose draws are a scale mixture over the term's sd (heavy-tailed): with the normal
 * formula, the CPU's sd of r_g[7,treata] (gaussian) ranged 0.40–0.59 over seeds 1–16 around
 * 0.46 (4 × 10,000 draws), several times the normal formula's standard error. With ~14 parameters × 2 statistics ×
 * 5 models ≈ 140 comparisons, K = 4.5 (two-sided normal tail 6.8e-6 each) keeps the family-wise
 * false-alarm rate near 1e-3 for correct samplers, while a bias of ~5 MCSE still fails.
 */
const K = 4.5;

const CASES: { family: Family; treatment: Treatment }[] = [
  { family: "gaussian", treatment: "factor" },
  { family: "bernoulli", treatment: "binary" },
  { family: "poisson", treatment: "dose" },
  { family: "cumulative", treatment: "binary" },
  { family: "negbinomial", treatment: "binary" },
];

// GPU: 16 chains × 20 draws after 120 warmup (ESS_bulk ≈ 110–400, so the tolerance is about
// 4.5 / √200 ≈ 0.3 posterior sds); CPU: 2 chains × 500 draws. The whole file runs in ~30 s on
// lavapipe.

for (const { family, treatment } of CASES) {
  gpuTest(
    `${family}, ${treatment} treatment, (1 + treat | g): WebGPU and CPU posteriors agree`,
    async () => {
      const table = parityTable(
        family === "bernoulli" || family === "cumulative" ? 400 : 200,
        family,
        treatment,
        3,
      );
      const spec = formula("y ~ 1 + treat + x + (1 + treat | g)", table, { family }).toJSON();
      const gpu = await fitModel(spec, table, {
        backend: "webgpu",
        chains: 16,
        warmup: 120,
        draws: 20,
        seed: 5,
        progress: false,
      });
      assert.equal(gpu.info.backend, "webgpu");
      const cpu = await fitModel(spec, table, {
        backend: "cpu",
        chains: 2,
        warmup: 300,
        draws: 500,
        seed: 5,
        progress: false,
      });
      const w = worstRatio(gpu, cpu);
      assert.ok(w.checked >= 12, `only ${w.checked} parameters compared`);
      assert.ok(w.oneRowGroup >= 2, "the one-row group's r_ were not compared");
      assert.ok(w.ratio < 1, `${w.at}: |Δ| = ${w.ratio.toFixed(2)} × tolerance`);
    },
  );
}
