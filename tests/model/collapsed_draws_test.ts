import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { CollapsedGaussian } from "../../lib/model/collapsed_gaussian.ts";
import { assembleTheta, collapsedToFull } from "../../lib/model/collapsed_draws.ts";
import { invertLower } from "../../lib/model/_dense.ts";
import { generateQuantities, varyingName } from "../../lib/posterior/generated.ts";
import { allocateChainDraws, type ChainDraws } from "../../lib/sampler/backend.ts";
import type { ModelSpec } from "../../lib/spec/model_spec.ts";
import { crossedSpec, GEOMETRIES, seeded, simulatedTable } from "./_fixtures.ts";

function normalPriorSpec(): ModelSpec {
  const spec = crossedSpec("gaussian");
  return {
    ...spec,
    priors: spec.priors.map((p) =>
      p.class === "b" && p.coef === "x" ? { ...p, prior: { dist: "normal", mu: 0, sigma: 2 } } : p
    ),
  };
}

/** A fake φ chain: `n` draws all equal to `phi`. */
function constantChain(phi: Float64Array, n: number): ChainDraws {
  const chain = allocateChainDraws(n, phi.length, 1, new Float64Array(phi.length));
  for (let s = 0; s < n; s++) chain.theta.set(phi, s * phi.length);
  return chain;
}

for (const [geometry, reparameterize] of Object.entries(GEOMETRIES)) {
  Deno.test(`collapsed draws (${geometry}): θ rows give back γ and φ through generateQuantities`, () => {
    const data = reparameterize(compileModel(normalPriorSpec(), simulatedTable(150, "gaussian")));
    const target = new CollapsedGaussian(data);
    const u = seeded(3);
    const phi = Float64Array.from({ length: target.dim }, () => u() - 0.5);
    const gamma = Float64Array.from({ length: target.gammaDim }, () => 2 * u() - 1);
    const theta = assembleTheta(target, phi, gamma, new Float64Array(data.dim));
    const chain = { ...constantChain(phi, 1), theta };
    const named = generateQuantities(data, [chain]).values;
    const close = (a: number, b: number, what: string) =>
      assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);
    close(named.get(`b_${data.fixedNames[0]}`)![0], gamma[1], "b");
    close(named.get("sigma")![0], Math.exp(phi[target.layout.phiSigma]), "sigma");
    data.terms.forEach((term, t) => {
      const lay = target.layout.terms[t];
      close(
        named.get(`sd_${term.group}__${term.coefNames[0]}`)![0],
        Math.exp(phi[lay.phiLogSd]),
        "sd",
      );
      term.labels.forEach((label, j) =>
        term.coefNames.forEach((coef, k) =>
          close(
            named.get(varyingName(term.group, label, coef))![0],
            gamma[lay.gamma + j * lay.K + k],
            `r ${term.group} ${label} ${coef}`,
          )
        )
      );
    });
  });
}

Deno.test("collapsed draws: γ | φ has mean μ and covariance P⁻¹; same seed, same draws", () => {
  const data = compileModel(normalPriorSpec(), simulatedTable(150, "gaussian"));
  const target = new CollapsedGaussian(data);
  const u = seeded(9);
  const phi = Float64Array.from({ length: target.dim }, () => u() - 0.5);
  const n = 4000;
  const [full] = collapsedToFull(target, [constantChain(phi, n)], 7);
  const N = target.gammaDim;
  const mean = new Float64Array(N);
  const R = new Float64Array(N * N);
  assert.ok(target.conditional(phi, mean, R));
  const Rinv = invertLower(R, N, new Float64Array(N * N));
  // Recover γ from θ through the named draws (b, r), i.e. through the whole assembly.
  const named = generateQuantities(data, [full]).values;
  const columns: Float64Array[] = [];
  columns.push(
    Float64Array.from({ length: n }, (_, s) => full.theta[s * data.dim + data.interceptOffset]),
  );
  for (const f of data.fixedNames) columns.push(named.get(`b_${f}`)!);
  for (const term of data.terms) {
    for (const label of term.labels) {
      for (const coef of term.coefNames) {
        columns.push(named.get(varyingName(term.group, label, coef))!);
      }
    }
  }
  assert.equal(columns.length, N);
  for (let i = 0; i < N; i++) {
    let variance = 0; // S_ii = Σ_{m ≥ i} Rinv_mi²
    for (let m = i; m < N; m++) variance += Rinv[m * N + i] ** 2;
    const xs = columns[i];
    const m = xs.reduce((a, b) => a + b, 0) / n;
    const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1);
    // Exact independent draws: z-scores ~ N(0, 1); 4.5 over 24 coordinates fails w.p. < 2e-4.
    assert.ok(
      Math.abs(m - mean[i]) / Math.sqrt(variance / n) < 4.5,
      `mean ${i}: ${m} vs ${mean[i]}`,
    );
    assert.ok(Math.abs(v / variance - 1) < 4.5 * Math.sqrt(2 / n), `var ${i}: ${v} vs ${variance}`);
  }
  const [again] = collapsedToFull(target, [constantChain(phi, 5)], 7);
  assert.deepEqual(again.theta, full.theta.subarray(0, 5 * data.dim));
  const [other] = collapsedToFull(target, [constantChain(phi, 5)], 8);
  assert.notDeepEqual(other.theta, again.theta);
  assert.ok(full.logDensity.every(Number.isFinite));
});
