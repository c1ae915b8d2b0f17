import "../../lib/fit/mod.ts"; // adds .fit() to the model builders
import assert from "node:assert/strict";
import { makeTable } from "../../lib/data/table.ts";
import { groupMeanName, withGroupMeans } from "../../lib/spec/group_means.ts";
import { hier } from "../../lib/spec/hier.ts";
import { normal } from "../../lib/spec/priors.ts";
import { seeded } from "../_seeded.ts";

const num = (...v: number[]) => ({ kind: "number" as const, values: new Float64Array(v) });

Deno.test("withGroupMeans: the within-group mean per row, by hand", () => {
  const t = makeTable({ x: num(1, 2, 3, 10, 20), a: num(1, 1, 2, 2, 2), b: num(0, 1, 0, 0, 0) });
  const { table, name } = withGroupMeans(t, "x", ["a", "b"]);
  assert.equal(name, "x_mean_a_b");
  assert.equal(groupMeanName("x", ["a"]), "x_mean_a");
  assert.deepEqual([...(table.columns[name] as { values: Float64Array }).values], [
    1,
    2,
    11,
    11,
    11,
  ]);
});

Deno.test("groupMeans needs groups and a numeric column", () => {
  const t = makeTable({
    y: num(1, 2),
    x: num(1, 2),
    g: { kind: "factor", codes: new Int32Array([0, 1]), levels: ["p", "q"] },
  });
  assert.throws(() => hier(t).outcome("y").groupMeans("x"), /call \.groupBy\(\) before/);
  assert.throws(() => hier(t).outcome("y").groupBy("x").groupMeans("g"), /must be numeric/);
  assert.throws(() => hier(t).outcome("y").groupBy("g").groupMeans("xx"), /did you mean "x"/);
});

Deno.test("groupMeans separates the within-group from the between-group association", async () => {
  // y = 1·(x − x̄_g) + 3·x̄_g + u_g + e: the within slope is 1, the between slope 3, so with x and
  // x̄_g both in the model b_x ≈ 1 and b_x_mean ≈ 3 − 1 = 2. With 30 groups × 20 rows the
  // posterior sds are ≈ 0.04 (b_x) and ≈ 0.1 (b_x_mean); the tolerances are ≥ 4 sds.
  const u = seeded(8);
  const gauss = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const x: number[] = [];
  const y: number[] = [];
  const g: number[] = [];
  for (let j = 0; j < 30; j++) {
    const centre = gauss();
    const effect = 0.5 * gauss();
    for (let i = 0; i < 20; i++) {
      const xi = centre + gauss();
      x.push(xi);
      g.push(j);
      y.push(effect + gauss());
    }
  }
  // Outcome from the realised group means, so the truth holds exactly in-sample.
  const means = withGroupMeans(makeTable({ x: num(...x), g: num(...g) }), "x", ["g"]);
  const xbar = (means.table.columns[means.name] as { values: Float64Array }).values;
  for (let i = 0; i < y.length; i++) y[i] += 1 * (x[i] - xbar[i]) + 3 * xbar[i];
  const table = makeTable({ y: num(...y), x: num(...x), g: num(...g) });
  const fit = await hier(table).outcome("y").groupBy("g").groupMeans("x")
    .priors({ b: normal(0, 5), Intercept: normal(0, 5), sd: normal(0, 1), sigma: normal(0, 2) })
    .fit({ chains: 2, warmup: 400, draws: 400, seed: 3, progress: false });
  const mean = (name: string) => fit.summary().find((p) => p.name === name)!.mean;
  assert.ok(Math.abs(mean("b_x") - 1) < 0.2, `b_x ${mean("b_x")}`);
  assert.ok(Math.abs(mean("b_x_mean_g") - 2) < 0.5, `b_x_mean_g ${mean("b_x_mean_g")}`);
});
