import assert from "node:assert/strict";
import { negbinomial } from "../../lib/families/negbinomial.ts";
import { familyTests, statsOf } from "./_family_checks.ts";

/**
 * log NB(y | μ = e^η, φ) from its definition, by sums over k < y (independent of logGamma):
 * log C(y + φ − 1, y) + y log(μ/(μ + φ)) + φ log(φ/(μ + φ)).
 */
function nbLogDensity(y: number, eta: number, phi: number): number {
  const mu = Math.exp(eta);
  let logChoose = 0;
  for (let k = 0; k < y; k++) logChoose += Math.log(phi + k) - Math.log(k + 1);
  return logChoose + y * Math.log(mu / (mu + phi)) + phi * Math.log(phi / (mu + phi));
}

familyTests({
  family: negbinomial,
  patterns: [{ y: [0, 0] }, { y: [3] }, { y: [17, 17, 17] }, { y: [80] }],
  points: [
    { eta: [0.3, 1.9, 2.6, 4.1], extra: [Math.log(0.8)] },
    { eta: [-0.4, 1.1, 2.9, 4.5], extra: [Math.log(12)] },
  ],
  referenceLogDensity: (y, eta, [phi]) => nbLogDensity(y, eta, phi),
  // μ ≤ 1.35 at pattern 0 (E[y] is checked there); the tail beyond 1000 is < 1e-40.
  support: { values: Array.from({ length: 1000 }, (_, k) => k) },
  variance: (eta, [phi]) => Math.exp(eta) + Math.exp(2 * eta) / phi,
});

Deno.test("negbinomial: brms's shape with inv_gamma(0.4, 0.3); counts only; log y priors", () => {
  assert.deepStrictEqual(negbinomial.parameters.map((p) => [p.name, p.lower]), [["shape", 0]]);
  // brms ≥ 2.21's default (NEWS: "Change the default prior of the shape parameter of
  // negbinomial models to inv_gamma(0.4, 0.3)", #1614); gamma(0.01, 0.01) before.
  assert.deepStrictEqual(negbinomial.parameters[0].defaultPrior(7), {
    dist: "inv_gamma",
    shape: 0.4,
    scale: 0.3,
  });
  assert.ok(negbinomial.patternsKeepOutcome && negbinomial.discrete && !negbinomial.collapsible);
  const where = { family: "negbinomial", outcome: "n", row: 4 };
  assert.equal(negbinomial.checkOutcome(0, NaN, where), null);
  assert.match(negbinomial.checkOutcome(-2, NaN, where)!, /non-negative integer count.*row 4/);
  assert.match(negbinomial.checkOutcome(1.5, NaN, where)!, /row 4 has 1.5/);
  assert.deepStrictEqual(negbinomial.priorOutcome(Float64Array.of(0, Math.E)), [
    Math.log(0.1),
    1,
  ]);
});

Deno.test("negbinomial: a huge shape gives the Poisson log-likelihood (no cancellation)", () => {
  // φ = 1e12: NB → Poisson; log1p keeps φ log(φ/(μ+φ)) → −μ exact to ~1e-12·μ.
  const eta = Float64Array.of(1.3);
  negbinomial.pointwiseLogLikelihood(4, NaN, eta, [Float64Array.of(1e12)]);
  const mu = Math.exp(1.3);
  const poissonLp = 4 * 1.3 - mu - Math.log(24);
  assert.ok(Math.abs(eta[0] - poissonLp) < 1e-6, `${eta[0]} vs ${poissonLp}`);
});

/**
 * log NB(y | e^η, φ) − written so nothing large cancels at any φ: Σ_{k<y} log1p(k/φ) (Kahan
 * summed) − (y + φ) log1p(μ/φ) + y η − Σ_{k≤y} log k. Independent of logGamma. Also returns
 * log y!, whose rounding (≈ 1e-15 of it, in either computation) bounds the agreement.
 */
function nbLogDensityLargeShape(y: number, eta: number, phi: number): [number, number] {
  let sum = 0, carry = 0;
  for (let k = 0; k < y; k++) {
    const term = Math.log1p(k / phi) - carry;
    const next = sum + term;
    carry = next - sum - term;
    sum = next;
  }
  let logFactorial = 0;
  for (let k = 2; k <= y; k++) logFactorial += Math.log(k);
  return [sum - (y + phi) * Math.log1p(Math.exp(eta) / phi) + y * eta - logFactorial, logFactorial];
}

Deno.test("negbinomial: counts ≥ 64 at a large shape keep the log-likelihood to rounding", () => {
  // Near-Poisson data leave the shape's posterior a long right tail (draws of 1e4…1e12 under the
  // default inv_gamma(0.4, 0.3)). lgamma(y + φ) − lgamma(φ) as a difference of two lgammas
  // lost 2.6e-8 at φ = 1e8, 4e-5 at 1e10 and 4e-3 at 1e12 (y = 64…20000), in LOO's pointwise
  // values and in the sampler's pattern log density; Stirling's series keeps them exact.
  for (const y of [64, 100, 1000]) {
    for (const phi of [150, 1e4, 1e8, 1e10, 1e12]) {
      for (const eta of [Math.log(y) - 0.2, Math.log(y) + 0.5]) {
        const out = Float64Array.of(eta);
        negbinomial.pointwiseLogLikelihood(y, NaN, out, [Float64Array.of(phi)]);
        const [expected, logFactorial] = nbLogDensityLargeShape(y, eta, phi);
        assert.ok(
          Math.abs(out[0] - expected) < 1e-12 * Math.max(1, Math.abs(expected)) +
              1e-14 * logFactorial,
          `y ${y}, φ ${phi}, η ${eta}: ${out[0]} vs ${expected}`,
        );
      }
      // ∂lp/∂log φ = φ·(Σ_{k<y} 1/(φ + k) − log1p(μ/φ) + (μ − y)/(μ + φ)), from the pattern sum.
      const eta = Math.log(y) + 0.1, mu = Math.exp(eta);
      const gradExtra = new Float64Array(1);
      negbinomial.patternLogLikelihood(
        statsOf(negbinomial, [{ y: [y] }]),
        Float64Array.of(eta),
        Float64Array.of(Math.log(phi)),
        new Float64Array(1),
        gradExtra,
      );
      let rising = 0;
      for (let k = 0; k < y; k++) rising += 1 / (phi + k);
      const expected = phi * (rising - Math.log1p(mu / phi) + (mu - y) / (mu + phi));
      assert.ok(
        Math.abs(gradExtra[0] - expected) < 1e-9 * Math.max(1, Math.abs(expected)),
        `∂/∂log φ at y ${y}, φ ${phi}: ${gradExtra[0]} vs ${expected}`,
      );
    }
  }
});
