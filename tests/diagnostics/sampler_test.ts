import assert from "node:assert/strict";
import { samplerDiagnostics } from "../../lib/diagnostics/sampler.ts";
import { ebfmi } from "../../lib/diagnostics/ebfmi.ts";
import type { ChainDraws } from "../../lib/sampler/backend.ts";

function chain(divergent: number[], treeDepth: number[], energy: number[], warmup = 0): ChainDraws {
  const n = divergent.length;
  return {
    theta: new Float64Array(n),
    logDensity: new Float64Array(n),
    acceptStat: new Float64Array(n),
    stepSize: new Float64Array(n),
    treeDepth: Int32Array.from(treeDepth),
    nLeapfrog: new Int32Array(n),
    divergent: Uint8Array.from(divergent),
    energy: Float64Array.from(energy),
    warmupDivergences: warmup,
    adaptedStepSize: 0.1,
    inverseMetric: new Float64Array(1),
  };
}

Deno.test("samplerDiagnostics counts kept divergences and tree-depth hits, E-BFMI per chain", () => {
  const a = chain([0, 1, 0, 1], [3, 10, 11, 9], [1, 2, 4, 3], 7);
  const b = chain([0, 0, 0, 1], [10, 2, 2, 2], [0, 2, 0, 2], 1);
  const d = samplerDiagnostics([a, b], 10);
  assert.equal(d.divergences, 3);
  assert.equal(d.maxTreedepthHits, 3);
  assert.equal(d.warmupDivergences, 8);
  assert.deepEqual(d.ebfmi, [ebfmi(a.energy), ebfmi(b.energy)]);
  assert.equal(d.ebfmiMin, Math.min(ebfmi(a.energy), ebfmi(b.energy)));
  assert.equal(samplerDiagnostics([a, b], 12).maxTreedepthHits, 0);
});

Deno.test("samplerDiagnostics of no chains", () => {
  const d = samplerDiagnostics([], 10);
  assert.equal(d.divergences, 0);
  assert.ok(Number.isNaN(d.ebfmiMin));
});
