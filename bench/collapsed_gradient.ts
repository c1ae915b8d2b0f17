/**
 * Microbenchmark of the collapsed crossed Gaussian gradient (issue 20): the Bush & Prather
 * appendix model's collapsed target (bench/cpu_models.ts), µs per logDensityGradient call at a
 * fixed point, min over many repeats once compiled, and the mean over the first 5,000 calls of a
 * fresh process (run with `nice`; the numbers depend on the machine's load).
 *
 *   deno run -A bench/collapsed_gradient.ts
 *   deno run -A bench/collapsed_gradient.ts --parts            (also the gradient's parts)
 *   deno run -A bench/collapsed_gradient.ts --against ../main  (alternates with another checkout)
 *
 * `--parts` times each part of one gradient on its own, min µs per call: the collapsed target's
 * factor step (the terms' Σ⁻¹ with priors and Jacobians, then P assembled and factored, the
 * solve for μ and log |P|), within it P's assembly and Cholesky and the solve (with the
 * permutation in and out), then the inverse's level blocks, the data quadratic form and the
 * terms' backward steps (Σ⁻¹'s gradient), and the rest of the gradient by difference.
 * `--against DIR` builds the same target from DIR's modules in the same process and alternates
 * the timed repeats between the two, so that both see the same load.
 */
import { loadBushPrather } from "../lib/data/datasets/bush_prather.ts";
import { compileModel } from "../lib/model/compile.ts";
import { collapsedTargetFromData } from "../lib/model/collapsed_target.ts";
import type { CompiledData } from "../lib/model/compiled_data.ts";
import type { CollapsedTarget } from "../lib/model/collapsed_draws.ts";
import type { CoefficientPrecision } from "../lib/model/coefficient_precision.ts";
import {
  type LevelCovarianceLayout,
  type LevelCovarianceWork,
  levelPrecisionBackward,
  levelPrecisionForward,
} from "../lib/model/level_covariance.ts";
import { bushPratherAppendixModel } from "./cpu_models.ts";

const at = Deno.args.indexOf("--against");
const against = at >= 0 ? Deno.args[at + 1] : null;

/** The Bush & Prather collapsed target built from the modules under `root` (a file URL). */
async function targetFrom(root: string): Promise<{ target: CollapsedTarget; data: CompiledData }> {
  const { loadBushPrather } = await import(`${root}lib/data/datasets/bush_prather.ts`);
  const { compileModel } = await import(`${root}lib/model/compile.ts`);
  const { collapsedTargetFromData } = await import(`${root}lib/model/collapsed_target.ts`);
  const { bushPratherAppendixModel } = await import(`${root}bench/cpu_models.ts`);
  const table = await loadBushPrather();
  const data = compileModel(bushPratherAppendixModel(table).toJSON(), table);
  return { target: collapsedTargetFromData(data), data };
}

const table = await loadBushPrather();
const data = compileModel(bushPratherAppendixModel(table).toJSON(), table);
const target = collapsedTargetFromData(data);
const other = against ? (await targetFrom(`file://${await Deno.realPath(against)}/`)).target : null;
const phi = Float64Array.from({ length: target.dim }, (_, i) => 0.1 * Math.sin(i + 1) - 0.3);
const gradient = new Float64Array(target.dim);
let sink = 0;
// Cold: the first 5,000 calls in a fresh process (V8 still compiling, as in a worker's first chain).
const t0 = performance.now();
for (let i = 0; i < 5000; i++) sink += target.logDensityGradient(phi, gradient);
const cold = (performance.now() - t0) * 1000 / 5000;

/** Min µs per call of each function over `reps` alternating repeats of `calls` calls. */
function minMicros(fns: (() => void)[], reps = 200, calls = 300): number[] {
  for (const f of fns) for (let i = 0; i < 20000; i++) f();
  const best = fns.map(() => Infinity);
  for (let rep = 0; rep < reps; rep++) {
    fns.forEach((f, k) => {
      const start = performance.now();
      for (let i = 0; i < calls; i++) f();
      best[k] = Math.min(best[k], (performance.now() - start) * 1000 / calls);
    });
  }
  return best.map((b) => +b.toFixed(2));
}

const gradientOf = (t: CollapsedTarget) => () => {
  sink += t.logDensityGradient(phi, gradient);
};
const [best, bestOther] = minMicros(
  other ? [gradientOf(target), gradientOf(other)] : [
    gradientOf(target),
  ],
);
const dimGamma = (target as unknown as { gammaDim?: number }).gammaDim;
console.log(
  JSON.stringify({
    dim_phi: target.dim,
    dim_gamma: dimGamma,
    us_per_gradient: best,
    ...(other ? { us_per_gradient_against: bestOther, against } : {}),
    us_per_gradient_first_5000: +cold.toFixed(2),
    sink: Number.isFinite(sink),
  }),
);

if (Deno.args.includes("--parts")) {
  // The target's internals (private fields of CollapsedGaussian), read for timing only.
  const inside = target as unknown as {
    factor(phi: Float64Array, gradient: Float64Array | null): boolean;
    precision: CoefficientPrecision;
    termPrecisions: Float64Array[];
    termBlocks: Float64Array[];
    betaVariance: Float64Array;
    mu: Float64Array;
    v: Float64Array;
    work: LevelCovarianceWork[];
    layout: { terms: LevelCovarianceLayout[] };
  };
  const P = inside.precision;
  const invVar = Math.exp(-0.2);
  const c = new Float64Array(P.dim);
  target.logDensityGradient(phi, gradient);
  const terms = inside.layout.terms;
  const parts: Record<string, () => void> = {
    factor_step: () => {
      gradient.fill(0);
      sink += inside.factor(phi, gradient) ? 1 : 0;
    },
    assemble_and_cholesky: () => {
      sink += P.factor(invVar, inside.termPrecisions) ? 1 : 0;
    },
    solve: () => {
      c.set(inside.v);
      sink += P.solve(c);
    },
    inverse_blocks: () => P.inverseBlocks(inside.betaVariance, inside.termBlocks),
    data_quadratic_form: () => {
      sink += P.dataQuadraticForm(inside.mu);
    },
    terms_forward: () => {
      for (let t = 0; t < terms.length; t++) {
        sink += levelPrecisionForward(phi, terms[t], data.terms[t], inside.work[t], gradient);
      }
    },
    terms_backward: () => {
      for (let t = 0; t < terms.length; t++) {
        levelPrecisionBackward(phi, terms[t], data.terms[t], inside.work[t], gradient);
      }
    },
  };
  const names = Object.keys(parts);
  const times = minMicros(names.map((n) => parts[n]), 100);
  const part = Object.fromEntries(names.map((n, k) => [n, times[k]]));
  const rest = best - part.factor_step - part.inverse_blocks - part.data_quadratic_form -
    part.terms_backward;
  console.log(JSON.stringify({ ...part, rest_of_gradient: +rest.toFixed(2) }));
}
