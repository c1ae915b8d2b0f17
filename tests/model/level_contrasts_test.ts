import assert from "node:assert/strict";
import { contrastsToLevels, levelsToContrasts } from "../../lib/model/level_contrasts.ts";

/** Q as a J × J matrix: column c is contrastsToLevels of the c-th unit vector (K = 1). */
function basis(J: number): number[][] {
  const Q = Array.from({ length: J }, () => new Array<number>(J).fill(0));
  for (let c = 0; c < J; c++) {
    const unit = new Float64Array(J);
    unit[c] = 1;
    const column = new Float64Array(J);
    contrastsToLevels(unit, J, 1, column);
    for (let j = 0; j < J; j++) Q[j][c] = column[j];
  }
  return Q;
}

Deno.test("contrastsToLevels: Q is orthogonal, its first column the constant 1/√J", () => {
  for (const J of [1, 2, 3, 7]) {
    const Q = basis(J);
    for (let a = 0; a < J; a++) {
      assert.ok(Math.abs(Q[a][0] - 1 / Math.sqrt(J)) < 1e-15);
      for (let b = 0; b < J; b++) {
        const dot = Q.reduce((s, row) => s + row[a] * row[b], 0);
        assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-14, `J = ${J}, columns ${a}, ${b}`);
      }
    }
    // Helmert column i is zero below level i.
    for (let i = 1; i < J; i++) for (let j = i + 1; j < J; j++) assert.equal(Q[j][i], 0);
  }
});

Deno.test("levelsToContrasts inverts contrastsToLevels on J × K blocks, column by column", () => {
  const J = 5;
  const K = 3;
  const r = Float64Array.from({ length: J * K }, (_, i) => Math.cos(0.7 * i) * (1 + i));
  const s = new Float64Array(J * K);
  levelsToContrasts(r, J, K, s);
  const back = new Float64Array(J * K);
  contrastsToLevels(s, J, K, back);
  for (let i = 0; i < J * K; i++) assert.ok(Math.abs(back[i] - r[i]) < 1e-12);
  // Row 0 of s is √J times each column's level mean; norms are kept (Q orthogonal).
  for (let k = 0; k < K; k++) {
    let mean = 0;
    for (let j = 0; j < J; j++) mean += r[j * K + k] / J;
    assert.ok(Math.abs(s[k] - Math.sqrt(J) * mean) < 1e-12);
  }
  const norm = (x: Float64Array) => x.reduce((a, v) => a + v * v, 0);
  assert.ok(Math.abs(norm(s) - norm(r)) < 1e-10 * norm(r));
});
