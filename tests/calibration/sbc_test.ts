/**
 * sbc(): a small calibration run of a Gaussian varying-intercept model (fixed seed). The test
 * fails only when uniformity is rejected at p < 0.001 for some parameter: with ~5 parameters a
 * calibrated sampler trips it with probability ≈ 0.005, while a wrong posterior (e.g. a prior
 * ignored) gives p ≪ 1e-6 at 40 simulations.
 */
import assert from "node:assert/strict";
import { sbc } from "../../lib/calibration/sbc.ts";
import { makeTable } from "../../lib/data/table.ts";
import { hier } from "../../lib/spec/hier.ts";
import { flat, normal } from "../../lib/spec/priors.ts";
import { seeded } from "../_seeded.ts";
import { HetfxError } from "../../lib/errors.ts";

function design() {
  const u = seeded(4);
  const n = 40;
  const x = Float64Array.from({ length: n }, () => u() - 0.5);
  const g = Float64Array.from({ length: n }, (_, i) => 1 + (i % 5));
  const y = new Float64Array(n);
  return makeTable({
    y: { kind: "number", values: y },
    x: { kind: "number", values: x },
    g: { kind: "number", values: g },
  });
}

Deno.test("sbc: ranks of a calibrated Gaussian model are uniform (p ≥ 0.001)", async () => {
  const table = design();
  const spec = hier(table).outcome("y").controls("x").groupBy("g")
    .priors({ Intercept: normal(0, 1), b: normal(0, 1), sd: normal(0, 1), sigma: normal(0, 1) })
    .toJSON();
  let calls = 0;
  const r = await sbc(spec, table, {
    sims: 40,
    seed: 3,
    thinnedDraws: 19,
    bins: 5,
    fit: { chains: 2, warmup: 150, draws: 200 },
    onProgress: () => calls++,
  });
  assert.equal(calls, 40);
  assert.equal(r.sims, 40);
  assert.deepEqual(r.parameters.map((p) => p.name).sort(), [
    "b_Intercept",
    "b_x",
    "sd_g__Intercept",
    "sigma",
  ]);
  for (const p of r.parameters) {
    assert.equal(p.ranks.length, 40);
    assert.ok(p.ranks.every((k) => Number.isInteger(k) && k >= 0 && k <= 19));
    assert.ok(p.p_uniform >= 0.001, `${p.name}: p_uniform ${p.p_uniform} ${p.histogram}`);
  }
  assert.ok(r.warnings_share >= 0 && r.warnings_share <= 1);
});

Deno.test("sbc: an improper prior is refused with the class named", async () => {
  const table = design();
  const spec = hier(table).outcome("y").controls("x").groupBy("g")
    .priors({ Intercept: normal(0, 1), b: flat(), sd: normal(0, 1), sigma: normal(0, 1) })
    .toJSON();
  await assert.rejects(() => sbc(spec, table, { sims: 2 }), (e: unknown) => {
    assert.ok(e instanceof HetfxError);
    assert.match(e.message, /prior of b \(x\) is flat.*improper/);
    return true;
  });
});
