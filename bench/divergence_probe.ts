/**
 * Where a divergence of the crossed Gaussian bench (bench/crossed_defaults.ts, collapsed target)
 * gets its energy: samples the collapsed target as the bench does (4 × (1000 + 1000), adapt_delta
 * 0.8, the bench's seed), then from the draw before each divergent transition runs plain leapfrog
 * trajectories (≤ 64 steps, random momenta and direction, the chain's adapted ε and diagonal
 * metric) and counts those whose energy error exceeds 1,000, by the coordinate holding most of
 * the kinetic energy then. Prints; writes nothing; not a test.
 *
 *   deno run -A bench/divergence_probe.ts --seed 7 --rows 100000 --trials 1000
 */
import { formula } from "../lib/spec/formula.ts";
import { compileModel } from "../lib/model/compile.ts";
import { collapsedTargetFromData } from "../lib/model/collapsed_target.ts";
import { CpuBackend } from "../lib/sampler/cpu_backend.ts";
import { CROSSED_FORMULA, crossedTable } from "./cpu_models.ts";
import { seeded } from "../tests/_seeded.ts";

const arg = (name: string, fallback: number) => {
  const at = Deno.args.indexOf(name);
  return at >= 0 ? Number(Deno.args[at + 1]) : fallback;
};
const seed = arg("--seed", 7);
const rows = arg("--rows", 100000);
const trials = arg("--trials", 1000);
const table = crossedTable(rows, "gaussian", seed);
const data = compileModel(formula(CROSSED_FORMULA, table, { family: "gaussian" }).toJSON(), table);
const target = collapsedTargetFromData(data);
const dim = target.dim;
console.log("layout", JSON.stringify(target.layout));
const chains = await new CpuBackend().sample(target, {
  chains: 4,
  warmup: 1000,
  draws: 1000,
  seed,
  adaptDelta: 0.8,
  maxTreedepth: 10,
  metric: "diag",
  warmupStart: "laplace",
});
const u = seeded(seed);
const gauss = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
const g = new Float64Array(dim);
chains.forEach((chain, c) => {
  const eps = chain.adaptedStepSize;
  const inv = chain.inverseMetric;
  chain.divergent.forEach((divergent, d) => {
    if (!divergent || d === 0) return;
    const start = chain.theta.slice((d - 1) * dim, d * dim);
    console.log(`chain ${c}, draw ${d + 1} (ε ${eps.toFixed(3)}), from`, start.join(" "));
    const byCoordinate = new Array(dim).fill(0);
    for (let trial = 0; trial < trials; trial++) {
      const q = Float64Array.from(start);
      const p = Float64Array.from({ length: dim }, (_, i) => gauss() / Math.sqrt(inv[i]));
      const kinetic = () => p.reduce((s, v, i) => s + 0.5 * v * v * inv[i], 0);
      let lp = target.logDensityGradient(q, g);
      const h0 = kinetic() - lp;
      const step = u() < 0.5 ? -eps : eps;
      for (let s = 0; s < 64; s++) {
        for (let i = 0; i < dim; i++) p[i] += 0.5 * step * g[i];
        for (let i = 0; i < dim; i++) q[i] += step * inv[i] * p[i];
        lp = target.logDensityGradient(q, g);
        for (let i = 0; i < dim; i++) p[i] += 0.5 * step * g[i];
        if (kinetic() - lp - h0 < 1000) continue;
        const energies = Array.from(p, (v, i) => 0.5 * v * v * inv[i]);
        byCoordinate[energies.indexOf(Math.max(...energies))]++;
        break;
      }
    }
    const total = byCoordinate.reduce((a, b) => a + b, 0);
    console.log(`  ${total} of ${trials} diverge; by coordinate:`, byCoordinate.join(" "));
  });
});
