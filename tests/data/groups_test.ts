import assert from "node:assert/strict";
import {
  countGroupsUpToTwo,
  formatGroupSummary,
  groupKeys,
  groups,
} from "../../lib/data/groups.ts";
import { makeTable } from "../../lib/data/table.ts";
import { HetfxError } from "../../lib/errors.ts";

// b's levels are ordered ["z", "y"], so "z" sorts before "y".
const table = makeTable({
  a: { kind: "number", values: new Float64Array([10, 2, 10, 2, NaN, 10, 2]) },
  b: { kind: "factor", codes: new Int32Array([1, 0, 0, 0, 1, 1, 1]), levels: ["z", "y"] },
  age: { kind: "number", values: new Float64Array([20, 30, 40, 50, 60, 70, 80]) },
});

Deno.test("groupKeys: observed combinations sorted by level order, labels, sizes", () => {
  const k = groupKeys(table, ["a", "b"]);
  assert.deepEqual(k.labels, ["2_z", "2_y", "10_z", "10_y"]);
  assert.deepEqual(k.sizes, [2, 1, 1, 2]);
  assert.deepEqual(Array.from(k.index), [3, 0, 2, 0, -1, 3, 1]);
  assert.deepEqual(k.levels[1], { a: "2", b: "y" });
  // Order of factors changes the nesting.
  assert.deepEqual(groupKeys(table, ["b", "a"]).labels, ["z_2", "z_10", "y_2", "y_10"]);
});

Deno.test("groupKeys errors name the column", () => {
  assert.throws(
    () => groupKeys(table, ["a", "bb"]),
    /Cannot form groups: column "bb" not found; did you mean "b"\?/,
  );
  assert.throws(() => groupKeys(table, []), /name at least one column/);
  assert.throws(() => groupKeys(table, ["a", "a"]), /column "a" is named twice/);
});

Deno.test("groupKeys refuses two groups whose levels joined by '_' make the same label", () => {
  // a = "x_y", b = "z" and a = "x", b = "y_z" are different groups, both "x_y_z" once joined:
  // every lookup by label (parameter names, effects, predictions) would mix them.
  const t = makeTable({
    a: { kind: "factor", codes: new Int32Array([0, 1, 2]), levels: ["x", "x_y", "p"] },
    b: { kind: "factor", codes: new Int32Array([0, 1, 2]), levels: ["y_z", "z", "q"] },
  });
  assert.throws(
    () => groupKeys(t, ["a", "b"]),
    (e) =>
      e instanceof HetfxError &&
      e.message.includes(
        'the groups a = "x", b = "y_z" and a = "x_y", b = "z" both have the ' +
          'label "x_y_z"',
      ) && /Recode the levels of "a" or "b" without "_"/.test(e.message),
  );
  // Underscores alone are fine while the labels stay distinct.
  const fine = makeTable({
    a: { kind: "factor", codes: new Int32Array([0, 1]), levels: ["high_school", "college"] },
    b: { kind: "factor", codes: new Int32Array([0, 1]), levels: ["north_east", "south"] },
  });
  assert.deepEqual(groupKeys(fine, ["a", "b"]).labels, ["high_school_north_east", "college_south"]);
});

Deno.test("bin refuses to overwrite a column of the table named like its bins", () => {
  const t = makeTable({
    age: { kind: "number", values: new Float64Array([20, 30, 40, 50]) },
    age_bin: { kind: "factor", codes: new Int32Array([0, 0, 1, 1]), levels: ["young", "old"] },
  });
  assert.throws(
    () => groups(t).bin("age", { quantiles: 2 }),
    /Cannot bin "age": the table already has a column "age_bin", where the bins would go/,
  );
});

Deno.test("groups builder is immutable and bins into its own table", () => {
  const g0 = groups(table);
  const g1 = g0.by("b");
  const g2 = g1.bin("age", { quantiles: 2 });
  assert.deepEqual(g0.factors, []);
  assert.deepEqual(g1.factors, ["b"]);
  assert.deepEqual(g2.factors, ["b", "age_bin"]);
  assert.equal(table.columns.age_bin, undefined);
  assert.equal(g1.table, table);
  // Quantiles of 20..80 at 1/2: 50 → [20,50] (50,80]
  const k = g2.keys();
  // b is z in rows 2-4 (ages 30-50), y in rows 1, 5-7: "z_(50,80]" is never observed.
  assert.deepEqual(k.labels, ["z_[20,50]", "y_[20,50]", "y_(50,80]"]);
  assert.deepEqual(k.sizes, [3, 1, 3]);
  assert.throws(() => g1.by("b"), /already grouped by "b"/);
  assert.throws(() => g1.by("B"), /Cannot group: column "B" not found; did you mean "b"\?/);
});

Deno.test("summary counts tiny groups and notes single-level factors and missing rows", () => {
  const constant = makeTable({
    x: { kind: "number", values: new Float64Array([1, 1, 2, 2, 2, 2, 2, 2]) },
    one: { kind: "number", values: new Float64Array([1, 1, 1, 1, 1, 1, 1, NaN]) },
  });
  const s = groups(constant).by("x", "one").summary({ tiny: 5 });
  assert.equal(s.nGroups, 2);
  assert.equal(s.minSize, 2);
  assert.equal(s.maxSize, 5);
  assert.equal(s.nTiny, 1);
  assert.equal(s.nMissing, 1);
  assert.deepEqual(s.groups.map((g) => [g.group, g.n, g.tiny]), [["1_1", 2, true], [
    "2_1",
    5,
    false,
  ]]);
  assert.match(s.notes.join("\n"), /"one" has a single value \(1\) in the grouped rows/);
  assert.match(s.notes.join("\n"), /1 row has a missing grouping value and belongs to no group/);
  // A misspelt option is refused, not ignored (the default threshold would stay).
  assert.throws(
    () => groups(constant).by("x").summary({ tinny: 3 } as never),
    /Cannot summarise groups: unknown option "tinny"; did you mean "tiny"\?/,
  );
  const text = formatGroupSummary(s, 1);
  assert.match(text, /^2 groups by x × one, 7 rows; sizes 2–5; 1 with fewer than 5 rows/);
  assert.match(text, /1_1\s+2 {2}tiny/);
  assert.match(text, /… 1 larger groups not shown/);
});

Deno.test("bin notes merged quantile breaks", () => {
  const t = makeTable({
    x: { kind: "number", values: new Float64Array([1, 1, 1, 1, 1, 2, 3, 4, 5]) },
  });
  const g = groups(t).bin("x", { quantiles: 3 });
  assert.match(g.notes[0], /ties in "x" merged equal quantile breaks, so it has 2 bins, not 3/);
  assert.match(g.summary().notes[0], /2 bins, not 3/);
});

Deno.test("groupKeys still sorts correctly when the key space exceeds 2^53", () => {
  // Four factors with 10,000 distinct values each: 10^16 combinations > 2^53.
  const n = 10000;
  const values = Float64Array.from({ length: n }, (_, i) => n - i);
  const t = makeTable({
    a: { kind: "number", values },
    b: { kind: "number", values },
    c: { kind: "number", values },
    d: { kind: "number", values: values.map((v) => -v) },
  });
  const k = groupKeys(t, ["a", "b", "c", "d"]);
  assert.equal(k.labels.length, n);
  assert.equal(k.labels[0], "1_1_1_-1");
  assert.equal(k.labels[n - 1], "10000_10000_10000_-10000");
  assert.equal(k.index[0], n - 1);
});

Deno.test("groupKeys ranks numbers the same by the integer and the sorting paths", () => {
  // Integers in a small range take the two-pass integer path; adding 0.5 forces the sorting
  // path. Both must give the same grouping, NaN rows in none, and -0 equal to 0.
  const ints = new Float64Array([3, -2, 0, NaN, 3, -0, 7, -2]);
  const halves = ints.map((v) => v + 0.5);
  const wide = ints.map((v) => v * 1e9); // integers whose range is too wide for the table
  for (const values of [ints, halves, wide]) {
    const k = groupKeys(makeTable({ v: { kind: "number", values } }), ["v"]);
    assert.deepEqual(Array.from(k.index), [2, 0, 1, -1, 2, 1, 3, 0]);
    assert.deepEqual(k.sizes, [2, 2, 2, 1]);
  }
});

Deno.test("groupKeys: the dense-table and the Map paths agree with a brute-force grouping", () => {
  // Three factors with missing values; 300 levels each on 400 rows is a key space (2.7e7)
  // past the dense table's size (the Map path); 4 levels each stays dense.
  let s = 11;
  const u = () => (s = (s * 16807) % 2147483647) / 2147483647;
  for (const levels of [4, 300]) {
    const n = 400;
    const col = () =>
      Float64Array.from({ length: n }, () => u() < 0.05 ? NaN : Math.floor(u() * levels) * 3);
    const t = makeTable({
      a: { kind: "number", values: col() },
      b: { kind: "number", values: col() },
      c: {
        kind: "factor",
        codes: Int32Array.from({ length: n }, () => Math.floor(u() * 3)),
        levels: ["q", "p", "r"],
      },
    });
    const k = groupKeys(t, ["a", "b", "c"]);
    // Brute force: the observed (a, b, c code) tuples, sorted; each row's position among them.
    const a = t.columns.a as { values: Float64Array };
    const b = t.columns.b as { values: Float64Array };
    const c = t.columns.c as { codes: Int32Array };
    const tuples = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(a.values[i]) || Number.isNaN(b.values[i])) continue;
      const tup = [a.values[i], b.values[i], c.codes[i]];
      tuples.set(tup.join(), tup);
    }
    const sorted = [...tuples.values()].sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
    const at = new Map(sorted.map((tup, g) => [tup.join(), g]));
    const index = Array.from(
      { length: n },
      (_, i) => at.get([a.values[i], b.values[i], c.codes[i]].join()) ?? -1,
    );
    assert.deepEqual(Array.from(k.index), index);
    assert.deepEqual(k.sizes, sorted.map((_, g) => index.filter((x) => x === g).length));
    assert.deepEqual(k.labels, sorted.map(([x, y, z]) => `${x}_${y}_${["q", "p", "r"][z]}`));
    assert.equal(countGroupsUpToTwo(t, ["a", "b", "c"]), Math.min(2, k.sizes.length));
  }
});

Deno.test("countGroupsUpToTwo: 0, 1 or 2+ groups as groupKeys counts them", () => {
  const num = (...v: number[]) => ({ kind: "number" as const, values: Float64Array.from(v) });
  const t = makeTable({
    a: num(NaN, 1, 1, 1),
    z: num(0, -0, 0, 0),
    m: num(NaN, NaN, NaN, NaN),
    f: { kind: "factor", codes: new Int32Array([-1, 0, 0, 1]), levels: ["u", "v"] },
  });
  for (const factors of [["a"], ["z"], ["m"], ["f"], ["a", "z"], ["a", "f"], ["m", "f"]]) {
    assert.equal(
      countGroupsUpToTwo(t, factors),
      Math.min(2, groupKeys(t, factors).sizes.length),
      factors.join(),
    );
  }
  assert.deepEqual([["a"], ["z"], ["m"], ["f"]].map((f) => countGroupsUpToTwo(t, f)), [1, 1, 0, 2]);
});

Deno.test("groups() takes any in-memory table loadTable takes, or says to call loadTable", () => {
  // A danfojs-shaped DataFrame (column names, row-major values), records and a column object.
  const frame = { columns: ["y", "gender"], values: [[1.2, "m"], [2.3, "f"], [0.7, "m"]] };
  const records = frame.values.map(([y, gender]) => ({ y, gender }));
  const columns = { y: [1.2, 2.3, 0.7], gender: ["m", "f", "m"] };
  for (const source of [frame, records, columns]) {
    const summary = groups(source).by("gender").summary();
    assert.equal(summary.nGroups, 2);
    assert.deepEqual(groups(source).by("gender").keys().labels, ["f", "m"]);
  }
  for (const bad of ["data.csv", 3, null, { y: 1 }]) {
    assert.throws(
      () => groups(bad as never),
      (e: unknown) =>
        e instanceof HetfxError && /^Cannot group: .*await loadTable\(/.test(e.message),
      String(bad),
    );
  }
});

Deno.test("groupKeys: a numeric grouping column beyond 2^53 is refused: its IDs may have merged", () => {
  const t = makeTable({
    id: { kind: "number", values: Float64Array.of(900000000000000001, 900000000000000002, 7) },
  });
  assert.throws(
    () => groupKeys(t, ["id"]),
    (e) =>
      e instanceof HetfxError &&
      /"id" holds 900000000000000000 \(row 1\).*--factor id/.test(e.message),
  );
});

Deno.test("summary({ count }): an aggregate's sizes are the sums of its count column", () => {
  // Key rows were the only sizes there were: an aggregate's groups read as 1 or 2 rows each.
  const agg = makeTable({
    g: { kind: "factor", codes: new Int32Array([0, 0, 1, 2]), levels: ["a", "b", "c"] },
    n: { kind: "number", values: new Float64Array([3, 4, 2, 9]) },
  });
  const s = groups(agg).by("g").summary({ count: "n" });
  assert.deepEqual(s.groups.map((g) => [g.group, g.n]), [["a", 7], ["b", 2], ["c", 9]]);
  assert.deepEqual([s.nRows, s.minSize, s.maxSize, s.nTiny, s.nMissing], [18, 2, 9, 1, 0]);
  const fractional = makeTable({
    ...agg.columns,
    n: { kind: "number", values: Float64Array.of(1, 0.5, 2, 3) },
  });
  assert.throws(
    () => groups(fractional).by("g").summary({ count: "n" }),
    (e) =>
      e instanceof HetfxError &&
      /^Cannot summarise groups: `count` column "n" must hold row counts .*; row 2 has 0\.5\. /
        .test(e.message),
  );
});
