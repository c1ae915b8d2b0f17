/**
 * PilotFactor (the auto parameterisation pilot's solves, β moved last and the envelope skipped)
 * against the dense factorisation of the same matrix in the original order: solves and H⁻¹
 * entries agree to rounding (1e-10 relative: a different elimination order), on a one-term
 * (block-diagonal levels) and a crossed (coupled levels) Hessian. And choleskyInPlace /
 * invertLower with an envelope equal their dense runs bit for bit (only exact zeros skipped).
 * (_dense.ts gains the envelope for this.)
 */
import assert from "node:assert/strict";
import { PilotFactor } from "../../lib/model/pilot_factor.ts";
import {
  choleskyInPlace,
  envelope,
  invertLower,
  solveLower,
  solveLowerTransposed,
} from "../../lib/model/_dense.ts";
import { seeded } from "../_seeded.ts";

/**
 * XᵀX + ridge for random rows over [β (nb), levels of each term (J_t levels × K)]: every row has
 * all β columns and one level of each term.
 */
function pilotHessian(seed: number, nb: number, terms: [number, number][]): Float64Array {
  const u = seeded(seed);
  const N = nb + terms.reduce((s, [J, K]) => s + J * K, 0);
  const H = new Float64Array(N * N);
  for (let r = 0; r < 400; r++) {
    const index: number[] = [], value: number[] = [];
    for (let b = 0; b < nb; b++) index.push(b), value.push(u() - 0.5);
    let offset = nb;
    for (const [J, K] of terms) {
      const j = Math.floor(u() * J);
      for (let k = 0; k < K; k++) index.push(offset + j * K + k), value.push(k === 0 ? 1 : u());
      offset += J * K;
    }
    const w = 0.1 + u();
    for (let a = 0; a < index.length; a++) {
      for (let b = 0; b < index.length; b++) H[index[a] * N + index[b]] += w * value[a] * value[b];
    }
  }
  for (let i = 0; i < N; i++) H[i * N + i] += 0.5;
  return H;
}

for (
  const [name, terms] of [["one term", [[30, 2]]], ["crossed", [[5, 2], [3, 2], [4, 1]]]] as const
) {
  Deno.test(`PilotFactor, ${name}: solves and H⁻¹ entries equal the dense factor's`, () => {
    const nb = 4;
    const H = pilotHessian(7, nb, terms as unknown as [number, number][]);
    const N = Math.sqrt(H.length);
    const f = new PilotFactor(N, nb);
    assert.ok(f.factor(H));
    const dense = H.slice();
    assert.ok(choleskyInPlace(dense, N));
    const g = Float64Array.from({ length: N }, (_, i) => Math.sin(i + 1));
    const want = solveLowerTransposed(dense, N, solveLower(dense, N, g.slice()));
    const got = f.solve(g);
    for (let i = 0; i < N; i++) {
      assert.ok(Math.abs(got[i] - want[i]) <= 1e-10 * Math.abs(want[i]) + 1e-14);
    }
    // H⁻¹ = L⁻ᵀ L⁻¹ in each order.
    const F = f.inverseFactor(), D = invertLower(dense, N, new Float64Array(N * N));
    const inverse = (M: Float64Array, a: number, b: number) => {
      let s = 0;
      for (let m = 0; m < N; m++) s += M[m * N + a] * M[m * N + b];
      return s;
    };
    for (const [a, b] of [[0, 0], [0, N - 1], [nb, nb + 1], [nb, N - 1], [N - 2, N - 1]]) {
      const want = inverse(D, a, b);
      const got = inverse(F, f.position[a], f.position[b]);
      assert.ok(Math.abs(got - want) <= 1e-10 * Math.abs(inverse(D, a, a)), `H⁻¹[${a}, ${b}]`);
    }
  });
}

Deno.test("choleskyInPlace and invertLower with an envelope equal their dense runs bit for bit", () => {
  const nb = 3;
  const H = pilotHessian(11, nb, [[12, 2]]);
  const N = Math.sqrt(H.length);
  // Levels first, β last: the order PilotFactor uses.
  const order = [...Array.from({ length: N - nb }, (_, i) => nb + i), 0, 1, 2];
  const A = new Float64Array(N * N);
  order.forEach((i, pi) => order.forEach((j, pj) => (A[pi * N + pj] = H[i * N + j])));
  const first = envelope(A, N);
  assert.ok(first[2] === 2 && first[N - 1] === 0, "level rows start at their block, β rows at 0");
  const plain = A.slice(), skipping = A.slice();
  assert.ok(choleskyInPlace(plain, N) && choleskyInPlace(skipping, N, first));
  assert.deepEqual(skipping, plain);
  const inv1 = invertLower(plain, N, new Float64Array(N * N));
  const inv2 = invertLower(skipping, N, new Float64Array(N * N), first);
  assert.deepEqual(inv2, inv1);
});
