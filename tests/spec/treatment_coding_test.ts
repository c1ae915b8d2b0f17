/** Tests of lib/spec/treatment_coding.ts: the contrasts of each treatment coding. */
import assert from "node:assert/strict";
import { makeTable } from "../../lib/data/table.ts";
import {
  contrastText,
  describeContrast,
  treatmentContrasts,
  treatmentPartChange,
} from "../../lib/spec/treatment_coding.ts";
import { assertHetfx } from "../reliability/_helpers.ts";

const num = (...v: number[]) => ({ kind: "number" as const, values: new Float64Array(v) });
const table = makeTable({
  binary: num(0, 1, 0, 1),
  pm: num(-1, 1, -1, 1),
  two: num(1, 2, NaN, 2),
  dose: num(0, 0.5, 1, 2),
  arm: { kind: "factor", codes: new Int32Array([0, 1, 2, 0]), levels: ["a", "b", "ctl"] },
});

Deno.test("treatmentContrasts: two numeric values give one contrast high − low", () => {
  const [binary] = treatmentContrasts(table, "binary");
  assert.deepEqual([binary.name, binary.kind, binary.difference], ["1 - 0", "binary", 1]);
  const [pm] = treatmentContrasts(table, "pm");
  assert.deepEqual([pm.name, pm.kind, pm.difference], ["1 - -1", "two-valued", 2]);
  // Missing values are not a third value.
  const [two] = treatmentContrasts(table, "two");
  assert.deepEqual([two.name, two.difference], ["2 - 1", 1]);
  // A reference on the high value turns the contrast round.
  const [flipped] = treatmentContrasts(table, "pm", "1");
  assert.deepEqual([flipped.name, flipped.difference], ["-1 - 1", -2]);
});

Deno.test("treatmentContrasts: a factor gives K − 1 contrasts against the reference", () => {
  assert.deepEqual(treatmentContrasts(table, "arm").map((c) => c.name), ["b - a", "ctl - a"]);
  const against = treatmentContrasts(table, "arm", "ctl");
  assert.deepEqual(against.map((c) => c.name), ["a - ctl", "b - ctl"]);
  assert.deepEqual(against.map((c) => [c.highCode, c.lowCode]), [[0, 2], [1, 2]]);
  // Each level's indicator changes by +1 at the high level, −1 at the reference, else 0.
  assert.deepEqual([0, 1, 2].map((level) => treatmentPartChange(against[1], level)), [0, 1, -1]);
});

Deno.test("treatmentContrasts: more than two values give a per-unit slope", () => {
  const [dose] = treatmentContrasts(table, "dose");
  assert.deepEqual([dose.name, dose.kind, dose.difference], ["per unit of dose", "continuous", 1]);
  assert.equal(treatmentPartChange(dose, -1), 1);
  assert.equal(describeContrast("dose", dose), "dose, per unit");
  assert.equal(describeContrast("binary", treatmentContrasts(table, "binary")[0]), "binary");
  assert.equal(describeContrast("arm", treatmentContrasts(table, "arm")[0]), "arm (b vs a)");
});

Deno.test("contrastText: titles read high vs low, not the name's 1 - -1; a slope keeps its name", () => {
  const [pm] = treatmentContrasts(table, "pm");
  assert.equal(contrastText(pm), "1 vs -1");
  assert.equal(contrastText(treatmentContrasts(table, "pm", "1")[0]), "-1 vs 1");
  assert.equal(contrastText(treatmentContrasts(table, "arm", "ctl")[1]), "b vs ctl");
  assert.equal(contrastText(treatmentContrasts(table, "dose")[0]), "per unit of dose");
  assert.equal(describeContrast("pm", pm), `pm (${contrastText(pm)})`);
});

Deno.test("treatmentContrasts: a reference that is not a level or value is refused, naming them", async () => {
  await assertHetfx(() => treatmentContrasts(table, "arm", "control"), /"control"/, /a, b, ctl/);
  await assertHetfx(() => treatmentContrasts(table, "pm", "0"), /values: -1, 1/);
  await assertHetfx(
    () => treatmentContrasts(table, "dose", "0"),
    /takes more than two values/,
    /--factor/,
  );
});

Deno.test("treatmentContrasts: the values seen in any order, −0 as 0, a constant column a slope", async () => {
  const t = makeTable({
    desc: num(1, 1, NaN, 0, 0, 1),
    zeros: num(-0, 1, 0, -0, 1, 0),
    third: num(0, 1, 0, 1, 1, 2),
    constant: num(3, 3, NaN, 3, 3, 3),
    empty: num(NaN, NaN, NaN, NaN, NaN, NaN),
  });
  assert.equal(treatmentContrasts(t, "desc")[0].name, "1 - 0");
  const [zeros] = treatmentContrasts(t, "zeros");
  assert.ok(zeros.kind === "binary" && Object.is(zeros.difference, 1) && zeros.low === "0");
  // A third value after many rows of two still makes a slope.
  assert.equal(treatmentContrasts(t, "third")[0].kind, "continuous");
  await assertHetfx(() => treatmentContrasts(t, "third", "0"), /takes more than two values/);
  for (const name of ["constant", "empty"]) {
    assert.equal(treatmentContrasts(t, name)[0].kind, "continuous");
  }
  await assertHetfx(() => treatmentContrasts(t, "constant", "3"), /takes a single value/);
});
