import assert from "node:assert/strict";
import {
  dataCentredStandardised,
  dataCentredValue,
  dataCentringBackward,
  dataCentringFromLevels,
  dataCentringLogJacobian,
} from "../../lib/model/data_centring.ts";
import { contrastsToLevels } from "../../lib/model/level_contrasts.ts";
import { seeded } from "../_seeded.ts";

/** Random (v, m, c, I, ŝ) with I from 0 to ~10⁴ and c from ~0.01 to ~3. */
function randomCases(seed: number, n: number) {
  const u = seeded(seed);
  return Array.from({ length: n }, () => ({
    v: 4 * u() - 2,
    m: u() - 0.5,
    c: Math.exp(6 * u() - 4.5),
    information: u() < 0.2 ? 0 : Math.exp(10 * u() - 1),
    estimate: u() - 0.5,
  }));
}

Deno.test("data-centring: the inverse gives v back", () => {
  for (const { v, m, c, information, estimate } of randomCases(1, 200)) {
    const s = dataCentredValue(v, m, c, information, estimate);
    const back = dataCentredStandardised(s, m, c, information, estimate);
    assert.ok(Math.abs(back - v) < 1e-9 * (1 + Math.abs(v)), `${v} → ${s} → ${back}`);
  }
});

Deno.test("data-centring: no information is non-centred, much is centred on the estimate", () => {
  assert.equal(dataCentredValue(0.7, 0.1, 0.5, 0, 3), 0.1 + 0.5 * 0.7);
  assert.equal(Math.abs(dataCentringLogJacobian(0.5, 0)), 0);
  // I c² = 10⁸: s ≈ ŝ + v/√I, and v moves s by its data standard error whatever c is.
  for (const c of [1, 10]) {
    const I = 1e8 / (c * c);
    const s = dataCentredValue(0.7, 0.1, c, I, 0.3);
    assert.ok(Math.abs(s - (0.3 + 0.7 / Math.sqrt(I))) < 1e-7, `${s}`);
  }
  // The conditional posterior of N(m, c²) prior × N(ŝ, 1/I) data: at v = 0 its mean.
  const [m, c, I, e] = [0.2, 0.5, 8, -0.4];
  const precision = 1 / (c * c) + I;
  assert.ok(Math.abs(dataCentredValue(0, m, c, I, e) - (m / (c * c) + I * e) / precision) < 1e-14);
  // ...and ∂s/∂v its sd, so the log density gains log(sd/c) = −½ log(1 + I c²).
  const slope = (dataCentredValue(1e-6, m, c, I, e) - dataCentredValue(-1e-6, m, c, I, e)) / 2e-6;
  assert.ok(Math.abs(slope - 1 / Math.sqrt(precision)) < 1e-8);
  assert.ok(
    Math.abs(dataCentringLogJacobian(c, I) - Math.log(1 / Math.sqrt(precision) / c)) < 1e-14,
  );
});

Deno.test("data-centring: the reverse pass matches finite differences", () => {
  // f(v, m, c) = sBar·s + uBar·(s − m)/c − ½ log(1 + I c²), the terms the model differentiates.
  const u = seeded(3);
  const out = new Float64Array(3);
  for (const { v, m, c, information, estimate } of randomCases(2, 100)) {
    const sBar = u() - 0.5, uBar = u() - 0.5;
    const f = (v: number, m: number, c: number) => {
      const s = dataCentredValue(v, m, c, information, estimate);
      return sBar * s + uBar * (s - m) / c + dataCentringLogJacobian(c, information);
    };
    dataCentringBackward(v, m, c, information, estimate, sBar, uBar, out);
    const h = 1e-6 * Math.min(1, c);
    const numeric = [
      (f(v + h, m, c) - f(v - h, m, c)) / (2 * h),
      (f(v, m + h, c) - f(v, m - h, c)) / (2 * h),
      (f(v, m, c + h) - f(v, m, c - h)) / (2 * h),
    ];
    numeric.forEach((d, i) => {
      // Central differences, O(h²) truncation; rounding ~ |f|·ε/h.
      assert.ok(
        Math.abs(d - out[i]) < 1e-5 * Math.max(1, Math.abs(d)),
        `argument ${i} at ${JSON.stringify({ v, m, c, information, estimate })}: ` +
          `analytic ${out[i]} vs numeric ${d}`,
      );
    });
  }
});

Deno.test("data-centring from levels: contrasts' estimates and the diagonal of their information", () => {
  const J = 4, K = 2;
  const u = seeded(5);
  const estimate = Float64Array.from({ length: J * K }, () => u() - 0.5);
  const information = Float64Array.from({ length: J * K }, () => 100 * u());
  const dc = dataCentringFromLevels(estimate, information, J, K, true);
  // Q's columns from contrastsToLevels of unit vectors; ŝ_i = Σ_j Q_ji r̂_j and
  // I_i = Σ_j Q_ji² I_j.
  for (let i = 0; i < J; i++) {
    const unit = new Float64Array(J);
    unit[i] = 1;
    const column = new Float64Array(J);
    contrastsToLevels(unit, J, 1, column);
    for (let k = 0; k < K; k++) {
      let s = 0, info = 0;
      for (let j = 0; j < J; j++) {
        s += column[j] * estimate[j * K + k];
        info += column[j] ** 2 * information[j * K + k];
      }
      // Row 0 is the level mean: it stays non-centred, so it carries no data-centring.
      const [wantS, wantI] = i === 0 ? [0, 0] : [s, info];
      assert.ok(Math.abs(dc.estimate[i * K + k] - wantS) < 1e-12, `estimate ${i},${k}`);
      assert.ok(Math.abs(dc.information[i * K + k] - wantI) < 1e-9, `information ${i},${k}`);
    }
  }
  const levels = dataCentringFromLevels(estimate, information, J, K, false);
  assert.deepEqual([...levels.estimate], [...estimate]);
  assert.deepEqual([...levels.information], [...information]);
});

Deno.test("data-centring from levels: with K × K level blocks, each contrast row's joint information", () => {
  const J = 3, K = 2;
  const u = seeded(6);
  const estimate = Float64Array.from({ length: J * K }, () => u() - 0.5);
  // Level blocks [[a, c], [c, b]]; `information` is their diagonal.
  const blocks = new Float64Array(J * K * K);
  const information = new Float64Array(J * K);
  for (let j = 0; j < J; j++) {
    const [a, b] = [100 * u(), 100 * u()];
    const c = 0.5 * Math.sqrt(a * b) * (u() - 0.5);
    blocks.set([a, c, c, b], j * K * K);
    information.set([a, b], j * K);
  }
  const dc = dataCentringFromLevels(estimate, information, J, K, true, blocks);
  const joint = dc.jointInformation!;
  for (let i = 0; i < J; i++) {
    const unit = new Float64Array(J);
    unit[i] = 1;
    const column = new Float64Array(J);
    contrastsToLevels(unit, J, 1, column);
    for (let e = 0; e < K * K; e++) {
      // Σ_j Q_ji² I_j entry by entry; the level mean (row 0) carries none.
      let want = 0;
      for (let j = 0; j < J; j++) want += column[j] ** 2 * blocks[j * K * K + e];
      if (i === 0) want = 0;
      assert.ok(Math.abs(joint[i * K * K + e] - want) < 1e-9, `row ${i} entry ${e}`);
    }
    for (let k = 0; k < K; k++) {
      assert.equal(dc.information[i * K + k], joint[i * K * K + k * K + k]);
    }
  }
  // Without contrasts: the level blocks themselves; without blocks: no joint information.
  const levels = dataCentringFromLevels(estimate, information, J, K, false, blocks);
  assert.deepEqual([...levels.jointInformation!], [...blocks]);
  assert.equal(
    dataCentringFromLevels(estimate, information, J, K, true).jointInformation,
    undefined,
  );
});

Deno.test("data-centring from levels: a row block that is not positive semi-definite keeps its diagonal", () => {
  // J = 2, K = 2: the one contrast row's block is ½(I_0 + I_1). [[1, 3], [3, 1]] is indefinite
  // and loses its off-diagonals; [[1, 1], [1, 1]] is semi-definite and is kept as it is.
  const cases = [
    { level: [1, 3, 3, 1], want: [1, 0, 0, 1] },
    { level: [1, 1, 1, 1], want: [1, 1, 1, 1] },
  ];
  for (const { level, want } of cases) {
    const blocks = Float64Array.from([...level, ...level]);
    const ones = Float64Array.of(1, 1, 1, 1);
    const dc = dataCentringFromLevels(new Float64Array(4), ones, 2, 2, true, blocks);
    // (Q's entries are ±1/√2: the sums are 1 up to rounding.)
    const got = [...dc.jointInformation!.subarray(4)].map((x) => Math.round(x * 1e12) / 1e12);
    assert.deepEqual(got, want);
  }
});
