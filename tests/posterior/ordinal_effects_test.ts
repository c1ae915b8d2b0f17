/**
 * Also covers: posterior/family_draws.ts.
 * A cumulative (ordinal) fit through the posterior layer: response-scale effects on E[y] and on
 * category probabilities against a direct computation from the draws, their option errors, the
 * JSON's latent-scale note, predictions, pp_check bars and LOO.
 */
import assert from "node:assert/strict";
import { formula } from "../../lib/spec/formula.ts";
import { ordinalTable } from "./_ordinal_fixture.ts";
import { fitModel } from "../../lib/fit/fit.ts";
import type { Fit } from "../../lib/fit/fit.ts";
import { ppCheck } from "../../lib/posterior/pp_check.ts";
import { predict } from "../../lib/posterior/predict.ts";
import { loo } from "../../lib/posterior/loo.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { chooseBackend } from "../../lib/webgpu/select_backend.ts";

let memo: Promise<Fit> | undefined;
const ordinalFit = () =>
  memo ??= fitModel(
    formula("y ~ 1 + treat + (1 + treat | g)", ordinalTable(300, 5), { family: "cumulative" })
      .toJSON(),
    ordinalTable(300, 5),
    { chains: 2, warmup: 300, draws: 200, seed: 3, backend: "cpu", progress: false },
  );

const logistic = (x: number) => 1 / (1 + Math.exp(-x));

/** Per draw s, the average over rows of f(η with treat = 1) − f(η with treat = 0). */
function directEffect(fit: Fit, f: (eta: number, tau: number[]) => number): Float64Array {
  const v = (name: string) => fit.named.values.get(name)!;
  const S = v("b_treat").length;
  const table = fit.table!;
  const g = table.columns.g as { codes: Int32Array; levels: readonly string[] };
  const out = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    const tau = [1, 2, 3].map((k) => v(`b_Intercept[${k}]`)[s]);
    let sum = 0;
    for (let i = 0; i < table.nRows; i++) {
      const label = g.levels[g.codes[i]];
      const base = v(`r_g[${label},Intercept]`)[s];
      const slope = v("b_treat")[s] + v(`r_g[${label},treat]`)[s];
      sum += f(base + slope, tau) - f(base, tau);
    }
    out[s] = sum / table.nRows;
  }
  return out;
}

Deno.test("ordinal effects: E[y] and P(y = k), P(y ≥ k) contrasts equal a direct computation", async () => {
  const fit = await ordinalFit();
  const expected = (eta: number, tau: number[]) =>
    1 + tau.reduce((s, t) => s + 1 - logistic(t - eta), 0);
  const cases = [
    { options: {}, quantity: "E[y]", f: expected },
    {
      options: { category: 2 },
      quantity: "P(y = 2)",
      f: (eta: number, tau: number[]) => logistic(tau[1] - eta) - logistic(tau[0] - eta),
    },
    {
      options: { atLeast: 3 },
      quantity: "P(y >= 3)",
      f: (eta: number, tau: number[]) => 1 - logistic(tau[1] - eta),
    },
  ];
  for (const { options, quantity, f } of cases) {
    const [ate] = fit.effects(options);
    assert.equal(ate.quantity, quantity);
    assert.equal(ate.scale, "response");
    const direct = directEffect(fit, f);
    // The same draws in both: agreement to rounding.
    for (let s = 0; s < direct.length; s++) {
      assert.ok(Math.abs(ate.draws[s] - direct[s]) < 1e-10, `${quantity} draw ${s}`);
    }
  }
  const [latent] = fit.effects({ scale: "link" });
  assert.equal(latent.quantity, "latent");
  const b = directEffect(fit, (eta) => eta);
  assert.ok(Math.abs(latent.mean - b.reduce((a, c) => a + c, 0) / b.length) < 1e-10);
});

Deno.test("ordinal effects: bad category options are refused with the valid range", async () => {
  const fit = await ordinalFit();
  assert.throws(() => fit.effects({ category: 5 }), /category 5 must be a category 1…4 of "y"/);
  assert.throws(() => fit.effects({ atLeast: 1.5 }), /atLeast 1.5 must be a category 1…4/);
  assert.throws(() => fit.effects({ category: 2, atLeast: 3 }), /not both/);
  assert.throws(() => fit.effects({ category: 2, scale: "link" }), /scale "response" only/);
});

Deno.test("ordinal fit: JSON names the thresholds and the latent scale of group effects", async () => {
  const fit = await ordinalFit();
  const json = fit.toJSON() as Record<string, unknown>;
  assert.equal(json.group_effects_scale, "on the latent (logit) scale");
  const names = (json.parameters as { name: string }[]).map((p) => p.name);
  assert.deepStrictEqual(names.slice(0, 4), [
    "b_Intercept[1]",
    "b_Intercept[2]",
    "b_Intercept[3]",
    "b_treat",
  ]);
  assert.ok(!names.includes("b_Intercept"));
});

Deno.test("ordinal fit: predictions are categories, pp_check draws bars, loo is finite", async () => {
  const fit = await ordinalFit();
  const drawn = predict(fit, undefined, { type: "prediction" });
  for (const row of drawn) {
    for (const v of row.draws) assert.ok(Number.isInteger(v) && v >= 1 && v <= 4);
  }
  const expected = predict(fit);
  for (const row of expected) assert.ok(row.mean > 1 && row.mean < 4);
  const check = ppCheck(fit, { draws: 10 });
  assert.equal(check.kind, "bars");
  const result = loo(fit);
  assert.ok(Number.isFinite(result.elpd_loo) && result.elpd_loo < 0);
});

Deno.test("ordinal models: backend choice treats them as other families (they have WGSL)", async () => {
  const table = ordinalTable(60, 2);
  const spec = formula("y ~ 1 + treat + (1 | g)", table, { family: "cumulative" }).toJSON();
  const data = compileModel(spec, table);
  const noAdapter = () => Promise.resolve(null);
  // Small: the size rule keeps it on the CPU, not a CPU-only family rule.
  const auto = await chooseBackend("auto", data, 64, { provider: noAdapter });
  assert.equal(auto.backend, "cpu");
  assert.match(auto.reason, /below the WebGPU threshold/);
  // "webgpu" gets as far as asking for an adapter (none here).
  await assert.rejects(
    () => chooseBackend("webgpu", data, 64, { provider: noAdapter }),
    /backend "webgpu".*no WebGPU adapter/,
  );
});
