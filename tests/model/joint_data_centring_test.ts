/**
 * Joint data-centring of a row: the map's inverse, the Gaussian it is built from (mean and
 * covariance (Σ⁻¹ + I)⁻¹), its log density against the non-centred one, and the reverse pass
 * against finite differences, for K = 1–3, informations from 0 to 10⁴ and signed scales; and a
 * crossed Bernoulli fit with "auto" (jointly data-centred) against plain non-centred NUTS.
 */
import assert from "node:assert/strict";
import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import { formula } from "../../lib/spec/formula.ts";
import { crossedTable } from "../../bench/cpu_models.ts";
import {
  jointCentredRow,
  jointCentringBackward,
  jointStandardised,
  jointWork,
} from "../../lib/model/joint_data_centring.ts";
import { seeded } from "../_seeded.ts";
import { invertSymmetricPositive } from "../../lib/model/_dense.ts";

interface Case {
  K: number;
  v: Float64Array;
  C: Float64Array;
  information: Float64Array;
  estimate: Float64Array;
}

/** Random rows: C lower with scales ~0.01–3 (some negative: signed sds), I = B Bᵀ scaled. */
function randomCases(seed: number, n: number): Case[] {
  const u = seeded(seed);
  return Array.from({ length: n }, (_, i) => {
    const K = 1 + (i % 3);
    const C = new Float64Array(K * K);
    const B = new Float64Array(K * K);
    for (let a = 0; a < K; a++) {
      for (let b = 0; b <= a; b++) {
        C[a * K + b] = a === b
          ? (u() < 0.2 ? -1 : 1) * Math.exp(5.5 * u() - 4.5)
          : Math.exp(2 * u() - 3) * (u() - 0.5);
      }
      for (let b = 0; b < K; b++) B[a * K + b] = u() - 0.5;
    }
    const scale = u() < 0.15 ? 0 : Math.exp(10 * u() - 1);
    const information = new Float64Array(K * K);
    for (let a = 0; a < K; a++) {
      for (let b = 0; b < K; b++) {
        let x = 0;
        for (let c = 0; c < K; c++) x += B[a * K + c] * B[b * K + c];
        information[a * K + b] = scale * x;
      }
    }
    const v = Float64Array.from({ length: K }, () => 4 * u() - 2);
    const estimate = Float64Array.from({ length: K }, () => u() - 0.5);
    return { K, v, C, information, estimate };
  });
}

/** s, u and log density of a case at v. */
function forward(c: Case, v = c.v) {
  const s = new Float64Array(c.K), u = new Float64Array(c.K);
  const lp = jointCentredRow(v, c.C, c.information, c.estimate, jointWork(c.K), s, u);
  return { s, u, lp };
}

/** Small dense helpers for the checks (plain arrays, K ≤ 3). */
const matmul = (A: number[][], B: number[][]) =>
  A.map((row) => B[0].map((_, q) => row.reduce((x, a, r) => x + a * B[r][q], 0)));
const transpose = (A: number[][]) => A[0].map((_, q) => A.map((row) => row[q]));
const square = (a: ArrayLike<number>, K: number) =>
  Array.from({ length: K }, (_, p) => Array.from({ length: K }, (_, q) => a[p * K + q]));
/** Inverse and log determinant of a symmetric positive-definite matrix (lib's dense algebra). */
function inverseSpd(A: number[][]): { inverse: number[][]; logDet: number } {
  const K = A.length;
  const out = new Float64Array(K * K);
  const logDet = invertSymmetricPositive(
    Float64Array.from(A.flat()),
    K,
    out,
    new Float64Array(K * K),
  );
  return { inverse: square(out, K), logDet };
}
const inverse = (A: number[][]) => inverseSpd(A).inverse;

Deno.test("joint data-centring: the inverse gives v back", () => {
  for (const c of randomCases(1, 150)) {
    const { s } = forward(c);
    const back = new Float64Array(c.K);
    jointStandardised(s, c.C, c.information, c.estimate, jointWork(c.K), back);
    for (let a = 0; a < c.K; a++) {
      assert.ok(Math.abs(back[a] - c.v[a]) < 1e-8 * (1 + Math.abs(c.v[a])), `${c.v} → ${back}`);
    }
  }
});

Deno.test("joint data-centring: s = m* + R v with m* the posterior mean and R Rᵀ = (Σ⁻¹ + I)⁻¹", () => {
  for (const c of randomCases(2, 90)) {
    const { K } = c;
    // Only well-scaled cases: the dense inverses below lose digits for tiny |C|.
    if ([...Array(K).keys()].some((a) => Math.abs(c.C[a * K + a]) < 0.05)) continue;
    const Cm = square(c.C, K);
    const Sigma = matmul(Cm, transpose(Cm));
    const I = square(c.information, K);
    const SigmaInverse = inverse(Sigma);
    const V = inverse(SigmaInverse.map((row, p) => row.map((x, q) => x + I[p][q])));
    const mean = matmul(V, matmul(I, c.estimate.reduce((m, e) => [...m, [e]], [] as number[][])));
    const at0 = forward(c, new Float64Array(K)).s;
    // s is affine in v: its columns R e_q by differences (exact up to rounding).
    const R = Array.from({ length: K }, () => new Array(K).fill(0));
    for (let q = 0; q < K; q++) {
      const e = new Float64Array(K);
      e[q] = 1;
      const sq = forward(c, e).s;
      for (let p = 0; p < K; p++) R[p][q] = sq[p] - at0[p];
    }
    const RRt = matmul(R, transpose(R));
    const scale = Math.max(...V.flat().map(Math.abs));
    for (let p = 0; p < K; p++) {
      assert.ok(Math.abs(at0[p] - mean[p][0]) < 1e-8 * (1 + Math.abs(mean[p][0])), "mean");
      for (let q = 0; q < K; q++) {
        assert.ok(Math.abs(RRt[p][q] - V[p][q]) < 1e-8 * scale, `V[${p}][${q}]`);
      }
    }
  }
});

Deno.test("joint data-centring: log density is the prior's at s plus log |det ∂s/∂v|", () => {
  for (const c of randomCases(3, 90)) {
    const { K } = c;
    const { s, lp } = forward(c);
    // log N(s; 0, C Cᵀ) up to −(K/2) log 2π: −½ |C⁻¹ s|² − log |det C|.
    const w = new Float64Array(K);
    let logDetC = 0;
    for (let a = 0; a < K; a++) {
      let r = s[a];
      for (let b = 0; b < a; b++) r -= c.C[a * K + b] * w[b];
      w[a] = r / c.C[a * K + a];
      logDetC += Math.log(Math.abs(c.C[a * K + a]));
    }
    const prior = -0.5 * w.reduce((x, y) => x + y * y, 0) - logDetC;
    // log |det ∂s/∂v| = ½ log det V, det V = det Σ / det(I + Σ I) = det Σ / det(I + Cᵀ I C).
    const Cm = square(c.C, K);
    const M = matmul(transpose(Cm), matmul(square(c.information, K), Cm)).map((row, p) =>
      row.map((x, q) => x + (p === q ? 1 : 0))
    );
    const logDetM = inverseSpd(M).logDet;
    const want = prior + logDetC - 0.5 * logDetM;
    assert.ok(Math.abs(lp - want) < 1e-8 * Math.max(1, Math.abs(want)), `${lp} vs ${want}`);
  }
});

Deno.test("joint data-centring: the reverse pass matches finite differences", () => {
  const u = seeded(4);
  for (const c of randomCases(5, 120)) {
    const { K } = c;
    const sBar = Float64Array.from({ length: K }, () => u() - 0.5);
    const f = (v: Float64Array, C: Float64Array) => {
      const s = new Float64Array(K), uu = new Float64Array(K);
      const lp = jointCentredRow(v, C, c.information, c.estimate, jointWork(K), s, uu);
      return lp + s.reduce((x, sa, a) => x + sBar[a] * sa, 0);
    };
    for (const diagonalOnly of [false, true]) {
      const work = jointWork(K);
      jointCentredRow(
        c.v,
        c.C,
        c.information,
        c.estimate,
        work,
        new Float64Array(K),
        new Float64Array(K),
      );
      const vBar = new Float64Array(K), cBar = new Float64Array(K * K);
      jointCentringBackward(
        c.v,
        c.C,
        c.information,
        c.estimate,
        work,
        sBar,
        vBar,
        cBar,
        diagonalOnly,
      );
      const h = 1e-6 * Math.min(1, ...[...Array(K).keys()].map((a) => Math.abs(c.C[a * K + a])));
      const check = (numeric: number, analytic: number, what: string) =>
        // Central differences: O(h²) truncation, rounding ~ |f|·ε/h.
        assert.ok(
          Math.abs(numeric - analytic) < 1e-5 * Math.max(1, Math.abs(numeric)),
          `${what} (K = ${K}): analytic ${analytic} vs numeric ${numeric}`,
        );
      for (let a = 0; a < K; a++) {
        const plus = Float64Array.from(c.v), minus = Float64Array.from(c.v);
        plus[a] += h, minus[a] -= h;
        check((f(plus, c.C) - f(minus, c.C)) / (2 * h), vBar[a], `v[${a}]`);
        for (let b = 0; b <= a; b++) {
          if (diagonalOnly && b !== a) {
            assert.equal(cBar[a * K + b], 0);
            continue;
          }
          const Cp = Float64Array.from(c.C), Cm = Float64Array.from(c.C);
          Cp[a * K + b] += h, Cm[a * K + b] -= h;
          check((f(c.v, Cp) - f(c.v, Cm)) / (2 * h), cBar[a * K + b], `C[${a}][${b}]`);
        }
      }
    }
  }
});

Deno.test("joint data-centring: no information is non-centred; K = 1 is the marginal map", () => {
  const C = Float64Array.of(0.5, 0, 0.3, 0.2);
  const { s, u, lp } = forward({
    K: 2,
    v: Float64Array.of(0.7, -1.2),
    C,
    information: new Float64Array(4),
    estimate: Float64Array.of(3, 4),
  });
  assert.deepEqual([...u], [0.7, -1.2]);
  assert.ok(Math.abs(s[0] - 0.35) < 1e-15 && Math.abs(s[1] - (0.21 - 0.24)) < 1e-15);
  assert.ok(Math.abs(lp + 0.5 * (0.49 + 1.44)) < 1e-15);
  // K = 1: s = (I c² ŝ)/(1 + I c²) + c v/√(1 + I c²), as data_centring.ts with m = 0.
  const [c, I, e, v] = [0.4, 30, 0.25, 0.8];
  const g = 1 + I * c * c;
  const one = forward({
    K: 1,
    v: Float64Array.of(v),
    C: Float64Array.of(c),
    information: Float64Array.of(I),
    estimate: Float64Array.of(e),
  });
  assert.ok(Math.abs(one.s[0] - ((I * c * c * e) / g + (c * v) / Math.sqrt(g))) < 1e-14);
});

Deno.test("joint data-centring: a crossed Bernoulli posterior equals plain non-centred NUTS's", async () => {
  // Two few-level crossed terms at brms's default priors, where the coefficient-by-coefficient
  // map diverged. Both fits at adapt_delta 0.99, so the non-centred reference is trustworthy.
  const builder = formula(
    "y ~ 1 + treat + (1 + treat | race) + (1 + treat | hawk)",
    crossedTable(1500, "bernoulli", 2),
    { family: "bernoulli" },
  );
  const options = { chains: 4, warmup: 500, draws: 750, seed: 3, adaptDelta: 0.99 } as const;
  const auto = await builder.fit({ ...options, progress: false });
  const plain = await builder.fit({ ...options, progress: false, parameterization: "noncentered" });
  assert.deepEqual(auto.info.parameterization?.map((t) => t.data_centring), [true, true]);
  assert.equal(auto.diagnostics().divergences, 0);
  const reference = new Map(plain.summary({ varying: true }).map((p) => [p.name, p] as const));
  let compared = 0;
  for (const p of auto.summary({ varying: true })) {
    if (p.name === "lp__") continue;
    const q = reference.get(p.name)!;
    assert.ok(
      p.ess_bulk >= 300 && q.ess_bulk >= 300,
      `${p.name}: ESS ${p.ess_bulk} / ${q.ess_bulk}`,
    );
    // Independent fits: means within 4 combined MCSEs (sd/√ESS each); with ~25 quantities a
    // correct map fails with probability < 0.2%.
    const mcse = Math.hypot(p.sd / Math.sqrt(p.ess_bulk), q.sd / Math.sqrt(q.ess_bulk));
    assert.ok(
      Math.abs(p.mean - q.mean) < 4 * mcse,
      `${p.name}: ${p.mean} vs ${q.mean} (4·MCSE ${4 * mcse})`,
    );
    compared++;
  }
  // b (2), sd (2 × 2), cor (2), r (race 3 × 2, hawk 3 × 2).
  assert.equal(compared, 2 + 4 + 2 + 12);
});
