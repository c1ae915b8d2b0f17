import assert from "node:assert/strict";
import { compileModel } from "../../lib/model/compile.ts";
import { CollapsedGaussian, logSigmaAt } from "../../lib/model/collapsed_gaussian.ts";
import { assembleTheta, collapsedToFull } from "../../lib/model/collapsed_draws.ts";
import { generateQuantities, varyingName } from "../../lib/posterior/generated.ts";
import { allocateChainDraws, type ChainDraws } from "../../lib/sampler/backend.ts";
import { HetfxError } from "../../lib/errors.ts";
import { sdKnee } from "../../lib/model/sd_knee.ts";
import { COLLAPSIBLE, GEOMETRIES, seeded, simulatedTable } from "./_fixtures.ts";

const normalPriorSpec = COLLAPSIBLE.crossed;

/** A fake φ chain: `n` draws all equal to `phi`. */
function constantChain(phi: Float64Array, n: number): ChainDraws {
  const chain = allocateChainDraws(n, phi.length, 1, new Float64Array(phi.length));
  for (let s = 0; s < n; s++) chain.theta.set(phi, s * phi.length);
  return chain;
}

for (const [geometry, reparameterize] of Object.entries(GEOMETRIES)) {
  Deno.test(`collapsed draws (${geometry}): θ rows give back γ and φ through generateQuantities`, () => {
    const data = reparameterize(compileModel(normalPriorSpec(), simulatedTable(150, "gaussian")));
    // φ's sd coordinates read as log sd below (the knee's map is tested in collapsed_gaussian_test).
    const target = new CollapsedGaussian(data, { sdCoordinate: "log" });
    const u = seeded(3);
    const phi = Float64Array.from({ length: target.dim }, () => u() - 0.5);
    const gamma = Float64Array.from({ length: target.gammaDim }, () => 2 * u() - 1);
    const theta = assembleTheta(target, phi, gamma, new Float64Array(data.dim));
    const chain = { ...constantChain(phi, 1), theta };
    const named = generateQuantities(data, [chain]).values;
    const close = (a: number, b: number, what: string) =>
      assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);
    close(named.get(`b_${data.fixedNames[0]}`)![0], gamma[1], "b");
    close(named.get("sigma")![0], Math.exp(logSigmaAt(target.layout, phi)), "sigma");
    data.terms.forEach((term, t) => {
      const lay = target.layout.terms[t];
      close(
        named.get(`sd_${term.group}__${term.coefNames[0]}`)![0],
        Math.exp(phi[lay.phiSd]),
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

for (const [name, spec] of Object.entries(COLLAPSIBLE)) {
  Deno.test(`collapsed draws (${name}): γ | φ has mean μ and variances diag P⁻¹; same seed, same draws`, () => {
    const data = compileModel(spec(), simulatedTable(150, "gaussian"));
    const target = new CollapsedGaussian(data);
    const u = seeded(9);
    const phi = Float64Array.from({ length: target.dim }, () => u() - 0.5);
    const n = 4000;
    const [full] = collapsedToFull(target, [constantChain(phi, n)], 7);
    const N = target.gammaDim;
    const mean = new Float64Array(N);
    assert.ok(target.conditional(phi, mean));
    // diag P⁻¹ over γ = [β, term blocks] (the blocks' algebra is checked against a dense inverse in
    // tests/model/arrowhead_precision_test.ts).
    const nBeta = target.layout.nBeta;
    const blocks = target.layout.terms.map((t) => new Float64Array(t.J * t.K * t.K));
    const variances = new Float64Array(N);
    target.precision.inverseBlocks(variances.subarray(0, nBeta), blocks);
    target.layout.terms.forEach((t, i) => {
      for (let j = 0; j < t.J; j++) {
        for (let k = 0; k < t.K; k++) {
          variances[t.gamma + j * t.K + k] = blocks[i][j * t.K * t.K + k * t.K + k];
        }
      }
    });
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
      const variance = variances[i];
      const xs = columns[i];
      const m = xs.reduce((a, b) => a + b, 0) / n;
      const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1);
      // Exact independent draws: z-scores ~ N(0, 1); 4.5 over ≤ 24 coordinates fails w.p. < 2e-4.
      assert.ok(
        Math.abs(m - mean[i]) / Math.sqrt(variance / n) < 4.5,
        `mean ${i}: ${m} vs ${mean[i]}`,
      );
      assert.ok(
        Math.abs(v / variance - 1) < 4.5 * Math.sqrt(2 / n),
        `var ${i}: ${v} vs ${variance}`,
      );
    }
    const [again] = collapsedToFull(target, [constantChain(phi, 5)], 7);
    assert.deepEqual(again.theta, full.theta.subarray(0, 5 * data.dim));
    const [other] = collapsedToFull(target, [constantChain(phi, 5)], 8);
    assert.notDeepEqual(other.theta, again.theta);
    assert.ok(full.logDensity.every(Number.isFinite));
  });
}

Deno.test("collapsed draws: a precision that is not positive definite is a HetfxError naming chain and draw", () => {
  const data = compileModel(normalPriorSpec(), simulatedTable(150, "gaussian"));
  const target = new CollapsedGaussian(data);
  // The Cholesky failure itself is rounding at extreme φ; stubbed so the test does not depend
  // on where in floating point it happens.
  target.drawCoefficients = () => false;
  assert.throws(
    () => collapsedToFull(target, [constantChain(new Float64Array(target.dim), 2)], 1),
    (e: unknown) =>
      e instanceof HetfxError &&
      /chain 1, draw 1.*not positive definite.*method "nuts"/.test(e.message),
  );
});

Deno.test("collapsed draws: an sd sampled through a knee is written to θ as log sd = κ(v)", () => {
  const data = compileModel(normalPriorSpec(), simulatedTable(150, "gaussian"));
  const target = new CollapsedGaussian(data);
  const u = seeded(4);
  // v spread over both sides of the knees (near −0.1 … 0.7 for these data).
  const phi = Float64Array.from({ length: target.dim }, () => 6 * u() - 4);
  const gamma = Float64Array.from({ length: target.gammaDim }, () => 2 * u() - 1);
  const theta = assembleTheta(target, phi, gamma, new Float64Array(data.dim));
  const named = generateQuantities(data, [{ ...constantChain(phi, 1), theta }]).values;
  data.terms.forEach((term, t) => {
    const lay = target.layout.terms[t];
    term.coefNames.forEach((coef, k) => {
      const expected = Math.exp(sdKnee(phi[lay.phiSd + k], lay.sdKnee![k]));
      const got = named.get(`sd_${term.group}__${coef}`)![0];
      assert.ok(Math.abs(got - expected) < 1e-12 * expected, `${term.group} ${coef}`);
    });
  });
});
