/**
 * The one-exponential cumulative logit pattern sum against the per-pattern closed form
 * (logitCategoryTerms, itself checked against the generic path): log-likelihood, ∂/∂η and ∂/∂τ
 * agree to 1e-12 relative, in the bulk, in the tails and with thresholds beyond the direct range.
 */
import assert from "node:assert/strict";
import { cumulativeLogitPatterns } from "../../lib/families/cumulative_logit_patterns.ts";
import { logitCategoryTerms } from "../../lib/families/logit_category_terms.ts";
import { seeded } from "../_seeded.ts";

function reference(y: Float64Array, rows: Float64Array, eta: Float64Array, tau: Float64Array) {
  const t = { lp: 0, dUpper: 0, dLower: 0 };
  const dEta = new Float64Array(eta.length);
  const gradTau = new Float64Array(tau.length);
  let lp = 0;
  for (let p = 0; p < eta.length; p++) {
    const k = y[p], n = rows[p];
    logitCategoryTerms(k, eta[p], tau, t);
    lp += n * t.lp;
    dEta[p] = -n * (t.dUpper + t.dLower);
    if (k <= tau.length) gradTau[k - 1] += n * t.dUpper;
    if (k > 1) gradTau[k - 2] += n * t.dLower;
  }
  return { lp, dEta, gradTau };
}

function close(x: number, y: number, scale: number, what: string) {
  assert.ok(Math.abs(x - y) <= 1e-12 * scale, `${what}: ${x} vs ${y}`);
}

function check(tau: number[], etaScale: number, seed: number) {
  const u = seeded(seed);
  const P = 3000, K = tau.length + 1;
  const y = new Float64Array(P), rows = new Float64Array(P), eta = new Float64Array(P);
  for (let p = 0; p < P; p++) {
    y[p] = 1 + Math.floor(u() * K);
    // Counts 1 and 2 (the product path), larger and fractional ones (summed weights).
    rows[p] = p % 11 === 0 ? 0.6 + u() : p % 5 === 0 ? 2 : p % 17 === 0 ? 7 : 1;
    eta[p] = p % 23 === 0 ? (u() - 0.5) * 120 : (u() - 0.5) * etaScale;
  }
  const t = Float64Array.from(tau);
  const dEta = new Float64Array(P), gradTau = new Float64Array(tau.length);
  const lp = cumulativeLogitPatterns({ y, rows }, eta, t, dEta, gradTau);
  const ref = reference(y, rows, eta, t);
  close(lp, ref.lp, Math.abs(ref.lp), "lp");
  for (let p = 0; p < P; p++) close(dEta[p], ref.dEta[p], Math.max(1, rows[p]), `dEta ${p}`);
  const total = rows.reduce((a, b) => a + b, 0);
  for (let k = 0; k < tau.length; k++) close(gradTau[k], ref.gradTau[k], total, `gradTau ${k}`);
}

Deno.test("cumulative logit patterns agree with the per-pattern closed form (5 categories)", () => {
  check([-2.5, -0.4, 0.3, 1.9], 8, 1);
});

Deno.test("cumulative logit patterns agree with close thresholds and with 2 categories", () => {
  check([-0.2, -0.19, 0.5], 6, 2);
  check([0.4], 10, 3);
});

Deno.test("cumulative logit patterns agree when a threshold lies beyond the direct range", () => {
  check([-45, 0, 2], 8, 4);
});

Deno.test("cumulative logit patterns add into gradTau (it is not reset)", () => {
  const gradTau = new Float64Array([1, 1]);
  const dEta = new Float64Array(1);
  const tau = new Float64Array([-1, 1]);
  cumulativeLogitPatterns(
    { y: new Float64Array([1]), rows: new Float64Array([1]) },
    new Float64Array([0]),
    tau,
    dEta,
    gradTau,
  );
  // k = 1: ∂ log F(τ_1 − η)/∂τ_1 = F(−(τ_1 − η)) = 1/(1 + e^−1).
  assert.ok(Math.abs(gradTau[0] - (1 + 1 / (1 + Math.exp(-1)))) < 1e-15);
  assert.equal(gradTau[1], 1);
});
