/**
 * The CPU backend on known targets: moments within Monte Carlo error, adaptation, divergences,
 * determinism, tree depth, option checks, initial points, progress and cancellation.
 *
 * Also covers: backend.ts (SampleOptions, ChainDraws), chain_runner.ts (each chain's warmup
 * and sampling), sample_options.ts (every option check names the option and its value).
 */
import assert from "node:assert/strict";
import { HetfxError } from "../../lib/errors.ts";
import type { ChainDraws, SampleOptions, SampleProgress } from "../../lib/sampler/backend.ts";
import { CpuBackend } from "../../lib/sampler/cpu_backend.ts";
import { column, ess, mapChains, mean, variance } from "./fixtures/stats.ts";
import { correlatedGaussian, funnelTarget, gaussianTarget } from "./fixtures/targets.ts";

const base: SampleOptions = {
  chains: 4,
  warmup: 1000,
  draws: 1000,
  seed: 20240601,
  adaptDelta: 0.8,
  maxTreedepth: 10,
  metric: "diag",
  warmupStart: "stan" as const,
};
const backend = new CpuBackend();

/**
 * Checks mean and variance of coordinate j against the truth with z-scores on Monte Carlo
 * standard errors: MCSE(mean) = sd/√ESS(x); MCSE(var) = sd((x−m)²)/√ESS((x−m)²). Under the CLT
 * each |z| exceeds `z` with probability 2Φ(−z) (z = 4: 6.3e-5; z = 4.5: 6.8e-6).
 */
function checkMoments(
  chains: ChainDraws[],
  dim: number,
  j: number,
  trueVar: number,
  z: number,
): number {
  const x = column(chains, dim, j);
  const m = mean(x);
  const v = variance(x);
  const essMean = ess(x);
  const mcseMean = Math.sqrt(v / essMean);
  assert.ok(Math.abs(m) < z * mcseMean, `coord ${j}: mean ${m}, mcse ${mcseMean}`);
  const sq = mapChains(x, (t) => (t - m) ** 2);
  const mcseVar = Math.sqrt(variance(sq) / ess(sq));
  assert.ok(Math.abs(v - trueVar) < z * mcseVar, `coord ${j}: var ${v} vs ${trueVar}`);
  return essMean;
}

function meanAccept(chains: ChainDraws[]): number {
  return mean(chains.map((c) => c.acceptStat));
}

Deno.test("10-d iid standard normal: means within 4 MCSE, variances near 1, acceptance ≈ δ", async () => {
  const dim = 10;
  const chains = await backend.sample(gaussianTarget(new Array(dim).fill(1)), base);
  assert.equal(chains.length, 4);
  for (const c of chains) {
    assert.equal(c.theta.length, base.draws * dim);
    assert.equal(c.inverseMetric.length, dim);
    assert.ok(c.stepSize.every((e) => e === c.adaptedStepSize));
  }
  // 20 z-checks at 4 MCSE: family-wise failure ≈ 20 × 6.3e-5 = 1.3e-3 for a random seed.
  for (let j = 0; j < dim; j++) checkMoments(chains, dim, j, 1, 4);
  // Acceptance: dual averaging drives the warmup mean accept stat to δ; sampling uses exp(x̄)
  // (the average of log ε), which is smaller than the last iterates, so the realised rate is
  // above δ by a few hundredths, as in Stan. The MC error of the mean of 4000 accept stats is
  // < 0.005, so the band [δ − 0.03, δ + 0.1] is about systematic bias, not noise.
  const acc = meanAccept(chains);
  assert.ok(acc > 0.77 && acc < 0.9, `mean accept ${acc}`);
});

Deno.test("each chain times its own warmup and sampling, within the call's wall time", async () => {
  const started = performance.now();
  const chains = await backend.sample(gaussianTarget(new Array(5).fill(1)), {
    ...base,
    chains: 2,
    warmup: 100,
    draws: 100,
  });
  const wall = (performance.now() - started) / 1000;
  for (const c of chains) {
    const w = c.warmupSeconds ?? NaN, s = c.samplingSeconds ?? NaN;
    // Both phases ran (≥ 100 gradient evaluations each), and one chain's two phases are disjoint
    // parts of the call, so together they fit inside it.
    assert.ok(w > 0 && s > 0, `warmup ${w} s, sampling ${s} s`);
    assert.ok(w + s <= wall, `warmup ${w} s + sampling ${s} s > wall ${wall} s`);
    const start = c.startSeconds ?? NaN;
    assert.ok(start >= 0 && start <= w, `start ${start} s of warmup ${w} s`);
  }
});

Deno.test("adapted acceptance tracks a high adaptDelta (0.95)", async () => {
  const chains = await backend.sample(gaussianTarget(new Array(10).fill(1)), {
    ...base,
    chains: 2,
    adaptDelta: 0.95,
  });
  const acc = meanAccept(chains);
  // Same band reasoning as above, capped at 1: [0.92, 0.995].
  assert.ok(acc > 0.92 && acc < 0.995, `mean accept ${acc}`);
});

Deno.test("2-d Gaussian with ρ = 0.9, dense metric: covariance recovered", async () => {
  const rho = 0.9;
  const chains = await backend.sample(correlatedGaussian(rho), { ...base, metric: "dense" });
  const e0 = checkMoments(chains, 2, 0, 1, 4.5);
  const e1 = checkMoments(chains, 2, 1, 1, 4.5);
  const x = column(chains, 2, 0), y = column(chains, 2, 1);
  const mx = mean(x), my = mean(y);
  let sxy = 0, n = 0;
  for (let c = 0; c < x.length; c++) {
    for (let d = 0; d < x[c].length; d++) (sxy += (x[c][d] - mx) * (y[c][d] - my), n++);
  }
  const r = sxy / (n - 1) / Math.sqrt(variance(x) * variance(y));
  // sd(r) ≈ (1 − ρ²)/√ESS; 5 sd (two-sided failure ≈ 6e-7).
  const sdR = (1 - rho * rho) / Math.sqrt(Math.min(e0, e1));
  assert.ok(Math.abs(r - rho) < 5 * sdR, `correlation ${r} (sd ${sdR})`);
  // The adapted dense metric is the covariance estimated from 500 draws, shrunk by n/(n+5):
  // its correlation is within ~0.02 of ρ; allow 0.07.
  for (const c of chains) {
    assert.equal(c.inverseMetric.length, 4);
    const m = c.inverseMetric;
    const corr = m[1] / Math.sqrt(m[0] * m[3]);
    assert.ok(Math.abs(corr - rho) < 0.07, `metric correlation ${corr}`);
    assert.equal(m[1], m[2]);
  }
});

Deno.test("100-d Gaussian with scales 0.01…100: diagonal adaptation makes it work", async () => {
  const dim = 100;
  const scales = Array.from({ length: dim }, (_, i) => 10 ** (-2 + (4 * i) / (dim - 1)));
  const chains = await backend.sample(gaussianTarget(scales), { ...base, chains: 2 });
  // 200 z-checks at 4.5 MCSE: family-wise failure ≈ 200 × 6.8e-6 = 1.4e-3 for a random seed.
  let minEss = Infinity;
  for (let j = 0; j < dim; j++) {
    minEss = Math.min(minEss, checkMoments(chains, dim, j, scales[j] ** 2, 4.5));
  }
  // With the metric learned, the problem is a standard normal: NUTS gets ESS ≳ N for the means.
  assert.ok(minEss > 500, `min ESS ${minEss} of 2000 draws`);
  for (const c of chains) {
    // Every warmup transition takes at least one leapfrog step, and (a tree depth of at most 10)
    // at most 1023.
    const w = c.warmupLeapfrog ?? 0;
    assert.ok(w >= base.warmup && w <= 1023 * base.warmup, `warmup leapfrog steps ${w}`);
    // Stan's step size for a 100-d standard normal at δ = 0.8 is about 0.4–0.6.
    assert.ok(c.adaptedStepSize > 0.2 && c.adaptedStepSize < 1, `step ${c.adaptedStepSize}`);
    // The last window has 500 draws (ESS of x² ≳ 150 ⇒ relative sd of a variance ≲ 0.12):
    // every learned variance is within a factor 2 of the truth (≥ 4 sd).
    for (let j = 0; j < dim; j++) {
      const ratio = c.inverseMetric[j] / scales[j] ** 2;
      assert.ok(ratio > 0.5 && ratio < 2, `metric ratio ${ratio} at ${j}`);
    }
  }
});

Deno.test("centred 10-d Neal's funnel with small adaptDelta produces divergences", async () => {
  const chains = await backend.sample(funnelTarget(10), { ...base, adaptDelta: 0.6 });
  const sampling = chains.reduce((a, c) => a + c.divergent.reduce((s, d) => s + d, 0), 0);
  const warmup = chains.reduce((a, c) => a + c.warmupDivergences, 0);
  assert.ok(sampling > 0, "no post-warmup divergences flagged");
  assert.ok(warmup > 0, "no warmup divergences counted");
  for (const c of chains) assert.ok(c.divergent.every((d) => d === 0 || d === 1));
});

function bytes(a: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }) {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

Deno.test("same seed → byte-identical draws; different seed → different draws", async () => {
  const target = gaussianTarget([1, 2, 0.5]);
  const opts = { ...base, chains: 2, warmup: 150, draws: 100 };
  const a = await backend.sample(target, opts);
  const b = await backend.sample(target, opts);
  const c = await backend.sample(target, { ...opts, seed: opts.seed + 1 });
  for (let k = 0; k < 2; k++) {
    assert.deepEqual(bytes(a[k].theta), bytes(b[k].theta));
    assert.deepEqual(bytes(a[k].energy), bytes(b[k].energy));
    assert.deepEqual(a[k].treeDepth, b[k].treeDepth);
    assert.equal(a[k].adaptedStepSize, b[k].adaptedStepSize);
    assert.notDeepEqual(bytes(a[k].theta), bytes(c[k].theta));
  }
  assert.notDeepEqual(bytes(a[0].theta), bytes(a[1].theta));
});

Deno.test("maxTreedepth is respected and hit when the step size is tiny", async () => {
  const scales = Array.from({ length: 20 }, (_, i) => 10 ** (-2 + (4 * i) / 19));
  const chains = await backend.sample(gaussianTarget(scales), {
    ...base,
    chains: 1,
    warmup: 0,
    draws: 50,
    maxTreedepth: 3,
  });
  const depth = chains[0].treeDepth;
  assert.ok(depth.every((d) => d <= 3));
  assert.ok(chains[0].nLeapfrog.every((n) => n <= 7));
  assert.ok(depth.some((d) => d === 3));
});

Deno.test("option validation names the option and its value", async () => {
  // One rule per option, shared with fit() (lib/sampler/sample_options.ts).
  const cases: [Partial<SampleOptions>, RegExp][] = [
    [{ chains: 0 }, /Cannot sample: option chains = 0 must be a whole number ≥ 1/],
    [{ chains: 1.5 }, /option chains = 1\.5 must/],
    [{ warmup: -1 }, /option warmup = -1 must be a whole number ≥ 0/],
    [{ draws: 0 }, /option draws = 0 must/],
    [{ adaptDelta: 1 }, /option adaptDelta = 1 must lie strictly between 0 and 1/],
    [{ adaptDelta: 0 }, /option adaptDelta = 0 must/],
    [{ maxTreedepth: 0 }, /option maxTreedepth = 0 must/],
    [{ seed: 0.5 }, /option seed = 0\.5 must be a whole number/],
    [{ seed: 2 ** 60 }, /option seed = 1152921504606847000 must be a whole number/],
    [{ metric: "full" as "diag" }, /option metric = "full" must be "diag" or "dense"/],
    [{ warmupStart: "uniform" as "stan" }, /option warmupStart = "uniform" must be/],
  ];
  for (const [patch, message] of cases) {
    await assert.rejects(
      backend.sample(gaussianTarget([1]), { ...base, ...patch }),
      (e: unknown) => e instanceof HetfxError && message.test(e.message),
      JSON.stringify(patch),
    );
  }
});

Deno.test("no finite initial point → HetfxError after 100 tries", async () => {
  let calls = 0;
  const bad = {
    dim: 2,
    logDensityGradient: () => (calls++, -Infinity),
  };
  await assert.rejects(
    backend.sample(bad, { ...base, chains: 1 }),
    (e: unknown) =>
      e instanceof HetfxError &&
      e.message ===
        "could not find a finite initial point after 100 tries; check priors and data",
  );
  assert.equal(calls, 100);
});

Deno.test("initialPoint is used when given; a non-finite gradient triggers a retry", async () => {
  const inner = gaussianTarget([1]);
  let tries = 0;
  const target = {
    dim: 1,
    initialPoint(uniform: () => number, theta: Float64Array) {
      tries++;
      theta[0] = tries === 1 ? 1e6 : 0.25 + 0 * uniform();
    },
    logDensityGradient(theta: Float64Array, gradient: Float64Array) {
      const lp = inner.logDensityGradient(theta, gradient);
      if (theta[0] > 1e5) gradient[0] = NaN;
      return lp;
    },
  };
  const chains = await backend.sample(target, { ...base, chains: 1, warmup: 10, draws: 5 });
  assert.equal(tries, 2);
  assert.equal(chains[0].theta.length, 5);
});

Deno.test("progress is reported and abort stops sampling with 'sampling cancelled'", async () => {
  const seen: SampleProgress[] = [];
  const opts = { ...base, chains: 2, warmup: 100, draws: 100 };
  await backend.sample(gaussianTarget([1, 1]), { ...opts, onProgress: (p) => seen.push(p) });
  assert.equal(seen.at(-1)!.done, 400);
  assert.equal(seen.at(-1)!.total, 400);
  assert.equal(seen.at(-1)!.phase, "sampling");
  assert.equal(seen[0].phase, "warmup");
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i].done > seen[i - 1].done);

  const controller = new AbortController();
  let last = 0;
  setTimeout(() => controller.abort(), 0);
  await assert.rejects(
    backend.sample(gaussianTarget([1, 1]), {
      ...opts,
      warmup: 100_000,
      signal: controller.signal,
      onProgress: (p) => (last = p.done),
    }),
    (e: unknown) => e instanceof HetfxError && e.message === "sampling cancelled",
  );
  assert.ok(last <= 200, `cancelled late: ${last} iterations`);
});
