/** Generated models shared by the WebGPU tests and bench/webgpu.ts. */
import { compileModel } from "../../lib/model/compile.ts";
import type { CompiledData } from "../../lib/model/compiled_data.ts";
import { numericTable, seeded, treatSlopeSpec } from "../model/_fixtures.ts";

/**
 * y ~ 1 + x1 + x2 + treat + (1 + treat | g), rows with continuous covariates (no compression);
 * bernoulli, or with `family: "gaussian"` y = η + N(0, 1) noise (Gaussian cell statistics).
 */
export function continuousBernoulli(
  rows: number,
  groups: number,
  seed: number,
  options: { skewed?: boolean; family?: "bernoulli" | "gaussian" } = {},
): CompiledData {
  const u = seeded(seed);
  const x1 = new Float64Array(rows);
  const x2 = new Float64Array(rows);
  const treat = new Float64Array(rows);
  const g = new Float64Array(rows);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    x1[i] = 2 * u() - 1;
    x2[i] = u() * u();
    treat[i] = u() < 0.5 ? 1 : 0;
    // Group 0 holds most rows, so one cell has more than 65,535 patterns.
    g[i] = options.skewed === false
      ? Math.floor(u() * groups)
      : u() < 0.6
      ? 0
      : 1 + Math.floor(u() * (groups - 1));
    const eta = -0.3 + 0.8 * x1[i] - 0.5 * x2[i] + treat[i] * (0.4 + 0.1 * (g[i] % 3));
    y[i] = options.family === "gaussian"
      ? eta + Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u())
      : u() < 1 / (1 + Math.exp(-eta))
      ? 1
      : 0;
  }
  const table = numericTable({ y, x1, x2, treat, g });
  const spec = {
    ...treatSlopeSpec(["x1", "x2", "treat"], 1),
    family: options.family ?? "bernoulli",
  };

  return compileModel(spec, table);
}

/**
 * {@link continuousBernoulli} data with the second Â column replaced by the (centred) treat
 * design column, so the GPU row texture aliases the two (layout.ts).
 */
export function aliased(data: CompiledData): CompiledData {
  if (data.stats.kind !== "patterns") throw new Error("expected patterns");
  const s = data.stats;
  const wA = Float64Array.from(s.wA);
  for (let p = 0; p < s.nPatterns; p++) wA[p * 2 + 1] = s.w[p * 4 + 3];
  return { ...data, stats: { ...s, wA } };
}
