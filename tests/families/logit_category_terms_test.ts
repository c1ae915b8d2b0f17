/**
 * The closed-form logit category terms against the generic path of cumulative.ts (the same
 * logistic F through its sign-branching formulas) and against finite differences.
 */
import assert from "node:assert/strict";
import { logitCategoryTerms } from "../../lib/families/logit_category_terms.ts";
import { categoryTerms } from "../../lib/families/cumulative.ts";
import { LOGIT_LINK, type OrdinalLink } from "../../lib/families/ordinal_links.ts";

// categoryTerms sends the logit link to the closed form; renamed, the logistic F takes the
// generic path, which is the reference.
const GENERIC_LOGISTIC: OrdinalLink = { ...LOGIT_LINK, name: "probit" };
const TAU = [-2.5, -0.4, 0.3, 0.31, 4];
const ETAS = [-60, -20, -3, -0.35, 0, 0.305, 1, 2.9, 25, 60];

function close(x: number, y: number, rel: number, what: string) {
  assert.ok(Math.abs(x - y) <= rel * Math.max(1, Math.abs(y)), `${what}: ${x} vs ${y}`);
}

Deno.test("logit category terms equal the generic path at every category, tails included", () => {
  const fast = { lp: 0, dUpper: 0, dLower: 0 };
  const slow = { lp: 0, dUpper: 0, dLower: 0 };
  for (const eta of ETAS) {
    for (let k = 1; k <= TAU.length + 1; k++) {
      logitCategoryTerms(k, eta, TAU, fast);
      categoryTerms(GENERIC_LOGISTIC, k, eta, TAU, slow);
      assert.ok(Number.isFinite(fast.lp), `k ${k}, η ${eta}: lp ${fast.lp}`);
      close(fast.lp, slow.lp, 1e-10, `lp k ${k} η ${eta}`);
      close(fast.dUpper, slow.dUpper, 1e-9, `dUpper k ${k} η ${eta}`);
      close(fast.dLower, slow.dLower, 1e-9, `dLower k ${k} η ${eta}`);
    }
  }
});

Deno.test("logit category terms: partials match central differences in the thresholds", () => {
  const out = { lp: 0, dUpper: 0, dLower: 0 };
  const h = 1e-6;
  const lpAt = (k: number, eta: number, tau: number[]) => {
    logitCategoryTerms(k, eta, tau, out);
    return out.lp;
  };
  for (const eta of [-3, 0, 0.305, 2.9]) {
    for (let k = 1; k <= TAU.length + 1; k++) {
      logitCategoryTerms(k, eta, TAU, out);
      const { dUpper, dLower } = out;
      if (k <= TAU.length) {
        const up = TAU.slice(), dn = TAU.slice();
        up[k - 1] += h, dn[k - 1] -= h;
        const fd = (lpAt(k, eta, up) - lpAt(k, eta, dn)) / (2 * h);
        close(dUpper, fd, 1e-5, `∂/∂τ_k k ${k} η ${eta}`);
      }
      if (k >= 2) {
        const up = TAU.slice(), dn = TAU.slice();
        up[k - 2] += h, dn[k - 2] -= h;
        const fd = (lpAt(k, eta, up) - lpAt(k, eta, dn)) / (2 * h);
        close(dLower, fd, 1e-5, `∂/∂τ_(k−1) k ${k} η ${eta}`);
      }
    }
  }
});
