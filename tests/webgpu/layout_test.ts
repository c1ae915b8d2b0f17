import assert from "node:assert/strict";
import { buildLayout, gpuSupportsGeometry, likelihoodShape } from "../../lib/webgpu/layout.ts";
import { withTermGeometry } from "../../lib/model/term_geometry.ts";
import { HetfxError } from "../../lib/errors.ts";
import { aliased, continuousBernoulli } from "./_models.ts";

Deno.test("likelihood shape: ≤ 8 chains per invocation, ≥ 8 lanes, every chain covered", () => {
  for (const chains of [1, 2, 3, 4, 5, 8, 16, 63, 64, 70, 512, 4096]) {
    for (const size of [3, 13, 40]) {
      const { cpi, cw, pl } = likelihoodShape(chains, size, 2, size + 3);
      assert.ok([1, 2, 4, 8].includes(cpi), `cpi ${cpi}`);
      assert.ok(cpi <= Math.max(1, 2 ** Math.ceil(Math.log2(chains))), `cpi ${cpi} > chains`);
      assert.ok(cw * pl >= 8 && cw * pl <= 64, `lanes ${cw * pl}`);
      assert.ok(pl === 1 || cw * cpi >= chains, "planes only when one block holds every chain");
    }
  }
  // The bench model (4 β columns, 2 varying, 7 accumulators): 8 chains per invocation.
  assert.deepEqual(likelihoodShape(64, 4, 2, 7), { cpi: 8, cw: 8, pl: 1 });
  assert.deepEqual(likelihoodShape(4, 4, 2, 7), { cpi: 4, cw: 1, pl: 8 });
});

Deno.test("row texture: constant fields are literals, repeated fields aliases", () => {
  // y ~ 1 + x1 + x2 + treat + (1 + treat | g): fields (1, x1, x2, treat_c | Â: 1, treat | y,
  // n = 1); the design's treat is centred, Â's is not. Stored: x1, x2, treat_c, treat, y.
  const data = continuousBernoulli(500, 10, 3, { skewed: false });
  const layout = buildLayout(data, 4, { textureWidth: 64 });
  assert.equal(layout.texelsPerRow, 2);
  assert.deepEqual(layout.rowFields, ["1.0", "x0.x", "x0.y", "x0.z", "1.0", "x0.w", "x1.x", "1.0"]);
  assert.equal(layout.textureHeight, Math.ceil((500 * 2) / 64));
  if (data.stats.kind !== "patterns") throw new Error("expected patterns");
  const s = data.stats;
  // Texel 0 holds (x1, x2, treat_c, treat) of some pattern of the first cell.
  const first = Array.from(layout.data.rows.subarray(0, 4));
  const match = Array.from({ length: s.nPatterns }, (_, p) => p).some((p) =>
    s.cell[p] === 0 && Math.fround(s.w[p * 4 + 1]) === first[0] &&
    Math.fround(s.w[p * 4 + 2]) === first[1] && Math.fround(s.w[p * 4 + 3]) === first[2] &&
    Math.fround(s.wA[p * 2 + 1]) === first[3]
  );
  assert.ok(match, `texel 0 (${first}) is no row of cell 0`);
  // An Â column equal to a design column is read from the design column's slot.
  const alias = buildLayout(aliased(data), 4, { textureWidth: 64 });
  assert.deepEqual(alias.rowFields, ["1.0", "x0.x", "x0.y", "x0.z", "1.0", "x0.z", "x0.w", "1.0"]);
  assert.equal(alias.texelsPerRow, 1);
});

Deno.test("layout: a geometry the kernels cannot run is refused with what to compile instead", () => {
  const data = continuousBernoulli(200, 10, 3, { skewed: false });
  const [term] = data.terms;
  const size = term.nGroups * term.coefNames.length;
  const geometries = {
    "data-centred": withTermGeometry(data, [{
      noncentering: [1, 1],
      contrasts: true,
      meanInBeta: true,
      dataCentring: { information: new Float64Array(size), estimate: new Float64Array(size) },
    }]),
    "partial λ": withTermGeometry(data, [{
      noncentering: [0.5, 1],
      contrasts: false,
      meanInBeta: false,
    }]),
  };
  for (const [name, geometry] of Object.entries(geometries)) {
    assert.equal(gpuSupportsGeometry(geometry), false, name);
    assert.throws(
      () => buildLayout(geometry, 4),
      (e: unknown) => e instanceof HetfxError && /parameterization "noncentered"/.test(e.message),
      name,
    );
  }
  assert.equal(gpuSupportsGeometry(data), true);
});

Deno.test("a layout over lavapipe's 65,535 loop iterations per invocation is refused, naming why", () => {
  // Summing the partials over chunks and groups takes ⌈n / 64⌉ + 8 iterations per invocation
  // (reduce_sums), and the ChEES kernels' loops over θ per chain (begin, finish, chees_stat)
  // ⌈dim / 128⌉ × 4 + 8 (a workgroup of 64 per chain): 64,000 groups of (1 + treat | g) fit
  // (before, one invocation per chain looped over all of θ, refused past ~31,700 groups; θ now
  // reaches ~1 million groups). The per-element loops over chains refuse ~32,000 chains.
  const below = continuousBernoulli(268_000, 67_000, 4, { skewed: false });
  assert.ok(below.terms[0].nGroups > 64_000);
  assert.equal(buildLayout(below, 3).nGroups, below.terms[0].nGroups);
  const small = continuousBernoulli(200, 10, 3, { skewed: false });
  assert.throws(
    () => buildLayout(small, 40_000),
    (e) =>
      e instanceof HetfxError &&
      /the sampler's loops over 40000 chains would run \d+ loop iterations in one shader invocation, more than the 65535 .*use backend "cpu"/
        .test(e.message),
  );
});
