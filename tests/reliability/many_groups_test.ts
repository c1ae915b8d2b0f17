/**
 * Also covers: model/sampling_cost.ts, posterior/pre_sampling_warnings.ts.
 * Many one-row groups (issue 23): 100 000 groups of one row each make a model with twice as
 * many parameters as rows; the warnings (one-row groups, more parameters than rows, and an
 * estimated run time) are shown before sampling starts, not after minutes of it.
 */
import assert from "node:assert/strict";
import { makeTable } from "../../lib/data/table.ts";
import { formula } from "../../lib/spec/formula.ts";
import { compileModel } from "../../lib/model/compile.ts";
import { fitModel } from "../../lib/fit/mod.ts";
import { preSamplingWarnings } from "../../lib/posterior/pre_sampling_warnings.ts";
import { estimatedSeconds } from "../../lib/model/sampling_cost.ts";
import { seeded } from "../_seeded.ts";

const N = 100_000;
const u = seeded(9);
const table = makeTable({
  y: { kind: "number", values: Float64Array.from({ length: N }, () => u()) },
  treat: { kind: "number", values: Float64Array.from({ length: N }, (_, i) => i % 2) },
  g: { kind: "number", values: Float64Array.from({ length: N }, (_, i) => i) },
});
const spec = formula("y ~ 1 + treat + (1 + treat | g)", table).toJSON();

Deno.test("many one-row groups: warnings with an estimated time before sampling", () => {
  const data = compileModel(spec, table);
  const settings = { chains: 4, warmup: 1000, draws: 1000 };
  const warnings = preSamplingWarnings(data, settings, 4, "nuts");
  assert.ok(warnings.some((w) => /100000 groups have a single row/.test(w)), warnings.join("\n"));
  assert.ok(warnings.some((w) => /parameters but the data have only 100000 rows/.test(w)));
  const time = warnings.find((w) => /estimated to take about/.test(w));
  assert.ok(time, warnings.join("\n"));
  assert.match(time, /more parameters than rows/);
  assert.match(time, /merge small groups/);
  // The collapsed method samples no per-group parameters: no NUTS estimate.
  assert.ok(!preSamplingWarnings(data, settings, 4, "collapsed").some((w) => /estimated/.test(w)));
  // The estimate grows with the work: twice the iterations, twice the time.
  const work = { rows: N, parameters: data.dim, chains: 4, iterations: 2000, workers: 4 };
  assert.equal(estimatedSeconds({ ...work, iterations: 4000 }), 2 * estimatedSeconds(work));
  // A small model: nothing to announce.
  assert.ok(estimatedSeconds({ ...work, rows: 500, parameters: 10 }) < 1);
});

Deno.test("many one-row groups: fitModel prints the warnings before it samples", async () => {
  const printed: string[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => void printed.push(a.map(String).join(" "));
  let progressCalls = 0;
  const controller = new AbortController();
  controller.abort(); // stop at the first chance: only what comes before sampling runs
  try {
    await fitModel(spec, table, {
      method: "nuts",
      progress: () => void progressCalls++,
      signal: controller.signal,
      chains: 1,
    }).catch(() => {});
  } finally {
    console.warn = warn;
  }
  assert.ok(printed.some((w) => /estimated to take about/.test(w)), printed.join("\n"));
  assert.ok(printed.some((w) => /single row/.test(w)));
});
