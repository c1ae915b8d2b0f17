/**
 * rankHistogram and chiSquareUniformity: perfectly uniform ranks are not rejected, whatever the
 * number of bins and of rank values (bins that do not divide maxRank + 1 hold unequal numbers of
 * rank values, and a bin may hold none).
 */
import assert from "node:assert/strict";
import {
  chiSquareUniformity,
  gammaQ,
  holmAdjust,
  rankBinWidths,
  rankHistogram,
} from "../../lib/calibration/uniformity.ts";

/** Every rank 0…maxRank exactly `times` times: as uniform as ranks can be. */
function uniformRanks(maxRank: number, times: number): number[] {
  return Array.from({ length: (maxRank + 1) * times }, (_, i) => i % (maxRank + 1));
}

Deno.test("chiSquareUniformity: exactly uniform ranks give p = 1 when bins divide the ranks", () => {
  const counts = rankHistogram(uniformRanks(99, 5), 99, 10);
  assert.deepEqual(counts, Array(10).fill(50));
  assert.equal(chiSquareUniformity(counts, 99), 1);
});

Deno.test("chiSquareUniformity: more bins than rank values (thinnedDraws 1) is not a rejection", () => {
  // Ranks 0 and 1 only, each half the time: bins 0 and 5 of 10 hold them, the others none.
  const counts = rankHistogram(uniformRanks(1, 50), 1, 10);
  assert.equal(counts.filter((c) => c > 0).length, 2);
  assert.ok(chiSquareUniformity(counts, 1) > 0.99, `p ${chiSquareUniformity(counts, 1)}`);
});

Deno.test("chiSquareUniformity: bins that do not divide maxRank + 1 are weighted by their width", () => {
  // 51 rank values in 10 bins: the first holds 6 values, the others 5.
  const counts = rankHistogram(uniformRanks(50, 200), 50, 10);
  assert.equal(counts[0], 1200);
  assert.equal(counts[1], 1000);
  assert.ok(chiSquareUniformity(counts, 50) > 0.99, `p ${chiSquareUniformity(counts, 50)}`);
});

Deno.test("chiSquareUniformity: piled-up ranks are rejected", () => {
  const counts = rankHistogram(Array(200).fill(0), 99, 10);
  assert.ok(chiSquareUniformity(counts, 99) < 1e-10);
});

Deno.test("gammaQ: matches the chi-square survival function", () => {
  // P(χ²₂ > x) = exp(−x/2); P(χ²₁ > 3.841459) = 0.05.
  assert.ok(Math.abs(gammaQ(1, 3) - Math.exp(-3)) < 1e-14);
  assert.ok(Math.abs(gammaQ(0.5, 3.841459 / 2) - 0.05) < 1e-7);
});

Deno.test("sbcPlotSpec: each bar's expected count follows the rank values its bin holds", async () => {
  const { sbcPlotSpec } = await import("../../lib/calibration/sbc_plot.ts");
  // Ranks 0…4 in 2 bins: 3 and 2 rank values, so uniform ranks fill them 3 : 2.
  const ranks = uniformRanks(4, 10);
  const histogram = rankHistogram(ranks, 4, 2);
  const parameter = {
    name: "b_x",
    ranks,
    histogram,
    p_uniform: chiSquareUniformity(histogram, 4),
    ecdf_in_bands: true,
    bands: { z: [0.5], ecdf: [0.5], lower: [0], upper: [1], gamma: 0.1, inBands: true },
  };
  type Bars = { data: { values: { count: number; expected: number }[] } };
  const bars = (options: { maxRank?: number }) =>
    ((sbcPlotSpec([parameter], options).vconcat as unknown[])[1] as Bars).data.values;
  assert.deepEqual(bars({ maxRank: 4 }).map((b) => b.expected), [30, 20]);
  assert.deepEqual(bars({ maxRank: 4 }).map((b) => b.count), [30, 20]);
  // Without the largest rank the bins are taken as equal.
  assert.deepEqual(bars({}).map((b) => b.expected), [25, 25]);
  assert.deepEqual(rankBinWidths(4, 2), [3, 2]);
});

Deno.test("sbcPlotSpec: titled, with a subtitle that says what the band, line and ticks are", async () => {
  const { sbcPlotSpec } = await import("../../lib/calibration/sbc_plot.ts");
  const ranks = uniformRanks(4, 6);
  const parameter = {
    name: "b_x",
    ranks,
    histogram: rankHistogram(ranks, 4, 2),
    p_uniform: 1,
    ecdf_in_bands: true,
    bands: { z: [0.5], ecdf: [0.5], lower: [0], upper: [1], gamma: 0.1, inBands: true },
  };
  const title = sbcPlotSpec([parameter]).title as { text: string; subtitle: string[] };
  assert.equal(title.text, "Simulation-based calibration");
  assert.match(title.subtitle[0], /^30 simulations\. Top: ECDF/);
  assert.match(title.subtitle.join(" "), /95% band.*Bottom: rank histograms; ticks/);
  const mine = sbcPlotSpec([parameter], { title: "SBC of my model" }).title as { text: string };
  assert.equal(mine.text, "SBC of my model");
  // rank bins read level
  type Hist = { spec: { layer: { encoding: { x: { axis?: { labelAngle: number } } } }[] } };
  const hist = (sbcPlotSpec([parameter]).vconcat as unknown[])[1] as Hist;
  assert.equal(hist.spec.layer[0].encoding.x.axis?.labelAngle, 0);
});

Deno.test("uniform ranks are rejected at the nominal 5% rate by the ECDF bands and chi-square", async () => {
  // 1000 seeded replications of 100 uniform ranks on 0…99 (as sbc's defaults: 100 sims,
  // thinnedDraws 99, 10 bins). Each check rejects with probability ≈ 0.05, so the count of
  // rejections is Binomial(1000, 0.05): sd √(1000·0.05·0.95) = 6.9, and the bounds are the mean
  // ± 4 sds, [22, 78] (a correct implementation falls outside with probability < 1e-4). The ECDF
  // bands' γ is itself estimated per replication (1000 uniform samples each, a different seed
  // each time); its 5% order statistic covers 50/1001 on average, so it adds no bias.
  const { ecdfBands } = await import("../../lib/calibration/ecdf_bands.ts");
  const { KeyedStream } = await import("../../lib/math/rng.ts");
  const rng = new KeyedStream(2022, 0, 0, 9);
  const R = 1000, N = 100, L = 99;
  let ecdfOut = 0, chiOut = 0;
  for (let r = 0; r < R; r++) {
    const ranks = Array.from({ length: N }, () => Math.floor(rng.uniform() * (L + 1)));
    if (!ecdfBands(ranks, L, { seed: r + 1 }).inBands) ecdfOut++;
    if (chiSquareUniformity(rankHistogram(ranks, L, 10), L) < 0.05) chiOut++;
  }
  assert.ok(ecdfOut >= 22 && ecdfOut <= 78, `ECDF outside its bands in ${ecdfOut} of ${R}`);
  assert.ok(chiOut >= 22 && chiOut <= 78, `chi-square p < 0.05 in ${chiOut} of ${R}`);
});

Deno.test("holmAdjust: Holm's step-down p-values, in the input's order; NaN left out", () => {
  // Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1: 0.02, 0.03, 0.06, 0.04 → monotone 0.06.
  const q = holmAdjust([0.01, 0.04, 0.03, 0.005]);
  [0.03, 0.06, 0.06, 0.02].forEach((e, i) => assert.ok(Math.abs(q[i] - e) < 1e-15, `${q}`));
  // Capped at 1; a NaN p (no ranks) stays NaN and does not count in m (m = 2 here).
  const r = holmAdjust([0.6, NaN, 0.02]);
  assert.ok(Number.isNaN(r[1]));
  assert.deepEqual([r[0], r[2]], [0.6, 0.04]);
  assert.equal(holmAdjust([0.9, 0.8])[0], 1);
});
