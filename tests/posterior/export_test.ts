/** Export: the CSV layout R's posterior package reads, and JSON with per-chain draws. */
import assert from "node:assert/strict";
import { drawsToCsv, resultToJSON } from "../../lib/posterior/export.ts";
import { smallFit } from "./_fixtures.ts";

Deno.test("drawsToCsv: one column per parameter, then .chain, .iteration, .draw", async () => {
  const fit = await smallFit();
  const lines = drawsToCsv(fit).trimEnd().split("\n");
  assert.equal(lines.length, 1 + 400);
  const header = lines[0];
  assert.ok(header.startsWith("b_Intercept,b_x,b_treat,"));
  assert.ok(header.endsWith(",lp__,.chain,.iteration,.draw"));
  assert.ok(header.includes('"r_g[1,Intercept]"'), "names with commas are quoted");
  const row = lines[201].split(",");
  assert.deepEqual(row.slice(-3), ["2", "1", "201"]);
  assert.equal(Number(row[1]), fit.draws("b_x")[200]);
  const sub = drawsToCsv(fit, { parameters: ["sigma"] }).split("\n");
  assert.equal(sub[0], "sigma,.chain,.iteration,.draw");
});

Deno.test("resultToJSON: fit.toJSON() plus draws per chain", async () => {
  const fit = await smallFit();
  const json = resultToJSON(fit) as { draws: Record<string, number[][]>; parameters: unknown[] };
  assert.ok(Array.isArray(json.parameters));
  assert.equal(json.draws.sigma.length, 2);
  assert.equal(json.draws.sigma[1].length, 200);
  assert.equal(json.draws.sigma[1][0], fit.draws("sigma")[200]);
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(json)));
});
