/**
 * Where the Bush & Prather appendix model's collapsed target (bench/cpu_models.ts) makes NUTS
 * take short steps and long trajectories: samples it as a fit does (4 × (1000 + 1000),
 * adapt_delta 0.95, the given metric), then prints the leapfrog steps per draw, each sampled
 * coordinate's posterior sd, skewness and excess kurtosis, the quantiles of its curvature
 * whitened by the adapted diagonal metric (−∂²log p/∂x_i² · M⁻¹_ii), and of the largest and
 * smallest eigenvalues of the whitened Hessian at 200 draws with the coordinates their
 * eigenvectors load on. Hessians by central differences of the gradient. Prints; not a test.
 *
 *   deno run -A bench/collapsed_geometry.ts --seed 1 --metric diag
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { loadBushPrather } from "../lib/data/datasets/bush_prather.ts";
import { compileModel } from "../lib/model/compile.ts";
import { CollapsedGaussian } from "../lib/model/collapsed_gaussian.ts";
import { CpuBackend } from "../lib/sampler/cpu_backend.ts";
import { bushPratherAppendixModel } from "./cpu_models.ts";
import { PAPER_SAMPLER } from "../lib/spec/paper_models.ts";

const arg = (name: string, fallback: string) => {
  const at = Deno.args.indexOf(name);
  return at >= 0 ? Deno.args[at + 1] : fallback;
};
const seed = Number(arg("--seed", "1"));
const metric = arg("--metric", "diag") as "diag" | "dense";
const table = await loadBushPrather();
const data = compileModel(bushPratherAppendixModel(table).toJSON(), table);
const target = new CollapsedGaussian(data);
const dim = target.dim;
// The paper's sampler settings (4 × (1000 + 1000), adapt_delta 0.95), as a fit runs them.
const settings = {
  ...PAPER_SAMPLER,
  seed,
  maxTreedepth: 10,
  metric,
  warmupStart: "laplace" as const,
};
const chains = await new CpuBackend().sample(target, settings);
const sum = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
};
const steps = chains.reduce((s, c) => s + sum(c.nLeapfrog), 0);
console.log(
  `layout ${JSON.stringify(target.layout)}\nsteps per draw ${(steps / 4000).toFixed(2)}, ` +
    `warmup steps ${chains.reduce((s, c) => s + (c.warmupLeapfrog ?? 0), 0)}, step sizes ` +
    chains.map((c) => c.adaptedStepSize.toFixed(3)).join(" "),
);
const draws = (i: number) =>
  chains.flatMap((c) => Array.from({ length: 1000 }, (_, d) => c.theta[d * dim + i]));
const variance = new Float64Array(dim);
for (let i = 0; i < dim; i++) {
  const x = draws(i);
  const m = sum(x) / x.length;
  const moment = (p: number) => x.reduce((s, v) => s + (v - m) ** p, 0) / x.length;
  variance[i] = moment(2);
  const skew = moment(3) / variance[i] ** 1.5;
  const kurt = moment(4) / variance[i] ** 2 - 3;
  console.log(
    `φ[${i}] mean ${m.toFixed(3)} sd ${Math.sqrt(variance[i]).toFixed(3)} skew ${
      skew.toFixed(2)
    } excess kurtosis ${kurt.toFixed(2)}`,
  );
}
const g0 = new Float64Array(dim);
const g1 = new Float64Array(dim);
const diagonal: number[][] = Array.from({ length: dim }, () => []);
const largest: number[] = [];
const smallest: number[] = [];
const loadLargest = new Float64Array(dim);
const loadSmallest = new Float64Array(dim);
const points = 200;
for (let k = 0; k < points; k++) {
  const c = chains[k % 4];
  const d = Math.floor(k / 4) * 20;
  const q = c.theta.slice(d * dim, (d + 1) * dim);
  const H = Matrix.zeros(dim, dim);
  for (let j = 0; j < dim; j++) {
    const h = 1e-5 * Math.sqrt(variance[j]);
    q[j] += h;
    target.logDensityGradient(q, g0);
    q[j] -= 2 * h;
    target.logDensityGradient(q, g1);
    q[j] += h;
    for (let i = 0; i < dim; i++) {
      H.set(i, j, -(g0[i] - g1[i]) / (2 * h) * Math.sqrt(variance[i] * variance[j]));
    }
  }
  const Hs = H.add(H.transpose()).mul(0.5);
  for (let i = 0; i < dim; i++) diagonal[i].push(Hs.get(i, i));
  const e = new EigenvalueDecomposition(Hs, { assumeSymmetric: true });
  const values = e.realEigenvalues;
  const hi = values.indexOf(Math.max(...values));
  const lo = values.indexOf(Math.min(...values));
  largest.push(values[hi]);
  smallest.push(values[lo]);
  for (let i = 0; i < dim; i++) {
    loadLargest[i] += e.eigenvectorMatrix.get(i, hi) ** 2 / points;
    loadSmallest[i] += e.eigenvectorMatrix.get(i, lo) ** 2 / points;
  }
}
const quantiles = (a: number[], ps: number[]) => {
  const s = a.slice().sort((x, y) => x - y);
  return ps.map((p) => s[Math.floor(p * (s.length - 1))].toFixed(2)).join(" ");
};
diagonal.forEach((a, i) =>
  console.log(
    `φ[${i}] whitened curvature, quantiles .01 .1 .5 .9 .99: ${
      quantiles(a, [0.01, 0.1, 0.5, 0.9, 0.99])
    }`,
  )
);
console.log(
  `largest eigenvalue, quantiles .1 .5 .9 .99: ${quantiles(largest, [0.1, 0.5, 0.9, 0.99])}`,
);
console.log(
  `smallest eigenvalue, quantiles .01 .1 .5 .9: ${quantiles(smallest, [0.01, 0.1, 0.5, 0.9])}`,
);
console.log(
  `largest's eigenvector, mean squared loadings: ${
    Array.from(loadLargest, (v) => v.toFixed(2)).join(" ")
  }`,
);
console.log(
  `smallest's eigenvector, mean squared loadings: ${
    Array.from(loadSmallest, (v) => v.toFixed(2)).join(" ")
  }`,
);
