/**
 * The WebGPU backend's Laplace start: climb to near the mode with L-BFGS on the CPU
 * (lib/sampler/laplace_metric.ts) from every varying effect at its prior mean 0
 * (`target.climbStart`: from uniform(−2, 2) effects the climb drives the group sds toward 0 and
 * stalls), let `target.refineStart` apply the empirical-Bayes start, take the remaining diagonal
 * curvature by finite differences batched across the GPU chains, and start every chain at a draw
 * from that diagonal Laplace approximation.
 *
 * @module
 */
import type { SamplerTarget } from "../sampler/backend.ts";
import { climbAndRefine } from "../sampler/laplace_metric.ts";
import { KeyedStream, Streams } from "../math/rng.ts";
import type { LockstepHmc } from "./lockstep_hmc.ts";

/**
 * The Laplace start on the GPU chains of `hmc`: the point of climbAndRefine(target, starts[0]);
 * diagonal curvature (where the refinement left it) by one-sided differences of the gradient,
 * `chains` coordinates per GPU evaluation; each chain moved to mode + √(inverse)·z (z from the
 * chain's init stream, iteration 100), or to the mode where that draw is not finite, or kept at
 * its start where neither is. Returns the inverse metric (1 / curvature clamped to [1e-4, 1],
 * 1 where the curvature is not negative).
 *
 * @example
 * ```ts ignore
 * const inverse = await laplaceStartGpu(hmc, target, starts, seed);
 * hmc.setInverseMetric(inverse);
 * ```
 */
export async function laplaceStartGpu(
  hmc: LockstepHmc,
  target: SamplerTarget,
  starts: Float64Array[],
  seed: number,
): Promise<Float64Array> {
  const { chains, dim } = hmc;
  const { mode, known } = climbAndRefine(target, starts[0]);
  const g0 = new Float64Array(dim);
  if (!Number.isFinite(target.logDensityGradient(mode, g0))) return new Float64Array(dim).fill(1);
  const inverse = new Float64Array(dim).fill(1);
  // Coordinates refineStart did not set, `chains` of them per GPU evaluation.
  const todo: number[] = [];
  for (let i = 0; i < dim; i++) {
    const v = known?.[i] ?? NaN;
    if (Number.isNaN(v)) todo.push(i);
    else inverse[i] = v;
  }
  for (let first = 0; first < todo.length; first += chains) {
    const points = Array.from({ length: chains }, (_, c) => {
      const p = Float64Array.from(mode);
      const i = todo[first + c];
      if (i !== undefined) p[i] += 1e-3 * Math.max(1, Math.abs(mode[i]));
      return p;
    });
    const { grad } = await hmc.model.evaluate(points);
    for (let c = 0; c < chains && first + c < todo.length; c++) {
      const i = todo[first + c];
      const h = points[c][i] - mode[i];
      const curvature = -(grad[c][i] - g0[i]) / h;
      if (curvature > 0 && Number.isFinite(curvature)) {
        inverse[i] = Math.min(1, Math.max(1e-4, 1 / curvature));
      }
    }
  }
  const draws = starts.map((_, c) => {
    const rng = new KeyedStream(seed, c, 100, Streams.init);
    return Float64Array.from(mode, (m, i) => m + Math.sqrt(inverse[i]) * rng.normal());
  });
  const lpDraws = await hmc.initialize(draws);
  if (lpDraws.every(Number.isFinite)) return inverse;
  const lpMode = (await hmc.initialize(starts.map(() => mode)))[0];
  const keep = draws.map((p, c) =>
    Number.isFinite(lpDraws[c]) ? p : Number.isFinite(lpMode) ? mode : starts[c]
  );
  await hmc.initialize(keep);
  return inverse;
}
