import assert from "node:assert/strict";
import { ebfmi } from "../../lib/diagnostics/ebfmi.ts";
import { ar1Chains, assertClose } from "./_helpers.ts";

Deno.test("E-BFMI by hand: mean squared successive difference over sample variance", () => {
  // successive differences 1, 1, −2 → mean square 2; sample variance of (0, 1, 2, 0) is 11/12.
  const e = new Float64Array([0, 1, 2, 0]);
  const m = 0.75;
  const v = ((0 - m) ** 2 + (1 - m) ** 2 + (2 - m) ** 2 + (0 - m) ** 2) / 3;
  assertClose(ebfmi(e), 2 / v, 1e-14, "hand value");
  assert.ok(Number.isNaN(ebfmi(new Float64Array([5]))));
  assert.ok(Number.isNaN(ebfmi(new Float64Array([5, 5, 5]))));
});

Deno.test("E-BFMI of AR(1) energies ≈ 2(1 − ρ): 2 for iid, small for sticky energies", () => {
  // E[(Eₙ − Eₙ₋₁)²] = 2σ²(1 − ρ). 10000 draws: relative sd about 1.7% (measured over seeds
  // at 1000 draws: 5.3%); tolerance 8%.
  for (const rho of [0, 0.5, 0.95]) {
    const energy = ar1Chains(41 + Math.round(rho * 100), 1, 10000, rho)[0];
    assertClose(ebfmi(energy) / (2 * (1 - rho)), 1, rho === 0.95 ? 0.3 : 0.08, `rho ${rho}`);
  }
});
